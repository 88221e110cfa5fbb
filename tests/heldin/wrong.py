"""Student-style bugs written from the student notebooks alone (held-in set).

Every bug is one realistic mistake in one answer cell; the rest of the function follows the
notebook's docstring. ``code`` is the whole answer cell. ``named_if`` is a case-insensitive regex
that a feedback text naming this mistake would match. Graded by bench/diagnosis.py.
"""
# ruff: noqa: E501

from dataclasses import dataclass


@dataclass(frozen=True)
class Bug:
    assignment: str  # "01_convolution"
    exercise: str  # grade_id of the answer cell, e.g. "corr2d"
    name: str  # short id, unique per exercise
    code: str  # the WHOLE answer cell source, with the bug
    mistake: str  # one sentence: what the student got wrong
    named_if: str  # regex (case-insensitive) a feedback naming THIS mistake would match
    cell: str = ""  # the answer cell's grade_id, where it is not the exercise's name


A1, A2, A3, A4 = "01_convolution", "02_padding_stride", "03_pooling", "04_classification_head"

BUGS: list[Bug] = []


def bug(assignment: str, exercise: str, name: str, code: str, mistake: str, named_if: str) -> None:
    BUGS.append(Bug(assignment, exercise, name, code.strip("\n") + "\n", mistake, named_if))


# --------------------------------------------------------------------------------------------
# 01_convolution
# --------------------------------------------------------------------------------------------

bug(A1, "corr2d", "flipped_kernel", '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    if KH > H or KW > W:
        raise ValueError(f"kernel K {K.shape} is larger than the image X {X.shape}")
    K = K[::-1, ::-1]          # convolution flips the kernel
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''', "Flips the kernel (mathematical convolution) although the notebook asks for cross-correlation.",
    r"flip")

bug(A1, "corr2d", "columns_from_H", '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    if KH > H or KW > W:
        raise ValueError(f"kernel K {K.shape} is larger than the image X {X.shape}")
    n_out = H - KH + 1
    out = np.zeros((n_out, n_out))
    for i in range(n_out):
        for j in range(n_out):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''', "Sizes the output and the column loop from H instead of W, so only square images (and kernels) come out right.",
    r"(non-?square (image|input)|rectangular|\bwidth\b|columns? (loop|range|count))")

bug(A1, "corr2d", "square_kernel_assumed", '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    k = K.shape[0]             # kernel side
    if k > H or k > W:
        raise ValueError(f"kernel K {K.shape} is larger than the image X {X.shape}")
    out = np.zeros((H - k + 1, W - k + 1))
    for i in range(H - k + 1):
        for j in range(W - k + 1):
            out[i, j] = np.sum(X[i:i + k, j:j + k] * K)
    return out
''', "Uses K.shape[0] as the kernel's width too, so non-square kernels break.",
    r"(non-?square kernel|rectangular kernel|kernel('s)? width|\bKW\b)")

bug(A1, "corr2d", "integer_output", '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X), np.asarray(K)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    if KH > H or KW > W:
        raise ValueError(f"kernel K {K.shape} is larger than the image X {X.shape}")
    out = np.zeros((H - KH + 1, W - KW + 1), dtype=X.dtype)
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''', "Allocates the output with the image's dtype, so an integer image gives an integer (truncated) result instead of float64.",
    r"(dtype|integer (output|result|array|input)|not float)")

bug(A1, "corr2d", "last_position_missed", '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    if KH > H or KW > W:
        raise ValueError(f"kernel K {K.shape} is larger than the image X {X.shape}")
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH):
        for j in range(W - KW):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''', "Loops to H - KH and W - KW (off by one), so the last row and column of the output stay 0.",
    r"(off.by.one|last (row|column)|(row|column).{0,20}short|missing (row|column))")

bug(A1, "corr2d", "no_kernel_size_check", '''
def corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    X, K = np.asarray(X, dtype=np.float64), np.asarray(K, dtype=np.float64)
    if X.ndim != 2 or K.ndim != 2:
        raise ValueError(f"corr2d expects 2-D X and K, got X {X.shape} and K {K.shape}")
    H, W = X.shape
    KH, KW = K.shape
    out = np.zeros((H - KH + 1, W - KW + 1))
    for i in range(H - KH + 1):
        for j in range(W - KW + 1):
            out[i, j] = np.sum(X[i:i + KH, j:j + KW] * K)
    return out
''', "Never checks that the kernel fits in the image: a kernel one row larger returns an empty array instead of raising ValueError.",
    r"(larger than|does not fit|expected ValueError)")

# conv2d_multi ---------------------------------------------------------------------------------

_MULTI_HEAD = '''
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
'''

bug(A1, "conv2d_multi", "last_channel_only", _MULTI_HEAD + '''
    N, C, H, W = x.shape
    F = w.shape[0]
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for c in range(C):
                out[n, f] = corr2d(x[n, c], w[f, c])
            if b is not None:
                out[n, f] += b[f]
    return out
''', "Assigns each channel's correlation with = instead of adding it, so only the last input channel is kept.",
    r"(channels? (are |is )?not summed|sum.{0,20}channels|(last|one) channel|\+=)")

bug(A1, "conv2d_multi", "channels_averaged", _MULTI_HEAD + '''
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))
    per_channel = np.einsum("ncijab,fcab->nfcij", windows, w)
    out = per_channel.mean(axis=2)          # combine the channels
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''', "Averages the per-channel correlations instead of summing them.",
    r"(channels? (are |is )?not summed|\bmean\b|averag)")

bug(A1, "conv2d_multi", "bias_added_per_channel", _MULTI_HEAD + '''
    N, C, H, W = x.shape
    F = w.shape[0]
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for c in range(C):
                out[n, f] += corr2d(x[n, c], w[f, c])
                if b is not None:
                    out[n, f] += b[f]
    return out
''', "Adds the bias inside the channel loop, so every filter's bias is added C times.",
    r"(bias.{0,40}(times|per channel|once|repeated|more than once)|(added|counted) (C|several) times)")

bug(A1, "conv2d_multi", "first_image_only", _MULTI_HEAD + '''
    N, C, H, W = x.shape
    F = w.shape[0]
    out = np.zeros((N, F, H - KH + 1, W - KW + 1))
    for n in range(N):
        for f in range(F):
            for c in range(C):
                out[n, f] += corr2d(x[0, c], w[f, c])
            if b is not None:
                out[n, f] += b[f]
    return out
''', "Reads x[0] instead of x[n], so every image of the batch gets the first image's feature maps (right only for a batch of one).",
    r"(first image|x\[0\]|every image.{0,30}same|same.{0,30}every image|each image)")

bug(A1, "conv2d_multi", "bias_truthiness", '''
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
    if b:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''', "Tests the bias with `if b:` instead of `if b is not None:`, which raises for more than one filter (and skips a zero bias).",
    r"(is not None|truth value|ambiguous|b=None|if b\b)")

bug(A1, "conv2d_multi", "no_bias_shape_check", '''
def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"expected x (N, C, H, W) and w (F, C, KH, KW), got {x.shape}, {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channel counts differ: x {x.shape}, w {w.shape}")
    KH, KW = w.shape[2:]
    if KH > x.shape[2] or KW > x.shape[3]:
        raise ValueError(f"kernel of w {w.shape} is larger than the images of x {x.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, (KH, KW), axis=(2, 3))
    out = np.einsum("ncijab,fcab->nfij", windows, w)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
''', "Does not check that b has shape (F,), so a bias of shape (1,) broadcasts silently instead of raising ValueError.",
    r"((bias|\bb\b).{0,40}(shape|\(F,\))|expected ValueError)")

bug(A1, "conv2d_multi", "integer_output", '''
def conv2d_multi(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
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
        out = out + np.asarray(b)[None, :, None, None]
    return out
''', "Keeps the inputs' dtype, so integer images and filters (without a float bias) give an integer result instead of float64.",
    r"(dtype|integer (output|result|array|input)|not float)")

# parameter counts -----------------------------------------------------------------------------

_CONV_P = '''
def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return {}
'''

bug(A1, "conv_params", "bias_flag_ignored_never", _CONV_P.format("int(c_out * c_in * kh * kw)"),
    "Never counts the biases, whatever bias says.", r"(bias(es)? (are |is )?(not counted|missing|forgotten)|bias=True)")
bug(A1, "conv_params", "one_bias_for_layer", _CONV_P.format("int(c_out * c_in * kh * kw + int(bias))"),
    "Counts one bias for the whole layer instead of one per filter.", r"((one|single) bias.{0,30}(whole|layer)|one (bias )?per (filter|unit|output))")
bug(A1, "conv_params", "input_channels_forgotten", _CONV_P.format("int(c_out * (kh * kw + int(bias)))"),
    "Forgets that each filter has one kh x kw kernel per input channel (c_in missing).",
    r"input channels")
bug(A1, "conv_params", "bias_per_input_channel", _CONV_P.format("int(c_out * c_in * (kh * kw + int(bias)))"),
    "Gives every (filter, input channel) kernel its own bias instead of one bias per filter.", r"(bias.{0,40}(per (input )?channel|per kernel)|one (bias )?per (filter|unit|output))")
bug(A1, "conv_params", "square_kernel_kh_squared", _CONV_P.format("int(c_out * (c_in * kh * kh + int(bias)))"),
    "Uses kh * kh for the kernel's size, right only for square kernels.",
    r"(non-?square|kh ?\* ?kh|kw (is )?(ignored|missing|unused)|kernel width)")
bug(A1, "conv_params", "no_validation", '''
def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    return int(c_out * (c_in * kh * kw + int(bias)))
''', "Skips _check_positive, so zero or negative sizes return a count instead of raising ValueError.",
    r"(expected ValueError|positive|must raise)")

bug(A1, "conv_params", "float_count", '''
def conv_params(c_in: int, c_out: int, kh: int, kw: int, bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    # float, "so that big layers cannot overflow"
    return c_out * (np.prod([c_in, kh, kw], dtype=np.float64) + bias)
''', "Counts in floating point (np.prod with dtype=float64), so the result is a float, not the int the exercise asks for.",
    r"(return an int|not a float|whole number)")

_FC_P = '''
def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    _check_positive(n_in=n_in, n_out=n_out)
    return {}
'''

bug(A1, "fc_params", "bias_flag_ignored_never", _FC_P.format("int(n_out * n_in)"),
    "Never counts the biases, whatever bias says.", r"(bias(es)? (are |is )?(not counted|missing|forgotten)|bias=True)")
bug(A1, "fc_params", "bias_per_input", _FC_P.format("int(n_out * n_in + n_in * int(bias))"),
    "Counts one bias per input instead of one per output unit.", r"(bias.{0,30}per input|one (bias )?per (output|unit))")
bug(A1, "fc_params", "one_bias_for_layer", _FC_P.format("int(n_out * n_in + int(bias))"),
    "Counts a single bias for the whole layer instead of one per unit.", r"((one|single) bias.{0,30}(whole|layer)|one (bias )?per (filter|unit|output))")
bug(A1, "fc_params", "bias_flag_ignored_always", _FC_P.format("int(n_out * (n_in + 1))"),
    "Always adds the biases, even with bias=False.", r"(bias=False|bias flag|bias(es)? (are |is )?(always )?(counted|added) (even|although|with bias=False))")
bug(A1, "fc_params", "no_validation", '''
def fc_params(n_in: int, n_out: int, bias: bool = True) -> int:
    return int(n_out * (n_in + int(bias)))
''', "Skips _check_positive, so zero or negative sizes return a count instead of raising ValueError.",
    r"(expected ValueError|positive|must raise)")

_LC_P = '''
def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return {}
'''

bug(A1, "locally_connected_params", "weights_shared", _LC_P.format("int(c_out * (c_in * kh * kw + int(bias)))"),
    "Counts the filters once, as in a convolution, forgetting that every output position has its own.",
    r"(shar|every position|own filters)")
bug(A1, "locally_connected_params", "one_bias_per_position",
    _LC_P.format("int(h_out * w_out * (c_out * c_in * kh * kw + int(bias)))"),
    "Gives each output position one bias instead of one bias per filter per position.", r"(bias.{0,60}(per (filter|output map|map)|each (filter|map|output map))|one bias per position)")
bug(A1, "locally_connected_params", "biases_shared",
    _LC_P.format("int(h_out * w_out * c_out * c_in * kh * kw + c_out * int(bias))"),
    "Shares the biases between positions (one per filter) while the weights are not shared.", r"(bias(es)?.{0,30}shared|own bias)")
bug(A1, "locally_connected_params", "input_channels_forgotten",
    _LC_P.format("int(h_out * w_out * c_out * (kh * kw + int(bias)))"),
    "Forgets the input channels: each filter has c_in x kh x kw weights, not kh x kw.",
    r"input channels")
bug(A1, "locally_connected_params", "bias_flag_ignored_always",
    _LC_P.format("int(h_out * w_out * c_out * (c_in * kh * kw + 1))"),
    "Always adds the biases, even with bias=False.", r"(bias=False|bias flag|bias(es)? (are |is )?(always )?(counted|added) (even|although|with bias=False))")
bug(A1, "locally_connected_params", "positions_not_validated", '''
def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    return int(h_out * w_out * c_out * (c_in * kh * kw + int(bias)))
''', "Validates only the conv sizes, not h_out and w_out, so a zero or negative output size returns a count instead of raising ValueError.",
    r"((h_out|w_out|output size).{0,40}(positive|ValueError)|expected ValueError)")

bug(A1, "locally_connected_params", "float_count", '''
def locally_connected_params(h_out: int, w_out: int, c_in: int, c_out: int, kh: int, kw: int,
                             bias: bool = True) -> int:
    _check_positive(h_out=h_out, w_out=w_out, c_in=c_in, c_out=c_out, kh=kh, kw=kw)
    positions = np.ones((h_out, w_out)).sum()  # one filter bank per output position
    return positions * c_out * (c_in * kh * kw + int(bias))
''', "Counts the positions by summing a float array of ones, so the result is a float, not an int.",
    r"(return an int|not a float|whole number)")

# edge_kernel ----------------------------------------------------------------------------------

bug(A1, "edge_kernel", "horizontal_edge_detector", '''
def edge_kernel() -> np.ndarray:
    return np.array([[1.0, 1.0, 1.0],
                     [0.0, 0.0, 0.0],
                     [-1.0, -1.0, -1.0]])
''', "Returns Prewitt's horizontal-edge kernel (top minus bottom), which detects horizontal, not vertical, edges.",
    r"(detects horizontal|transpos|top.to.bottom)")
bug(A1, "edge_kernel", "no_negative_column", '''
def edge_kernel() -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0],
                     [1.0, 0.0, 0.0],
                     [1.0, 0.0, 0.0]])
''', "Forgets the negative right column, so the entries do not sum to 0 and a flat region gives a response.",
    r"(sums? to (0|zero)|does not sum|flat regions? (gives?|responds?|is not 0))")
bug(A1, "edge_kernel", "diagonal_sobel", '''
def edge_kernel() -> np.ndarray:
    return np.array([[0.0, 1.0, 2.0],
                     [-1.0, 0.0, 1.0],
                     [-2.0, -1.0, 0.0]])
''', "Uses a diagonal Sobel kernel, which responds to horizontal edges as strongly as to vertical ones.",
    r"(diagonal|responds to horizontal|horizontal edges? (as|too) strong)")
bug(A1, "edge_kernel", "one_dimensional", '''
def edge_kernel() -> np.ndarray:
    return np.array([1.0, 0.0, -1.0])      # left minus right
''', "Returns a 1-D (3,) kernel instead of a (3, 3) one.", r"(3 ?x ?3|\(3, ?3\)|2-?D|one-?dimensional|1-?D)")
bug(A1, "edge_kernel", "returns_list", '''
def edge_kernel() -> np.ndarray:
    return [[1.0, 0.0, -1.0],
            [1.0, 0.0, -1.0],
            [1.0, 0.0, -1.0]]
''', "Returns a nested list instead of a (3, 3) numpy array.", r"(\blist\b|not an? (numpy )?array|ndarray)")
bug(A1, "edge_kernel", "integer_kernel", '''
def edge_kernel() -> np.ndarray:
    return np.array([[1, 0, -1],
                     [1, 0, -1],
                     [1, 0, -1]])
''', "Returns an integer array although the docstring asks for a float kernel.", r"(dtype|integer|float kernel|not float|float64)")

# --------------------------------------------------------------------------------------------
# 02_padding_stride
# --------------------------------------------------------------------------------------------

_SIZE = '''
def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1:
        raise ValueError(f"sizes and stride must be >= 1, got n={{n}}, f={{f}}, stride={{stride}}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {{padding}}")
    if f > n + 2 * padding:
        raise ValueError(f"filter {{f}} is larger than the input {{n}} padded by {{padding}}")
    span = {span}
    if strict and span % stride:
        raise ValueError(f"stride {{stride}} does not tile n - f + 2P = {{span}}")
    return {ret}
'''

bug(A2, "conv_output_size", "padding_counted_once", _SIZE.format(span="n - f + padding", ret="span // stride + 1"),
    "Adds the padding once instead of on both sides (n - f + P instead of n - f + 2P).",
    r"(padding (is )?counted once|each side|both sides|2 ?\*? ?P\b|2P)")
bug(A2, "conv_output_size", "ceil_not_floor", _SIZE.format(span="n - f + 2 * padding", ret="-(-span // stride) + 1"),
    "Rounds the division up instead of flooring it when the stride does not tile the input.",
    r"(floor|ceil|round(ed|s)? up)")
bug(A2, "conv_output_size", "true_division", _SIZE.format(span="n - f + 2 * padding", ret="span / stride + 1"),
    "Uses / instead of //, returning a float (2.33 for the lecture's invalid case) instead of a floored int.",
    r"(integer division|//|floor|must be an? int|not an? int|python int)")
bug(A2, "conv_output_size", "strict_ignored", '''
def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1:
        raise ValueError(f"sizes and stride must be >= 1, got n={n}, f={f}, stride={stride}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if f > n + 2 * padding:
        raise ValueError(f"filter {f} is larger than the input {n} padded by {padding}")
    return (n - f + 2 * padding) // stride + 1
''', "Ignores strict=True, so a stride that does not tile the padded input never raises ValueError.",
    r"(strict|tile)")
bug(A2, "conv_output_size", "no_filter_size_check", '''
def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1:
        raise ValueError(f"sizes and stride must be >= 1, got n={n}, f={f}, stride={stride}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    span = n - f + 2 * padding
    if strict and span % stride:
        raise ValueError(f"stride {stride} does not tile n - f + 2P = {span}")
    return span // stride + 1
''', "Never checks that the filter fits in the padded input, returning 0 or a negative size instead of raising ValueError.",
    r"(larger than|does not fit|expected ValueError)")
bug(A2, "conv_output_size", "filter_check_ignores_padding", '''
def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1:
        raise ValueError(f"sizes and stride must be >= 1, got n={n}, f={f}, stride={stride}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if f > n:
        raise ValueError(f"filter {f} is larger than the input {n}")
    span = n - f + 2 * padding
    if strict and span % stride:
        raise ValueError(f"stride {stride} does not tile n - f + 2P = {span}")
    return span // stride + 1
''', "Compares the filter with the unpadded input, so a filter that fits only thanks to the padding wrongly raises ValueError.",
    r"(padded input|with (the )?padding|counting the padding|n ?\+ ?2 ?\*? ?p)")
bug(A2, "conv_output_size", "negative_padding_accepted", '''
def conv_output_size(n: int, f: int, stride: int = 1, padding: int = 0, strict: bool = False) -> int:
    if n < 1 or f < 1 or stride < 1:
        raise ValueError(f"sizes and stride must be >= 1, got n={n}, f={f}, stride={stride}")
    if f > n + 2 * padding:
        raise ValueError(f"filter {f} is larger than the input {n} padded by {padding}")
    span = n - f + 2 * padding
    if strict and span % stride:
        raise ValueError(f"stride {stride} does not tile n - f + 2P = {span}")
    return span // stride + 1
''', "Does not reject a negative padding, returning a size instead of raising ValueError.",
    r"(negative padding|padding.{0,20}(< ?0|below 0|negative))")

# pad2d ----------------------------------------------------------------------------------------

_PAD_HEAD = '''
def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = as_float(x)
    ph, pw = pair(padding, "padding")
    if x.ndim != 4:
        raise ValueError(f"pad2d expects x of shape (N, C, H, W), got {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
'''

bug(A2, "pad2d", "one_side_only", _PAD_HEAD + '''
    return np.pad(x, ((0, 0), (0, 0), (0, 2 * ph), (0, 2 * pw)))
''', "Puts all 2P rows and columns of zeros at the bottom and right instead of P on each side.",
    r"(one side|both sides|each side|top and bottom|left and right|middle|cent(er|re)d?)")
bug(A2, "pad2d", "equal_padding_pads_all_axes", _PAD_HEAD + '''
    if ph == pw:
        return np.pad(x, ph)           # same padding everywhere
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
''', "Takes the shortcut np.pad(x, P) when ph == pw, which also pads the batch and channel axes.",
    r"(N and C|batch axis|channel axis|all (the )?axes|only H and W|spatial axes)")
bug(A2, "pad2d", "ph_pw_swapped", _PAD_HEAD + '''
    return np.pad(x, ((0, 0), (0, 0), (pw, pw), (ph, ph)))
''', "Pads the rows by pw and the columns by ph (the pair read as (width, height)).",
    r"(swap|\(pw, ?ph\)|transpos)")
bug(A2, "pad2d", "no_4d_check", '''
def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = as_float(x)
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
    pad_width = [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]
    return np.pad(x, pad_width)
''', "Pads the last two axes of any array, so a 3-D x is padded instead of raising ValueError.",
    r"(4-?D|3-?D|ndim|expected ValueError)")
bug(A2, "pad2d", "int_padding_only", '''
def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"pad2d expects x of shape (N, C, H, W), got {x.shape}")
    if np.any(np.asarray(padding) < 0):
        raise ValueError(f"padding must be >= 0, got {padding}")
    p = padding
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
''', "Handles only an int padding; a (ph, pw) tuple is not split into its two axes.",
    r"(tuple|pair|\(ph, ?pw\))")

bug(A2, "pad2d", "integer_input_kept", '''
def pad2d(x: np.ndarray, padding: int | tuple[int, int]) -> np.ndarray:
    x = np.asarray(x)
    ph, pw = pair(padding, "padding")
    if x.ndim != 4:
        raise ValueError(f"pad2d expects x of shape (N, C, H, W), got {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
''', "Pads the array as it is, so integer input stays integer instead of becoming float64.",
    r"(dtype|integer|float64)")

# conv2d ---------------------------------------------------------------------------------------

_CONV_TOP = '''
def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw)).astype(np.float64)
    F, C, KH, KW = w.shape
    out = np.zeros((x.shape[0], F, Ho, Wo))
'''
_CONV_BIAS = '''
    if b is not None:
        out += np.asarray(b, dtype=np.float64)[None, :, None, None]
    return out
'''

bug(A2, "conv2d", "windows_ignore_stride", _CONV_TOP + '''
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
''' + _CONV_BIAS, "Sizes the output with the stride but starts window (i, j) at (i, j) instead of (i*sh, j*sw).",
    r"(stride.{0,20}(ignored|not (used|applied))|i ?\* ?s)")
bug(A2, "conv2d", "row_stride_for_columns", _CONV_TOP + '''
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sh:j * sh + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
''' + _CONV_BIAS, "Uses the row stride sh for the columns too, right only when sh == sw.",
    r"(\bsw\b|column stride|stride.{0,30}(column|width|each axis|both axes|per axis)|\(sh, ?sw\))")
bug(A2, "conv2d", "square_kernel_assumed", '''
def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw)).astype(np.float64)
    F, C, K = w.shape[:3]               # K x K kernels
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + K, j * sw:j * sw + K]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
''' + _CONV_BIAS, "Takes the kernel height as its width too, so non-square kernels break.",
    r"(non-?square|rectangular|kernel width|\bKW\b)")
bug(A2, "conv2d", "integer_output", '''
def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw))
    F, C, KH, KW = w.shape
    out = np.zeros((x.shape[0], F, Ho, Wo), dtype=np.result_type(x, w))
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += np.asarray(b, dtype=out.dtype)[None, :, None, None]
    return out
''', "Allocates the output in the inputs' dtype, so integer inputs give an integer (and float32 a float32) result instead of float64.",
    r"(dtype|integer|float64 (output|result)|not float|float32)")
bug(A2, "conv2d", "output_size_plus_one_inside", '''
def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x), np.asarray(w)
    (sh, sw), (ph, pw), _, _ = _conv_geometry(x, w, b, stride, padding, "conv2d")
    xpad = pad2d(x, (ph, pw)).astype(np.float64)
    F, C, KH, KW = w.shape
    H, W = x.shape[2:]
    Ho, Wo = (H + 2 * ph - KH + 1) // sh, (W + 2 * pw - KW + 1) // sw
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
''' + _CONV_BIAS, "Computes the output size as (H + 2P - K + 1) // S, the +1 inside the division, which is wrong whenever S > 1.",
    r"(output size|size formula|one row and one column short|off.by.one|\+ ?1\b)")
bug(A2, "conv2d", "bias_on_last_axis", _CONV_TOP + '''
    for i in range(Ho):
        for j in range(Wo):
            window = xpad[:, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b
    return out
''', "Adds b to out directly, so it broadcasts over the last (width) axis instead of the filter axis.",
    r"(bias|\bb\b).{0,40}(axis|broadcast)")

# receptive_field ------------------------------------------------------------------------------

bug(A2, "receptive_field", "strides_ignored", '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r = 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got {(k, s)}")
        r += k - 1
    return r
''', "Adds k - 1 per layer and ignores the strides (the jump).", r"stride.{0,20}(ignored|not (used|counted))")
bug(A2, "receptive_field", "own_stride_counted", '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = 1, 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got {(k, s)}")
        jump *= s
        r += (k - 1) * jump
    return r
''', "Multiplies the jump by a layer's own stride before adding its (k - 1), instead of using only the strides below it.",
    r"(own stride|strides? of the layers below|before)")
bug(A2, "receptive_field", "jump_not_cumulative", '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = 1, 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got {(k, s)}")
        r += (k - 1) * jump
        jump = s
    return r
''', "Sets the jump to the previous layer's stride instead of the product of all the strides below.",
    r"(product|multipl|cumulat|all (the )?strides below)")
bug(A2, "receptive_field", "empty_stack_crashes", '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = layers[0]             # the first layer sees k pixels
    for k, s in layers[1:]:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got {(k, s)}")
        r += (k - 1) * jump
        jump *= s
    return r
''', "Starts from the first layer instead of r = 1, so an empty stack raises IndexError instead of giving 1 (and the first layer is never validated).",
    r"(empty|no layers|\[\])")
bug(A2, "receptive_field", "no_validation", '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = 1, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r
''', "Never raises ValueError for a kernel or stride below 1.", r"(expected ValueError|below 1|>= ?1|must raise)")
bug(A2, "receptive_field", "kernel_not_minus_one", '''
def receptive_field(layers: list[tuple[int, int]]) -> int:
    r, jump = 1, 1
    for k, s in layers:
        if k < 1 or s < 1:
            raise ValueError(f"kernel and stride must be >= 1, got {(k, s)}")
        r += k * jump
        jump *= s
    return r
''', "Adds k * J instead of (k - 1) * J per layer, overcounting the shared pixel.",
    r"(k ?- ?1|off.by.one|overcount)")

# im2col ---------------------------------------------------------------------------------------

_IM2COL_TOP = '''
def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = as_float(x)
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    N, C, H, W = x.shape
    Ho, Wo = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
'''

bug(A2, "im2col", "rows_ordered_abc", _IM2COL_TOP + '''
    xpad = pad2d(x, (ph, pw))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 4, 5, 1, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)
''', "Orders the rows (a, b, c) instead of (c, a, b), which no longer matches w.reshape(F, -1).",
    r"(order|\(c, ?a, ?b\)|\(C, ?kh, ?kw\))")
bug(A2, "im2col", "windows_ignore_stride", _IM2COL_TOP + '''
    xpad = pad2d(x, (ph, pw))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)
''', "Keeps the first H' x W' windows instead of every sh-th / sw-th one, so the windows do not move with the stride.",
    r"(stride.{0,20}(ignored|not (used|applied))|every s(h)?-th|i ?\* ?s)")
bug(A2, "im2col", "float32_upcast", '''
def im2col(x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    N, C, H, W = x.shape
    Ho, Wo = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
    xpad = pad2d(x, (ph, pw))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)
''', "Converts the input to float64, so a float32 input is upcast instead of staying float32.",
    r"(float32|dtype|precision|upcast)")
bug(A2, "im2col", "positions_column_major", _IM2COL_TOP + '''
    xpad = pad2d(x, (ph, pw))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 3, 2)).reshape(N, C * kh * kw, Ho * Wo)
''', "Numbers the window positions column by column (j * H' + i) instead of row by row (i * W' + j).",
    r"(column.major|position order|order of (the )?(positions|columns)|i ?\* ?W' ?\+ ?j|transpos)")
bug(A2, "im2col", "row_stride_for_columns", _IM2COL_TOP + '''
    xpad = pad2d(x, (ph, pw))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sh][:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)
''', "Steps the window columns by the row stride sh, right only when sh == sw.",
    r"(\bsw\b|column stride|stride.{0,30}(column|width|each axis|both axes|per axis)|\(sh, ?sw\))")
bug(A2, "im2col", "row_padding_for_columns", _IM2COL_TOP + '''
    xpad = pad2d(x, ph)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * kh * kw, Ho * Wo)
''', "Pads the columns by ph as well as the rows, right only when ph == pw.",
    r"(\bpw\b|column padding|padding.{0,30}(column|width|each axis|both axes|per axis))")

# conv2d_fast ----------------------------------------------------------------------------------

bug(A2, "conv2d_fast", "float32_upcast", '''
def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))
    out = np.matmul(w.reshape(F, -1), cols).reshape(x.shape[0], F, Ho, Wo)
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)[None, :, None, None]
    return out
''', "Converts everything to float64, so float32 inputs are upcast instead of staying float32.",
    r"(float32|dtype|precision|upcast)")
bug(A2, "conv2d_fast", "weights_flattened_channels_last", '''
def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))
    w_flat = w.transpose(0, 2, 3, 1).reshape(F, -1)
    out = np.matmul(w_flat, cols).reshape(x.shape[0], F, Ho, Wo)
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)[None, :, None, None]
    return out
''', "Flattens the weights in (a, b, c) order, which does not match im2col's (c, a, b) rows (right only for one channel).",
    r"(order|reshape|layout)")
bug(A2, "conv2d_fast", "bias_on_positions_axis", '''
def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))
    out = np.matmul(w.reshape(F, -1), cols)              # (N, F, H'W')
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)
    return out.reshape(x.shape[0], F, Ho, Wo)
''', "Adds b to the (N, F, H'W') product directly, so it broadcasts over the positions axis instead of the filters.",
    r"(bias|\bb\b).{0,40}(axis|broadcast)")
bug(A2, "conv2d_fast", "output_reshaped_w_by_h", '''
def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    (sh, sw), (ph, pw), Ho, Wo = _conv_geometry(x, w, b, stride, padding, "conv2d_fast")
    F, C, KH, KW = w.shape
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))
    out = np.matmul(w.reshape(F, -1), cols).reshape(x.shape[0], F, Wo, Ho)
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)[None, :, None, None]
    return out
''', "Reshapes the product to (N, F, W', H'), right only for square outputs.",
    r"(reshape|W', ?H'|transpos|swap|non-?square output)")
bug(A2, "conv2d_fast", "no_bias_shape_check", '''
def conv2d_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None,
                stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0) -> np.ndarray:
    x, w = as_float(x), as_float(w)
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"expected x (N, C, H, W) and w (F, C, KH, KW), got {x.shape} and {w.shape}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    F, C, KH, KW = w.shape
    Ho, Wo = conv_output_size(x.shape[2], KH, sh, ph), conv_output_size(x.shape[3], KW, sw, pw)
    cols = im2col(x, KH, KW, (sh, sw), (ph, pw))
    out = np.matmul(w.reshape(F, -1), cols).reshape(x.shape[0], F, Ho, Wo)
    if b is not None:
        out = out + np.asarray(b).astype(out.dtype)[None, :, None, None]
    return out
''', "Validates by hand instead of with _conv_geometry and forgets the bias: a b of shape (1,) broadcasts instead of raising ValueError.",
    r"((bias|\bb\b).{0,40}(shape|\(F,\))|expected ValueError)")

# --------------------------------------------------------------------------------------------
# 03_pooling
# --------------------------------------------------------------------------------------------

_MAXP_SIG = '''
def max_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
'''
_MAXP_GEOM = '''    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    x = as_float(x)
'''

bug(A3, "max_pool2d", "zero_padding", _MAXP_SIG + _MAXP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''', "Pads with zeros instead of -inf, so a padded cell becomes the maximum of a window of negative values.",
    r"(-inf|pads? with zeros?)")
bug(A3, "max_pool2d", "stride_defaults_to_one", _MAXP_SIG + '''
    if stride is None:
        stride = 1
''' + _MAXP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''', "Defaults the stride to 1 instead of to the window size when stride is None.",
    r"(default|stride ?= ?None|stride.{0,30}kernel.?size|stride (is )?ignored)")
bug(A3, "max_pool2d", "window_rows_cols_swapped", _MAXP_SIG + _MAXP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kw, kh), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''', "Takes (kw, kh) windows instead of (kh, kw), right only for square windows.",
    r"(swap|\(kh, ?kw\)|\(kw, ?kh\)|non-?square)")
bug(A3, "max_pool2d", "row_stride_for_columns", _MAXP_SIG + _MAXP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sh][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''', "Steps the window columns by the row stride sh, right only when sh == sw.",
    r"(\bsw\b|column stride|stride.{0,30}(column|width|each axis|both axes|per axis)|\(sh, ?sw\))")
bug(A3, "max_pool2d", "row_padding_for_columns", _MAXP_SIG + _MAXP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (ph, ph)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''', "Pads the columns by ph as well as the rows, right only when ph == pw.",
    r"(\bpw\b|column padding|padding.{0,30}(column|width|each axis|both axes|per axis))")
bug(A3, "max_pool2d", "reshape_blocks_no_overlap", _MAXP_SIG + _MAXP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    N, C = x.shape[:2]
    blocks = xpad[:, :, :Ho * kh, :Wo * kw].reshape(N, C, Ho, kh, Wo, kw)
    return blocks.max(axis=(3, 5))
''', "Cuts the map into disjoint kh x kw blocks with a reshape, which ignores the stride (wrong for overlapping or gapped windows).",
    r"(overlap|stride.{0,20}(ignored|not (used|applied)))")

bug(A3, "max_pool2d", "float32_upcast", _MAXP_SIG + '''    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d")
    x = np.asarray(x, dtype=np.float64)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.max(axis=(4, 5))
''', "Converts every input to float64, so a float32 feature map is upcast instead of staying float32.",
    r"(dtype|float32|upcast)")

_AVGP_SIG = '''
def avg_pool2d(x: np.ndarray, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> np.ndarray:
'''
_AVGP_GEOM = '''    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    x = as_float(x)
'''

bug(A3, "avg_pool2d", "padding_not_counted", _AVGP_SIG + _AVGP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    real = np.pad(np.ones_like(x[0, 0]), ((ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    count = np.lib.stride_tricks.sliding_window_view(real, (kh, kw))[::sh, ::sw][:Ho, :Wo]
    return win.sum(axis=(4, 5)) / count.sum(axis=(2, 3))
''', "Divides each window by its number of real pixels instead of kh * kw (count_include_pad=False).",
    r"(count_include_pad|padded (cells|zeros|pixels).{0,30}count|kh ?\* ?kw)")
bug(A3, "avg_pool2d", "divides_by_kh_squared", _AVGP_SIG + _AVGP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.sum(axis=(4, 5)) / (kh * kh)
''', "Divides the window sums by kh * kh instead of kh * kw, right only for square windows.",
    r"(kh ?\* ?kw|non-?square|wrong count)")
bug(A3, "avg_pool2d", "stride_defaults_to_one", _AVGP_SIG + '''
    if stride is None:
        stride = 1
''' + _AVGP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.mean(axis=(4, 5))
''', "Defaults the stride to 1 instead of to the window size when stride is None.",
    r"(default|stride ?= ?None|stride.{0,30}kernel.?size|stride (is )?ignored)")
bug(A3, "avg_pool2d", "row_stride_for_columns", _AVGP_SIG + _AVGP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sh][:, :, :Ho, :Wo]
    return win.mean(axis=(4, 5))
''', "Steps the window columns by the row stride sh, right only when sh == sw.",
    r"(\bsw\b|column stride|stride.{0,30}(column|width|each axis|both axes|per axis)|\(sh, ?sw\))")
bug(A3, "avg_pool2d", "minus_inf_padding", _AVGP_SIG + _AVGP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.mean(axis=(4, 5))
''', "Copies max pooling's -inf padding, so every window that touches the padding averages to -inf instead of counting zeros.",
    r"(-?inf\b|pads? with zeros?)")
bug(A3, "avg_pool2d", "window_rows_cols_swapped", _AVGP_SIG + _AVGP_GEOM + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kw, kh), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.mean(axis=(4, 5))
''', "Takes (kw, kh) windows instead of (kh, kw), right only for square windows.",
    r"(swap|\(kh, ?kw\)|\(kw, ?kh\)|non-?square)")

bug(A3, "avg_pool2d", "float32_upcast", _AVGP_SIG + '''    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "avg_pool2d")
    x = np.asarray(x, dtype=np.float64)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    return win.mean(axis=(4, 5))
''', "Converts every input to float64, so a float32 feature map is upcast instead of staying float32.",
    r"(dtype|float32|upcast)")

_GAP = '''
def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    x = as_float(x)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d expects x of shape (N, C, H, W), got {{x.shape}}")
    return {}
'''

bug(A3, "global_avg_pool2d", "keepdims", _GAP.format("x.mean(axis=(2, 3), keepdims=True)"),
    "Keeps the reduced axes, returning (N, C, 1, 1) instead of (N, C).",
    r"(keepdims|\(N, ?C, ?1, ?1\)|keeps the spatial axes)")
bug(A3, "global_avg_pool2d", "sum_not_mean", _GAP.format("x.sum(axis=(2, 3))"),
    "Sums each feature map instead of averaging it.", r"(sum(med)? instead|\bmean\b|averag|divid)")
bug(A3, "global_avg_pool2d", "divides_by_h_squared", _GAP.format("x.sum(axis=(2, 3)) / (x.shape[2] * x.shape[2])"),
    "Divides the sum by H * H instead of H * W, right only for square maps.",
    r"(non-?square|\bwidth\b|wrong count|H ?\* ?H)")
bug(A3, "global_avg_pool2d", "channels_last_axes", _GAP.format("x.mean(axis=(1, 2))"),
    "Averages over axes (1, 2) as for channels-last images, mixing channels and rows instead of averaging H and W.",
    r"(wrong axes|\baxis\b|\baxes\b|NHWC|channels.last)")
bug(A3, "global_avg_pool2d", "no_4d_check", '''
def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    x = as_float(x)
    return x.mean(axis=(-2, -1))
''', "Averages the last two axes of any array, so a 3-D x is accepted instead of raising ValueError.",
    r"(4-?D|3-?D|ndim|expected ValueError)")
# --------------------------------------------------------------------------------------------
bug(A3, "global_avg_pool2d", "float32_upcast", '''
def global_avg_pool2d(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"global_avg_pool2d expects x of shape (N, C, H, W), got {x.shape}")
    return x.mean(axis=(2, 3))
''', "Converts the input to float64, so a float32 feature map gives a float64 result instead of staying float32.",
    r"(dtype|float32|upcast)")

# 04_classification_head: forward layers, loss, metrics
# --------------------------------------------------------------------------------------------

bug(A4, "relu", "in_place_on_float_input", '''
def relu(x: np.ndarray) -> np.ndarray:
    out = np.asarray(x, dtype=np.float64)
    out[out < 0] = 0
    return out
''', "Zeroes the negatives of np.asarray(x, dtype=np.float64), which is x itself for a float64 array, so the caller's input is modified in place.",
    r"(in.place|modif|copy)")
bug(A4, "relu", "integer_output", '''
def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)
''', "Returns np.maximum(x, 0) without converting, so integer input gives an integer array (and float32 stays float32) instead of float64.", r"(dtype|integer|float (output|result)|as float|not float)")
bug(A4, "relu", "np_max_reduces", '''
def relu(x: np.ndarray) -> np.ndarray:
    return np.max(np.asarray(x, dtype=np.float64), 0)
''', "Uses np.max(x, 0), which reduces along axis 0, instead of the elementwise np.maximum.",
    r"(np\.max\b|np\.maximum|reduc|elementwise|axis (is )?missing)")
bug(A4, "relu", "leaky_slope", '''
def relu(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.01 * x)
''', "Writes a leaky ReLU (slope 0.01 for negatives) instead of max(x, 0).",
    r"(leaky|negative (values|inputs?).{0,30}(0|zero)|slope)")

bug(A4, "relu", "float32_kept", '''
def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(as_float(x), 0)
''', "Converts with as_float (from the setup cell), which keeps float32, so a float32 input gives a float32 result instead of float64.",
    r"(float64|float32|dtype)")

bug(A4, "flatten", "batch_axis_merged", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    return x.ravel()
''', "Ravels the whole batch into one vector instead of one row per example.",
    r"(batch axis|keep (it|the batch)|\(N, ?D\))")
bug(A4, "flatten", "channels_last_order", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    if x.ndim == 4:
        x = x.transpose(0, 2, 3, 1)        # (N, H, W, C), like Keras
    return x.reshape(x.shape[0], -1)
''', "Moves the channels last before flattening, so rows are in (H, W, C) order instead of C order.",
    r"(channels.last|C order|NHWC)")
bug(A4, "flatten", "fortran_order", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    return x.reshape(x.shape[0], -1, order="F")
''', "Reshapes in Fortran order, which mixes values of different examples into one row.",
    r"(fortran|order=.?F|column.major)")
bug(A4, "flatten", "no_batch_axis_check", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(len(x), -1)
''', "Never checks x.ndim, so a 1-D x of shape (4,) becomes (4, 1) instead of raising ValueError.",
    r"(batch axis|ndim|1-?D|expected ValueError)")
bug(A4, "flatten", "last_axis_kept", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    return x.reshape(-1, x.shape[-1])
''', "Keeps the last axis and merges all the others, giving (N*C*H, W) instead of (N, C*H*W).",
    r"(batch axis|\(N, ?D\)|one row per example)")
bug(A4, "flatten", "returns_list", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    return [example.ravel() for example in x]
''', "Returns a Python list of rows instead of an (N, D) array.", r"(\blist\b|not an? (numpy )?array)")

bug(A4, "flatten", "integer_kept", '''
def flatten(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"flatten needs a batch axis, got x of shape {x.shape}")
    return x.reshape(x.shape[0], -1)
''', "Only reshapes, so integer (and float32) input keeps its dtype instead of becoming float64.",
    r"(float64|dtype|integer|float32)")

_LIN_CHECK = '''
def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or b.ndim != 1 or x.shape[1] != w.shape[0] or b.shape[0] != w.shape[1]:
        raise ValueError(f"shapes do not fit: x {x.shape}, w {w.shape}, b {b.shape}")
'''

bug(A4, "linear", "bias_forgotten", _LIN_CHECK + '''
    return x @ w
''', "Forgets to add the bias.", r"(bias (is )?(missing|forgotten|not added)|\+ ?b\b)")
bug(A4, "linear", "bias_shape_not_checked", '''
def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[0]:
        raise ValueError(f"shapes do not fit: x {x.shape}, w {w.shape}")
    return x @ w + b
''', "Checks x and w but not b, so a bias of shape (1,) broadcasts instead of raising ValueError.",
    r"((bias|\bb\b).{0,40}(shape|\(M,\))|expected ValueError)")
bug(A4, "linear", "weights_read_as_out_by_in", '''
def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if x.ndim != 2 or w.ndim != 2 or b.ndim != 1 or x.shape[1] != w.shape[1] or b.shape[0] != w.shape[0]:
        raise ValueError(f"shapes do not fit: x {x.shape}, w {w.shape}, b {b.shape}")
    return x @ w.T + b                      # w is (M, D), as in torch.nn.Linear
''', "Reads w as (M, D) like torch.nn.Linear and computes x @ w.T + b instead of x @ w + b.",
    r"(transpos|w\.T|\(D, ?M\))")
bug(A4, "linear", "bias_as_column", _LIN_CHECK + '''
    return x @ w + b[:, None]
''', "Adds the bias as a column b[:, None], broadcasting it over the batch axis instead of the units.",
    r"(bias|\bb\b).{0,40}(axis|broadcast|column|rows)")

_SM = '''
def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
'''

bug(A4, "softmax", "no_max_subtraction", _SM + '''
    e = np.exp(s)
    return e / e.sum(axis=axis, keepdims=True)
''', "Does not subtract the maximum, so large logits overflow to inf and give nan.",
    r"(overflow|subtract.{0,20}max)")
bug(A4, "softmax", "axis_argument_ignored", _SM + '''
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''', "Hard-codes axis=1 and ignores the axis argument (right only for 2-D input with the default axis).",
    r"(axis.{0,20}(ignored|argument)|`axis`)")
bug(A4, "softmax", "global_max", _SM + '''
    e = np.exp(s - s.max())
    return e / e.sum(axis=axis, keepdims=True)
''', "Subtracts the global maximum instead of the maximum along the axis, so a row far below it underflows to 0/0 = nan.",
    r"(global max|max.{0,40}(along|per row|each row|the axis)|underflow)")
bug(A4, "softmax", "no_keepdims", _SM + '''
    e = np.exp(s - s.max(axis=axis))
    return e / e.sum(axis=axis)
''', "Reduces without keepdims, so the max and the sum broadcast against the wrong axis (right only for a batch of one).",
    r"keepdims")
bug(A4, "softmax", "in_place_shift", _SM + '''
    s -= s.max(axis=axis, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=axis, keepdims=True)
    return s
''', "Shifts and exponentiates np.asarray(scores, dtype=np.float64) in place, which is the caller's array for float64 scores.",
    r"(in.place|modif|copy)")

bug(A4, "softmax", "float32_kept", '''
def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    s = as_float(scores)
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
''', "Converts with as_float, which keeps float32, so float32 logits give float32 probabilities instead of float64.",
    r"(float64|float32|dtype)")

_CE_HEAD = '''
def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = _check_labels(scores, y, "cross_entropy")
    scores = np.asarray(scores, dtype=np.float64)
    z = scores - scores.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
'''

bug(A4, "cross_entropy", "summed_not_averaged", _CE_HEAD + '''
    return float(-logp[np.arange(len(y)), y].sum())
''', "Sums the negative log-likelihoods over the batch instead of averaging them.",
    r"(summed|\bmean\b|averag|divide by N)")
bug(A4, "cross_entropy", "log_of_softmax", '''
def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = _check_labels(scores, y, "cross_entropy")
    scores = np.asarray(scores, dtype=np.float64)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.log(p[np.arange(len(y)), y]).mean())
''', "Takes np.log of the softmax probabilities, so a probability that underflows to 0 gives an infinite loss.",
    r"(log.?softmax|underflow|log\(0\)|np\.log\(softmax)")
bug(A4, "cross_entropy", "picks_columns_not_entries", _CE_HEAD + '''
    return float(-logp[:, y].mean())
''', "Indexes logp[:, y], which averages an N x N block of entries instead of one true-class entry per row.",
    r"(index|arange|\[:, ?y\]|one (entry|value) per row)")
bug(A4, "cross_entropy", "no_max_shift", '''
def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = _check_labels(scores, y, "cross_entropy")
    scores = np.asarray(scores, dtype=np.float64)
    logp = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())
''', "Computes log-sum-exp without subtracting the row maximum, so large logits overflow.",
    r"(overflow|without (subtracting )?the max|subtract.{0,20}max)")
bug(A4, "cross_entropy", "labels_not_checked", '''
def cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y)
    z = scores - scores.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())
''', "Skips _check_labels: a negative label silently indexes from the end and a too-large one raises IndexError, not ValueError.",
    r"(label|expected ValueError)")
bug(A4, "cross_entropy", "sign_flipped", _CE_HEAD + '''
    return float(logp[np.arange(len(y)), y].mean())
''', "Returns the mean log-likelihood without negating it, so the loss is negative.",
    r"(sign|negat)")

_TOPK_HEAD = """
def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    scores, y = _check_labels(scores, y, "topk_error")
    if not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be in [1, {scores.shape[1]}] for scores {scores.shape}, got {k}")
    true_score = scores[np.arange(len(y)), y]
"""

bug(A4, "topk_error", "returns_accuracy", _TOPK_HEAD + """
    larger = (scores > true_score[:, None]).sum(axis=1)
    return float(np.mean(larger < k))
""", "Returns the top-k accuracy (fraction right) instead of the error.",
    r"(accuracy|1 ?- ?)")
bug(A4, "topk_error", "count_not_fraction", _TOPK_HEAD + """
    larger = (scores > true_score[:, None]).sum(axis=1)
    return float(np.sum(larger >= k))
""", "Returns the number of wrong examples instead of their fraction.",
    r"(fraction|count|divide by N|\bmean\b)")
bug(A4, "topk_error", "k_off_by_one", _TOPK_HEAD + """
    larger = (scores > true_score[:, None]).sum(axis=1)
    return float(np.mean(larger > k))
""", "Counts an example as right when at most k (instead of fewer than k) scores are larger, i.e. it keeps k + 1 classes.",
    r"(off.by.one|one class too (few|many)|k ?\+ ?1|fewer than k)")
bug(A4, "topk_error", "k_not_checked", """
def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    scores, y = _check_labels(scores, y, "topk_error")
    true_score = scores[np.arange(len(y)), y]
    larger = (scores > true_score[:, None]).sum(axis=1)
    return float(np.mean(larger >= k))
""", "Never checks 1 <= k <= K, so k = 0 or k > K returns a number instead of raising ValueError.",
    r"(\bk\b.{0,40}(range|\[1, ?K\]|outside|classes)|expected ValueError)")
bug(A4, "topk_error", "counted_over_batch_axis", _TOPK_HEAD + """
    larger = (scores > true_score[:, None]).sum(axis=0)
    return float(np.mean(larger >= k))
""", "Sums the comparison along axis 0 (over the examples) instead of along each row's classes.",
    r"(\baxis\b|along (each )?row|across (the )?examples|classes)")
bug(A4, "topk_error", "smaller_scores_counted", _TOPK_HEAD + """
    smaller = (scores < true_score[:, None]).sum(axis=1)
    return float(np.mean(smaller >= k))
""", "Counts the scores strictly smaller than the true one instead of the strictly larger ones.",
    r"(smaller|lowest|larger|highest|direction)")
bug(A4, "topk_error", "ties_count_against", _TOPK_HEAD + """
    at_least = (scores >= true_score[:, None]).sum(axis=1)      # the true class counts itself
    return float(np.mean(at_least > k))
""", "Counts the scores greater than or equal to the true one, so a class tied with the true class pushes it out, against the notebook's tie rule.",
    r"(\bties?\b|tied|strictly|>=)")
bug(A4, "topk_error", "argsort_breaks_ties", """
def topk_error(scores: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    scores, y = _check_labels(scores, y, "topk_error")
    if not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be in [1, {scores.shape[1]}] for scores {scores.shape}, got {k}")
    best = np.argsort(-scores, axis=1)[:, :k]
    return float(np.mean(~(best == y[:, None]).any(axis=1)))
""", "Takes the k best classes with np.argsort, which breaks ties by class order, while the notebook's rule counts only strictly larger scores.",
    r"(\bties?\b|tied|strictly|argsort)")

# --------------------------------------------------------------------------------------------
# 04_classification_head: gradient checking and backward passes
# --------------------------------------------------------------------------------------------

_NG_SIG = '''
def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}")
'''
_NG_CHECK = '''        if fp.size != 1 or fm.size != 1:
            raise ValueError(f"f must return one number, got shape {fp.shape}")
'''

bug(A4, "numerical_gradient", "forward_difference", _NG_SIG + '''
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    f0 = np.asarray(f(xc))
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        fp = np.asarray(f(xc))
        xc[i] = old
        fm = f0
''' + _NG_CHECK + '''        grad[i] = (float(fp.item()) - float(fm.item())) / h
    return grad
''', "Uses the one-sided difference (f(x + h) - f(x)) / h instead of the centered one.",
    r"(cent(er|re)d|one.sided|forward difference)")
bug(A4, "numerical_gradient", "entry_not_restored", _NG_SIG + '''
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(xc.shape):
        xc[i] += h
        fp = np.asarray(f(xc))
        xc[i] -= 2 * h
        fm = np.asarray(f(xc))
''' + _NG_CHECK + '''        grad[i] = (float(fp.item()) - float(fm.item())) / (2 * h)
    return grad
''', "Never puts the entry back, so every later entry is evaluated at an x shifted by -h.",
    r"(restor|put.{0,10}back)")
bug(A4, "numerical_gradient", "integer_copy", _NG_SIG + '''
    xc = np.array(x)                           # a copy, so x is not touched
    grad = np.zeros(xc.shape)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        fp = np.asarray(f(xc))
        xc[i] = old - h
        fm = np.asarray(f(xc))
        xc[i] = old
''' + _NG_CHECK + '''        grad[i] = (float(fp.item()) - float(fm.item())) / (2 * h)
    return grad
''', "Copies x without converting it to float64, so for an integer x the nudges of h are truncated away and the gradient is 0.",
    r"(dtype|integer|float64 copy)")
bug(A4, "numerical_gradient", "divides_by_h", _NG_SIG + '''
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        fp = np.asarray(f(xc))
        xc[i] = old - h
        fm = np.asarray(f(xc))
        xc[i] = old
''' + _NG_CHECK + '''        grad[i] = (float(fp.item()) - float(fm.item())) / h
    return grad
''', "Divides the centered difference by h instead of 2h, doubling the gradient.",
    r"(2 ?\*? ?h\b|2h|twice|half)")
bug(A4, "numerical_gradient", "step_not_checked", '''
def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    xc = np.array(x, dtype=np.float64)
    grad = np.zeros_like(xc)
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        fp = np.asarray(f(xc))
        xc[i] = old - h
        fm = np.asarray(f(xc))
        xc[i] = old
''' + _NG_CHECK + '''        grad[i] = (float(fp.item()) - float(fm.item())) / (2 * h)
    return grad
''', "Never raises ValueError for h <= 0 (h = 0 divides by zero, a negative h is accepted).",
    r"(\bh ?<= ?0|\bh = 0|step|expected ValueError)")
bug(A4, "numerical_gradient", "flat_result", _NG_SIG + '''
    xc = np.array(x, dtype=np.float64)
    grads = []
    for i in np.ndindex(xc.shape):
        old = xc[i]
        xc[i] = old + h
        fp = np.asarray(f(xc))
        xc[i] = old - h
        fm = np.asarray(f(xc))
        xc[i] = old
''' + _NG_CHECK + '''        grads.append((float(fp.item()) - float(fm.item())) / (2 * h))
    return np.array(grads)
''', "Collects the partial derivatives in a list and returns a flat vector instead of an array shaped like x.",
    r"(wrong shape|reshape|flat)")
bug(A4, "numerical_gradient", "nudges_caller_array", _NG_SIG + '''
    xc = np.asarray(x, dtype=np.float64)        # no copy needed: every nudge is undone
    grad = np.zeros(xc.shape)
    for i in np.ndindex(xc.shape):
        xc[i] += h
        fp = np.asarray(f(xc))
        xc[i] -= 2 * h
        fm = np.asarray(f(xc))
        xc[i] += h
''' + _NG_CHECK + '''        grad[i] = (float(fp.item()) - float(fm.item())) / (2 * h)
    return grad
''', "Nudges the caller's float64 x itself (np.asarray makes no copy) and undoes the nudges by arithmetic, so x comes back changed by rounding.",
    r"(in.place|modif|copy)")

_RB_HEAD = '''
def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x)
    if dout.shape != x.shape:
        raise ValueError(f"dout {dout.shape} and x {x.shape} must have the same shape")
'''

bug(A4, "relu_backward", "gradient_at_zero", _RB_HEAD + '''
    return dout * (x >= 0)
''', "Lets the gradient through where x == 0 (uses x >= 0), while the notebook says to use 0 there.",
    r"(x ?== ?0|at (x = )?0|>= ?0|at zero)")
bug(A4, "relu_backward", "mask_without_dout", _RB_HEAD + '''
    return (x > 0).astype(float)
''', "Returns relu's derivative (the 0/1 mask) without multiplying it by dout.",
    r"(without dout|upstream|chain rule|multipl)")
bug(A4, "relu_backward", "mask_from_dout", _RB_HEAD + '''
    return dout * (dout > 0)
''', "Masks with the sign of dout instead of the sign of the forward input x.",
    r"(mask (is )?(taken )?from dout|forward input|sign of (the )?(input|x))")
bug(A4, "relu_backward", "dout_modified_in_place", _RB_HEAD + '''
    dx = dout
    dx[x <= 0] = 0
    return dx
''', "Sets dx = dout and zeroes entries of it, which overwrites the caller's upstream gradient.",
    r"(in.place|modif|copy)")
bug(A4, "relu_backward", "shape_not_checked", '''
def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    dout, x = np.asarray(dout, dtype=np.float64), np.asarray(x)
    return dout * (x > 0)
''', "Never checks that dout and x have the same shape, so broadcastable shapes pass silently instead of raising ValueError.",
    r"(shape.{0,30}(differ|mismatch|same)|expected ValueError|broadcast)")

_LB_HEAD = '''
def linear_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dout, x, w = (np.asarray(a, dtype=np.float64) for a in (dout, x, w))
    if (dout.ndim != 2 or x.ndim != 2 or w.ndim != 2 or x.shape[0] != dout.shape[0]
            or x.shape[1] != w.shape[0] or w.shape[1] != dout.shape[1]):
        raise ValueError(f"shapes do not fit: dout {dout.shape}, x {x.shape}, w {w.shape}")
'''

bug(A4, "linear_backward", "db_not_summed", _LB_HEAD + '''
    return dout @ w.T, x.T @ dout, dout
''', "Returns dout itself as db instead of summing it over the batch.",
    r"(db.{0,30}(not summed|sum)|sum.{0,30}batch)")
bug(A4, "linear_backward", "dx_w_not_transposed", _LB_HEAD + '''
    return dout @ w, x.T @ dout, dout.sum(axis=0)
''', "Computes dx = dout @ w instead of dout @ w.T (fails unless w is square, and is wrong even then).",
    r"(transpos|w\.T)")
bug(A4, "linear_backward", "dw_transposed", _LB_HEAD + '''
    return dout @ w.T, dout.T @ x, dout.sum(axis=0)
''', "Computes dw = dout.T @ x, which has shape (M, D) instead of w's (D, M).",
    r"(transpos|x\.T)")
bug(A4, "linear_backward", "returned_in_wrong_order", _LB_HEAD + '''
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)
    return dw, dx, db
''', "Returns (dw, dx, db) instead of (dx, dw, db).", r"(order|\(dx, ?dw, ?db\))")
bug(A4, "linear_backward", "dw_averaged", _LB_HEAD + '''
    return dout @ w.T, x.T @ dout / x.shape[0], dout.sum(axis=0)
''', "Divides dw by the batch size, although dout already carries the loss's 1/N.",
    r"(\bmean\b|averag|divi(de|sion)|\bN\b)")

_SCE_HEAD = '''
def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    scores = np.asarray(scores, dtype=np.float64)
'''

bug(A4, "softmax_cross_entropy_backward", "not_divided_by_n", _SCE_HEAD + '''
    p = softmax(scores, axis=1).copy()
    p[np.arange(len(y)), y] -= 1
    return p
''', "Forgets to divide by N, the gradient of a summed rather than a mean loss.",
    r"(divided by N|divide by N|mean over the batch)")
bug(A4, "softmax_cross_entropy_backward", "divided_by_classes", _SCE_HEAD + '''
    p = softmax(scores, axis=1).copy()
    p[np.arange(len(y)), y] -= 1
    return p / scores.shape[1]
''', "Divides by the number of classes K instead of the batch size N (right only when N == K).",
    r"(classes|\bK\b instead|by K\b|by N\b)")
bug(A4, "softmax_cross_entropy_backward", "scores_shifted_in_place", _SCE_HEAD + '''
    scores -= scores.max(axis=1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
''', "Subtracts the row maxima from the scores in place (np.asarray makes no copy of float64 scores), modifying the caller's array.",
    r"(in.place|modif|copy)")
bug(A4, "softmax_cross_entropy_backward", "onehot_by_column", _SCE_HEAD + '''
    p = softmax(scores, axis=1).copy()
    p[:, y] -= 1
    return p / len(y)
''', "Subtracts 1 in the columns y of every row (p[:, y]) instead of at (n, y[n]) only.",
    r"(index|arange|one.?hot|true class)")
bug(A4, "softmax_cross_entropy_backward", "labels_not_checked", '''
def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y)
    p = softmax(scores, axis=1).copy()
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
''', "Skips _check_labels: a negative label silently indexes from the end and a too-large one raises IndexError, not ValueError.",
    r"(label|expected ValueError)")
bug(A4, "softmax_cross_entropy_backward", "softmax_over_batch", _SCE_HEAD + '''
    p = softmax(scores, axis=0).copy()
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
''', "Takes the softmax along axis 0 (over the batch) instead of over each row's classes.",
    r"(\baxis\b|over the batch|each row|along rows)")

bug(A4, "softmax_cross_entropy_backward", "float32_kept", '''
def softmax_cross_entropy_backward(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    scores, y = _check_labels(scores, y, "softmax_cross_entropy_backward")
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
''', "Computes the softmax inline on _check_labels's scores, which stay float32 for float32 input, so the gradient is float32 instead of float64.",
    r"(float64|float32|dtype)")

# max_pool2d_backward --------------------------------------------------------------------------

_MPB_SIG = '''
def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "max_pool2d_backward")
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
'''
_MPB_PAD = '''    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
'''
_MPB_WIN = '''    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    arg = win.reshape(N, C, Ho, Wo, kh * kw).argmax(-1)
'''
_MPB_IDX = '''    n = np.arange(N)[:, None, None, None]
    c = np.arange(C)[None, :, None, None]
    dxpad = np.zeros(xpad.shape)
'''
_MPB_ROWS = '''    a, b = np.divmod(arg, kw)
    rows = np.arange(Ho)[:, None] * sh + a
    cols = np.arange(Wo)[None, :] * sw + b
'''
_MPB_ADD = '''    np.add.at(dxpad, (n, c, rows, cols), dout)
'''
_MPB_RET = '''    return dxpad[:, :, ph:ph + H, pw:pw + W]
'''

bug(A4, "max_pool2d_backward", "overwrite_overlaps", _MPB_SIG + _MPB_PAD + _MPB_WIN + _MPB_ROWS + _MPB_IDX + '''
    dxpad[n, c, rows, cols] = dout
''' + _MPB_RET, "Writes dxpad[index] = dout instead of accumulating, so an input that is the max of several overlapping windows keeps only one window's gradient.",
    r"(\+=|accumul|add up|overwrit|overlap)")
bug(A4, "max_pool2d_backward", "tie_goes_to_last_max", _MPB_SIG + _MPB_PAD + '''
    win = np.lib.stride_tricks.sliding_window_view(xpad, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    flat = win.reshape(N, C, Ho, Wo, kh * kw)
    arg = kh * kw - 1 - flat[..., ::-1].argmax(-1)     # position of the max
''' + _MPB_ROWS + _MPB_IDX + _MPB_ADD + _MPB_RET,
    "Finds the maximum by scanning the window backwards, so ties send the gradient to the last maximum instead of the first.",
    r"(\bties?\b|first max|last max)")
bug(A4, "max_pool2d_backward", "divmod_by_kh", _MPB_SIG + _MPB_PAD + _MPB_WIN + '''
    a, b = np.divmod(arg, kh)
    rows = np.arange(Ho)[:, None] * sh + a
    cols = np.arange(Wo)[None, :] * sw + b
''' + _MPB_IDX + _MPB_ADD + _MPB_RET,
    "Splits the flat argmax with divmod(arg, kh) instead of divmod(arg, kw), right only for square windows.",
    r"(divmod|\bkw\b|non-?square|column (inside|within) the window)")
bug(A4, "max_pool2d_backward", "crop_first_rows", _MPB_SIG + _MPB_PAD + _MPB_WIN + _MPB_ROWS + _MPB_IDX + _MPB_ADD + '''
    return dxpad[:, :, :H, :W]
''', "Cuts the first H rows and W columns of the padded gradient instead of its middle.",
    r"(middle|top.left|crop|cut|offset)")
bug(A4, "max_pool2d_backward", "zero_padding", _MPB_SIG + '''
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
''' + _MPB_WIN + _MPB_ROWS + _MPB_IDX + _MPB_ADD + _MPB_RET,
    "Pads with zeros instead of -inf, so in a window of negative values the padding wins and the gradient is lost.",
    r"(-inf|pads? with zeros?)")
bug(A4, "max_pool2d_backward", "row_stride_for_columns", _MPB_SIG + _MPB_PAD + _MPB_WIN + '''
    a, b = np.divmod(arg, kw)
    rows = np.arange(Ho)[:, None] * sh + a
    cols = np.arange(Wo)[None, :] * sh + b
''' + _MPB_IDX + _MPB_ADD + _MPB_RET,
    "Places the columns with the row stride sh, right only when sh == sw.",
    r"(\bsw\b|column stride|stride.{0,30}(column|width|each axis|both axes|per axis)|\(sh, ?sw\))")
bug(A4, "max_pool2d_backward", "dout_shape_not_checked", '''
def max_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = pool_geometry(x, kernel_size, stride, padding, "max_pool2d_backward")
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    N, C, H, W = x.shape
''' + _MPB_PAD + _MPB_WIN + _MPB_ROWS + _MPB_IDX + _MPB_ADD + _MPB_RET,
    "Validates with pool_geometry only, so a dout that merely broadcasts to the pooled shape is accepted instead of raising ValueError.",
    r"(dout.{0,40}(shape|pooled)|expected ValueError)")

# avg_pool2d_backward --------------------------------------------------------------------------

_APB_SIG = '''
def avg_pool2d_backward(dout: np.ndarray, x: np.ndarray, kernel_size: int | tuple[int, int],
                        stride: int | tuple[int, int] | None = None,
                        padding: int | tuple[int, int] = 0) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), Ho, Wo = _pool_backward_geometry(
        dout, x, kernel_size, stride, padding, "avg_pool2d_backward")
    dout = np.asarray(dout, dtype=np.float64)
    N, C, H, W = np.shape(x)
    dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
'''
_APB_RET = '''    return dxpad[:, :, ph:ph + H, pw:pw + W]
'''

bug(A4, "avg_pool2d_backward", "overwrite_overlaps", _APB_SIG + '''
    g = dout / (kh * kw)
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] = g
''' + _APB_RET, "Assigns with = instead of +=, so with overlapping windows each input keeps only the last window's share.",
    r"(\+=|accumul|add up|overwrit|overlap)")
bug(A4, "avg_pool2d_backward", "divides_by_kh_squared", _APB_SIG + '''
    g = dout / (kh * kh)
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += g
''' + _APB_RET, "Spreads dout / (kh * kh) instead of dout / (kh * kw), right only for square windows.",
    r"(kh ?\* ?kw|non-?square|wrong count)")
bug(A4, "avg_pool2d_backward", "crop_first_rows", _APB_SIG + '''
    g = dout / (kh * kw)
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += g
    return dxpad[:, :, :H, :W]
''', "Cuts the first H rows and W columns of the padded gradient instead of its middle.",
    r"(middle|top.left|crop|cut|offset)")
bug(A4, "avg_pool2d_backward", "windows_ignore_stride", _APB_SIG + '''
    g = dout / (kh * kw)
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + Ho, b:b + Wo] += g
''' + _APB_RET, "Adds each offset's share to a contiguous block instead of the strided slice a : a + sh*H' : sh, so the windows do not move with the stride.",
    r"(stride.{0,20}(ignored|not (used|applied))|every s(h)?-th|i ?\* ?s)")
bug(A4, "avg_pool2d_backward", "row_stride_for_columns", _APB_SIG + '''
    g = dout / (kh * kw)
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sh * Wo:sh] += g
''' + _APB_RET, "Steps the columns by the row stride sh, right only when sh == sw.",
    r"(\bsw\b|column stride|stride.{0,30}(column|width|each axis|both axes|per axis)|\(sh, ?sw\))")
bug(A4, "avg_pool2d_backward", "padding_not_counted", _APB_SIG + '''
    real = np.pad(np.ones((H, W)), ((ph, ph), (pw, pw)))
    count = np.lib.stride_tricks.sliding_window_view(real, (kh, kw))[::sh, ::sw][:Ho, :Wo].sum(axis=(2, 3))
    g = dout / count
    for a in range(kh):
        for b in range(kw):
            dxpad[:, :, a:a + sh * Ho:sh, b:b + sw * Wo:sw] += g
''' + _APB_RET, "Divides each window's dout by its number of real pixels instead of kh * kw (count_include_pad=False).",
    r"(count_include_pad|padded (cells|zeros|pixels|inputs).{0,30}count|kh ?\* ?kw)")

# conv2d_backward ------------------------------------------------------------------------------

_CB_SIG = '''
def conv2d_backward(dout: np.ndarray, x: np.ndarray, w: np.ndarray,
                    stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
'''
_CB_CAST = '''    dout = np.asarray(dout, dtype=np.float64)
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
'''
_CB_CHECK = '''    if x.ndim != 4 or w.ndim != 4 or dout.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"bad shapes: dout {dout.shape}, x {x.shape}, w {w.shape}")
    (sh, sw), (ph, pw) = pair(stride, "stride"), pair(padding, "padding")
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    if KH > H + 2 * ph or KW > W + 2 * pw or min(sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError(f"w {w.shape} does not fit x {x.shape} with padding {(ph, pw)}")
'''
_CB_SIZE = '''    Ho, Wo = (H + 2 * ph - KH) // sh + 1, (W + 2 * pw - KW) // sw + 1
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(f"dout must have shape {(N, F, Ho, Wo)} for x {x.shape} and w {w.shape}, "
                         f"got {dout.shape}")
'''
_CB_HEAD = _CB_SIG + _CB_CAST + _CB_CHECK + _CB_SIZE + '''    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
'''
_CB_LOOP = '''    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
'''
_CB_RET = '''    db = dout.sum(axis=(0, 2, 3))
    return dxpad[:, :, ph:ph + H, pw:pw + W], dw, db
'''

bug(A4, "conv2d_backward", "dx_full_convolution_unflipped", _CB_HEAD + '''
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xpad[:, :, rows, cols])
    # dx: the "full" convolution of the (dilated) dout with the kernel
    dil = np.zeros((N, F, (Ho - 1) * sh + 1, (Wo - 1) * sw + 1))
    dil[:, :, ::sh, ::sw] = dout
    dil = np.pad(dil, ((0, 0), (0, 0), (KH - 1, KH - 1), (KW - 1, KW - 1)))
    win = np.lib.stride_tricks.sliding_window_view(dil, (KH, KW), axis=(2, 3))
    full = np.einsum("nfijab,fcab->ncij", win, w)
    dxpad[:, :, :full.shape[2], :full.shape[3]] = full
''' + _CB_RET, "Computes dx as a full correlation of dout with the kernel without rotating the kernel by 180 degrees, which the full-convolution form needs.",
    r"(flip|rotat|180)")
bug(A4, "conv2d_backward", "db_not_summed_over_batch", _CB_HEAD + _CB_LOOP + '''
    db = dout.sum(axis=(2, 3))
    return dxpad[:, :, ph:ph + H, pw:pw + W], dw, db
''', "Sums dout over the positions only, not over the batch, so db is (N, F) instead of (F,).",
    r"(db.{0,30}(not summed|sum)|sum.{0,40}(batch|every example))")
bug(A4, "conv2d_backward", "dx_crop_first_rows", _CB_HEAD + _CB_LOOP + '''
    db = dout.sum(axis=(0, 2, 3))
    return dxpad[:, :, :H, :W], dw, db
''', "Keeps the first H rows and W columns of the padded gradient instead of its middle.",
    r"(middle|top.left|crop|offset)")
bug(A4, "conv2d_backward", "dw_last_image_only", _CB_HEAD + '''
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            for n in range(N):
                dw[:, :, a, b] = np.einsum("fij,cij->fc", dout[n], xpad[n, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
''' + _CB_RET, "Loops over the images with dw[...] = instead of +=, so dw holds only the last image's contribution.",
    r"(batch|every image|all images|accumul|\+=|only the last)")
bug(A4, "conv2d_backward", "dx_overwrite_overlaps", _CB_HEAD + '''
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + sh * Ho, sh), slice(b, b + sw * Wo, sw)
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] = np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
''' + _CB_RET, "Assigns each kernel offset's contribution to dxpad with = instead of +=, so a pixel covered by several windows keeps only the last one.",
    r"(\+=|accumul|add up|overwrit|overlap)")
bug(A4, "conv2d_backward", "slices_ignore_stride", _CB_HEAD + '''
    for a in range(KH):
        for b in range(KW):
            rows, cols = slice(a, a + Ho), slice(b, b + Wo)
            dw[:, :, a, b] = np.einsum("nfij,ncij->fc", dout, xpad[:, :, rows, cols])
            dxpad[:, :, rows, cols] += np.einsum("nfij,fc->ncij", dout, w[:, :, a, b])
''' + _CB_RET, "Takes contiguous slices a : a + H' instead of strided ones a : a + sh*H' : sh, so both dw and dx ignore the stride.",
    r"(stride.{0,20}(ignored|not (used|applied))|every s(h)?-th|i ?\* ?s)")
bug(A4, "conv2d_backward", "output_size_from_dout", _CB_SIG + _CB_CAST + _CB_CHECK + '''
    Ho, Wo = dout.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
''' + _CB_LOOP + _CB_RET, "Reads H' and W' from dout instead of computing them from x, w, the stride and the padding, so a dout of the wrong size is not rejected with ValueError.",
    r"(dout.{0,40}(shape|size|fit)|expected ValueError)")
bug(A4, "conv2d_backward", "float32_kept", _CB_SIG + '''    dout, x, w = as_float(dout), as_float(x), as_float(w)
''' + _CB_CHECK + _CB_SIZE + '''    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
''' + _CB_LOOP + _CB_RET, "Keeps float32 inputs in float32, while the exercise asks for the three gradients in float64.",
    r"(float64|dtype|float32)")


# --------------------------------------------------------------------------------------------
# 05_imagenet_alexnet
# --------------------------------------------------------------------------------------------

A5 = "05_imagenet_alexnet"


def _edit(base: str, *swaps: tuple[str, str]) -> str:
    """base with each (old, new) replaced; old must occur exactly once (keeps the bugs honest)."""
    for old, new in swaps:
        if base.count(old) != 1:
            raise ValueError(f"{old!r} occurs {base.count(old)} times")
        base = base.replace(old, new)
    return base


_LOS = '''
def layer_output_shape(layer: tuple, in_shape: tuple[int, ...]) -> tuple[int, ...]:
    name, kind, hp = parse_layer(layer)
    if not isinstance(in_shape, tuple | list):
        raise ValueError(f"layer {name}: in_shape must be a tuple, got {in_shape!r}")
    if kind == "fc":
        if len(in_shape) == 0:
            raise ValueError(f"layer {name}: empty in_shape for an fc layer")
        return (hp[0],)
    if len(in_shape) != 3 or not all(_is_int(v) and v > 0 for v in in_shape):
        raise ValueError(f"layer {name}: in_shape must be (C_in, H, W) of positive ints, got {in_shape!r}")
    C, H, W = (int(v) for v in in_shape)
    if kind == "lrn":
        return (C, H, W)
    if kind == "conv":
        c_out, f, s, p, groups = hp
        if C % groups != 0 or c_out % groups != 0:
            raise ValueError(f"layer {name}: groups={groups} must divide C_in={C} and C_out={c_out}")
    else:
        f, s = hp
        p = 0
        c_out = C
    if f > H + 2 * p or f > W + 2 * p:
        raise ValueError(f"layer {name}: window {f} larger than the padded input {in_shape!r}")
    h_out = (H - f + 2 * p) // s + 1
    w_out = (W - f + 2 * p) // s + 1
    return (c_out, h_out, w_out)
'''

bug(A5, "layer_output_shape", "padding_ignored", _edit(
    _LOS,
    ("    if f > H + 2 * p or f > W + 2 * p:", "    if f > H or f > W:"),
    ("    h_out = (H - f + 2 * p) // s + 1\n    w_out = (W - f + 2 * p) // s + 1",
     "    h_out = (H - f) // s + 1\n    w_out = (W - f) // s + 1")),
    "Leaves the padding out of the size formula (and of the fit check): (N - F) // S + 1.",
    r"padding|2P|\bP\b")
bug(A5, "layer_output_shape", "groups_split_output_channels", _edit(
    _LOS, ("    return (c_out, h_out, w_out)", "    return (c_out // groups if kind == \"conv\" else c_out, h_out, w_out)")),
    "Divides the output channels of a grouped convolution by groups, although it still has C_out filters.",
    r"groups.{0,80}(C_out|output channels|filters)|(C_out|filters).{0,80}groups")
bug(A5, "layer_output_shape", "rounded_up", _edit(
    _LOS,
    ("    h_out = (H - f + 2 * p) // s + 1\n    w_out = (W - f + 2 * p) // s + 1",
     "    h_out = math.ceil((H - f + 2 * p) / s) + 1\n    w_out = math.ceil((W - f + 2 * p) / s) + 1")),
    "Rounds the output size up (ceil) instead of flooring it as PyTorch does.",
    r"round(ed|s)? up|ceil|floor")
bug(A5, "layer_output_shape", "square_input_assumed", _edit(
    _LOS, ("    w_out = (W - f + 2 * p) // s + 1\n    return (c_out, h_out, w_out)",
           "    return (c_out, h_out, h_out)          # images are square")),
    "Computes the output height only and reuses it as the width, so non-square inputs come out wrong.",
    r"non-?square|rectangular|\bwidth\b|\bW'|H and W|swapp")
bug(A5, "layer_output_shape", "fc_keeps_spatial_axes", _edit(
    _LOS, ("        return (hp[0],)", "        return (hp[0], 1, 1)")),
    "Returns (D_out, 1, 1) for an fc layer (a 1x1 map) instead of (D_out,).",
    r"\(D_out,\)|D_out, 1, 1|fc.{0,60}(flat|1-?D|one axis)")
bug(A5, "layer_output_shape", "no_window_check", _edit(
    _LOS, ("    if f > H + 2 * p or f > W + 2 * p:\n        raise ValueError(f\"layer {name}: window {f} larger than the padded input {in_shape!r}\")\n", "")),
    "Drops the check that the window fits in the padded input, so an 11x11 window on a 5x5 input returns a size below 1 instead of raising ValueError.",
    r"(window|filter|kernel|F).{0,80}(larger|bigger|fit|\d+ ?x ?\d+ input)")
bug(A5, "layer_output_shape", "groups_not_checked", _edit(
    _LOS, ("        if C % groups != 0 or c_out % groups != 0:\n            raise ValueError(f\"layer {name}: groups={groups} must divide C_in={C} and C_out={c_out}\")\n", "")),
    "Never checks that groups divides C_in and C_out, so a grouped convolution on 3 channels gets a shape instead of ValueError.",
    r"groups.{0,80}(divide|divisible)|does not divide|not divisible")
bug(A5, "layer_output_shape", "pool_stride_is_window", _edit(
    _LOS, ("        f, s = hp\n", "        f, s = hp[0], hp[0]      # pooling windows do not overlap\n")),
    "Uses the pooling window as its stride (non-overlapping pooling), ignoring the row's S.",
    r"stride|overlap")

_LT = '''
def layer_table(layers, in_shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], int, int]]:
    rows = []
    shape = in_shape
    for layer in layers:
        name, kind, hp = parse_layer(layer)
        out_shape = layer_output_shape(layer, shape)
        params, macs = 0, 0
        if kind == "conv":
            c_out, f, s, p, groups = hp
            c_in = int(shape[0])
            weights = c_out * (c_in // groups) * f * f
            params = weights + c_out
            macs = weights * out_shape[1] * out_shape[2]
        elif kind == "fc":
            d_out = hp[0]
            d_in = math.prod(int(v) for v in shape)
            params = d_in * d_out + d_out
            macs = d_in * d_out
        rows.append((name, out_shape, int(params), int(macs)))
        shape = out_shape
    return rows
'''

bug(A5, "layer_table", "biases_forgotten", _edit(
    _LT, ("            params = weights + c_out\n", "            params = weights\n"),
    ("            params = d_in * d_out + d_out\n", "            params = d_in * d_out\n")),
    "Counts only the weights as parameters, leaving out the C_out (or D_out) biases.",
    r"bias")
bug(A5, "layer_table", "groups_ignored", _edit(
    _LT, ("            weights = c_out * (c_in // groups) * f * f\n", "            weights = c_out * c_in * f * f\n")),
    "Ignores groups: every filter is counted over all C_in input channels, in the parameters and the MACs.",
    r"groups|grouped")
bug(A5, "layer_table", "groups_in_params_not_macs", _edit(
    _LT, ("            macs = weights * out_shape[1] * out_shape[2]\n",
          "            macs = c_out * out_shape[1] * out_shape[2] * c_in * f * f\n")),
    "Divides the parameters by groups but computes the MACs from all C_in channels, so grouped layers have twice the MACs.",
    r"groups.{0,100}MAC|MAC.{0,100}groups")
bug(A5, "layer_table", "flops_not_macs", _edit(
    _LT, ("            macs = weights * out_shape[1] * out_shape[2]\n", "            macs = 2 * weights * out_shape[1] * out_shape[2]   # multiply + add\n"),
    ("            macs = d_in * d_out\n", "            macs = 2 * d_in * d_out\n")),
    "Counts FLOPs (two per multiply-accumulate) instead of MACs.",
    r"FLOP|twice|double|2 ?[x*×]")
bug(A5, "layer_table", "fc_d_in_is_channels", _edit(
    _LT, ("            d_in = math.prod(int(v) for v in shape)\n", "            d_in = int(shape[0])\n")),
    "Takes an fc layer's D_in as the number of channels C instead of the flattened input C*H*W.",
    r"D_in|flatten")
bug(A5, "layer_table", "macs_count_biases", _edit(
    _LT, ("            macs = weights * out_shape[1] * out_shape[2]\n", "            macs = params * out_shape[1] * out_shape[2]\n"),
    ("            macs = d_in * d_out\n", "            macs = params\n")),
    "Counts the bias additions as MACs (parameters times output positions).",
    r"bias")
bug(A5, "layer_table", "macs_at_input_positions", _edit(
    _LT, ("            macs = weights * out_shape[1] * out_shape[2]\n", "            macs = weights * int(shape[1]) * int(shape[2])\n")),
    "Multiplies the weights by the input positions H*W instead of the output positions H'*W'.",
    r"output (positions|size|shape|map)|input (positions|size)|H'|H ?\* ?W")
bug(A5, "layer_table", "groups_divide_biases_too", _edit(
    _LT, ("            weights = c_out * (c_in // groups) * f * f\n            params = weights + c_out\n",
          "            weights = c_out * (c_in // groups) * f * f\n            params = (c_out * c_in * f * f + c_out) // groups\n")),
    "Divides the whole parameter count (biases included) by groups, as if groups also halved the biases.",
    r"bias.{0,80}groups|groups.{0,80}bias")

_AN = '''
def alexnet(variant: str = "paper", num_classes: int = 1000, width: float = 1.0) -> nn.Module:
    if variant not in ALEXNET:
        raise ValueError(f"unknown variant {variant!r}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1, got {num_classes}")
    if width <= 0:
        raise ValueError(f"width must be > 0, got {width}")
    features = []
    channels = 3
    fc_sizes = []
    for row in ALEXNET[variant]:
        name, kind, hp = parse_layer(row)
        if kind == "conv":
            c_out, f, s, p, groups = hp
            c_out = 2 * round(c_out * width / 2)
            features += [nn.Conv2d(channels, c_out, f, stride=s, padding=p, groups=groups), nn.ReLU(inplace=True)]
            channels = c_out
        elif kind == "pool":
            features.append(nn.MaxPool2d(hp[0], hp[1]))
        elif kind == "lrn":
            features.append(nn.LocalResponseNorm(hp[0], **LRN_ARGS))
        else:
            fc_sizes.append(hp[0])
    if variant == "one_gpu":
        features.append(nn.AdaptiveAvgPool2d((6, 6)))
    d_in = channels * 6 * 6
    classifier = []
    for d_out in fc_sizes[:-1]:
        d_out = 2 * round(d_out * width / 2)
        classifier += [nn.Dropout(0.5), nn.Linear(d_in, d_out), nn.ReLU(inplace=True)]
        d_in = d_out
    classifier.append(nn.Linear(d_in, num_classes))
    return nn.Sequential(nn.Sequential(*features), nn.Flatten(), nn.Sequential(*classifier))
'''

bug(A5, "alexnet", "groups_ignored", _edit(
    _AN, ("nn.Conv2d(channels, c_out, f, stride=s, padding=p, groups=groups)", "nn.Conv2d(channels, c_out, f, stride=s, padding=p)")),
    "Builds every convolution ungrouped, so CONV2, CONV4 and CONV5 of the paper see all input channels.",
    r"groups|grouped")
bug(A5, "alexnet", "dropout_missing", _edit(
    _AN, ("        classifier += [nn.Dropout(0.5), nn.Linear(d_in, d_out), nn.ReLU(inplace=True)]",
          "        classifier += [nn.Linear(d_in, d_out), nn.ReLU(inplace=True)]")),
    "Leaves out the nn.Dropout(0.5) before FC6 and FC7.",
    r"dropout")
bug(A5, "alexnet", "num_classes_ignored", _edit(
    _AN, ("    classifier.append(nn.Linear(d_in, num_classes))", "    classifier.append(nn.Linear(d_in, fc_sizes[-1]))")),
    "Gives FC8 the table's 1000 outputs whatever num_classes is.",
    r"num_classes|FC8|classes")
bug(A5, "alexnet", "fc_width_not_scaled", _edit(
    _AN, ("        d_out = 2 * round(d_out * width / 2)\n", "")),
    "Scales only the convolutions by width, leaving FC6 and FC7 at 4096 units.",
    r"(FC6|FC7|fc|classifier|Linear).{0,100}width|width.{0,100}(FC6|FC7|fc|classifier|Linear)")
bug(A5, "alexnet", "width_truncated", _edit(
    _AN, ("            c_out = 2 * round(c_out * width / 2)\n", "            c_out = int(c_out * width)\n"),
    ("        d_out = 2 * round(d_out * width / 2)\n", "        d_out = int(d_out * width)\n")),
    "Scales the widths with int(c * width) instead of 2 * round(c * width / 2), so they can be odd or one short.",
    r"round|even|2 ?\* ?round|int\(")
bug(A5, "alexnet", "lrn_skipped", _edit(
    _AN, ("        elif kind == \"lrn\":\n            features.append(nn.LocalResponseNorm(hp[0], **LRN_ARGS))\n",
          "        elif kind == \"lrn\":\n            pass   # no parameters: nothing to build\n")),
    "Skips the lrn rows (they have no parameters), so the paper's network has no NORM1 and NORM2.",
    r"LRN|LocalResponseNorm|normali[sz]ation|NORM")
bug(A5, "alexnet", "lrn_default_constants", _edit(
    _AN, ("nn.LocalResponseNorm(hp[0], **LRN_ARGS)", "nn.LocalResponseNorm(hp[0])")),
    "Builds nn.LocalResponseNorm(size) with PyTorch's default alpha, beta and k instead of LRN_ARGS.",
    r"LRN_ARGS|alpha|beta|\bk\b|(LRN|LocalResponseNorm|normali[sz]ation).{0,60}(arg|param|constant|setting)")
bug(A5, "alexnet", "avgpool_in_both", _edit(
    _AN, ("    if variant == \"one_gpu\":\n        features.append(nn.AdaptiveAvgPool2d((6, 6)))\n",
          "    features.append(nn.AdaptiveAvgPool2d((6, 6)))\n")),
    "Adds nn.AdaptiveAvgPool2d((6, 6)) to the paper's network too, which the notebook reserves for one_gpu.",
    r"(Adaptive|avg ?pool).{0,100}(paper|one_gpu)|(paper|one_gpu).{0,100}(Adaptive|avg ?pool)")
bug(A5, "alexnet", "relu_after_fc8", _edit(
    _AN, ("    classifier.append(nn.Linear(d_in, num_classes))", "    classifier += [nn.Linear(d_in, num_classes), nn.ReLU(inplace=True)]")),
    "Puts a ReLU after FC8 too, so the scores can never be negative.",
    r"(FC8|last|final|output|scores).{0,80}ReLU|ReLU.{0,80}(FC8|last|final|scores|output)|negative")
bug(A5, "alexnet", "pool_stride_default", _edit(
    _AN, ("            features.append(nn.MaxPool2d(hp[0], hp[1]))", "            features.append(nn.MaxPool2d(hp[0]))")),
    "Builds nn.MaxPool2d(F) without the stride, so the pooling does not overlap (stride F) and the maps shrink too fast.",
    r"stride|overlap|MaxPool")
bug(A5, "alexnet", "unknown_variant_keyerror", _edit(
    _AN, ("    if variant not in ALEXNET:\n        raise ValueError(f\"unknown variant {variant!r}\")\n", "")),
    "Does not check the variant, so an unknown one raises KeyError from ALEXNET[variant] instead of ValueError.",
    r"variant|KeyError")
bug(A5, "alexnet", "no_relu_in_classifier", _edit(
    _AN, ("        classifier += [nn.Dropout(0.5), nn.Linear(d_in, d_out), nn.ReLU(inplace=True)]",
          "        classifier += [nn.Dropout(0.5), nn.Linear(d_in, d_out)]")),
    "Leaves out the ReLU after FC6 and FC7, so the classifier is linear.",
    r"ReLU|activation|non-?linear")


# the bugs of notebooks 06 to 08 (imported last: wrong_late imports Bug from here)
from tests.heldin import wrong_late  # noqa: E402

BUGS += wrong_late.BUGS

# the bugs of notebooks 09 and 10 (imported last: wrong_final imports Bug from here)
from tests.heldin import wrong_final  # noqa: E402

BUGS += wrong_final.BUGS
