"""meta_training: the outer loop lowers the loss, evaluation has intervals, bad input is refused."""

import pytest
import torch
from torch import nn

from metamap_edu.learn import MAML, Reptile, adapt, evaluate_adaptation, meta_train, parameters_of, reptile_update
from metamap_edu.models import SinusoidMLP
from metamap_edu.tasks import SinusoidSampler


def test_meta_train_reduces_loss_and_evaluate_adaptation_has_cis():
    torch.manual_seed(0)
    model = SinusoidMLP()
    ev = SinusoidSampler(k_shot=5, n_query=20).episodes(40, seed=9)
    before = evaluate_adaptation(model, ev, steps=3, lr=0.01)
    hist = meta_train(MAML(model), SinusoidSampler(), meta_batch_size=5, iterations=60, progress=False)
    after = evaluate_adaptation(model, ev, steps=3, lr=0.01)
    assert len(hist.losses) == 60 and hist.algorithm == "MAML"
    assert after.mean[3] < before.mean[3]
    assert after.steps == [0, 1, 2, 3] and all(c > 0 for c in after.ci95)
    assert tuple(after.per_task.shape) == (40, 4)


def test_bad_inputs_raise_clear_errors(TinyTanh, sine_batch):
    model = TinyTanh()
    b = sine_batch(4)
    with pytest.raises(ValueError, match="steps"):
        adapt(parameters_of(model), model, b, steps=-1)
    with pytest.raises(ValueError, match="lr"):
        adapt(parameters_of(model), model, b, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="inner_lr"):
        MAML(model, inner_lr=-0.1)
    with pytest.raises(ValueError, match="inner_steps"):
        MAML(model, inner_steps=-2)
    for eps in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="epsilon"):
            Reptile(model, epsilon=eps)
    with pytest.raises(ValueError, match="epsilon"):
        reptile_update({"a": torch.zeros(1)}, {"a": torch.ones(1)}, 0.0)

    class Empty(nn.Module):
        kinds = ("regression",)

        def collate(self, examples, kind):
            return {}

        def predict(self, inputs, kind="regression"):
            return []

        def loss(self, batch):
            return torch.tensor(0.0)

    with pytest.raises(ValueError, match="no trainable parameters"):
        MAML(Empty())
    with pytest.raises(ValueError, match="no trainable parameters"):
        Reptile(Empty())
    with pytest.raises(TypeError, match="model contract"):
        MAML(nn.Linear(1, 1))
    with pytest.raises(ValueError, match="meta_batch_size"):
        meta_train(MAML(model), SinusoidSampler(), meta_batch_size=0, iterations=1, progress=False)
