r"""Notebook 08, real models and real data: split by class, and a ProtoNet as a linear layer.

The checks and figures of ``notebooks/08_real_models_and_real_data``: a class-disjoint split, the
prototype head :math:`W = 2c_k`, :math:`b = -\|c_k\|^2` (so logits are :math:`-\|x - c_k\|^2 + \|x\|^2`),
method comparisons and class counts.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from .._checks import check_type
from .feedback import _call_learner, _failed, _guard_checks, _passed
from .viz import _finish, _new_axes

__all__ = ["check_class_split", "check_prototype_head", "plot_method_comparison", "plot_class_counts"]


def check_class_split(fn: Callable) -> bool:
    """``fn(labels, n_test, seed) -> (train_labels, test_labels)`` must split *classes*, disjointly."""
    labels = [f"intent_{i:02d}" for i in range(12)]
    ok, out = _call_learner(fn, list(labels), 3, 0)
    if not ok:
        return False
    try:
        train, test = (list(part) for part in out)
    except Exception:  # noqa: BLE001 - any shape error is the learner's
        return _failed("return two lists: (train_labels, test_labels).")
    if len(test) != 3:
        return _failed(f"asked for 3 test classes, got {len(test)}.")
    leak = sorted(set(train) & set(test))
    if leak:
        return _failed(f"{leak} are in both parts: a test class leaked into meta-training.",
                       "pick the test classes first, then give every *other* label to training.")
    if sorted(set(train) | set(test)) != labels:
        missing = sorted(set(labels) - set(train) - set(test))
        return _failed(f"labels {missing} are in neither part.", "every label goes to exactly one part.")
    ok2, again = _call_learner(fn, list(reversed(labels)), 3, 0)
    if not ok2 or sorted(list(again)[1]) != sorted(test):
        return _failed("the split depends on the order of the input labels.",
                       "sort the labels before shuffling them with random.Random(seed).")
    return _passed("disjoint, complete and reproducible: no test class can be seen in meta-training.")


def check_prototype_head(W, b, protos) -> bool:
    """A ProtoNet written as a linear layer: W = 2 c_k, b = -||c_k||^2 (so logits = -||x - c_k||^2 + ||x||^2)."""
    protos = np.asarray(protos, dtype=float)
    try:
        W = np.asarray(W, dtype=float)
        b = np.asarray(b, dtype=float)
    except Exception:  # noqa: BLE001
        return _failed("W and b must be arrays of numbers.")
    if W.shape != protos.shape or b.shape != (protos.shape[0],):
        return _failed(f"W must have shape {protos.shape} and b shape ({protos.shape[0]},); got {W.shape} and {b.shape}.")
    if np.allclose(W, protos) and np.allclose(b, -0.5 * (protos**2).sum(1)):
        return _passed("that is the same classifier at half scale (s = 1); ProtoNet's logits use s = 2: W = 2c, b = -||c||^2.")
    if np.allclose(W, 2 * protos) and np.allclose(b, -(protos**2).sum(1)):
        return _passed("-||x - c_k||^2 = 2 c_k.x - ||c_k||^2 - ||x||^2, and ||x||^2 is the same for every class.")
    if np.allclose(W, 2 * protos):
        return _failed("W is right; b is not.", "expand -||x - c||^2 and keep the term that depends on c only.")
    return _failed("W is not 2 c_k.", "expand -||x - c||^2 = -||x||^2 + 2 c.x - ||c||^2; the part linear in x gives W.")


def plot_method_comparison(results: Mapping, ax=None, title: str | None = None, chance: float | None = None):
    """Horizontal bars with 95% intervals: ``results`` maps a method name to ``(mean, half_width)``.

    Taught in notebooks/08_real_models_and_real_data (few-shot accuracy on held-out classes).
    """
    check_type("results", results, Mapping)
    names = list(results)
    fig, ax = _new_axes(ax, figsize=(6.5, 0.6 * len(names) + 1.7))
    means = [float(results[n][0]) for n in names]
    halves = [0.0 if not np.isfinite(results[n][1]) else float(results[n][1]) for n in names]
    ax.barh(range(len(names)), means, xerr=halves, color=[f"C{i}" for i in range(len(names))], capsize=4,
            height=0.6, error_kw={"elinewidth": 1.2, "ecolor": "black"})
    for i, (m, h) in enumerate(zip(means, halves)):
        # the value sits inside its bar, at the base, far from the error bar at the tip; a bar
        # too short to hold it gets the label right of its error bar instead
        if m - h >= 0.16:
            ax.text(0.015, i, f"{m:.2f}", va="center", ha="left", fontsize=9, color="white", fontweight="bold")
        else:
            ax.text(m + h + 0.015, i, f"{m:.2f}", va="center", ha="left", fontsize=9)
    if chance is not None:
        # a labelled line, its label above the top bar so that it never sits on one
        ax.axvline(chance, color="black", ls=":", lw=1.2)
        ax.text(chance, 1.0, " chance", transform=blended_transform_factory(ax.transData, ax.transAxes),
                va="bottom", ha="center", fontsize=8)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("query accuracy (mean over episodes, 95% interval)")
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or "few-shot accuracy on held-out classes", pad=14 if chance is not None else 6)
    return _finish(fig)


def plot_class_counts(counts: Mapping, roles: Mapping | None = None, ax=None, title: str | None = None):
    """Bars of examples per class, coloured by meta-train / meta-val / meta-test role when given."""
    check_type("counts", counts, Mapping)
    labels = list(counts)
    colours = {"train": "C0", "val": "C1", "test": "C3"}
    fig, ax = _new_axes(ax, figsize=(max(6, 0.3 * len(labels) + 2) + 1.2, 3.6))
    col = [colours.get((roles or {}).get(lab, ""), "C0") for lab in labels]
    ax.bar(range(len(labels)), [counts[lab] for lab in labels], color=col)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=70, ha="right", fontsize=7)
    ax.set_ylabel("examples")
    if roles:
        present = [r for r in colours if r in set(roles.values())]
        handles = [Patch(facecolor=colours[r], label=f"meta-{r}") for r in present]
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_title(title or "examples per class")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
