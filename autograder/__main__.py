import sys

# jsonschema imports rfc3987-syntax, if present, to check the "iri" string formats; that module
# builds an Earley parser when imported, about 3 s on a 2-core machine, for every command. Neither
# notebook validation nor nbgrader uses those formats, so the command line skips the import
# (jsonschema then simply leaves "iri" formats unchecked).
sys.modules.setdefault("rfc3987_syntax", None)

from autograder.cli import main  # noqa: E402

raise SystemExit(main())
