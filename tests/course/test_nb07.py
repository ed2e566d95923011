"""Claims of notebook 07 (the whole pipeline), asserted on the notebook's own run: the ablation of
``metamap_edu.experiments.pipeline`` at the notebook's defaults (seeds 0, 1, 2; the default budget of 150
rounds). Every verdict is the course's noise rule: a paired 95% interval over the three seeds
that excludes zero (``metamap_edu.noise.paired_difference``).

The notebook claims only what also held when its ablation ran with ``ATEN_CPU_CAPABILITY=default``
and ``avx2``; the verdicts that flipped between CPUs (pretraining first on NER and translation,
the pull on NER, pretraining last on topic and translation) are stated there as not measurable
at this budget, so they are not asserted here either way."""
import pytest
import torch

from metamap_edu import noise
from metamap_edu.experiments import pipeline

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def table():
    torch.set_num_threads(1)
    return pipeline.ablation(seeds=SEEDS, budget=pipeline.PipelineBudget(), progress=False)


@pytest.fixture(scope="module")
def effects(table):
    return pipeline.contributions(table)


def _minus_chance(scores, kind):
    return noise.paired_difference(scores, [pipeline.CHANCE[kind]] * len(scores))


def test_the_full_pipeline_learns_topic_and_ner_and_not_measurably_sentiment(table):
    """Section 3: full pipeline - chance "helps" for topic and NER, NER F1 >= 0.5 on every seed,
    sentiment not measurably above chance; translation BLEU >= 20 on average over the seeds."""
    full = table["full"]
    for kind in ("topic", "ner"):
        assert _minus_chance(full[kind], kind).verdict == noise.HELPS, (kind, full[kind])
    assert min(full["ner"]) >= 0.5, full["ner"]
    assert _minus_chance(full["sentiment"], "sentiment").verdict == noise.NO_DIFFERENCE, full["sentiment"]
    assert sum(full["translation"]) / len(SEEDS) >= 0.20, full["translation"]


def test_pretraining_has_a_positive_mean_effect_on_every_task_and_scratch_translation_stays_near_zero(table, effects):
    """Section 3: pretraining's mean effect is positive on every task; question 1: without
    pretraining, translation stays near zero on every seed."""
    pre = effects["pretraining (full - no pretraining)"]
    for kind in pipeline.KINDS:
        assert pre[kind].mean > 0, (kind, pre[kind])
    assert max(table["no pretraining"]["translation"]) < 0.05, table["no pretraining"]["translation"]


def test_the_pull_makes_no_measurable_difference_on_topic_sentiment_and_translation(effects):
    """Section 3: no measurable difference for the pull on topic, sentiment and translation."""
    pull = effects["the pull (full - no pull)"]
    for kind in ("topic", "sentiment", "translation"):
        assert pull[kind].verdict == noise.NO_DIFFERENCE, (kind, pull[kind])


def test_pretraining_last_hurts_ner_down_to_near_zero_the_positive_control(table, effects):
    """Section 4: pretraining last, against the same run without it, hurts NER, whose F1 falls to
    near zero on every seed; three seeds resolve this effect (the positive control of section 3)."""
    last = effects["pretraining last (pretraining last - no pretraining)"]
    assert last["ner"].verdict == noise.HURTS, last["ner"]
    assert max(table["pretraining last"]["ner"]) <= 0.1, table["pretraining last"]["ner"]
    assert -0.45 < last["ner"].mean < -0.25, last["ner"]  # "about a third of F1"
