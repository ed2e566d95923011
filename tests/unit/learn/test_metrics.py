"""metrics: per-task scores, BIO entity F1 against seqeval, the GEM continual-learning metrics."""
import math
import random

import numpy as np
import pytest

from metamap_edu.learn.metrics import (
    accuracy,
    average_accuracy,
    backward_transfer,
    bio_entities,
    continual_metrics,
    entity_f1,
    forgetting,
    forward_transfer,
    macro_f1,
    score,
)
from metamap_edu.models import BagOfWordsClassifier, LinearMap
from metamap_edu.tasks import MappingTask

seqeval_metrics = pytest.importorskip("seqeval.metrics")


def test_accuracy_and_macro_f1():
    y = ["a", "a", "b", "c"]
    p = ["a", "b", "b", "b"]
    assert accuracy(y, p) == 0.5
    # per class F1: a = 2/3, b = 2*1/(2+2+0) = 0.5, c = 0
    assert macro_f1(y, p) == pytest.approx((2 / 3 + 0.5 + 0.0) / 3)
    assert macro_f1(["x", "y"], ["x", "y"]) == 1.0
    with pytest.raises(ValueError, match="same length"):
        accuracy([1, 2], [1])
    with pytest.raises(ValueError, match="y_true"):
        accuracy([], [])


def test_bio_entities_conll_convention():
    assert bio_entities(["B-PER", "I-PER", "O", "I-LOC"]) == [("PER", 0, 1), ("LOC", 3, 3)]
    assert bio_entities(["B-PER", "B-PER", "I-LOC"]) == [("PER", 0, 0), ("PER", 1, 1), ("LOC", 2, 2)]
    with pytest.raises(ValueError, match="BIO"):
        bio_entities(["X-PER"])


def random_tags(rng, n):
    choices = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    return [rng.choice(choices) for _ in range(n)]


def test_entity_f1_agrees_with_seqeval():
    rng = random.Random(0)
    for trial in range(200):
        sents = [rng.randint(1, 9) for _ in range(rng.randint(1, 6))]
        y_true = [random_tags(rng, n) for n in sents]
        y_pred = [random_tags(rng, n) if rng.random() < 0.6 else list(t) for t, n in zip(y_true, sents)]
        for t, p in zip(y_true, y_pred):
            assert bio_entities(t) == [tuple(e) for e in seqeval_metrics.sequence_labeling.get_entities(t)]
        ours = entity_f1(y_true, y_pred)
        theirs = seqeval_metrics.f1_score(y_true, y_pred, zero_division=0)
        assert ours == pytest.approx(theirs, abs=1e-12), (trial, y_true, y_pred)


def test_entity_f1_perfect_and_mismatched_lengths():
    y = [["B-PER", "I-PER", "O"], ["B-LOC"]]
    assert entity_f1(y, y) == 1.0
    with pytest.raises(ValueError, match="sentence 0"):
        entity_f1([["O", "O"]], [["O"]])


R = np.array(
    [
        [0.5, 0.4, 0.5],  # before training: b
        [0.9, 0.6, 0.5],  # after task 1
        [0.7, 0.95, 0.6],  # after task 2
        [0.6, 0.8, 0.9],  # after task 3
    ]
)


def test_gem_metrics_by_hand():
    assert average_accuracy(R) == pytest.approx((0.6 + 0.8 + 0.9) / 3)
    assert backward_transfer(R) == pytest.approx(((0.6 - 0.9) + (0.8 - 0.95)) / 2)  # T-1 = 2 terms
    assert forward_transfer(R) == pytest.approx(((0.6 - 0.4) + (0.6 - 0.5)) / 2)
    assert forgetting(R) == pytest.approx(((0.9 - 0.6) + (0.95 - 0.8)) / 2)
    assert set(continual_metrics(R)) == {"acc", "bwt", "fwt", "forgetting"}


def test_gem_metrics_single_task_and_bad_shape():
    one = np.array([[0.5], [0.9]])
    assert average_accuracy(one) == 0.9
    assert math.isnan(backward_transfer(one)) and math.isnan(forward_transfer(one))
    with pytest.raises(ValueError, match=r"\(T\+1, T\)"):
        average_accuracy(np.zeros((3, 3)))


def test_score_per_kind():
    reg = MappingTask("r", "regression", [((1.0, 0.0), (2.0,)), ((0.0, 1.0), (-1.0,))])
    assert score(LinearMap(2), reg) == pytest.approx(-(4.0 + 1.0) / 2)
    cls = MappingTask("c", "classification", [("good", "pos"), ("bad", "neg")])
    model = BagOfWordsClassifier.for_tasks([cls])
    assert 0.0 <= score(model, cls) <= 1.0
    with pytest.raises(ValueError, match=r"(?s)LinearMap.*classification"):
        score(LinearMap(2), cls)
