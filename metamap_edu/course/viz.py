"""Pictures for the course: every function takes plain data and returns a matplotlib ``Figure``.

Nothing here calls ``plt.show()``: a notebook decides when to show a figure, a test just closes
it. Each helper of the course adds its figures in a section headed ``# ---- notebook NN: topic ----``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from .._checks import check_sequence, check_type
from ..learn.closed_form import least_squares, ridge_toward

__all__: list[str] = []  # each section below appends its public names


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


# ---- notebook 02-04: formula 1, a stream of tasks, the L2 bridge ----
# Loss surfaces for 2-parameter linear regression, accuracy matrices, theta trajectories across
# tasks, the stability-plasticity curve and coupled-vs-decoupled regularization.
__all__ += [
    "plot_loss_surface",
    "plot_loss_curves",
    "plot_accuracy_matrix",
    "plot_task_trajectories",
    "plot_ridge_path",
    "plot_stability_plasticity",
    "plot_coupled_vs_decoupled",
]


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


def plot_accuracy_matrix(
    R,
    task_names: Sequence[str] | None = None,
    *,
    initial_row: bool | None = None,
    title: str | None = "accuracy matrix $R$",
    vmin: float = 0.0,
    vmax: float = 1.0,
    ax=None,
) -> Figure:
    r"""Heatmap of the accuracy matrix: :math:`R_{i,j}` = score on task *j* after training on task *i*.

    ``R`` has shape ``(T, T)`` or ``(T + 1, T)``; in the second case (or with ``initial_row=True``)
    row 0 is the score before any training, which FWT needs. Values below the diagonal that fall
    as you go down a column are forgetting. Taught in ``notebooks/03_a_stream_of_tasks``.
    """
    R = _as_array("R", R, ndim=2)
    n_rows, T = R.shape
    if initial_row is None:
        initial_row = n_rows == T + 1
    expected = T + 1 if initial_row else T
    if n_rows != expected:
        raise ValueError(f"R must have shape ({T}, {T}) or ({T + 1}, {T}) with a row before training; got {R.shape}")
    names = [f"task {j + 1}" for j in range(T)] if task_names is None else [str(n) for n in task_names]
    if len(names) != T:
        raise ValueError(f"task_names must name all {T} tasks; got {len(names)} names")
    rows = (["before training"] if initial_row else []) + [f"after {n}" for n in names]
    fig, ax = _new_axes(ax, figsize=(1.2 * T + 3.2, 0.8 * n_rows + 1.8))
    im = ax.imshow(R, cmap="viridis", vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(n_rows):
        for j in range(T):
            value = R[i, j]
            colour = "black" if (value - vmin) / max(vmax - vmin, 1e-12) > 0.6 else "white"
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", color=colour, fontsize=9)
    ax.set_xticks(range(T), names, rotation=30, ha="right")
    ax.set_yticks(range(n_rows), rows)
    ax.set_xlabel("evaluated on task $j$")
    ax.set_ylabel("after training on task $i$")
    if title:
        ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label("accuracy $R_{i,j}$")
    return _finish(fig)


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


def plot_coupled_vs_decoupled(
    curvatures: Sequence[float],
    results: Mapping[str, Mapping[str, Sequence[float]]] | Mapping[str, Sequence[float]],
    *,
    ylabel: str = "share of the move to the task optimum kept",
    title: str | None = None,
) -> Figure:
    """Per-coordinate outcome of each regularized form, one bar group per curvature.

    ``results`` maps a form (e.g. ``"exact ridge"``, ``"coupled L2"``, ``"decoupled pull"``) to one
    value per coordinate; or maps an optimizer name (``"SGD"``, ``"momentum"``, ``"Adam"``) to such a
    mapping, giving one panel per optimizer. The usual value is
    :math:`(\\theta_i - \\theta_{prev,i}) / (\\theta^*_i - \\theta_{prev,i})`: 1 means the coordinate
    moved all the way to the new task's optimum, 0 means it stayed at :math:`\\theta_{t-1}`.
    Taught in ``notebooks/04b_the_articles_pull_repaired``.
    """
    h = _as_array("curvatures", curvatures).reshape(-1)
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping")
    first = next(iter(results.values()))
    panels = dict(results) if isinstance(first, Mapping) else {"": results}
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 0.6, 3.8), sharey=True, squeeze=False)
    for ax, (panel, forms) in zip(axes[0], panels.items()):
        width = 0.8 / max(len(forms), 1)
        for k, (form, values) in enumerate(forms.items()):
            v = _as_array(f"results[{panel!r}][{form!r}]", values).reshape(-1)
            if v.shape != h.shape:
                raise ValueError(f"results[{panel!r}][{form!r}] must have one value per curvature ({h.size}); got {v.size}")
            ax.bar(np.arange(h.size) + (k - (len(forms) - 1) / 2) * width, v, width, label=form, color=f"C{k}")
        ax.set_xticks(range(h.size), [f"h = {c:g}" for c in h])
        ax.axhline(0.0, color="gray", linewidth=0.8)
        ax.axhline(1.0, color="gray", linewidth=0.8, linestyle=":")
        if panel:
            ax.set_title(panel)
    axes[0, 0].set_ylabel(ylabel)
    axes[0, -1].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---- notebook 00: start here ----
# The article's pipeline as a diagram: generate -> train -> meta-learn -> pretrain, with the
# notebooks that teach each step.
__all__ += ["PIPELINE", "plot_pipeline"]

#: (title, what it does, the maths or method, notebooks) for each of the article's four steps.
PIPELINE: tuple[tuple[str, str, str, str], ...] = (
    ("1. generate", "a seeded language\nand many tasks x -> y", r"$\mathcal{T}=\{t_1,\dots,t_n\}$", "01"),
    ("2. train", "one task at a time\n(formula 1)", r"$\theta' = \theta - \alpha\nabla_\theta L_t$", "02, 03"),
    ("3. meta-learn", "stay close to what\nearlier tasks learned", r"$+\,\lambda\Vert\theta_t-\theta_{t-1}\Vert^2$", "04, 05, 05b"),
    ("4. pretrain", "a tiny transformer on\nunlabeled text", r"$-\sum_i \log p_\theta(w_i \mid w_{<i})$", "06"),
)


def plot_pipeline(ax=None, highlight: int | None = None) -> Figure:
    """Draw the article's pipeline as four boxes joined by arrows, with the notebooks under each.

    ``highlight`` (0-3) fills one step in colour. Notebook 07 runs the whole pipeline; 08 swaps in
    real data and models. Taught in ``notebooks/00_start_here``.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if highlight is not None:
        from .._checks import check_int

        highlight = check_int("highlight", highlight, min=0, max=len(PIPELINE) - 1)
    fig, ax = _new_axes(ax, figsize=(11, 3.6))
    n = len(PIPELINE)
    width, gap, height = 2.3, 0.55, 1.9
    for i, (title, what, maths, notebooks) in enumerate(PIPELINE):
        x = i * (width + gap)
        colour = "#f6c85f" if highlight == i else "#dbe9f6"
        ax.add_patch(FancyBboxPatch((x, 0), width, height, boxstyle="round,pad=0.04,rounding_size=0.15",
                                    facecolor=colour, edgecolor="#2b4c7e", linewidth=1.5))
        ax.text(x + width / 2, height - 0.28, title, ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(x + width / 2, height / 2 + 0.05, what, ha="center", va="center", fontsize=9.5)
        ax.text(x + width / 2, 0.32, maths, ha="center", va="center", fontsize=10)
        ax.text(x + width / 2, -0.3, f"notebook {notebooks}", ha="center", va="center", fontsize=9, color="#555555")
        if i < n - 1:
            ax.add_patch(FancyArrowPatch((x + width + 0.05, height / 2), (x + width + gap - 0.05, height / 2),
                                         arrowstyle="-|>", mutation_scale=18, linewidth=1.5, color="#2b4c7e"))
    total = n * width + (n - 1) * gap
    ax.annotate("", xy=(0, -0.75), xytext=(total, -0.75),
                arrowprops={"arrowstyle": "<->", "color": "#7a7a7a", "linewidth": 1.2})
    ax.text(total / 2, -0.98, "notebook 07: the whole pipeline, all four task kinds   |   08: real data and models"
            "   |   09: where it stands", ha="center", va="center", fontsize=9, color="#555555")
    ax.set_xlim(-0.2, total + 0.2)
    ax.set_ylim(-1.2, height + 0.2)
    ax.set_axis_off()
    ax.set_title("The article's pipeline, and where the course teaches each step")
    fig.tight_layout()
    return fig


# ---- notebook 01: tasks as mappings ----
# What a task's outputs look like, and how the relatedness knob changes a family of tasks.
__all__ += ["plot_task_summary", "plot_relatedness_overlap", "plot_overlap_matrix"]


def plot_task_summary(task, ax=None) -> Figure:
    """One picture of a :class:`~metamap_edu.tasks.families.MappingTask`'s outputs, chosen by its kind.

    classification: examples per label; tagging: tokens per tag; translation: sentence lengths of
    x and y; regression: y[0] against x[0]. Taught in ``notebooks/01_tasks_as_mappings``.
    """
    from collections import Counter

    from ..tasks.families import MappingTask

    check_type("task", task, MappingTask)
    fig, ax = _new_axes(ax, figsize=(5.5, 3.6))
    if task.kind == "classification":
        counts = task.class_counts()
        ax.bar(range(len(counts)), list(counts.values()), color="#4c72b0")
        ax.set_xticks(range(len(counts)), list(counts), rotation=30 if len(counts) > 3 else 0, ha="right" if len(counts) > 3 else "center")
        ax.set_ylabel("examples")
        ax.set_title(f"{task.name}: examples per label")
    elif task.kind == "tagging":
        counts = Counter(t for y in task.outputs for t in y)
        tags = list(task.output_space)
        ax.bar(range(len(tags)), [counts.get(t, 0) for t in tags], color="#55a868")
        ax.set_xticks(range(len(tags)), tags, rotation=30, ha="right")
        ax.set_ylabel("tokens")
        ax.set_title(f"{task.name}: tokens per tag")
    elif task.kind == "translation":
        lx = [len(x.split()) for x in task.inputs]
        ly = [len(y.split()) for y in task.outputs]
        bins = np.arange(0.5, max(lx + ly) + 1.5)
        ax.hist(lx, bins=bins, alpha=0.6, label="x (English)", color="#4c72b0")
        ax.hist(ly, bins=bins, alpha=0.6, label="y (target)", color="#dd8452")
        ax.set_xlabel("words per sentence")
        ax.set_ylabel("sentences")
        ax.legend()
        ax.set_title(f"{task.name}: sentence lengths")
    else:
        X = np.array([x[0] for x in task.inputs])
        Y = np.array([y[0] for y in task.outputs])
        ax.scatter(X, Y, s=12, color="#4c72b0")
        ax.set_xlabel("x[0]")
        ax.set_ylabel("y[0]")
        ax.set_title(f"{task.name}: y against x")
    return _finish(fig)


def plot_relatedness_overlap(relatedness, overlaps, conflicts=None, ax=None) -> Figure:
    """Mean vocabulary overlap between a family's tasks (and, optionally, the share of sentiment
    words whose polarity disagrees between domains) against the ``relatedness`` knob.

    Taught in ``notebooks/01_tasks_as_mappings``.
    """
    r = _as_array("relatedness", relatedness, ndim=1)
    o = _as_array("overlaps", overlaps, ndim=1)
    if len(r) != len(o):
        raise ValueError(f"overlaps must have one value per relatedness ({len(r)}); got {len(o)}")
    fig, ax = _new_axes(ax, figsize=(5.5, 3.8))
    ax.plot(r, o, "o-", color="#4c72b0", label="vocabulary overlap (Jaccard)")
    if conflicts is not None:
        c = _as_array("conflicts", conflicts, ndim=1)
        if len(c) != len(r):
            raise ValueError(f"conflicts must have one value per relatedness ({len(r)}); got {len(c)}")
        ax.plot(r, c, "s--", color="#c44e52", label="sentiment words with conflicting polarity")
    ax.set_xlabel("relatedness r")
    ax.set_ylabel("fraction")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title("How related are the tasks of a family?")
    return _finish(fig)


def plot_overlap_matrix(matrix, names, ax=None, title: str | None = None) -> Figure:
    """A heat map of pairwise vocabulary overlap between tasks (values in [0, 1], printed in each cell)."""
    m = _as_array("matrix", matrix, ndim=2)
    names = [str(n) for n in names]
    if m.shape != (len(names), len(names)):
        raise ValueError(f"matrix must be {len(names)} x {len(names)} for {len(names)} names; got shape {m.shape}")
    fig, ax = _new_axes(ax, figsize=(5.5, 4.8))
    im = ax.imshow(m, vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label("vocabulary overlap (Jaccard)")
    ax.set_title(title or "vocabulary overlap between tasks")
    return _finish(fig)


# ---- notebook 05: meta-learning proper ----
__all__ += ["plot_adaptation_curves", "plot_sinusoid_adaptation", "plot_pull_vs_reptile"]


def plot_adaptation_curves(result: Mapping, paper: Mapping | None = None, ax=None, title: str | None = None):
    """MSE against inner steps for every row of a Table 2 reproduction (``result["curves"]``).

    ``paper`` (row -> (mse_1, mse_5, mse_10)) adds the paper's numbers as hollow markers.
    Taught in notebooks/05_meta_learning_proper.
    """
    check_type("result", result, Mapping, "a dict")
    curves = result["curves"]
    fig, ax = _new_axes(ax, figsize=(10, 4.5))
    for i, (row, vals) in enumerate(curves.items()):
        color = f"C{i % 10}"
        ax.plot(range(len(vals)), vals, "-", color=color, label=row, lw=2 if row == "MAML" else 1.3)
        if paper and row in paper:
            ax.plot([1, 5, 10], paper[row], "o", mfc="none", color=color, ms=7)
    ax.set_xlabel("gradient steps on the K = 5 support points")
    ax.set_ylabel("MSE on new sine waves")
    ax.set_title(title or "adapting to a new wave (circles: the paper's numbers)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # outside: never on a curve
    ax.grid(alpha=0.3)
    return _finish(fig)


def plot_sinusoid_adaptation(demo: Mapping, ax=None, title: str | None = None):
    """The true wave, the support points and each model's curve before and after adaptation.

    ``demo`` is what :func:`metamap_edu.course.widgets.sinusoid_adaptation` returns.
    """
    check_type("demo", demo, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(10, 4.2))
    x = np.asarray(demo["x"])
    ax.plot(x, demo["truth"], "k-", lw=2, label="true wave")
    ax.plot(demo["support_x"], demo["support_y"], "k^", ms=9, label=f"K = {len(demo['support_x'])} points")
    for i, (name, curves) in enumerate(demo["models"].items()):
        ax.plot(x, curves["before"], ":", color=f"C{i}", label=f"{name}: start")
        ax.plot(x, curves["after"], "-", color=f"C{i}", label=f"{name}: after {demo['steps']} steps (MSE {curves['mse']:.2f})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_ylim(-6, 6)
    ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # outside the curves
    ax.set_title(title or f"inner steps = {demo['steps']}, inner lr = {demo['lr']:.3g}")
    return _finish(fig)


def plot_pull_vs_reptile(ks: Sequence[int], measured: Mapping, ax=None, title: str | None = None):
    """Effective Reptile ε of the article's per-step pull against k, measured vs 1 − β(k+1)/2.

    ``measured``: β -> list of measured ε_eff (one per k).
    """
    ks = check_sequence("ks", ks, "a list of ints")
    check_type("measured", measured, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(6, 4))
    ks = np.asarray(list(ks))
    for i, (beta, eps) in enumerate(measured.items()):
        ax.plot(ks, eps, "o", color=f"C{i}", label=f"measured, β = {beta:g}")
        ax.plot(ks, 1 - beta * (ks + 1) / 2, "-", color=f"C{i}", alpha=0.6, label=f"1 − β(k+1)/2, β = {beta:g}")
    ax.set_xlabel("k: steps on the task, each followed by the pull")
    ax.set_ylabel("effective Reptile ε")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title or "the per-step pull is a discounted Reptile step")
    return _finish(fig)


# ---- notebook 05b: few-shot text ----
__all__ += ["plot_few_shot_bars"]


def plot_few_shot_bars(results: Mapping, chance: float | None = None, ax=None, title: str | None = None,
                       ylabel: str = "query accuracy on held-out classes", xlabel: str = "method"):
    """Grouped bars with 95% interval whiskers: ``results`` maps a method to {K: (mean, low, high)}.

    One group per method, one bar per K; ``chance`` draws a dotted line. The legend sits outside
    the axes, so it never covers a bar. Taught in notebooks/05b_few_shot_text.
    """
    check_type("results", results, Mapping, "a dict method -> {K: (mean, low, high)}")
    names = list(results)
    if not names:
        raise ValueError("results must hold at least one method")
    ks = sorted({k for by_k in results.values() for k in by_k})
    fig, ax = _new_axes(ax, figsize=(max(6.5, 1.15 * len(names) + 2.5), 4.2))
    width = 0.8 / len(ks)
    for j, k in enumerate(ks):
        xs, means, lows, highs = [], [], [], []
        for i, name in enumerate(names):
            if k in results[name]:
                m, lo, hi = (float(v) for v in results[name][k])
                xs.append(i + (j - (len(ks) - 1) / 2) * width)
                means.append(m)
                lows.append(m - lo)
                highs.append(hi - m)
        ax.bar(xs, means, width * 0.95, yerr=[lows, highs], capsize=3, color=f"C{j}", label=f"K = {k}")
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1.2, label=f"chance ({chance:.2f})")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, fontsize=8, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.set_title(title or "5-way few-shot episodes (whiskers: 95% intervals)")
    return _finish(fig)


# ---- notebook 06/07: pretraining, the whole pipeline ----
__all__ += ["plot_pretraining_loss", "plot_attention", "plot_sample_efficiency", "plot_ablation"]


def plot_pretraining_loss(losses: Mapping, smooth: int = 20, ax=None, title: str | None = None):
    """Pretraining loss per step for each run in ``losses`` (name -> list of floats), smoothed.

    The curve is a running mean over ``smooth`` steps. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    check_type("losses", losses, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(6.5, 4))
    for i, (name, values) in enumerate(losses.items()):
        v = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(v) + 1), v, color=f"C{i}", alpha=0.25, lw=0.8)
        w = max(1, min(smooth, len(v)))
        mean = np.convolve(v, np.ones(w) / w, mode="valid")
        ax.plot(np.arange(w, len(v) + 1), mean, color=f"C{i}", lw=2, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per predicted token)")
    ax.set_title(title or "pretraining on unlabeled sentences")
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig)


def plot_attention(tokens: Sequence[str], weights, ax=None, title: str | None = None):
    """Heat map of one attention head: row i = how much token i reads from each token j ≤ i."""
    tokens = check_sequence("tokens", tokens, "a list of token strings")
    w = np.asarray(weights, dtype=float)
    n = len(tokens)
    fig, ax = _new_axes(ax, figsize=(0.42 * n + 2.2, 0.42 * n + 1.6))
    ax.imshow(w, cmap="Blues", vmin=0.0, vmax=1.0)
    labels = [t.replace(" ", "·") for t in tokens]
    ax.set_xticks(range(n))
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("reads from (key)")
    ax.set_ylabel("token (query)")
    ax.set_title(title or "attention weights")
    return _finish(fig)


def plot_sample_efficiency(ks: Sequence[int], curves: Mapping, chance: float | None = None, ax=None,
                           title: str | None = None):
    """Test accuracy against K (examples per class) for each model in ``curves`` (name -> list)."""
    ks = check_sequence("ks", ks, "a list of ints")
    check_type("curves", curves, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(6, 4))
    for i, (name, values) in enumerate(curves.items()):
        ax.plot(list(ks), values, "o-", color=f"C{i}", label=name, lw=2)
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1, label="chance")
    ax.set_xscale("log")
    ax.set_xticks(list(ks))
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel("K: labelled examples per class in the held-out domain")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "sample efficiency on a held-out domain")
    return _finish(fig)


def plot_ablation(table: Mapping, ax=None, title: str | None = None, chance: float | Mapping | None = None,
                  errors: Mapping | None = None):
    """Grouped bars: ``table`` maps a configuration name to {task name: score}.

    ``chance``: one number for every task, or {task name: chance score}; drawn as a dotted line
    across each task's group of bars, labelled once in the legend. ``errors``
    ({configuration: {task: half-width}}) adds error bars. Notebook 07.
    """
    check_type("table", table, Mapping, "a dict")
    if chance is not None and not isinstance(chance, Mapping):
        chance = float(_as_array("chance", [chance], ndim=1)[0])
    if errors is not None:
        check_type("errors", errors, Mapping, "a dict {configuration: {task name: half-width}}")
    names = list(table)
    columns = list(next(iter(table.values()))) if names else []
    fig, ax = _new_axes(ax, figsize=(max(6, 1.3 * len(columns) + 3) + 2.5, 4))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        vals = [table[name][c] for c in columns]
        err = [errors[name][c] for c in columns] if errors is not None and name in errors else None
        ax.bar(np.arange(len(columns)) + (i - (len(names) - 1) / 2) * width, vals, width, label=name, color=f"C{i}",
               yerr=err, capsize=3 if err is not None else 0)
    if chance is not None:
        first = True
        for j, c in enumerate(columns):
            level = chance.get(c) if isinstance(chance, Mapping) else chance
            if level is None:
                continue
            ax.hlines(float(level), j - 0.45, j + 0.45, colors="black", linestyles=":", lw=1.2,
                      label="chance" if first else None)
            first = False
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, fontsize=8)
    ax.set_xlabel("task (accuracy for topic and sentiment, entity F1 for NER, BLEU / 100 for translation)", fontsize=8)
    ax.set_ylabel("score on held-out examples")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)  # beside the bars
    ax.set_title(title or "held-out score per task")
    return _finish(fig)


# ---- notebook 08/09: real models and real data, where it stands ----
__all__ += ["plot_method_comparison", "plot_class_counts"]


def plot_method_comparison(results: Mapping, ax=None, title: str | None = None, chance: float | None = None):
    """Horizontal bars with 95% intervals: ``results`` maps a method name to ``(mean, half_width)``.

    Taught in notebooks/08_real_models_and_real_data (few-shot accuracy on held-out classes).
    """
    check_type("results", results, Mapping)
    names = list(results)
    fig, ax = _new_axes(ax, figsize=(6.5, 0.6 * len(names) + 1.7))
    means = [float(results[n][0]) for n in names]
    halves = [0.0 if not np.isfinite(results[n][1]) else float(results[n][1]) for n in names]
    ax.barh(range(len(names)), means, xerr=halves, color=[f"C{i}" for i in range(len(names))], capsize=4,
            height=0.6, error_kw={"elinewidth": 1.2, "ecolor": "black"})
    for i, (m, h) in enumerate(zip(means, halves)):
        # the value sits inside its bar, at the base, far from the error bar at the tip; a bar
        # too short to hold it gets the label right of its error bar instead
        if m - h >= 0.16:
            ax.text(0.015, i, f"{m:.2f}", va="center", ha="left", fontsize=9, color="white", fontweight="bold")
        else:
            ax.text(m + h + 0.015, i, f"{m:.2f}", va="center", ha="left", fontsize=9)
    if chance is not None:
        # a labelled line, its label above the top bar so that it never sits on one
        ax.axvline(chance, color="black", ls=":", lw=1.2)
        ax.text(chance, 1.0, " chance", transform=blended_transform_factory(ax.transData, ax.transAxes),
                va="bottom", ha="center", fontsize=8)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("query accuracy (mean over episodes, 95% interval)")
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or "few-shot accuracy on held-out classes", pad=14 if chance is not None else 6)
    return _finish(fig)


def plot_class_counts(counts: Mapping, roles: Mapping | None = None, ax=None, title: str | None = None):
    """Bars of examples per class, coloured by meta-train / meta-val / meta-test role when given."""
    check_type("counts", counts, Mapping)
    labels = list(counts)
    colours = {"train": "C0", "val": "C1", "test": "C3"}
    fig, ax = _new_axes(ax, figsize=(max(6, 0.3 * len(labels) + 2) + 1.2, 3.6))
    col = [colours.get((roles or {}).get(lab, ""), "C0") for lab in labels]
    ax.bar(range(len(labels)), [counts[lab] for lab in labels], color=col)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=70, ha="right", fontsize=7)
    ax.set_ylabel("examples")
    if roles:
        present = [r for r in colours if r in set(roles.values())]
        handles = [Patch(facecolor=colours[r], label=f"meta-{r}") for r in present]
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.set_title(title or "examples per class")
    return _finish(fig)


# ---- notebook 09: where it stands ----
__all__ += ["plot_grouped_accuracy", "plot_paired_differences"]


def plot_grouped_accuracy(groups: Mapping, chance: float | None = None, ax=None, title: str | None = None,
                          ylabel: str = "query accuracy (mean, 95% interval)"):
    """Grouped bars with 95% intervals: ``groups`` maps a group (e.g. "5-way 1-shot") to
    ``{method: (mean, half_width)}``, the same methods in every group.

    Each value is written *above* its interval's cap, so the two never overlap; the chance line
    is labelled at the left edge, outside the bars. Taught in notebooks/09_where_it_stands.
    """
    check_type("groups", groups, Mapping)
    names = list(groups)
    if not names:
        raise ValueError("groups must hold at least one group of {method: (mean, half_width)}")
    methods = list(groups[names[0]])
    for g in names:
        if list(groups[g]) != methods:
            raise ValueError(f"every group must hold the same methods in the same order; {g!r} has "
                             f"{list(groups[g])}, {names[0]!r} has {methods}")
    fig, ax = _new_axes(ax, figsize=(min(10.0, max(6.0, 0.6 * len(methods) * len(names) + 2.0)), 3.8))
    width = 0.8 / len(methods)
    for i, m in enumerate(methods):
        xs = np.arange(len(names)) + (i - (len(methods) - 1) / 2) * width
        means = [float(groups[g][m][0]) for g in names]
        halves = [float(groups[g][m][1]) if np.isfinite(groups[g][m][1]) else 0.0 for g in names]
        ax.bar(xs, means, width * 0.92, yerr=halves, capsize=3, color=f"C{i}", label=m)
        for x, v, h in zip(xs, means, halves):
            ax.text(x, v + h + 0.015, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1)
        # labelled just outside the right edge of the axes, where no bar can be
        ax.text(1.005, chance, "chance", color="gray", fontsize=7, va="center", ha="left",
                transform=ax.get_yaxis_transform())
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncol=len(methods), loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(title or "few-shot accuracy on held-out classes")
    return _finish(fig)


def plot_paired_differences(diffs: Mapping, ax=None, title: str | None = None,
                            xlabel: str = "difference in query accuracy (paired 95% interval)"):
    """One row per comparison: ``diffs`` maps a label ("both - scratch") to a
    :class:`~metamap_edu.noise.PairedDifference`; a point at the mean, a line over the interval,
    and a line at zero. A row whose interval misses zero is a measured effect (the noise rule).
    Taught in notebooks/09_where_it_stands.
    """
    check_type("diffs", diffs, Mapping)
    labels = list(diffs)
    if not labels:
        raise ValueError("diffs must hold at least one comparison")
    for k in labels:
        if not all(hasattr(diffs[k], a) for a in ("mean", "low", "high")):
            raise TypeError(f"diffs[{k!r}] must be a PairedDifference (noise.paired_difference); got {type(diffs[k]).__name__}")
    fig, ax = _new_axes(ax, figsize=(6.5, 0.42 * len(labels) + 1.4))
    for i, k in enumerate(labels):
        d = diffs[k]
        colour = "C2" if d.low > 0 else "C3" if d.high < 0 else "gray"
        ax.plot([d.low, d.high], [i, i], color=colour, lw=2.5, solid_capstyle="butt")
        ax.plot([d.mean], [i], "o", color=colour, ms=5)
        ax.text(d.high + 0.02, i, f"{d.mean:+.2f}", va="center", fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    lo = min(0.0, *(diffs[k].low for k in labels))
    hi = max(0.0, *(diffs[k].high for k in labels))
    ax.set_xlim(lo - 0.05, hi + 0.12)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or "paired differences (green: helps, red: hurts, gray: no measurable difference)", fontsize=9)
    return _finish(fig)
