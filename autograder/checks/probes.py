"""Named functions that hidden-test cases pass as arguments (student-safe).

A case's arguments cross into the grading sandbox as data, and a function cannot: it crosses as
its name here, and the sandbox looks the same function up on its side.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_A = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])

PROBES: dict[str, Callable] = {
    "sum_cube": lambda v: np.sum(v ** 3),
    "sum_sin_times_v": lambda v: np.sum(np.sin(v) * v),
    "log_sum_exp": lambda v: np.log(np.sum(np.exp(v))),
    "first_last_norm": lambda v: v.flat[0] * v.flat[-1] * np.sum(v ** 2),
    "product_01": lambda v: v[0] * v[1],
    "norm_of_A_v": lambda v: np.sum((_A @ v) ** 2),
    "corner_product": lambda v: v[0, 0] * v[1, 2],
    "sum": lambda v: np.sum(v),
    "double": lambda v: 2 * v,
}


def probe(name: str) -> Callable:
    """The probe function ``name``, tagged with its name so it can cross into the sandbox."""
    fn = PROBES[name]
    fn.probe_name = name  # type: ignore[attr-defined]
    return fn


for _name in PROBES:
    probe(_name)
