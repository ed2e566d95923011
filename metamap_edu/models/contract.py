"""The one model contract every course model follows, and the one check every trainer uses.

A course model is a :class:`CourseModel` -- an ``nn.Module`` with four extra members -- so that one
trainer (:func:`metamap_edu.learn.fit`, :class:`metamap_edu.learn.SequentialTrainer`), every
meta-learner (:mod:`metamap_edu.learn`) and one scorer (:func:`metamap_edu.learn.score`)
work unchanged on all of them::

    model.kinds                        # tuple of task kinds it can serve, e.g. ("classification",)
    model.collate(examples, kind)      # list of (x, y) pairs -> dict of tensors (no autograd)
    model.loss(batch)                  # dict of tensors -> scalar mean loss L(θ), differentiable in θ
    model.predict(inputs, kind)        # list of x -> list of y, one per input, in the task's y format

and, for the models that turn an input into a vector (what ProtoNet needs)::

    model.embed(inputs, kind="classification")   # list of raw x -> (N, D) tensor, differentiable

A model asked for a kind it does not serve raises ``ValueError`` naming the kind
(:func:`check_kind`); :func:`check_model` is the one check a trainer makes before training.
θ, all trainable parameters as one flat vector (:func:`flat_params`), is what formula 2
(‖θ_t − θ_{t−1}‖²) measures. Taught in notebooks/02_learning_one_mapping.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._checks import _show, check_nonempty, check_type

__all__ = ["CourseModel", "CONTRACT", "check_model", "check_kind", "flat_params", "set_flat_params"]

#: The members every course model has (see the module docstring).
CONTRACT = ("kinds", "collate", "loss", "predict")

_PREDICT_CHUNK = 512  # inputs scored per forward pass in predict()


def check_model(model: Any, kind: str | None = None, name: str = "model") -> Any:
    """Return ``model`` if it follows the course model contract -- an ``nn.Module`` with
    :data:`CONTRACT` and at least one trainable parameter -- and, when ``kind`` is given, serves
    it; else raise ``TypeError`` (not a contract model) or ``ValueError`` (nothing to train, or a
    kind it does not serve) naming ``name``. Every trainer checks its model with this one function."""
    check_type(name, model, nn.Module, "a torch.nn.Module following the course model contract")
    missing = [m for m in CONTRACT if not hasattr(model, m) or (m != "kinds" and not callable(getattr(model, m)))]
    if missing:
        raise TypeError(
            f"{name} must follow the course model contract ({', '.join(CONTRACT)}); "
            f"{type(model).__name__} lacks {', '.join(missing)}"
        )
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(f"{name} {type(model).__name__} has no trainable parameters")
    if kind is not None:
        check_kind(model, kind)
    return model


def check_kind(model: Any, kind: str) -> str:
    """Return ``kind`` if ``model.kinds`` contains it, else raise ``ValueError`` naming both."""
    kinds = tuple(getattr(model, "kinds", ()))
    if kind not in kinds:
        served = ", ".join(repr(k) for k in kinds) or "no kind at all"
        raise ValueError(
            f"{type(model).__name__} cannot serve tasks of kind {kind!r}; it serves {served}. "
            "Pick a model built for this kind of task."
        )
    return kind


def flat_params(model: nn.Module) -> torch.Tensor:
    """All trainable parameters as one detached flat vector θ (a copy), in ``model.parameters()`` order.

    For a :class:`~metamap_edu.models.linear.LinearMap` with one output this is ``[w_1, ..., w_d, b]``,
    the same order as :func:`metamap_edu.learn.closed_form.add_bias_column` uses, so closed-form
    answers compare directly.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_show(model)} of type {type(model).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        return torch.zeros(0)
    return torch.cat([p.detach().reshape(-1) for p in params]).clone()


def set_flat_params(model: nn.Module, theta: torch.Tensor) -> None:
    """Write the flat vector ``theta`` (as returned by :func:`flat_params`) into the model, in place."""
    check_type("theta", theta, torch.Tensor)
    params = [p for p in model.parameters() if p.requires_grad]
    n = sum(p.numel() for p in params)
    if theta.dim() != 1 or theta.numel() != n:
        raise ValueError(f"theta must be a flat vector of {n} numbers for this model; got shape {tuple(theta.shape)}")
    with torch.no_grad():
        offset = 0
        for p in params:
            p.copy_(theta[offset : offset + p.numel()].view_as(p))
            offset += p.numel()


class CourseModel(nn.Module):
    """The base class of every course model: the contract of the module docstring.

    Subclasses set ``kinds`` and implement :meth:`collate`, :meth:`loss` and :meth:`predict`
    (and :meth:`embed` when they have an encoder view); each of them starts with
    ``self.check_kind(kind)``, the one :func:`check_kind`.
    """

    kinds: tuple[str, ...] = ()

    def check_kind(self, kind: str) -> str:
        """``kind`` if this model serves it, else ``ValueError`` naming it (:func:`check_kind`)."""
        return check_kind(self, kind)

    def collate(self, examples: Sequence[tuple[Any, Any]], kind: str) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, inputs: Sequence[Any], kind: str) -> list:
        raise NotImplementedError

    def num_parameters(self) -> int:
        """Number of trainable numbers in θ."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def _examples(examples: Any) -> list[tuple[Any, Any]]:
    """``examples`` as a non-empty list of ``(x, y)`` pairs (what every ``collate`` reads)."""
    examples = list(examples)
    check_nonempty("examples", examples, "at least one (x, y) pair")
    for ex in examples[:1]:
        if not (isinstance(ex, tuple) and len(ex) == 2):
            raise TypeError(f"examples must be (x, y) pairs; got {ex!r}")
    return examples


class _NoGradEval:
    """Context: eval mode + no_grad, restoring the training flag afterwards."""

    def __init__(self, model: nn.Module):
        self.model = model

    def __enter__(self):
        self.was_training = self.model.training
        self.model.eval()
        self.grad = torch.no_grad()
        self.grad.__enter__()

    def __exit__(self, *exc):
        self.grad.__exit__(*exc)
        self.model.train(self.was_training)
