"""The course's one noise rule: a paired 95% interval that must exclude zero.

Two methods A and B are run on the same n seeds (or the same n episodes). With the paired
differences d_i = a_i − b_i, their mean d̄ and standard deviation s_d,

    d̄ ± t_{0.975, n−1} · s_d / √n          (Student's t, n − 1 degrees of freedom)

is the 95% interval of the true difference. The verdict is

* "helps"  when the whole interval lies above zero,
* "hurts"  when it lies below zero,
* "no measurable difference" otherwise -- which says nothing about "no effect" unless a positive
  control showed that the same budget detects an effect of the size that matters.

Pairing matters: two methods evaluated on the same seed share that seed's luck (the same test
sentences, the same initialisation), so the differences vary far less than either score does.
Notebook 04b (section 5) introduces the rule; notebooks 05-09 and every claim test use it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ._checks import check_float, check_nonempty

__all__ = ["PairedDifference", "paired_difference", "t_quantile_975", "mean_interval",
           "HELPS", "HURTS", "NO_DIFFERENCE"]

HELPS = "helps"
HURTS = "hurts"
NO_DIFFERENCE = "no measurable difference"

# t_{0.975, df} for df = 1..30 (standard tables); larger df use the Cornish-Fisher expansion below.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
         2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
         2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
_Z975 = 1.959963984540054


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (1.96 as df → ∞)."""
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"df must be an int >= 1 (the number of pairs minus one); got {df!r}")
    if df <= len(_T975):
        return _T975[df - 1]
    z, v = _Z975, float(df)
    return (z + (z**3 + z) / (4 * v) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3))


def _finite_list(name: str, values: Sequence[float]) -> list[float]:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of numbers; got a string {values!r}")
    try:
        items = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of numbers; got {type(values).__name__}") from None
    check_nonempty(name, items, "at least one number")
    return [check_float(f"{name}[{i}]", v) for i, v in enumerate(items)]


@dataclass(frozen=True)
class PairedDifference:
    """Mean paired difference A − B with its 95% interval (see the module docstring)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def verdict(self) -> str:
        """``"helps"``, ``"hurts"`` or ``"no measurable difference"`` (A relative to B)."""
        if self.low > 0:
            return HELPS
        if self.high < 0:
            return HURTS
        return NO_DIFFERENCE

    @property
    def excludes_zero(self) -> bool:
        return self.verdict != NO_DIFFERENCE

    def format(self, digits: int = 2) -> str:
        """``"+0.21 [+0.15, +0.27]"``: the mean difference and its 95% interval."""
        def show(v: float) -> str:
            return f"{round(v, digits) or 0.0:+.{digits}f}"     # never "-0.00"
        return f"{show(self.mean)} [{show(self.low)}, {show(self.high)}]"

    def __str__(self) -> str:
        return self.format()


def paired_difference(a: Sequence[float], b: Sequence[float]) -> PairedDifference:
    """The paired difference of two methods' scores on the same seeds or episodes, A − B.

    ``a[i]`` and ``b[i]`` must come from the same seed (or episode). At least two pairs are
    needed: one pair has no spread, so no interval.
    """
    a_, b_ = _finite_list("a", a), _finite_list("b", b)
    if len(a_) != len(b_):
        raise ValueError(f"a and b must be paired scores of the same length; got {len(a_)} and {len(b_)}")
    if len(a_) < 2:
        raise ValueError(f"a and b need at least 2 pairs (seeds or episodes) for an interval; got {len(a_)}")
    return _interval([x - y for x, y in zip(a_, b_)])


def mean_interval(values: Sequence[float]) -> PairedDifference:
    """The mean of ``values`` with its 95% t-interval (one method against zero)."""
    v = _finite_list("values", values)
    if len(v) < 2:
        raise ValueError(f"values needs at least 2 numbers for an interval; got {len(v)}")
    return _interval(v)


def _interval(d: list[float]) -> PairedDifference:
    n = len(d)
    mean = math.fsum(d) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in d) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    return PairedDifference(mean=mean, low=mean - half, high=mean + half, n=n)
