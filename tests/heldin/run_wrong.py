"""Grade every held-in student bug of tests/heldin/wrong.py with the real autograder.

For each bug: copy the STUDENT notebook, fill every answer cell with a correct implementation
written from the notebook's own docstrings (CORRECT below; an exercise may call another one,
e.g. conv2d calls pad2d), put the bug's code into its own answer cell, and run
``python -m autograder check <tmp>/<assignment>.ipynb --json --exercise <exercise>``.
Prints one line per bug: exercise, name, score / max, and whether the feedback matches the bug's
``named_if`` regex (passing groups and notes left out, see ``diagnosis``). A bug that keeps full
marks is a FALSE PASS. A run that hits the sandbox's time limit is retried (a loaded machine).

    .venv/bin/python -m tests.heldin.run_wrong                 # every bug
    .venv/bin/python -m tests.heldin.run_wrong --base          # the correct base only
    .venv/bin/python -m tests.heldin.run_wrong -e corr2d       # the bugs of some exercises
    .venv/bin/python -m tests.heldin.run_wrong --save r.json   # keep every feedback
    .venv/bin/python -m tests.heldin.run_wrong --rematch r.json  # re-check named_if, no grading
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.heldin.wrong import BUGS, Bug

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = {
    "01_convolution": ROOT / "notebooks/01_convolution/01_convolution.ipynb",
    "02_padding_stride": ROOT / "notebooks/02_padding_stride/02_padding_stride.ipynb",
    "03_pooling": ROOT / "notebooks/03_pooling/03_pooling.ipynb",
    "04_classification_head": ROOT / "notebooks/04_classification_head/04_classification_head.ipynb",
}

# Correct answers, written from the student notebooks' docstrings only (the base every bug is
# planted into, so that an exercise that calls another one gets a working dependency).
CORRECT: dict[str, dict[str, str]] = {
    "01_convolution": {
        "corr2d": '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    if KH > H or KW > W:
        raise ValueError(f"kernel K {K.shape} is larger than the image X {X.shape}")
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''',
        "conv2d_multi": '''
def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"expected x (N, C, H, W) and w (F, C, KH, KW), got {x.shape}, {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channel counts differ: x {x.shape}, w {w.shape}")
    KH, KW = w.shape[2:]
    if KH > x.shape[2] or KW > x.shape[3]:
        raise ValueError(f"kernel of w {w.shape} is larger than the images of x {x.shape}")
    if b is not None and np.shape(b) != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},) for w {w.shape}, got {np.shape(b)}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))
    out = np.einsum("ncijab,fcab->nfij", windows, w)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''',
        "conv_params": '''
def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(c_out * (c_in * kh * kw + int(bias)))
''',
        "fc_params": '''
def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    _check_positive(n_in=n_in, n_out=n_out)
    return int(n_out * (n_in + int(bias)))
''',
        "locally_connected_params": '''
def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(h_out * w_out * c_out * (c_in * kh * kw + int(bias)))
''',
        "edge_kernel": '''
def edge_kernel() -> np.ndarray:
    return np.array([[1.0, 0.0, -1.0],
                     [1.0, 0.0, -1.0],
                     [1.0, 0.0, -1.0]])
''',
    },
    "02_padding_stride": {
        "conv_output_size": '''
def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1:
        raise ValueError(f"sizes and stride must be >= 1, got n={n}, f={f}, stride={stride}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if f > n + 2 * padding:
        raise ValueError(f"filter {f} is larger than the input {n} padded by {padding}")
    span = n - f + 2 * padding
    if strict and span % stride:
        raise ValueError(f"stride {stride} does not tile n - f + 2P = {span}")
    return span // stride + 1
''',
        "pad2d": '''
def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = as_float(x)
    ph, pw = pair(padding, "padding")
    if x.ndim != 4:
        raise ValueError(f"pad2d expects x of shape (N, C, H, W), got {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
''',
        "conv2d": '''
def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw)).astype(np.float64)
    F, C, KH, KW = w.shape
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''',
        "receptive_field": '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = 1, 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got {(k, s)}")
        r += (k - 1) * jump
        jump *= s
    return r
''',
        "im2col": '''
def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = as_float(x)
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    N, C, H, W = x.shape
    Ho, Wo = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
    xpad = pad2d(x, (ph, pw))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)
''',
        "conv2d_fast": '''
def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))
    out = np.matmul(w.reshape(F, -1), cols).reshape(x.shape[0], F, Ho, Wo)
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)[None, :, None, None]
    return out
''',
    },
    "03_pooling": {
        "max_pool2d": '''
def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''',
        "avg_pool2d": '''
def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    x = as_float(x)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.mean(axis=(4, 5))
''',
        "global_avg_pool2d": '''
def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d expects x of shape (N, C, H, W), got {x.shape}")
    return x.mean(axis=(2, 3))
''',
    },
    "04_classification_head": {
        "relu": '''
def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=np.float64), 0)
''',
        "flatten": '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    return x.reshape(x.shape[0], -1)
''',
        "linear": '''
def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or b.ndim != 1 or x.shape[1] != w.shape[0] or b.shape[0] != w.shape[1]:
        raise ValueError(f"shapes do not fit: x {x.shape}, w {w.shape}, b {b.shape}")
    return x @ w + b
''',
        "softmax": '''
def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''',
        "cross_entropy": '''
def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = _check_labels(scores, y, "cross_entropy")
    scores = np.asarray(scores, dtype=np.float64)
    z = scores - scores.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())
''',
        "topk_error": '''
def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    scores, y = _check_labels(scores, y, "topk_error")
    if not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be in [1, {scores.shape[1]}] for scores {scores.shape}, got {k}")
    true_score = scores[np.arange(len(y)), y]
    larger = (scores > true_score[:, None]).sum(axis=1)
    return float(np.mean(larger >= k))
''',
        "numerical_gradient": '''
def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}")
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        fp = np.asarray(f(xc))
        xc[i] = old - h
        fm = np.asarray(f(xc))
        xc[i] = old
        if fp.size != 1 or fm.size != 1:
            raise ValueError(f"f must return one number, got shape {fp.shape}")
        grad[i] = (float(fp.item()) - float(fm.item())) / (2 * h)
    return grad
''',
        "relu_backward": '''
def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x)
    if dout.shape != x.shape:
        raise ValueError(f"dout {dout.shape} and x {x.shape} must have the same shape")
    return dout * (x > 0)
''',
        "linear_backward": '''
def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    if (dout.ndim != 2 or x.ndim != 2 or w.ndim != 2 or x.shape[0] != dout.shape[0]
            or x.shape[1] != w.shape[0] or w.shape[1] != dout.shape[1]):
        raise ValueError(f"shapes do not fit: dout {dout.shape}, x {x.shape}, w {w.shape}")
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)
''',
        "softmax_cross_entropy_backward": '''
def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    p = softmax(scores, axis=1).copy()
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
''',
        "max_pool2d_backward": '''
def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "max_pool2d_backward")
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    arg = win.reshape(N, C, Ho, Wo, kh * kw).argmax(-1)
    a, b = np.divmod(arg, kw)
    rows = np.arange(Ho)[:, None] * sh + a
    cols = np.arange(Wo)[None, :] * sw + b
    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, :, None, None]
    dxpad = np.zeros(xpad.shape)
    np.add.at(dxpad, (n, c, rows, cols), dout)
    return dxpad[:, :, ph:ph + H, pw:pw + W]
''',
        "avg_pool2d_backward": '''
def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "avg_pool2d_backward")
    dout = np.asarray(dout, dtype=np.float64)
    N, C, H, W = np.shape(x)
    dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    g = dout / (kh * kw)
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += g
    return dxpad[:, :, ph:ph + H, pw:pw + W]
''',
        "conv2d_backward": '''
def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout = np.asarray(dout, dtype=np.float64)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or dout.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"bad shapes: dout {dout.shape}, x {x.shape}, w {w.shape}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    if KH > H + 2 * ph or KW > W + 2 * pw or min(sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError(f"w {w.shape} does not fit x {x.shape} with padding {(ph, pw)}")
    Ho, Wo = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, F, Ho, Wo)} for x {x.shape} and w {w.shape}, "
                         f"got {dout.shape}")
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
    db = dout.sum(axis=(0, 2, 3))
    return dxpad[:, :, ph:ph + H, pw:pw + W], dw, db
''',
    },
}


def answer_cells(nb: dict) -> dict[str, dict]:
    """The nbgrader solution cells of a notebook, by grade_id."""
    cells = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            cells[meta["grade_id"]] = cell
    return cells


def planted(assignment: str, overrides: dict[str, str]) -> dict:
    """The student notebook with every answer cell correct, then ``overrides`` planted."""
    nb = json.loads(NOTEBOOKS[assignment].read_text())
    cells = answer_cells(nb)
    for exercise, code in {**CORRECT[assignment], **overrides}.items():
        cells[exercise]["source"] = code.strip("\n") + "\n"
        cells[exercise]["outputs"] = []
    return nb


def grade(assignment: str, overrides: dict[str, str], exercises: list[str]) -> dict[str, dict]:
    """Run the autograder on the planted notebook; return the report's entries by exercise."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{assignment}.ipynb"
        path.write_text(json.dumps(planted(assignment, overrides)))
        cmd = [sys.executable, "-m", "autograder", "check", str(path), "--json"]
        for exercise in exercises:
            cmd += ["--exercise", exercise]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {e: {"score": None, "max_score": None,
                    "feedback": f"no JSON (rc {proc.returncode}): {proc.stderr[-500:]}"}
                for e in exercises}
    return {entry["name"]: entry for entry in report["exercises"]}


TIMEOUT = re.compile(r"(ran out of time|sandbox ended before)")


def diagnosis(feedback: str) -> str:
    """The feedback without the lines that say nothing about a failure: passing groups
    ("[pass] ...") and notes. named_if is matched against what is left, so that a group title
    such as "[pass] random shapes with bias" cannot name a mistake."""
    return "\n".join(line for line in feedback.splitlines()
                     if not line.strip().startswith(("[pass]", "note:")))


def is_named(bug: Bug, feedback: str) -> bool:
    return re.search(bug.named_if, diagnosis(feedback), re.IGNORECASE) is not None


def full_marks(entry: dict) -> bool:
    score, max_score = entry.get("score"), entry.get("max_score")
    return score is not None and max_score is not None and abs(score - max_score) < 1e-6


def run_bug(bug: Bug, tries: int = 3) -> tuple[float | None, float | None, bool, str]:
    """Grade one bug; a run that hit the sandbox's time limit (a loaded machine) is retried."""
    for _ in range(tries):
        entry = grade(bug.assignment, {bug.exercise: bug.code}, [bug.exercise]).get(bug.exercise, {})
        if not TIMEOUT.search(entry.get("feedback", "")):
            break
    feedback = entry.get("feedback", "")
    return entry.get("score"), entry.get("max_score"), is_named(bug, feedback), feedback


def run_base() -> int:
    bad = 0
    for assignment, answers in CORRECT.items():
        entries = grade(assignment, {}, list(answers))
        for exercise in answers:
            entry = entries.get(exercise, {})
            ok = full_marks(entry)
            bad += not ok
            print(f"BASE {assignment:24s} {exercise:32s} {entry.get('score')}/{entry.get('max_score')}"
                  f"{'' if ok else '  NOT FULL MARKS'}", flush=True)
            if not ok:
                print("    " + entry.get("feedback", "").replace("\n", "\n    "), flush=True)
    return bad


def report(results: list[dict], verbose: bool) -> None:
    """One line per bug, then the false passes and the share of feedbacks naming the mistake."""
    by_key = {(b.exercise, b.name): b for b in BUGS}
    false_passes, named_count = [], 0
    for r in results:
        bug = by_key[(r["exercise"], r["name"])]
        full = full_marks(r)
        named = is_named(bug, r["feedback"])
        false_passes += [bug] if full else []
        named_count += named
        print(f"{bug.exercise:32s} {bug.name:34s} {r['score']}/{r['max_score']} "
              f"{'FALSE PASS' if full else 'caught':10s} named={'yes' if named else 'no'}")
        if verbose:
            print("    " + r["feedback"].replace("\n", "\n    "))
    print(f"\n{len(results)} bugs, {len(false_passes)} false passes, "
          f"{named_count}/{len(results)} feedbacks match named_if")
    for bug in false_passes:
        print(f"FALSE PASS {bug.exercise}/{bug.name}: {bug.mistake}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", action="store_true", help="grade the correct base only")
    parser.add_argument("-e", "--exercise", action="append", help="only these exercises")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every feedback")
    parser.add_argument("--save", metavar="JSON", help="also save the results (with feedback)")
    parser.add_argument("--rematch", metavar="JSON",
                        help="do not grade: report saved results against the current named_if")
    args = parser.parse_args(argv)
    if args.base:
        return 1 if run_base() else 0
    if args.rematch:
        results = json.loads(Path(args.rematch).read_text())
        report([r for r in results if not args.exercise or r["exercise"] in args.exercise],
               args.verbose)
        return 0
    results = []
    for bug in BUGS:
        if args.exercise and bug.exercise not in args.exercise:
            continue
        score, max_score, named, feedback = run_bug(bug)
        results.append({"assignment": bug.assignment, "exercise": bug.exercise, "name": bug.name,
                        "score": score, "max_score": max_score, "feedback": feedback})
        print(f"{bug.exercise:32s} {bug.name:34s} {score}/{max_score} "
              f"{'FALSE PASS' if full_marks(results[-1]) else 'caught':10s} "
              f"named={'yes' if named else 'no'}", flush=True)
        if args.verbose:
            print("    " + feedback.replace("\n", "\n    "), flush=True)
        if args.save:
            Path(args.save).write_text(json.dumps(results, indent=1))
    print()
    report(results, verbose=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
