"""proximal: the Regularizer hooks, the flat anchor, a fresh start for a new stream."""

import pytest
import torch

from metamap_edu.learn import L2ToPrevious, Regularizer, SequentialTrainer, fit
from metamap_edu.models import BagOfWordsClassifier, LinearMap, flat_params


def test_anchor_is_one_flat_buffer_and_frozen(text_tasks):
    model = BagOfWordsClassifier.for_tasks(text_tasks)
    reg = L2ToPrevious(1.0)
    assert reg.penalty(model) is None  # task 0: nothing to stay close to
    reg.start_task(model, 0)
    assert reg.penalty(model) is None
    reg.start_task(model, 1)
    assert reg.anchor.dim() == 1 and reg.anchor.numel() == model.num_parameters()
    assert all(v.untyped_storage().data_ptr() == reg.anchor.untyped_storage().data_ptr() for v in reg._anchor_views)
    before = reg.anchor.clone()
    fit(model, text_tasks[1], "sgd", lr=0.5, steps=5, batch_size=4, regularizer=reg, progress=False)
    assert torch.equal(reg.anchor, before)
    theta = flat_params(model)
    expected = 1.0 * ((theta - before) ** 2).sum()
    assert reg.penalty(model).item() == pytest.approx(float(expected), rel=1e-5)


def test_custom_regularizer_needs_no_trainer_change(linear_tasks):
    class CountSteps(Regularizer):
        def __init__(self):
            super().__init__()
            self.calls = []

        def start_task(self, model, task_index):
            self.calls.append(("start", task_index))

        def after_step(self, model):
            self.calls.append("step")

        def end_task(self, model, task, task_index):
            self.calls.append(("end", task_index))

    reg = CountSteps()
    SequentialTrainer(LinearMap(2), reg, lr=0.1, steps_per_task=2, batch_size=4, progress=False).run(linear_tasks(2))
    assert reg.calls == [("start", 0), "step", "step", ("end", 0), ("start", 1), "step", "step", ("end", 1)]


def test_regularizer_reused_for_a_new_stream_starts_fresh(linear_tasks):
    tasks = linear_tasks(2)
    reg = L2ToPrevious(0.5)
    SequentialTrainer(LinearMap(2), reg, lr=0.1, steps_per_task=3, batch_size=8, progress=False).run(tasks)
    assert reg.anchor_set
    reg.start_task(LinearMap(2), 0)
    assert reg.penalty(LinearMap(2)) is None  # no stale anchor from the earlier run on task 0
