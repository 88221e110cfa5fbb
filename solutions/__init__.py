# Generated from source/*/*.ipynb by `make release`. Do not edit.
"""The course's reference solutions, exported from the instructor notebooks in source/.

Hidden tests compare a student's answer with these. Import them as
``from solutions import corr2d``. Each name imports only its own notebook's module, on
first use: grading notebook 01 does not pay for torch, which notebook 04's module imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solutions.classification_head import (
        CHANNELS,
        NumpyCNN,
        TorchCNN,
        avg_pool2d_backward,
        conv2d_backward,
        cosine_lr,
        cross_entropy,
        flatten,
        linear,
        linear_backward,
        load_numpy_params,
        max_pool2d_backward,
        numerical_gradient,
        random_shift,
        relu,
        relu_backward,
        sgd_momentum,
        softmax,
        softmax_cross_entropy_backward,
        topk_error,
        train_numpy,
        train_torch,
        window_mask,
    )
    from solutions.convolution import (
        conv2d_multi,
        conv_params,
        corr2d,
        edge_kernel,
        fc_params,
        locally_connected_params,
    )
    from solutions.imagenet_alexnet import (
        ALEXNET,
        INPUT_SHAPE,
        KINDS,
        LRN_ARGS,
        SMALL_ALEXNET,
        alexnet,
        cosine_decay,
        layer_output_shape,
        layer_table,
        layer_table_numbers,
        parse_layer,
        small_alexnet,
    )
    from solutions.padding_stride import (
        conv2d,
        conv2d_fast,
        conv_output_size,
        im2col,
        pad2d,
        receptive_field,
    )
    from solutions.pooling import (
        avg_pool2d,
        global_avg_pool2d,
        max_pool2d,
    )
    from solutions.vgg import (
        CFGS,
        SMALL_CFG,
        VGG_NAMES,
        activation_memory,
        adam_cosine,
        check_cfg,
        digits_vgg,
        make_features,
        stack_vs_single,
        vgg,
    )

# each public name and the module (one per source notebook) that defines it
_WHERE = {
    "window_mask": "classification_head",
    "relu": "classification_head",
    "flatten": "classification_head",
    "linear": "classification_head",
    "softmax": "classification_head",
    "cross_entropy": "classification_head",
    "topk_error": "classification_head",
    "numerical_gradient": "classification_head",
    "relu_backward": "classification_head",
    "linear_backward": "classification_head",
    "softmax_cross_entropy_backward": "classification_head",
    "max_pool2d_backward": "classification_head",
    "avg_pool2d_backward": "classification_head",
    "conv2d_backward": "classification_head",
    "CHANNELS": "classification_head",
    "random_shift": "classification_head",
    "NumpyCNN": "classification_head",
    "sgd_momentum": "classification_head",
    "cosine_lr": "classification_head",
    "train_numpy": "classification_head",
    "TorchCNN": "classification_head",
    "load_numpy_params": "classification_head",
    "train_torch": "classification_head",
    "corr2d": "convolution",
    "conv2d_multi": "convolution",
    "conv_params": "convolution",
    "fc_params": "convolution",
    "locally_connected_params": "convolution",
    "edge_kernel": "convolution",
    "KINDS": "imagenet_alexnet",
    "LRN_ARGS": "imagenet_alexnet",
    "ALEXNET": "imagenet_alexnet",
    "INPUT_SHAPE": "imagenet_alexnet",
    "parse_layer": "imagenet_alexnet",
    "layer_output_shape": "imagenet_alexnet",
    "layer_table": "imagenet_alexnet",
    "layer_table_numbers": "imagenet_alexnet",
    "alexnet": "imagenet_alexnet",
    "SMALL_ALEXNET": "imagenet_alexnet",
    "small_alexnet": "imagenet_alexnet",
    "cosine_decay": "imagenet_alexnet",
    "conv_output_size": "padding_stride",
    "pad2d": "padding_stride",
    "conv2d": "padding_stride",
    "receptive_field": "padding_stride",
    "im2col": "padding_stride",
    "conv2d_fast": "padding_stride",
    "max_pool2d": "pooling",
    "avg_pool2d": "pooling",
    "global_avg_pool2d": "pooling",
    "CFGS": "vgg",
    "VGG_NAMES": "vgg",
    "check_cfg": "vgg",
    "stack_vs_single": "vgg",
    "make_features": "vgg",
    "vgg": "vgg",
    "activation_memory": "vgg",
    "SMALL_CFG": "vgg",
    "digits_vgg": "vgg",
    "adam_cosine": "vgg",
}

__all__ = [
    "window_mask",
    "relu",
    "flatten",
    "linear",
    "softmax",
    "cross_entropy",
    "topk_error",
    "numerical_gradient",
    "relu_backward",
    "linear_backward",
    "softmax_cross_entropy_backward",
    "max_pool2d_backward",
    "avg_pool2d_backward",
    "conv2d_backward",
    "CHANNELS",
    "random_shift",
    "NumpyCNN",
    "sgd_momentum",
    "cosine_lr",
    "train_numpy",
    "TorchCNN",
    "load_numpy_params",
    "train_torch",
    "corr2d",
    "conv2d_multi",
    "conv_params",
    "fc_params",
    "locally_connected_params",
    "edge_kernel",
    "KINDS",
    "LRN_ARGS",
    "ALEXNET",
    "INPUT_SHAPE",
    "parse_layer",
    "layer_output_shape",
    "layer_table",
    "layer_table_numbers",
    "alexnet",
    "SMALL_ALEXNET",
    "small_alexnet",
    "cosine_decay",
    "conv_output_size",
    "pad2d",
    "conv2d",
    "receptive_field",
    "im2col",
    "conv2d_fast",
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "CFGS",
    "VGG_NAMES",
    "check_cfg",
    "stack_vs_single",
    "make_features",
    "vgg",
    "activation_memory",
    "SMALL_CFG",
    "digits_vgg",
    "adam_cosine",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'solutions' has no attribute {name!r}")
    module = importlib.import_module(f"solutions.{_WHERE[name]}")
    # bind every name of the module, after the import: solutions.vgg, the module, would
    # otherwise hide vgg, the function (the import sets the package's attribute)
    for other, where in _WHERE.items():
        if where == _WHERE[name]:
            globals()[other] = getattr(module, other)
    return globals()[name]


def __dir__() -> list[str]:
    return sorted(__all__)
