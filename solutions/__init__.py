# Generated from source/*/*.ipynb by `make release`. Do not edit.
"""The course's reference solutions, exported from the instructor notebooks in source/.

Hidden tests compare a student's answer with these. Import them as
``from solutions import corr2d``.
"""

from solutions.convolution import (
    conv2d_multi,
    conv_params,
    corr2d,
    edge_kernel,
    fc_params,
    locally_connected_params,
)

__all__ = [
    "corr2d",
    "conv2d_multi",
    "conv_params",
    "fc_params",
    "locally_connected_params",
    "edge_kernel",
]
