"""train: formula 1 (sgd_step, fit), the regularizers of formula 2, the sequential trainer."""
import math

import numpy as np
import pytest
import torch

from metamap_edu.learn.closed_form import ridge_toward
from metamap_edu.models import BagOfWordsClassifier, LinearMap, TokenTagger, flat_params, set_flat_params
from metamap_edu.tasks.families import MappingTask
from metamap_edu.models.tokenizers import WordVocab
from metamap_edu.learn.train import (
    EWC,
    ArticlePull,
    DivergenceError,
    L2ToInit,
    L2ToPrevious,
    Regularizer,
    SequentialTrainer,
    fit,
    make_regularizer,
    pull_as_l2,
    sgd_step,
)



def regression_task(X, y, name="toy/regression"):
    Y = y.reshape(len(y), -1)
    return MappingTask(name, "regression", [(tuple(map(float, a)), tuple(map(float, b))) for a, b in zip(X.tolist(), Y.tolist())])


def linear_tasks(T=3, n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    tasks = []
    for t in range(T):
        X = torch.randn(n, 2, generator=g)
        w = torch.randn(2, generator=g) * 2
        tasks.append(regression_task(X, X @ w + 0.1 * torch.randn(n, generator=g), f"line/{t}"))
    return tasks


TEXTS = {
    "a": [("good film", "pos"), ("bad film", "neg"), ("great plot", "pos"), ("awful plot", "neg")] * 3,
    "b": [("long battery", "pos"), ("short battery", "neg"), ("good screen", "pos"), ("bad screen", "neg")] * 3,
    "c": [("long wait", "neg"), ("short wait", "pos"), ("good food", "pos"), ("awful food", "neg")] * 3,
}


@pytest.fixture(scope="module")
def text_tasks():
    return [MappingTask(f"toy/{k}", "classification", v) for k, v in TEXTS.items()]


# ---- formula 1 -------------------------------------------------------------------------------
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


def test_fit_divergence_restores_and_explains():
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
def test_fit_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit(LinearMap(2), linear_tasks(1)[0], **{"progress": False, **kwargs})


def test_fit_kind_mismatch_names_both(text_tasks):
    with pytest.raises(ValueError, match=r"(?s)classification.*LinearMap"):
        fit(LinearMap(2), text_tasks[0], progress=False)


# ---- formula 2: coupled vs decoupled --------------------------------------------------------
def test_pull_equals_coupled_l2_under_sgd(text_tasks):
    """θ' = (1-β)(θ - αg) + βa  ==  θ - α(1-β)(g + 2λ(θ - a))  with λ = β / (2α(1-β))."""
    beta, lr = 0.2, 0.5
    lam, lr2 = pull_as_l2(beta, lr)
    assert lam == pytest.approx(beta / (2 * lr * (1 - beta))) and lr2 == pytest.approx(lr * (1 - beta))
    torch.manual_seed(0)
    start = BagOfWordsClassifier.for_tasks(text_tasks)
    anchor = flat_params(start) + 0.3 * torch.randn(start.num_parameters())
    runs = []
    for reg, rate in ((ArticlePull(beta), lr), (L2ToPrevious(lam), lr2)):
        model = BagOfWordsClassifier.for_tasks(text_tasks)
        model.load_state_dict(start.state_dict())
        reg.set_anchor(model, anchor)
        h = fit(model, text_tasks[1], "sgd", lr=rate, steps=25, batch_size=3, seed=1, regularizer=reg, progress=False)
        runs.append((flat_params(model), h.data_loss))
    (theta_a, loss_a), (theta_b, loss_b) = runs
    assert torch.allclose(theta_a, theta_b, atol=1e-5)
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-4)  # the same iterate at every step


def test_adam_coupled_reaches_ridge_but_pull_shrinks_alike():
    """Curvatures (100, 1, 0.01): coupled L2 under Adam = ridge; decoupled pull moves all coordinates alike."""
    X = math.sqrt(3.0) * torch.diag(torch.tensor([10.0, 1.0, 0.1]))  # XᵀX/n = diag(100, 1, 0.01)
    w_new = torch.ones(3)
    task = regression_task(X, X @ w_new, "quadratic")
    anchor = torch.zeros(3)
    lam = 1.0
    ridge = ridge_toward(X, X @ w_new, anchor, lam)
    model = LinearMap(3, bias=False)
    reg = L2ToPrevious(lam)
    reg.set_anchor(model, anchor)
    fit(model, task, "adam", lr=0.01, steps=1500, batch_size=3, regularizer=reg, progress=False)
    coupled = flat_params(model).double()
    assert (coupled - ridge).abs().max() < 1e-4
    fraction_ridge = (ridge - anchor) / (w_new - anchor)
    assert fraction_ridge.max() - fraction_ridge.min() > 0.9  # ridge treats curvatures differently
    model = LinearMap(3, bias=False)
    reg = ArticlePull(0.01)
    reg.set_anchor(model, anchor)
    fit(model, task, "adam", lr=0.003, steps=1200, batch_size=3, regularizer=reg, progress=False)
    fraction_pull = (flat_params(model) - anchor) / (w_new - anchor)
    assert fraction_pull.max() - fraction_pull.min() < 1e-3  # every coordinate shrunk alike
    assert 0.05 < float(fraction_pull.mean()) < 0.95
    assert (flat_params(model).double() - ridge).abs().max() > 0.05


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


def test_penalty_gradient_is_2_lambda_diff():
    model = LinearMap(3, bias=False)
    reg = L2ToPrevious(0.7)
    reg.set_anchor(model, torch.tensor([1.0, -2.0, 0.5]))
    set_flat_params(model, torch.tensor([0.0, 1.0, 2.0]))
    reg.penalty(model).backward()
    grad = model.linear.weight.grad.reshape(-1)
    assert torch.allclose(grad, 2 * 0.7 * (torch.tensor([0.0, 1.0, 2.0]) - torch.tensor([1.0, -2.0, 0.5])))


def test_ewc_is_weighted_l2(text_tasks):
    model = BagOfWordsClassifier.for_tasks(text_tasks)
    reg = EWC(2.0, fisher_samples=8)
    reg.end_task(model, text_tasks[0], 0)
    F = reg.fisher.clone()
    assert F.shape == (model.num_parameters(),) and (F >= 0).all() and F.sum() > 0
    anchor = flat_params(model)
    set_flat_params(model, anchor + 0.1)
    assert reg.penalty(model).item() == pytest.approx(float(2.0 * (F * 0.01).sum()), rel=1e-4)


def test_l2_to_init_anchor_stays():
    tasks = linear_tasks(2)
    model = LinearMap(2)
    theta0 = flat_params(model)
    reg = L2ToInit(0.5)
    res = SequentialTrainer(model, reg, "sgd", lr=0.1, steps_per_task=10, batch_size=8, progress=False).run(tasks)
    assert torch.equal(reg.anchor, theta0) and len(res.params) == 3


# ---- the sequential trainer -----------------------------------------------------------------
def test_sequential_trainer_result(text_tasks):
    torch.manual_seed(0)
    model = BagOfWordsClassifier.for_tasks(text_tasks)
    res = SequentialTrainer(model, None, "adam", lr=0.1, steps_per_task=20, batch_size=4, progress=False).run(text_tasks)
    T = len(text_tasks)
    assert res.R.shape == (T + 1, T) and len(res.params) == T + 1 and len(res.losses) == T
    assert all(len(l) == 20 for l in res.losses)
    assert torch.equal(res.params[-1], flat_params(model))
    assert res.R[1, 0] == 1.0 and res.R[3, 2] == 1.0
    m = res.metrics()
    assert set(m) == {"acc", "bwt", "fwt", "forgetting", "last"}
    assert m["bwt"] < 0  # task c flips "long"/"short": task b is forgotten
    assert m["acc"] == pytest.approx(res.R[-1].mean())


def test_sequential_trainer_works_with_tagger():
    data = [("Ada went to Paris", ("B-PER", "O", "O", "B-LOC")), ("Bob saw Rome", ("B-PER", "O", "B-LOC"))] * 4
    tasks = [MappingTask("ner/a", "tagging", data), MappingTask("ner/b", "tagging", data[::-1])]
    model = TokenTagger.for_tasks(tasks)
    res = SequentialTrainer(model, L2ToPrevious(0.1), "adam", lr=0.1, steps_per_task=15, batch_size=4,
                            progress=False).run(tasks)
    assert res.R[-1].min() == 1.0


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"steps_per_task": 0}, ValueError, "steps_per_task"),
        ({"optimizer": "lbfgs"}, ValueError, "optimizer"),
        ({"regularizer": "l2"}, TypeError, "regularizer"),
        ({"regularizer": torch.optim.SGD}, TypeError, "regularizer"),
    ],
)
def test_sequential_trainer_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        SequentialTrainer(LinearMap(2), **kwargs)


def test_regularizer_strength_validation():
    with pytest.raises(ValueError, match="lam"):
        L2ToPrevious(-0.1)
    with pytest.raises(ValueError, match="lam"):
        EWC(-1.0)
    with pytest.raises(ValueError, match="lam"):
        L2ToInit(-1.0)
    for beta in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="beta"):
            ArticlePull(beta)
    with pytest.raises(ValueError, match="regularizer"):
        make_regularizer("dropout", 1.0)


def test_run_bad_tasks(text_tasks):
    trainer = SequentialTrainer(LinearMap(2), progress=False)
    with pytest.raises(ValueError, match="tasks"):
        trainer.run([])
    with pytest.raises(ValueError, match=r"(?s)tasks\[0\].*classification.*LinearMap"):
        trainer.run(text_tasks)


def test_custom_regularizer_needs_no_trainer_change():
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


def test_regularizer_reused_for_a_new_stream_starts_fresh():
    tasks = linear_tasks(2)
    reg = L2ToPrevious(0.5)
    SequentialTrainer(LinearMap(2), reg, lr=0.1, steps_per_task=3, batch_size=8, progress=False).run(tasks)
    assert reg.anchor_set
    reg.start_task(LinearMap(2), 0)
    assert reg.penalty(LinearMap(2)) is None  # no stale anchor from the earlier run on task 0


def test_sequential_divergence_names_the_task():
    with pytest.raises(DivergenceError, match=r"(?s)diverged.*task 1 of 2"):
        SequentialTrainer(LinearMap(2), lr=50.0, steps_per_task=200, batch_size=100, progress=False).run(linear_tasks(2))
