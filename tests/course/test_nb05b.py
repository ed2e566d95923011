"""Claims of notebook 05b (few-shot text), asserted on the notebook's own code and settings.

The settings (seeds, episodes, meta-training and fine-tuning budgets) are read from the
notebook's source, so the tests measure what the notebook prints. Every claim is the course's
noise rule (:func:`metamap_edu.noise.paired_difference`): a paired 95% interval over (seed,
episode) pairs that excludes zero in the stated direction, or, for "no measurable difference",
an interval that holds zero next to a positive control that the same episodes detect.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from metamap_edu.tasks import intents
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments import transfer
from metamap_edu.experiments import compare_few_shot
from metamap_edu.noise import HELPS, HURTS, NO_DIFFERENCE, mean_interval

SOURCE = (Path(__file__).resolve().parents[2] / "notebooks" / "src" / "05b_few_shot_text.py").read_text(encoding="utf-8")


def _setting(name: str) -> int:
    """The default (not FAST) value of ``NAME = fast if FAST else default`` in the notebook."""
    match = re.search(rf"^{name} = \d+ if FAST else (\d+)", SOURCE, re.M)
    assert match, f"notebook 05b no longer sets {name} as `{name} = a if FAST else b`"
    return int(match.group(1))


SEEDS = (0, 1, 2)  # the notebook's (SEED, SEED + 1, SEED + 2) at SEED = 0
PROBES = ("scratch", "pretrained", "meta", "meta_scratch", "tfidf", "tfidf_words")
TUNED = ("finetune", "finetune_l2", "finetune_pull", "finetune_scratch")


def _tuple(name: str) -> tuple:
    match = re.search(rf"^{name} = (\(.*\))$", SOURCE, re.M)
    assert match, f"notebook 05b no longer sets {name}"
    return ast.literal_eval(match.group(1))


def test_the_notebook_runs_the_settings_these_tests_use():
    assert "SEEDS = (SEED, SEED + 1, SEED + 2)" in SOURCE
    assert "methods=probes" in SOURCE and _tuple("probes") == PROBES
    assert "methods=tuned" in SOURCE and _tuple("tuned") == TUNED
    assert "pull_beta=0.01" in SOURCE and "finetune_lr=1e-3" in SOURCE and "k_shots=(5,)" in SOURCE
    assert 'pretraining_corpus(experiments.RECIPES["intents"])[:5000]' in SOURCE
    assert "intent_task(n_per_class=80, seed=1)" in SOURCE


@pytest.fixture(scope="module")
def probes(pretrained_intents, intent_world_80):
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:5000]
    return compare_few_shot(pretrained_intents, intent_world_80, seeds=SEEDS, episodes=_setting("EPISODES"), k_shots=(1, 5),
                            methods=PROBES, corpus=corpus, meta_iterations=_setting("META_ITERATIONS"),
                            progress=False)


@pytest.fixture(scope="module")
def tuned(pretrained_intents, intent_world_80):
    return compare_few_shot(pretrained_intents, intent_world_80, seeds=SEEDS, episodes=_setting("FT_EPISODES"), k_shots=(5,),
                            methods=TUNED, finetune_steps=_setting("FT_STEPS"), finetune_lr=1e-3,
                            pull_beta=0.01, progress=False)


def _better_tfidf(cmp, k):
    return max(("tfidf", "tfidf_words"), key=lambda m: cmp.mean(m, k))


def test_most_queries_share_no_content_word_with_their_class_support_request(intent_world_80):
    """Section 1: two requests of the same intent, most of the time, share no content word."""
    none = []
    for s in SEEDS:
        for e in transfer.held_out_episodes(intent_world_80.test, 5, 1, 15, _setting("EPISODES"), seed=s):
            support = {y: set(x.split()) for x, y in e.support.examples}
            for x, y in e.query.examples:
                content = set(intents.INTENTS[y].action_words) | set(intents.INTENTS[y].object_words)
                none.append(float(not (support[y] & set(x.split()) & content)))
    assert mean_interval(none).low > 0.5


def test_conditions_meet_the_noise_rules_size(probes, tuned):
    """At least 3 seeds, and at least 300 episodes or 200 test queries per condition."""
    assert len(probes.seeds) >= 3 and len(tuned.seeds) >= 3
    for cmp in (probes, tuned):
        for (m, k), units in cmp.units.items():
            assert len(units) >= 300 or len(units) * cmp.n_way * cmp.n_query >= 200, (m, k)


@pytest.mark.parametrize("k", [1, 5])
def test_the_untrained_encoder_sits_near_chance(probes, k):
    iv = mean_interval([a - 0.2 for a in probes.accuracies("scratch", k)])
    assert -0.1 < iv.low and iv.high < 0.1, iv


@pytest.mark.parametrize("k", [1, 5])
def test_pretrained_encoder_beats_the_untrained_one(probes, k):
    assert probes.paired("pretrained", "scratch", k).verdict == HELPS


def test_pretrained_encoder_beats_the_better_tfidf_centroid_at_one_shot(probes):
    assert probes.paired("pretrained", _better_tfidf(probes, 1), 1).verdict == HELPS


@pytest.mark.parametrize("k", [1, 5])
def test_meta_training_on_top_of_pretraining_helps_on_held_out_intents(probes, k):
    assert probes.paired("meta", "pretrained", k).verdict == HELPS


@pytest.mark.parametrize("k", [1, 5])
def test_the_meta_trained_encoder_beats_the_better_tfidf_centroid(probes, k):
    assert probes.paired("meta", _better_tfidf(probes, k), k).verdict == HELPS


@pytest.mark.parametrize("k", [1, 5])
def test_meta_training_from_scratch_helps_and_pretraining_adds_to_it(probes, k):
    assert probes.paired("meta_scratch", "scratch", k).verdict == HELPS
    assert probes.paired("meta", "meta_scratch", k).verdict == HELPS


def test_tfidf_gains_more_from_five_shots_than_the_pretrained_encoder_does(probes):
    """Question 2's premise: (TF-IDF at K=5 - at K=1) exceeds (pretrained at K=5 - at K=1)."""
    tf = _better_tfidf(probes, 5)
    gains = [(t5 - p5) - (t1 - p1) for t5, p5, t1, p1 in zip(
        probes.accuracies(tf, 5), probes.accuracies("pretrained", 5),
        probes.accuracies(tf, 1), probes.accuracies("pretrained", 1))]
    assert mean_interval(gains).low > 0


def test_finetuning_positive_control_is_detected_on_the_same_episodes(tuned):
    assert tuned.paired("finetune", "finetune_scratch", 5).verdict == HELPS


def test_the_articles_pull_makes_no_measurable_difference_within_five_points(tuned):
    d = tuned.paired("finetune_pull", "finetune", 5)
    assert d.verdict == NO_DIFFERENCE, d
    assert -0.05 < d.low and d.high < 0.05, d


def test_formula_2_with_the_pulls_lambda_hurts_under_adam(tuned):
    assert tuned.paired("finetune_l2", "finetune", 5).verdict == HURTS
