r"""The sentiment stream of notebooks 03-04: forgetting, and the stability-plasticity trade-off.

A fresh bag-of-words classifier is trained on generated sentiment domains in order
(:class:`metamap_edu.learn.SequentialTrainer`), each task t with formula 2,

.. math:: \min_\theta \; L_t(\theta) + \lambda \lVert \theta - \theta_{t-1} \rVert^2

(or the article's pull, EWC, L2-SP), and scored on every domain after each one.
:func:`stability_plasticity` sweeps the strength λ (or β) and reports ACC, BWT, FWT and forgetting.

Taught in notebooks/03_a_stream_of_tasks, 04_staying_close_the_l2_bridge and
04b_the_articles_pull_repaired (tests/course/test_nb04_l2_bridge.py asserts on these runs).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_nonempty, check_seed, check_sequence
from ..learn import Regularizer, SequentialResult, SequentialTrainer, make_regularizer
from ..models import BagOfWordsClassifier
from ..reproducibility import set_seed
from ..tasks import sentiment_family

__all__ = ["run_sentiment_stream", "stability_plasticity", "STREAM_DOMAINS", "STREAM_DEFAULTS"]


#: The stream of notebooks 03-04: four domains in an order where the domain-dependent words
#: ("long", "quiet", "cold", ...) flip polarity from one task to the next, so a bag of words forgets.
STREAM_DOMAINS = ("electronics", "movies", "cars", "sports")
STREAM_DEFAULTS = dict(optimizer="adam", lr=0.05, steps_per_task=100, batch_size=32, ngrams=1, mark_scope=True,
                       n_per_task=400, relatedness=0.5)


def run_sentiment_stream(
    regularizer: str | Regularizer | None = None,
    strength: float | None = None,
    *,
    domains: Sequence[str] | None = STREAM_DOMAINS,
    n_per_task: int = STREAM_DEFAULTS["n_per_task"],
    relatedness: float = STREAM_DEFAULTS["relatedness"],
    optimizer: str = STREAM_DEFAULTS["optimizer"],
    lr: float = STREAM_DEFAULTS["lr"],
    steps_per_task: int = STREAM_DEFAULTS["steps_per_task"],
    batch_size: int = STREAM_DEFAULTS["batch_size"],
    test_fraction: float = 0.25,
    ngrams: int = STREAM_DEFAULTS["ngrams"],
    mark_scope: bool = STREAM_DEFAULTS["mark_scope"],
    seed: int = 0,
    family: Sequence[Any] | None = None,
    progress: bool = False,
) -> SequentialResult:
    """Sequential training of a bag-of-words classifier over the generated sentiment domains.

    The stream is ``metamap_edu.tasks.families.sentiment_family(domains, n_per_task, relatedness, seed)``
    (or ``family`` if given), each task split into train/test (``test_fraction``, stratified); a
    fresh :class:`~metamap_edu.models.BagOfWordsClassifier` (``ngrams``, ``mark_scope``;
    initialised from ``seed``) is trained on the domains in order and scored on every domain's
    test split after each one. Defaults (:data:`STREAM_DEFAULTS`): Adam, lr 0.05, 100 steps of 32
    examples per task, 400 sentences per domain, domains :data:`STREAM_DOMAINS`. About 1-2 s.

    Scale of λ: the data loss of a mean bag of words has tiny curvature per weight (each word is
    1/m of a sentence and appears in few sentences), so λ ≈ 1e-4 is already a moderate pull and
    λ ≈ 1e-2 freezes the model -- the closed form's h/(h + λ) in action.
    ``regularizer``: ``None``/``"none"``, ``"l2"`` (strength = λ), ``"pull"`` (β), ``"ewc"`` (λ),
    ``"l2init"`` (λ), or a :class:`Regularizer` instance. Returns a :class:`SequentialResult`.
    Taught in notebooks/03_a_stream_of_tasks and 04_staying_close_the_l2_bridge.
    """
    seed = check_seed("seed", seed)
    reg = make_regularizer(regularizer, strength)
    if family is None:
        family = sentiment_family(domains=domains, n_per_task=n_per_task, relatedness=relatedness, seed=seed)
    family = list(family)
    check_nonempty("family", family, "at least one task")
    splits = [t.train_test_split(test_fraction=test_fraction, seed=seed) for t in family]
    train_tasks = [s[0] for s in splits]
    test_tasks = [s[1] for s in splits]
    set_seed(seed)
    model = BagOfWordsClassifier.for_tasks(train_tasks, ngrams=ngrams, mark_scope=mark_scope)
    trainer = SequentialTrainer(model, reg, optimizer=optimizer, lr=lr, steps_per_task=steps_per_task,
                                batch_size=batch_size, seed=seed, progress=progress)
    return trainer.run(train_tasks, test_tasks)


def stability_plasticity(
    values: Sequence[float],
    regularizer: str = "l2",
    seeds: Sequence[int] = (0,),
    **stream_kwargs: Any,
) -> dict[str, np.ndarray]:
    """ACC, BWT, FWT, forgetting and last-task score of :func:`run_sentiment_stream` against strength.

    Returns ``{"values": (V,), "acc": (V,), "bwt": (V,), "fwt": (V,), "forgetting": (V,), "last": (V,)}``,
    each averaged over ``seeds`` (per-seed arrays under ``"<name>_per_seed"``, shape (S, V)).
    Taught in notebooks/04_staying_close_the_l2_bridge and notebooks/04b_the_articles_pull_repaired.
    """
    values = check_sequence("values", values, "a list of numbers")
    seeds = check_sequence("seeds", seeds, "a list of int seeds")
    values = [float(v) for v in check_nonempty("values", list(values), "at least one strength")]
    seeds = list(check_nonempty("seeds", list(seeds), "at least one seed"))
    names = ("acc", "bwt", "fwt", "forgetting", "last")
    table = {n: np.zeros((len(seeds), len(values))) for n in names}
    for si, s in enumerate(seeds):
        for vi, v in enumerate(values):
            m = run_sentiment_stream(regularizer if v > 0 else None, v, seed=s, **stream_kwargs).metrics()
            for n in names:
                table[n][si, vi] = m[n]
    out: dict[str, np.ndarray] = {"values": np.array(values)}
    for n in names:
        out[n] = table[n].mean(axis=0)
        out[n + "_per_seed"] = table[n]
    return out
