r"""Notebook 09, where it stands: the 2 x 2 of routes and their interaction with a paired interval.

The check and figures of ``notebooks/09_where_it_stands``: the interaction
:math:`\frac1n\sum_i[(both_i - pre_i) - (meta_i - scratch_i)]` with its Student-t 95% interval, grouped
accuracies and paired differences.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping

import numpy as np

from .._checks import check_type
from ..experiments import route_interaction
from ..noise import t_quantile_975, _Z975
from .feedback import _call_learner, _close, _failed, _guard_checks, _passed
from .viz import _finish, _new_axes

__all__ = ["check_route_interaction", "plot_grouped_accuracy", "plot_paired_differences"]


def _interval_of(answer):
    """``(mean, low, high)`` from a PairedDifference-like object or a 3-sequence, else ``None``."""
    if all(hasattr(answer, a) for a in ("mean", "low", "high")):
        answer = (answer.mean, answer.low, answer.high)
    try:
        values = [float(v) for v in answer]
    except Exception:  # noqa: BLE001 - any shape error is the learner's
        return None
    return tuple(values) if len(values) == 3 and all(math.isfinite(v) for v in values) else None


def _interaction_cases(scores=None):
    """Synthetic 2 x 2 route scores (one case with only 4 units), then the notebook's own ``scores``."""
    rng = random.Random(9)
    cases = []
    for n, gains in ((4, (0.3, 0.3, 0.1)), (40, (0.35, 0.3, 0.05)), (60, (0.2, 0.1, 0.25))):
        base = [rng.uniform(0.15, 0.3) for _ in range(n)]
        pre = [b + gains[0] + rng.gauss(0, 0.08) for b in base]
        meta = [b + gains[1] + rng.gauss(0, 0.08) for b in base]
        both = [p + gains[2] + rng.gauss(0, 0.05) for p in pre]
        cases.append({"scratch": base, "pretraining only": pre, "meta-learning only": meta, "both": both})
    if scores is not None:
        cases.append({name: list(scores[name]) for name in ("scratch", "pretraining only", "meta-learning only", "both")})
    return cases


def check_route_interaction(fn: Callable, scores=None) -> bool:
    """``fn(scratch, pretrained, meta, both)`` -> (mean, low, high) of the 2 x 2 interaction.

    The reference is :func:`metamap_edu.experiments.routes.route_interaction`: meta-training's gain on top of
    pretraining minus its gain from scratch, unit by unit, with the course's paired 95% interval
    (:func:`metamap_edu.noise.paired_difference`). The check tries synthetic scores (one set
    with only 4 units, where Student's t and 1.96 differ) and, when given, the notebook's ``scores``
    (one entry of :func:`metamap_edu.experiments.route_accuracies`). Exercise of ``notebooks/09_where_it_stands``.
    """
    for case in _interaction_cases(scores):
        want = route_interaction(case)
        args = [case[name] for name in ("scratch", "pretraining only", "meta-learning only", "both")]
        ok, got = _call_learner(fn, *(list(a) for a in args))
        if not ok:
            return False
        got = _interval_of(got)
        n = len(args[0])
        if got is None:
            return _failed("return three numbers (mean, low, high), or what noise.paired_difference returns.")
        mean, low, high = got
        if _close(mean, -want.mean, 1e-6, 1e-9) and not _close(mean, want.mean, 1e-6, 1e-9):
            return _failed(f"on {n} units your mean is {mean:+.4f}; the interaction is {want.mean:+.4f}: the sign is reversed.",
                           "subtract meta-learning's gain from scratch from its gain on top of pretraining.")
        if not _close(mean, want.mean, 1e-6, 1e-9):
            return _failed(f"on {n} units your mean is {mean:+.4f}; the interaction is {want.mean:+.4f}.",
                           "per unit i: (both[i] - pretrained[i]) - (meta[i] - scratch[i]), then the mean.")
        if _close(low, want.low, 1e-6, 1e-9) and _close(high, want.high, 1e-6, 1e-9):
            continue
        half, want_half = (high - low) / 2, (want.high - want.low) / 2
        if _close(half, want_half * _Z975 / t_quantile_975(n - 1), 1e-3, 1e-9):
            return _failed(f"on {n} units your interval is ±{half:.4f}; the paired 95% interval is ±{want_half:.4f}.",
                           "use Student's t with n - 1 degrees of freedom (noise.t_quantile_975), not 1.96: "
                           "with few units they differ.")
        if half > want_half:
            return _failed(f"on {n} units your interval is ±{half:.4f}, wider than the paired ±{want_half:.4f}.",
                           "take the interval of the per-unit interactions themselves (noise.paired_difference of "
                           "the two per-unit gains): pairing removes what a unit's episode does to every route.")
        return _failed(f"on {n} units your interval is [{low:+.4f}, {high:+.4f}]; the paired 95% interval is "
                       f"[{want.low:+.4f}, {want.high:+.4f}].",
                       "mean ± t · s / √n, with s the sample standard deviation (n - 1) of the per-unit interactions.")
    extra = " and on this notebook's scores" if scores is not None else ""
    return _passed(f"you match route_interaction on {len(_interaction_cases())} synthetic sets{extra}: per-unit "
                   "gains, paired, with Student's t.")


def plot_grouped_accuracy(groups: Mapping, chance: float | None = None, ax=None, title: str | None = None,
                          ylabel: str = "query accuracy (mean, 95% interval)"):
    """Grouped bars with 95% intervals: ``groups`` maps a group (e.g. "5-way 1-shot") to
    ``{method: (mean, half_width)}``, the same methods in every group.

    Each value is written *above* its interval's cap, so the two never overlap; the chance line
    is labelled at the left edge, outside the bars. Taught in notebooks/09_where_it_stands.
    """
    check_type("groups", groups, Mapping)
    names = list(groups)
    if not names:
        raise ValueError("groups must hold at least one group of {method: (mean, half_width)}")
    methods = list(groups[names[0]])
    for g in names:
        if list(groups[g]) != methods:
            raise ValueError(f"every group must hold the same methods in the same order; {g!r} has "
                             f"{list(groups[g])}, {names[0]!r} has {methods}")
    fig, ax = _new_axes(ax, figsize=(min(10.0, max(6.0, 0.6 * len(methods) * len(names) + 2.0)), 3.8))
    width = 0.8 / len(methods)
    for i, m in enumerate(methods):
        xs = np.arange(len(names)) + (i - (len(methods) - 1) / 2) * width
        means = [float(groups[g][m][0]) for g in names]
        halves = [float(groups[g][m][1]) if np.isfinite(groups[g][m][1]) else 0.0 for g in names]
        ax.bar(xs, means, width * 0.92, yerr=halves, capsize=3, color=f"C{i}", label=m)
        for x, v, h in zip(xs, means, halves):
            ax.text(x, v + h + 0.015, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1)
        # labelled just outside the right edge of the axes, where no bar can be
        ax.text(1.005, chance, "chance", color="gray", fontsize=7, va="center", ha="left",
                transform=ax.get_yaxis_transform())
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncol=len(methods), loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(title or "few-shot accuracy on held-out classes")
    return _finish(fig)


def plot_paired_differences(diffs: Mapping, ax=None, title: str | None = None,
                            xlabel: str = "difference in query accuracy (paired 95% interval)"):
    """One row per comparison: ``diffs`` maps a label ("both - scratch") to a
    :class:`~metamap_edu.noise.PairedDifference`; a point at the mean, a line over the interval,
    and a line at zero. A row whose interval misses zero is a measured effect (the noise rule).
    Taught in notebooks/09_where_it_stands.
    """
    check_type("diffs", diffs, Mapping)
    labels = list(diffs)
    if not labels:
        raise ValueError("diffs must hold at least one comparison")
    for k in labels:
        if not all(hasattr(diffs[k], a) for a in ("mean", "low", "high")):
            raise TypeError(f"diffs[{k!r}] must be a PairedDifference (noise.paired_difference); got {type(diffs[k]).__name__}")
    fig, ax = _new_axes(ax, figsize=(6.5, 0.42 * len(labels) + 1.4))
    for i, k in enumerate(labels):
        d = diffs[k]
        colour = "C2" if d.low > 0 else "C3" if d.high < 0 else "gray"
        ax.plot([d.low, d.high], [i, i], color=colour, lw=2.5, solid_capstyle="butt")
        ax.plot([d.mean], [i], "o", color=colour, ms=5)
        ax.text(d.high + 0.02, i, f"{d.mean:+.2f}", va="center", fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    lo = min(0.0, *(diffs[k].low for k in labels))
    hi = max(0.0, *(diffs[k].high for k in labels))
    ax.set_xlim(lo - 0.05, hi + 0.12)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or "paired differences (green: helps, red: hurts, gray: no measurable difference)", fontsize=9)
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
