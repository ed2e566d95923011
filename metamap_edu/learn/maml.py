r"""MAML: learn a starting point θ from which one inner gradient step fits a new task (Finn et al., 2017).

With ``inner_steps`` steps of size α on a task's support set S and evaluation on its query set Q,
MAML minimizes

.. math:: L_{meta}(\theta) = \mathbb E_{task}\big[ L_Q(\theta - \alpha \nabla L_S(\theta)) \big],

whose gradient, by the chain rule, is

.. math:: \nabla L_{meta}(\theta) = \mathbb E_{task}\big[ (I - \alpha \nabla^2 L_S(\theta))\, \nabla L_Q(\phi) \big],
          \qquad \phi = \theta - \alpha \nabla L_S(\theta).

Second-order MAML keeps the Hessian term; first-order MAML (FOMAML) drops it and uses ∇L_Q(φ).
Built on the pure inner loop of :mod:`metamap_edu.learn.functional`.
Taught in notebooks/05_meta_learning_proper.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._checks import check_float, check_int, check_type
from ..models import check_model
from .functional import Batch, Params, _math_attention, _per_task, adapt, collate_episodes, loss_at, parameters_of

__all__ = ["MAML"]


class MAML:
    """Model-Agnostic Meta-Learning (Finn et al., 2017); ``first_order=True`` is FOMAML.

    Meta-objective: L_meta(θ) = mean over tasks of L_Q(adapt(θ, S)), minimized with Adam
    (learning rate ``outer_lr``). ``inner_steps`` steps of size ``inner_lr`` adapt θ to each task.

    Second order (default) back-propagates through the inner gradients, i.e. through the Hessian
    ∇²L_S; first order treats the inner gradient as a constant. ``vmap=None`` adapts the tasks in
    parallel with ``torch.func.vmap`` and falls back to a loop (one warning) when the model can't
    be vmapped; ``True`` insists on vmap, ``False`` always loops.
    """

    def __init__(
        self,
        model: nn.Module,
        inner_lr: float = 0.01,
        inner_steps: int = 1,
        first_order: bool = False,
        outer_lr: float = 1e-3,
        vmap: bool | None = None,
    ):
        self.model = check_model(model)
        parameters_of(model)
        self.inner_lr = check_float("inner_lr", inner_lr, min=0.0, min_inclusive=False)
        self.inner_steps = check_int("inner_steps", inner_steps, min=0)
        self.first_order = check_type("first_order", first_order, bool)
        self.outer_lr = check_float("outer_lr", outer_lr, min=0.0, min_inclusive=False)
        if vmap not in (None, True, False):
            raise ValueError(f"vmap must be None (auto), True or False; got {vmap!r}")
        self.vmap = vmap
        self.optimizer = torch.optim.Adam(list(parameters_of(model).values()), lr=self.outer_lr)
        self.last_vmapped: bool | None = None

    @property
    def name(self) -> str:
        return "FOMAML" if self.first_order else "MAML"

    def task_losses(self, episodes: Sequence[Any]) -> torch.Tensor:
        """Query losses L_Q(adapt(θ, S)) of every episode, shape (T,), differentiable w.r.t. θ."""
        params = parameters_of(self.model)
        model, steps, lr, second = self.model, self.inner_steps, self.inner_lr, not self.first_order

        def one(support: Batch, query: Batch) -> torch.Tensor:
            adapted = adapt(params, model, support, steps, lr, create_graph=second)
            return loss_at(adapted, model, query)

        s, q, sl, ql = collate_episodes(model, episodes)
        with _math_attention():
            losses, self.last_vmapped = _per_task(one, model, s, q, sl, ql, self.vmap)
        return losses

    def meta_gradient(self, episodes: Sequence[Any]) -> tuple[float, Params]:
        """(meta-loss, ∇θ meta-loss) for one meta-batch, without updating the model."""
        params = parameters_of(self.model)
        with _math_attention():
            loss = self.task_losses(episodes).mean()
            grads = torch.autograd.grad(loss, list(params.values()), allow_unused=True)
        out = {k: (torch.zeros_like(p) if g is None else g) for (k, p), g in zip(params.items(), grads)}
        return float(loss.detach()), out

    def step(self, episodes: Sequence[Any]) -> float:
        """One outer (meta) update on a meta-batch; returns the mean query loss after adaptation."""
        self.optimizer.zero_grad(set_to_none=True)
        with _math_attention():
            loss = self.task_losses(episodes).mean()
            loss.backward()
        self.optimizer.step()
        return float(loss.detach())
