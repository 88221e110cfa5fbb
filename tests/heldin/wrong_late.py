"""Student-style bugs for notebooks 06 to 08, written from the student notebooks alone (held-in
set, late notebooks). Same format as tests/heldin/wrong.py, whose BUGS these extend (wrong.py
imports this module at its bottom).

Every bug is one realistic mistake in one answer cell, made by editing the ``loops`` correct
style of tests/heldin/correct_late.py (the base the grader's diagnosis puts beside it); each
edit must match exactly once. ``named_if`` is a case-insensitive regex that a feedback naming
THIS mistake would match, written from the mistake.
"""
# ruff: noqa: E501

from __future__ import annotations

from tests.heldin import correct  # noqa: F401  (first: it imports correct_late at its bottom)
from tests.heldin.correct_late import C06_LOOPS, C07_LOOPS, C08_LOOPS
from tests.heldin.wrong import Bug

A6, A7, A8 = "06_vgg", "07_googlenet", "08_resnet"

BUGS: list[Bug] = []


# notebook 07's class GoogLeNet is answered in the cell "googlenet" (Bug.cell)
GOOGLENET = "GoogLeNet"


def _edit(base: str, *swaps: tuple[str, str]) -> str:
    """base with each (old, new) replaced; old must occur exactly once."""
    for old, new in swaps:
        if base.count(old) != 1:
            raise ValueError(f"{old!r} occurs {base.count(old)} times")
        base = base.replace(old, new)
    return base


def bug(assignment: str, exercise: str, name: str, code: str, mistake: str, named_if: str) -> None:
    cell = "googlenet" if exercise == GOOGLENET else ""
    BUGS.append(Bug(assignment, exercise, name, code.strip("\n") + "\n", mistake, named_if, cell))


# --------------------------------------------------------------------------------------------
# 06_vgg
# --------------------------------------------------------------------------------------------

_SVS = C06_LOOPS["stack_vs_single"]
bug(A6, "stack_vs_single", "no_biases", _edit(
    _SVS, ("        stack_params += 3 * 3 * c * c + c\n", "        stack_params += 3 * 3 * c * c\n"),
    ("    single_params = field * field * c * c + c\n", "    single_params = field * field * c * c\n")),
    "Counts only the weights of both the stack and the single layer, forgetting the C biases of every convolution.",
    r"bias")
bug(A6, "stack_vs_single", "field_adds_kernel_size", _edit(
    _SVS, ("        field += 2\n", "        field += 3\n"),
    ("    field = 1\n", "    field = 0\n")),
    "Adds the kernel size (3) per layer to the receptive field instead of F - 1 = 2, so the field is 3n and the single layer is too large.",
    r"(receptive )?field.{0,80}(3 ?- ?1|adds? 2|F ?- ?1|kernel size)|(2 ?\* ?n_layers|2n) ?\+ ?1")
bug(A6, "stack_vs_single", "one_bias_for_the_stack", _edit(
    _SVS, ("        stack_params += 3 * 3 * c * c + c\n", "        stack_params += 3 * 3 * c * c\n"),
    ("    single_params = field * field * c * c + c\n", "    stack_params += c   # the biases\n    single_params = field * field * c * c + c\n")),
    "Adds the C biases once for the whole stack instead of once per layer.",
    r"bias.{0,80}(each|every|per) layer|(each|every|per) layer.{0,80}bias|one bias")
bug(A6, "stack_vs_single", "bool_accepted", _edit(
    _SVS, ("    if not _is_int(c) or c < 1:\n", "    if not isinstance(c, int | np.integer) or c < 1:\n"),
    ("    if not _is_int(n_layers) or n_layers < 1:\n", "    if not isinstance(n_layers, int | np.integer) or n_layers < 1:\n")),
    "Checks isinstance(v, int), which True passes, so stack_vs_single(True, 2) returns counts instead of raising ValueError.",
    r"bool|True")
bug(A6, "stack_vs_single", "float_converted", _edit(
    _SVS, ("    if not _is_int(c) or c < 1:\n", "    c, n_layers = int(c), int(n_layers)\n    if c < 1:\n"),
    ("    if not _is_int(n_layers) or n_layers < 1:\n", "    if n_layers < 1:\n")),
    "Converts the arguments with int() instead of checking their type, so floats like 2.0 (and 2.7) are accepted.",
    r"float|2\.0|expected ValueError")

_MF = C06_LOOPS["make_features"]
bug(A6, "make_features", "no_padding", _edit(
    _MF, ("nn.Conv2d(in_channels, v, kernel_size=3, padding=1)", "nn.Conv2d(in_channels, v, kernel_size=3)")),
    "Builds the 3x3 convolutions without padding=1, so every convolution shrinks the maps by 2.",
    r"padding")
bug(A6, "make_features", "batch_norm_after_relu", _edit(
    _MF, ("""            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
""", """            layers.append(nn.ReLU(inplace=True))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
""")),
    "Puts the batch norm after the ReLU (Conv2d, ReLU, BatchNorm2d) instead of between the convolution and the ReLU.",
    r"(BatchNorm|batch norm|BN).{0,80}(ReLU|order|before|after)|(ReLU|order).{0,80}(BatchNorm|batch norm|BN)")
bug(A6, "make_features", "channels_not_carried", _edit(
    _MF, ("            in_channels = v\n", "")),
    "Forgets to carry the channels: every convolution gets C_in = 3 instead of the previous convolution's v.",
    r"C_in|in_channels|previous (convolution|layer)|input channels")
bug(A6, "make_features", "alexnet_pooling", _edit(
    _MF, ("nn.MaxPool2d(kernel_size=2, stride=2)", "nn.MaxPool2d(kernel_size=3, stride=2)")),
    "Uses AlexNet's overlapping 3x3 pooling with stride 2 instead of VGG's 2x2 pooling.",
    r"(pool|MaxPool).{0,80}(2 ?x ?2|3 ?x ?3|kernel|window|size)")
bug(A6, "make_features", "no_conv_bias_with_bn", _edit(
    _MF, ("nn.Conv2d(in_channels, v, kernel_size=3, padding=1)", "nn.Conv2d(in_channels, v, kernel_size=3, padding=1, bias=not batch_norm)")),
    "Drops the convolutions' biases when batch_norm is on (as GoogLeNet and ResNet do), but torchvision's VGG keeps them.",
    r"bias")
bug(A6, "make_features", "cfg_not_checked", _edit(
    _MF, ("    cfg = check_cfg(cfg)\n", "")),
    "Never calls check_cfg, so a malformed cfg (a lower-case 'm', a 0) fails with TypeError or builds a broken layer instead of raising ValueError.",
    r"check_cfg|expected ValueError|malformed|'m'")

_VGG = C06_LOOPS["vgg"]
bug(A6, "vgg", "dropout_before_fc", _edit(
    _VGG, ("""        nn.Linear(c5 * 7 * 7, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(hidden, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
""", """        nn.Dropout(0.5),
        nn.Linear(c5 * 7 * 7, hidden),
        nn.ReLU(inplace=True),
        nn.Dropout(0.5),
        nn.Linear(hidden, hidden),
        nn.ReLU(inplace=True),
""")),
    "Keeps notebook 05's AlexNet order, dropout before FC6 and FC7, instead of after their ReLUs.",
    r"dropout")
bug(A6, "vgg", "no_adaptive_pool", _edit(
    _VGG, ("        (\"avgpool\", nn.AdaptiveAvgPool2d((7, 7))),\n", "")),
    "Leaves out nn.AdaptiveAvgPool2d((7, 7)): right at 224 x 224, but the classifier no longer fits other input sizes.",
    r"adaptive|avg ?pool|7 ?x ?7|input size|other (input )?sizes?")
bug(A6, "vgg", "fc_width_not_scaled", _edit(
    _VGG, ("    hidden = max(1, round(4096 * width))\n", "    hidden = 4096\n")),
    "Scales only the convolutions by width and leaves FC6 and FC7 at 4096 units.",
    r"(FC6|FC7|fc|classifier|Linear|hidden).{0,100}width|width.{0,100}(FC6|FC7|fc|classifier|Linear|hidden)")
bug(A6, "vgg", "width_truncated", _edit(
    _VGG, ("            cfg.append(max(1, round(v * width)))\n", "            cfg.append(max(1, int(v * width)))\n"),
    ("    hidden = max(1, round(4096 * width))\n", "    hidden = max(1, int(4096 * width))\n")),
    "Scales the widths with int(c * width), which truncates, instead of round(c * width).",
    r"round|truncat|int\(")
bug(A6, "vgg", "fc6_sized_for_full_width", _edit(
    _VGG, ("        nn.Linear(c5 * 7 * 7, hidden),\n", "        nn.Linear(512 * 7 * 7, hidden),\n")),
    "Hard-codes FC6's input as 512 * 7 * 7, so every reduced width fails (the scaled C5 is not 512).",
    r"C5|512|(FC6|first (fc|Linear)|classifier).{0,80}(input|in_features)")
bug(A6, "vgg", "num_classes_not_checked", _edit(
    _VGG, ("""    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be an int >= 1, got {num_classes!r}")
""", "")),
    "Does not check num_classes, so 0 (or 2.5) builds a model instead of raising ValueError.",
    r"num_classes")
bug(A6, "vgg", "relu_after_fc8", _edit(
    _VGG, ("        nn.Linear(hidden, int(num_classes)),\n", "        nn.Linear(hidden, int(num_classes)),\n        nn.ReLU(inplace=True),\n")),
    "Puts a ReLU after FC8 as well, so the scores can never be negative.",
    r"(FC8|last|final|output|scores).{0,80}ReLU|ReLU.{0,80}(FC8|last|final|scores|output)|negative")

_AM = C06_LOOPS["activation_memory"]
bug(A6, "activation_memory", "input_counted_as_row", _edit(
    _AM, ("    rows = []\n", "    rows = [[c * h * w, c * h * w * int(bytes_per_value)]]   # the input\n")),
    "Adds a first row for the input image, so there are len(cfg) + 1 rows.",
    r"input")
bug(A6, "activation_memory", "pool_rounds_up", _edit(
    _AM, ("            h, w = h // 2, w // 2\n", "            h, w = (h + 1) // 2, (w + 1) // 2\n")),
    "Rounds the pooled size up ((H + 1) // 2) instead of flooring it, so odd maps come out one too large.",
    r"round|ceil|floor|odd")
bug(A6, "activation_memory", "square_maps_assumed", _edit(
    _AM, ("        acts = c * h * w\n", "        acts = c * h * h\n")),
    "Uses H for both sides of the map, so non-square inputs get the wrong activations.",
    r"square|\bW\b|width")
bug(A6, "activation_memory", "no_small_map_check", _edit(
    _AM, ("""            if h < 2 or w < 2:
                raise ValueError(f"cfg[{k}] = 'M' on a {h}x{w} map: a 2x2 pooling needs at least 2x2")
""", "")),
    "Never checks the map size before a pooling, so an 'M' on a 1x1 map gives a row of zeros instead of ValueError.",
    r"(2 ?x ?2|1 ?x ?1|smaller|too small|map).{0,80}(pool|'M')|(pool|'M').{0,80}(2 ?x ?2|1 ?x ?1|smaller|too small)")
bug(A6, "activation_memory", "int32_result", _edit(
    _AM, ("    return np.array(rows, dtype=np.int64)\n", "    return np.array(rows, dtype=np.int32)\n")),
    "Returns an int32 array instead of the int64 the docstring asks for.",
    r"int64|int32|dtype")
bug(A6, "activation_memory", "relu_rows_counted", _edit(
    _AM, ("""        acts = c * h * w
        rows.append([acts, acts * int(bytes_per_value)])
""", """        acts = c * h * w
        rows.append([acts, acts * int(bytes_per_value)])
        if v != "M":   # the ReLU's output
            rows.append([acts, acts * int(bytes_per_value)])
""")),
    "Adds a row for every ReLU, although the in-place ReLU shares its convolution's activations.",
    r"ReLU|in.?place")

# --------------------------------------------------------------------------------------------
# 07_googlenet
# --------------------------------------------------------------------------------------------

_C1 = C07_LOOPS["conv1x1_as_matmul"]
bug(A7, "conv1x1_as_matmul", "batch_mixed_with_pixels", _edit(
    _C1, ("    columns = x.astype(dtype).reshape(N, C_in, H * W)\n    out = w.astype(dtype) @ columns                   # (N, C_out, H * W)\n",
          "    columns = x.astype(dtype).reshape(C_in, N * H * W)\n    out = w.astype(dtype) @ columns                   # (C_out, N * H * W)\n"),
    ),
    "Reshapes x straight to (C_in, N * H * W) without moving the batch axis first, which mixes the images and channels.",
    r"batch|mix|images|transpose|move")
bug(A7, "conv1x1_as_matmul", "always_float64", _edit(
    _C1, ("    if not np.issubdtype(dtype, np.floating):\n        dtype = np.float64\n", "    dtype = np.float64\n")),
    "Always computes and returns float64, so float32 input does not stay float32.",
    r"float32|dtype|precision")
bug(A7, "conv1x1_as_matmul", "integer_stays_integer", _edit(
    _C1, ("    if not np.issubdtype(dtype, np.floating):\n        dtype = np.float64\n", "")),
    "Uses np.result_type as it is, so integer x and w give an integer result instead of float64.",
    r"integer|int64|float64|dtype")
bug(A7, "conv1x1_as_matmul", "bias_shape_not_checked", _edit(
    _C1, ("""        if b.shape != (C_out,):
            raise ValueError(f"b must have shape ({C_out},) for w {w.shape}, got {b.shape}")
""", "")),
    "Does not check b's shape, so a scalar or a (1,) bias is broadcast silently instead of raising ValueError.",
    r"\bb\b.{0,60}(shape|\(C_out,\))|bias.{0,60}shape|expected ValueError")
bug(A7, "conv1x1_as_matmul", "bias_on_last_axis", _edit(
    _C1, ("""    if b is not None:
        out = out + b.astype(dtype)[:, None]
    return out.reshape(N, C_out, H, W)
""", """    out = out.reshape(N, C_out, H, W)
    if b is not None:
        out = out + b.astype(dtype)
    return out
""")),
    "Adds b to the (N, C_out, H, W) result without reshaping it, so numpy broadcasts it along W instead of the channels.",
    r"bias|\bb\b.{0,40}(axis|channel|broadcast)")

_IC = C07_LOOPS["inception_cost"]
bug(A7, "inception_cost", "flops_not_macs", _edit(
    _IC, ("        macs += c_out * h * w * a * f * f\n", "        macs += 2 * c_out * h * w * a * f * f\n")),
    "Counts FLOPs (2 per multiply-add) instead of MACs, so the MACs are doubled.",
    r"FLOP|twice|doubl|2 ?\*|factor (of )?2")
bug(A7, "inception_cost", "no_biases", _edit(
    _IC, ("        params += c_out * a * f * f + c_out\n", "        params += c_out * a * f * f\n")),
    "Counts only the weights of every convolution, not its biases.",
    r"bias")
bug(A7, "inception_cost", "reduction_not_used_by_3x3_5x5", _edit(
    _IC, ("""                 (c_in, ch3x3red, 1), (ch3x3red, ch3x3, 3),
                 (c_in, ch5x5red, 1), (ch5x5red, ch5x5, 5),
""", """                 (c_in, ch3x3red, 1), (c_in, ch3x3, 3),
                 (c_in, ch5x5red, 1), (c_in, ch5x5, 5),
""")),
    "Lets the 3x3 and 5x5 convolutions still see all C_in channels after their 1x1 reductions.",
    r"ch3x3red|ch5x5red|reduc")
bug(A7, "inception_cost", "naive_pool_channels_dropped", _edit(
    _IC, ("        out_channels = ch1x1 + ch3x3 + ch5x5 + c_in\n", "        out_channels = ch1x1 + ch3x3 + ch5x5\n")),
    "Leaves the pooling branch out of the naive module's output channels; it passes all C_in channels on.",
    r"pool")
bug(A7, "inception_cost", "torchvision_3x3_in_5x5_branch", _edit(
    _IC, ("(ch5x5red, ch5x5, 5),", "(ch5x5red, ch5x5, 3),")),
    "Uses torchvision's 3x3 kernel in the reduced module's 5x5 branch, although the exercise asks for the paper's true 5x5.",
    r"5 ?x ?5|3 ?x ?3|kernel|vision#906")
bug(A7, "inception_cost", "in_channels_not_checked", _edit(
    _IC, ("""    if in_channels != c_in:
        raise ValueError(f"spec's in_channels {in_channels} differs from in_shape's C_in {c_in} "
                         f"(in_shape {tuple(in_shape)})")
""", "")),
    "Does not check that the spec's in_channels equals in_shape's C_in, so a mismatched row is costed instead of raising ValueError.",
    r"in_channels|C_in")

_INC = C07_LOOPS["Inception"]
bug(A7, "Inception", "concat_order", _edit(
    _INC, ("        return torch.cat([b1, b2, b3, b4], dim=1)\n", "        return torch.cat([b2, b3, b1, b4], dim=1)\n")),
    "Concatenates the branches as (3x3, 5x5, 1x1, pool) instead of (1x1, 3x3, 5x5, pool).",
    r"order")
bug(A7, "Inception", "no_pool_projection", _edit(
    _INC, ("""        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            BasicConv2d(in_channels, pool_proj, 1, batch_norm=bn),
        )
""", """        self.branch4 = nn.MaxPool2d(3, stride=1, padding=1)
""")),
    "Leaves out the 1x1 projection after the pooling, so the pool branch passes all in_channels on.",
    r"pool_proj|projection|pool branch")
bug(A7, "Inception", "padding_fixed_at_2", _edit(
    _INC, ("            BasicConv2d(ch5x5red, ch5x5, k, padding=k // 2, batch_norm=bn),\n",
           "            BasicConv2d(ch5x5red, ch5x5, k, padding=2, batch_norm=bn),\n")),
    "Pads the third branch's convolution by 2 whatever its kernel, so torchvision's 3x3 grows the maps and the branches cannot be concatenated.",
    r"padding|K ?// ?2")
bug(A7, "Inception", "pool_stride_default", _edit(
    _INC, ("            nn.MaxPool2d(3, stride=1, padding=1),\n", "            nn.MaxPool2d(3, padding=1),\n")),
    "Builds the pooling as nn.MaxPool2d(3, padding=1), whose stride defaults to 3, so the pool branch shrinks the maps.",
    r"stride")
bug(A7, "Inception", "variant_batch_norm_ignored", _edit(
    _INC, ("        bn = GOOGLENET_VARIANTS[variant][\"batch_norm\"]\n", "        bn = True\n")),
    "Always builds batch-normalized convolutions, so the paper's variant has batch norm and no biases.",
    r"batch.?norm|\bBN\b|bias|paper")
bug(A7, "Inception", "reduction_after_3x3", _edit(
    _INC, ("""            BasicConv2d(in_channels, ch3x3red, 1, batch_norm=bn),
            BasicConv2d(ch3x3red, ch3x3, 3, padding=1, batch_norm=bn),
""", """            BasicConv2d(in_channels, ch3x3red, 3, padding=1, batch_norm=bn),
            BasicConv2d(ch3x3red, ch3x3, 1, batch_norm=bn),
""")),
    "Swaps the kernels of the second branch: a 3x3 to ch3x3red first, then a 1x1 to ch3x3, so the reduction comes after the expensive convolution.",
    r"reduc|order|(1 ?x ?1|3 ?x ?3).{0,60}(before|after|first|swap)")

_GN = C07_LOOPS["googlenet"]
bug(A7, GOOGLENET, "aux_in_eval_mode", _edit(
    _GN, ("        if self.aux1 is not None and self.training:\n", "        if self.aux1 is not None:\n"),
    ("        if self.aux2 is not None and self.training:\n", "        if self.aux2 is not None:\n")),
    "Runs and returns the auxiliary classifiers in evaluation mode too, instead of only in training mode.",
    r"eval|training mode|self\.training")
bug(A7, GOOGLENET, "aux2_after_4e", _edit(
    _GN, ("""        x = self.inception4d(x)
        aux2 = None
        if self.aux2 is not None and self.training:
            aux2 = self.aux2(x)
        x = self.inception4e(x)
""", """        x = self.inception4d(x)
        x = self.inception4e(x)
        aux2 = None
        if self.aux2 is not None and self.training:
            aux2 = self.aux2(x)
"""), ("            self.aux2 = InceptionAux(out_of[\"4d\"], num_classes, variant, width)\n",
       "            self.aux2 = InceptionAux(out_of[\"4e\"], num_classes, variant, width)\n")),
    "Attaches aux2 to the output of 4e (832 channels) instead of 4d (528).",
    r"4d|4e|aux2")
bug(A7, GOOGLENET, "no_ceil_mode", _edit(
    _GN, ("        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)\n", "        self.maxpool1 = nn.MaxPool2d(3, stride=2)\n"),
    ("        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)\n", "        self.maxpool2 = nn.MaxPool2d(3, stride=2)\n"),
    ("        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)\n", "        self.maxpool3 = nn.MaxPool2d(3, stride=2)\n"),
    ("        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)\n", "        self.maxpool4 = nn.MaxPool2d(2, stride=2)\n")),
    "Builds the max poolings without ceil_mode=True, so the maps are floored (55 instead of 56, ...).",
    r"ceil")
bug(A7, GOOGLENET, "maxpool4_3x3", _edit(
    _GN, ("        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)\n", "        self.maxpool4 = nn.MaxPool2d(3, stride=2, ceil_mode=True)\n")),
    "Uses the paper's 3x3 pooling after 4e instead of torchvision's 2x2.",
    r"maxpool4|(pool).{0,60}(2 ?x ?2|3 ?x ?3|kernel)")
bug(A7, GOOGLENET, "dropout_fixed", _edit(
    _GN, ("        self.dropout = nn.Dropout(GOOGLENET_VARIANTS[variant][\"dropout\"])\n", "        self.dropout = nn.Dropout(0.2)\n")),
    "Uses torchvision's dropout of 0.2 for both variants; the paper's is 0.4.",
    r"dropout|0\.4")
bug(A7, GOOGLENET, "aux_outputs_swapped", _edit(
    _GN, ("            return x, aux1, aux2\n", "            return x, aux2, aux1\n")),
    "Returns (scores, aux2, aux1), torchvision's order, instead of (scores, aux1, aux2).",
    r"order|aux1.{0,60}aux2|aux2.{0,60}aux1|swap")
bug(A7, GOOGLENET, "in_channels_from_table", _edit(
    _GN, ("                    Inception(channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, variant=variant))\n",
          "                    Inception(scaled(spec[0], width), ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, variant=variant))\n")),
    "Scales the table's in_channels instead of summing the previous module's scaled outputs, which differ at some widths.",
    r"in_channels|previous|sum of|scaled outputs")
bug(A7, GOOGLENET, "stem_conv2_3x3", _edit(
    _GN, ("        self.conv2 = BasicConv2d(c1, c2, 1, batch_norm=bn)\n", "        self.conv2 = BasicConv2d(c1, c2, 3, padding=1, batch_norm=bn)\n")),
    "Makes the stem's conv2 a 3x3 convolution; it is a 1x1.",
    r"conv2|1 ?x ?1|stem")

# --------------------------------------------------------------------------------------------
# 08_resnet
# --------------------------------------------------------------------------------------------

_RB = C08_LOOPS["residual_backward"]
bug(A8, "residual_backward", "broadcasts_silently", _edit(
    _RB, ("""    if dout.shape != dF.shape:
        raise ValueError(f"dF has shape {dF.shape} but dout has shape {dout.shape}")
""", "")),
    "Never compares the shapes, so numpy broadcasts a (1, C, H, W) dF silently instead of raising ValueError.",
    r"broadcast|shape|expected ValueError")
bug(A8, "residual_backward", "adds_in_place", _edit(
    _RB, ("    dx = dout + dF\n    return dx\n", "    dout += dF\n    return dout\n")),
    "Adds dF into dout in place, which changes the caller's float64 dout array.",
    r"(chang|modif|mutat|overwr).{0,40}input|in.?place")
bug(A8, "residual_backward", "keeps_input_dtype", _edit(
    _RB, ("    dout = np.asarray(dout, dtype=np.float64)\n    dF = np.asarray(dF, dtype=np.float64)\n",
          "    dout = np.asarray(dout)\n    dF = np.asarray(dF)\n")),
    "Does not convert to float64, so integer or float32 gradients come back integer or float32.",
    r"float64|dtype|integer|float32")
bug(A8, "residual_backward", "product_rule", _edit(
    _RB, ("    dx = dout + dF\n", "    dx = dout * dF\n")),
    "Multiplies the two gradients instead of adding them: y = x + F(x) is a sum.",
    r"multipl|product|\bsum\b|dout \+ dF")

_BBF = C08_LOOPS["basic_block_forward"]
bug(A8, "basic_block_forward", "relu_before_add", _edit(
    _BBF, ("    return relu(f + shortcut)\n", "    return relu(f) + shortcut\n")),
    "Applies the last ReLU to the branch before the addition, relu(f) + shortcut, instead of after it.",
    r"ReLU.{0,80}(before|after|addition|sum)|(before|after|addition|sum).{0,80}ReLU")
bug(A8, "basic_block_forward", "stride_on_second_conv", _edit(
    _BBF, ("    h = relu(conv2d_fast(x, w1, b1, stride=stride, padding=1))\n    f = conv2d_fast(h, w2, b2, stride=1, padding=1)\n",
           "    h = relu(conv2d_fast(x, w1, b1, stride=1, padding=1))\n    f = conv2d_fast(h, w2, b2, stride=stride, padding=1)\n")),
    "Puts the stride on the second 3x3 convolution (w2) instead of the first (w1).",
    r"stride.{0,80}(second|first|w1|w2|conv)|(second|first|w1|w2).{0,80}stride")
bug(A8, "basic_block_forward", "projection_padded", _edit(
    _BBF, ("        shortcut = conv2d_fast(x, w_proj, b_proj, stride=stride, padding=0)\n",
           "        shortcut = conv2d_fast(x, w_proj, b_proj, stride=stride, padding=1)\n")),
    "Pads the 1x1 projection by 1 like the 3x3 convolutions, so the shortcut is larger than the branch.",
    r"padding|projection")
bug(A8, "basic_block_forward", "identity_shape_not_checked", _edit(
    _BBF, ("""    elif c_out != c_in or stride != 1:
        raise ValueError(f"the identity shortcut needs C_out == C_in and stride 1: x {x.shape}, "
                         f"w1 {w1.shape}, stride {stride}")
""", "")),
    "Does not check that the identity shortcut fits: with other channels or stride 2 and no projection it fails inside numpy instead of raising its own ValueError.",
    r"identity|shortcut|projection|expected ValueError")
bug(A8, "basic_block_forward", "no_final_relu", _edit(
    _BBF, ("    return relu(f + shortcut)\n", "    return f + shortcut\n")),
    "Forgets the ReLU after the addition and returns f + shortcut.",
    r"ReLU")
bug(A8, "basic_block_forward", "not_converted_to_float64", _edit(
    _BBF, ("""    x = np.asarray(x, dtype=np.float64)
    w1 = np.asarray(w1, dtype=np.float64)
    b1 = np.asarray(b1, dtype=np.float64)
    w2 = np.asarray(w2, dtype=np.float64)
    b2 = np.asarray(b2, dtype=np.float64)
""", """    x = np.asarray(x)
    w1 = np.asarray(w1)
    b1 = np.asarray(b1)
    w2 = np.asarray(w2)
    b2 = np.asarray(b2)
"""), ("""        w_proj = np.asarray(w_proj, dtype=np.float64)
        b_proj = np.asarray(b_proj, dtype=np.float64)
""", """        w_proj = np.asarray(w_proj)
        b_proj = np.asarray(b_proj)
""")),
    "Does not convert the inputs to float64, so integer or float32 input fails in conv2d_fast or keeps its dtype.",
    r"float64|dtype|integer|float32")

_BB = C08_LOOPS["BasicBlock"]
bug(A8, "BasicBlock", "always_projection", _edit(
    _BB, ("        if stride != 1 or in_ch != out_ch:\n", "        if True:   # a projection in every block\n")),
    "Builds the projection in every block, also where the shape does not change and the shortcut must be x itself.",
    r"projection|identity|downsample|shortcut")
bug(A8, "BasicBlock", "relu_before_add", _edit(
    _BB, ("        out = self.bn2(out)\n", "        out = self.bn2(out)\n        out = self.relu(out)\n"),
    ("        out = out + identity\n        out = self.relu(out)\n", "        out = out + identity\n")),
    "Applies the second ReLU to the branch before the addition and none after it.",
    r"ReLU.{0,80}(before|after|addition|sum)|(before|after|addition|sum).{0,80}ReLU")
bug(A8, "BasicBlock", "stride_on_conv2", _edit(
    _BB, ("        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)\n",
          "        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False)\n"),
    ("        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)\n",
     "        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, stride=stride, padding=1, bias=False)\n")),
    "Puts the block's stride on conv2 instead of conv1.",
    r"stride.{0,80}(conv1|conv2|first|second)|(conv1|conv2|first|second).{0,80}stride")
bug(A8, "BasicBlock", "projection_without_bn", _edit(
    _BB, ("""            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_ch),
            )
""", """            self.downsample = nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False)
""")),
    "Builds the projection as a bare 1x1 convolution, without its batch norm.",
    r"(projection|downsample|shortcut).{0,80}(batch.?norm|BN)|(batch.?norm|BN).{0,80}(projection|downsample|shortcut)")
bug(A8, "BasicBlock", "conv_bias", _edit(
    _BB, ("        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)\n",
          "        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1)\n"),
    ("        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False)\n",
     "        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)\n")),
    "Leaves nn.Conv2d's default bias=True on the two 3x3 convolutions.",
    r"bias")
bug(A8, "BasicBlock", "projection_only_for_channels", _edit(
    _BB, ("        if stride != 1 or in_ch != out_ch:\n", "        if in_ch != out_ch:\n")),
    "Builds the projection only when the channels change, forgetting that a stride of 2 changes the shape too.",
    r"stride|projection|downsample")

_BN = C08_LOOPS["Bottleneck"]
bug(A8, "Bottleneck", "stride_on_first_1x1", _edit(
    _BN, ("        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)\n", "        self.conv1 = nn.Conv2d(in_ch, width, 1, stride=stride, bias=False)\n"),
    ("        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)\n",
     "        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)\n")),
    "Puts the stride on the first 1x1 convolution (the paper's v1) instead of the 3x3 (torchvision's v1.5).",
    r"v1|stride.{0,80}(1 ?x ?1|3 ?x ?3|conv1|conv2)|(1 ?x ?1|3 ?x ?3|conv1|conv2).{0,80}stride")
bug(A8, "Bottleneck", "identity_test_ignores_expansion", _edit(
    _BN, ("        if stride != 1 or in_ch != out_ch:\n", "        if stride != 1 or in_ch != width:\n")),
    "Decides on the projection by comparing in_ch with width instead of 4 * width, so Bottleneck(256, 64) gets a projection and Bottleneck(64, 64) none.",
    r"expansion|4 ?\* ?width|projection|identity|downsample")
bug(A8, "Bottleneck", "relu_before_add", _edit(
    _BN, ("        out = self.bn3(self.conv3(out))\n", "        out = self.relu(self.bn3(self.conv3(out)))\n"),
    ("        out = out + identity\n        return self.relu(out)\n", "        return out + identity\n")),
    "Applies the last ReLU to the branch before the addition and none after it.",
    r"ReLU.{0,80}(before|after|addition|sum)|(before|after|addition|sum).{0,80}ReLU")
bug(A8, "Bottleneck", "no_padding_3x3", _edit(
    _BN, ("        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)\n",
          "        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, bias=False)\n")),
    "Forgets padding=1 on the 3x3 convolution, so the branch shrinks the maps and cannot be added to the shortcut.",
    r"padding")
bug(A8, "Bottleneck", "bn3_on_width", _edit(
    _BN, ("        self.bn3 = nn.BatchNorm2d(out_ch)\n", "        self.bn3 = nn.BatchNorm2d(width)\n")),
    "Sizes the last batch norm for width channels instead of 4 * width, so it fails on conv3's output.",
    r"bn3|batch.?norm|4 ?\* ?width|expansion")

_RN = C08_LOOPS["resnet"]
bug(A8, "resnet", "first_stage_strided", _edit(
    _RN, ("            stride = 2 if (k > 0 and i == 0) else 1\n", "            stride = 2 if i == 0 else 1\n")),
    "Gives the first block of every stage stride 2, also in the first stage, so the maps are halved once too often.",
    r"stride|first stage|layer1")
bug(A8, "resnet", "no_stem_maxpool", _edit(
    _RN, ("    parts[\"maxpool\"] = nn.MaxPool2d(3, stride=2, padding=1)\n", "")),
    "Leaves the max pooling out of the stem.",
    r"max ?pool|stem")
bug(A8, "resnet", "fc_ignores_expansion", _edit(
    _RN, ("    parts[\"fc\"] = nn.Linear(8 * width * block.expansion, num_classes)\n", "    parts[\"fc\"] = nn.Linear(8 * width, num_classes)\n")),
    "Sizes the fc layer's input as 8 * width, forgetting block.expansion (2048 inputs for bottlenecks, not 512).",
    r"expansion|fc|Linear")
bug(A8, "resnet", "in_ch_ignores_expansion", _edit(
    _RN, ("            in_ch = planes * block.expansion\n", "            in_ch = planes\n")),
    "Carries planes instead of planes * block.expansion as the next block's in_ch, so bottleneck networks get the wrong channels.",
    r"expansion|in_ch|channels")
bug(A8, "resnet", "every_block_strided", _edit(
    _RN, ("            stride = 2 if (k > 0 and i == 0) else 1\n", "            stride = 2 if k > 0 else 1\n")),
    "Gives every block of stages 2 to 4 stride 2, not only the first one.",
    r"stride|first block")
bug(A8, "resnet", "stem_without_relu", _edit(
    _RN, ("    parts[\"relu\"] = nn.ReLU(inplace=True)\n", "")),
    "Leaves out the stem's ReLU between its batch norm and max pooling.",
    r"ReLU|stem")
