# Generated from source/*/*.ipynb by `make release`. Do not edit.
"""The course's reference solutions, exported from the instructor notebooks in source/.

Hidden tests compare a student's answer with these. Import them as
``from solutions import corr2d``.
"""

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
    "conv_output_size",
    "pad2d",
    "conv2d",
    "receptive_field",
    "im2col",
    "conv2d_fast",
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
]
