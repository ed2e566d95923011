"""regularizers: the penalties and the pull of formula 2 (L2ToPrevious, ArticlePull, EWC, L2ToInit)."""
import math

import numpy as np
import pytest
import torch

from metamap_edu.learn import (
    EWC,
    ArticlePull,
    L2ToInit,
    L2ToPrevious,
    SequentialTrainer,
    fit,
    make_regularizer,
    pull_as_l2,
    ridge_toward,
)
from metamap_edu.models import BagOfWordsClassifier, LinearMap, flat_params, set_flat_params


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


def test_adam_coupled_reaches_ridge_but_pull_shrinks_alike(regression_task):
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


def test_l2_to_init_anchor_stays(linear_tasks):
    tasks = linear_tasks(2)
    model = LinearMap(2)
    theta0 = flat_params(model)
    reg = L2ToInit(0.5)
    res = SequentialTrainer(model, reg, "sgd", lr=0.1, steps_per_task=10, batch_size=8, progress=False).run(tasks)
    assert torch.equal(reg.anchor, theta0) and len(res.params) == 3


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
