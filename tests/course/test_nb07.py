"""Claims of notebook 07 (the whole pipeline), asserted on the notebook's own run: the ablation of
``metamap_edu.experiments.pipeline`` at the notebook's defaults (seeds 0-4, the default budget of 15 rounds,
60 held-out sentences per task). Every verdict is the course's noise rule: a paired 95% interval
over the five seeds that excludes zero (``metamap_edu.noise.paired_difference``).

The notebook says that its verdicts hold on every CPU: run this file with
``ATEN_CPU_CAPABILITY=default`` and ``=avx2`` too."""
import pytest
import torch

from metamap_edu import noise
from metamap_edu.experiments import pipeline

SEEDS = (0, 1, 2, 3, 4)
N_TEST = 60
PRETRAINING_FIRST = "pretraining first (full - no pretraining)"
PULL = "the pull (full - no pull)"
PRETRAINING_LAST = "pretraining last (pretraining last - full)"


@pytest.fixture(scope="module")
def table():
    torch.set_num_threads(1)
    return pipeline.ablation(seeds=SEEDS, budget=pipeline.PipelineBudget(), n_test=N_TEST, progress=False)


@pytest.fixture(scope="module")
def effects(table):
    return pipeline.contributions(table)


def _mean(values):
    return sum(values) / len(values)


def test_the_budget_is_sixty_steps_of_one_step_visits():
    """Sections 2 and question 2: 15 rounds of one step per task, 60 steps; 30 late LM steps."""
    budget = pipeline.PipelineBudget()
    assert budget.visit_steps == (1, 1, 1, 1) and budget.task_steps == 60
    assert budget.late_pretrain_steps == 30


def test_the_full_pipeline_is_well_above_chance_on_every_task_and_every_seed(table):
    """Section 2 and summary: full - chance "helps" for every task; NER F1 >= 0.5 and BLEU >= 20 on
    every seed; every seed at least 0.25 above chance on every task ("well above chance")."""
    full = table["full"]
    for kind in pipeline.KINDS:
        above = noise.paired_difference(full[kind], [pipeline.CHANCE[kind]] * len(SEEDS))
        assert above.verdict == noise.HELPS, (kind, full[kind])
        assert min(full[kind]) - pipeline.CHANCE[kind] >= 0.25, (kind, full[kind])
    assert min(full["ner"]) >= 0.5, full["ner"]
    assert min(full["translation"]) >= 0.20, full["translation"]


def test_pretraining_first_helps_every_task_and_is_the_largest_effect(effects):
    """Section 3: pretraining first helps every task, the largest effect of the table on each."""
    first = effects[PRETRAINING_FIRST]
    for kind in pipeline.KINDS:
        assert first[kind].verdict == noise.HELPS, (kind, first[kind])
        others = [abs(effects[q][kind].mean) for q in effects if q != PRETRAINING_FIRST]
        assert first[kind].mean > max(others), (kind, first[kind], others)


def test_without_pretraining_ner_and_translation_stay_at_zero_and_labels_near_chance(table):
    """Section 3 and question 1: without pretraining NER and translation print 0.00 on every seed,
    the pretrained model is near the top (mean >= 0.9), topic and sentiment land near chance."""
    scratch = table["no pretraining"]
    for kind in ("ner", "translation"):
        assert max(scratch[kind]) < 0.005, (kind, scratch[kind])
        assert _mean(table["full"][kind]) >= 0.9, (kind, table["full"][kind])
    for kind in ("topic", "sentiment"):
        assert abs(_mean(scratch[kind]) - pipeline.CHANCE[kind]) < 0.1, (kind, scratch[kind])


def test_the_pull_makes_no_measurable_difference_beside_positive_controls(effects):
    """Section 3: the pull, no measurable difference on every task; the positive controls are
    resolved by the same seeds (pretraining first helps, pretraining last hurts, every task)."""
    for kind in pipeline.KINDS:
        assert effects[PULL][kind].verdict == noise.NO_DIFFERENCE, (kind, effects[PULL][kind])
        assert effects[PRETRAINING_FIRST][kind].excludes_zero
        assert effects[PRETRAINING_LAST][kind].excludes_zero


def test_pretraining_last_hurts_every_task_translation_the_most(effects):
    """Section 4, question 5 and summary: pretraining last hurts every task; translation loses the most."""
    last = effects[PRETRAINING_LAST]
    for kind in pipeline.KINDS:
        assert last[kind].verdict == noise.HURTS, (kind, last[kind])
    assert last["translation"].mean < min(last[k].mean for k in pipeline.KINDS if k != "translation"), last
