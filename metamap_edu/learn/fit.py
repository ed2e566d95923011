r"""Formula 1: gradient descent on one task, and the training loop every trainer shares.

One step of gradient descent with learning rate α on the loss of task t:

.. math:: \theta' = \theta - \alpha \nabla_\theta L_t(\theta)

:func:`sgd_step` writes it out; :func:`fit` runs it (or momentum, or Adam) over minibatches and
stops with :class:`DivergenceError` when the loss stops being a number. The loop
(:func:`training_step`, ``_train_steps``) also runs the hooks of a formula-2
:class:`~metamap_edu.learn.proximal.Regularizer`, which is how
:class:`~metamap_edu.learn.sequential.SequentialTrainer` stays close to past tasks.

Taught in notebooks/02_learning_one_mapping.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from .._checks import _show, check_choice, check_float, check_int, check_seed, check_type
from .._progress import bars_disabled
from ..models import check_model
from .metrics import score
from .proximal import Regularizer, _flat_buffer, _trainable

__all__ = [
    "DivergenceError",
    "sgd_step",
    "OPTIMIZERS",
    "make_optimizer",
    "training_step",
    "History",
    "fit",
]

OPTIMIZERS = ("sgd", "momentum", "adam")


class DivergenceError(ValueError):
    """Training produced a non-finite loss. The model's parameters were restored before raising.

    Attributes: ``step`` (1-based step whose loss was non-finite), ``loss`` (that value),
    ``lr``, ``history`` (the :class:`History` up to the failure, for plotting).
    """

    def __init__(self, message: str, *, step: int, loss: float, lr: float, history: "History | None" = None):
        super().__init__(message)
        self.step, self.loss, self.lr, self.history = step, loss, lr, history


def sgd_step(params: Iterable[torch.Tensor], grads: Iterable[torch.Tensor], lr: float) -> None:
    r"""One gradient-descent step, in place: :math:`\theta \leftarrow \theta - \alpha \nabla L`.

    ``params`` and ``grads`` are matching sequences of tensors; ``lr`` is α > 0. Gives exactly the
    same numbers as ``torch.optim.SGD(params, lr)`` (no momentum, no weight decay).
    Taught in notebooks/02_learning_one_mapping.
    """
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    for name, value in (("params", params), ("grads", grads)):
        if isinstance(value, torch.Tensor) or not isinstance(value, Iterable):
            raise TypeError(f"{name} must be a list of tensors (e.g. list(model.parameters())); got {_show(value)}")
    params, grads = list(params), list(grads)
    if len(params) != len(grads):
        raise ValueError(f"params and grads must have the same length; got {len(params)} and {len(grads)}")
    for i, (theta, g) in enumerate(zip(params, grads)):
        check_type(f"params[{i}]", theta, torch.Tensor, "a tensor")
        if g is None:
            continue
        check_type(f"grads[{i}]", g, torch.Tensor, "a tensor or None")
        if g.shape != theta.shape:
            raise ValueError(f"grads[{i}] must have the shape of params[{i}], {tuple(theta.shape)}; got {tuple(g.shape)}")
    with torch.no_grad():
        for theta, g in zip(params, grads):
            if g is None:
                continue
            theta.add_(g, alpha=-lr)  # θ ← θ − α g   (same fused op torch.optim.SGD uses)


def make_optimizer(name: str, params: Iterable[torch.Tensor], lr: float, momentum: float = 0.9) -> torch.optim.Optimizer:
    """``"sgd"`` -> SGD; ``"momentum"`` -> SGD with heavy-ball momentum; ``"adam"`` -> Adam (default betas)."""
    check_choice("optimizer", name, OPTIMIZERS)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        momentum = check_float("momentum", momentum, min=0.0, max=1.0, max_inclusive=False)
        return torch.optim.SGD(params, lr=lr, momentum=momentum)
    return torch.optim.Adam(params, lr=lr)


@dataclass
class History:
    """What :func:`fit` records: the loss at every step and the metric at evaluation steps.

    ``loss[k]`` is the training objective (data loss + penalty) of the minibatch at step k+1,
    measured before that step's update; ``data_loss`` without the penalty. ``eval_steps[i]`` is
    the number of steps done when ``metric[i]`` was measured (0 = before training).
    """

    loss: list[float] = field(default_factory=list)
    data_loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    metric_name: str = "score"

    @property
    def steps(self) -> list[int]:
        return list(range(1, len(self.loss) + 1))

    @property
    def final_loss(self) -> float:
        return self.loss[-1] if self.loss else float("nan")

    @property
    def final_metric(self) -> float:
        return self.metric[-1] if self.metric else float("nan")


def _metric_name(kind: str) -> str:
    return {"classification": "accuracy", "tagging": "entity F1", "translation": "BLEU/100", "regression": "-MSE"}.get(
        kind, "score"
    )


def _check_task(name: str, task: Any, model: Any) -> Any:
    for attr in ("kind", "examples"):
        if not hasattr(task, attr):
            raise TypeError(f"{name} must be a MappingTask; got {task!r:.80} of type {type(task).__name__}")  # value shown
    if len(task.examples) == 0:
        raise ValueError(f"{name} ({getattr(task, 'name', '?')!r}) has no examples")
    if task.kind not in tuple(model.kinds):
        served = ", ".join(repr(k) for k in model.kinds)
        raise ValueError(
            f"{name} ({getattr(task, 'name', '?')!r}) has kind {task.kind!r}, which the model "
            f"{type(model).__name__} cannot serve (it serves {served})"
        )
    return task


class _Batches:
    """Minibatches of a task, reshuffled every epoch by a seeded generator; full batch when B ≥ n.

    Every minibatch holds exactly B examples, so each epoch uses ⌊n / B⌋ of them and the n mod B
    left over after the last full batch wait for the next shuffle (they are not kept for a
    smaller batch). Over many epochs every example is drawn equally often on average.
    """

    def __init__(self, model: Any, task: Any, batch_size: int, seed: int):
        self.model, self.kind = model, task.kind
        self.examples = list(task.examples)
        self.n = len(self.examples)
        self.batch_size = min(batch_size, self.n)
        self.rng = np.random.default_rng(seed)
        self.order: list[int] = []
        self.full = model.collate(self.examples, self.kind) if self.batch_size == self.n else None

    def next(self) -> dict[str, torch.Tensor]:
        if self.full is not None:
            return self.full
        if len(self.order) < self.batch_size:
            self.order = self.rng.permutation(self.n).tolist()
        idx, self.order = self.order[: self.batch_size], self.order[self.batch_size :]
        return self.model.collate([self.examples[i] for i in idx], self.kind)


class _Snapshot:
    """One flat buffer holding a copy of the parameters (for restoring after a divergence)."""

    def __init__(self, params: list[torch.Tensor]):
        self.params = params
        self.flat, self.views = _flat_buffer(params)

    def save(self) -> None:
        with torch.no_grad():
            torch._foreach_copy_(self.views, self.params)

    def restore(self) -> None:
        with torch.no_grad():
            torch._foreach_copy_(self.params, self.views)


def _objective(model: Any, batch: dict, regularizer: "Regularizer | None"):
    """(data loss, penalty or None, what to differentiate, value) for one minibatch: L_t(θ) + penalty(θ).

    The penalty is ``regularizer.step_penalty(model)``: either differentiable (its gradient comes
    from ``backward`` of data loss + penalty) or a plain value whose gradient ``before_step`` adds
    (built-in L2 / EWC; then only the data loss is differentiated). ``value`` is the float
    L_t(θ) + penalty(θ), the objective before the step.
    """
    data_loss = model.loss(batch)
    pen = regularizer.step_penalty(model) if regularizer is not None else None
    if pen is None:
        return data_loss, None, data_loss, float(data_loss.detach())
    if isinstance(pen, torch.Tensor) and pen.requires_grad:
        total = data_loss + pen
        return data_loss, pen, total, float(total.detach())
    return data_loss, pen, data_loss, float(data_loss.detach()) + float(pen)


def _update(model: Any, total: torch.Tensor, optimizer: torch.optim.Optimizer, regularizer: "Regularizer | None") -> None:
    """Backward, the before-step hook (coupled gradients), one optimizer step, the after-step hook (the pull)."""
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    if regularizer is not None:
        regularizer.before_step(model)  # e.g. .grad += 2λ(θ − θ_{t−1}): still goes through the optimizer
    optimizer.step()
    if regularizer is not None:
        regularizer.after_step(model)


def training_step(model: Any, batch: dict, optimizer: torch.optim.Optimizer, regularizer: "Regularizer | None" = None) -> float:
    """One step of the trainers' loop on ``batch``; returns the objective before the step.

    Exactly what :func:`fit` and :class:`SequentialTrainer` do per step (minus the divergence
    bookkeeping): objective L_t(θ) + ``step_penalty``, backward, ``before_step``, optimizer step,
    ``after_step``. ``bench/trainer_overhead.py`` times it with and without a regularizer.
    """
    if not callable(getattr(model, "loss", None)):
        raise TypeError(f"model must follow the model contract (a loss(batch) method); got {_show(model)}")
    check_type("batch", batch, dict, "a dict of tensors from model.collate")
    check_type("optimizer", optimizer, torch.optim.Optimizer, "a torch.optim optimizer")
    _, _, target, value = _objective(model, batch, regularizer)
    _update(model, target, optimizer, regularizer)
    return value


def _train_steps(
    model: Any,
    task: Any,
    optimizer: torch.optim.Optimizer,
    regularizer: "Regularizer | None",
    steps: int,
    batch_size: int,
    seed: int,
    lr: float,
    opt_name: str,
    history: History,
    eval_task: Any = None,
    eval_every: int | None = None,
    progress: bool = False,
    desc: str | None = None,
) -> History:
    """The loop shared by :func:`fit` and :class:`SequentialTrainer`: forward, backward, step, pull."""
    params = _trainable(model)
    batches = _Batches(model, task, batch_size, seed)
    snapshot = _Snapshot(params)
    model.train()
    bar = tqdm(range(steps), desc=desc or getattr(task, "name", "training"), disable=bars_disabled(progress), leave=False)
    for k in bar:
        snapshot.save()
        batch = batches.next()
        data_loss, pen, target, value = _objective(model, batch, regularizer)
        if not math.isfinite(value):
            snapshot.restore()
            data_ok = math.isfinite(float(data_loss.detach()))
            what = f"{type(regularizer).__name__} penalty" if (pen is not None and data_ok) else "loss"
            if k == 0 and len(history.loss) == 0:  # before any update: not the learning rate
                raise DivergenceError(
                    f"The {what} on task {getattr(task, 'name', '?')!r} is {value} before any update: the data or "
                    f"the model already give non-finite numbers (inf/NaN inputs or weights, or an empty batch). "
                    f"Check the task's examples and the model's parameters; a smaller learning rate will not help.",
                    step=1, loss=value, lr=lr, history=history,
                )
            raise DivergenceError(
                f"Training diverged: the {what} on task {getattr(task, 'name', '?')!r} became {value} at step "
                f"{k + 1} of {steps} ({opt_name}, lr={lr:g}). The parameters were restored to their last finite "
                f"values (after step {k}). The learning rate is probably too large for this problem: "
                f"try a smaller one, e.g. lr={lr / 10:g}.",
                step=k + 1,
                loss=value,
                lr=lr,
                history=history,
            )
        _update(model, target, optimizer, regularizer)
        history.loss.append(value)
        history.data_loss.append(float(data_loss.detach()) if pen is not None else value)
        if progress and (k % 10 == 0 or k == steps - 1):
            bar.set_postfix(loss=f"{value:.4f}")
        if eval_every is not None and eval_task is not None and ((k + 1) % eval_every == 0) and k + 1 < steps:
            history.eval_steps.append(len(history.loss))
            history.metric.append(score(model, eval_task))
    bar.close()
    # a final check: an update can produce non-finite weights even after a finite loss
    with torch.no_grad():
        finite = all(bool(torch.isfinite(p).all()) for p in params)
    if not finite:
        snapshot.restore()
        raise DivergenceError(
            f"Training diverged: the parameters became non-finite in the last step on task "
            f"{getattr(task, 'name', '?')!r} ({opt_name}, lr={lr:g}). They were restored to their values "
            f"before that step. Try a smaller learning rate, e.g. lr={lr / 10:g}.",
            step=steps,
            loss=float("nan"),
            lr=lr,
            history=history,
        )
    return history


def fit(
    model: Any,
    task: Any,
    optimizer: str = "sgd",
    lr: float = 0.1,
    steps: int = 100,
    batch_size: int = 32,
    seed: int = 0,
    *,
    eval_task: Any = None,
    eval_every: int | None = None,
    regularizer: "Regularizer | None" = None,
    momentum: float = 0.9,
    progress: bool = True,
) -> History:
    r"""Train ``model`` on one :class:`~metamap_edu.tasks.families.MappingTask` (formula 1); return a :class:`History`.

    Each of ``steps`` steps draws a minibatch of ``batch_size`` examples (reshuffled every epoch;
    the whole task when ``batch_size >= len(task)``, i.e. plain gradient descent; every batch is
    full, so the ``len(task) mod batch_size`` examples left at the end of an epoch are skipped
    until the next shuffle, which draws them again at random), computes the
    mean loss and updates θ with ``optimizer``: ``"sgd"`` (θ ← θ − α∇L), ``"momentum"`` (heavy
    ball, 0.9) or ``"adam"``. The metric (:func:`metamap_edu.learn.metrics.score` on ``eval_task``,
    default ``task``) is recorded before training, every ``eval_every`` steps, and at the end.

    ``regularizer`` adds its penalty / pull at every step; ``fit`` does not call its
    ``start_task``/``end_task`` hooks -- call ``regularizer.start_task(model, 1)`` yourself to freeze
    the anchor at the current θ (:class:`SequentialTrainer` does this for you).

    A non-finite loss stops training with :class:`DivergenceError` (a ``ValueError``) saying
    what diverged and at which step; the parameters are first restored to their last finite
    values, so NaN weights are never returned. The model is trained in place.
    Taught in notebooks/02_learning_one_mapping.
    """
    check_model(model)
    _check_task("task", task, model)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    steps = check_int("steps", steps, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
    seed = check_seed("seed", seed)
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, min=1)
    if regularizer is not None:
        check_type("regularizer", regularizer, Regularizer, "a metamap_edu.learn.Regularizer (or None)")
    eval_task = task if eval_task is None else _check_task("eval_task", eval_task, model)
    history = History(metric_name=_metric_name(task.kind))
    history.eval_steps.append(0)
    history.metric.append(score(model, eval_task))
    opt = make_optimizer(optimizer, _trainable(model), lr, momentum)
    _train_steps(model, task, opt, regularizer, steps, batch_size, seed, lr, optimizer, history,
                 eval_task=eval_task, eval_every=eval_every, progress=progress)
    history.eval_steps.append(steps)
    history.metric.append(score(model, eval_task))
    return history
