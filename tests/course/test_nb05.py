"""Claims of notebook 05's Table 2 section, asserted on the notebook's own run (``rp.QUICK``,
seed 0, float64 as the reproduction always runs). An ordering of two rows is the course's noise
rule: the paired 95% interval of their MSE difference over the same 200 evaluation waves (after
10 steps) excludes zero."""
import pytest
import torch

from metamap_edu import noise
from metamap_edu.experiments import table2 as rp
from metamap_edu.tasks import task_agnostic_mse


@pytest.fixture(scope="module")
def table2():
    torch.set_num_threads(1)
    return rp.reproduce_maml_sinusoid(config=rp.QUICK, progress=False)


def _clearly_below(t, a, b):
    """Row a's MSE after 10 steps is below row b's, paired over the same waves."""
    return noise.paired_difference(t["per_task"][a], t["per_task"][b]).verdict == noise.HURTS


def test_paper_ordering_holds_by_more_than_the_intervals(table2):
    assert _clearly_below(table2, "MAML", "pretrain on all tasks")
    for row in ("multi-task, no regularization", "multi-task, l2 weight decay"):
        assert _clearly_below(table2, "pretrain on all tasks", row)


def test_maml_ends_short_of_the_paper_after_a_short_run(table2):
    mse10 = table2["rows"]["MAML"][2]
    assert rp.PAPER_TABLE2["MAML"][2] < mse10 < 1.0


def test_averaged_multitask_nets_sit_at_the_zero_predictor(table2):
    zero = (0.1 ** 2 + 0.1 * 5 + 5 ** 2) / 3 / 2            # E[A^2]/2 = 4.25
    for row in ("multi-task, no regularization", "multi-task, l2 weight decay"):
        curve = table2["curves"][row]
        assert abs(curve[0] - zero) < 0.2 and abs(curve[10] - zero) < 0.2, row
    unreg, paper = table2["rows"]["multi-task, no regularization"], rp.PAPER_TABLE2["multi-task, no regularization"]
    assert abs(unreg[0] - paper[0]) < 0.1 and unreg[2] > paper[2] + 0.3


def test_l2_to_the_mean_row_comes_close_to_the_papers(table2):
    ours, paper = table2["rows"]["multi-task, l2 to the mean theta so far"], rp.PAPER_TABLE2["multi-task, l2 to the mean theta so far"]
    assert abs(ours[2] - paper[2]) < 0.3


def test_articles_rows_are_worse_than_pretraining_and_no_better_than_the_mean_wave(table2):
    best_fixed = task_agnostic_mse()
    for row in ("article: L2ToPrevious stream", "article: ArticlePull(beta=0.01)"):
        assert _clearly_below(table2, "pretrain on all tasks", row), row
        d = noise.mean_interval([m - best_fixed for m in table2["per_task"][row]])
        assert d.verdict != noise.HURTS, (row, d)   # not measurably better than the best fixed function


def test_reptile_sits_between_pretraining_and_maml(table2):
    assert _clearly_below(table2, "MAML", "Reptile")
    assert _clearly_below(table2, "Reptile", "pretrain on all tasks")
