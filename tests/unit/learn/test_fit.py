"""fit: formula 1 (sgd_step, fit), the loop and its divergence errors."""

import pytest
import torch

from metamap_edu.learn import DivergenceError, fit, sgd_step
from metamap_edu.models import BagOfWordsClassifier, LinearMap, flat_params


def test_sgd_step_matches_torch_optim_sgd():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(5, 3), torch.nn.Linear(5, 3)
    b.load_state_dict(a.state_dict())
    opt = torch.optim.SGD(b.parameters(), lr=0.05)
    for _ in range(5):
        x = torch.randn(8, 5)
        for m in (a, b):
            m.zero_grad()
            m(x).pow(2).mean().backward()
        sgd_step(list(a.parameters()), [p.grad for p in a.parameters()], 0.05)
        opt.step()
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.equal(p, q)


def test_sgd_step_bad_lr():
    p = torch.zeros(2)
    with pytest.raises(ValueError, match="lr"):
        sgd_step([p], [torch.ones(2)], 0.0)
    with pytest.raises(ValueError, match="lr"):
        sgd_step([p], [torch.ones(2)], -1.0)


def test_fit_history_and_learning(text_tasks):
    model = BagOfWordsClassifier.for_tasks(text_tasks)
    torch.manual_seed(0)
    h = fit(model, text_tasks[0], "adam", lr=0.1, steps=30, batch_size=4, eval_every=10, progress=False)
    assert len(h.loss) == 30 and h.eval_steps == [0, 10, 20, 30]
    assert h.metric[-1] == 1.0 and h.loss[-1] < h.loss[0]
    assert h.metric_name == "accuracy"


def test_fit_divergence_restores_and_explains(linear_tasks):
    tasks = linear_tasks(1)
    model = LinearMap(2)
    with pytest.raises(DivergenceError, match=r"(?s)diverged.*step \d+.*smaller") as info:
        fit(model, tasks[0], "sgd", lr=50.0, steps=200, batch_size=100, progress=False)
    assert isinstance(info.value, ValueError) and info.value.step >= 1
    assert torch.isfinite(flat_params(model)).all()
    assert len(info.value.history.loss) == info.value.step - 1


@pytest.mark.parametrize(
    "kwargs, match",
    [({"lr": 0.0}, "lr"), ({"lr": -1.0}, "lr"), ({"steps": 0}, "steps"), ({"optimizer": "rmsprop"}, "optimizer"),
     ({"batch_size": 0}, "batch_size")],
)
def test_fit_bad_arguments(kwargs, match, linear_tasks):
    with pytest.raises(ValueError, match=match):
        fit(LinearMap(2), linear_tasks(1)[0], **{"progress": False, **kwargs})


def test_fit_kind_mismatch_names_both(text_tasks):
    with pytest.raises(ValueError, match=r"(?s)classification.*LinearMap"):
        fit(LinearMap(2), text_tasks[0], progress=False)


def test_every_trainer_refuses_a_model_outside_the_contract_with_the_same_message(linear_tasks):
    """fit, SequentialTrainer, MAML, Reptile, evaluate_adaptation and pretrain share models.check_model."""
    from torch import nn

    from metamap_edu.learn import MAML, Reptile, SequentialTrainer, evaluate_adaptation, pretrain

    class NoPredict(nn.Module):  # kinds, collate and loss, but no predict
        kinds = ("regression",)

        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(2))

        def collate(self, examples, kind):
            return {}

        def loss(self, batch):
            return self.w.sum()

    task = linear_tasks(1)[0]
    calls = {
        "fit": lambda m: fit(m, task, progress=False),
        "SequentialTrainer": lambda m: SequentialTrainer(m, progress=False),
        "MAML": lambda m: MAML(m),
        "Reptile": lambda m: Reptile(m),
        "evaluate_adaptation": lambda m: evaluate_adaptation(m, [task]),
        "pretrain": lambda m: pretrain(m, ["a b c"], steps=1),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError, match=r"model must follow the course model contract .*NoPredict lacks predict"):
            call(NoPredict())
        with pytest.raises(TypeError, match=r"model must be a torch.nn.Module.*'net'"):
            call("net")
