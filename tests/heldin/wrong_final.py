"""Student-style bugs for notebooks 09 and 10, written from the student notebooks alone (held-in
set, final notebooks). Same format as tests/heldin/wrong.py, whose BUGS these extend (wrong.py
imports this module at its bottom, after wrong_late).

Every bug is one realistic mistake in one answer cell, made by editing the ``loops`` correct
style of tests/heldin/correct_final.py (the base the grader's diagnosis puts beside it); each
edit must match exactly once. ``named_if`` is a case-insensitive regex that a feedback naming
THIS mistake would match, written from the mistake.
"""
# ruff: noqa: E501

from __future__ import annotations

from tests.heldin import correct  # noqa: F401  (first: it imports correct_final at its bottom)
from tests.heldin.correct_final import C09_LOOPS, C10_LOOPS
from tests.heldin.wrong import Bug

A9, A10 = "09_densenet", "10_comparison"

BUGS: list[Bug] = []


def _edit(base: str, *swaps: tuple[str, str]) -> str:
    """base with each (old, new) replaced; old must occur exactly once."""
    for old, new in swaps:
        if base.count(old) != 1:
            raise ValueError(f"{old!r} occurs {base.count(old)} times")
        base = base.replace(old, new)
    return base


def bug(assignment: str, exercise: str, name: str, code: str, mistake: str, named_if: str) -> None:
    BUGS.append(Bug(assignment, exercise, name, code.strip("\n") + "\n", mistake, named_if))


# --------------------------------------------------------------------------------------------
# 09_densenet
# --------------------------------------------------------------------------------------------

_DC = C09_LOOPS["densenet_channels"]
bug(A9, "densenet_channels", "growth_once_per_block", _edit(
    _DC, ("        c = c + int(n) * int(growth_rate)\n", "        c = c + int(growth_rate)\n")),
    "Adds the growth rate once per block instead of once per layer (n * k per block).",
    r"once per block|n ?\* ?k|every layer adds|per layer")
bug(A9, "densenet_channels", "transition_after_last", _edit(
    _DC, ("""        if i < len(block_config) - 1:
            c = int(math.floor(compression * c))
            channels.append(c)
""", """        c = int(math.floor(compression * c))
        channels.append(c)
""")),
    "Puts a transition after the last dense block too, so the tuple has 2 * len(block_config) entries.",
    r"last (dense )?block|transition follows|no (transition|compression) after|2 ?\* ?len")
bug(A9, "densenet_channels", "init_features_forgotten", _edit(
    _DC, ("    c = int(num_init_features)\n", "    c = 0\n")),
    "Starts the first block from 0 channels, forgetting the stem's num_init_features.",
    r"init(ial)?[ _]features|stem|num_init_features")
bug(A9, "densenet_channels", "compression_rounds_up", _edit(
    _DC, ("            c = int(math.floor(compression * c))\n", "            c = int(math.ceil(compression * c))\n")),
    "Rounds the compressed count up (math.ceil) instead of down.",
    r"round|floor|ceil")
bug(A9, "densenet_channels", "compression_ignored", _edit(
    _DC, ("            c = int(math.floor(compression * c))\n", "            c = c // 2\n")),
    "Always halves the channels at a transition (c // 2, DenseNet-BC's value) and ignores the compression argument.",
    r"compression.{0,40}(ignored|not used|unused)|ignor|halves")
bug(A9, "densenet_channels", "float_counts", _edit(
    _DC, ("            c = int(math.floor(compression * c))\n", "            c = compression * c\n")),
    "Keeps compression * c as it is, a float (23.25 channels), instead of flooring it to an int.",
    r"float|whole|int\b|round(ed)? down|floor")
bug(A9, "densenet_channels", "compression_one_rejected", _edit(
    _DC, ("    if not 0 < compression <= 1:\n", "    if not 0 < compression < 1:\n")),
    "Checks 0 < compression < 1, so compression=1 (keep every channel, allowed by the docstring) raises ValueError.",
    r"compression ?[=:]? ?1(\.0)?\b|θ ?= ?1|<= ?1|\(0, 1\]|keeps? (them all|every)")
bug(A9, "densenet_channels", "bool_accepted", _edit(
    _DC, ("    if not _is_int(num_init_features) or num_init_features < 1:\n",
          "    if not isinstance(num_init_features, int | np.integer) or num_init_features < 1:\n"),
    ("    if not _is_int(growth_rate) or growth_rate < 1:\n",
     "    if not isinstance(growth_rate, int | np.integer) or growth_rate < 1:\n")),
    "Checks isinstance(v, int), which True passes, so a bool growth rate or stem width is accepted.",
    r"bool|True")

_DL = C09_LOOPS["DenseLayer"]
bug(A9, "DenseLayer", "post_activation", _edit(
    _DL, ("        self.norm1 = nn.BatchNorm2d(in_ch)\n", "        self.norm1 = nn.BatchNorm2d(width)\n"),
    ("        self.norm2 = nn.BatchNorm2d(width)\n", "        self.norm2 = nn.BatchNorm2d(growth_rate)\n"),
    ("""        out = self.conv1(self.relu1(self.norm1(x)))
        new = self.conv2(self.relu2(self.norm2(out)))
""", """        out = self.relu1(self.norm1(self.conv1(x)))
        new = self.relu2(self.norm2(self.conv2(out)))
""")),
    "Uses ResNet's order, conv -> BN -> ReLU (post-activation), instead of BN -> ReLU -> conv.",
    r"post-?activation|pre-?activation|(conv\w*|convolutions?) (comes? )?before (its|their|the) batch norm|BN, ReLU,? (then )?(the )?conv|order")
bug(A9, "DenseLayer", "bottleneck_width_k", _edit(
    _DL, ("        width = bn_size * growth_rate\n", "        width = growth_rate\n")),
    "Makes the bottleneck k channels wide instead of bn_size * k.",
    r"bottleneck|bn_size ?\* ?k|4 ?k\b|width")
bug(A9, "DenseLayer", "conv_bias", _edit(
    _DL, ("        self.conv1 = nn.Conv2d(in_ch, width, kernel_size=1, stride=1, bias=False)\n",
          "        self.conv1 = nn.Conv2d(in_ch, width, kernel_size=1, stride=1)\n"),
    ("        self.conv2 = nn.Conv2d(width, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)\n",
     "        self.conv2 = nn.Conv2d(width, growth_rate, kernel_size=3, stride=1, padding=1)\n")),
    "Leaves PyTorch's default bias=True on both convolutions.",
    r"bias")
bug(A9, "DenseLayer", "returns_new_only", _edit(
    _DL, ("        return torch.cat([x, new], dim=1)\n", "        return new\n")),
    "Returns only the k new maps, without concatenating them after the input.",
    r"only (its |the )?new|torch\.cat|concatenat")
bug(A9, "DenseLayer", "cat_reversed", _edit(
    _DL, ("        return torch.cat([x, new], dim=1)\n", "        return torch.cat([new, x], dim=1)\n")),
    "Concatenates the new maps before the input instead of after it.",
    r"order|reversed|input first|\[x, new\]")
bug(A9, "DenseLayer", "second_relu_missing", _edit(
    _DL, ("        new = self.conv2(self.relu2(self.norm2(out)))\n", "        new = self.conv2(self.norm2(out))\n")),
    "Forgets the ReLU between the second batch norm and the 3x3 convolution.",
    r"ReLU|activation|relu")
bug(A9, "DenseLayer", "no_padding", _edit(
    _DL, ("kernel_size=3, stride=1, padding=1, bias=False)", "kernel_size=3, stride=1, bias=False)")),
    "Builds the 3x3 convolution without padding=1, so the new maps are 2 pixels smaller than the input and cannot be concatenated.",
    r"padding")
bug(A9, "DenseLayer", "cat_batch_axis", _edit(
    _DL, ("        return torch.cat([x, new], dim=1)\n", "        return torch.cat([x, new])\n")),
    "Calls torch.cat without dim=1, which joins along the batch axis (dim 0) instead of the channels.",
    r"dim|axis|channel")

_DB = C09_LOOPS["DenseBlock"]
bug(A9, "DenseBlock", "same_in_ch", _edit(
    _DB, ("            layer = DenseLayer(in_ch + i * growth_rate, growth_rate, bn_size)\n",
          "            layer = DenseLayer(in_ch, growth_rate, bn_size)\n")),
    "Builds every layer for the block's input channels instead of in_ch + i * k.",
    r"in_ch ?\+ ?i|every layer is built for|layer i reads|c_0 ?\+ ?i")
bug(A9, "DenseBlock", "one_layer_too_many", _edit(
    _DB, ("        self.num_layers = int(num_layers)\n", "        self.num_layers = int(num_layers) + 1\n"),
    ("        for i in range(num_layers):\n", "        for i in range(num_layers + 1):   # layers 0 to num_layers\n")),
    "Builds num_layers + 1 layers (range(num_layers + 1)).",
    r"one layer too many|too many|extra layer|num_layers ?\+ ?1")
bug(A9, "DenseBlock", "python_list", _edit(
    _DB, ("        self.num_layers = int(num_layers)\n", "        self.layers = []\n"),
    ("            self.add_module(f\"denselayer{i + 1}\", layer)\n", "            self.layers.append(layer)\n"),
    ("""        for i in range(self.num_layers):
            layer = getattr(self, f"denselayer{i + 1}")
            out = layer(out)
""", """        for layer in self.layers:
            out = layer(out)
""")),
    "Keeps the layers in a plain Python list, so the block does not register (own) them.",
    r"Python list|regist|ModuleList|own|add_module")
bug(A9, "DenseBlock", "bn_size_not_passed", _edit(
    _DB, ("            layer = DenseLayer(in_ch + i * growth_rate, growth_rate, bn_size)\n",
          "            layer = DenseLayer(in_ch + i * growth_rate, growth_rate)\n")),
    "Does not pass bn_size on to the layers, so they always use the default 4.",
    r"bn_size")
bug(A9, "DenseBlock", "concat_input_again", _edit(
    _DB, ("        return out\n", "        return torch.cat([x, out], dim=1)\n")),
    "Concatenates the block's input to the last output again, although every DenseLayer already returns its input.",
    r"again|already|concatenat")
bug(A9, "DenseBlock", "every_layer_reads_input", _edit(
    _DB, ("            out = layer(out)\n", "            out = layer(x)\n")),
    "Applies every layer to the block's input x instead of the previous layer's output.",
    r"previous (layer'?s? )?output|in turn|chain|each (layer )?to the")
bug(A9, "DenseBlock", "zero_layers_accepted", _edit(
    _DB, ("""        for name, v in (("num_layers", num_layers), ("in_ch", in_ch),
                        ("growth_rate", growth_rate), ("bn_size", bn_size)):
            if not _is_int(v) or v < 1:
""", """        for name, v in (("num_layers", num_layers), ("in_ch", in_ch),
                        ("growth_rate", growth_rate), ("bn_size", bn_size)):
            if not _is_int(v) or v < 0:
""")),
    "Checks v < 0 instead of v < 1, so DenseBlock(0, ...) builds an empty block instead of raising ValueError.",
    r"num_layers ?=? ?0|DenseBlock\(0|needs a layer|no layers|empty")

_TR = C09_LOOPS["Transition"]
bug(A9, "Transition", "conv_before_bn", _edit(
    _TR, ("        self.norm = nn.BatchNorm2d(in_ch)\n", "        self.norm = nn.BatchNorm2d(out_ch)\n"),
    ("""        x = self.norm(x)
        x = self.relu(x)
        x = self.conv(x)
""", """        x = self.conv(x)
        x = self.norm(x)
        x = self.relu(x)
""")),
    "Puts the convolution before the batch norm and ReLU (conv, BN, ReLU, pool).",
    r"(conv\w*|convolution) (comes? )?before (its|the) batch norm|BN, ReLU,? (then )?(the )?conv|post-?activation|pre-?activation|order")
bug(A9, "Transition", "conv_bias", _edit(
    _TR, ("        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=1, bias=False)\n",
          "        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=1)\n")),
    "Leaves PyTorch's default bias=True on the 1x1 convolution.",
    r"bias")
bug(A9, "Transition", "max_pool", _edit(
    _TR, ("        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)\n", "        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)\n")),
    "Pools with max pooling instead of average pooling.",
    r"max ?pool|averag|AvgPool")
bug(A9, "Transition", "relu_missing", _edit(
    _TR, ("        x = self.relu(x)\n", "")),
    "Forgets the ReLU between the batch norm and the convolution.",
    r"ReLU|activation")
bug(A9, "Transition", "pool_stride_1", _edit(
    _TR, ("        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)\n", "        self.pool = nn.AvgPool2d(kernel_size=2, stride=1)\n")),
    "Builds the pooling with stride 1, so the maps shrink by one pixel instead of halving.",
    r"stride")
bug(A9, "Transition", "pool_forgotten", _edit(
    _TR, ("        x = self.pool(x)\n", "")),
    "Creates the pooling but never applies it in forward, so H and W are not halved.",
    r"pool(ing)? (is )?(missing|forgotten|not applied)|halv|AvgPool")
bug(A9, "Transition", "halves_by_itself", _edit(
    _TR, ("        self.conv = nn.Conv2d(in_ch, out_ch, kernel_size=1, stride=1, bias=False)\n",
          "        self.conv = nn.Conv2d(in_ch, in_ch // 2, kernel_size=1, stride=1, bias=False)   # compression 0.5\n")),
    "Compresses by itself to in_ch // 2 and ignores out_ch.",
    r"out_ch|compress")

_DN = C09_LOOPS["densenet"]
bug(A9, "densenet", "no_compression", _edit(
    _DN, ("            features.add_module(f\"transition{i + 1}\", Transition(c, c // 2))\n            c = c // 2\n",
          "            features.add_module(f\"transition{i + 1}\", Transition(c, c))\n")),
    "Builds the transitions as Transition(c, c), without compressing the channels.",
    r"compress|c ?// ?2|halv")
bug(A9, "densenet", "transition_after_last", _edit(
    _DN, ("""        if i != len(block_config) - 1:
            features.add_module(f"transition{i + 1}", Transition(c, c // 2))
            c = c // 2
""", """        features.add_module(f"transition{i + 1}", Transition(c, c // 2))
        c = c // 2
""")),
    "Puts a transition after the last dense block too.",
    r"last (dense )?block|transition follows|after the last")
bug(A9, "densenet", "norm5_missing", _edit(
    _DN, ("    features.add_module(\"norm5\", nn.BatchNorm2d(c))\n", "")),
    "Forgets the final batch norm (norm5) after the last dense block.",
    r"norm5|final batch ?norm|last batch ?norm")
bug(A9, "densenet", "stem_3x3", _edit(
    _DN, ("nn.Conv2d(3, num_init_features, kernel_size=7, stride=2,\n                                           padding=3, bias=False)",
          "nn.Conv2d(3, num_init_features, kernel_size=3, stride=2,\n                                           padding=1, bias=False)")),
    "Builds the stem's convolution 3x3 (padding 1) instead of 7x7 (padding 3).",
    r"7 ?x ?7|stem.{0,40}(conv|kernel)|kernel")
bug(A9, "densenet", "stem_pool_missing", _edit(
    _DN, ("    features.add_module(\"pool0\", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))\n", "")),
    "Forgets the stem's 3x3 max pooling, so the dense blocks see 112x112 maps.",
    r"max ?pool|pool0|224 ?-> ?112 ?-> ?56")
bug(A9, "densenet", "head_relu_missing", _edit(
    _DN, ("    model.add_module(\"relu\", nn.ReLU(inplace=True))\n", "")),
    "Forgets the ReLU between the final batch norm and the global average pooling.",
    r"ReLU|activation")
bug(A9, "densenet", "stem_pool_unpadded", _edit(
    _DN, ("nn.MaxPool2d(kernel_size=3, stride=2, padding=1)", "nn.MaxPool2d(kernel_size=3, stride=2)")),
    "Builds the stem's max pooling without padding=1, so 112 becomes 55 instead of 56.",
    r"padding|pool0|\b55\b")
bug(A9, "densenet", "num_classes_unchecked", _edit(
    _DN, ("""    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
""", "")),
    "Never checks num_classes, so num_classes=0 builds a Linear with no outputs instead of raising ValueError.",
    r"num_classes")

_CM = C09_LOOPS["concat_memory"]
bug(A9, "concat_memory", "only_new_maps", _edit(
    _CM, ("        channels = int(in_ch) + l * int(growth_rate)\n", "        channels = int(growth_rate)   # each layer's new maps\n")),
    "Counts only the k new maps of each layer instead of each layer's whole input, c_0 + l * k maps.",
    r"only (the )?new maps|whole input|c_0 ?\+ ?l ?\* ?k")
bug(A9, "concat_memory", "output_counted", _edit(
    _CM, ("    for l in range(int(num_layers)):   # noqa: E741\n", "    for l in range(int(num_layers) + 1):   # noqa: E741\n")),
    "Sums over l = 0, ..., L, counting the block's output too.",
    r"(block's )?output|l = 0, \.\.\., L ?- ?1|L ?\+ ?1")
bug(A9, "concat_memory", "outputs_not_inputs", _edit(
    _CM, ("    for l in range(int(num_layers)):   # noqa: E741\n", "    for l in range(1, int(num_layers) + 1):   # noqa: E741\n")),
    "Sums over l = 1, ..., L: each layer's output instead of its input.",
    r"outputs.{0,40}inputs|layer 0 reads|inputs")
bug(A9, "concat_memory", "c0_forgotten", _edit(
    _CM, ("        channels = int(in_ch) + l * int(growth_rate)\n", "        channels = l * int(growth_rate)\n")),
    "Forgets the block's input channels c_0 in every layer's input.",
    r"c_0|input channels|in_ch")
bug(A9, "concat_memory", "bytes", _edit(
    _CM, ("    return total\n", "    return 4 * total   # float32\n")),
    "Returns bytes at float32 (4 per value) instead of values.",
    r"bytes|count values")
bug(A9, "concat_memory", "h_twice", _edit(
    _CM, ("        total += channels * int(h) * int(w)\n", "        total += channels * int(h) * int(h)\n")),
    "Uses h for both sides of a map (h * h instead of h * w).",
    r"h \* w|h is used for both|both sides|\bw\b")
bug(A9, "concat_memory", "float_closed_form", _edit(
    _CM, ("""    total = 0
    for l in range(int(num_layers)):   # noqa: E741
        channels = int(in_ch) + l * int(growth_rate)
        total += channels * int(h) * int(w)
    return total
""", """    L = num_layers
    return h * w * (L * in_ch + growth_rate * L * (L - 1) / 2)
""")),
    "Writes the closed form with / 2, so the count is a float.",
    r"float|// ?2|\bint\b")
bug(A9, "concat_memory", "bool_accepted", _edit(
    _CM, ("        if not _is_int(v) or v < 1:\n", "        if not isinstance(v, int | np.integer) or v < 1:\n")),
    "Checks isinstance(v, int), which True passes, so a bool argument is accepted.",
    r"bool|True")

# --------------------------------------------------------------------------------------------
# 10_comparison
# --------------------------------------------------------------------------------------------

_CX = C10_LOOPS["count_macs"]
bug(A10, "count_macs", "flops", _edit(
    _CX, ("            total += c_out * h_out * w_out * (module.in_channels // module.groups) * kh * kw\n",
          "            total += 2 * c_out * h_out * w_out * (module.in_channels // module.groups) * kh * kw\n"),
    ("            total += module.in_features * module.out_features * positions\n",
     "            total += 2 * module.in_features * module.out_features * positions\n")),
    "Counts FLOPs (2 per multiply-add) instead of MACs.",
    r"FLOP|multiply-add|doubl|2 ?\*")
bug(A10, "count_macs", "bias_counted", _edit(
    _CX, ("            total += c_out * h_out * w_out * (module.in_channels // module.groups) * kh * kw\n",
          "            total += c_out * h_out * w_out * (module.in_channels // module.groups) * kh * kw\n"
          "            if module.bias is not None:\n                total += c_out * h_out * w_out\n"),
    ("            total += module.in_features * module.out_features * positions\n",
     "            total += module.in_features * module.out_features * positions\n"
     "            if module.bias is not None:\n                total += output.numel()\n")),
    "Counts the bias additions as MACs, one per output value.",
    r"bias")
bug(A10, "count_macs", "groups_ignored", _edit(
    _CX, ("(module.in_channels // module.groups)", "module.in_channels")),
    "Ignores groups: each filter is counted as seeing all C_in channels.",
    r"group")
bug(A10, "count_macs", "batchnorm_counted", _edit(
    _CX, ("        if isinstance(m, nn.Conv2d | nn.Linear):\n",
          "        if getattr(m, \"weight\", None) is not None:   # every layer with weights multiplies\n"),
    ("""        else:
            positions = output.numel() // module.out_features
""", """        elif isinstance(module, nn.BatchNorm2d):
            total += output.numel()   # one scaling by gamma per value
        else:
            positions = output.numel() // module.out_features
""")),
    "Hooks every layer with a weight, so batch norm counts one MAC per value.",
    r"batch ?norm|BN\b|BatchNorm")
bug(A10, "count_macs", "linear_positions_ignored", _edit(
    _CX, ("            total += module.in_features * module.out_features * positions\n",
          "            total += module.in_features * module.out_features\n")),
    "Counts a Linear as in_features * out_features once, forgetting the positions it is applied at.",
    r"position")
bug(A10, "count_macs", "input_size_not_output", _edit(
    _CX, ("            c_out, h_out, w_out = output.shape[1], output.shape[2], output.shape[3]\n",
          "            c_out, h_out, w_out = output.shape[1], inputs[0].shape[2], inputs[0].shape[3]\n")),
    "Takes H and W from the convolution's input instead of its output, so stride and padding are ignored.",
    r"stride|padding|output'?s? (size|shape|positions|height)|H'|input('s)? (size|H)")
bug(A10, "count_macs", "forward_error_not_wrapped", _edit(
    _CX, ("""        try:
            with torch.no_grad():
                model(x)
        except Exception as e:
            raise ValueError(f"the forward pass failed on input shape {tuple(input_shape)}: {e}") from e
""", """        with torch.no_grad():
            model(x)
""")),
    "Lets the forward pass's RuntimeError through instead of raising ValueError naming the shape.",
    r"forward pass fails|RuntimeError|expected ValueError")
bug(A10, "count_macs", "hooks_not_removed", _edit(
    _CX, ("""        for handle in handles:
            handle.remove()
""", "")),
    "Never removes the hooks, so the model keeps counting into a stale total and a second count_macs call counts every layer twice.",
    r"hook|remov|twice|second call")
