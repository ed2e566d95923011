r"""Notebook 02, learning one mapping: formula 1, :math:`\theta' = \theta - \alpha\nabla_\theta L`, and its step size.

The checks, learning-rate explorer and figures of ``notebooks/02_learning_one_mapping``: one SGD step
by hand, the largest stable learning rate :math:`\alpha < 2/h_{\max}`, the loss surface with the path
gradient descent takes over it, and loss curves.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .._checks import check_float, check_int, check_type
from ..learn import (add_bias_column, DivergenceError, fit, least_squares, max_stable_lr, mse_objective, Regularizer,
                     stiffest_curvature)
from ..models import flat_params, LinearMap, set_flat_params
from ..tasks import MappingTask
from .feedback import _as_number, _call_learner, _close, _failed, _guard_checks, _passed
from .viz import _as_array, _box, _contour_quadratic, _finish, _finish_theta_plane, _new_axes
from .widgets import interactive_view, View, _wrap

__all__ = [
    "check_sgd_step",
    "check_max_stable_lr",
    "alpha_view",
    "alpha_slider",
    "plot_loss_surface",
    "plot_loss_curves",
]


def check_sgd_step(fn: Callable) -> bool:
    r"""Check a hand-written SGD step ``fn(theta, grad, lr) -> new theta`` against ``torch.optim.SGD``.

    The step is formula 1, :math:`\theta' = \theta - \alpha\nabla_\theta L`. The check computes the
    gradient of a small least-squares loss, lets ``torch.optim.SGD`` take one step, and compares.
    Exercise of ``notebooks/02_learning_one_mapping``.
    """
    gen = torch.Generator().manual_seed(1234)
    X = torch.randn(16, 3, generator=gen)
    y = torch.randn(16, generator=gen)
    lr = 0.1
    param = torch.nn.Parameter(torch.randn(3, generator=gen))
    loss = ((X @ param - y) ** 2).mean()
    loss.backward()
    theta, grad = param.detach().clone(), param.grad.detach().clone()
    opt = torch.optim.SGD([param], lr=lr)
    opt.step()
    expected = param.detach().clone()

    theta_in = theta.clone()
    with torch.no_grad():
        ok, result = _call_learner(fn, theta_in, grad.clone(), lr)
    if not ok:
        return False
    if result is None:
        if torch.allclose(theta_in, expected, atol=1e-6):
            return _failed("your function changed theta in place but returned None.",
                           "end the function with `return` and the new parameters.")
        return _failed("your function returned None.", "return the new parameter tensor.")
    if not isinstance(result, torch.Tensor):
        try:
            result = torch.as_tensor(result, dtype=theta.dtype)
        except (TypeError, ValueError):
            return _failed(f"your function returned a {type(result).__name__}, not a tensor.")
    if result.shape != theta.shape:
        return _failed(f"the result has shape {tuple(result.shape)}; theta has shape {tuple(theta.shape)}.",
                       "one step changes every parameter but keeps the shape: theta - lr * grad.")
    result = result.detach().to(theta.dtype)
    if torch.allclose(result, expected, atol=1e-6):
        return _passed("one step of theta - lr * grad matches torch.optim.SGD exactly.")
    if torch.allclose(result, theta + lr * grad, atol=1e-6):
        return _failed("you stepped uphill: the loss grows along the gradient.",
                       "subtract the gradient, theta - lr * grad.")
    if torch.allclose(result, theta - grad, atol=1e-6):
        return _failed("the learning rate is missing: you took the full gradient as the step.",
                       "multiply the gradient by lr before subtracting.")
    if torch.allclose(result, theta, atol=1e-9):
        return _failed("the parameters did not change.", "the new theta is theta - lr * grad.")
    if torch.allclose(result, -lr * grad, atol=1e-6):
        return _failed("you returned only the step -lr * grad, not the new parameters.",
                       "add the step to theta.")
    gap = float((result - expected).abs().max())
    return _failed(f"your step differs from torch.optim.SGD by up to {gap:.3g}.",
                   "formula 1: theta_new = theta - lr * grad, element by element.")


def _gram_eig_range(X) -> float:
    X = torch.as_tensor(X, dtype=torch.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D (n, d) array; got shape {tuple(X.shape)}")
    eig = torch.linalg.eigvalsh(X.T @ X / X.shape[0])
    return float(eig.max()), float(eig.min())


def check_max_stable_lr(answer, X) -> bool:
    r"""Check the largest learning rate for which gradient descent on :math:`\frac1n\|X\theta-y\|^2` converges.

    The Hessian is :math:`H = \frac{2}{n}X^\top X`; along its eigenvector with eigenvalue :math:`h`
    the error is multiplied by :math:`(1-\alpha h)` each step, so every direction shrinks only when
    :math:`\alpha < 2/h_{\max} = 1/\lambda_{\max}(X^\top X/n)`.
    Exercise of ``notebooks/02_learning_one_mapping``.
    """
    value = _as_number("your learning rate", answer)
    if value is None:
        return False
    s_max, s_min = _gram_eig_range(X)
    right = max_stable_lr(X)  # 2 / h_max = 1 / s_max
    if _close(value, right, rel=0.02, abs_=0.0):
        return _passed(f"alpha < {right:.4g}: above it the stiffest direction's error grows by |1 - alpha*h| > 1 each step.")
    if _close(value, 2.0 * right, rel=0.02, abs_=0.0):
        return _failed("that is twice the answer: the Hessian of (1/n)||X theta - y||^2 is 2 X^T X / n.",
                       "the loss has no 1/2 in front, so differentiating twice brings down a factor 2.")
    if _close(value, 0.5 * right, rel=0.02, abs_=0.0):
        return _failed("that rate is 1/h_max, the one that removes the stiffest direction's error in one step; "
                       "gradient descent still converges above it.",
                       "the error is multiplied by (1 - alpha*h); find where |1 - alpha*h| reaches 1.")
    if _close(value, 1.0 / s_min, rel=0.02, abs_=0.0) or _close(value, 0.5 / s_min, rel=0.02, abs_=0.0):
        return _failed("you used the smallest eigenvalue; the flattest direction is the safest one.",
                       "the largest eigenvalue (the stiffest direction) sets the limit.")
    return _failed(f"{value:.4g} is not the threshold.",
                   "compute the eigenvalues of X^T X / n; the Hessian is twice that; use 2 / (largest Hessian eigenvalue).")


def _regression_xy(task) -> tuple[Any, Any]:
    """``(X, y)`` float64 with X = [x, 1] for a 1-input, 1-output regression task."""
    X, Y = task.tensors()
    if X.dim() != 2 or X.shape[1] != 1 or Y.dim() != 2 or Y.shape[1] != 1:
        raise ValueError(f"task must map one number to one number; got inputs {tuple(X.shape)} and outputs {tuple(Y.shape)}")
    return add_bias_column(X.double()), Y.double().reshape(-1)


def _PathRecorder():
    """A do-nothing regularizer whose ``after_step`` hook records θ after every step (float64)."""
    class PathRecorder(Regularizer):
        def __init__(self):
            super().__init__()
            self.path = []

        def after_step(self, model):
            self.path.append(flat_params(model).double())

    return PathRecorder()


def alpha_view(alpha: float, task, steps: int = 40, start=(-2.0, 3.0)) -> View:
    r"""Gradient descent with learning rate ``alpha`` on a 1-D regression task, drawn on its loss surface.

    Runs formula 1, :math:`\theta \leftarrow \theta - \alpha\nabla L(\theta)` with
    :math:`L(w, b) = \frac1n\sum_i (w x_i + b - y_i)^2`, for ``steps`` full-batch steps of
    :func:`metamap_edu.learn.fit` on a :class:`~metamap_edu.models.LinearMap` started at ``start``
    = (w, b), recording θ after each step. The text classifies the run against the stability limit
    :math:`\alpha < 2/h_{\max}` (:math:`h_{\max}` = largest eigenvalue of the Hessian
    :math:`\frac2n X^\top X`): too small, good, diverging, or diverged. θ is recorded by a
    regularizer that only uses the ``after_step`` hook. A divergence raised by the
    library (:class:`~metamap_edu.learn.DivergenceError`) is caught and its message shown.
    Taught in ``notebooks/02_learning_one_mapping``.
    """
    alpha = check_float("alpha", alpha, min=0.0, min_inclusive=False)
    steps = check_int("steps", steps, min=1, max=10_000)
    X, y = _regression_xy(task)
    theta_star = least_squares(X, y)
    best = mse_objective(X, y, theta_star)
    h_max = stiffest_curvature(X)
    limit = max_stable_lr(X)  # 2 / h_max

    model = LinearMap(1, 1)
    set_flat_params(model, torch.tensor([float(v) for v in start], dtype=torch.float32))
    recorder = _PathRecorder()
    recorder.after_step(model)  # θ_0
    error = None
    try:
        fit(model, task, optimizer="sgd", lr=alpha, steps=steps, batch_size=len(task), regularizer=recorder,
            progress=False)
    except DivergenceError as err:
        error = err
    path = [theta for theta in recorder.path if bool(torch.isfinite(theta).all())]
    losses = [mse_objective(X, y, theta) for theta in path]

    # fixed margins, not a layout engine: laying the figure out again on every draw doubled the
    # time a slider move takes
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    fig.subplots_adjust(left=0.065, right=0.985, bottom=0.12, top=0.92, wspace=0.2)
    P = torch.stack(path).numpy()
    start_arr = np.asarray(start, float)
    span = max(2.5 * float(np.abs(start_arr - theta_star.numpy()).max()), 1.0)
    view = (theta_star.numpy() - span / 2, theta_star.numpy() + span / 2)
    plot_loss_surface(X.numpy(), y.numpy(), P, labels=("weight $w$", "bias $b$"), view=view,
                      title=f"α = {alpha:.3g}: the path of θ", ax=ax1)
    plot_loss_curves({f"α = {alpha:.3g}": losses}, ylabel="loss $L(\\theta)$", title="loss per step", ax=ax2)
    ax2.axhline(best, color="black", linestyle=":", linewidth=1, label="minimum")
    # ticks at the powers of 10 only, with plain labels: a log axis's minor-tick labels in TeX take
    # most of the time to draw this figure, which a widget redraws on every move of the slider
    ax2.yaxis.set_major_locator(LogLocator(base=10))
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax2.yaxis.set_minor_locator(NullLocator())
    ax2.legend(fontsize=8)

    head = f"alpha = {alpha:.3g}; gradient descent is stable for alpha < 2 / h_max = {limit:.3f}.\n"
    if error is not None:
        text = head + f"DIVERGED after {len(path) - 1} steps. The library stopped with:\n  {error}"
    elif losses[-1] > losses[0]:
        text = head + (f"DIVERGING: the loss grew from {losses[0]:.3g} to {losses[-1]:.3g} in {steps} steps "
                       f"(each step multiplies the error along the stiffest direction by |1 - alpha*h_max| = "
                       f"{abs(1 - alpha * h_max):.2f} > 1).")
    elif losses[-1] - best > 0.05 * (losses[0] - best):
        text = head + (f"TOO SMALL: after {steps} steps the loss is {losses[-1]:.3f}, still "
                       f"{losses[-1] - best:.3f} above its minimum {best:.3f}.")
    else:
        text = head + f"GOOD: after {steps} steps the loss is {losses[-1]:.4f}; the minimum is {best:.4f}."
    return View(fig, _wrap(text))


def alpha_slider(task, steps: int = 40, start=(-2.0, 3.0), alpha: float = 0.1, min_exp: float = -3.0, max_exp: float = 0.5):
    """An α slider (log scale, ``10**min_exp`` to ``10**max_exp``) driving :func:`alpha_view`."""
    check_type("task", task, MappingTask)
    steps = check_int("steps", steps, min=1, max=10_000)
    import ipywidgets as w  # optional front end: only a builder needs it

    slider = w.FloatLogSlider(value=alpha, base=10, min=min_exp, max=max_exp, step=0.05, description="α",
                              continuous_update=False, readout_format=".3g")
    return interactive_view(alpha_view, {"alpha": slider}, task=task, steps=steps, start=start)


def plot_loss_surface(
    X,
    y,
    path=None,
    *,
    labels: Sequence[str] = ("$\\theta_1$", "$\\theta_2$"),
    title: str | None = None,
    ax=None,
    view=None,
) -> Figure:
    r"""Contours of :math:`L(\theta) = \frac1n\|X\theta - y\|^2` for two parameters, plus a path.

    ``X`` is ``(n, 2)`` (for ``y = w x + b`` pass the columns ``[x, 1]``), ``y`` is ``(n,)``,
    ``path`` is a ``(k, 2)`` sequence of parameter vectors (e.g. the gradient-descent iterates
    :math:`\theta_{s+1} = \theta_s - \alpha\nabla L(\theta_s)`). A path that runs off the view is
    clipped at the edge (a divergent run). ``view`` = ``((lo1, lo2), (hi1, hi2))`` fixes the box.

    Taught in ``notebooks/02_learning_one_mapping``.
    """
    X = _as_array("X", X, ndim=2, last=2)
    y = _as_array("y", y).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one value per row of X ({X.shape[0]}); got {y.shape[0]}")
    theta_star = least_squares(X, y).numpy()
    pts = [theta_star[None, :]]
    if path is not None:
        path = _as_array("path", path, ndim=2, last=2)
        pts.append(path[:1])
    if view is None:
        lo, hi = _box(np.concatenate(pts), pad=0.45, min_span=1.0)
    else:
        lo, hi = np.asarray(view[0], float), np.asarray(view[1], float)
    fig, ax = _new_axes(ax)
    _contour_quadratic(ax, X, y, lo, hi)
    ax.plot(*theta_star, marker="*", color="black", markersize=14, linestyle="none", label="minimum $\\theta^*$")
    if path is not None and len(path):
        finite = np.all(np.isfinite(path), axis=1)
        p = path[finite]
        ax.plot(p[:, 0], p[:, 1], "-o", color="tab:red", markersize=3, linewidth=1.2, label="gradient-descent path")
        ax.plot(*p[0], marker="s", color="tab:red", markersize=8, linestyle="none", label="start")
    return _finish_theta_plane(fig, ax, lo, hi, labels, title, legend_loc="upper right")


def plot_loss_curves(
    curves: Mapping[str, Sequence[float]] | Sequence[float],
    *,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = True,
    title: str | None = None,
    ax=None,
) -> Figure:
    """Loss (or any metric) per step; ``curves`` is one sequence or a mapping ``label -> sequence``.

    Non-finite values are dropped (a diverging run simply stops on the plot).
    Taught in ``notebooks/02_learning_one_mapping``.
    """
    if not isinstance(curves, Mapping):
        curves = {"": curves}
    fig, ax = _new_axes(ax, figsize=(6, 3.6))
    for label, values in curves.items():
        v = _as_array(f"curves[{label!r}]", values).reshape(-1)
        steps = np.arange(len(v))
        keep = np.isfinite(v)
        ax.plot(steps[keep], v[keep], label=label or None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if any(curves):
        ax.legend(fontsize=8)
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
