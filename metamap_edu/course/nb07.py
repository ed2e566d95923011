"""Notebook 07, the whole pipeline: an ablation table read with paired differences over seeds.

The check, explorers and figure of ``notebooks/07_the_whole_pipeline``: per-seed differences
:math:`d_s = a_s - b_s` (the start of the noise rule, :func:`metamap_edu.noise.paired_difference`), the
pipeline's switches and the ablation table.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping

import numpy as np

from .._checks import check_sequence, check_type
from ..noise import paired_difference
from .feedback import _call_learner, _close, _failed, _guard_checks, _passed
from .viz import _as_array, _finish, _new_axes
from .widgets import interactive_view, View

__all__ = [
    "check_seed_differences",
    "pipeline_view",
    "pipeline_widget",
    "ablation_view",
    "ablation_widget",
    "plot_ablation",
]


def _seed_table(shift: float, seeds: int, rng) -> dict:
    """A made-up ablation table ``{row: {kind: [score per seed]}}`` whose seeds differ a lot."""
    kinds = ("topic", "NER")
    base = {k: [rng.uniform(0.2, 0.9) for _ in range(seeds)] for k in kinds}
    return {"full": {k: [min(1.0, x + shift + rng.uniform(-0.03, 0.03)) for x in base[k]] for k in kinds},
            "no pull": {k: list(base[k]) for k in kinds},
            "no pretraining": {k: [x * 0.5 for x in base[k]] for k in kinds}}


def check_seed_differences(fn: Callable) -> bool:
    r"""``fn(table, row, kind)`` -> the per-seed differences ``full − row`` for task ``kind``.

    ``table`` has :func:`metamap_edu.experiments.pipeline.ablation`'s layout ``{row: {kind: [score per seed]}}``.
    The paired difference of the noise rule starts here: :math:`d_s = a_s - b_s` for each seed s,
    then their mean and Student-t interval (:func:`metamap_edu.noise.paired_difference`).
    Exercise of ``notebooks/07_the_whole_pipeline``.
    """
    rng = random.Random(11)
    for seeds, row, kind in ((3, "no pull", "topic"), (5, "no pretraining", "NER"), (4, "no pull", "NER")):
        table = _seed_table(0.05, seeds, rng)
        right = [a - b for a, b in zip(table["full"][kind], table[row][kind])]
        ok, got = _call_learner(fn, table, row, kind)
        if not ok:
            return False
        call = f"seed_differences(table, {row!r}, {kind!r})"
        if isinstance(got, (int, float)):
            if _close(got, sum(right) / len(right)):
                return _failed(f"{call} returned one number, the mean difference.",
                               "return one difference per seed; the interval needs all of them.")
            return _failed(f"{call} returned a number; return a list with one difference per seed.")
        try:
            got = [float(x) for x in got]
        except (TypeError, ValueError):
            return _failed(f"{call} returned {got!r:.80}; return a list of numbers, one per seed.")
        if len(got) != len(right):
            return _failed(f"{call} returned {len(got)} numbers for {len(right)} seeds.")
        if all(_close(g, -r, abs_=1e-9) for g, r in zip(got, right)):
            return _failed(f"{call}: every sign is reversed.", "the question is what 'full' adds: full − row.")
        if all(_close(g, r, abs_=1e-9) for g, r in zip(got, right)):
            continue
        unpaired = [a - b for a, b in zip(sorted(table["full"][kind]), sorted(table[row][kind]))]
        if all(_close(g, r, abs_=1e-9) for g, r in zip(got, unpaired)):
            return _failed(f"{call} subtracted the scores after sorting them, which pairs different seeds.",
                           "seed s of one row goes with seed s of the other: same data, same minibatches.")
        return _failed(f"{call} returned {[round(g, 3) for g in got]}; expected {[round(r, 3) for r in right]}.")
    # why pairing matters, on the last table: seeds differ far more than the rows do
    d = paired_difference(table["full"]["NER"], table["no pull"]["NER"])
    return _passed(f"one difference per seed. On the last made-up table the scores vary by "
                   f"{max(table['full']['NER']) - min(table['full']['NER']):.2f} across seeds, yet the paired "
                   f"difference is {d.format(2)}: pairing removes what the seeds share.")


def pipeline_view(table: dict, **switches) -> View:
    """Notebook 07's component toggles: the ablation row whose components match ``switches``.

    ``table`` maps a frozenset of component names switched on to {task name: score}.
    """
    check_type("table", table, dict)
    on = frozenset(k for k, v in switches.items() if v)
    if on not in table:
        raise ValueError(f"no run with components {sorted(on)}; available: {[sorted(k) for k in table]}")
    label = " + ".join(sorted(on)) or "none"
    base = table[frozenset()] if frozenset() in table else None
    rows = {label: table[on]}
    if base is not None and on:
        rows = {"none": base, label: table[on]}
    fig = plot_ablation(rows, title=f"components: {label}")
    text = "; ".join(f"{t}: {s:.3f}" for t, s in table[on].items())
    return View(fig, f"{label} -> {text}")


def pipeline_widget(table: dict, components, on=()):
    """One checkbox per component (those in ``on`` ticked); shows the precomputed :func:`pipeline_view` row."""
    check_type("table", table, dict)
    components = check_sequence("components", components, "a list of component names")
    import ipywidgets as w  # optional front end: only a builder needs it

    components = list(components)
    unknown = [c for c in on if c not in components]
    if unknown:
        raise ValueError(f"on must name components among {components}; got {list(on)!r}")
    controls = {c: w.Checkbox(value=c in on, description=c) for c in components}
    return interactive_view(pipeline_view, controls, table=table)


def ablation_view(row: str, table: dict, chance: dict | None = None) -> View:
    """Notebook 07's ablation: the ``full`` row against ``row``, mean over seeds, with chance lines.

    ``table`` is :func:`metamap_edu.experiments.pipeline.ablation`'s ``{row: {kind: [score per seed]}}``; the
    text gives, per kind, the paired difference full − ``row`` with its 95% interval and verdict
    (:func:`metamap_edu.noise.paired_difference`).
    """
    check_type("table", table, dict, "a dict {row: {kind: [score per seed]}} from pipeline.ablation()")
    if "full" not in table:
        raise ValueError(f"table must hold the row 'full'; it has {list(table)}")
    if row not in table or row == "full":
        raise ValueError(f"row must be one of {[r for r in table if r != 'full']}; got {row!r}")
    def means(r):
        return {k: sum(v) / len(v) for k, v in table[r].items()}

    fig = plot_ablation({"full": means("full"), row: means(row)}, chance=chance,
                        title=f"full pipeline against '{row}' (mean over {len(table['full'][next(iter(table['full']))])} seeds)")
    parts = []
    for kind in table["full"]:
        d = paired_difference(table["full"][kind], table[row][kind])
        parts.append(f"{kind}: {d.verdict}")
    return View(fig, f"full - {row}, per task: " + "; ".join(parts))


def ablation_widget(table: dict, chance: dict | None = None, row: str | None = None):
    """A dropdown of the ablation's rows other than ``full``; shows :func:`ablation_view` for the chosen one."""
    check_type("table", table, dict, "a dict {row: {kind: [score per seed]}} from pipeline.ablation()")
    import ipywidgets as w  # optional front end: only a builder needs it

    options = [r for r in table if r != "full"]
    if not options:
        raise ValueError(f"table needs a row besides 'full' to compare with; it has {list(table)}")
    row = options[0] if row is None else row
    if row not in options:
        raise ValueError(f"row must be one of {options}; got {row!r}")
    controls = {"row": w.Dropdown(options=options, value=row, description="compare with")}
    return interactive_view(ablation_view, controls, table=table, chance=chance)


def plot_ablation(table: Mapping, ax=None, title: str | None = None, chance: float | Mapping | None = None,
                  errors: Mapping | None = None):
    """Grouped bars: ``table`` maps a configuration name to {task name: score}.

    ``chance``: one number for every task, or {task name: chance score}; drawn as a dotted line
    across each task's group of bars, labelled once in the legend. ``errors``
    ({configuration: {task: half-width}}) adds error bars. Notebook 07.
    """
    check_type("table", table, Mapping, "a dict")
    if chance is not None and not isinstance(chance, Mapping):
        chance = float(_as_array("chance", [chance], ndim=1)[0])
    if errors is not None:
        check_type("errors", errors, Mapping, "a dict {configuration: {task name: half-width}}")
    names = list(table)
    columns = list(next(iter(table.values()))) if names else []
    fig, ax = _new_axes(ax, figsize=(max(6, 1.3 * len(columns) + 3) + 2.5, 4))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        vals = [table[name][c] for c in columns]
        err = [errors[name][c] for c in columns] if errors is not None and name in errors else None
        ax.bar(np.arange(len(columns)) + (i - (len(names) - 1) / 2) * width, vals, width, label=name, color=f"C{i}",
               yerr=err, capsize=3 if err is not None else 0)
    if chance is not None:
        first = True
        for j, c in enumerate(columns):
            level = chance.get(c) if isinstance(chance, Mapping) else chance
            if level is None:
                continue
            ax.hlines(float(level), j - 0.45, j + 0.45, colors="black", linestyles=":", lw=1.2,
                      label="chance" if first else None)
            first = False
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, fontsize=8)
    ax.set_xlabel("task (accuracy for topic and sentiment, entity F1 for NER, BLEU / 100 for translation)", fontsize=8)
    ax.set_ylabel("score on held-out examples")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)  # beside the bars
    ax.set_title(title or "held-out score per task")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
