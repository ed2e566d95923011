"""Few-shot use of a sentence encoder: the ProtoNet head, the SentenceClassifier contract, fine-tuning.

The tests marked ``needs_pretrained`` run when the optional extra ``pretrained`` is installed
(CI installs it); the others run everywhere.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from metamap_edu.models import CourseModel
from metamap_edu.real import minilm as minilm_module
from metamap_edu.real import minilm_fewshot as E
from metamap_edu.tasks import MappingTask

needs_pretrained = pytest.mark.skipif(not minilm_module.minilm_available(),
                                      reason=f"optional extra 'pretrained' missing: {minilm_module.MINILM_INSTALL_HINT}")


def test_protonet_predict_nearest_prototype():
    support = np.array([[0.0, 0.0], [0.0, 0.2], [5.0, 5.0]])
    pred = E.protonet_predict(support, ["a", "a", "b"], np.array([[0.1, 0.1], [4.0, 4.5]]))
    assert pred == ["a", "b"]
    classes, protos = E.prototypes(support, ["a", "a", "b"])
    assert classes == ("a", "b") and np.allclose(protos[0], [0.0, 0.1])
    with pytest.raises(ValueError, match="query_emb"):
        E.protonet_predict(support, ["a", "a", "b"], np.zeros((1, 3)))


def test_sentence_classifier_is_a_course_model_and_refuses_other_kinds():
    clf = E.SentenceClassifier(nn.Identity(), ["a", "b"], dim=3)
    assert isinstance(clf, CourseModel) and clf.kinds == ("classification",)
    assert clf.num_parameters() == 3 * 2 + 2  # the head only: nn.Identity has no weights
    for call in (lambda: clf.predict(["x"], "tagging"), lambda: clf.collate([("x", "a")], "translation")):
        with pytest.raises(ValueError, match="cannot serve tasks of kind"):
            call()


# -- the real model (needs the extra) -------------------------------------------------------------
def _tiny_episode():
    support = MappingTask("s", "classification", [("i lost my card", "lost"), ("how do i top up", "topup")])
    query = MappingTask(
        "q",
        "classification",
        [("someone stole my card", "lost"), ("i can't find my card", "lost"),
         ("adding money failed", "topup"), ("top up my account please", "topup")],
    )
    return support, query


@needs_pretrained
def test_frozen_protonet_head_on_minilm(minilm):
    support, query = _tiny_episode()
    enc = minilm_module.SentenceEncoder(minilm)
    assert E.protonet_accuracy(enc.encode, support, query) >= 0.75


@needs_pretrained
def test_finetuning_with_and_without_the_l2sp_anchor(minilm):
    support, query = _tiny_episode()
    before = [p.detach().clone() for p in minilm.parameters()]
    plain = E.finetune_fewshot(minilm, support, query, steps=3, lr=0.05, optimizer="sgd", anchor=0.0)
    anchored = E.finetune_fewshot(minilm, support, query, steps=3, lr=0.05, optimizer="sgd", anchor=5.0)
    assert plain["distance"] > 0 and anchored["distance"] < plain["distance"]
    assert 0.0 <= anchored["accuracy"] <= 1.0 and plain["accuracy_before"] == anchored["accuracy_before"]
    # the pretrained weights are restored and nothing is left trainable-but-frozen
    assert all(torch.equal(a, b.detach()) for a, b in zip(before, minilm.parameters()))
    assert all(p.requires_grad for p in minilm.parameters())


@needs_pretrained
def test_sentence_classifier_follows_the_model_contract(minilm):
    support, _ = _tiny_episode()
    clf = E.SentenceClassifier(minilm, support.labels)
    batch = clf.collate(support.examples, "classification")
    assert batch["labels"].tolist() == [0, 1]
    loss = clf.loss(batch)
    assert loss.ndim == 0 and loss.requires_grad
    assert set(clf.predict(support.inputs, "classification")) <= set(support.labels)
    with pytest.raises(ValueError, match="tagging"):
        clf.collate(support.examples, "tagging")
