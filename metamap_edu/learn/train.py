r"""Formula 1 (gradient descent on one task) and formula 2 (staying close across a stream of tasks).

Formula 1, one step of gradient descent with learning rate α on the loss of task t:

.. math:: \theta \leftarrow \theta - \alpha \nabla_\theta L_t(\theta)

:func:`sgd_step` writes it out; :func:`fit` runs it (or momentum, or Adam) over minibatches.

Formula 2, the article's objective: train task t while staying close to the previous task's
parameters θ_{t-1},

.. math:: \min_\theta \; L_t(\theta) + \lambda \lVert \theta - \theta_{t-1} \rVert^2 .

:class:`SequentialTrainer` trains one model on tasks in order; what keeps it close is a pluggable
:class:`Regularizer`:

* :class:`L2ToPrevious` -- the *coupled* form: λ‖θ − θ_{t−1}‖² is added to the loss (no ½).
* :class:`ArticlePull` -- the *decoupled* form the article's code meant: after every optimizer
  step θ ← θ − β(θ − θ_{t−1}). Under plain SGD it equals the coupled form with
  λ = β / (2α(1−β)) and learning rate α(1−β) (:func:`pull_as_l2`); under momentum or Adam the two
  are different algorithms.
* :class:`EWC` -- a per-parameter weighted L2, weights = diagonal Fisher information.
* :class:`L2ToInit` (alias :data:`L2SP`) -- stay close to the initial / pretrained weights.

A regularizer is a small object with a few hooks, so adding one never means editing the trainer::

    start_task(model, task_index)      # before training task t: e.g. freeze the anchor θ_{t-1}
    penalty(model) -> tensor or None   # added to the loss at every step (coupled forms)
    before_step(model)                 # after backward, before the optimizer step: may add to .grad
    after_step(model)                  # after every optimizer step (decoupled forms)
    end_task(model, task, task_index)  # after training task t: e.g. estimate the Fisher

(plus ``step_penalty(model)``, what the trainer actually adds to the loss: by default
``penalty(model)``; the built-in quadratic penalties return the value only and add their gradient
2λw⊙(θ − a) in ``before_step`` with one fused op, which is the same update and cheaper.)

Anchors are ONE flat copy of the parameters (a single buffer with per-parameter views), never a
``deepcopy`` of the module; penalty and pull use vectorised ``torch._foreach_*`` ops.

Taught in notebooks/02_learning_one_mapping (formula 1), 03_a_stream_of_tasks (the sequential
trainer, the accuracy matrix) and 04_staying_close_the_l2_bridge (formula 2, the regularizers).
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .._checks import _show, check_choice, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .metrics import continual_metrics, score
from .._progress import bars_disabled

__all__ = [
    "DivergenceError",
    "sgd_step",
    "OPTIMIZERS",
    "make_optimizer",
    "training_step",
    "History",
    "fit",
    "Regularizer",
    "L2ToPrevious",
    "ArticlePull",
    "EWC",
    "L2ToInit",
    "L2SP",
    "pull_as_l2",
    "SequentialTrainer",
    "SequentialResult",
    "make_regularizer",
    "REGULARIZERS",
    "run_sentiment_stream",
    "stability_plasticity",
    "STREAM_DOMAINS",
    "STREAM_DEFAULTS",
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


# ---------------------------------------------------------------------------------------------
# Formula 1
# ---------------------------------------------------------------------------------------------
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


def _trainable(model: nn.Module) -> list[torch.Tensor]:
    return [p for p in model.parameters() if p.requires_grad]


def _check_model(model: Any) -> Any:
    check_type("model", model, nn.Module, "a torch.nn.Module following the course model contract")
    missing = [m for m in ("kinds", "collate", "loss", "predict") if not hasattr(model, m)]
    if missing:
        raise TypeError(
            f"model must follow the course model contract (kinds, collate, loss, predict); "
            f"{type(model).__name__} lacks {', '.join(missing)}"
        )
    if not _trainable(model):
        raise ValueError(f"model {type(model).__name__} has no trainable parameters")
    return model


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


def _flat_buffer(params: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """A zeroed flat buffer the size of ``params`` and per-parameter views into it."""
    dtypes = {p.dtype for p in params}
    if len(dtypes) != 1:
        raise TypeError(f"all trainable parameters must share one dtype; got {sorted(map(str, dtypes))}")
    flat = torch.zeros(sum(p.numel() for p in params), dtype=params[0].dtype, device=params[0].device)
    views = [v.view_as(p) for v, p in zip(flat.split([p.numel() for p in params]), params)]
    return flat, views


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
    from tqdm.auto import tqdm

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
    _check_model(model)
    _check_task("task", task, model)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    steps = check_int("steps", steps, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
    seed = check_seed("seed", seed)
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, min=1)
    if regularizer is not None:
        check_type("regularizer", regularizer, Regularizer, "a metamap_edu.learn.train.Regularizer (or None)")
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


# ---------------------------------------------------------------------------------------------
# Formula 2: regularizers
# ---------------------------------------------------------------------------------------------
class _WeightedProximal(torch.autograd.Function):
    r"""scale · Σ_i Σ w_i (θ_i − a_i)² with a fused, vectorised backward 2·scale·w_i(θ_i − a_i).

    Written as one autograd node so that forward and backward each touch every parameter once
    with ``torch._foreach_*`` kernels, instead of building a graph of one node per tensor.
    """

    @staticmethod
    def forward(ctx, scale: float, anchors: list, weights: list | None, *params: torch.Tensor) -> torch.Tensor:
        diffs = torch._foreach_sub(params, anchors)  # θ − a, per parameter tensor
        if weights is None:
            value = torch.stack(torch._foreach_norm(diffs)).square().sum()  # Σ‖θ − a‖²
            ctx.wdiffs = diffs
        else:
            wdiffs = torch._foreach_mul(diffs, weights)  # w ⊙ (θ − a)
            value = sum(torch.dot(wd.reshape(-1), d.reshape(-1)) for wd, d in zip(wdiffs, diffs))
            ctx.wdiffs = wdiffs
        ctx.scale = scale
        return value * scale

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        grads = ctx.wdiffs  # reuse the buffers saved by forward: no new allocation
        del ctx.wdiffs
        torch._foreach_mul_(grads, grad_out * (2.0 * ctx.scale))  # 2·scale·w⊙(θ − a)
        return (None, None, None, *grads)


class Regularizer:
    """Base class: a regularizer does nothing until one of its hooks says otherwise.

    Hooks (override any of them):

    ``start_task(model, task_index)``
        called before training task ``task_index`` (0-based). Anchors are frozen here.
    ``penalty(model) -> torch.Tensor | None``
        a differentiable scalar added to the loss at every step (None: nothing to add).
    ``step_penalty(model) -> torch.Tensor | float | None``
        what the trainers add to the loss at each step. By default ``penalty(model)``, whose
        gradient then comes from ``backward``. A regularizer may instead return the value only
        (a float, or a tensor without autograd graph) and add the gradient itself in
        ``before_step``; the built-in :class:`L2ToPrevious`, :class:`EWC` and :class:`L2ToInit`
        do, with one fused ``torch._foreach_add_`` (the same update as differentiating
        ``penalty``, with fewer passes over the parameters and no autograd node).
    ``before_step(model)``
        called after ``backward`` and before the optimizer step, under the trainer's control (no
        autograd): a coupled form may add its gradient to the ``.grad`` tensors here, so that
        the optimizer still sees (and, for Adam, rescales) data + penalty gradient. A subclass of
        a built-in regularizer that overrides it must call ``super().before_step(model)``.
    ``after_step(model)``
        called after every optimizer step, under the trainer's control (no autograd).
    ``end_task(model, task, task_index)``
        called after training task ``task_index`` on ``task``.

    Subclasses keep their anchor as ONE flat buffer with per-parameter views (``self.anchor``,
    ``self._anchor_views``) -- about as much memory as the parameters, never a copy of the module.
    (The fused coupled path adds a flat work buffer of the same size for θ − a.)
    """

    name = "none"

    def __init__(self) -> None:
        self.anchor: torch.Tensor | None = None
        self._anchor_views: list[torch.Tensor] | None = None
        self._params: list[torch.Tensor] | None = None
        self._model_id: int | None = None
        self._work: torch.Tensor | None = None  # flat (weighted) θ − a of the fused coupled path
        self._work_views: list[torch.Tensor] | None = None
        self._diff: torch.Tensor | None = None  # weighted forms only: unweighted θ − a
        self._diff_views: list[torch.Tensor] | None = None
        self._grad_scale: float | None = None  # set by step_penalty, consumed by before_step

    # -- anchor helpers --------------------------------------------------------------------
    def _bind(self, model: nn.Module) -> list[torch.Tensor]:
        if self._params is None or self._model_id != id(model):
            self._params = _trainable(model)
            self._model_id = id(model)
            self.anchor, self._anchor_views = _flat_buffer(self._params)
            self.anchor_set = False
        return self._params

    def set_anchor(self, model: nn.Module, theta: torch.Tensor | None = None) -> None:
        """Freeze the anchor at the model's current θ (or at the flat vector ``theta``)."""
        params = self._bind(model)
        with torch.no_grad():
            if theta is None:
                torch._foreach_copy_(self._anchor_views, params)
            else:
                check_type("theta", theta, torch.Tensor)
                if theta.dim() != 1 or theta.numel() != self.anchor.numel():
                    raise ValueError(f"theta must be a flat vector of {self.anchor.numel()} numbers; got shape {tuple(theta.shape)}")
                self.anchor.copy_(theta)
        self.anchor_set = True
        self._grad_scale = None

    anchor_set = False

    # -- the fused coupled path ---------------------------------------------------------------
    def _proximal_value(self, lam: float, weights: torch.Tensor | None = None) -> float:
        r"""λ Σ w (θ − a)² as a value (no graph); leaves w ⊙ (θ − a) in ``self._work`` for :meth:`before_step`.

        The same number as :meth:`penalty`, and :meth:`before_step` then adds exactly its gradient
        2λ w ⊙ (θ − a): flat ops on one preallocated buffer, then one fused add into ``.grad``.
        """
        params = self._params
        if self._work is None or self._work.numel() != self.anchor.numel():
            self._work, self._work_views = _flat_buffer(params)
            self._diff = None
        if weights is None:  # (no autograd below: the buffers and anchors do not require grad)
            d = self._work
            self._sub_anchor_into(d, self._work_views)  # θ − a
            value = torch.dot(d, d)
        else:
            if self._diff is None or self._diff.numel() != self.anchor.numel():
                self._diff, self._diff_views = _flat_buffer(params)
            d = self._diff
            self._sub_anchor_into(d, self._diff_views)  # θ − a
            torch.mul(d, weights, out=self._work)  # w ⊙ (θ − a)
            value = torch.dot(self._work, d)
        self._grad_scale = 2.0 * lam
        return lam * value.item()

    def _sub_anchor_into(self, flat: torch.Tensor, views: list[torch.Tensor]) -> None:
        """``flat`` ← θ − a in one pass over memory (no allocation)."""
        params = self._params
        if len(params) <= 4 or flat.numel() >= 4096 * len(params):  # few or large tensors: one subtraction each
            for p, a, out in zip(params, self._anchor_views, views):
                torch.sub(p.detach(), a, out=out)
        else:  # many small tensors: two vectorised calls beat a Python loop
            with torch.no_grad():
                torch._foreach_copy_(views, params)
            flat.sub_(self.anchor)

    def step_penalty(self, model: nn.Module) -> torch.Tensor | float | None:
        """What the trainers add to the loss this step; default: :meth:`penalty` (differentiable)."""
        return self.penalty(model)

    def before_step(self, model: nn.Module) -> None:
        """After ``backward``, before the optimizer step. Base: adds the fused coupled gradient, if any."""
        scale, self._grad_scale = self._grad_scale, None
        if scale is None:
            return
        grads = []
        for p in self._params:
            g = p.grad
            if g is None:  # the data loss did not reach this parameter
                g = p.grad = torch.zeros_like(p)
            elif g.is_sparse:  # e.g. a sparse embedding: the penalty gradient is dense
                g = p.grad = g.to_dense()
            grads.append(g)
        torch._foreach_add_(grads, self._work_views, alpha=scale)  # .grad += 2λ w ⊙ (θ − a)

    # -- hooks -----------------------------------------------------------------------------
    def start_task(self, model: nn.Module, task_index: int) -> None:
        pass

    def penalty(self, model: nn.Module) -> torch.Tensor | None:
        return None

    def after_step(self, model: nn.Module) -> None:
        pass

    def end_task(self, model: nn.Module, task: Any, task_index: int) -> None:
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class L2ToPrevious(Regularizer):
    r"""Formula 2, coupled: add :math:`\lambda\lVert\theta - \theta_{t-1}\rVert^2` to the loss (no ½).

    θ_{t−1} is frozen at the start of task t (t ≥ 1); task 0 trains unregularized. Its gradient,
    :math:`2\lambda(\theta - \theta_{t-1})`, goes through the optimizer like the data gradient, so
    Adam rescales it. Trained to convergence on linear regression it reaches
    :func:`metamap_edu.learn.closed_form.ridge_toward` exactly. (:meth:`penalty` is differentiable; the
    trainers use :meth:`step_penalty` + :meth:`before_step`, which add the same gradient to ``.grad``
    with one fused op.) Taught in notebooks/04_staying_close_the_l2_bridge.
    """

    name = "l2"

    def __init__(self, lam: float):
        super().__init__()
        self.lam = check_float("lam", lam, min=0.0)

    def start_task(self, model: nn.Module, task_index: int) -> None:
        if task_index >= 1:
            self.set_anchor(model)
        else:  # a new stream: forget any anchor from an earlier run
            self.anchor_set = False

    def penalty(self, model: nn.Module) -> torch.Tensor | None:
        if not self.anchor_set or self.lam == 0.0:
            return None
        return _WeightedProximal.apply(self.lam, self._anchor_views, None, *self._params)

    def step_penalty(self, model: nn.Module) -> float | torch.Tensor | None:
        """The value of :meth:`penalty` (a float); its gradient 2λ(θ − θ_{t−1}) is added by :meth:`before_step`."""
        if type(self).penalty is not L2ToPrevious.penalty:  # a subclass changed the penalty: use it as is
            return self.penalty(model)
        if not self.anchor_set or self.lam == 0.0:
            return None
        return self._proximal_value(self.lam)

    def __repr__(self) -> str:
        return f"L2ToPrevious(lam={self.lam:g})"


class ArticlePull(Regularizer):
    r"""The article's code, fixed: after every optimizer step, :math:`\theta \leftarrow \theta - \beta(\theta - \theta_{t-1})`.

    θ_{t−1} is frozen at the start of task t (t ≥ 1). This is the *decoupled* form: the pull
    bypasses the optimizer (like AdamW's weight decay, but toward θ_{t−1} instead of 0) and is
    Reptile's interpolation step. Under plain SGD with learning rate α it equals
    :class:`L2ToPrevious` with λ = β/(2α(1−β)) and learning rate α(1−β) -- see :func:`pull_as_l2`.
    ``beta`` must be in [0, 1): β = 1 would snap back to θ_{t−1} after every step.
    Taught in notebooks/04b_the_articles_pull_repaired.
    """

    name = "pull"

    def __init__(self, beta: float):
        super().__init__()
        self.beta = check_float("beta", beta, min=0.0, max=1.0, max_inclusive=False)

    def start_task(self, model: nn.Module, task_index: int) -> None:
        if task_index >= 1:
            self.set_anchor(model)
        else:  # a new stream: forget any anchor from an earlier run
            self.anchor_set = False

    def after_step(self, model: nn.Module) -> None:
        if self.anchor_set and self.beta > 0.0:
            with torch.no_grad():
                torch._foreach_lerp_(self._params, self._anchor_views, self.beta)  # θ + β(θ_{t−1} − θ)

    def __repr__(self) -> str:
        return f"ArticlePull(beta={self.beta:g})"


class EWC(Regularizer):
    r"""Elastic weight consolidation (Kirkpatrick et al. 2017): a weighted L2 to θ_{t−1}.

    .. math:: \lambda \sum_i F_i (\theta_i - \theta_{t-1,i})^2, \qquad
              F_i = \frac{1}{m}\sum_{k=1}^{m} \left(\partial_{\theta_i} \ell(x_k, y_k; \theta_{t-1})\right)^2

    F is the diagonal *empirical* Fisher information, estimated at the end of each task from the
    squared per-example gradients of up to ``fisher_samples`` training examples, and summed over
    past tasks (one penalty, anchored at the latest θ). With F_i = 1 this is :class:`L2ToPrevious`;
    we keep the same no-½ convention (the paper writes λ/2). Parameters the old tasks' loss is
    sensitive to (large F_i) are held tightly; the others are free to move.
    Taught in notebooks/04b_the_articles_pull_repaired.
    """

    name = "ewc"

    def __init__(self, lam: float, fisher_samples: int = 64, seed: int = 0):
        super().__init__()
        self.lam = check_float("lam", lam, min=0.0)
        self.fisher_samples = check_int("fisher_samples", fisher_samples, min=1)
        self.seed = check_seed("seed", seed)
        self.fisher: torch.Tensor | None = None
        self._fisher_views: list[torch.Tensor] | None = None

    def start_task(self, model: nn.Module, task_index: int) -> None:
        if task_index == 0:  # a new stream: forget the Fisher and anchor of an earlier run
            self.anchor_set = False
            if self.fisher is not None:
                self.fisher.zero_()

    def end_task(self, model: nn.Module, task: Any, task_index: int) -> None:
        params = self._bind(model)
        if self.fisher is None or self.fisher.numel() != self.anchor.numel():
            self.fisher, self._fisher_views = _flat_buffer(params)
        examples = list(task.examples)
        rng = np.random.default_rng(self.seed + task_index)
        idx = rng.permutation(len(examples))[: self.fisher_samples]
        was_training = model.training
        model.eval()
        acc = [torch.zeros_like(p) for p in params]
        for i in idx:
            loss = model.loss(model.collate([examples[int(i)]], task.kind))
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            grads = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params)]
            torch._foreach_addcmul_(acc, grads, grads)  # Σ g²
        model.train(was_training)
        with torch.no_grad():
            torch._foreach_add_(self._fisher_views, torch._foreach_div(acc, float(len(idx))))
        self.set_anchor(model)

    def penalty(self, model: nn.Module) -> torch.Tensor | None:
        if not self.anchor_set or self.lam == 0.0 or self.fisher is None:
            return None
        return _WeightedProximal.apply(self.lam, self._anchor_views, self._fisher_views, *self._params)

    def step_penalty(self, model: nn.Module) -> float | torch.Tensor | None:
        """The value of :meth:`penalty` (a float); its gradient 2λF⊙(θ − θ_{t−1}) is added by :meth:`before_step`."""
        if type(self).penalty is not EWC.penalty:  # a subclass changed the penalty: use it as is
            return self.penalty(model)
        if not self.anchor_set or self.lam == 0.0 or self.fisher is None:
            return None
        return self._proximal_value(self.lam, self.fisher)

    def __repr__(self) -> str:
        return f"EWC(lam={self.lam:g})"


class L2ToInit(Regularizer):
    r"""L2-SP (Li et al. 2018): :math:`\lambda\lVert\theta - \theta_0\rVert^2` toward the starting weights θ_0.

    θ_0 is the model's θ when task 0 starts (e.g. pretrained weights), or the flat vector
    ``anchor`` passed to the constructor. Unlike :class:`L2ToPrevious` the anchor never moves,
    and the penalty already applies on task 0. Taught in notebooks/08_real_models_and_real_data (section 8).
    """

    name = "l2init"

    def __init__(self, lam: float, anchor: torch.Tensor | None = None):
        super().__init__()
        self.lam = check_float("lam", lam, min=0.0)
        if anchor is not None:
            check_type("anchor", anchor, torch.Tensor)
        self._given = None if anchor is None else anchor.detach().clone()

    def start_task(self, model: nn.Module, task_index: int) -> None:
        if task_index == 0 or not self.anchor_set:
            self.set_anchor(model, self._given)

    def penalty(self, model: nn.Module) -> torch.Tensor | None:
        if not self.anchor_set or self.lam == 0.0:
            return None
        return _WeightedProximal.apply(self.lam, self._anchor_views, None, *self._params)

    def step_penalty(self, model: nn.Module) -> float | torch.Tensor | None:
        """The value of :meth:`penalty` (a float); its gradient 2λ(θ − θ_0) is added by :meth:`before_step`."""
        if type(self).penalty is not L2ToInit.penalty:  # a subclass changed the penalty: use it as is
            return self.penalty(model)
        if not self.anchor_set or self.lam == 0.0:
            return None
        return self._proximal_value(self.lam)

    def __repr__(self) -> str:
        return f"L2ToInit(lam={self.lam:g})"


L2SP = L2ToInit

REGULARIZERS = {"none": None, "l2": L2ToPrevious, "pull": ArticlePull, "ewc": EWC, "l2init": L2ToInit}


def make_regularizer(name: str | Regularizer | None, strength: float | None = None) -> Regularizer | None:
    """``"none"``, ``"l2"`` (λ), ``"pull"`` (β), ``"ewc"`` (λ), ``"l2init"`` (λ) -> a regularizer.

    A :class:`Regularizer` instance or None is returned unchanged.
    """
    if name is None or isinstance(name, Regularizer):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"regularizer must be a metamap_edu.learn.train.Regularizer, one of {', '.join(map(repr, REGULARIZERS))} "
            f"or None; got {name!r} of type {type(name).__name__}"
        )
    check_choice("regularizer", name, REGULARIZERS)
    if name == "none":
        return None
    if strength is None:
        raise ValueError(f"regularizer {name!r} needs a strength (lam or beta); got strength=None")
    return REGULARIZERS[name](strength)


def pull_as_l2(beta: float, lr: float) -> tuple[float, float]:
    r"""The coupled L2 that plain SGD + :class:`ArticlePull` secretly is: returns ``(lam, lr_coupled)``.

    One SGD step then the pull: θ' = (1−β)(θ − α g) + β a = θ − α(1−β) g − β(θ − a).
    One coupled step with λ and α': θ' = θ − α'(g + 2λ(θ − a)). They agree when

    .. math:: \alpha' = \alpha(1-\beta), \qquad \lambda = \frac{\beta}{2\alpha(1-\beta)}

    (the 2 comes from differentiating λ‖θ − a‖², written without ½).
    Taught in notebooks/04b_the_articles_pull_repaired.
    """
    beta = check_float("beta", beta, min=0.0, max=1.0, max_inclusive=False)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    return beta / (2.0 * lr * (1.0 - beta)), lr * (1.0 - beta)


# ---------------------------------------------------------------------------------------------
# The sequential trainer
# ---------------------------------------------------------------------------------------------
@dataclass
class SequentialResult:
    r"""What :meth:`SequentialTrainer.run` returns.

    ``R`` is the (T+1, T) accuracy matrix: ``R[0, j]`` is task j's score before any training
    (the random-init baseline b_j), ``R[i, j]`` its score after training on tasks 1..i (i ≥ 1).
    ``params[i]`` is the flat θ after task i (``params[0]`` = the start). ``losses[i]`` is the
    per-step training objective on task i (0-based). ACC, BWT, FWT and forgetting follow
    Lopez-Paz & Ranzato (2017) -- see :func:`metamap_edu.learn.metrics.continual_metrics`.
    """

    task_names: tuple[str, ...]
    R: np.ndarray
    params: list[torch.Tensor]
    losses: list[list[float]]
    metric_name: str = "score"
    regularizer: str = "none"
    seconds: float = 0.0

    @property
    def num_tasks(self) -> int:
        return self.R.shape[1]

    def metrics(self) -> dict[str, float]:
        """``{"acc", "bwt", "fwt", "forgetting", "last"}``; ``last`` = score on the last task after it."""
        out = continual_metrics(self.R)
        out["last"] = float(self.R[-1, -1])
        return out

    @property
    def acc(self) -> float:
        return self.metrics()["acc"]

    @property
    def bwt(self) -> float:
        return self.metrics()["bwt"]

    @property
    def fwt(self) -> float:
        return self.metrics()["fwt"]

    @property
    def forgetting(self) -> float:
        return self.metrics()["forgetting"]

    @property
    def last(self) -> float:
        return float(self.R[-1, -1])


class SequentialTrainer:
    r"""Train one model on a list of tasks in order, optionally staying close to past θ (formula 2).

    For each task t = 0..T−1: ``regularizer.start_task(model, t)``; ``steps_per_task`` steps of
    ``optimizer`` (a fresh one per task when ``reset_optimizer``) on minibatches of task t, each
    step minimising L_t(θ) + penalty(θ) then calling ``regularizer.after_step``;
    ``regularizer.end_task(model, task, t)``; then every task is scored
    (:func:`metamap_edu.learn.metrics.score` on ``test_tasks`` if given, else on the training tasks),
    filling row t+1 of the accuracy matrix R. Row 0 is measured before any training.

    It only uses the model contract (``kinds``, ``collate``, ``loss``, ``predict``), so any course
    model works, including the TinyTransformer. The model is trained in place.

    Parameters
    ----------
    model : a course model.
    regularizer : None or a :class:`Regularizer` (:class:`L2ToPrevious`, :class:`ArticlePull`, ...).
    optimizer : ``"sgd"``, ``"momentum"`` or ``"adam"``; ``lr`` its learning rate α > 0.
    steps_per_task, batch_size : how long and on how much data each task trains.
    seed : seeds the minibatch order (task t uses ``seed + t``).
    reset_optimizer : start each task with a fresh optimizer state (default True).
    record_params : keep θ after every task in the result (turn off for big models).

    Taught in notebooks/03_a_stream_of_tasks and 04_staying_close_the_l2_bridge.
    """

    def __init__(
        self,
        model: Any,
        regularizer: Regularizer | None = None,
        optimizer: str = "sgd",
        lr: float = 0.1,
        steps_per_task: int = 100,
        batch_size: int = 32,
        seed: int = 0,
        *,
        reset_optimizer: bool = True,
        momentum: float = 0.9,
        record_params: bool = True,
        progress: bool = True,
    ):
        self.model = _check_model(model)
        if regularizer is not None and not isinstance(regularizer, Regularizer):
            raise TypeError(
                "regularizer must be a metamap_edu.learn.train.Regularizer (L2ToPrevious, ArticlePull, EWC, L2ToInit, "
                f"or your own subclass) or None; got {regularizer!r} of type {type(regularizer).__name__}"
            )
        self.regularizer = regularizer
        self.optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
        self.lr = check_float("lr", lr, min=0.0, min_inclusive=False)
        self.steps_per_task = check_int("steps_per_task", steps_per_task, min=1)
        self.batch_size = check_int("batch_size", batch_size, min=1)
        self.seed = check_seed("seed", seed)
        self.momentum = momentum
        self.reset_optimizer = bool(reset_optimizer)
        self.record_params = bool(record_params)
        self.progress = bool(progress)

    def run(self, tasks: Sequence[Any], test_tasks: Sequence[Any] | None = None) -> SequentialResult:
        """Train on ``tasks`` in order; score on ``test_tasks`` (same length) or on ``tasks``."""
        from tqdm.auto import tqdm

        if tasks is None or isinstance(tasks, (str, bytes)):
            raise TypeError(f"tasks must be a sequence of MappingTask; got {tasks!r}")
        tasks = list(tasks)
        check_nonempty("tasks", tasks, "at least one task")
        for i, t in enumerate(tasks):
            _check_task(f"tasks[{i}]", t, self.model)
        if test_tasks is None:
            test_tasks = tasks
        else:
            test_tasks = list(test_tasks)
            if len(test_tasks) != len(tasks):
                raise ValueError(f"test_tasks must have one task per training task ({len(tasks)}); got {len(test_tasks)}")
            for i, t in enumerate(test_tasks):
                _check_task(f"test_tasks[{i}]", t, self.model)
        model, reg = self.model, self.regularizer
        T = len(tasks)
        R = np.zeros((T + 1, T))
        R[0] = [score(model, t) for t in test_tasks]
        params = [model_flat(model)] if self.record_params else []
        losses: list[list[float]] = []
        opt = None
        start = time.perf_counter()
        for t, task in enumerate(tqdm(tasks, desc="tasks", disable=bars_disabled(self.progress))):
            if opt is None or self.reset_optimizer:
                opt = make_optimizer(self.optimizer, _trainable(model), self.lr, self.momentum)
            if reg is not None:
                reg.start_task(model, t)
            hist = History(metric_name=_metric_name(task.kind))
            try:
                _train_steps(model, task, opt, reg, self.steps_per_task, self.batch_size, self.seed + t,
                             self.lr, self.optimizer, hist, progress=self.progress,
                             desc=f"task {t}: {getattr(task, 'name', '')}")
            except DivergenceError as err:
                err.args = (f"{err.args[0]} (sequential training, task {t + 1} of {T})",)
                raise
            if reg is not None:
                reg.end_task(model, task, t)
            losses.append(hist.loss)
            R[t + 1] = [score(model, tt) for tt in test_tasks]
            if self.record_params:
                params.append(model_flat(model))
        return SequentialResult(
            task_names=tuple(str(getattr(t, "name", f"task {i}")) for i, t in enumerate(tasks)),
            R=R,
            params=params,
            losses=losses,
            metric_name=_metric_name(tasks[0].kind),
            regularizer=repr(reg) if reg is not None else "none",
            seconds=time.perf_counter() - start,
        )


def model_flat(model: nn.Module) -> torch.Tensor:
    """θ as one detached flat copy (same as :func:`metamap_edu.models.base.flat_params`)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_show(model)} of type {type(model).__name__}")
    return torch.cat([p.detach().reshape(-1) for p in _trainable(model)]).clone()


# ---------------------------------------------------------------------------------------------
# Experiments the notebooks run (and tests/course/test_nb04_l2_bridge.py asserts on)
# ---------------------------------------------------------------------------------------------
#: The stream of notebooks 03-04: four domains in an order where the domain-dependent words
#: ("long", "quiet", "cold", ...) flip polarity from one task to the next, so a bag of words forgets.
STREAM_DOMAINS = ("electronics", "movies", "cars", "sports")
STREAM_DEFAULTS = dict(optimizer="adam", lr=0.05, steps_per_task=100, batch_size=32, ngrams=1, mark_scope=True,
                       n_per_task=400, relatedness=0.5)


def run_sentiment_stream(
    regularizer: str | Regularizer | None = None,
    strength: float | None = None,
    *,
    domains: Sequence[str] | None = STREAM_DOMAINS,
    n_per_task: int = STREAM_DEFAULTS["n_per_task"],
    relatedness: float = STREAM_DEFAULTS["relatedness"],
    optimizer: str = STREAM_DEFAULTS["optimizer"],
    lr: float = STREAM_DEFAULTS["lr"],
    steps_per_task: int = STREAM_DEFAULTS["steps_per_task"],
    batch_size: int = STREAM_DEFAULTS["batch_size"],
    test_fraction: float = 0.25,
    ngrams: int = STREAM_DEFAULTS["ngrams"],
    mark_scope: bool = STREAM_DEFAULTS["mark_scope"],
    seed: int = 0,
    family: Sequence[Any] | None = None,
    progress: bool = False,
) -> SequentialResult:
    """Sequential training of a bag-of-words classifier over the generated sentiment domains.

    The stream is ``metamap_edu.tasks.families.sentiment_family(domains, n_per_task, relatedness, seed)``
    (or ``family`` if given), each task split into train/test (``test_fraction``, stratified); a
    fresh :class:`~metamap_edu.models.base.BagOfWordsClassifier` (``ngrams``, ``mark_scope``;
    initialised from ``seed``) is trained on the domains in order and scored on every domain's
    test split after each one. Defaults (:data:`STREAM_DEFAULTS`): Adam, lr 0.05, 100 steps of 32
    examples per task, 400 sentences per domain, domains :data:`STREAM_DOMAINS`. About 1-2 s.

    Scale of λ: the data loss of a mean bag of words has tiny curvature per weight (each word is
    1/m of a sentence and appears in few sentences), so λ ≈ 1e-4 is already a moderate pull and
    λ ≈ 1e-2 freezes the model -- the closed form's h/(h + λ) in action.
    ``regularizer``: ``None``/``"none"``, ``"l2"`` (strength = λ), ``"pull"`` (β), ``"ewc"`` (λ),
    ``"l2init"`` (λ), or a :class:`Regularizer` instance. Returns a :class:`SequentialResult`.
    Taught in notebooks/03_a_stream_of_tasks and 04_staying_close_the_l2_bridge.
    """
    from ..models.base import BagOfWordsClassifier
    from ..reproducibility import set_seed

    seed = check_seed("seed", seed)
    reg = make_regularizer(regularizer, strength)
    if family is None:
        from ..tasks.families import sentiment_family

        family = sentiment_family(domains=domains, n_per_task=n_per_task, relatedness=relatedness, seed=seed)
    family = list(family)
    check_nonempty("family", family, "at least one task")
    splits = [t.train_test_split(test_fraction=test_fraction, seed=seed) for t in family]
    train_tasks = [s[0] for s in splits]
    test_tasks = [s[1] for s in splits]
    set_seed(seed)
    model = BagOfWordsClassifier.for_tasks(train_tasks, ngrams=ngrams, mark_scope=mark_scope)
    trainer = SequentialTrainer(model, reg, optimizer=optimizer, lr=lr, steps_per_task=steps_per_task,
                                batch_size=batch_size, seed=seed, progress=progress)
    return trainer.run(train_tasks, test_tasks)


def stability_plasticity(
    values: Sequence[float],
    regularizer: str = "l2",
    seeds: Sequence[int] = (0,),
    **stream_kwargs: Any,
) -> dict[str, np.ndarray]:
    """ACC, BWT, FWT, forgetting and last-task score of :func:`run_sentiment_stream` against strength.

    Returns ``{"values": (V,), "acc": (V,), "bwt": (V,), "fwt": (V,), "forgetting": (V,), "last": (V,)}``,
    each averaged over ``seeds`` (per-seed arrays under ``"<name>_per_seed"``, shape (S, V)).
    Taught in notebooks/04_staying_close_the_l2_bridge and notebooks/04b_the_articles_pull_repaired.
    """
    values = check_sequence("values", values, "a list of numbers")
    seeds = check_sequence("seeds", seeds, "a list of int seeds")
    values = [float(v) for v in check_nonempty("values", list(values), "at least one strength")]
    seeds = list(check_nonempty("seeds", list(seeds), "at least one seed"))
    names = ("acc", "bwt", "fwt", "forgetting", "last")
    table = {n: np.zeros((len(seeds), len(values))) for n in names}
    for si, s in enumerate(seeds):
        for vi, v in enumerate(values):
            m = run_sentiment_stream(regularizer if v > 0 else None, v, seed=s, **stream_kwargs).metrics()
            for n in names:
                table[n][si, vi] = m[n]
    out: dict[str, np.ndarray] = {"values": np.array(values)}
    for n in names:
        out[n] = table[n].mean(axis=0)
        out[n + "_per_seed"] = table[n]
    return out
