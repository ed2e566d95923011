r"""Exact answers for linear models, used to check that training gets them right.

Convention (the one :class:`metamap_edu.models.LinearMap` trains with): the data loss is the
*mean* squared error, and the proximal term has no ½:

.. math::

    J(\theta) = \frac{1}{n}\lVert X\theta - y\rVert^2 + \lambda \lVert \theta - \theta_{prev} \rVert^2

Setting the gradient :math:`\tfrac{2}{n}X^\top(X\theta - y) + 2\lambda(\theta - \theta_{prev})` to
zero gives

.. math:: \theta^* = \left(\tfrac{1}{n} X^\top X + \lambda I\right)^{-1}
                     \left(\tfrac{1}{n} X^\top y + \lambda\,\theta_{prev}\right)

Limits: as λ → 0, θ* → the least-squares solution (the new task's optimum: plasticity);
as λ → ∞, θ* → θ_prev (the previous task's parameters are kept: stability). In between, in the
eigenbasis of :math:`H = X^\top X / n`, each coordinate moves a fraction
:math:`h_i / (h_i + \lambda)` of the way from θ_prev to the new optimum -- directions the new task
cares little about (small curvature h_i) stay near θ_prev.

Gradient descent with rate α on the data loss multiplies the error along the eigenvector of the
Hessian :math:`\nabla^2 L = \tfrac{2}{n}X^\top X` with eigenvalue h by (1 − αh) each step, so it
converges only for :math:`\alpha < 2/h_{\max}` (:func:`max_stable_lr`; notebook 02).

A bias is handled by appending a column of ones to X (:func:`add_bias_column`); θ is then
``[w_1, ..., w_d, b]``, the order of :func:`metamap_edu.models.flat_params`. All computations are
done in float64.

Taught in notebooks/04_staying_close_the_l2_bridge.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._checks import check_float

__all__ = ["add_bias_column", "least_squares", "ridge_toward", "mse_objective", "shrink_fractions", "stiffest_curvature",
           "max_stable_lr"]


def _as_f64(name: str, value: Any, dim: int | tuple[int, ...]) -> torch.Tensor:
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        value = torch.as_tensor(np.asarray(value, dtype=np.float64))
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, array or list of numbers; got {type(value).__name__}")
    value = value.detach().to(torch.float64)
    dims = (dim,) if isinstance(dim, int) else dim
    if value.dim() not in dims:
        raise ValueError(f"{name} must have {' or '.join(str(d) for d in dims)} dimensions; got shape {tuple(value.shape)}")
    if not torch.isfinite(value).all():
        raise ValueError(f"{name} must contain only finite numbers")
    return value


def _check_xy(X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    X = _as_f64("X", X, 2)
    y = _as_f64("y", y, (1, 2))
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of rows; got {X.shape[0]} and {y.shape[0]}")
    if X.shape[0] == 0:
        raise ValueError("X must have at least one row")
    return X, y


def add_bias_column(X: Any) -> torch.Tensor:
    """Return ``[X, 1]``: X (n, d) with a column of ones appended, so θ = [w, b] (float64)."""
    X = _as_f64("X", X, 2)
    return torch.cat([X, torch.ones(X.shape[0], 1, dtype=torch.float64)], dim=1)


def least_squares(X: Any, y: Any) -> torch.Tensor:
    r"""θ minimising :math:`\frac{1}{n}\lVert X\theta - y\rVert^2` (minimum-norm when not unique).

    X (n, d), y (n,) or (n, k) -> θ (d,) or (d, k), float64.
    """
    X, y = _check_xy(X, y)
    return torch.linalg.pinv(X) @ y


def ridge_toward(X: Any, y: Any, theta_prev: Any, lam: float) -> torch.Tensor:
    r"""The minimiser of :math:`\frac{1}{n}\lVert X\theta - y\rVert^2 + \lambda\lVert\theta - \theta_{prev}\rVert^2`.

    .. math:: \theta^* = (X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\,\theta_{prev})

    X (n, d), y (n,) or (n, k), theta_prev (d,) or (d, k) like y, ``lam`` ≥ 0 -> θ* (float64).
    ``lam = 0`` gives :func:`least_squares`; a huge ``lam`` gives back ``theta_prev``.
    """
    X, y = _check_xy(X, y)
    lam = check_float("lam", lam, min=0.0)
    theta_prev = _as_f64("theta_prev", theta_prev, (1, 2))
    want = (X.shape[1],) + tuple(y.shape[1:])
    if tuple(theta_prev.shape) != want:
        raise ValueError(f"theta_prev must have shape {want} to match X and y; got {tuple(theta_prev.shape)}")
    if lam == 0.0:
        return least_squares(X, y)
    n, d = X.shape
    A = X.T @ X / n + lam * torch.eye(d, dtype=torch.float64)
    rhs = X.T @ y / n + lam * theta_prev
    return torch.linalg.solve(A, rhs)


def mse_objective(X: Any, y: Any, theta: Any, theta_prev: Any = None, lam: float = 0.0) -> float:
    r"""Value of :math:`\frac{1}{n}\lVert X\theta - y\rVert^2 + \lambda\lVert\theta - \theta_{prev}\rVert^2` (float)."""
    X, y = _check_xy(X, y)
    theta = _as_f64("theta", theta, (1, 2))
    lam = check_float("lam", lam, min=0.0)
    value = ((X @ theta - y) ** 2).sum() / X.shape[0]
    if lam > 0.0:
        if theta_prev is None:
            raise ValueError("theta_prev is required when lam > 0")
        value = value + lam * ((theta - _as_f64("theta_prev", theta_prev, (1, 2))) ** 2).sum()
    return float(value)


def shrink_fractions(curvatures: Any, lam: float) -> torch.Tensor:
    r"""Fraction :math:`h_i/(h_i+\lambda)` of the way each eigen-direction moves toward the new optimum."""
    h = _as_f64("curvatures", curvatures, 1)
    if (h < 0).any():
        raise ValueError("curvatures must be non-negative")
    lam = check_float("lam", lam, min=0.0)
    return h / (h + lam) if lam > 0 else torch.ones_like(h)


def stiffest_curvature(X: Any) -> float:
    r""":math:`h_{\max}`, the largest eigenvalue of the Hessian :math:`\tfrac{2}{n}X^\top X` of :math:`\frac{1}{n}\lVert X\theta - y\rVert^2`.

    X (n, d) (with a column of ones for a bias, :func:`add_bias_column`); computed in float64.
    Taught in notebooks/02_learning_one_mapping.
    """
    X = _as_f64("X", X, 2)
    if X.shape[0] == 0:
        raise ValueError("X must have at least one row")
    return float(torch.linalg.eigvalsh(2 * X.T @ X / X.shape[0]).max())


def max_stable_lr(X: Any) -> float:
    r"""The step-size limit :math:`2/h_{\max}` of gradient descent on :math:`\frac{1}{n}\lVert X\theta - y\rVert^2`.

    Along the Hessian's eigenvector with eigenvalue h the error is multiplied by (1 − αh) each
    step, so every direction shrinks only when α < 2/h_max (:func:`stiffest_curvature`); at
    α = 1/h_max the stiffest direction's error vanishes in one step. Taught in
    notebooks/02_learning_one_mapping (the α widget and its exercise).
    """
    return 2.0 / stiffest_curvature(X)
