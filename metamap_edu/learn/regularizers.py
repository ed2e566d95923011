r"""Formula 2: stay close to the previous task's parameters while training the next one.

The article's objective, train task t while staying close to θ_{t-1}:

.. math:: \min_\theta \; L_t(\theta) + \lambda \lVert \theta - \theta_{t-1} \rVert^2 .

What keeps the trainers (:func:`metamap_edu.learn.fit.fit`,
:class:`metamap_edu.learn.sequential.SequentialTrainer`) close is a pluggable
:class:`~metamap_edu.learn.proximal.Regularizer` (its hooks are in :mod:`metamap_edu.learn.proximal`);
the four here are:

* :class:`L2ToPrevious` -- the *coupled* form: λ‖θ − θ_{t−1}‖² is added to the loss (no ½).
* :class:`ArticlePull` -- the *decoupled* form the article's code meant: after every optimizer
  step θ ← θ − β(θ − θ_{t−1}). Under plain SGD it equals the coupled form with
  λ = β / (2α(1−β)) and learning rate α(1−β) (:func:`pull_as_l2`); under momentum or Adam the two
  are different algorithms.
* :class:`EWC` -- a per-parameter weighted L2, weights = diagonal Fisher information.
* :class:`L2ToInit` (alias :data:`L2SP`) -- stay close to the initial / pretrained weights.

:func:`make_regularizer` builds one from its name and strength.

Taught in notebooks/04_staying_close_the_l2_bridge (L2ToPrevious) and
04b_the_articles_pull_repaired (ArticlePull, EWC, pull_as_l2).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .._checks import check_choice, check_float, check_int, check_seed, check_type
from .proximal import Regularizer, _flat_buffer, _WeightedProximal

__all__ = [
    "L2ToPrevious",
    "ArticlePull",
    "EWC",
    "L2ToInit",
    "L2SP",
    "REGULARIZERS",
    "make_regularizer",
    "pull_as_l2",
]


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
            f"regularizer must be a metamap_edu.learn.Regularizer, one of {', '.join(map(repr, REGULARIZERS))} "
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
