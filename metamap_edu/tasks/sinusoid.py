"""The sinusoid regression family of the MAML paper: the numeric bridge from MSE to meta-learning.

Taught in ``notebooks/05_meta_learning_proper``.

A task is one sine wave y = A·sin(x − φ). Defaults follow Finn et al. (2017), section 5.1:

* amplitude A ~ U[0.1, 5.0], phase φ ~ U[0, π], inputs x ~ U[−5, 5];
* model: an MLP 1-40-40-1 with ReLU (:class:`metamap_edu.models.linear.SinusoidMLP`), loss = mean squared error;
* meta-training: K = 10 support points, inner lr α = 0.01, one inner step, meta-batch 25, Adam;
* evaluation: new tasks with K = 5 support points.

No single function fits all tasks: the best task-agnostic predictor, the mean wave
E[y | x] = −(2/π)·E[A]·cos x, still has an MSE of about 3.0 (computed in the notebook).
Tasks are ``"regression"`` :class:`~metamap_edu.tasks.mapping.MappingTask` s whose examples are
``((x,), (y,))`` pairs, so every trainer and meta-learner of the course works on them unchanged.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import torch

from .._checks import check_float, check_int, check_seed, check_sequence, check_type
from .mapping import MappingTask

__all__ = [
    "SINUSOID_DEFAULTS",
    "SinusoidConfig",
    "sinusoid_task",
    "sinusoid_family",
    "SinusoidSampler",
    "task_agnostic_mse",
]


@dataclass(frozen=True)
class SinusoidConfig:
    """The paper's sinusoid setup (Finn et al., 2017, section 5.1 and appendix C.1)."""

    amplitude: tuple[float, float] = (0.1, 5.0)  # A ~ U[0.1, 5.0]
    phase: tuple[float, float] = (0.0, math.pi)  # φ ~ U[0, π]
    x_range: tuple[float, float] = (-5.0, 5.0)  # x ~ U[−5, 5]
    hidden: tuple[int, ...] = (40, 40)  # MLP 1-40-40-1, ReLU
    k_shot_train: int = 10  # K during meta-training
    k_shot_eval: int = 5  # K at evaluation (Table 2)
    inner_lr: float = 0.01  # α
    inner_steps: int = 1  # inner steps during meta-training
    meta_batch_size: int = 25
    outer_lr: float = 1e-3  # Adam

    def __post_init__(self):
        for name in ("amplitude", "phase", "x_range"):
            pair = getattr(self, name)
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{name} must be a (low, high) pair; got {pair!r}")
            lo, hi = (check_float(f"{name}[{i}]", v) for i, v in enumerate(pair))
            if hi < lo:
                raise ValueError(f"{name} must have low <= high; got {pair!r}")
        for i, h in enumerate(check_sequence("hidden", self.hidden, "a tuple of layer widths")):
            check_int(f"hidden[{i}]", h, min=1)
        for name in ("k_shot_train", "k_shot_eval", "inner_steps", "meta_batch_size"):
            check_int(name, getattr(self, name), min=1 if name != "inner_steps" else 0)
        for name in ("inner_lr", "outer_lr"):
            check_float(name, getattr(self, name), min=0.0, min_inclusive=False)


SINUSOID_DEFAULTS = SinusoidConfig()


def _check_range(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a (low, high) pair; got {value!r}")
    lo = check_float(f"{name}[0]", value[0])
    hi = check_float(f"{name}[1]", value[1])
    if hi < lo:
        raise ValueError(f"{name} must have low <= high; got {value!r}")
    return lo, hi


def _wave(amplitude: float, phase: float, xs: torch.Tensor) -> torch.Tensor:
    return amplitude * torch.sin(xs - phase)


def sinusoid_task(
    amplitude: float,
    phase: float,
    n: int = 100,
    seed: int = 0,
    x_range: tuple[float, float] = SINUSOID_DEFAULTS.x_range,
    name: str | None = None,
):
    """One task y = A·sin(x − φ) with ``n`` inputs x ~ U[x_range] (a ``"regression"`` MappingTask)."""
    amplitude = check_float("amplitude", amplitude)
    phase = check_float("phase", phase)
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    lo, hi = _check_range("x_range", x_range)
    g = torch.Generator().manual_seed(seed)
    xs = lo + (hi - lo) * torch.rand(n, generator=g, dtype=torch.float64)
    ys = _wave(amplitude, phase, xs)
    examples = [((float(x),), (float(y),)) for x, y in zip(xs.tolist(), ys.tolist())]
    return MappingTask(
        name=name or f"sinusoid/A={amplitude:.2f},phase={phase:.2f}",
        kind="regression",
        examples=examples,
        metadata={"family": "sinusoid", "amplitude": amplitude, "phase": phase},
    )


def sinusoid_family(
    n_tasks: int = 20,
    n_per_task: int = 100,
    seed: int = 0,
    config: SinusoidConfig = SINUSOID_DEFAULTS,
) -> list:
    """``n_tasks`` sine-wave tasks with A ~ U[amplitude], φ ~ U[phase] (the paper's ranges by default)."""
    n_tasks = check_int("n_tasks", n_tasks, min=1)
    seed = check_seed("seed", seed)
    check_type("config", config, SinusoidConfig)
    rng = random.Random(seed)
    tasks = []
    for i in range(n_tasks):
        a = rng.uniform(*config.amplitude)
        p = rng.uniform(*config.phase)
        tasks.append(sinusoid_task(a, p, n=n_per_task, seed=seed * 100_003 + i, x_range=config.x_range))
    return tasks


@dataclass
class TensorEpisode:
    """A sinusoid episode already in :class:`~metamap_edu.models.linear.SinusoidMLP`'s collate format ``{"x": (K, 1), "y": (K, 1)}``."""

    support: dict
    query: dict
    amplitude: float
    phase: float


class SinusoidSampler:
    """Draws fresh sine-wave episodes: ``sample(rng)`` -> episode with ``.support`` and ``.query``.

    ``as_tensors=True`` (the fast path used by meta-training) returns :class:`TensorEpisode` s,
    already collated as ``{"x": (K, 1), "y": (K, 1)}`` float32 tensors; ``False`` returns a
    ``(support, query)`` pair of ``MappingTask`` s, the same data through the task contract.
    """

    def __init__(
        self,
        k_shot: int = SINUSOID_DEFAULTS.k_shot_train,
        n_query: int | None = None,
        config: SinusoidConfig = SINUSOID_DEFAULTS,
        as_tensors: bool = True,
    ):
        self.k_shot = check_int("k_shot", k_shot, min=1)
        self.n_query = self.k_shot if n_query is None else check_int("n_query", n_query, min=1)
        self.config = check_type("config", config, SinusoidConfig)
        for name in ("amplitude", "phase", "x_range"):
            _check_range(name, getattr(config, name))
        self.as_tensors = check_type("as_tensors", as_tensors, bool)

    def sample(self, rng: random.Random):
        c = self.config
        a = rng.uniform(*c.amplitude)
        p = rng.uniform(*c.phase)
        n = self.k_shot + self.n_query
        xs = [rng.uniform(*c.x_range) for _ in range(n)]
        if not self.as_tensors:
            ex = [((x,), (a * math.sin(x - p),)) for x in xs]
            meta = {"family": "sinusoid", "amplitude": a, "phase": p}
            name = f"sinusoid/A={a:.2f},phase={p:.2f}"
            return (
                MappingTask(name=name + "/support", kind="regression", examples=ex[: self.k_shot], metadata=meta),
                MappingTask(name=name + "/query", kind="regression", examples=ex[self.k_shot :], metadata=meta),
            )
        x = torch.tensor(xs, dtype=torch.get_default_dtype()).unsqueeze(1)  # (n, 1)
        y = a * torch.sin(x - p)
        return TensorEpisode({"x": x[: self.k_shot], "y": y[: self.k_shot]}, {"x": x[self.k_shot :], "y": y[self.k_shot :]}, a, p)

    def episodes(self, n: int, seed: int = 0) -> list:
        """``n`` episodes from a fresh ``random.Random(seed)`` (a fixed evaluation set)."""
        n = check_int("n", n, min=1)
        rng = random.Random(check_seed("seed", seed))
        return [self.sample(rng) for _ in range(n)]


def task_agnostic_mse(config: SinusoidConfig = SINUSOID_DEFAULTS, grid: int = 20_001) -> float:
    """MSE of the best single predictor for all tasks, the mean wave m(x) = E[A]·E_φ[sin(x − φ)].

    MSE = E_x[ E[A²]·E_φ[sin²(x − φ)] − m(x)² ], with the φ-expectations in closed form and the
    x-average on a fine grid over ``x_range``. About 3.0 for the paper's setup: no function of x
    alone can fit every wave, which is why adaptation is needed at all.
    """
    check_type("config", config, SinusoidConfig)
    grid = check_int("grid", grid, min=2)
    grid = check_int("grid", grid, min=2)
    a, b = config.amplitude
    ea, ea2 = (a + b) / 2, (a * a + a * b + b * b) / 3
    p0, p1 = config.phase
    x = torch.linspace(*config.x_range, grid, dtype=torch.float64)
    if p1 - p0 < 1e-12:
        mean_sin, mean_sin2 = torch.sin(x - p0), torch.sin(x - p0) ** 2
    else:
        mean_sin = (torch.cos(x - p1) - torch.cos(x - p0)) / (p1 - p0)  # E_φ sin(x − φ)
        mean_cos2 = (torch.sin(2 * x - 2 * p0) - torch.sin(2 * x - 2 * p1)) / (2 * (p1 - p0))  # E_φ cos 2(x − φ)
        mean_sin2 = 0.5 - 0.5 * mean_cos2
    return float((ea2 * mean_sin2 - (ea * mean_sin) ** 2).mean())
