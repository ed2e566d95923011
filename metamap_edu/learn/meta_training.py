r"""Meta-training and its evaluation: the outer loop, and the score after k inner steps.

:func:`meta_train` runs the outer loop of any meta-learner (MAML, Reptile, ProtoNet): draw a
meta-batch of episodes, take one ``step``. :func:`evaluate_adaptation` measures what meta-learning
is for, the query score after k steps of formula 1 on each episode's support set,

.. math:: \phi_k = \phi_{k-1} - \alpha \nabla L_S(\phi_{k-1}), \quad \phi_0 = \theta,

averaged over episodes with a 95% interval (:func:`mean_ci95`).
Taught in notebooks/05_meta_learning_proper and 05b_few_shot_text.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.func import functional_call
from tqdm.auto import trange

from .._checks import check_float, check_int, check_seed, check_sequence
from .._progress import bars_disabled
from ..models import check_model
from .fit import DivergenceError
from .functional import Batch, Params, _math_attention, _per_task, adapt, collate_episodes, loss_at, parameters_of

__all__ = ["meta_train", "MetaHistory", "evaluate_adaptation", "AdaptationResult", "mean_ci95"]


@dataclass
class MetaHistory:
    """What :func:`meta_train` returns: the mean meta-batch loss at every iteration."""

    algorithm: str
    losses: list[float] = field(default_factory=list)

    def smoothed(self, window: int = 50) -> list[float]:
        window = check_int("window", window, min=1)
        out, acc = [], 0.0
        for i, v in enumerate(self.losses):
            acc += v
            if i >= window:
                acc -= self.losses[i - window]
            out.append(acc / min(i + 1, window))
        return out


def _draw(sampler: Any, rng: random.Random, index: int) -> Any:
    """One episode: ``sampler.sample(index)`` for a :class:`~metamap_edu.tasks.EpisodeSampler`
    (episode i is fixed by its seed), else ``sampler.sample(rng)`` or ``sampler(rng)``."""
    if type(sampler).__name__ in ("EpisodeSampler", "RelabelledSampler"):
        return sampler.sample(index)
    if hasattr(sampler, "sample") and callable(sampler.sample):
        return sampler.sample(rng)
    if callable(sampler):
        return sampler(rng)
    raise TypeError(f"sampler must be callable or have .sample(rng); got {type(sampler).__name__}")


def meta_train(
    algorithm: Any,
    sampler: Any,
    meta_batch_size: int = 25,
    iterations: int = 1000,
    seed: int = 0,
    progress: bool = True,
    lr_schedule: str = "constant",
) -> MetaHistory:
    """Run ``iterations`` outer steps of ``algorithm`` (MAML, Reptile or ProtoNet).

    Each step draws ``meta_batch_size`` episodes from ``sampler`` -- a
    :class:`~metamap_edu.tasks.EpisodeSampler` (episodes 0, 1, 2, ... in order), or anything with
    ``sample(rng)`` or callable as ``sampler(rng)``, with ``rng = random.Random(seed)`` -- and
    calls ``algorithm.step(episodes)``.
    A ``tqdm.auto`` bar shows progress (disabled by ``TQDM_DISABLE=1`` in headless builds).
    ``lr_schedule="cosine"`` anneals the outer learning rate of algorithms with an ``optimizer``
    (MAML, ProtoNet) from its value to a tenth of it along a half cosine.
    Stops with a clear error if the loss becomes NaN or infinite.
    """
    if not callable(getattr(algorithm, "step", None)):
        raise TypeError(f"algorithm must have a step(episodes) method (MAML, Reptile, ProtoNet); got {type(algorithm).__name__}")
    meta_batch_size = check_int("meta_batch_size", meta_batch_size, min=1)
    iterations = check_int("iterations", iterations, min=0)
    seed = check_seed("seed", seed)
    if lr_schedule not in ("constant", "cosine"):
        raise ValueError(f"lr_schedule must be one of 'constant', 'cosine'; got {lr_schedule!r}")
    optimizer = getattr(algorithm, "optimizer", None)
    base_lrs = [g["lr"] for g in optimizer.param_groups] if optimizer is not None else []
    rng = random.Random(seed)
    history = MetaHistory(algorithm=getattr(algorithm, "name", type(algorithm).__name__))
    bar = trange(iterations, desc=history.algorithm, disable=bars_disabled(progress), leave=False)
    for it in bar:
        if lr_schedule == "cosine" and optimizer is not None:
            factor = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * it / max(1, iterations)))
            for g, lr0 in zip(optimizer.param_groups, base_lrs):
                g["lr"] = lr0 * factor
        episodes = [_draw(sampler, rng, it * meta_batch_size + j) for j in range(meta_batch_size)]
        loss = algorithm.step(episodes)
        if not math.isfinite(loss):
            lrs = {k: getattr(algorithm, k) for k in ("inner_lr", "outer_lr", "epsilon") if hasattr(algorithm, k)}
            raise DivergenceError(
                f"{history.algorithm} meta-training diverged at iteration {it} (loss={loss}); "
                f"lower the learning rates ({', '.join(f'{k}={v:g}' for k, v in lrs.items())}), e.g. by 10x",
                step=it + 1, loss=loss, lr=float(lrs.get("inner_lr", float("nan"))), history=None,
            )
        history.losses.append(loss)
        if it % 50 == 0:
            bar.set_postfix(loss=f"{loss:.3f}")
    for g, lr0 in zip(optimizer.param_groups if optimizer is not None else [], base_lrs):
        g["lr"] = lr0
    return history


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """(mean, half-width of the normal 95% confidence interval 1.96·s/√n)."""
    values = check_sequence("values", values, "a list of numbers")
    t = torch.as_tensor(list(values), dtype=torch.float64)
    if t.numel() == 0:
        raise ValueError("values must contain at least one number")
    half = 1.96 * float(t.std(unbiased=True)) / math.sqrt(t.numel()) if t.numel() > 1 else float("nan")
    return float(t.mean()), half


@dataclass
class AdaptationResult:
    """Score after 0, 1, ..., k inner steps, averaged over tasks, with 95% confidence intervals."""

    steps: list[int]
    mean: list[float]
    ci95: list[float]
    per_task: torch.Tensor  # (n_tasks, k + 1)
    metric: str

    def at(self, step: int) -> float:
        return self.mean[self.steps.index(step)]


def _metric_fn(model: nn.Module, metric: str | Callable) -> Callable[[Params, Batch], torch.Tensor]:
    if callable(metric):
        return metric
    if metric == "loss":
        return lambda p, b: loss_at(p, model, b)
    if metric == "mse":
        return lambda p, b: loss_at(p, model, b)
    if metric == "accuracy":
        if not callable(getattr(model, "logits", None)):
            raise ValueError(f"metric='accuracy' needs model.logits(batch); {type(model).__name__} has none")

        def acc(p: Params, b: Batch) -> torch.Tensor:
            logits = functional_call(_Logits(model), {"model." + k: v for k, v in p.items()}, (b,), strict=False)
            return (logits.argmax(-1) == b["y"]).float().mean()

        return acc
    raise ValueError(f"metric must be 'loss', 'mse', 'accuracy' or a callable(params, batch); got {metric!r}")


class _Logits(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.model.logits(batch)


def evaluate_adaptation(
    model: nn.Module,
    episodes: Sequence[Any],
    steps: int = 10,
    lr: float = 0.01,
    metric: str | Callable = "loss",
    params: Mapping[str, torch.Tensor] | None = None,
    vmap: bool | None = None,
) -> AdaptationResult:
    """Adapt to every episode's support set with 0..``steps`` SGD steps of size ``lr`` (formula 1)
    and score the query set after each step.

    ``metric``: ``"loss"``/``"mse"`` (``model.loss``; the MSE for regression, lower is better),
    ``"accuracy"`` (needs ``model.logits(batch)`` and a ``"y"`` label tensor) or a callable
    ``(params, query_batch) -> scalar``. ``params`` defaults to the model's own parameters.
    Returns the mean over episodes with 95% confidence intervals at every step count.
    """
    check_model(model)
    steps = check_int("steps", steps, min=0)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    theta = {k: v.detach() for k, v in (parameters_of(model) if params is None else dict(params)).items()}
    score = _metric_fn(model, metric)

    def curve(support: Batch, query: Batch) -> torch.Tensor:
        p, out = theta, [score(theta, query)]
        for _ in range(steps):
            p = adapt(p, model, support, 1, lr)
            out.append(score(p, query))
        return torch.stack(out).detach()

    s, q, sl, ql = collate_episodes(model, episodes)
    with _math_attention():
        per_task, _ = _per_task(curve, model, s, q, sl, ql, vmap)
    per_task = per_task.detach().double()
    means, cis = [], []
    for j in range(steps + 1):
        m, h = mean_ci95(per_task[:, j].tolist())
        means.append(m)
        cis.append(h)
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")
    return AdaptationResult(list(range(steps + 1)), means, cis, per_task, name)
