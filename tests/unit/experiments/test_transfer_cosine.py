"""The cosine ProtoNet, word dropout and the encoder + TF-IDF hybrid of ``metamap_edu.experiments``,
on a small generated task whose classes are told apart by their own words."""
from __future__ import annotations

import random

import pytest
import torch

from metamap_edu import tasks, experiments
from metamap_edu import paired_difference
from metamap_edu.tasks import MappingTask

FILLER = "i want to please can you my the a help with how do".split()


def keyword_task(n_classes: int = 24, n_per_class: int = 20, seed: int = 0) -> MappingTask:
    """Class c is three filler words and two of its own four keywords, shuffled."""
    rng = random.Random(seed)
    examples = []
    for c in range(n_classes):
        own = [f"k{c}x{j}" for j in range(4)]
        for _ in range(n_per_class):
            words = rng.sample(FILLER, 3) + rng.sample(own, 2)
            rng.shuffle(words)
            examples.append((" ".join(words), f"class_{c:02d}"))
    return MappingTask("keywords", "classification", examples)


@pytest.fixture(scope="module")
def setting():
    torch.set_num_threads(1)
    split = tasks.split_task_by_class(keyword_task(), seed=0)
    encoder = experiments.pretrain_encoder(list(split.train.inputs), steps=20, vocab_size=400, seed=0)
    return split, encoder


def test_drop_words_deletes_words_but_never_all_and_follows_its_rng():
    text = "one two three four five six seven eight"
    assert experiments.drop_words(text, 0.0, random.Random(0)) == text
    outs = [experiments.drop_words(text, 0.5, random.Random(i)) for i in range(50)]
    assert all(o and set(o.split()) <= set(text.split()) for o in outs)
    assert any(len(o.split()) < 8 for o in outs) and len(set(outs)) > 10
    assert experiments.drop_words(text, 0.99, random.Random(3)) in text.split()  # one word stays
    assert outs == [experiments.drop_words(text, 0.5, random.Random(i)) for i in range(50)]
    with pytest.raises(ValueError, match="p"):
        experiments.drop_words(text, 1.5, random.Random(0))


def test_cosine_meta_training_separates_held_out_classes_and_learns_its_temperature(setting):
    split, encoder = setting
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    meta = experiments.meta_train_protonet(encoder, split.train, n_way=20, k_shot=1, iterations=30, meta_batch_size=1,
                                        lr=1e-3, metric="cosine", word_dropout=0.1, seed=0)
    assert all(torch.equal(v, encoder.state_dict()[k]) for k, v in before.items())  # the original is left alone
    eps = experiments.held_out_episodes(split.test, 4, 1, 5, 40, seed=0)
    trained = experiments.protonet_scores(meta, eps, metric="cosine")
    untrained = experiments.protonet_scores(encoder, eps, metric="cosine")
    assert paired_difference(trained, untrained).verdict == "helps"

    proto = experiments.CosineProtoNet(experiments.scratch_copy(encoder), outer_lr=1e-2, temperature=10.0)
    sampler = tasks.episode_sampler(split.train, 10, 1, 3, seed=0)
    for i in range(5):
        proto.step([sampler.sample(i)])
    assert proto.temperature != pytest.approx(10.0, abs=1e-4)  # the temperature is a trained parameter


def test_the_default_metric_is_euclidean_and_cosine_scores_are_accuracies(setting):
    split, encoder = setting
    eps = experiments.held_out_episodes(split.test, 4, 1, 5, 20, seed=1)
    cos = experiments.protonet_scores(encoder, eps, metric="cosine")
    euc = experiments.protonet_scores(encoder, eps)
    assert len(cos) == len(euc) == 20 and all(0 <= a <= 1 for a in cos)
    assert euc == experiments.protonet_scores(encoder, eps, metric="euclidean")  # the default is Euclidean


def test_the_hybrid_reduces_to_each_of_its_parts_at_the_ends(setting):
    split, encoder = setting
    corpus = list(split.train.inputs)
    eps = experiments.held_out_episodes(split.test, 4, 2, 5, 15, seed=2)
    assert experiments.hybrid_scores(encoder, corpus, eps, 0.0) == experiments.tfidf_scores(corpus, eps)
    assert experiments.hybrid_scores(encoder, corpus, eps, 1.0) == experiments.protonet_scores(encoder, eps, metric="cosine")


def test_the_hybrid_weight_is_the_best_candidate_on_the_episodes_it_is_given(setting):
    split, encoder = setting
    corpus = list(split.train.inputs)
    val = experiments.held_out_episodes(split.val, 4, 1, 5, 15, seed=3)
    best, by_weight = experiments.choose_hybrid_weight(encoder, corpus, val, weights=(0.0, 0.5, 1.0))
    assert set(by_weight) == {0.0, 0.5, 1.0} and by_weight[best] == max(by_weight.values())
    for w, acc in by_weight.items():
        scores = experiments.hybrid_scores(encoder, corpus, val, w)
        assert acc == pytest.approx(sum(scores) / len(scores))


@pytest.mark.parametrize("call,needle", [
    (lambda s, e: experiments.meta_train_protonet(e, s.train, iterations=1, metric="manhattan"), "metric must be one of"),
    (lambda s, e: experiments.meta_train_protonet(e, s.train, iterations=1, word_dropout=0.2), "word_dropout is only used"),
    (lambda s, e: experiments.meta_train_protonet(e, s.train, iterations=1, metric="cosine", word_dropout=1.0), "word_dropout must be < 1"),
    (lambda s, e: experiments.CosineProtoNet(e, temperature=0.0), "temperature"),
    (lambda s, e: experiments.protonet_scores(e, experiments.held_out_episodes(s.test, 4, 1, 2, 1), metric="dot"), "metric must be one of"),
    (lambda s, e: experiments.hybrid_scores(e, ["a b"], experiments.held_out_episodes(s.test, 4, 1, 2, 1), 1.5), "weight"),
    (lambda s, e: experiments.choose_hybrid_weight(e, ["a b"], experiments.held_out_episodes(s.test, 4, 1, 2, 1), weights=()), "weights"),
])
def test_bad_arguments_are_refused_by_name(setting, call, needle):
    split, encoder = setting
    with pytest.raises(ValueError, match=needle):
        call(split, encoder)
