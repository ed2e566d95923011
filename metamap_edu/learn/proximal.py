r"""The hooks every formula-2 regularizer plugs into the trainers, and the proximal term they share.

A :class:`Regularizer` is a small object with a few hooks, so adding one never means editing the
trainer::

    start_task(model, task_index)      # before training task t: e.g. freeze the anchor θ_{t-1}
    penalty(model) -> tensor or None   # added to the loss at every step (coupled forms)
    before_step(model)                 # after backward, before the optimizer step: may add to .grad
    after_step(model)                  # after every optimizer step (decoupled forms)
    end_task(model, task, task_index)  # after training task t: e.g. estimate the Fisher

(plus ``step_penalty(model)``, what the trainer actually adds to the loss: by default
``penalty(model)``; the built-in quadratic penalties return the value only and add their gradient
in ``before_step`` with one fused op, which is the same update and cheaper.)

The quadratic penalties of :mod:`metamap_edu.learn.regularizers` all compute one proximal term,

.. math:: \lambda \sum_i w_i (\theta_i - a_i)^2, \qquad \nabla = 2\lambda\, w \odot (\theta - a),

with anchor a (θ_{t−1} or θ_0) and weights w (1, or the Fisher diagonal for EWC). Anchors are ONE
flat copy of the parameters (a single buffer with per-parameter views), never a ``deepcopy`` of
the module; penalty and pull use vectorised ``torch._foreach_*`` ops.

Taught in notebooks/04_staying_close_the_l2_bridge (formula 2) and 04b_the_articles_pull_repaired.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._checks import check_type

__all__ = ["Regularizer"]


def _trainable(model: nn.Module) -> list[torch.Tensor]:
    return [p for p in model.parameters() if p.requires_grad]


def _flat_buffer(params: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """A zeroed flat buffer the size of ``params`` and per-parameter views into it."""
    dtypes = {p.dtype for p in params}
    if len(dtypes) != 1:
        raise TypeError(f"all trainable parameters must share one dtype; got {sorted(map(str, dtypes))}")
    flat = torch.zeros(sum(p.numel() for p in params), dtype=params[0].dtype, device=params[0].device)
    views = [v.view_as(p) for v, p in zip(flat.split([p.numel() for p in params]), params)]
    return flat, views


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
