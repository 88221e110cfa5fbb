"""Feedback HTML in which nothing a student wrote can become script.

nbgrader renders feedback with nbconvert's ``HTMLExporter`` and its own ``feedback`` template.
``HTMLExporter.sanitize_html = True`` is not enough there:

* nbgrader's template overrides the markdown-cell block without nbconvert's ``clean_html``, so
  raw HTML in markdown cells (``<script>``, ``<img onerror=...>``) and markdown links to
  ``javascript:`` URLs reach the page unchanged;
* where it does apply (cell outputs), ``clean_html`` escapes everything outside a very small
  list of tags: paragraphs, headings and tables of HTML and markdown outputs show as markup.

:class:`SanitizeFeedback` therefore cleans the notebook itself, last in ``GenerateFeedback``:

* markdown cells (and the graders' comments) are rendered to HTML here, with nbconvert's own
  markdown renderer, cleaned with ``bleach`` against an allow-list, and handed to the template
  as one raw-HTML line, which the template's markdown filter passes through unchanged;
* code-cell outputs keep text, LaTeX and PNG/JPEG images (an output with such an image is shown
  as that image, with its alt text, not through its HTML or SVG copies); HTML and markdown
  outputs are cleaned the same way; SVG is kept without scripts, event handlers, foreign content or outside links
  (the template shows it as an ``<img>`` anyway); every other type (JavaScript, widgets, ...)
  is dropped, and so is output metadata that asks for an iframe or a file link;
* raw cells are cleaned; notebook widget state is dropped.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Any

from nbgrader.preprocessors import NbGraderPreprocessor

ALLOWED_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
})
GLOBAL_ATTRIBUTES = frozenset({"class", "id", "title", "lang", "dir", "style"})
TAG_ATTRIBUTES = {
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "table": {"border"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "type"}, "li": {"value"},
    "details": {"open"},
    "input": {"type", "disabled", "checked"},  # markdown task lists: disabled checkboxes
}
# Presentational CSS only: nothing that positions an element over the page (score spoofing).
ALLOWED_CSS = frozenset({
    "text-align", "vertical-align", "color", "background-color", "font-weight", "font-style",
    "text-decoration", "white-space", "border-collapse",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
IMAGE_DATA_URL = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[a-z0-9+/=]*")
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")

KEPT_OUTPUTS = frozenset({"text/plain", "text/latex", "image/png", "image/jpeg"})
KEPT_OUTPUT_METADATA = frozenset({"width", "height", "alt", "unconfined"})
KEPT_ATTACHMENTS = frozenset({"image/png", "image/jpeg", "image/gif"})

SVG_NS = "http://www.w3.org/2000/svg"
# SVG elements that run script, embed other documents, or can rewrite a link (animations);
# and <metadata>, which holds only non-SVG (RDF) markup.
SVG_DROPPED = frozenset({
    "script", "foreignobject", "iframe", "object", "embed", "handler", "listener", "animate",
    "animatemotion", "animatetransform", "animatecolor", "set", "discard", "metadata",
})


def _normalised(value: str) -> str:
    """A URL as a browser compares its scheme: no whitespace or control characters, lower case."""
    return re.sub(r"[\x00-\x20\x7f-\xa0`]+", "", html.unescape(value)).lower()


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    """bleach's attribute filter: the allow-list, plus where a ``data:`` URL may appear."""
    if name not in GLOBAL_ATTRIBUTES and name not in TAG_ATTRIBUTES.get(tag, ()):
        return False
    if name in ("href", "src"):
        url = _normalised(value)
        if url.startswith("data:"):  # only images, only as images
            return tag == "img" and name == "src" and IMAGE_DATA_URL.fullmatch(url) is not None
    if tag == "input" and name == "type":
        return value.strip().lower() == "checkbox"
    return True


@lru_cache(maxsize=1)
def _cleaner():
    from bleach import Cleaner
    from bleach.css_sanitizer import CSSSanitizer

    return Cleaner(tags=ALLOWED_TAGS, attributes=_attribute_allowed,
                   protocols=ALLOWED_PROTOCOLS, strip=False, strip_comments=True,
                   css_sanitizer=CSSSanitizer(allowed_css_properties=ALLOWED_CSS))


#: Characters of one fragment given to the cleaner; longer fragments (html5lib's cleaning is
#: quadratic in nested tags) are shown as escaped text instead, truncated.
MAX_CLEAN_CHARS = 20_000


def clean_html(fragment: str) -> str:
    """``fragment`` with every tag, attribute and URL outside the allow-list escaped or dropped."""
    if len(fragment) > MAX_CLEAN_CHARS:
        return (f"<pre>{html.escape(fragment[:MAX_CLEAN_CHARS])}</pre>"
                f"<p>[{len(fragment) - MAX_CLEAN_CHARS} more characters not shown]</p>")
    return _cleaner().clean(fragment)


def render_markdown(source: str, attachments: dict[str, Any] | None = None) -> str:
    """Markdown to HTML, with the renderer nbconvert uses for notebooks (math kept for MathJax)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, embed_images=False)
    try:
        return MarkdownWithMath(renderer=renderer).render(source)
    except Exception:  # e.g. a link to a missing attachment: show the source as text
        return f"<pre>{html.escape(source)}</pre>"


def as_html_line(fragment: str) -> str:
    """Clean HTML as markdown source that every markdown renderer passes through verbatim.

    A line that opens a ``<div>`` starts a raw-HTML block that lasts to the next blank line;
    there is none: line breaks become ``&#10;`` (the same character once parsed).
    """
    body = clean_html(fragment).replace("\r\n", "\n").replace("\r", "\n")
    return '<div class="sanitized-markdown">' + body.replace("\n", "&#10;") + "</div>"


def markdown_to_safe_source(source: str, attachments: dict[str, Any] | None = None) -> str:
    """A markdown cell's source, replaced by its cleaned rendering (see :func:`as_html_line`)."""
    kept = {name: {m: v for m, v in bundle.items() if m in KEPT_ATTACHMENTS}
            for name, bundle in (attachments or {}).items() if isinstance(bundle, dict)}
    return as_html_line(render_markdown(source, kept))


def clean_svg(text: str) -> str | None:
    """SVG without scripts, event handlers, foreign content or links out of the image.

    None if it does not parse as XML or declares entities (then the output is dropped).
    """
    if "<!entity" in text.lower():
        return None
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, ValueError):
        return None

    def local(name: str) -> str:
        return name.rsplit("}", 1)[-1].lower()

    if local(root.tag) in SVG_DROPPED:
        return None
    for element in list(root.iter()):  # a list: children are removed on the way
        for child in list(element):
            if not isinstance(child.tag, str) or local(child.tag) in SVG_DROPPED:
                element.remove(child)
        for name in list(element.attrib):
            key, value = local(name), _normalised(element.attrib[name])
            if (key.startswith("on")
                    or key == "href" and not (value.startswith("#")
                                              or IMAGE_DATA_URL.fullmatch(value))
                    or "javascript:" in value):
                del element.attrib[name]
    # Serialise with SVG as the default namespace (ElementTree would invent "ns0:" prefixes);
    # any other namespace keeps a generated prefix, declared on the root.
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{SVG_NS}}}"):
            element.tag = element.tag[len(SVG_NS) + 2:]
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def clean_output(output: dict) -> dict:
    """One code-cell output, with only representations a browser cannot run."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return output  # stream and error text: the template escapes it
    data = output.get("data", {})
    kept: dict[str, Any] = {}
    for mime, value in data.items():
        if mime in ("image/png", "image/jpeg"):
            if isinstance(value, str) and BASE64.fullmatch(value):
                kept[mime] = value
        elif mime in KEPT_OUTPUTS:
            kept[mime] = value
        elif mime == "text/html":
            kept[mime] = clean_html(_join(value))
        elif mime == "image/svg+xml":
            svg = clean_svg(_join(value))
            if svg is not None:
                kept[mime] = svg
    if "text/markdown" in data and "text/html" not in kept:
        kept["text/html"] = clean_html(render_markdown(_join(data["text/markdown"])))
    if "image/png" in kept or "image/jpeg" in kept:
        # a figure: the template shows the image itself, with the alt text of its metadata
        # (an HTML copy, <img src="data:..." alt="...">, would outgrow MAX_CLEAN_CHARS and show
        # as text, and would win over the image in the template's display priority)
        for mime in ("text/html", "image/svg+xml"):
            kept.pop(mime, None)
    output["data"] = kept
    metadata = output.get("metadata", {})
    clean_meta: dict[str, Any] = {k: v for k, v in metadata.items() if k in KEPT_OUTPUT_METADATA}
    for mime in kept:
        if isinstance(metadata.get(mime), dict):
            clean_meta[mime] = {k: v for k, v in metadata[mime].items()
                                if k in KEPT_OUTPUT_METADATA}
    output["metadata"] = clean_meta
    return output


class SanitizeFeedback(NbGraderPreprocessor):
    """Last preprocessor of ``GenerateFeedback``: the notebook, made safe to render as HTML.

    See the module docstring. Applied whatever ``HTMLExporter.sanitize_html`` says, which it
    makes unnecessary (and which would escape the paragraphs and tables kept here).
    """

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = markdown_to_safe_source(cell.source, cell.get("attachments"))
            cell.pop("attachments", None)
        elif cell.cell_type == "code":
            cell.outputs = [clean_output(o) for o in cell.get("outputs", [])]
        else:  # raw (or unknown) cells
            cell.source = clean_html(cell.source)
            cell.pop("attachments", None)
        grading = cell.metadata.get("nbgrader", {})
        if isinstance(grading.get("comment"), str):  # a grader's markdown comment
            grading["comment"] = as_html_line(render_markdown(grading["comment"]))
        return cell, resources
