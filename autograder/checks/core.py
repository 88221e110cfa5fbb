"""Hidden checks: run a student's function on fixed and seeded random cases against the reference.

A hidden test cell in a source notebook is one line::

    grade("corr2d", corr2d, points=3)

:func:`grade` runs every case of the exercise, groups the cases, prints a report that names each
failing case and the likely mistake, and returns the points earned. The cell's last value is that
number, which nbgrader reads as partial credit. Nothing the student's code raises escapes: an
exception is reported as the failure of that case, so no traceback (and no test source) reaches
the feedback.

An exercise is described by :class:`Exercise` in ``autograder/exercises/<module>.py``: its
reference (a name in ``solutions``), its cases in groups with weights, and its catalogue of known
wrong variants, each derived from the reference.
"""

from __future__ import annotations

import copy
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.checks.feedback import MISTAKES, as_plain_array, describe, diagnose


@dataclass
class Case:
    """One call of the function under test. ``label`` names it in feedback: shapes, params."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    raises: type[BaseException] | None = None  # the call must raise this
    # a property check used instead of comparing with the reference (e.g. "is an edge detector"):
    # returns None if the output is acceptable, else what is wrong with it
    check: Callable[[Any], str | None] | None = None
    key: tuple = ()  # (group, position), set when the cases are generated
    # the dtype the result must have (cases of the exercise's dtype rule), else None
    expect_dtype: Any = None
    # turns the returned object into data and compares it (autograder.checks.models.ModelProbe:
    # a model crosses the sandbox only as data): .call(fn, args, kwargs), .compare(got, want)
    probe: Any = None


@dataclass
class Group:
    """Cases graded together: the group's share of the points is earned only if all pass."""

    name: str
    weight: float
    cases: Callable[[np.random.Generator], Iterable[Case]]


@dataclass
class Mistake:
    """A known wrong variant: ``variant`` has the reference's signature and computes the mistake."""

    key: str  # a key of feedback.MISTAKES, or a plain-words description
    variant: Callable[..., Any]
    # the variant is undefined on some cases (it raises there, as the student's code would):
    # it names the cases it covers, and cannot be expected to name a whole report
    partial: bool = False


@dataclass
class Exercise:
    name: str
    reference: str  # attribute of the solutions package
    groups: Sequence[Group]
    mistakes: Sequence[Mistake] = ()
    atol: float = 1e-10
    seed: int = 0
    # names of the parts when the function returns a tuple, e.g. ("dx", "dw", "db"): each part
    # is compared (and diagnosed) on its own
    outputs: tuple[str, ...] = ()
    # the dtype rule its docstring states, checked with integer, float32 and float64 inputs:
    # "float64" (always returns float64) or "keeps_float" (float32 stays float32, float64 stays
    # float64, integers give float64); None for results that are not float arrays
    dtype_rule: str | None = None
    # the group whose first cases are cast for the dtype rule (index into groups)
    dtype_group: int = 1
    # a count: the result must be an int or a numpy integer, never a float (the docstring says so);
    # where the reference returns a tuple of counts, a sequence of such ints
    int_result: bool = False

    def reference_fn(self) -> Callable[..., Any]:
        from autograder.checks.exercises.common import ref

        return ref(self.reference)


@dataclass
class GroupResult:
    name: str
    points: float
    max_points: float
    n_cases: int
    failure: str | None = None  # message for the first failing case


@dataclass
class Report:
    exercise: str
    groups: list[GroupResult]
    patterns: list[str] = field(default_factory=list)  # what the failing cases have in common

    @property
    def points(self) -> float:
        return sum(g.points for g in self.groups)

    @property
    def max_points(self) -> float:
        return sum(g.max_points for g in self.groups)

    def text(self) -> str:
        lines = [f"{self.exercise}: {_fmt(self.points)} / {_fmt(self.max_points)} points"]
        for g in self.groups:
            mark = "pass" if g.failure is None else "FAIL"
            cases = f"{g.n_cases} case" + ("s" if g.n_cases != 1 else "")
            lines.append(f"  [{mark}] {g.name} ({cases}): {_fmt(g.points)} / {_fmt(g.max_points)}")
            if g.failure:
                lines += ["      " + line for line in g.failure.rstrip("\n").splitlines()]
        lines += [f"  pattern: {p}" for p in self.patterns]
        return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


REGISTRY: dict[str, Exercise] = {}


DTYPE_RULES = {
    "float64": "returns float64 for integer, float32 and float64 input",
    "keeps_float": "keeps float32 and float64, and returns float64 for integer input",
}


def _cast(value: Any, kind: str) -> Any:
    """A float array argument as integers, float32 or float64 (other arguments unchanged)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        if kind == "int":
            return np.round(value * 3).astype(np.int64)
        return value.astype(np.float32 if kind == "float32" else np.float64)
    return value


def _want_dtype(rule: str, kind: str) -> np.dtype:
    if rule == "keeps_float" and kind == "float32":
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def dtype_group(ex: Exercise) -> Group:
    """The cases of an exercise's dtype rule: the first three cases of ``ex.dtype_group``, each
    with its float arrays given as integers, float32 and float64."""
    base_index = ex.dtype_group
    base = ex.groups[base_index]

    def cases(rng: np.random.Generator) -> Iterable[Case]:
        source = list(base.cases(np.random.default_rng([ex.seed, base_index])))
        source = [c for c in source if c.raises is None and c.check is None][:3]
        for case in source:
            for kind in ("int", "float32", "float64"):
                args = tuple(_cast(a, kind) for a in case.args)
                kwargs = {k: _cast(v, kind) for k, v in case.kwargs.items()}
                if all(a is b for a, b in zip(args, case.args, strict=True)) and all(
                        kwargs[k] is case.kwargs[k] for k in kwargs):
                    continue  # nothing to cast in this case
                yield Case(f"{case.label}, inputs as {'int64' if kind == 'int' else kind}",
                           args, kwargs, expect_dtype=_want_dtype(ex.dtype_rule, kind))

    return Group(f"dtype rule: {DTYPE_RULES[ex.dtype_rule]}", 0.5, cases)


def register(exercise: Exercise) -> Exercise:
    if exercise.name in REGISTRY:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    if exercise.dtype_rule is not None:
        if exercise.dtype_rule not in DTYPE_RULES:
            raise ValueError(f"{exercise.name}: unknown dtype rule {exercise.dtype_rule!r}")
        exercise.groups = [*exercise.groups, dtype_group(exercise)]
    REGISTRY[exercise.name] = exercise
    return exercise


def get_exercise(name: str) -> Exercise:
    import autograder.checks.exercises  # noqa: F401  (registers every exercise)

    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no exercise named {name!r}; known: {sorted(REGISTRY)}") from None


def _same(a: Any, b: Any) -> bool:
    """True if an argument is unchanged by a call (arrays compared by dtype, shape and value)."""
    if isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(b, list | tuple):
        return (isinstance(a, list | tuple) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    return True


def mutated_arguments(case: Case, args: tuple, kwargs: dict) -> tuple[str, ...]:
    """Which arguments a call changed: positions as "0", "1", ... and keywords by name."""
    changed = [str(i) for i, (a, b) in enumerate(zip(args, case.args, strict=True))
               if not _same(a, b)]
    changed += [k for k in case.kwargs if not _same(kwargs.get(k), case.kwargs[k])]
    return tuple(changed)


def _call(fn: Callable[..., Any], case: Case
          ) -> tuple[Any, BaseException | None, str, tuple[str, ...]]:
    """Call ``fn`` on private copies of the case's inputs; capture what it prints and which
    arguments it changed in place.

    A recorded answer (graded from a sandbox, see autograder.verdict.trusted) is not called: it
    returns what the sandbox recorded for this case.
    """
    if hasattr(fn, "recorded_call"):
        return fn.recorded_call(case)
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    printed = io.StringIO()
    try:
        with redirect_stdout(printed):
            value = fn(*args, **kwargs) if case.probe is None else case.probe.call(fn, args, kwargs)
        return value, None, printed.getvalue(), mutated_arguments(case, args, kwargs)
    except Exception as exc:  # the student's code may raise anything
        return None, exc, printed.getvalue(), ()


# ValueErrors that numpy or Python raise themselves (a computation gone wrong, not a check)
_LIBRARY_VALUE_ERROR = re.compile(
    r"broadcast|reshape|operand|array element|zero-size|negative dimensions|values to unpack|"
    r"truth value|could not convert|invalid literal|axis|dimension|sequence|math domain",
    re.IGNORECASE)


def _own_input_check(exc: BaseException) -> bool:
    """True for a ValueError that reads like the answer's own input check ("must be ...",
    "got ..."), raised on a case the reference answers: a valid input refused."""
    return (type(exc) is ValueError and not _LIBRARY_VALUE_ERROR.search(str(exc))
            and bool(re.search(r"\bmust\b|\bgot\b|\binvalid\b|\bexpected\b", str(exc))))


def _describe_exception(name: str, exc: BaseException) -> str:
    """One report line for an exception the answer raised. A message of several lines keeps its
    lines, each continued behind "| ": the answer chose that text, so no line of it may read
    as the report's own (a forged "likely mistake:" or "case" line)."""
    if isinstance(exc, NotImplementedError):
        return f"{name} raised NotImplementedError: it is not implemented yet."
    message = "\n    | ".join(str(exc).splitlines())
    return f"{name} raised {type(exc).__name__}: {message}"


@dataclass
class Failure:
    """A failing case, kept so that later cases can narrow down the likely mistake."""

    case: Case
    message: str | None  # complete feedback, for failures that need no comparison
    got: Any = None
    want: Any = None
    variants: list[tuple[str, Any]] = field(default_factory=list)
    part: int | None = None  # which part of a tuple result failed
    part_name: str = ""

    def text(self, atol: float) -> str:
        if self.message is not None:
            return self.message
        where = f", {self.part_name}" if self.part_name else ""
        return f'case "{self.case.label}"{where}:\n' + (
            diagnose(self.got, self.want, atol=atol, mistakes=self.variants) or "")


def _part_order(got: Any, want: Any, atol: float) -> list[int] | None:
    """For each returned part, the index of the expected part it equals (None if any matches
    none, or if the matching is ambiguous)."""
    order = []
    for g in got:
        matches = [j for j, w in enumerate(want)
                   if diagnose(g, np.asarray(w), atol=atol) is None]
        if len(matches) != 1:
            return None
        order.append(matches[0])
    return order if len(set(order)) == len(order) else None


def _part(value: Any, part: int | None, n: int) -> Any:
    """Part ``part`` of a tuple result (None if it is not a tuple of n); the value itself if
    ``part`` is None."""
    if part is None:
        return value
    if isinstance(value, tuple | list) and len(value) == n:
        return value[part]
    return None


def _reference_call(ex: Exercise, reference: Callable[..., Any], case: Case
                    ) -> tuple[Any, BaseException | None, str, tuple[str, ...]]:
    """``_call(reference, case)``, computed once per case and exercise object, as the variants
    are (see :func:`_variants`); the cache holds the function, so its id is not reused."""
    cache = ex.__dict__.setdefault("_reference_cache", {})
    key = (id(reference), case.key, case.label)
    if key not in cache:
        cache[key] = (reference, _call(reference, case))
    return cache[key][1]


def _variants(ex: Exercise, case: Case) -> list[tuple[str, Any]]:
    """(key, output) of every catalogue mistake that runs on ``case``. Computed once per case
    and exercise object: the variants are deterministic, and one run asks again for a case it
    narrows on, a batch compares many submissions on the same cases, and the catalogue's own
    test runs every mistake against all the others (a model case traces each variant anew)."""
    cache = ex.__dict__.setdefault("_variant_cache", {})
    key = (case.key, case.label)
    if key not in cache:
        out = []
        for mistake in ex.mistakes:
            value, err, _, _ = _call(mistake.variant, case)
            if err is None and value is not None:
                out.append((mistake.key, value))
        cache[key] = out
    return cache[key]


def _is_integer(value: Any) -> bool:
    """An int, a numpy integer, or (as a result comes back from the sandbox) a 0-d integer
    array; never a bool or a float."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | np.integer):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu"


def _is_integer_result(got: Any, want: Any) -> bool:
    """``got`` is a count as ``want`` is: an int (:func:`_is_integer`), or, where ``want`` is a
    tuple of counts, a tuple, list or 1-D integer array of ints (a tuple of ints comes back from
    the sandbox as a list)."""
    if not isinstance(want, tuple | list):
        return _is_integer(got)
    if isinstance(got, np.ndarray):
        return got.ndim == 1 and got.dtype.kind in "iu"
    return isinstance(got, tuple | list) and all(_is_integer(v) for v in got)


def check_case(ex: Exercise, student: Callable[..., Any], case: Case,
               reference: Callable[..., Any]) -> Failure | None:
    """None if the student's function passes ``case``, else the failure."""
    head = f'case "{case.label}":\n'
    got, exc, _, mutated = _call(student, case)
    if case.raises is not None:
        if isinstance(exc, case.raises):
            return None
        if exc is None:
            return Failure(case, head + f"  expected {case.raises.__name__}, but {ex.name} "
                           f"returned {describe(got)}\n")
        return Failure(case, head + f"  expected {case.raises.__name__}; "
                       f"{_describe_exception(ex.name, exc)}\n")
    if exc is not None:
        hint = ("  likely mistake: an input check refuses a valid input: these arguments are "
                "allowed by the docstring (compare your condition with its Raises line)\n"
                if _own_input_check(exc) else "")
        return Failure(case, head + "  " + _describe_exception(ex.name, exc) + "\n" + hint)
    if mutated:
        return Failure(case, head + _mutation_message(ex, reference, mutated))
    if case.check is not None:
        if isinstance(got, list | tuple):
            return Failure(case, head + f"  got:      {describe(got)}\n  likely mistake: "
                           f"{MISTAKES['list_returned']}\n")
        problem = case.check(got)
        if problem is None:
            return None
        likely = _likely(ex, case, got)
        return Failure(case, head + f"  {problem}\n" + (
            f"  likely mistake: {likely}\n" if likely else ""))
    want, ref_exc, _, _ = _reference_call(ex, reference, case)
    if ref_exc is not None:  # a broken case is the course's bug, never the student's
        raise RuntimeError(f"{ex.name}: the reference fails on {case.label}: {ref_exc!r}")
    if case.probe is not None:  # compared as data, see autograder.checks.models
        problem = case.probe.compare(got, want, lambda: _variants(ex, case))
        return None if problem is None else Failure(case, head + problem)
    if case.expect_dtype is not None:
        return _check_dtype(ex, case, got, want)
    if ex.outputs:
        return _check_parts(ex, case, got, want)
    if isinstance(want, np.ndarray) and isinstance(got, list | tuple):
        return Failure(case, head + f"  expected: {describe(want)}\n  got:      {describe(got)}"
                       f"\n  likely mistake: {MISTAKES['list_returned']}\n")
    if ex.int_result and not _is_integer_result(got, want):
        # counts are exact: a Python int or a numpy integer (np.prod's) both count as an int
        what = (f"a tuple of {len(want)} ints {tuple(want)}" if isinstance(want, tuple | list)
                else f"int {want}")
        return Failure(case, head + f"  expected: {what}\n  got:      {describe(got)} "
                       f"{got!r:.40}\n  likely mistake: {MISTAKES['count_not_int']}\n")
    if (isinstance(want, np.ndarray) and want.dtype.kind in "iu" and isinstance(got, np.ndarray)
            and got.dtype != want.dtype and diagnose(got, want, atol=ex.atol) is None):
        # the right numbers in another dtype: the docstring promises the reference's dtype
        rounds = "rounds and " if got.dtype.kind == "f" else ""
        return Failure(case, head + f"  expected: {describe(want)}\n  got:      {describe(got)}\n"
                       f"  likely mistake: the values are right, the dtype is not: return "
                       f"{want.dtype} as the docstring says (np.array(rows, dtype=np."
                       f"{want.dtype})); {got.dtype} {rounds}can overflow on large networks.\n")
    want = np.asarray(want)
    if diagnose(got, want, atol=ex.atol) is None:
        return None
    return Failure(case, None, got, want, _variants(ex, case))


def _argument_names(reference: Callable[..., Any], mutated: tuple[str, ...]) -> list[str]:
    import inspect

    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        names = []
    return [names[int(m)] if m.isdigit() and int(m) < len(names) else m for m in mutated]


def _mutation_message(ex: Exercise, reference: Callable[..., Any],
                      mutated: tuple[str, ...]) -> str:
    names = ", ".join(f"`{n}`" for n in _argument_names(reference, mutated))
    return (f"  {ex.name} changed its input {names} in place; it must not modify its inputs.\n"
            f"  likely mistake: {MISTAKES['input_modified']}\n")


def _check_dtype(ex: Exercise, case: Case, got: Any, want: Any) -> Failure | None:
    """A case of the dtype rule: the result's dtype first, then its values (to float32's
    precision where the inputs are float32)."""
    parts_got = got if ex.outputs else (got,)
    parts_want = want if ex.outputs else (want,)
    names = ex.outputs or ("",)
    if ex.outputs and (not isinstance(got, tuple | list) or len(got) != len(ex.outputs)):
        return Failure(case, f'case "{case.label}":\n  expected a tuple ({", ".join(ex.outputs)}),'
                       f" got {describe(got)}\n")
    for name, g, w in zip(names, parts_got, parts_want, strict=True):
        where = f", {name}" if name else ""
        arr = as_plain_array(g) if isinstance(g, np.ndarray) else None
        if arr is None:
            problem = diagnose(g, np.asarray(w, dtype=np.float64), atol=ex.atol)
            return Failure(case, f'case "{case.label}"{where}:\n' + (problem or ""))
        if arr.dtype != case.expect_dtype:
            return Failure(case, f'case "{case.label}"{where}:\n  expected: {case.expect_dtype} '
                           f"array (the dtype rule: {DTYPE_RULES[ex.dtype_rule]})\n"
                           f"  got:      {describe(arr)}\n"
                           f"  likely mistake: {_dtype_hint(case.expect_dtype, arr.dtype)}\n")
        w64 = np.asarray(w, dtype=np.float64)
        single = arr.dtype != np.float64 or any(  # float32 inputs: float32's precision
            isinstance(a, np.ndarray) and a.dtype == np.float32
            for a in (*case.args, *case.kwargs.values()))
        tol = 2e-3 * max(1.0, float(np.max(np.abs(w64), initial=0.0))) if single else ex.atol
        problem = diagnose(arr.astype(np.float64), w64, atol=tol)
        if problem is not None:
            return Failure(case, f'case "{case.label}"{where}:\n' + problem)
    return None


def _dtype_hint(want: np.dtype, got: np.dtype) -> str:
    if got.kind in "iub":
        return ("the result keeps the integer dtype of the input: build the output as floats "
                "(np.zeros(shape) is float64) or convert the input first (np.asarray(x, "
                "dtype=np.float64)); integer arithmetic also rounds.")
    if want == np.float32:
        return ("float32 input must stay float32: create the output with dtype=x.dtype (or "
                "np.result_type of the inputs) instead of np.zeros(shape), which is float64.")
    return ("return float64: convert the input with np.asarray(x, dtype=np.float64) or build "
            "the output with np.zeros(shape).")


def _check_parts(ex: Exercise, case: Case, got: Any, want: Any) -> Failure | None:
    """Compare a tuple result part by part; the first failing part is diagnosed on its own."""
    n = len(ex.outputs)
    if not isinstance(got, tuple | list) or len(got) != n:
        size = f" of length {len(got)}" if isinstance(got, tuple | list) else ""
        return Failure(case, f'case "{case.label}":\n  expected a tuple ({", ".join(ex.outputs)}), '
                       f"got {describe(got)}{size}\n")
    order = _part_order(got, want, ex.atol)
    if order is not None and order != list(range(n)):
        names = ", ".join(ex.outputs[j] for j in order)
        return Failure(case, f'case "{case.label}":\n  got the parts in the order ({names})\n'
                       f"  likely mistake: the parts are in the wrong order: return "
                       f"({', '.join(ex.outputs)}).\n")
    for i, name in enumerate(ex.outputs):
        if isinstance(want[i], np.ndarray) and isinstance(got[i], list | tuple):
            return Failure(case, f'case "{case.label}", {name}:\n  expected: {describe(want[i])}'
                           f"\n  got:      {describe(got[i])}\n"
                           f"  likely mistake: {MISTAKES['list_returned']}\n")
        part_want = np.asarray(want[i])
        if diagnose(got[i], part_want, atol=ex.atol) is not None:
            variants = [(key, _part(value, i, n)) for key, value in _variants(ex, case)]
            return Failure(case, None, got[i], part_want,
                           [(k, v) for k, v in variants if v is not None], part=i, part_name=name)
    return None


def _narrow(ex: Exercise, student: Callable[..., Any], failure: Failure,
            later: list[Case]) -> None:
    """Keep only the mistakes that also explain the student's output on the later cases."""
    matching = {key for key, value in failure.variants
                if diagnose(failure.got, np.asarray(value), atol=ex.atol) is None}
    if len(matching) < 2:
        return
    n = len(ex.outputs)
    for case in later:
        if case.raises is not None or case.check is not None:
            continue
        got, exc, _, _ = _call(student, case)
        got = _part(got, failure.part, n)
        if exc is not None or got is None:
            continue
        still = set()
        for key, value in _variants(ex, case):
            value = _part(value, failure.part, n)
            if key in matching and value is not None and diagnose(
                    got, np.asarray(value), atol=ex.atol) is None:
                still.add(key)
        if still:
            matching = still
        if len(matching) == 1:
            break
    failure.variants = [(k, v) for k, v in failure.variants if k in matching]


def _likely(ex: Exercise, case: Case, got: Any) -> str | None:
    """The catalogue mistake whose output ``got`` matches, for property-checked cases."""
    for mistake in ex.mistakes:
        out, err, _, _ = _call(mistake.variant, case)
        if err is None and out is not None and diagnose(got, np.asarray(out), atol=ex.atol) is None:
            return MISTAKES.get(mistake.key, mistake.key)
    return None


# ----------------------------------------------------------------------------- case features

FEATURE_HINTS = {
    "stride > 1": "check how your window moves with the stride (start at i * stride).",
    "padding > 0": "check the zero padding: P rows and columns on each side (top and bottom, "
    "left and right), and where the windows start.",
    "non-square images": "check that rows use H and columns use W (an axis swapped or H used "
    "for both).",
    "non-square kernels": "check that the kernel's rows use KH and its columns KW.",
    "a batch of more than one": "check the loop over the batch axis N (every image, not only "
    "the first or the last).",
    "more than one channel": "check that every input channel is summed (+=), not only the first "
    "or the last kept.",
    "more than one filter": "check the loop over the filters (output channels).",
    "overlapping windows": "with overlapping windows a value belongs to several windows: "
    "gradients must add up (+=, np.add.at), not overwrite.",
    "different row and column strides": "check that rows step by the row stride and columns by "
    "the column stride (sh, sw = pair(stride)).",
    "different row and column paddings": "check that rows get the row padding and columns the "
    "column padding (ph, pw = pair(padding)).",
    "bias=False": "check the bias flag: with bias=False no bias is counted or added.",
    "more than one input channel": "check that every input channel is counted: a filter spans "
    "all c_in channels.",
    "more than one example": "check the batch axis: every row (example) is handled on its own "
    "(axis=1 for classes, keepdims=True), not only a batch of one.",
}


FEATURE_OPPOSITES = {
    "stride > 1": "stride 1", "padding > 0": "no padding", "non-square images": "square images",
    "non-square kernels": "square kernels", "a batch of more than one": "a batch of one",
    "more than one channel": "one channel", "more than one filter": "one filter",
    "overlapping windows": "non-overlapping windows",
    "different row and column strides": "equal row and column strides",
    "different row and column paddings": "equal row and column paddings",
    "bias=False": "bias=True", "more than one input channel": "one input channel",
    "more than one example": "a batch of one",
}


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    if isinstance(value, tuple | list) and len(value) == 2 and all(
            isinstance(v, int | np.integer) for v in value):
        return int(value[0]), int(value[1])
    return None


def case_features(reference: Callable[..., Any], case: Case) -> dict[str, bool]:
    """What a case is like, read from its arguments by name (x: (N, C, H, W), w: (F, C, KH, KW),
    X: (H, W), K: (KH, KW), stride, padding, kernel_size): the axes of a failure pattern."""
    import inspect

    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        return {}
    bound = dict(zip(names, case.args, strict=False)) | dict(case.kwargs)
    feats: dict[str, bool] = {}
    x = bound.get("x")
    if isinstance(x, np.ndarray) and x.ndim == 4:
        feats["a batch of more than one"] = x.shape[0] > 1
        feats["more than one channel"] = x.shape[1] > 1
        feats["non-square images"] = x.shape[2] != x.shape[3]
    X = bound.get("X")
    if isinstance(X, np.ndarray) and X.ndim == 2:
        feats["non-square images"] = X.shape[0] != X.shape[1]
    w = bound.get("w")
    if isinstance(w, np.ndarray) and w.ndim == 4:
        feats["more than one filter"] = w.shape[0] > 1
        feats["non-square kernels"] = w.shape[2] != w.shape[3]
    K = bound.get("K")
    if isinstance(K, np.ndarray) and K.ndim == 2:
        feats["non-square kernels"] = K.shape[0] != K.shape[1]
    for name in ("scores", "x"):
        arr = bound.get(name)
        if isinstance(arr, np.ndarray) and arr.ndim == 2:
            feats["more than one example"] = arr.shape[0] > 1
    if isinstance(bound.get("kh"), int | np.integer) and isinstance(bound.get("kw"), int | np.integer):
        feats["non-square kernels"] = bound["kh"] != bound["kw"]
    if isinstance(bound.get("c_in"), int | np.integer):
        feats["more than one input channel"] = bound["c_in"] > 1
    if "bias" in names and isinstance(bound.get("bias", True), bool):
        feats["bias=False"] = bound.get("bias", True) is False
    kernel = _pair(bound.get("kernel_size"))
    if kernel is not None:
        feats["non-square kernels"] = kernel[0] != kernel[1]
    stride = _pair(bound.get("stride", 1)) if "stride" in names else None
    if stride is None and kernel is not None and bound.get("stride", 0) is None:
        stride = kernel  # pooling's default stride is the kernel size
    if stride is not None:
        feats["stride > 1"] = max(stride) > 1
        feats["different row and column strides"] = stride[0] != stride[1]
    padding = _pair(bound.get("padding", 0)) if "padding" in names else None
    if padding is not None:
        feats["padding > 0"] = max(padding) > 0
        feats["different row and column paddings"] = padding[0] != padding[1]
    if kernel is not None and stride is not None:
        feats["overlapping windows"] = kernel[0] > stride[0] or kernel[1] > stride[1]
    return feats


def failure_patterns(ex: Exercise, student: Callable[..., Any],
                     reference: Callable[..., Any]) -> list[str]:
    """Features that split the value cases exactly: every case with the feature fails and every
    case without it passes (at most two, the most telling first)."""
    outcomes: list[tuple[dict[str, bool], bool]] = []
    for index, group in enumerate(ex.groups):
        for case in group.cases(np.random.default_rng([ex.seed, index])):
            if case.raises is not None or case.check is not None or case.expect_dtype is not None:
                continue
            case.key = case.key or (index, -1)
            feats = case_features(reference, case)
            if feats:
                outcomes.append((feats, check_case(ex, student, case, reference) is None))
    failed = [f for f, ok in outcomes if not ok]
    if not failed or len(failed) == len(outcomes):
        return []
    found = []
    for feature, hint in FEATURE_HINTS.items():
        with_f = [ok for f, ok in outcomes if f.get(feature) is True]
        without = [ok for f, ok in outcomes if f.get(feature) is False]
        failing = len(with_f) - sum(with_f)
        if with_f and without and all(without) and failing >= 2 and failing >= 0.75 * len(with_f):
            some = "all" if failing == len(with_f) else f"{failing} of"
            found.append((failing / len(with_f), len(with_f) + len(without),
                          f"all {len(without)} cases with {FEATURE_OPPOSITES[feature]} pass, "
                          f"{some} {len(with_f)} with {feature} fail: {hint}"))
    return [text for *_, text in sorted(found, key=lambda t: (-t[0], -t[1]))[:2]]


def run(ex: Exercise, student: Callable[..., Any], points: float) -> Report:
    """Grade ``student`` on every case of ``ex``; ``points`` are shared by group weight."""
    reference = ex.reference_fn()
    total_weight = sum(g.weight for g in ex.groups)
    results = []
    bad_input_groups = []
    for index, group in enumerate(ex.groups):
        rng = np.random.default_rng([ex.seed, index])
        cases = list(group.cases(rng))
        for position, case in enumerate(cases):
            case.key = (index, position)
        if cases and all(case.raises is not None for case in cases):
            bad_input_groups.append(index)
        share = points * group.weight / total_weight
        failure = None
        if not callable(student):
            failure = f"{ex.name} is {describe(student)}, not a function.\n"
        else:
            for position, case in enumerate(cases):
                found = check_case(ex, student, case, reference)
                if found is not None:
                    _narrow(ex, student, found, cases[position + 1:])
                    failure = found.text(ex.atol)
                    break
        results.append(GroupResult(group.name, 0.0 if failure else share, share, len(cases), failure))
    # Raising on bad input is worth something only from a function that also computes: a
    # function that always raises must not earn these points.
    values_ok = all(r.failure is None for i, r in enumerate(results) if i not in bad_input_groups)
    if not values_ok:
        for i in bad_input_groups:
            r = results[i]
            if r.failure is None:
                r.points = 0.0
                r.failure = ("bad input is rejected correctly, but these points are earned only "
                             "together with correct values on valid input (see the failing "
                             "group above).\n")
    report = Report(ex.name, results)
    if callable(student) and any(r.failure for r in results):
        report.patterns = failure_patterns(ex, student, reference)
    return report


def grade(name: str, student: Callable[..., Any], points: float) -> float:
    """Grade one exercise, print the report and return the points earned (nbgrader's partial credit).

    The return value is rounded to 1e-6 and never exceeds ``points``.
    """
    report = run(get_exercise(name), student, points)
    print(report.text())
    return min(points, math.floor(report.points * 1e6 + 0.5) / 1e6)
