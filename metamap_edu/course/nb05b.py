r"""Notebook 05b, few-shot text: prototypes, :math:`\hat y = \arg\min_k \|f(x) - c_k\|^2` with :math:`c_k` the mean of class k's support.

The check, episode explorer and figure of ``notebooks/05b_few_shot_text``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from .._checks import check_choice, check_int, check_seed, check_type
from ..experiments import PROBE_LAYERS, VocabularyTfidf
from ..experiments.transfer import _check_encoder, _embed, _prototype_predict, _with_prefix
from ..tasks import episode_sampler, MetaSplit
from .feedback import _call_learner, _failed, _guard_checks, _passed
from .viz import _finish, _new_axes
from .widgets import interactive_view, View

__all__ = ["check_prototype_predict", "few_shot_episode_view", "few_shot_episode_widget", "plot_few_shot_bars"]


def check_prototype_predict(fn: Callable) -> bool:
    r"""``fn(zs, ys, zq)`` -> the class of each query row by the nearest prototype.

    ``zs`` is an (S, C) tensor of support features with labels ``ys`` (a list of S class names),
    ``zq`` a (Q, C) tensor of query features. The prototype of class k is the mean of its support
    rows, :math:`c_k = \frac{1}{|S_k|}\sum_{i: y_i = k} z_i`, and a query goes to
    :math:`\arg\min_k \lVert z - c_k\rVert^2`. The reference is the classifier of
    :func:`metamap_edu.experiments.transfer.protonet_scores`, on fresh features with unequal class sizes.
    Exercise of ``notebooks/05b_few_shot_text``.
    """
    g = torch.Generator().manual_seed(2017)
    for sizes, dim in (((3, 1, 2), 4), ((1, 1, 1, 1, 1), 8), ((5, 2), 3)):
        names = [f"intent_{chr(97 + i)}" for i in range(len(sizes))]
        centres = 2.0 * torch.randn(len(sizes), dim, generator=g, dtype=torch.float64)
        ys = [names[i] for i, n in enumerate(sizes) for _ in range(n)]
        zs = torch.stack([centres[names.index(y)] + torch.randn(dim, generator=g, dtype=torch.float64) for y in ys])
        zq = torch.randn(12, dim, generator=g, dtype=torch.float64) * 2.0
        right = _prototype_predict(zs, ys, zq)
        ok, got = _call_learner(fn, zs.clone(), list(ys), zq.clone())
        if not ok:
            return False
        try:
            got = [str(v) for v in list(got)]
        except TypeError:
            return _failed(f"your function returned a {type(got).__name__}, not a list of class names.")
        if len(got) != len(right):
            return _failed(f"expected one class name per query row ({len(right)}); got {len(got)}.")
        if got == right:
            continue
        if set(got) <= set(range(len(names))) or all(v.isdigit() for v in got):
            return _failed("you returned class indices; return the class names (the values in ys).")
        sums = torch.stack([zs[[i for i, y in enumerate(ys) if y == n]].sum(0) for n in names])
        by_sum = [names[i] for i in torch.cdist(zq, sums).argmin(1).tolist()]
        if got == by_sum and by_sum != right:
            return _failed(f"with support sizes {sizes} your prototypes are sums, not means.",
                           "divide each class's sum by its number of support rows (or use .mean(0)).")
        far = [names[i] for i in torch.cdist(zq, torch.stack([zs[[i for i, y in enumerate(ys) if y == n]].mean(0)
                                                               for n in names])).argmax(1).tolist()]
        if got == far:
            return _failed("you picked the farthest prototype.", "use argmin of the distances, not argmax.")
        wrong = sum(a != b for a, b in zip(got, right))
        return _failed(f"with support sizes {sizes}, {wrong} of {len(right)} queries went to another class than "
                       "the nearest prototype.", "c_k = mean of class k's support rows; pick argmin_k ||z - c_k||.")
    return _passed("your classifier matches ProtoNet's on 3 fresh episodes, with classes of unequal size.")


def _check_episode_inputs(split, encoders, baseline) -> None:
    check_type("split", split, MetaSplit)
    check_type("encoders", encoders, dict, "a dict name -> encoder")
    if not encoders:
        raise ValueError("encoders must hold at least one encoder")
    for name, enc in encoders.items():
        _check_encoder(f"encoders[{name!r}]", enc)
    check_type("baseline", baseline, VocabularyTfidf)


def few_shot_episode_view(k: int, episode: int, split, encoders: dict, baseline, seed: int = 0,
                          n_way: int = 5, n_query: int = 15) -> View:
    """One N-way K-shot episode of ``split.test``: each method's accuracy on it, and what it saw.

    ``encoders`` maps a name to an encoder scored by the frozen ProtoNet probe
    (:func:`metamap_edu.experiments.transfer.protonet_scores`); ``baseline`` is a fitted
    :class:`~metamap_edu.experiments.transfer.VocabularyTfidf`. Episode ``episode`` of seed ``seed``'s stream
    is the one the comparison of notebooks/05b_few_shot_text scored at that K.
    """
    _check_episode_inputs(split, encoders, baseline)
    k = check_int("k", k, min=1, max=50)
    episode = check_int("episode", episode, min=0, max=10_000)
    ep = episode_sampler(split.test, n_way, k, n_query, seed=check_seed("seed", seed)).sample(episode)
    support, query = list(ep.support.examples), list(ep.query.examples)
    texts = [x for x, _ in support] + [x for x, _ in query]
    preds = {}
    for name, enc in encoders.items():
        was = enc.training
        enc.eval()
        try:
            z = _embed(enc, _with_prefix(texts, "<lm>"), PROBE_LAYERS)
        finally:
            enc.train(was)
        preds[name] = _prototype_predict(z[: len(support)], [y for _, y in support], z[len(support):])
    preds["TF-IDF"] = baseline.predict(support, [x for x, _ in query])
    acc = {name: sum(p == y for p, (_, y) in zip(ps, query)) / len(query) for name, ps in preds.items()}

    fig, ax = _new_axes(None, figsize=(6.5, 0.5 * len(acc) + 1.6))
    names = list(acc)
    ax.barh(range(len(names)), [acc[n] for n in names], color=[f"C{i}" for i in range(len(names))])
    ax.axvline(1 / n_way, color="gray", ls=":", lw=1.2, label=f"chance ({1 / n_way:.2f})")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"accuracy on this episode's {len(query)} queries")
    ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.3)
    ax.set_title(f"episode {episode}, {n_way}-way {k}-shot", fontsize=10, loc="right")
    _finish(fig)

    lines = [f"support ({k} per class):"]
    for label in sorted({y for _, y in support}):
        said = [x for x, y in support if y == label][:2]
        lines.append(f"  {label}: " + " | ".join(said) + (" | ..." if k > 2 else ""))
    x, y = query[0]
    lines.append(f"first query: {x!r} (class {y})")
    lines.append("  predicted: " + ", ".join(f"{name} -> {ps[0]}" for name, ps in preds.items()))
    return View(fig, "\n".join(lines))


def few_shot_episode_widget(split, encoders: dict, baseline, seed: int = 0, k: int = 1, episode: int = 0,
                            max_episode: int = 39):
    """A K toggle (1 or 5) and an episode slider over :func:`few_shot_episode_view`."""
    import ipywidgets as w  # optional front end: only a builder needs it

    _check_episode_inputs(split, encoders, baseline)
    seed = check_seed("seed", seed)
    max_episode = check_int("max_episode", max_episode, min=0, max=10_000)
    controls = {
        "k": w.ToggleButtons(options=[1, 5], value=check_choice("k", k, (1, 5)), description="K"),
        "episode": w.IntSlider(value=check_int("episode", episode, min=0, max=max_episode), min=0,
                               max=max_episode, description="episode", continuous_update=False),
    }
    return interactive_view(few_shot_episode_view, controls, split=split, encoders=encoders,
                            baseline=baseline, seed=seed)


def plot_few_shot_bars(results: Mapping, chance: float | None = None, ax=None, title: str | None = None,
                       ylabel: str = "query accuracy on held-out classes", xlabel: str = "method"):
    """Grouped bars with 95% interval whiskers: ``results`` maps a method to {K: (mean, low, high)}.

    One group per method, one bar per K; ``chance`` draws a dotted line. The legend sits outside
    the axes, so it never covers a bar. Taught in notebooks/05b_few_shot_text.
    """
    check_type("results", results, Mapping, "a dict method -> {K: (mean, low, high)}")
    names = list(results)
    if not names:
        raise ValueError("results must hold at least one method")
    ks = sorted({k for by_k in results.values() for k in by_k})
    fig, ax = _new_axes(ax, figsize=(max(6.5, 1.15 * len(names) + 2.5), 4.2))
    width = 0.8 / len(ks)
    for j, k in enumerate(ks):
        xs, means, lows, highs = [], [], [], []
        for i, name in enumerate(names):
            if k in results[name]:
                m, lo, hi = (float(v) for v in results[name][k])
                xs.append(i + (j - (len(ks) - 1) / 2) * width)
                means.append(m)
                lows.append(m - lo)
                highs.append(hi - m)
        ax.bar(xs, means, width * 0.95, yerr=[lows, highs], capsize=3, color=f"C{j}", label=f"K = {k}")
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1.2, label=f"chance ({chance:.2f})")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=8, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_title(title or "5-way few-shot episodes (whiskers: 95% intervals)")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
