r"""Meta-learning versus pretraining: two routes to fast adaptation, crossed on the same held-out classes.

Taught in ``notebooks/09_where_it_stands`` (sections 2 and 3). A 2 x 2 design on one
TinyTransformer architecture and tokenizer: the starting point is pretrained (the ``intents``
checkpoint, a causal language model of unlabeled documents) or not (the same architecture, fresh
weights), and it is then meta-trained with ProtoNet episodes on the meta-train classes or not.
:func:`metamap_edu.experiments.few_shot.compare_few_shot` runs all four; this module names them as routes:

============================  ===========  ============  ==========================
route                         pretrained   meta-trained  ``compare_few_shot`` method
============================  ===========  ============  ==========================
``scratch``                   no           no            ``scratch``
``pretraining only``          yes          no            ``pretrained``
``meta-learning only``        no           yes           ``meta_scratch``
``both``                      yes          yes           ``meta``
============================  ===========  ============  ==========================

Every route is scored by the frozen ProtoNet probe on the same episodes; the unit of every paired
comparison is one (seed, episode). Whether the routes *add up* is the interaction of the design,

.. math::  \Delta = (\text{both} - \text{pretraining only}) - (\text{meta-learning only} - \text{scratch}),

meta-training's gain on top of pretraining minus its gain from scratch, per unit, with the
course's paired 95% interval: :math:`\Delta \approx 0` means the two gains add,
:math:`\Delta < 0` that they overlap (part of what one route gives, the other gave already),
:math:`\Delta > 0` that each makes the other worth more.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._checks import check_int, check_type
from ..noise import PairedDifference, paired_difference
from ..tasks import MappingTask
from .few_shot import FewShotComparison
from .transfer import VocabularyTfidf, _check_encoder, held_out_episodes, protonet_scores

__all__ = ["ROUTES", "YARDSTICK", "route_accuracies", "route_interaction", "route_scores_on"]

#: The four starting points: route name -> method name of :func:`metamap_edu.experiments.few_shot.compare_few_shot`.
ROUTES = {"scratch": "scratch", "pretraining only": "pretrained",
          "meta-learning only": "meta_scratch", "both": "meta"}
#: The word-matching yardstick scored on the same episodes: its name here -> method name.
YARDSTICK = {"TF-IDF centroid": "tfidf"}


def _check_comparison(comparison) -> None:

    check_type("comparison", comparison, FewShotComparison)
    missing = [m for m in ROUTES.values() if m not in comparison.methods]
    if missing:
        raise ValueError(f"comparison must include the methods {list(ROUTES.values())}; it lacks {missing}")


def route_accuracies(comparison, k: int) -> dict[str, list[float]]:
    """``{route: [accuracy per (seed, episode)]}`` at ``k`` shots, from a ``compare_few_shot`` result.

    The four :data:`ROUTES`, plus ``"TF-IDF centroid"`` when the comparison scored ``tfidf``; every
    list is in the comparison's (seed, episode) order, so any two are paired.
    """
    _check_comparison(comparison)
    names = {**ROUTES, **{n: m for n, m in YARDSTICK.items() if m in comparison.methods}}
    out = {name: comparison.accuracies(method, k) for name, method in names.items()}
    units = {comparison.units[(m, k)] for m in names.values()}
    if len(units) != 1:
        raise ValueError("the routes were scored on different (seed, episode) units; compare probes only")
    return out


def route_interaction(scores: Mapping[str, Sequence[float]]) -> PairedDifference:
    """Meta-training's gain on top of pretraining minus its gain from scratch, paired unit by unit.

    ``(both - pretraining only) - (meta-learning only - scratch)`` with its 95% interval
    (see the module docstring); ``scores`` maps the four route names to per-unit accuracies in
    the same unit order (what :func:`route_accuracies` returns).
    """
    check_type("scores", scores, Mapping)
    missing = sorted(set(ROUTES) - set(scores))
    if missing:
        raise ValueError(f"scores lacks the routes {missing}; pass what route_accuracies returns")
    lengths = {len(scores[r]) for r in ROUTES}
    if len(lengths) != 1:
        raise ValueError(f"the four routes must be scored on the same units; got lengths {sorted(lengths)}")
    on_top = [b - p for b, p in zip(scores["both"], scores["pretraining only"])]
    alone = [m - s for m, s in zip(scores["meta-learning only"], scores["scratch"])]
    return paired_difference(on_top, alone)


def route_scores_on(comparison, pretrained, test_task, k_shot: int, episodes: int, n_way: int = 5,
                    n_query: int = 15, tfidf=None) -> dict[str, list[float]]:
    """The routes of ``comparison`` (run with ``keep_models=True``) scored on *other* held-out
    episodes: ``episodes`` N-way K-shot episodes of ``test_task`` per seed, drawn with that seed.

    ``pretrained`` is the encoder the comparison started from (it is not kept in
    ``comparison.models``). Nothing is trained again: this only re-reads the four starting points
    with the frozen ProtoNet probe (:func:`metamap_edu.experiments.transfer.protonet_scores`), e.g. on the
    classes of one held-out domain. ``tfidf`` (a fitted ``VocabularyTfidf``) adds the yardstick.
    """

    _check_comparison(comparison)
    _check_encoder("pretrained", pretrained)
    check_type("test_task", test_task, MappingTask)
    k_shot = check_int("k_shot", k_shot, min=1)
    episodes = check_int("episodes", episodes, min=1)
    if tfidf is not None:
        check_type("tfidf", tfidf, VocabularyTfidf)
    kept = {m for m, _ in comparison.models}
    if not {"scratch", "meta", "meta_scratch"} <= kept:
        raise ValueError("comparison holds no trained models; run compare_few_shot with keep_models=True")
    out: dict[str, list[float]] = {name: [] for name in ROUTES}
    if tfidf is not None:
        out["TF-IDF centroid"] = []
    for s in comparison.seeds:
        eps = held_out_episodes(test_task, n_way, k_shot, n_query, episodes, seed=s)
        for name, method in ROUTES.items():
            model = pretrained if method == "pretrained" else comparison.models[(method, s)]
            out[name] += protonet_scores(model, eps)
        if tfidf is not None:
            out["TF-IDF centroid"] += [float(tfidf.accuracy(e)) for e in eps]
    return out
