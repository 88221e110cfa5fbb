"""Alias of bench/kernels.py, the kernel benchmark this file grew into (issue 15).

    .venv/bin/python bench/conv.py [--reps 5] [--clock cpu|wall] [--only conv_fwd ...]

Runs bench/kernels.py with the same arguments: the forward and backward passes of convolution
and pooling, the course's reference kernels against PyTorch and CS231n's numpy, one thread each.
See bench/kernels.py for what it prints and its targets.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kernels import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
