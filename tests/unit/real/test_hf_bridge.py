"""A Hugging Face BERT (random weights, built offline) runs through the course's trainers unchanged.

Runs when the optional extra ``hf`` (transformers) is installed; CI installs it.
"""
from __future__ import annotations

import warnings

import pytest
import torch

from metamap_edu.real import hf_bridge as H

pytestmark = pytest.mark.skipif(not H.hf_available(), reason=f"optional extra 'hf' missing: {H.HF_INSTALL_HINT}")


@pytest.fixture(scope="module")
def family():
    from metamap_edu.tasks import sentiment_family

    return sentiment_family(n_per_task=24, seed=0)


@pytest.fixture(scope="module")
def tokenizer(family):
    from metamap_edu.models import train_bpe

    return train_bpe([" " + x for t in family for x in t.inputs], vocab_size=400)


def _bert(tokenizer, vmap_mask=True):
    torch.manual_seed(0)
    return H.HFClassifier(tokenizer, ("negative", "positive"), H.tiny_bert_config(len(tokenizer)), vmap_mask=vmap_mask)


@pytest.fixture
def model(tokenizer):
    return _bert(tokenizer)


def test_for_tasks_builds_tokenizer_and_labels(family):
    m = H.HFClassifier.for_tasks(list(family)[:2], vocab_size=420)
    assert m.labels == ("negative", "positive") and len(m.tokenizer) <= 420


def test_built_offline_from_a_config(model):
    from transformers import BertModel

    assert isinstance(model.bert, BertModel)
    assert model.config.num_hidden_layers == 2 and model.config.hidden_size == 32
    assert model.labels == ("negative", "positive")


def test_model_contract(model, family):
    batch = model.collate(family[0].examples[:5], "classification")
    assert batch["input_ids"].shape[0] == 5 and batch["labels"].shape == (5,)
    loss = model.loss(batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert set(model.predict(family[0].inputs[:5], "classification")) <= {"negative", "positive"}
    assert model.embed(family[0].inputs[:3]).shape == (3, 32)
    with pytest.raises(ValueError, match="translation"):
        model.collate(family[0].examples[:2], "translation")
    with pytest.raises(ValueError, match="labels"):
        model.collate([("hello", "neutral")], "classification")


def test_functional_call_and_vmap_work_with_the_built_mask(model, family):
    report = H.functional_support(model, family[0].examples[:4])
    assert report == {"functional_call": True, "vmap": True, "reason": ""}


def test_stock_mask_breaks_vmap_and_the_report_says_why(family, tokenizer):
    stock = _bert(tokenizer, vmap_mask=False)
    report = H.functional_support(stock, family[0].examples[:4])
    assert report["functional_call"] is True and report["vmap"] is False
    assert report["reason"].startswith("vmap:")
    # the 4-D mask and BERT's own helper give the same numbers
    batch = stock.collate(family[0].examples[:4], "classification")
    with torch.no_grad():
        a = stock.loss(batch)
        stock.vmap_mask = True
        b = stock.loss(batch)
    assert torch.allclose(a, b, atol=1e-6)


def test_sequential_trainer_with_the_l2sp_anchor(model, family):
    from metamap_edu.models import flat_params
    from metamap_edu.learn import L2ToInit, SequentialTrainer

    theta0 = flat_params(model).clone()
    run = SequentialTrainer(model, regularizer=L2ToInit(0.01), optimizer="adam", lr=3e-3, steps_per_task=8,
                            batch_size=16, progress=False, record_params=False).run(list(family)[:2])
    assert run.num_tasks == 2
    assert not torch.equal(flat_params(model), theta0)


@pytest.mark.parametrize("algo", ["reptile", "fomaml", "maml"])
def test_meta_learners_vmap_over_tasks(model, family, algo):
    from metamap_edu.learn import MAML, Reptile, meta_train
    from metamap_edu.tasks import EpisodeSampler

    learner = {"reptile": lambda: Reptile(model, inner_steps=2), "fomaml": lambda: MAML(model, first_order=True),
               "maml": lambda: MAML(model)}[algo]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no silent fallback to a loop
        hist = meta_train(learner, EpisodeSampler(family, 2, 3, 3, seed=0), meta_batch_size=2, iterations=2, progress=False)
    assert learner.last_vmapped is True and len(hist.losses) == 2


def test_maml_falls_back_to_a_loop_with_the_stock_mask(family, tokenizer, monkeypatch):
    from metamap_edu.learn import functional as meta  # where the once-per-session warning is kept
    from metamap_edu.learn import MAML
    from metamap_edu.tasks import sample_episode

    monkeypatch.setattr(meta, "_WARNED", set())  # the warning is shown once per session

    stock = _bert(tokenizer, vmap_mask=False)
    learner = MAML(stock, first_order=True)
    episodes = [sample_episode(family, 2, 2, 2, seed=s) for s in range(2)]
    with pytest.warns(RuntimeWarning, match="cannot be vmapped"):
        loss = learner.step(episodes)
    assert learner.last_vmapped is False and loss == loss


def test_protonet_on_the_hf_encoder():
    from metamap_edu.learn import ProtoNet
    from metamap_edu.tasks import EpisodeSampler, topic_task

    topics = topic_task(n_per_class=12, seed=0)
    enc = H.HFClassifier.for_tasks([topics], vocab_size=400)
    proto = ProtoNet(enc, outer_lr=1e-3)
    sampler = EpisodeSampler(topics, 3, 2, 2, seed=0)
    loss = proto.step(sampler.take(2))
    assert loss == loss and 0.0 <= proto.accuracy(sampler.sample(5)) <= 1.0


def test_config_validation():
    with pytest.raises(ValueError, match="divisible"):
        H.tiny_bert_config(100, hidden_size=30, num_heads=4)
    with pytest.raises(ValueError, match="vocab_size"):
        H.tiny_bert_config(2)
