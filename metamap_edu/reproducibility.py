"""Seeds and threads: what makes the whole room see the same numbers.

Results of floating-point reductions depend on the number of threads torch uses, so every
notebook fixes both the seed and the thread count at its top (taught in ``00_start_here``).
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._checks import check_int, check_seed

__all__ = ["set_seed", "set_threads", "default_threads"]


def default_threads() -> int:
    """The thread count the package uses: ``OMP_NUM_THREADS`` when set, else 1.

    One thread is the default because results differ between 1 and 2 threads and the course's
    models are small enough that a second thread buys little.
    """
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return 1


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count to ``n`` (default: :func:`default_threads`); return it."""
    n = default_threads() if n is None else check_int("n", n, min=1, max=256)
    torch.set_num_threads(n)
    return n


def set_seed(seed: int = 0) -> int:
    """Seed Python's ``random``, NumPy and torch with ``seed``; return it."""
    seed = check_seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    return seed
