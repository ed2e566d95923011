r"""Models linear in θ for regression: the article's y = W x + b, and the MLPs built on it.

* :class:`LinearMap` -- :math:`\hat y = W x + b`, loss :math:`L(\theta) = \frac1n\sum_i \lVert W x_i + b - y_i\rVert^2`,
  exactly the ``(1/n)‖Xθ − y‖²`` of :func:`metamap_edu.learn.closed_form.ridge_toward` with one output.
* :class:`MLP` -- ``Linear -> ReLU -> ... -> Linear``, the same loss (used by ``bench/trainer_overhead.py``).
* :class:`SinusoidMLP` -- the MAML paper's 1-40-40-1 MLP for the sine-wave tasks of
  :mod:`metamap_edu.tasks.sinusoid`, loss the mean squared error, in the parameters' own dtype.

All follow the model contract (:mod:`metamap_edu.models.contract`) for the ``"regression"`` kind:
inputs and outputs are tuples of floats. Taught in notebooks/02_learning_one_mapping and
04_staying_close_the_l2_bridge (LinearMap) and 05_meta_learning_proper (SinusoidMLP).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._checks import check_int, check_sequence
from ..tasks.sinusoid import SINUSOID_DEFAULTS
from .contract import CourseModel, _examples, _NoGradEval

__all__ = ["LinearMap", "MLP", "SinusoidMLP"]


class LinearMap(CourseModel):
    r"""The article's linear model: :math:`\hat y = W x + b`.

    Shapes: ``x`` (B, d_in) -> ``ŷ`` (B, d_out); ``W`` (d_out, d_in), ``b`` (d_out,).

    Loss (mean over the batch of the squared error, summed over outputs):

    .. math:: L(\theta) = \frac{1}{n} \sum_{i=1}^{n} \lVert W x_i + b - y_i \rVert^2

    With one output this is exactly the ``(1/n)‖Xθ − y‖²`` of
    :func:`metamap_edu.learn.closed_form.ridge_toward`, where θ = [w, b] and X carries a column of ones.

    Parameters
    ----------
    in_features, out_features : sizes of x and y.
    bias : learn b (default True).
    init : ``"zeros"`` (θ = 0, the natural start for a convex problem) or ``"random"`` (PyTorch's
        default ``nn.Linear`` init).

    Taught in notebooks/02_learning_one_mapping.
    """

    kinds = ("regression",)

    def __init__(self, in_features: int, out_features: int = 1, bias: bool = True, init: str = "zeros"):
        super().__init__()
        in_features = check_int("in_features", in_features, min=1)
        out_features = check_int("out_features", out_features, min=1)
        if init not in ("zeros", "random"):
            raise ValueError(f"init must be one of 'zeros', 'random'; got {init!r}")
        self.linear = nn.Linear(in_features, out_features, bias=bool(bias))
        if init == "zeros":
            with torch.no_grad():
                for p in self.linear.parameters():
                    p.zero_()
        self.in_features, self.out_features = in_features, out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)  # (B, d_in) -> (B, d_out)

    def _x(self, inputs: Sequence[Any]) -> torch.Tensor:
        X = torch.as_tensor([tuple(x) for x in inputs], dtype=torch.float32)  # (B, d_in)
        if X.dim() != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"inputs must be vectors of length in_features={self.in_features}; got shape {tuple(X.shape)}")
        return X

    def collate(self, examples, kind: str = "regression") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = _examples(examples)
        X = self._x([x for x, _ in examples])
        Y = torch.as_tensor([tuple(y) for _, y in examples], dtype=torch.float32)  # (B, d_out)
        if Y.dim() != 2 or Y.shape[1] != self.out_features:
            raise ValueError(f"targets must be vectors of length out_features={self.out_features}; got shape {tuple(Y.shape)}")
        return {"x": X, "y": Y}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        err = self(batch["x"]) - batch["y"]  # (B, d_out)
        return err.pow(2).sum(dim=1).mean()

    def predict(self, inputs, kind: str = "regression") -> list[tuple[float, ...]]:
        self.check_kind(kind)
        inputs = list(inputs)
        if not inputs:
            return []
        with _NoGradEval(self):
            out = self(self._x(inputs))
        return [tuple(float(v) for v in row) for row in out]


class MLP(CourseModel):
    r"""A multi-layer perceptron for regression: ``Linear -> ReLU -> ... -> Linear``.

    Shapes: ``x`` (B, d_in) -> ``ŷ`` (B, d_out). Loss as :class:`LinearMap`. Used by the trainer
    benchmark (about 1M parameters with ``MLP(128, (1024, 768), 10)``).
    """

    kinds = ("regression",)

    def __init__(self, in_features: int, hidden: Sequence[int] = (64,), out_features: int = 1):
        super().__init__()
        in_features = check_int("in_features", in_features, min=1)
        out_features = check_int("out_features", out_features, min=1)
        sizes = [in_features] + [check_int("hidden", h, min=1) for h in hidden] + [out_features]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        self.in_features, self.out_features = in_features, out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (B, d_in) -> (B, d_out)

    _x = LinearMap._x
    collate = LinearMap.collate
    loss = LinearMap.loss
    predict = LinearMap.predict


class SinusoidMLP(MLP):
    """The MAML paper's regressor: x -> Linear(1, 40) -> ReLU -> Linear(40, 40) -> ReLU -> Linear(40, 1).

    An :class:`MLP` with one input and one output (the same layers, created in the same order, so
    the same initial weights for the same seed) whose loss is the mean squared error
    :math:`\\frac1n\\sum_i (f_\\theta(x_i) - y_i)^2`, computed in the parameters' dtype: notebook 05's
    Table 2 runs in float64. Taught in notebooks/05_meta_learning_proper.
    """

    def __init__(self, hidden: Sequence[int] = SINUSOID_DEFAULTS.hidden):
        hidden = tuple(check_int(f"hidden[{i}]", h, min=1) for i, h in enumerate(check_sequence("hidden", hidden, "a list of layer widths")))
        super().__init__(1, hidden, 1)

    @property
    def dtype(self) -> torch.dtype:
        """The parameters' dtype; inputs are cast to it (notebook 05's Table 2 runs in float64)."""
        return self.net[0].weight.dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.to(self.dtype))  # (B, 1) -> (B, 1)

    def collate(self, examples, kind: str = "regression") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = _examples(examples)
        x = torch.tensor([list(x) for x, _ in examples], dtype=self.dtype)  # (B, 1)
        y = torch.tensor([list(y) for _, y in examples], dtype=self.dtype)  # (B, 1)
        if x.shape[1] != 1 or y.shape[1] != 1:
            raise ValueError(f"SinusoidMLP maps one number to one number; got x width {x.shape[1]}, y width {y.shape[1]}")
        return {"x": x, "y": y}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return ((self.net(batch["x"].to(self.dtype)) - batch["y"].to(self.dtype)) ** 2).mean()

    def predict(self, inputs, kind: str = "regression") -> list:
        self.check_kind(kind)
        inputs = list(inputs)
        if not inputs:
            return []
        with torch.no_grad():
            x = torch.tensor([list(v) for v in inputs], dtype=self.dtype)  # (B, 1)
            return [tuple(r) for r in self.net(x).tolist()]
