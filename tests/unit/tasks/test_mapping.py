"""MappingTask: the four kinds, validation, subsets and splits (notebook 01)."""
from __future__ import annotations

import math

import pytest

from metamap_edu.tasks.mapping import KINDS, MappingTask
from metamap_edu.tasks import ner_task, sentiment_family, topic_task


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

