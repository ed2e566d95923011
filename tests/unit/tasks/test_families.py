"""Families of generated tasks: sentiment, topic, NER, translation; overlap and polarity conflicts."""
from __future__ import annotations

import pytest

from metamap_edu.tasks import lexicon as L
from metamap_edu.tasks import toy_languages as toy
from metamap_edu.tasks import (
    NER_TAGS,
    TaskFamily,
    ner_task,
    polarity_conflict_rate,
    sentiment_family,
    topic_task,
    translation_family,
    vocabulary_overlap,
)
from metamap_edu.tasks.mapping import MappingTask


def _clf(n_per_class=6, labels=("neg", "pos")):
    return MappingTask("toy", "classification",
                       [(f"sentence {i} of {lab}", lab) for lab in labels for i in range(n_per_class)])



# ---------------------------------------------------------------- families


def test_sentiment_family_defaults():
    fam = sentiment_family(n_per_task=40)
    assert isinstance(fam, TaskFamily) and fam.name == "sentiment"
    assert [t.metadata["domain"] for t in fam] == list(L.DOMAINS)
    assert [t.metadata["domain"] for t in fam.held_out] == list(L.HELD_OUT_DOMAINS)
    assert fam.relatedness == 0.5
    assert fam["movies"] is fam[0] and fam["sentiment/movies"] is fam[0]
    assert fam["music"] is fam.held_out[0]
    for task in list(fam) + list(fam.held_out):
        assert task.kind == "classification" and task.labels == ("negative", "positive")
        assert task.class_counts() == {"negative": 20, "positive": 20}
    with pytest.raises(KeyError):
        fam["opera"]


def test_held_out_domains_never_appear_in_labeled_tasks():
    held_words = {w for d in L.HELD_OUT_DOMAINS
                  for w in L.LEXICON[d].nouns + L.LEXICON[d].positive + L.LEXICON[d].negative}
    labeled = list(sentiment_family(n_per_task=200)) + [topic_task(n_per_class=60), ner_task(300)]
    labeled += list(translation_family(n_per_task=100))
    for task in labeled:
        assert task.metadata.get("domain") not in L.HELD_OUT_DOMAINS
        if task.kind == "classification" and task.name == "topic":
            assert not set(task.labels) & set(L.HELD_OUT_DOMAINS)
        words = {w for x in task.inputs for w in x.split()}
        assert not words & held_words, (task.name, sorted(words & held_words))


def test_held_out_domain_only_when_asked():
    fam = sentiment_family(["movies", "music"], n_per_task=20)
    assert fam.names == ("sentiment/movies", "sentiment/music")
    assert [t.name for t in fam.held_out] == ["sentiment/games"]


def test_relatedness_increases_vocabulary_overlap():
    overlaps = [sentiment_family(n_per_task=150, relatedness=r, seed=0).mean_overlap()
                for r in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert all(a < b for a, b in zip(overlaps, overlaps[1:])), overlaps
    assert overlaps[-1] - overlaps[0] > 0.1


def test_polarity_conflicts_peak_at_intermediate_relatedness():
    rates = {r: polarity_conflict_rate(sentiment_family(n_per_task=150, relatedness=r)) for r in (0.0, 0.25, 0.5, 0.75, 1.0)}
    assert rates[0.0] == 0.0 and rates[1.0] == 0.0
    assert rates[0.5] > rates[0.25] > 0 and rates[0.5] > rates[0.75] > 0
    assert abs(rates[0.5] - 0.25) < 0.05  # expected r (1 - r)
    with pytest.raises(ValueError, match="^family must be a sentiment family"):
        polarity_conflict_rate(translation_family(n_per_task=5))
    with pytest.raises(TypeError, match="^family"):
        polarity_conflict_rate([_clf()])


def test_vocabulary_overlap_bounds():
    fam = sentiment_family(["movies", "books"], n_per_task=30)
    assert vocabulary_overlap(fam[0], fam[0]) == 1.0
    assert 0.0 < vocabulary_overlap(fam[0], fam[1]) < 1.0
    m = fam.overlap_matrix()
    assert m[0][1] == m[1][0]
    with pytest.raises(TypeError, match="^task_b"):
        vocabulary_overlap(fam[0], "movies")
    with pytest.raises(ValueError, match="^task_a"):
        vocabulary_overlap(MappingTask("r", "regression", [((1,), 1)]), fam[0])


def test_topic_ner_translation():
    topic = topic_task(["movies", "cars", "books"], n_per_class=10)
    assert topic.labels == ("books", "cars", "movies")
    assert topic.class_counts() == {"books": 10, "cars": 10, "movies": 10}

    ner = ner_task(50, seed=1)
    assert ner.kind == "tagging" and ner.output_space == NER_TAGS
    assert ner == ner_task(50, seed=1) and ner != ner_task(50, seed=2)

    fam = translation_family(n_per_task=20)
    assert [t.metadata["language"] for t in fam] == list(toy.TARGET_LANGUAGES)
    assert [t.metadata["language"] for t in fam.held_out] == list(toy.HELD_OUT_LANGUAGES)
    for task in fam:
        assert task.kind == "translation" and len(task) == 20
    assert fam["lumo"].name == "translation/lumo"


@pytest.mark.parametrize(
    "call, exc, arg",
    [
        (lambda: sentiment_family(["opera"]), ValueError, "domains"),
        (lambda: sentiment_family("movies"), TypeError, "domains"),
        (lambda: sentiment_family([]), ValueError, "domains"),
        (lambda: sentiment_family(["movies", "movies"]), ValueError, "domains"),
        (lambda: sentiment_family(n_per_task=2), ValueError, "n_per_task"),
        (lambda: sentiment_family(relatedness=1.5), ValueError, "relatedness"),
        (lambda: sentiment_family(relatedness="high"), TypeError, "relatedness"),
        (lambda: sentiment_family(seed="0"), TypeError, "seed"),
        (lambda: sentiment_family(seed=1.0), TypeError, "seed"),
        (lambda: topic_task(["movies"]), ValueError, "domains"),
        (lambda: topic_task(n_per_class=0), ValueError, "n_per_class"),
        (lambda: ner_task(0), ValueError, "n"),
        (lambda: ner_task(seed=None), TypeError, "seed"),
        (lambda: translation_family(["klingon"]), ValueError, "languages"),
        (lambda: translation_family(n_per_task=0), ValueError, "n_per_task"),
        (lambda: TaskFamily("f", []), ValueError, "tasks"),
        (lambda: TaskFamily("f", [1]), TypeError, "tasks[0]"),
        (lambda: TaskFamily("f", [_clf(), _clf()]), ValueError, "tasks"),
        (lambda: TaskFamily("f", [_clf()], relatedness=2), ValueError, "relatedness"),
    ],
)
def test_family_errors_name_the_argument(call, exc, arg):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(arg), str(info.value)

