r"""What every figure of the course shares: checked array input, axes made or borrowed, loss contours.

Every ``plot_...`` function of the notebook modules takes plain data and returns a matplotlib
``Figure``; nothing calls ``plt.show()``: a notebook decides when to show a figure, a test just closes
it. The contour helpers draw the loss :math:`L(\theta) = \frac1n\|X\theta - y\|^2` of a 2-parameter
linear regression over the :math:`(\theta_1, \theta_2)` plane, which ``notebooks/02_learning_one_mapping``
and ``notebooks/04_staying_close_the_l2_bridge`` draw paths on.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..learn import least_squares

__all__ = []


def _as_array(name: str, value, ndim: int | None = None, last: int | None = None) -> np.ndarray:
    """``value`` (list, NumPy array or torch tensor) as a float64 array with a checked shape."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be array-like of numbers; got {type(value).__name__}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {arr.shape}")
    if last is not None and arr.shape[-1] != last:
        raise ValueError(f"{name} must have {last} columns; got shape {arr.shape}")
    return arr


def _new_axes(ax, figsize=(5.5, 4.5)):
    """``(figure, axes)``: a new figure when ``ax`` is None, else the figure ``ax`` belongs to."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        fig._metamap_owned = True  # this function made it, so it may lay it out
        return fig, ax
    if not hasattr(ax, "figure"):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax.figure, ax


def _finish(fig):
    """Tight layout, but only for a figure we created: a caller passing ``ax`` lays out its own."""
    if getattr(fig, "_metamap_owned", False):
        fig.tight_layout()
    return fig


def _mse_grid(X: np.ndarray, y: np.ndarray, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """L(theta) = (1/n) ||X theta - y||^2 on a grid, using the quadratic's sufficient statistics."""
    n = X.shape[0]
    A = X.T @ X / n          # (2, 2)
    b = X.T @ y / n          # (2,)
    c = float(y @ y / n)
    return A[0, 0] * t1**2 + 2 * A[0, 1] * t1 * t2 + A[1, 1] * t2**2 - 2 * (b[0] * t1 + b[1] * t2) + c


def _finish_theta_plane(fig, ax, lo, hi, labels, title, legend_loc="best"):
    """The shared ending of every 2-D θ-plane plot: the view box, axis names, title and legend."""
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title)
    ax.legend(loc=legend_loc, fontsize=8, framealpha=0.85)
    return _finish(fig)


def _box(points: np.ndarray, pad: float = 0.35, min_span: float = 1.0, max_span: float | None = None):
    """A square-ish view box around the finite ``points`` (k, 2)."""
    pts = points[np.all(np.isfinite(points), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    span = np.maximum(hi - lo, min_span) * (1 + 2 * pad)
    if max_span is not None:
        span = np.minimum(span, max_span)
    return centre - span / 2, centre + span / 2


def _loss_levels(Z: np.ndarray, zmin: float, k: int = 14) -> np.ndarray:
    """Contour levels spaced evenly in log(L - L_min), so the valley floor and the walls both show."""
    span = float(np.nanmax(Z) - zmin)
    if not np.isfinite(span) or span <= 0:
        return np.linspace(zmin, zmin + 1.0, k)
    return zmin + np.geomspace(span * 1e-3, span, k)


def _contour_quadratic(ax, X, y, lo, hi, color=None, cmap="viridis", levels=14, grid=120, alpha=1.0):
    t1 = np.linspace(lo[0], hi[0], grid)
    t2 = np.linspace(lo[1], hi[1], grid)
    T1, T2 = np.meshgrid(t1, t2)
    Z = _mse_grid(X, y, T1, T2)
    theta_star = least_squares(X, y).numpy()
    zmin = float(_mse_grid(X, y, np.array(theta_star[0]), np.array(theta_star[1])))
    lv = _loss_levels(Z, zmin, levels)
    if color is None:
        cs = ax.contour(T1, T2, Z, levels=lv, cmap=cmap, linewidths=0.9, alpha=alpha)
    else:
        cs = ax.contour(T1, T2, Z, levels=lv, colors=[color], linewidths=0.8, alpha=alpha)
    return cs, theta_star
