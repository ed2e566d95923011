"""Seeds and threads: what makes the whole room see the same numbers.

Results of floating-point reductions depend on the number of threads torch uses, so every
notebook fixes both the seed and the thread count at its top (taught in ``00_start_here``).
"""
from __future__ import annotations

import os
import random
import warnings

import numpy as np
import psutil
import torch

from ._checks import check_int, check_seed, check_type

__all__ = ["set_seed", "set_threads", "default_threads", "free_cores", "report_threads"]


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


def free_cores() -> float:
    """About how many CPU cores are idle now: the core count minus the 1-minute load average.

    The load average counts the processes running or waiting to run, this one included, so a
    process that has not started its heavy work yet sees what everyone else is using.
    """
    cores = psutil.cpu_count(logical=True) or 1
    try:
        load = psutil.getloadavg()[0]
    except (AttributeError, OSError):  # a platform without a load average
        load = psutil.cpu_percent(interval=0.2) / 100.0 * cores
    return max(0.0, cores - load)


def report_threads(where: str = "metamap_edu", n: int | None = None) -> str:
    """One line saying how many torch threads ``where`` uses, printed and returned; warns when
    that exceeds the cores that are free.

    Threads beyond the free cores do not add speed: they wait for each other at every
    reduction, and a meta-training loop of small matrices can run several times slower with
    two threads on a busy two-core machine than with one. ``n`` defaults to
    ``torch.get_num_threads()``.
    """
    check_type("where", where, str)
    n = torch.get_num_threads() if n is None else check_int("n", n, min=1, max=256)
    cores = psutil.cpu_count(logical=True) or 1
    free = free_cores()
    line = f"{where}: {n} torch thread(s); {cores} core(s), about {free:.1f} free"
    print(line, flush=True)
    if n > 1 and n > round(free):
        warnings.warn(
            f"{where} uses {n} torch threads but only about {free:.1f} of {cores} cores are free; "
            f"threads that wait for a core slow small models down: use one (--threads 1, or OMP_NUM_THREADS=1)",
            RuntimeWarning,
            stacklevel=2,
        )
    return line
