"""metamap_edu.experiments.few_shot: one few-shot comparison, paired by (seed, episode), with clear errors."""
from __future__ import annotations

import pytest
import torch

from metamap_edu import experiments
from metamap_edu.experiments import few_shot
from metamap_edu.tasks import intents
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments import transfer
from metamap_edu.noise import paired_difference


@pytest.fixture(scope="module")
def world():
    torch.set_num_threads(1)
    return intents.intent_split(intents.intent_task(n_per_class=24, seed=1))


@pytest.fixture(scope="module")
def corpus():
    return pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:500]


@pytest.fixture(scope="module")
def small(pretrained_intents, world, corpus):
    return few_shot.compare_few_shot(
        pretrained_intents, world, seeds=(0, 3), episodes=3, k_shots=(1, 2), n_query=4, corpus=corpus,
        methods=("scratch", "pretrained", "meta", "tfidf", "finetune", "finetune_pull"),
        meta_iterations=2, finetune_episodes=2, finetune_steps=2, keep_models=True, progress=False)


def test_scores_are_one_accuracy_per_seed_and_episode_in_seed_major_order(small):
    for k in (1, 2):
        for m in ("scratch", "pretrained", "meta", "tfidf"):
            assert small.units[(m, k)] == ((0, 0), (0, 1), (0, 2), (3, 0), (3, 1), (3, 2))
            assert all(0.0 <= a <= 1.0 for a in small.accuracies(m, k))
        for m in ("finetune", "finetune_pull"):  # the first finetune_episodes of each seed's stream
            assert small.units[(m, k)] == ((0, 0), (0, 1), (3, 0), (3, 1))


def test_each_method_scores_the_same_episodes_as_the_transfer_functions_it_wraps(small, pretrained_intents, world, corpus):
    for s in (0, 3):
        eps = transfer.held_out_episodes(world.test, 5, 2, 4, 3, seed=s)
        rows = slice(0, 3) if s == 0 else slice(3, 6)
        assert list(small.accuracies("pretrained", 2)[rows]) == transfer.protonet_scores(pretrained_intents, eps)
        twin = transfer.scratch_copy(pretrained_intents, seed=few_shot.SCRATCH_SEED_OFFSET + s)
        assert list(small.accuracies("scratch", 2)[rows]) == transfer.protonet_scores(twin, eps)
        assert list(small.accuracies("tfidf", 2)[rows]) == transfer.tfidf_scores(corpus, eps)
        assert list(small.accuracies("meta", 2)[rows]) == transfer.protonet_scores(small.models[("meta", s)], eps)
        tuned = experiments.finetune_scores(pretrained_intents, eps[:2], steps=2, seed=s, regularizer="pull", strength=0.01)
        assert list(small.accuracies("finetune_pull", 2)[(0 if s == 0 else 2):(2 if s == 0 else 4)]) == tuned


def test_paired_differences_pair_the_units_both_methods_share(small):
    d = small.paired("finetune", "pretrained", 1)
    pre = dict(zip(small.units[("pretrained", 1)], small.accuracies("pretrained", 1)))
    ft = small.accuracies("finetune", 1)
    expected = paired_difference(ft, [pre[u] for u in small.units[("finetune", 1)]])
    assert d == expected and d.n == 4
    assert small.paired("pretrained", "scratch", 2).n == 6
    assert small.interval("tfidf", 1).n == 6
    assert small.mean("tfidf", 1) == pytest.approx(sum(small.accuracies("tfidf", 1)) / 6)


def test_a_second_run_gives_the_same_scores(small, pretrained_intents, world, corpus):
    again = few_shot.compare_few_shot(
        pretrained_intents, world, seeds=(0, 3), episodes=3, k_shots=(1, 2), n_query=4, corpus=corpus,
        methods=("scratch", "pretrained", "meta", "tfidf", "finetune", "finetune_pull"),
        meta_iterations=2, finetune_episodes=2, finetune_steps=2, progress=False)
    assert again.scores == small.scores and again.models == {}


def test_meta_training_changes_the_encoder_and_leaves_the_pretrained_one_alone(small, pretrained_intents):
    fresh = pretrained.load_pretrained("intents")
    assert all(torch.equal(a, b) for a, b in zip(pretrained_intents.state_dict().values(), fresh.state_dict().values()))
    moved = small.models[("meta", 0)]
    assert any(not torch.equal(a, b) for a, b in zip(moved.state_dict().values(), fresh.state_dict().values()))
    assert set(small.models) == {("scratch", 0), ("scratch", 3), ("meta", 0), ("meta", 3)}


def test_the_result_refuses_a_method_or_k_it_did_not_compare(small):
    with pytest.raises(ValueError, match=r"method.*'finetune_l2'"):
        small.accuracies("finetune_l2", 1)
    with pytest.raises(ValueError, match=r"k must be one of.*\[1, 2\].*5"):
        small.paired("meta", "pretrained", 5)


BAD = [
    (dict(methods="meta"), TypeError, r"methods.*one string.*'meta'"),
    (dict(methods=("meta", "magic")), ValueError, r"methods.*'magic'"),
    (dict(methods=("meta", "meta")), ValueError, r"methods.*repeat"),
    (dict(methods=()), ValueError, r"methods"),
    (dict(seeds=()), ValueError, r"seeds"),
    (dict(seeds=(0, -1)), ValueError, r"seeds\[1\].*-1"),
    (dict(seeds=5), TypeError, r"seeds.*5"),
    (dict(k_shots=(0,)), ValueError, r"k_shots\[0\].*0"),
    (dict(k_shots=(30,)), ValueError, r"k_shots.*n_query.*smallest class has 24"),
    (dict(episodes=0), ValueError, r"episodes.*0"),
    (dict(episodes=3, finetune_episodes=4), ValueError, r"finetune_episodes.*<= episodes.*4"),
    (dict(n_way=40), ValueError, r"n_way.*40"),
    (dict(methods=("tfidf",)), ValueError, r"corpus.*'tfidf'"),
    (dict(pull_beta=1.0), ValueError, r"pull_beta.*1"),
    (dict(finetune_lr=0.0), ValueError, r"finetune_lr.*0"),
    (dict(meta_iterations=0), ValueError, r"meta_iterations.*0"),
    (dict(progress="yes"), TypeError, r"progress.*'yes'"),
]


@pytest.mark.parametrize("kwargs, exc, message", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_arguments_are_refused_with_the_name_and_the_value(pretrained_intents, world, kwargs, exc, message):
    kwargs = {"methods": ("pretrained",), **kwargs}
    with pytest.raises(exc, match=message):
        few_shot.compare_few_shot(pretrained_intents, world, **kwargs)


def test_the_model_and_the_split_must_be_what_the_comparison_reads(pretrained_intents, world):
    with pytest.raises(TypeError, match=r"model.*TinyTransformer"):
        few_shot.compare_few_shot("gpt2", world)
    with pytest.raises(TypeError, match=r"split.*MetaSplit"):
        few_shot.compare_few_shot(pretrained_intents, world.test)


def test_every_method_has_a_label_and_belongs_to_one_kind():
    assert set(few_shot.PROBE_METHODS) | set(few_shot.FINETUNE_METHODS) == set(few_shot.METHODS)
    assert not set(few_shot.PROBE_METHODS) & set(few_shot.FINETUNE_METHODS)
    assert set(few_shot.DEFAULT_METHODS) <= set(few_shot.METHODS)
