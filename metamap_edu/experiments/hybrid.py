r"""The encoder and the TF-IDF centroid together: a hybrid few-shot classifier, reported as such.

A query's class maximises :math:`w \cos(f_\theta(x), c_k) + (1 - w) \cos(\mathrm{tfidf}(x), \bar t_k)`:
the course encoder's cosine similarity to the class prototype mixed with the TF-IDF centroid's
(:class:`metamap_edu.experiments.VocabularyTfidf`), with the weight :math:`w` chosen on
meta-validation classes (:func:`choose_hybrid_weight`), never on test classes. It is always
reported beside the pure encoder (``bench/real_course_encoder.py``), and it is what practice
often does when labelled data is scarce: keep the lexical baseline and add what the encoder knows.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._checks import check_nonempty, check_probability, check_sequence
from ..real import TfidfCentroid
from .transfer import PROBE_LAYERS, VocabularyTfidf, _check_encoder, _embed, _prototype_similarity, _support_query, _with_prefix

__all__ = ["hybrid_scores", "choose_hybrid_weight"]


def _hybrid_similarities(model, baseline: TfidfCentroid, episodes, prefix, layers) -> list:
    """Per episode: (encoder cosine similarities (Q, N), TF-IDF cosine similarities (Q, N), classes, query labels)."""
    was = model.training
    model.eval()
    out = []
    try:
        for e in episodes:
            support, query = _support_query(e)
            texts = [x for x, _ in support] + [x for x, _ in query]
            z = _embed(model, _with_prefix(texts, prefix), layers)
            ys = [y for _, y in support]
            enc, classes = _prototype_similarity(z[: len(support)], ys, z[len(support) :], "cosine")
            X = baseline._rows(texts, compact=True)  # (S + Q, V) rows of transform(texts), L2-normalised
            idx = np.array([classes.index(y) for y in ys])
            C = np.stack([X[: len(support)][idx == k].mean(0) for k in range(len(classes))])  # (N, V)
            C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
            out.append((enc.double().numpy(), X[len(support) :] @ C.T, classes, [y for _, y in query]))
    finally:
        model.train(was)
    return out


def _hybrid_accuracy(parts, weight: float) -> list[float]:
    out = []
    for enc, tfidf, classes, truth in parts:
        pred = (weight * enc + (1 - weight) * tfidf).argmax(1)
        out.append(sum(classes[i] == y for i, y in zip(pred.tolist(), truth)) / len(truth))
    return out


def hybrid_scores(model, corpus: Sequence[str], episodes: Sequence, weight: float, prefix: str | None = "<lm>",
                  layers: int | None = PROBE_LAYERS, bigrams: bool = True) -> list[float]:
    r"""Query accuracy of the hybrid rule on every episode: class :math:`\arg\max_k w \cos(f_\theta(x), c_k) +
    (1 - w)\cos(\mathrm{tfidf}(x), \bar t_k)`, with :math:`\bar t_k` the (normalised) mean TF-IDF row of
    class k's support examples, TF-IDF fitted on ``corpus`` (:class:`VocabularyTfidf`).
    ``weight`` 1 is the encoder alone (cosine), 0 the TF-IDF centroid alone."""
    _check_encoder("model", model)
    weight = check_probability("weight", weight)
    episodes = check_nonempty("episodes", check_sequence("episodes", episodes), "at least one episode")
    return _hybrid_accuracy(_hybrid_similarities(model, VocabularyTfidf(corpus, bigrams=bigrams), episodes, prefix, layers),
                            weight)


def choose_hybrid_weight(model, corpus: Sequence[str], episodes: Sequence,
                         weights: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
                         prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS,
                         bigrams: bool = True) -> tuple[float, dict]:
    """The ``weight`` of :func:`hybrid_scores` with the best mean accuracy on ``episodes`` (meta-validation
    classes, never the test classes), and the mean accuracy of every candidate. Ties go to the
    candidate nearest 0.5."""
    _check_encoder("model", model)
    weights = [check_probability(f"weights[{i}]", w) for i, w in
               enumerate(check_nonempty("weights", check_sequence("weights", weights), "at least one weight"))]
    episodes = check_nonempty("episodes", check_sequence("episodes", episodes), "at least one episode")
    parts = _hybrid_similarities(model, VocabularyTfidf(corpus, bigrams=bigrams), episodes, prefix, layers)
    by_weight = {w: sum(_hybrid_accuracy(parts, w)) / len(parts) for w in weights}
    best = max(weights, key=lambda w: (by_weight[w], -abs(w - 0.5)))
    return best, by_weight


# ------------------------------------------------------------------------------------------------
# Fine-tuning on the support set
# ------------------------------------------------------------------------------------------------
