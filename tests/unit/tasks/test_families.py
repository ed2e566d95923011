"""MappingTask, splits, families, episodes, and the validation of every public function."""
from __future__ import annotations

import math

import pytest

from metamap_edu.tasks import language as L
from metamap_edu.tasks.families import (
    KINDS,
    NER_TAGS,
    Episode,
    EpisodeSampler,
    MappingTask,
    TaskFamily,
    ner_task,
    sample_episode,
    sentiment_family,
    topic_task,
    polarity_conflict_rate,
    translation_family,
    vocabulary_overlap,
)


def _clf(n_per_class=6, labels=("neg", "pos")):
    return MappingTask("toy", "classification",
                       [(f"sentence {i} of {lab}", lab) for lab in labels for i in range(n_per_class)])


# ---------------------------------------------------------------- MappingTask


def test_four_kinds():
    assert KINDS == ("classification", "tagging", "translation", "regression")
    clf = MappingTask("s", "classification", [("great food", "positive"), ("cold soup", "negative")],
                      metadata={"family": "sentiment"})
    assert clf.labels == ("negative", "positive") == clf.output_space
    assert clf.inputs == ["great food", "cold soup"] and clf.outputs == ["positive", "negative"]
    assert len(clf) == 2 and list(clf) == [("great food", "positive"), ("cold soup", "negative")]
    assert clf.metadata == {"family": "sentiment"}
    assert clf.class_counts() == {"negative": 1, "positive": 1}

    tag = MappingTask("t", "tagging", [("anna visited paris", ["B-PER", "O", "B-LOC"])])
    assert tag.examples[0][1] == ("B-PER", "O", "B-LOC")
    assert tag.output_space == ("B-LOC", "B-PER", "O")

    tr = MappingTask("tr", "translation", [("the dog", "ka lumo"), ("a cat", "te miro")])
    assert tr.output_space == ("ka", "lumo", "miro", "te")

    reg = MappingTask("r", "regression", [((1, 2), 3), ((0.5, 1.0), (2.0,))])
    assert reg.examples == (((1.0, 2.0), (3.0,)), ((0.5, 1.0), (2.0,)))
    assert reg.output_space == ()
    X, Y = reg.tensors()
    assert tuple(X.shape) == (2, 2) and tuple(Y.shape) == (2, 1)
    assert str(X.dtype) == "torch.float32"
    for task in (clf, tag, tr, reg):
        assert set(task.shapes()) == {"x", "y"}
        assert "MappingTask(" in repr(task)
    with pytest.raises(AttributeError, match="labels"):
        _ = tag.labels


def test_equality_and_metadata_copy():
    a, b = _clf(), _clf()
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    md = a.metadata
    md["x"] = 1
    assert "x" not in a.metadata


@pytest.mark.parametrize(
    "kwargs, exc, arg",
    [
        (dict(name="", kind="classification", examples=[("a", "x"), ("b", "y")]), ValueError, "name"),
        (dict(name=3, kind="classification", examples=[("a", "x"), ("b", "y")]), TypeError, "name"),
        (dict(name="t", kind="summarization", examples=[("a", "x")]), ValueError, "kind"),
        (dict(name="t", kind="classification", examples=[]), ValueError, "examples"),
        (dict(name="t", kind="classification", examples="abc"), TypeError, "examples"),
        (dict(name="t", kind="classification", examples=[("a", "x", "z")]), TypeError, "examples[0]"),
        (dict(name="t", kind="classification", examples=[("a", "x"), ("b", 1)]), TypeError, "examples[1]"),
        (dict(name="t", kind="classification", examples=[("a", "x"), ("b", " ")]), ValueError, "examples[1]"),
        (dict(name="t", kind="classification", examples=[("", "x"), ("b", "y")]), ValueError, "examples[0]"),
        (dict(name="t", kind="classification", examples=[("a", "x"), ("b", "x")]), ValueError, "examples"),
        (dict(name="t", kind="classification", examples=[("a", "x"), ("b", "y")], output_space=["x"]),
         ValueError, "output_space"),
        (dict(name="t", kind="classification", examples=[("a", "x"), ("b", "y")], output_space=["x", "y", "x"]),
         ValueError, "output_space"),
        (dict(name="t", kind="classification", examples=[("a", "x"), ("b", "y")], metadata=[1]), TypeError, "metadata"),
        (dict(name="t", kind="tagging", examples=[("anna left", ("B-PER",))]), ValueError, "examples[0]"),
        (dict(name="t", kind="tagging", examples=[("anna left", "B-PER O")]), TypeError, "examples[0]"),
        (dict(name="t", kind="translation", examples=[("the dog", "")]), ValueError, "examples[0]"),
        (dict(name="t", kind="regression", examples=[((1, 2), 3), ((1,), 3)]), ValueError, "examples[1]"),
        (dict(name="t", kind="regression", examples=[((1, math.nan), 3)]), ValueError, "examples[0]"),
        (dict(name="t", kind="regression", examples=[(("a",), 3)]), TypeError, "examples[0]"),
        (dict(name="t", kind="regression", examples=[((1,), 3)], output_space=("x",)), ValueError, "output_space"),
    ],
)
def test_mapping_task_validation(kwargs, exc, arg):
    with pytest.raises(exc) as info:
        MappingTask(**kwargs)
    assert str(info.value).startswith(arg), str(info.value)


def test_single_class_task_is_refused():
    with pytest.raises(ValueError, match="at least two different labels"):
        MappingTask("one", "classification", [("a", "x"), ("b", "x")])


# ---------------------------------------------------------------- subset / split


def test_subset():
    task = _clf()
    sub = task.subset([0, 7])
    assert sub.examples == (task[0], task[7]) and sub.output_space == task.output_space
    for bad, exc in (([], ValueError), ([99], ValueError), ("01", TypeError), ([1.0], TypeError)):
        with pytest.raises(exc) as info:
            task.subset(bad)
        assert str(info.value).startswith("indices")


def test_split_classification_k_per_class():
    task = sentiment_family(["movies"], n_per_task=60)[0]
    support, query = task.split(k_shot=5, n_query=7, seed=1)
    assert support.class_counts() == {"negative": 5, "positive": 5}
    assert query.class_counts() == {"negative": 7, "positive": 7}
    assert not set(support.examples) & set(query.examples)
    assert support.metadata["split"] == "support" and query.metadata["split"] == "query"
    assert task.split(5, 7, seed=1) == (support, query)
    assert task.split(5, 7, seed=2) != (support, query)
    _, rest = task.split(5, None, seed=1)
    assert len(rest) == 60 - 10


def test_split_other_kinds_count_examples():
    task = ner_task(40)
    support, query = task.split(3, 5, seed=0)
    assert len(support) == 3 and len(query) == 5
    assert not set(support.examples) & set(query.examples)


@pytest.mark.parametrize(
    "args, exc, arg",
    [
        ((7, 1), ValueError, "k_shot"),       # only 6 per class
        ((0, 1), ValueError, "k_shot"),
        ((1.5, 1), TypeError, "k_shot"),
        ((2, 0), ValueError, "n_query"),
        ((2, 2, "0"), TypeError, "seed"),
        ((2, 2, -1), ValueError, "seed"),
    ],
)
def test_split_errors(args, exc, arg):
    with pytest.raises(exc) as info:
        _clf().split(*args)
    assert str(info.value).startswith(arg), str(info.value)


def test_split_k_shot_error_says_what_is_allowed():
    with pytest.raises(ValueError, match=r"k_shot=6 .* class 'neg'.*allowed: k_shot <= 4"):
        _clf().split(6, 2)


def test_split_of_a_one_class_subset_is_refused():
    task = _clf()
    with pytest.raises(ValueError, match="only one class"):
        task.subset([0, 1, 2, 3]).split(1, 1)


def test_train_test_split_is_stratified():
    task = topic_task(n_per_class=20)
    train, test = task.train_test_split(0.25, seed=0)
    assert all(c == 5 for c in test.class_counts().values())
    assert len(train) + len(test) == len(task)
    assert not set(train.examples) & set(test.examples)
    for bad, exc in ((0.0, ValueError), (1.0, ValueError), ("a", TypeError)):
        with pytest.raises(exc) as info:
            task.train_test_split(bad)
        assert str(info.value).startswith("test_fraction")
    with pytest.raises(ValueError, match="too small"):
        MappingTask("r", "regression", [((1,), 1)]).train_test_split()


def test_tensors_is_for_regression_only():
    with pytest.raises(ValueError, match="tensors\\(\\) needs a task of kind 'regression'"):
        _clf().tensors()


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
    assert [t.metadata["language"] for t in fam] == list(L.TARGET_LANGUAGES)
    assert [t.metadata["language"] for t in fam.held_out] == list(L.HELD_OUT_LANGUAGES)
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


# ---------------------------------------------------------------- episodes


def test_episode_from_one_many_class_task():
    topic = topic_task(n_per_class=12, seed=0)
    ep = sample_episode(topic, n_way=5, k_shot=3, n_query=4, seed=0)
    assert isinstance(ep, Episode)
    assert len(ep.classes) == 5 and list(ep.classes) == sorted(ep.classes)
    assert ep.support.output_space == ep.classes == ep.query.output_space
    assert ep.support.class_counts() == dict.fromkeys(ep.classes, 3)
    assert ep.query.class_counts() == dict.fromkeys(ep.classes, 4)
    assert not set(ep.support.examples) & set(ep.query.examples)
    assert sample_episode(topic, 5, 3, 4, seed=0) == ep
    others = {sample_episode(topic, 5, 3, 4, seed=s).classes for s in range(10)}
    assert len(others) > 1


def test_episode_from_a_family():
    fam = sentiment_family(n_per_task=30)
    names = {sample_episode(fam, 2, 2, 3, seed=s).task_name for s in range(30)}
    assert len(names) >= 4 and names <= set(fam.names)
    ep = sample_episode(list(fam)[:2], 2, 2, 3, seed=0)
    assert ep.task_name in fam.names[:2]


def test_episode_of_other_kinds():
    fam = translation_family(n_per_task=20)
    ep = sample_episode(fam, None, 4, 6, seed=0)
    assert ep.classes == () and len(ep.support) == 4 and len(ep.query) == 6
    reg = MappingTask("r", "regression", [((float(i),), (2.0 * i,)) for i in range(10)])
    ep = sample_episode(reg, None, 3, 2, seed=1)
    assert len(ep.support) == 3 and len(ep.query) == 2


def test_episode_sampler_is_reproducible():
    fam = sentiment_family(n_per_task=30)
    sampler = EpisodeSampler(fam, n_way=2, k_shot=2, n_query=2, seed=4)
    first = sampler.take(5)
    assert first == EpisodeSampler(fam, 2, 2, 2, seed=4).take(5)
    assert sampler.sample(3) == first[3]
    it = iter(sampler)
    assert [next(it) for _ in range(3)] == first[:3]
    assert len({e.task_name for e in sampler.take(20)}) > 1


@pytest.mark.parametrize(
    "call, exc, arg",
    [
        (lambda: sample_episode("topic", 2, 1, 1), TypeError, "source"),
        (lambda: sample_episode([], 2, 1, 1), TypeError, "source"),
        (lambda: sample_episode(_clf(), 3, 1, 1), ValueError, "n_way"),
        (lambda: sample_episode(_clf(), 1, 1, 1), ValueError, "n_way"),
        (lambda: sample_episode(_clf(), None, 1, 1), TypeError, "n_way"),
        (lambda: sample_episode(_clf(), 2, 6, 1), ValueError, "k_shot"),
        (lambda: sample_episode(_clf(), 2, 0, 1), ValueError, "k_shot"),
        (lambda: sample_episode(_clf(), 2, 1, 0), ValueError, "n_query"),
        (lambda: sample_episode(_clf(), 2, 1, 1, seed="1"), TypeError, "seed"),
        (lambda: sample_episode(ner_task(10), 3, 1, 1), ValueError, "n_way"),
        (lambda: sample_episode(ner_task(10), None, 10, 1), ValueError, "k_shot"),
        (lambda: sample_episode([_clf(), ner_task(10)], 2, 1, 1), ValueError, "source"),
        (lambda: EpisodeSampler(_clf(), 2, 9, 1), ValueError, "k_shot"),
        (lambda: EpisodeSampler(_clf(), 2, 1, 1, seed=-2), ValueError, "seed"),
        (lambda: EpisodeSampler(_clf(), 2, 1, 1).sample(-1), ValueError, "i"),
    ],
)
def test_episode_errors_name_the_argument(call, exc, arg):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(arg), str(info.value)
