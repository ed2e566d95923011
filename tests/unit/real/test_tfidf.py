"""The TF-IDF nearest-centroid baseline (scikit-learn's rule, by hand) and the "±" of per-episode scores."""
from __future__ import annotations

import numpy as np
import pytest

from metamap_edu.real import realdata
from metamap_edu.real import tfidf as F
from metamap_edu.tasks import splits as S


@pytest.fixture(scope="module")
def demo_task(tmp_path_factory):
    path = realdata.write_demo_csv(tmp_path_factory.mktemp("demo") / "intents.csv", n_per_class=20, seed=0)
    return realdata.load_real_task(path)


def test_tfidf_centroid_beats_chance_on_held_out_classes(demo_task):
    ms = S.split_task_by_class(demo_task, 0.2, 0.25, seed=0)
    base = F.TfidfCentroid(ms.train.inputs)
    episodes = S.episode_sampler(ms.test, 5, 3, 4, seed=0).take(20)
    mean, half = F.summarize(F.episode_scores(base.accuracy, episodes))
    assert mean > 0.5 and 0 < half < 0.2  # chance is 0.2


def test_tfidf_rows_are_unit_vectors_and_ignore_unseen_words():
    base = F.TfidfCentroid(["my card is lost", "top up failed"])
    X = base.transform(["my card", "my card and more unseen words", "completely unseen words", ""])
    assert np.allclose(np.linalg.norm(X[:2], axis=1), 1.0)
    assert np.allclose(X[0], X[1])  # words outside the fitted vocabulary change nothing
    assert np.allclose(X[2], 0.0) and np.allclose(X[3], 0.0)  # no known word: the zero vector
    assert base.predict([("lost card", "a"), ("top up", "b")], ["card lost again"]) == ["a"]


def test_tfidf_follows_scikit_learns_smooth_idf_by_hand():
    """idf(w) = ln((1 + n)/(1 + df(w))) + 1 (TfidfVectorizer, smooth_idf=True), raw counts, L2 rows.

    Corpus of n = 3 texts, words only: df(a) = 1, df(b) = 2, df(c) = 3.
    idf(a) = ln(4/2) + 1 = 1.6931471806, idf(b) = ln(4/3) + 1 = 1.2876820725, idf(c) = ln(4/4) + 1 = 1.
    The text "a a b c zzz" has counts (2, 1, 1) and an unseen word; its weights are
    (2 idf(a), idf(b), idf(c)) = (3.3862943611, 1.2876820725, 1.0), of norm 3.7583393434.
    """
    base = F.TfidfCentroid(["a b c", "b c", "c"], bigrams=False)
    assert base.idf.tolist() == pytest.approx([1.6931471806, 1.2876820725, 1.0], abs=1e-9)
    row = base.transform(["a a b c zzz"])[0]
    assert row.tolist() == pytest.approx([3.3862943611 / 3.7583393434, 1.2876820725 / 3.7583393434,
                                          1.0 / 3.7583393434], abs=1e-9)
    # the same rule with bigrams: "a b" occurs in 1 of 3 texts, idf = ln(4/2) + 1; "x a" is unseen
    bi = F.TfidfCentroid(["a b c", "b c", "c"], bigrams=True)
    assert bi.idf[bi.vocab["a b"]] == pytest.approx(1.6931471806, abs=1e-9)
    assert np.allclose(bi.transform(["x a b"]), bi.transform(["a b"]))
    # the course's TF-IDF for the intent world is the same class under another name
    from metamap_edu.experiments import transfer
    texts = ["a a b c zzz", "b zzz", "c c"]
    assert np.array_equal(transfer.VocabularyTfidf(["a b c", "b c", "c"], bigrams=False).transform(texts),
                          base.transform(texts))


def test_summarize():
    """Mean ± the half-width of the 95% Student-t interval (t_{0.975, 3} = 3.182 for four scores)."""
    mean, half = F.summarize([1.0, 0.0, 1.0, 0.0])
    assert mean == 0.5 and half == pytest.approx(3.182 * np.std([1, 0, 1, 0], ddof=1) / 2, rel=1e-3)
    assert F.summarize([0.7])[0] == 0.7 and np.isnan(F.summarize([0.7])[1])
    with pytest.raises(ValueError, match="scores"):
        F.summarize([])
