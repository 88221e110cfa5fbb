"""What the test cells do inside Jupyter: readable failures, quiet stubs, and a Validate that
means something. Student-safe (no reference, no hidden checks); installed by
:mod:`autograder.checks.feedback` when it is imported inside IPython.

Three behaviours, each through IPython's own extension points:

* **A failing visible test** (:func:`~autograder.checks.feedback.expect`,
  ``expect_raises``) shows its report: the exercise, the case, expected and got, the likely
  mistake, and no traceback through the course's modules (``CheckFailure._render_traceback_``,
  IPython's hook for exceptions that render themselves). It is still an error: Run All stops
  there, and nbgrader and nbval count the cell as failed.
* **A stub** (a function of the notebook that raises ``NotImplementedError``) prints one line,
  ``corr2d is not implemented yet``, through a custom exception handler
  (``InteractiveShell.set_custom_exc``). In a learner's session the cell then counts as run,
  not failed (the rest of that cell is skipped), so Run All goes on to the prose and figures
  below; a later cell that needs a name the skipped part would have defined says so in one
  line and is skipped the same way (a ``NameError`` for any other name is left alone). Under
  nbgrader (``NBGRADER_EXECUTION`` is set by ``nbgrader validate`` and ``autograde``, and
  passed into the grader's sandboxed kernel) it stays an error, shown as that one line, so
  nbgrader still gives a stub 0.
* **Validate.** nbgrader's Validate looks only at graded cells, and the points live in the
  hidden tests, so a visible test alone could never fail it. Every failing visible-test cell is
  therefore recorded (a ``post_run_cell`` hook) against the notebook functions its failing
  statement uses (that statement and, within the cell, the assignments it reads). The hidden-
  test cell of an exercise starts with ``require_implemented(fn, ...)``, which fails while a
  visible test of ``fn`` is recorded as failing: Validate then fails on that graded cell and
  names the exercise and the case. Running the visible-test cell again clears its record.

A visible-test cell is a cell that starts with :data:`VISIBLE_MARK` (the build checks that every
course test cell with an ``assert`` does), or a cell in which ``expect`` failed.
"""

from __future__ import annotations

import ast
import linecache
import os
from typing import Any

#: The first line of every visible-test cell of the course.
VISIBLE_MARK = "# Visible test"

RED, RESET = "\x1b[0;31m", "\x1b[0m"

# the failing visible-test cells of this session: cell text -> (exercise names, message)
_FAILURES: dict[str, tuple[tuple[str, ...], str]] = {}
# names a skipped cell would have defined (a learner's session): name -> why
_SKIPPED: dict[str, str] = {}


def graded_run() -> bool:
    """True when nbgrader executes the notebook (validate, autograde), False in a learner's
    session. nbgrader sets ``NBGRADER_EXECUTION`` while it runs a kernel."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def shell():
    """The running IPython shell, or None (plain Python, the grader's sandbox runner)."""
    import sys

    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def learner_session() -> bool:
    """Inside IPython (JupyterLab, nbclient) and not under nbgrader."""
    return shell() is not None and not graded_run()


# ----------------------------------------------------------------------------- attribution


def _names(node: ast.AST) -> list[str]:
    """Names read by ``node``, in source order; bodies of lambdas, functions and classes are
    not entered (they are not called by the statement itself)."""
    found: list[str] = []

    def visit(n: ast.AST, top: bool) -> None:
        if not top and isinstance(n, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef
                                  | ast.ClassDef):
            return
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in found:
            found.append(n.id)
        for child in ast.iter_child_nodes(n):
            visit(child, False)

    visit(node, True)
    return found


def _bound(stmt: ast.stmt) -> set[str]:
    """Names a statement assigns in the cell's scope, also inside the blocks of a compound
    statement (``with torch.device("meta"): nets = ...``, a loop, an ``if``); not inside the
    functions, classes, lambdas and comprehensions it contains, whose names are their own."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return set()   # its name is defined (see _defined), its body is another scope
    found: set[str] = set()
    own_scope = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
                 ast.SetComp, ast.DictComp, ast.GeneratorExp)

    def visit(node: ast.AST) -> None:
        if isinstance(node, own_scope):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(stmt)
    return found


def _cell_entry(tb, user_ns: dict):
    """The traceback entry of the notebook cell itself (its module-level code), or None."""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals is user_ns and frame.f_code.co_name == "<module>":
            return tb
        tb = tb.tb_next
    return None


def failing_statement(exc: BaseException) -> tuple[str, int, list[ast.stmt], int] | None:
    """(cell source, line, the cell's top-level statements, index of the failing one)."""
    ip = shell()
    if ip is None:
        return None
    entry = _cell_entry(exc.__traceback__, ip.user_ns)
    if entry is None:
        return None
    source = "".join(linecache.getlines(entry.tb_frame.f_code.co_filename))
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return None
    line = entry.tb_lineno
    for index, stmt in enumerate(body):
        if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            return source, line, body, index
    return None


def is_notebook_function(value: Any) -> bool:
    """A function defined in a cell of the notebook (an answer, or a helper of the learner's)."""
    return callable(value) and getattr(value, "__module__", None) == "__main__" and hasattr(
        value, "__code__")


def exercises_of(exc: BaseException) -> tuple[str, ...]:
    """The notebook functions the failing statement of a cell uses: directly, or through the
    variables it reads that earlier statements of the same cell assigned. Empty if unknown."""
    found = failing_statement(exc)
    ip = shell()
    if found is None or ip is None:
        return ()
    _, _, body, index = found
    seen = _names(body[index])
    queue = list(seen)
    while queue:
        name = queue.pop(0)
        for stmt in body[:index]:
            if name in _bound(stmt):
                for more in _names(stmt):
                    if more not in seen:
                        seen.append(more)
                        queue.append(more)
    return tuple(n for n in seen if is_notebook_function(ip.user_ns.get(n)))


# ----------------------------------------------------------------------------- display


def render_failure(exc: BaseException) -> list[str]:
    """A check failure as the lines a learner reads: the exercise, then the report."""
    lines = str(exc).rstrip().splitlines() or [""]
    if getattr(exc, "exercise", ""):  # raised by require_implemented: the message names it
        return [f"{RED}{type(exc).__name__}{RESET}: {lines[0]}", *lines[1:]]
    names = exercises_of(exc)
    head = f"{names[0]} failed a visible test" if names else "a visible test failed"
    return [f"{RED}{type(exc).__name__}: {head}{RESET}", *lines]


def stub_name(exc: BaseException) -> str | None:
    """The function of the notebook that raised this NotImplementedError (a stub), or None if
    it came from elsewhere (a library, a cell's own code)."""
    ip = shell()
    tb = exc.__traceback__
    if ip is None or tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    if frame.f_globals is not ip.user_ns or frame.f_code.co_name.startswith("<"):
        return None
    return getattr(frame.f_code, "co_qualname", frame.f_code.co_name)  # "BasicBlock.forward"


def stub_message(stub: str, caller: str = "") -> str:
    if caller and stub == f"{caller}.__init__":   # a class exercise whose constructor is a stub
        return f"{caller} is not implemented yet"
    if caller and stub.startswith(f"{caller}."):
        return f"{stub} is not implemented yet"
    if caller and caller != stub:
        return f"{stub} is not implemented yet ({caller} calls it)"
    return f"{stub} is not implemented yet"


class _OneLine(NotImplementedError):
    """How a stub's error shows under nbgrader: one line, no traceback (the output keeps the
    name NotImplementedError, the type IPython was handling)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{RED}NotImplementedError{RESET}: {self}"]


def _skip_rest_of_cell(ip, value: BaseException, message: str) -> None:
    """A learner's session: say why in one line, remember what the rest of the cell would have
    defined, and let the cell count as run, not failed (Run All goes on)."""
    print(f"{message}: the rest of this cell is skipped.", flush=True)
    found = failing_statement(value)
    if found is not None:
        _, _, body, index = found
        for stmt in body[index:]:
            for name in _bound(stmt) | _defined(stmt):
                _SKIPPED[name] = message
    result = getattr(ip.displayhook, "exec_result", None)
    if result is not None and result.error_in_exec is value:
        result.error_in_exec = None


def _defined(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    return set()


def _on_error(ip, etype, value, tb, tb_offset=None):
    """IPython's custom handler for NotImplementedError and NameError (see the module
    docstring); anything it does not recognise gets IPython's usual traceback."""
    try:
        if issubclass(etype, NameError):
            missing = getattr(value, "name", None)
            if missing in _SKIPPED and not graded_run():
                _skip_rest_of_cell(ip, value,
                                   f"{missing} is not defined because {_SKIPPED[missing]}")
                return None
        elif issubclass(etype, NotImplementedError):
            message = getattr(value, "stub_message", "")  # from require_implemented
            if not message:
                stub = stub_name(value)
                message = stub_message(stub) if stub else ""
            if message and not graded_run():
                _skip_rest_of_cell(ip, value, message)
                return None
            if message:
                ip.showtraceback((etype, _OneLine(message), None))
                return None
    except Exception:
        pass
    ip.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return None


# ----------------------------------------------------------------------------- Validate


def _is_visible_test(cell: str, exc: BaseException) -> bool:
    from autograder.checks.feedback import CheckFailure

    return isinstance(exc, CheckFailure) or cell.lstrip().startswith(VISIBLE_MARK)


def _message(exc: BaseException) -> str:
    from autograder.checks.feedback import CheckFailure

    if isinstance(exc, CheckFailure):
        return str(exc).rstrip()
    found = failing_statement(exc)
    where = ""
    if found is not None:
        source, _, body, index = found
        code = ast.get_source_segment(source, body[index]) or ""
        where = f"\n  the check: {' '.join(code.split())[:200]}"
    text = str(exc).strip() or "(no message)"
    return f"{type(exc).__name__}: {text}{where}"


def _post_run_cell(result) -> None:
    """Record (or clear) the failure of a visible-test cell."""
    ip = shell()
    if ip is not None:
        for name in [n for n in _SKIPPED if n in ip.user_ns]:
            del _SKIPPED[name]  # defined after all
    info = getattr(result, "info", None)
    cell = getattr(info, "raw_cell", None)
    if not isinstance(cell, str):
        return
    exc = getattr(result, "error_in_exec", None)
    if exc is None or isinstance(exc, NotImplementedError) or not _is_visible_test(cell, exc):
        _FAILURES.pop(cell, None)
        return
    try:
        _FAILURES[cell] = (exercises_of(exc), _message(exc))
    except Exception:  # never break the learner's session over a record
        _FAILURES[cell] = ((), f"{type(exc).__name__}: {exc}")


def visible_failures(name: str) -> list[str]:
    """Messages of the recorded failing visible tests that use ``name`` (or no function the
    grader could tell)."""
    return [message for names, message in _FAILURES.values() if name in names or not names]


def install(ip=None) -> None:
    """Install the handlers in the running IPython shell (idempotent)."""
    ip = ip or shell()
    if ip is None or not hasattr(ip, "set_custom_exc"):
        return
    if getattr(ip, "_cnn_course_installed", False):
        return
    ip.set_custom_exc((NotImplementedError, NameError), _on_error)
    ip.events.register("post_run_cell", _post_run_cell)
    ip._cnn_course_installed = True
