"""closed_form: the exact answers, their limits, and training reaching them (formula 2)."""

import pytest
import torch

from metamap_edu.learn.closed_form import (add_bias_column, least_squares, max_stable_lr, mse_objective, ridge_toward,
                                          shrink_fractions, stiffest_curvature)
from metamap_edu.models import LinearMap, flat_params, set_flat_params
from metamap_edu.tasks import MappingTask
from metamap_edu.learn import L2ToPrevious, fit



def regression_task(X, y, name="toy/regression"):
    return MappingTask(name, "regression", [(tuple(map(float, a)), (float(b),)) for a, b in zip(X.tolist(), y.tolist())])


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(40, 2, generator=g)
    y = X @ torch.tensor([2.0, -1.0]) + 0.5 + 0.1 * torch.randn(40, generator=g)
    return X, y


def test_ridge_formula_is_the_minimiser(data):
    X, y = data
    Xb = add_bias_column(X)
    prev = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64)
    theta = ridge_toward(Xb, y, prev, 0.3)
    # gradient of (1/n)||Xθ-y||² + λ||θ-θp||² vanishes
    grad = 2 * Xb.T @ (Xb @ theta - y.double()) / len(y) + 2 * 0.3 * (theta - prev)
    assert grad.abs().max() < 1e-10
    best = mse_objective(Xb, y, theta, prev, 0.3)
    for _ in range(5):
        assert mse_objective(Xb, y, theta + 1e-3 * torch.randn(3, dtype=torch.float64), prev, 0.3) > best


def test_limits(data):
    X, y = data
    Xb = add_bias_column(X)
    prev = torch.tensor([5.0, -3.0, 2.0])
    ls = least_squares(Xb, y)
    assert torch.allclose(ridge_toward(Xb, y, prev, 0.0), ls)
    assert torch.allclose(ridge_toward(Xb, y, prev, 1e-9), ls, atol=1e-6)
    assert torch.allclose(ridge_toward(Xb, y, prev, 1e9), prev.double(), atol=1e-6)
    assert torch.allclose(ls[:2], torch.tensor([2.0, -1.0], dtype=torch.float64), atol=0.1)


def test_shrink_fractions():
    f = shrink_fractions([100.0, 1.0, 0.01], 1.0)
    assert torch.allclose(f, torch.tensor([100 / 101, 0.5, 0.01 / 1.01], dtype=torch.float64))


def test_bad_inputs(data):
    X, y = data
    with pytest.raises(ValueError, match="lam"):
        ridge_toward(X, y, torch.zeros(2), -1.0)
    with pytest.raises(ValueError, match="theta_prev"):
        ridge_toward(X, y, torch.zeros(3), 1.0)
    with pytest.raises(ValueError, match="same number of rows"):
        least_squares(X, y[:5])
    with pytest.raises(TypeError, match="X"):
        least_squares("X", y)


@pytest.mark.parametrize("optimizer, lr, steps", [("sgd", 0.3, 800), ("adam", 0.01, 1500)])
def test_l2_to_previous_reaches_ridge_solution(data, optimizer, lr, steps):
    X, y = data
    task = regression_task(X, y)
    prev = torch.tensor([1.0, 1.0, 0.0])
    model = LinearMap(2)
    set_flat_params(model, prev)
    reg = L2ToPrevious(0.3)
    reg.start_task(model, 1)  # anchor θ_{t-1} = prev
    fit(model, task, optimizer, lr=lr, steps=steps, batch_size=len(task), progress=False, regularizer=reg)
    expected = ridge_toward(add_bias_column(X), y, prev, 0.3)
    assert (flat_params(model).double() - expected).abs().max() < 1e-4


def test_max_stable_lr_is_two_over_the_stiffest_curvature_and_splits_converge_from_diverge():
    g = torch.Generator().manual_seed(0)
    X = add_bias_column(torch.randn(30, 1, generator=g, dtype=torch.float64) * 2 + 1)
    y = X @ torch.tensor([1.5, -0.5], dtype=torch.float64)
    h = torch.linalg.eigvalsh(2 * X.T @ X / X.shape[0])
    assert stiffest_curvature(X) == pytest.approx(float(h.max()), rel=1e-12)
    limit = max_stable_lr(X)
    assert limit == pytest.approx(2.0 / float(h.max()), rel=1e-12)

    def distance_after(alpha, steps=300):
        theta = torch.zeros(2, dtype=torch.float64)
        for _ in range(steps):
            theta = theta - alpha * 2 * X.T @ (X @ theta - y) / X.shape[0]
        return float((theta - least_squares(X, y)).norm())

    assert distance_after(0.95 * limit) < 1e-3  # just below the limit: converges
    assert distance_after(1.05 * limit) > 1e3  # just above: the stiffest direction blows up
    with pytest.raises(ValueError, match="X"):
        max_stable_lr(torch.ones(3))
