"""The yardstick for real data: a TF-IDF nearest-centroid classifier, in plain numpy.

Taught in ``notebooks/08_real_models_and_real_data`` (section 5). Every learned encoder of the
course is held against it. The rule (:data:`TFIDF_RULE`) is scikit-learn's ``TfidfVectorizer``
with its defaults:

.. math::  \\mathrm{tfidf}(w, x) = \\mathrm{tf}(w, x)\\,\\Big(\\ln\\frac{1 + n}{1 + \\mathrm{df}(w)} + 1\\Big),

words outside the fitted vocabulary ignored, rows L2-normalised; a query goes to the class whose
mean support vector is nearest in cosine. :func:`episode_scores` scores a method on each episode
and :func:`summarize` gives the mean and the half-width of its 95% interval (the course's one
noise rule, :func:`metamap_edu.noise.mean_interval`).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from .._checks import _show, check_float, check_nonempty, check_sequence, check_type
from ..models import word_tokenize
from ..noise import mean_interval

__all__ = ["TFIDF_RULE", "TfidfCentroid", "episode_scores", "summarize"]

TFIDF_RULE = ("scikit-learn's TfidfVectorizer rule: idf(w) = ln((1 + n)/(1 + df(w))) + 1, "
              "words outside the fitted vocabulary ignored, rows L2-normalised")
"""The TF-IDF baseline's convention in one line, printed wherever its score is reported."""


class TfidfCentroid:
    r"""TF-IDF vectors and a nearest-centroid (cosine) classifier, in numpy, with scikit-learn's convention.

    .. math::  \mathrm{tfidf}(w, x) = \mathrm{tf}(w, x)\,\Big(\ln\frac{1 + n}{1 + \mathrm{df}(w)} + 1\Big)

    for every feature ``w`` (a word, and a word bigram when ``bigrams``) of the vocabulary fitted on
    the background ``corpus`` of ``n`` texts, ``df(w)`` the number of those texts containing it and
    ``tf(w, x)`` its count in ``x``. A feature outside that vocabulary gets weight 0 (it is ignored),
    and every row is L2-normalised. This is the rule of scikit-learn's ``TfidfVectorizer`` with its
    defaults (``smooth_idf=True``, ``sublinear_tf=False``, ``norm="l2"``); only the tokenizer
    differs (:func:`metamap_edu.models.tokenizers.word_tokenize`: lower case, words and single punctuation
    marks). A text with no known feature is the zero vector.

    A query goes to the class whose mean support vector has the largest cosine similarity. The IDF
    is fitted on a background corpus (e.g. the meta-train utterances: never the test classes'
    queries). Taught in ``notebooks/08_real_models_and_real_data`` (section 5).
    """

    def __init__(self, corpus: Sequence[str], bigrams: bool = True):
        corpus = check_nonempty("corpus", check_sequence("corpus", corpus, "a list of str"), "at least one text")
        for t in corpus:
            check_type("corpus", t, str, "a list of str")
        self.bigrams = bool(bigrams)
        df: Counter = Counter()
        for text in corpus:
            df.update(set(self._features(text)))
        self.vocab = {w: i for i, w in enumerate(sorted(df))}
        n = len(corpus)
        self.idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in sorted(df)], dtype=np.float64)

    def _features(self, text: str) -> list[str]:
        words = word_tokenize(text)
        return words + ([a + " " + b for a, b in zip(words, words[1:])] if self.bigrams else [])

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """(N, V) L2-normalised TF-IDF rows, one column per vocabulary feature (``self.vocab`` order).

        Features outside the vocabulary are ignored, as scikit-learn's ``transform`` does.
        """
        return self._rows(texts, compact=False)

    def _rows(self, texts: Sequence[str], compact: bool) -> np.ndarray:
        """The rows of :meth:`transform`; ``compact`` keeps only the columns that occur in ``texts``
        (the others are zero in every row, so cosine similarities are the same, and far cheaper)."""
        texts = list(texts)
        feats = [Counter(f for f in self._features(t) if f in self.vocab) for t in texts]
        columns = sorted({w for f in feats for w in f}) if compact else list(self.vocab)
        index = {w: j for j, w in enumerate(columns)}
        idf = np.array([self.idf[self.vocab[w]] for w in columns], dtype=np.float64)
        X = np.zeros((len(texts), len(columns)), dtype=np.float64)
        for r, f in enumerate(feats):
            for w, c in f.items():
                X[r, index[w]] = c
        X *= idf
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        return X / np.where(norms == 0, 1.0, norms)

    def predict(self, support: Sequence[tuple[str, str]], query_texts: Sequence[str]) -> list[str]:
        support = list(support)
        X = self._rows([x for x, _ in support] + list(query_texts), compact=True)
        S, Q = X[: len(support)], X[len(support) :]
        classes = sorted({y for _, y in support})
        ys = np.array([classes.index(y) for _, y in support])
        C = np.stack([S[ys == k].mean(0) for k in range(len(classes))])
        C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
        return [classes[i] for i in (Q @ C.T).argmax(1)]

    def accuracy(self, episode) -> float:
        """Query accuracy on an ``Episode`` (or a ``(support, query)`` pair)."""
        support, query = (episode.support, episode.query) if hasattr(episode, "support") else episode
        pred = self.predict(list(support), [x for x, _ in query])
        return float(np.mean([p == y for p, (_, y) in zip(pred, query)]))


def episode_scores(score: Callable, episodes: Sequence) -> list[float]:
    """``[score(episode) for episode in episodes]`` as floats (a method's accuracy on each episode)."""
    if not callable(score):
        raise TypeError(f"score must be a function episode -> accuracy; got {_show(score)}")
    return [float(score(e)) for e in check_nonempty("episodes", check_sequence("episodes", episodes, "a list of Episodes"), "at least one episode")]


def summarize(scores: Sequence[float]) -> tuple[float, float]:
    """(mean, half-width of its 95% interval) of per-episode scores: the "±" the course prints.

    The interval is the course's one noise rule for a mean (:func:`metamap_edu.noise.mean_interval`,
    Student t): mean ± t_{0.975, n-1} s / sqrt(n). One score has no interval (half-width NaN).
    """
    scores = check_nonempty("scores", check_sequence("scores", scores, "a list of numbers"))
    s = [check_float(f"scores[{i}]", v) for i, v in enumerate(scores)]
    if len(s) < 2:
        return float(s[0]), float("nan")
    r = mean_interval(s)
    return float(r.mean), float(r.high - r.mean)
