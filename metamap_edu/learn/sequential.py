r"""The sequential trainer: one model, a stream of tasks, and the accuracy matrix R.

For each task t = 0..T−1 in order, train with formula 1 (:mod:`metamap_edu.learn.fit`) on

.. math:: L_t(\theta) + \text{penalty}(\theta), \qquad \text{e.g. } \lambda\lVert\theta - \theta_{t-1}\rVert^2

(formula 2, :mod:`metamap_edu.learn.regularizers`),

then score every task: ``R[i, j]`` is task j's score after training on tasks 1..i (row 0 before any
training), from which ACC, BWT, FWT and forgetting follow
(:func:`metamap_edu.learn.metrics.continual_metrics`).

Taught in notebooks/03_a_stream_of_tasks (the trainer, the accuracy matrix) and
04_staying_close_the_l2_bridge (with a regularizer).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed
from .._progress import bars_disabled
from ..models import check_model, flat_params
from .fit import OPTIMIZERS, DivergenceError, History, _check_task, _metric_name, _train_steps, make_optimizer
from .metrics import continual_metrics, score
from .proximal import Regularizer, _trainable

__all__ = ["SequentialTrainer", "SequentialResult"]


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
        self.model = check_model(model)
        if regularizer is not None and not isinstance(regularizer, Regularizer):
            raise TypeError(
                "regularizer must be a metamap_edu.learn.Regularizer (L2ToPrevious, ArticlePull, EWC, L2ToInit, "
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
        params = [flat_params(model)] if self.record_params else []
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
                params.append(flat_params(model))
        return SequentialResult(
            task_names=tuple(str(getattr(t, "name", f"task {i}")) for i, t in enumerate(tasks)),
            R=R,
            params=params,
            losses=losses,
            metric_name=_metric_name(tasks[0].kind),
            regularizer=repr(reg) if reg is not None else "none",
            seconds=time.perf_counter() - start,
        )
