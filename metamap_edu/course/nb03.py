r"""Notebook 03, a stream of tasks: the accuracy matrix R and ACC, BWT, FWT read from it.

The checks, stream explorer and figure of ``notebooks/03_a_stream_of_tasks``: ACC
:math:`= \frac1T\sum_i R_{T,i}`, BWT :math:`= \frac{1}{T-1}\sum_{i<T}(R_{T,i} - R_{i,i})` and FWT
:math:`= \frac{1}{T-1}\sum_{i\ge2}(R_{i-1,i} - \bar b_i)` (Lopez-Paz & Ranzato, 2017), and the effect of task order.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .._checks import check_int, check_sequence, _show
from ..experiments import run_sentiment_stream
from .feedback import _as_number, _close, _failed, _guard_checks, _passed
from .viz import _as_array, _finish, _new_axes
from .widgets import interactive_view, View

__all__ = [
    "check_acc",
    "check_bwt",
    "check_fwt",
    "task_orders",
    "stream_view",
    "stream_explorer",
    "plot_accuracy_matrix",
]


def _split_R(R):
    """``(initial row or None, trained rows (T, T))`` from a ``(T, T)`` or ``(T + 1, T)`` matrix."""
    try:
        np.asarray(R.detach().cpu().numpy() if hasattr(R, "detach") else R, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"R must be an accuracy matrix of numbers (a list of rows, an array or a tensor); got {_show(R)}") from None
    if hasattr(R, "detach"):
        R = R.detach().cpu().numpy()
    R = np.asarray(R, dtype=float)
    if R.ndim != 2 or R.shape[0] not in (R.shape[1], R.shape[1] + 1) or R.shape[1] < 2:
        raise ValueError(f"R must be a (T, T) or (T + 1, T) accuracy matrix with T >= 2; got shape {R.shape}")
    if R.shape[0] == R.shape[1] + 1:
        return R[0], R[1:]
    return None, R


def check_acc(answer, R) -> bool:
    r"""Check ACC :math:`= \frac1T\sum_{i=1}^{T} R_{T,i}` (mean score on all tasks after the last one).

    ``R`` is the accuracy matrix, ``(T, T)`` or ``(T + 1, T)`` with the before-training row first.
    Exercise of ``notebooks/03_a_stream_of_tasks``.
    """
    _, M = _split_R(R)
    value = _as_number("your ACC", answer)
    if value is None:
        return False
    T = M.shape[0]
    right = M[-1].mean()
    if _close(value, right):
        return _passed(f"ACC = {right:.3f}, the mean of the last row of R.")
    if _close(value, M.diagonal().mean()):
        return _failed("that is the mean of the diagonal: each task scored right after learning it, before any forgetting.",
                       "ACC reads the LAST row: every task, scored after training on the final task.")
    if _close(value, M[-1, :-1].mean()):
        return _failed("you left out the last task.", f"average all {T} entries of the last row.")
    if _close(value, M.mean()):
        return _failed("you averaged the whole matrix.", "ACC uses only the last row.")
    return _failed(f"{value:.3f} is not ACC.", "ACC = (1/T) * sum over tasks i of R[T, i] (the last row).")


def check_bwt(answer, R) -> bool:
    r"""Check BWT :math:`= \frac{1}{T-1}\sum_{i=1}^{T-1} (R_{T,i} - R_{i,i})` (Lopez-Paz & Ranzato, 2017).

    Negative BWT is forgetting: a task's final score is below the score it had just after it was learned.
    Exercise of ``notebooks/03_a_stream_of_tasks``.
    """
    _, M = _split_R(R)
    value = _as_number("your BWT", answer)
    if value is None:
        return False
    T = M.shape[0]
    diffs = M[-1, :-1] - M.diagonal()[:-1]
    right = diffs.sum() / (T - 1)
    if _close(value, right):
        return _passed(f"BWT = {right:.3f}; negative means the stream forgot earlier tasks.")
    if _close(value, -right):
        return _failed("the sign is flipped.", "final score minus just-learned score: R[T, i] - R[i, i].")
    if _close(value, diffs.sum() / T):
        return _failed("you divided by T.", "the last task cannot be forgotten yet, so there are T - 1 terms: divide by T - 1.")
    if _close(value, diffs.sum()):
        return _failed("that is the sum; BWT is an average.", "divide by T - 1.")
    return _failed(f"{value:.3f} is not BWT.",
                   "for each task i except the last: R[T, i] - R[i, i]; average these T - 1 numbers.")


def check_fwt(answer, R) -> bool:
    r"""Check FWT :math:`= \frac{1}{T-1}\sum_{i=2}^{T} (R_{i-1,i} - \bar b_i)`, with :math:`\bar b_i = R_{0,i}`.

    ``R`` must have the before-training row (shape ``(T + 1, T)``): :math:`\bar b_i` is the score of
    the untrained model on task *i*. Positive FWT: earlier tasks helped a task before it was seen.
    Exercise of ``notebooks/03_a_stream_of_tasks``.
    """
    b, M = _split_R(R)
    if b is None:
        raise ValueError("R must include the before-training row (shape (T + 1, T)) to compute FWT")
    value = _as_number("your FWT", answer)
    if value is None:
        return False
    T = M.shape[0]
    before_seen = M[[i - 1 for i in range(1, T)], list(range(1, T))]   # R[i-1, i] for tasks 2..T
    diffs = before_seen - b[1:]
    right = diffs.sum() / (T - 1)
    if _close(value, right):
        return _passed(f"FWT = {right:.3f}: how much earlier tasks helped each task before it was trained on.")
    if _close(value, -right):
        return _failed("the sign is flipped.", "score before training on task i (after task i-1) MINUS the untrained score.")
    if _close(value, diffs.sum() / T):
        return _failed("you divided by T.", "task 1 has no earlier task, so there are T - 1 terms.")
    if _close(value, (M.diagonal()[1:] - b[1:]).mean()):
        return _failed("you used the diagonal R[i, i], the score AFTER training on task i.",
                       "forward transfer looks one row up: R[i-1, i], just before task i is trained.")
    return _failed(f"{value:.3f} is not FWT.",
                   "for tasks i = 2..T: R[i-1, i] - R[0, i]; average these T - 1 numbers.")


def task_orders(names) -> dict[str, tuple[int, ...]]:
    """A few orders of the tasks ``names``: every rotation, then every rotation of the reverse.

    Returns ``{"movies → books → ...": (0, 1, ...), ...}`` -- enough to see that order matters
    without listing all T! permutations.
    """
    names = check_sequence("names", names, "a list of task names")
    names = list(names)
    T = len(names)
    base = list(range(T))
    orders: dict[str, tuple[int, ...]] = {}
    for seq in (base, base[::-1]):
        for r in range(T):
            order = tuple(seq[r:] + seq[:r])
            orders.setdefault(" → ".join(names[i] for i in order), order)
    return orders


def stream_view(order, steps_per_task: int, family, **stream_kwargs) -> View:
    r"""Sequential training over ``family`` in the given ``order`` with ``steps_per_task`` steps per task.

    Calls :func:`metamap_edu.experiments.run_sentiment_stream` with the reordered tasks, and shows the
    accuracy matrix :math:`R` with ACC, BWT (Lopez-Paz & Ranzato's T−1 divisor) and FWT.
    ``order`` is a sequence of indices into ``family``. Taught in ``notebooks/03_a_stream_of_tasks``.
    """
    steps_per_task = check_int("steps_per_task", steps_per_task, min=1)
    family = list(family)
    order = [check_int("order", i, min=0, max=len(family) - 1) for i in order]
    if sorted(order) != sorted(set(order)) or not order:
        raise ValueError(f"order must list distinct task indices; got {order!r}")
    tasks = [family[i] for i in order]
    result = run_sentiment_stream(family=tasks, steps_per_task=steps_per_task, **stream_kwargs)
    names = [n.split("/")[-1] for n in result.task_names]
    fig = plot_accuracy_matrix(result.R, names, title=f"{steps_per_task} steps per task")
    m = result.metrics()
    text = (f"order: {' -> '.join(names)}; {steps_per_task} steps per task\n"
            f"ACC = {m['acc']:.3f}   BWT = {m['bwt']:+.3f}   FWT = {m['fwt']:+.3f}   "
            f"last task = {m['last']:.3f}")
    return View(fig, text)


def stream_explorer(family, steps_per_task: int = 60, max_steps: int = 300, **stream_kwargs):
    """A task-order dropdown and a steps-per-task slider driving :func:`stream_view` (with a Run button)."""
    check_sequence("family", family, "a TaskFamily or a list of MappingTasks")
    import ipywidgets as w  # optional front end: only a builder needs it

    names = [getattr(t, "name", f"task {i}").split("/")[-1] for i, t in enumerate(family)]
    order = w.Dropdown(options=list(task_orders(names).items()), description="order",
                       layout=w.Layout(width="95%"))
    steps = w.IntSlider(value=steps_per_task, min=1, max=max_steps, step=1, description="steps/task",
                        continuous_update=False)
    return interactive_view(stream_view, {"order": order, "steps_per_task": steps}, family=family, **stream_kwargs)


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


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
