r"""Notebook 04, staying close: the L2 bridge :math:`\min_\theta L_t(\theta) + \lambda\|\theta - \theta_{t-1}\|^2`.

The check, lambda explorer and figures of ``notebooks/04_staying_close_the_l2_bridge``: the ridge
solution toward the previous task's parameters, the path it takes as :math:`\lambda` grows, parameters
moving across tasks, and the stability-plasticity trade-off (also drawn in ``notebooks/04b``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from .._checks import check_float, check_type, _show
from ..learn import least_squares, mse_objective, ridge_toward
from .feedback import _call_learner, _failed, _guard_checks, _passed
from .viz import _as_array, _box, _contour_quadratic, _finish, _finish_theta_plane, _new_axes
from .widgets import interactive_view, View

__all__ = [
    "check_ridge_toward",
    "lambda_view",
    "lambda_slider",
    "plot_task_trajectories",
    "plot_ridge_path",
    "plot_stability_plasticity",
]


def check_ridge_toward(fn: Callable) -> bool:
    r"""Check a learner's closed form ``fn(X, y, theta_prev, lam)`` for
    :math:`\arg\min_\theta \frac1n\|X\theta-y\|^2 + \lambda\|\theta-\theta_{prev}\|^2
    = (X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{prev})`.

    Tried on a few random problems and λ values; compared in float64.
    Exercise of ``notebooks/04_staying_close_the_l2_bridge``.
    """
    gen = torch.Generator().manual_seed(4321)
    n, d = 20, 3
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.randn(n, generator=gen, dtype=torch.float64)
    theta_prev = torch.randn(d, generator=gen, dtype=torch.float64)
    eye = torch.eye(d, dtype=torch.float64)

    def solve(A, b):
        return torch.linalg.solve(A, b)

    wrong = {
        "the 1/n is missing: (X^T X + lam I)^-1 (X^T y + lam theta_prev) solves a problem whose data term is n times larger.":
            lambda lam: solve(X.T @ X + lam * eye, X.T @ y + lam * theta_prev),
        "the lam * theta_prev term is missing: that is ridge toward 0, not toward theta_prev.":
            lambda lam: solve(X.T @ X / n + lam * eye, X.T @ y / n),
        "lam is doubled: both terms are squared norms without 1/2, so the factor 2 cancels on both sides.":
            lambda lam: solve(X.T @ X / n + 2 * lam * eye, X.T @ y / n + 2 * lam * theta_prev),
    }
    lams = (0.0, 0.1, 1.0, 10.0)
    results = []
    for lam in lams:
        ok, out = _call_learner(fn, X.clone(), y.clone(), theta_prev.clone(), lam)
        if not ok:
            return False
        if out is None:
            return _failed("your function returned None.", "return the minimiser theta (a tensor of shape (d,)).")
        try:
            out = torch.as_tensor(out, dtype=torch.float64).reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            return _failed(f"your function returned a {type(out).__name__}, not a vector.")
        if out.shape != (d,):
            return _failed(f"your result has {out.numel()} numbers; theta has {d}.")
        results.append(out)
    right = [solve(X.T @ X / n + lam * eye, X.T @ y / n + lam * theta_prev) for lam in lams]
    if all(torch.allclose(r, e, atol=1e-6) for r, e in zip(results, right)):
        return _passed("your closed form matches for lam = 0, 0.1, 1 and 10.")
    for message, formula in wrong.items():
        if all(torch.allclose(r, formula(lam), atol=1e-6) for r, lam in zip(results, lams)):
            return _failed(message, "set the gradient (2/n) X^T (X theta - y) + 2 lam (theta - theta_prev) to zero.")
    bad = [lam for r, e, lam in zip(results, right, lams) if not torch.allclose(r, e, atol=1e-6)]
    return _failed(f"your answer is wrong for lam in {bad}.",
                   "theta* = (X^T X / n + lam I)^-1 (X^T y / n + lam theta_prev); use torch.linalg.solve.")


def _f64(value):
    """A float64 tensor from a tensor, array or nested list."""
    if isinstance(value, torch.Tensor):
        return value.detach().to(torch.float64)
    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def lambda_view(lam: float, X, y, theta_prev, lams=None) -> View:
    r"""Formula 2's exact answer on a 2-parameter task: θ_t moves from the task optimum to θ_{t−1} as λ grows.

    :math:`\theta_t = \arg\min_\theta \frac1n\|X\theta - y\|^2 + \lambda\|\theta - \theta_{t-1}\|^2`
    from :func:`metamap_edu.learn.closed_form.ridge_toward`, drawn over the new task's loss contours with
    the whole path :math:`\lambda \mapsto \theta_t(\lambda)`. ``X`` is ``(n, 2)``.
    Taught in ``notebooks/04_staying_close_the_l2_bridge``.
    """
    lam = check_float("lam", lam, min=0.0)
    X, y, prev = (_f64(v) for v in (X, y, theta_prev))
    if X.dim() != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be an (n, 2) array for the 2-D picture; got shape {tuple(X.shape)}")
    y, prev = y.reshape(-1), prev.reshape(-1)
    theta = ridge_toward(X, y, prev, lam)
    star = least_squares(X, y)
    lams = np.r_[0.0, np.geomspace(1e-3, 1e3, 60)] if lams is None else np.asarray(lams, float)
    fig = plot_ridge_path(X.numpy(), y.numpy(), prev.numpy(), lams, lam=lam, theta_lam=theta.numpy(),
                          title=f"λ = {lam:.3g}")
    total = float((star - prev).norm())
    moved = float((theta - prev).norm())
    text = (f"lambda = {lam:.3g}: theta_t = ({theta[0]:.3f}, {theta[1]:.3f}); "
            f"new-task loss {mse_objective(X, y, theta):.3f} (its minimum is {mse_objective(X, y, star):.3f});\n"
            f"  ||theta_t - theta_prev|| = {moved:.3f}, {moved / total if total > 0 else 0.0:.0%} of the distance "
            f"to the new optimum.")
    return View(fig, text)


def lambda_slider(X, y, theta_prev, lam: float = 1.0, min_exp: float = -3.0, max_exp: float = 3.0):
    """A λ slider (log scale) driving :func:`lambda_view`."""
    tensors = []
    for name, value in (("X", X), ("y", y), ("theta_prev", theta_prev)):
        try:
            tensors.append(_f64(value))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a tensor, an array or a nested list of numbers; got {_show(value)}") from None
    X_, y_, prev_ = tensors
    ridge_toward(X_, y_.reshape(-1), prev_.reshape(-1), lam=check_float("lam", lam, min=0.0))  # the view's checks
    import ipywidgets as w  # optional front end: only a builder needs it

    slider = w.FloatLogSlider(value=lam, base=10, min=min_exp, max=max_exp, step=0.1, description="λ",
                              continuous_update=False, readout_format=".3g")
    return interactive_view(lambda_view, {"lam": slider}, X=X, y=y, theta_prev=theta_prev)


_TASK_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


def plot_task_trajectories(
    thetas,
    tasks: Sequence[tuple],
    *,
    task_names: Sequence[str] | None = None,
    labels: Sequence[str] = ("$\\theta_1$", "$\\theta_2$"),
    title: str | None = None,
    ax=None,
) -> Figure:
    r"""θ after each task in 2-D, over the loss contours of every task.

    ``tasks`` is a sequence of ``(X, y)`` pairs, one 2-parameter regression per task, drawn as
    contours of :math:`L_t(\theta)=\frac1n\|X_t\theta-y_t\|^2` with the optimum marked ``*``.
    ``thetas`` is a ``(k, 2)`` array -- :math:`\theta_0` then the parameters after each task --
    or a mapping ``run label -> (k, 2) array`` to compare runs (e.g. no regularizer vs L2).
    Taught in ``notebooks/04_staying_close_the_l2_bridge``.
    """
    check_type("tasks", tasks, (list, tuple), "a list of (X, y) pairs")
    if len(tasks) == 0:
        raise ValueError("tasks must contain at least one (X, y) pair; got an empty sequence")
    runs = dict(thetas) if isinstance(thetas, Mapping) else {"θ after each task": thetas}
    runs = {k: _as_array(f"thetas[{k!r}]", v, ndim=2, last=2) for k, v in runs.items()}
    data = []
    for i, pair in enumerate(tasks):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"tasks[{i}] must be an (X, y) pair")
        X = _as_array(f"tasks[{i}][0]", pair[0], ndim=2, last=2)
        y = _as_array(f"tasks[{i}][1]", pair[1]).reshape(-1)
        data.append((X, y))
    names = [f"task {i + 1}" for i in range(len(data))] if task_names is None else list(task_names)
    optima = np.stack([least_squares(X, y).numpy() for X, y in data])
    lo, hi = _box(np.concatenate([optima] + list(runs.values())), pad=0.25, min_span=1.0)
    fig, ax = _new_axes(ax, figsize=(6, 5))
    for i, (X, y) in enumerate(data):
        colour = _TASK_COLOURS[i % len(_TASK_COLOURS)]
        _contour_quadratic(ax, X, y, lo, hi, color=colour, levels=6, alpha=0.55)
        ax.plot(*optima[i], marker="*", markersize=15, color=colour, markeredgecolor="black",
                linestyle="none", label=f"optimum of {names[i]}")
    styles = ("-o", "--s", ":^", "-.D")
    for r, (label, path) in enumerate(runs.items()):
        line, = ax.plot(path[:, 0], path[:, 1], styles[r % len(styles)], color="black" if r == 0 else f"C{r + 3}",
                        linewidth=1.5, markersize=6, label=label)
        for t, point in enumerate(path):
            ax.annotate(f"$\\theta_{t}$", point, textcoords="offset points", xytext=(5, 5), fontsize=8,
                        color=line.get_color())
    return _finish_theta_plane(fig, ax, lo, hi, labels, title)


def plot_ridge_path(
    X,
    y,
    theta_prev,
    lams: Sequence[float],
    *,
    lam: float | None = None,
    theta_lam=None,
    labels: Sequence[str] = ("$\\theta_1$", "$\\theta_2$"),
    title: str | None = None,
    ax=None,
) -> Figure:
    r"""The curve :math:`\lambda \mapsto \theta^*(\lambda)` from the task optimum to :math:`\theta_{t-1}`.

    :math:`\theta^*(\lambda) = \arg\min_\theta \frac1n\|X\theta-y\|^2 + \lambda\|\theta-\theta_{t-1}\|^2`
    is computed here for each λ in ``lams`` with the closed form
    :math:`(X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{t-1})`; pass ``theta_lam``
    (the point for the chosen ``lam``) to highlight it. Taught in ``notebooks/04_staying_close_the_l2_bridge``.
    """
    X = _as_array("X", X, ndim=2, last=2)
    y = _as_array("y", y).reshape(-1)
    theta_prev = _as_array("theta_prev", theta_prev).reshape(-1)
    if theta_prev.shape != (2,):
        raise ValueError(f"theta_prev must hold 2 numbers; got shape {theta_prev.shape}")
    path = np.stack([ridge_toward(X, y, theta_prev, float(l)).numpy() for l in lams])
    theta_star = least_squares(X, y).numpy()
    lo, hi = _box(np.stack([theta_star, theta_prev]), pad=0.35, min_span=1.0)
    fig, ax = _new_axes(ax)
    _contour_quadratic(ax, X, y, lo, hi, cmap="Blues_r", levels=12)
    ax.plot(path[:, 0], path[:, 1], "-", color="tab:gray", linewidth=2, label="$\\theta^*(\\lambda)$, λ from 0 to ∞")
    ax.plot(*theta_star, marker="*", markersize=15, color="tab:blue", markeredgecolor="black", linestyle="none",
            label="new task's optimum (λ = 0)")
    ax.plot(*theta_prev, marker="o", markersize=10, color="tab:orange", markeredgecolor="black", linestyle="none",
            label="$\\theta_{t-1}$ (λ → ∞)")
    if theta_lam is not None:
        point = _as_array("theta_lam", theta_lam).reshape(-1)
        text = "" if lam is None else f", λ = {lam:.3g}"
        ax.plot(*point, marker="D", markersize=10, color="tab:red", markeredgecolor="black", linestyle="none",
                label=f"$\\theta_t${text}")
    return _finish_theta_plane(fig, ax, lo, hi, labels, title)


def plot_stability_plasticity(
    lams: Sequence[float],
    acc: Sequence[float],
    bwt: Sequence[float],
    last: Sequence[float],
    *,
    xlabel: str = "λ",
    title: str | None = "stability vs plasticity",
    ax=None,
) -> Figure:
    """ACC, BWT and last-task accuracy against the regularization strength.

    ACC and the last-task accuracy share the left axis (accuracy, 0 to 1); BWT, a difference of
    accuracies a few hundredths either side of 0, gets its own right axis with a line at 0, so
    its changes are visible rather than flat against the accuracies.
    λ = 0 is allowed: the x axis is linear up to the smallest positive λ and logarithmic above
    (``symlog``). Small λ: plastic but forgetful (BWT very negative); huge λ: stable but the last
    task is barely learned. Taught in ``notebooks/04_staying_close_the_l2_bridge`` and ``notebooks/04b_the_articles_pull_repaired``.
    """
    lams = _as_array("lams", lams).reshape(-1)
    series = {"ACC (mean final accuracy)": acc, "last-task accuracy": last, "BWT (backward transfer, right axis)": bwt}
    arrays = {}
    for name, values in series.items():
        v = _as_array(name.split()[0].lower(), values).reshape(-1)
        if v.shape != lams.shape:
            raise ValueError(f"{name.split()[0]} must have one value per λ ({lams.size}); got {v.size}")
        arrays[name] = v
    if np.any(lams < 0):
        raise ValueError("lams must all be >= 0")
    order = np.argsort(lams)
    fig, ax = _new_axes(ax, figsize=(6.5, 4))
    right = ax.twinx()
    handles = []
    for (name, v), marker, colour in zip(arrays.items(), ("o", "^", "s"), ("C0", "C2", "C1")):
        target = right if name.startswith("BWT") else ax
        handles += target.plot(lams[order], v[order], marker=marker, color=colour, label=name,
                               linestyle="--" if target is right else "-")
    positive = lams[lams > 0]
    if positive.size:
        ax.set_xscale("symlog", linthresh=float(positive.min()))
    right.axhline(0.0, color="C1", linewidth=0.8, linestyle=":")
    bwt_span = max(float(np.abs(arrays["BWT (backward transfer, right axis)"]).max()), 0.01) * 1.3
    right.set_ylim(-bwt_span, bwt_span)
    right.set_ylabel("BWT (negative = forgetting)", color="C1")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    if title:
        ax.set_title(title)
    ax.legend(handles=handles, fontsize=8, loc="best")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
