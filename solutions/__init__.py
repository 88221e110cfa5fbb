# Generated from source/*/*.ipynb by `make release`. Do not edit.
"""The course's reference solutions, exported from the instructor notebooks in source/.

Hidden tests compare a student's answer with these. Import them as
``from solutions import corr2d``.
"""

from solutions.convolution import corr2d

__all__ = [
    "corr2d",
]
