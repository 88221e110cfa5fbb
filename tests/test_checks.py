"""The checks library: verdicts, partial credit and the diagnosis of known mistakes."""

from __future__ import annotations

import json
import re
import warnings

import nbformat
import numpy as np
import pytest

from autograder import build
from autograder.checks import REGISTRY, get_exercise, grade, run
from autograder.feedback import MISTAKES, CheckFailure, diagnose, expect, require_implemented
from solutions import corr2d


def flipped(X, K):
    return corr2d(X, np.asarray(K)[::-1, ::-1])


def transposed(X, K):
    return corr2d(X, np.asarray(K).T)


def short_loops(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape
    KH, KW = K.shape
    out = np.zeros((H - KH, W - KW))
    for i in range(H - KH):
        for j in range(W - KW):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out


def no_validation(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    if X.ndim != 2:
        return np.zeros((1, 1))
    H, W = X.shape
    KH, KW = K.shape
    return np.array([[np.sum(X[i:i + KH, j:j + KW] * K) for j in range(max(W - KW + 1, 1))]
                     for i in range(max(H - KH + 1, 1))])


def stub(X, K):
    raise NotImplementedError()


@pytest.mark.parametrize("wrong, mistake", [
    (flipped, "flipped_kernel"),
    (transposed, "transposed_kernel"),
    (short_loops, "short_output"),
])
def test_planted_corr2d_mistakes_lose_points_and_are_named(wrong, mistake, capsys):
    earned = grade("corr2d", wrong, points=3)
    report = capsys.readouterr().out
    assert earned < 3
    assert MISTAKES[mistake] in report, report
    assert re.search(r'case "[^"]+X \d+x\d+, K \d+x\d+"|case "lecture|case "X = ', report)


def test_missing_validation_loses_only_the_bad_input_group(capsys):
    earned = grade("corr2d", no_validation, points=3)
    report = capsys.readouterr().out
    assert earned == pytest.approx(2.5)
    assert "[FAIL] bad input raises ValueError" in report
    assert "expected ValueError, but corr2d returned" in report


def test_reference_gets_full_marks_and_stub_gets_zero(capsys):
    assert grade("corr2d", corr2d, points=3) == 3
    assert grade("corr2d", stub, points=3) == 0
    assert "not implemented yet" in capsys.readouterr().out


def test_report_is_deterministic():
    first = run(get_exercise("corr2d"), flipped, 3).text()
    assert run(get_exercise("corr2d"), flipped, 3).text() == first


def test_a_lying_object_gets_no_credit(capsys):
    class Liar:
        shape = (3, 3)
        dtype = np.float64

        def __eq__(self, other):
            return True

        def __array__(self, dtype=None, copy=None):
            return np.array([[0.0]])

    assert grade("corr2d", lambda X, K: Liar(), points=3) == 0
    assert "got:      float64 array of shape (1, 1)" in capsys.readouterr().out


def test_inputs_are_private_copies(capsys):
    def mutating(X, K):
        X[...] = 0  # must not corrupt the reference's inputs or later cases
        return corr2d(np.ones_like(X), K) * 0

    grade("corr2d", mutating, points=3)
    assert "max abs error" in capsys.readouterr().out


def test_diagnose_checks_return_shape_dtype_and_nan():
    want = np.zeros((2, 2))
    assert MISTAKES["no_return"] in diagnose(None, want)
    assert "expected a numeric numpy array, got str" in diagnose("x", want)
    assert "shape (3, 3)" in diagnose(np.zeros((3, 3)), want)
    assert "return float64" in diagnose(np.zeros((2, 2), dtype=np.float32), want)
    assert MISTAKES["nan"] in diagnose(np.full((2, 2), np.nan), want)
    assert diagnose(want + 1e-12, want) is None


def test_expect_names_the_case_and_the_mistake():
    with pytest.raises(CheckFailure, match=r'case "tiny":(.|\n)*flipped'):
        expect(np.array([[13.0, 23.0]]), [[27, 37]], case="tiny",
               mistakes={"flipped_kernel": [[13, 23]]})
    expect(np.array([[27.0, 37.0]]), [[27, 37]], case="tiny")


def test_require_implemented_only_stops_stubs():
    with pytest.raises(NotImplementedError, match="stub is not implemented"):
        def stub():
            raise NotImplementedError

        require_implemented(stub)
    require_implemented(lambda: 1 / 0)  # other errors are left to the hidden checks


def _hidden_cells():
    for src in build.find_sources():
        for cell in nbformat.read(src.path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and cell.cell_type == "code":
                yield src.name, meta, cell.source


def test_every_graded_cell_calls_a_registered_check_with_its_own_points():
    import autograder.exercises  # noqa: F401

    seen = []
    for nb, meta, source in _hidden_cells():
        calls = re.findall(r'grade\("(\w+)", (\w+), points=([\d.]+)\)', source)
        assert len(calls) == 1, f"{nb} {meta['grade_id']}: expected one grade(...) call"
        name, fn, points = calls[0]
        assert name in REGISTRY, f"{nb}: no check registered for {name}"
        assert float(points) == meta["points"], (
            f"{nb} {meta['grade_id']}: grade(points={points}) but the cell is worth {meta['points']}")
        seen.append(name)
    assert seen and len(seen) == len(set(seen))


def test_mistake_catalogue_has_three_variants_per_exercise():
    import autograder.exercises  # noqa: F401

    for name, ex in REGISTRY.items():
        assert len(ex.mistakes) >= 3, f"{name} has fewer than three known mistakes"
        json.dumps([m.key for m in ex.mistakes])


def test_a_warning_from_the_student_does_not_change_the_verdict():
    def noisy(X, K):
        warnings.warn("deprecated thing", UserWarning, stacklevel=1)
        return corr2d(X, K)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert grade("corr2d", noisy, points=3) == 3
