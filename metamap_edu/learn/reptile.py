r"""Reptile: move θ toward the parameters adapted to each task (Nichol et al., 2018).

Adapt with ``inner_steps`` SGD steps on a task's support set (φ), then

.. math:: \theta \leftarrow \theta + \varepsilon\,(\phi - \theta) = (1 - \varepsilon)\,\theta + \varepsilon\,\phi .

The article's "pull" ``p -= β (p − p_prev)`` applied once per task is exactly Reptile with
ε = 1 − β (:func:`reptile_update`). Built on the pure inner loop of
:mod:`metamap_edu.learn.functional`. Taught in notebooks/05_meta_learning_proper.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from .._checks import check_float, check_int
from ..models import check_model
from .functional import Batch, Params, _math_attention, _per_task, adapt, collate_episodes, loss_at, parameters_of

__all__ = ["Reptile", "reptile_update"]


def reptile_update(theta: Mapping[str, torch.Tensor], adapted: Mapping[str, torch.Tensor], epsilon: float) -> Params:
    """Reptile's outer step θ ← θ + ε (φ − θ) = (1 − ε) θ + ε φ, for ε in (0, 1].

    The article's pull p ← p − β (p − p_prev), applied once after training on a task with
    p = φ and p_prev = θ, gives φ − β(φ − θ) = θ + (1 − β)(φ − θ): Reptile with ε = 1 − β.
    """
    epsilon = check_float("epsilon", epsilon, min=0.0, max=1.0, min_inclusive=False)
    return {k: theta[k] + epsilon * (adapted[k] - theta[k]) for k in theta}


class Reptile:
    """Reptile (Nichol et al., 2018): adapt with ``inner_steps`` SGD steps, then θ ← θ + ε (mean φ − θ).

    ε = ``epsilon`` in (0, 1]; ε = 1 jumps to the adapted parameters (plain sequential fine-tuning),
    small ε moves a little toward every task. The article's pull with β is Reptile with ε = 1 − β.
    The inner steps see the task's support examples only; the query examples never move the
    parameters and serve to report the loss after adaptation. (Nichol et al. adapt on all of a
    task's data; in a few-shot episode the support set is all the data a learner gets.)
    """

    def __init__(
        self,
        model: nn.Module,
        epsilon: float = 0.1,
        inner_lr: float = 0.01,
        inner_steps: int = 5,
        vmap: bool | None = None,
    ):
        self.model = check_model(model)
        parameters_of(model)
        self.epsilon = check_float("epsilon", epsilon, min=0.0, max=1.0, min_inclusive=False)
        self.inner_lr = check_float("inner_lr", inner_lr, min=0.0, min_inclusive=False)
        self.inner_steps = check_int("inner_steps", inner_steps, min=0)
        if vmap not in (None, True, False):
            raise ValueError(f"vmap must be None (auto), True or False; got {vmap!r}")
        self.vmap = vmap
        self.last_vmapped: bool | None = None

    name = "Reptile"

    def step(self, episodes: Sequence[Any]) -> float:
        params = {k: p.detach() for k, p in parameters_of(self.model).items()}
        model, steps, lr = self.model, self.inner_steps, self.inner_lr

        def one(support: Batch, query: Batch):
            adapted = adapt(params, model, support, steps, lr, create_graph=False)
            return adapted, loss_at(adapted, model, query).detach()

        s, q, sl, ql = collate_episodes(model, episodes)
        with _math_attention():
            (adapted, losses), self.last_vmapped = _per_task(one, model, s, q, sl, ql, self.vmap)
        mean_phi = {k: v.mean(0) for k, v in adapted.items()}
        new = reptile_update(params, mean_phi, self.epsilon)
        with torch.no_grad():
            for k, p in parameters_of(self.model).items():
                p.copy_(new[k])
        return float(losses.mean())
