"""Claims about transfer to held-out intent classes, asserted under the course's noise rule.

The intent world (:mod:`metamap_edu.tasks.intents`) holds out whole domains; the shipped ``intents``
checkpoint was pretrained on unlabeled documents only. Each claim is a paired 95% interval
(:func:`metamap_edu.noise.paired_difference`) over (seed, episode) pairs whose lower end must
clear the stated margin, at a budget far below ``bench/world_effects.py`` (which prints the same
comparisons with more episodes). Each test runs in seconds to a few tens of seconds on one thread.
"""
from __future__ import annotations

import pytest

from metamap_edu import experiments
from metamap_edu.tasks import intents
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments import transfer
from metamap_edu.noise import paired_difference
from metamap_edu.learn import nearest_tokens

SEEDS = (0, 1, 2)
STEPS = 60  # the fine-tuning budget (bench/world_effects.py's default), proved sufficient by the K = 50 control


@pytest.fixture(scope="module")
def metas(pretrained_intents, intent_world_80):
    """One short ProtoNet meta-training run on the meta-train classes per seed."""
    return {s: transfer.meta_train_protonet(pretrained_intents, intent_world_80.train, iterations=40, seed=s) for s in SEEDS}


def _episodes(world, k, n, seed, n_query=15):
    return transfer.held_out_episodes(world.test, 5, k, n_query, n, seed=seed)


def test_nearest_words_of_held_out_objects_are_their_synonyms(pretrained_intents):
    """Notebook 06, section 7: the 7 nearest words of a held-out object word are its 7 synonyms."""
    for word in ("bursary", "gig", "handset"):
        near = [w for w, _ in nearest_tokens(pretrained_intents, word, k=7)]
        assert set(near) == set(intents.synonyms_of(word)) - {word}, (word, near)


@pytest.mark.parametrize("k", [1, 5])
def test_pretrained_encoder_beats_the_same_encoder_from_scratch_by_20_points(pretrained_intents, intent_world_80, k):
    """Unlabeled documents place words never seen with a label: ProtoNet on frozen features beats
    the untrained twin (near chance) by >= 20 points, and TF-IDF too (notebook 06, section 7)."""
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:5000]
    pre, scratch, tfidf = [], [], []
    for s in SEEDS:
        eps = _episodes(intent_world_80, k, 40, s)
        pre += transfer.protonet_scores(pretrained_intents, eps)
        scratch += transfer.protonet_scores(transfer.scratch_copy(pretrained_intents, seed=1000 + s), eps)
        tfidf += transfer.tfidf_scores(corpus, eps)
    d = paired_difference(pre, scratch)
    print(f"{k}-shot pretrained - scratch: {d}; pretrained - TF-IDF: {paired_difference(pre, tfidf)}")
    assert d.low >= 0.20
    assert abs(sum(scratch) / len(scratch) - 0.2) < 0.1  # near chance
    assert paired_difference(pre, tfidf).verdict == "helps"


@pytest.mark.parametrize("k", [1, 5])
def test_meta_training_on_top_of_pretraining_helps_and_beats_tfidf(pretrained_intents, intent_world_80, metas, k):
    """ProtoNet episodes on meta-train classes add >= 5 points on held-out classes, and the
    meta-trained encoder beats the TF-IDF centroid by >= 10 points."""
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:5000]
    baselines = [transfer.VocabularyTfidf(corpus, bigrams=b) for b in (True, False)]
    meta, pre, tfidf = [], [], []
    for s in SEEDS:
        eps = _episodes(intent_world_80, k, 40, s)
        meta += transfer.protonet_scores(metas[s], eps)
        pre += transfer.protonet_scores(pretrained_intents, eps)
        tfidf += [max(b.accuracy(e) for b in baselines) for e in eps]  # the better TF-IDF on each episode
    gain, over_tfidf = paired_difference(meta, pre), paired_difference(meta, tfidf)
    print(f"{k}-shot meta - pretrained: {gain}; meta - best TF-IDF per episode: {over_tfidf}")
    assert gain.low >= 0.05
    assert over_tfidf.low >= 0.10


def test_finetuning_from_the_pretrained_checkpoint_beats_scratch_by_15_points_at_k5(pretrained_intents, intent_world_80):
    pre, scratch = [], []
    for s in SEEDS:
        eps = _episodes(intent_world_80, 5, 2, s)
        pre += experiments.finetune_scores(pretrained_intents, eps, steps=STEPS, seed=s)
        scratch += experiments.finetune_scores(transfer.scratch_copy(pretrained_intents, seed=1000 + s), eps, steps=STEPS, seed=s)
    d = paired_difference(pre, scratch)
    print(f"K=5 fine-tuned pretrained - scratch: {d}")
    assert d.low >= 0.15


def test_the_finetuning_budget_learns_the_task_from_scratch_given_50_shots(pretrained_intents, intent_world_80):
    """Positive control: the same step budget reaches 0.9 of the ceiling (1.0) with K = 50, so a
    small K = 5 score from scratch is a lack of data, not of steps."""
    scores = []
    for s in SEEDS:
        eps = _episodes(intent_world_80, 50, 1, s, n_query=10)
        scores += experiments.finetune_scores(transfer.scratch_copy(pretrained_intents, seed=1000 + s), eps, steps=STEPS, seed=s)
    print(f"K=50 from scratch: {scores}")
    assert sum(scores) / len(scores) >= 0.9

