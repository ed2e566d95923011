"""Claims of notebook 06's prose that no other test asserts, on the calls the notebook makes.

Default parameters (``SEED = 0``, 400 pretraining steps, K = 1, 5, 10, 50 with seeds 0 and 1).
No expected figure is copied from a run: scores are compared with chance (0.5 or 0.2), with the
standard error of an accuracy measured on n sentences, with each other, or under the course's
noise rule (:func:`metamap_edu.noise.paired_difference`). Asserted elsewhere: the music-word and
polarity neighbour counts and the antonym experiment (tests/course/test_nb06_pretraining.py), the
synonym neighbours and pretrained against untrained on held-out intents (tests/course/test_nb05b_intent_world.py).
"""
from __future__ import annotations

import functools
import math

import pytest
import torch

from metamap_edu.tasks import intents
from metamap_edu import tasks as language
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments import transfer
from metamap_edu.noise import HELPS, paired_difference
from metamap_edu.learn import lm_loss, nearest_tokens, new_pretraining_model, pretrain
from metamap_edu.tasks import sentiment_family
from metamap_edu.models import train_bpe
from metamap_edu.models import TransformerConfig, with_task_prefix

SEED = 0
KS = (1, 5, 10, 50)
N_TEST = 120  # test sentences of the held-out music domain (section 6)
SE = math.sqrt(0.25 / N_TEST)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _adjectives():
    sign = {w: +1 for w in language.SHARED_POSITIVE} | {w: -1 for w in language.SHARED_NEGATIVE}
    for d in language.ALL_DOMAINS:
        sign |= {w: +1 for w in language.LEXICON[d].positive} | {w: -1 for w in language.LEXICON[d].negative}
    return sorted(sign)


def test_06_section1_frequent_chunks_merge_first_and_great_is_still_in_pieces():
    """06 §1: ' was' (in all six sentences) is one token after three merges and 'the' after five;
    after the twelve merges ' great' (three sentences) is still ' gr', 'e', 'a', 't'; more merges join it."""
    toy = ["the film was great", "the food was great", "the room was not great",
           "the plot was dull", "the soup was dull", "the flight was not dull"]
    history = []
    tok = train_bpe(toy, vocab_size=6 + 256 + 95 + 12, history=history)
    merged = ["".join(pair) for pair, _ in history]
    assert merged.index(" was") == 2 and merged.index("the") == 4
    assert len(history) == 12 and " great" not in merged and " gr" in merged
    assert tok.tokenize("the flight was great")[-4:] == [" gr", "e", "a", "t"]
    assert " was" in tok.tokenize("the flight was great")
    more = train_bpe(toy, vocab_size=6 + 256 + 95 + 30)
    assert " great" in more.tokenize("the flight was great")


def test_06_section3_pretraining_takes_the_held_out_loss_from_log_v_to_under_3_nats():
    """06 §3 (and the summary): before pretraining the held-out loss is about log V; after the
    notebook's 400 AdamW steps it is under 3 nats."""
    corpus = language.corpus(20_000, seed=SEED)
    seen = [with_task_prefix(t) for t in sentiment_family(n_per_task=240, seed=SEED)]
    model = new_pretraining_model(corpus, seen, config=TransformerConfig(), seed=SEED)
    held_out = language.corpus(300, seed=SEED + 1)
    log_v = math.log(len(model.tokenizer))
    before = lm_loss(model, held_out, "causal")
    assert abs(before - log_v) < 0.5
    pretrain(model, corpus, objective="causal", steps=400, batch_size=32, lr=3e-3, seed=SEED, progress=False)
    assert lm_loss(model, held_out, "causal") < 3.0


def test_06_section4_catchy_sits_next_to_screechy_before_tuneful():
    """06 §4: among catchy's five nearest adjectives (shipped lm) screechy comes first, ahead of
    tuneful; the untrained model's neighbours are drawn from all 268 adjectives."""
    adjectives = _adjectives()
    assert len(adjectives) == 268
    near = [w for w, _ in nearest_tokens(pretrained.load_pretrained("lm"), "catchy", k=5, candidates=adjectives)]
    assert near[0] == "screechy" and "tuneful" in near


@functools.lru_cache(maxsize=None)
def _curves():
    starts = {"from scratch": pretrained.fresh_model(), "pretrained": pretrained.load_pretrained("lm"),
              "pretrained + labels of other domains": pretrained.load_pretrained("text2text")}
    return pretrained.k_shot_curves(starts, ks=KS, seeds=(SEED, SEED + 1), seed=SEED, progress=False)


def test_06_section6_lm_and_scratch_stay_at_chance_and_text2text_is_ahead_of_both():
    """06 §6: scratch and the lm checkpoint are within two standard errors of 0.5 at every K; the
    text2text checkpoint is ahead of both at every K, less than +15 points over scratch at K = 5,
    and clearly above chance at K = 50 (the positive control for 'at chance')."""
    curves = _curves()
    for name in ("from scratch", "pretrained"):
        assert all(abs(a - 0.5) <= 2 * SE for a in curves[name]), (name, curves[name])
    t2t = curves["pretrained + labels of other domains"]
    for i, _ in enumerate(KS):
        assert t2t[i] > max(curves["from scratch"][i], curves["pretrained"][i])
    k5 = KS.index(5)
    assert t2t[k5] - curves["from scratch"][k5] < 0.15
    assert t2t[KS.index(50)] > 0.5 + 2 * SE


@pytest.mark.parametrize("k", (1, 5))
def test_06_section7_untrained_stays_near_chance_and_pretrained_beats_tfidf(k):
    """06 §7, 100 episodes per K: the untrained encoder is within 0.1 of chance (0.2), and the
    pretrained one beats the TF-IDF yardstick on the same episodes (paired, noise rule)."""
    intent_model = pretrained.load_pretrained("intents")
    world = intents.intent_split(intents.intent_task(n_per_class=80, seed=1))
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:5000]
    untrained = transfer.scratch_copy(intent_model, seed=1000 + SEED)
    episodes = transfer.held_out_episodes(world.test, 5, k, 15, 100, seed=SEED)
    tfidf = transfer.tfidf_scores(corpus, episodes)
    scratch = transfer.protonet_scores(untrained, episodes)
    ours = transfer.protonet_scores(intent_model, episodes)
    assert sum(scratch) / len(scratch) - 0.2 < 0.1
    d = paired_difference(ours, tfidf)
    assert d.verdict == HELPS, d
