r"""Prototypical networks (Snell et al., 2017): classify a query by its nearest class mean.

Each class k of an episode's support set S gets a prototype, the mean embedding of its examples,

.. math:: c_k = \frac{1}{|S_k|}\sum_{x \in S_k} f(x), \qquad
          p(y = k \mid x) = \operatorname{softmax}_k\big(-\lVert f(x) - c_k \rVert^2\big),

and the encoder f is trained on the query cross-entropy. Equivalently a linear layer with weights
2c_k and biases −‖c_k‖². Taught in notebooks/05b_few_shot_text (and used in 08).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from .._checks import check_float, check_nonempty, check_type
from .functional import _examples_and_kind, _support_query

__all__ = ["ProtoNet"]


class ProtoNet:
    """Prototypical networks (Snell et al., 2017) on any encoder, for classification episodes.

    Each class c gets a prototype, the mean embedding of its support examples,
    c_k = mean_{x in S_k} f(x); a query x is classified by softmax(−‖f(x) − c_k‖²) over classes.
    Equivalently a linear layer with weights 2c_k and biases −‖c_k‖² (notebooks 05b and 08).

    ``encoder`` is an ``nn.Module``; ``embed(encoder, inputs) -> (B, D)`` turns a list of raw
    inputs into embeddings. By default ``encoder.embed(inputs)`` is used if it exists, else
    ``encoder(inputs)``. Trained with Adam at ``outer_lr`` on the query cross-entropy.
    """

    name = "ProtoNet"

    def __init__(self, encoder: nn.Module, outer_lr: float = 1e-3, embed: Callable | None = None):
        check_type("encoder", encoder, nn.Module)
        params = [p for p in encoder.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"encoder {type(encoder).__name__} has no trainable parameters")
        self.model = self.encoder = encoder
        self.outer_lr = check_float("outer_lr", outer_lr, min=0.0, min_inclusive=False)
        if embed is None:
            embed = (lambda enc, xs: enc.embed(xs)) if callable(getattr(encoder, "embed", None)) else (lambda enc, xs: enc(xs))
        self.embed = embed
        self.optimizer = torch.optim.Adam(params, lr=self.outer_lr)

    def _embed(self, inputs: list) -> torch.Tensor:
        z = self.embed(self.encoder, inputs)
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[0] != len(inputs):
            raise ValueError(f"embed must return a (batch, dim) tensor with one row per input; got {getattr(z, 'shape', z)}")
        return z

    @staticmethod
    def _labels(task: Any) -> tuple[list, list]:
        ex, kind = _examples_and_kind(task)
        if kind != "classification":
            raise ValueError(f"ProtoNet needs classification episodes; got kind={kind!r}")
        return [x for x, _ in ex], [y for _, y in ex]

    def logits(self, support: Any, query_inputs: list) -> tuple[torch.Tensor, list]:
        """(logits (Q, N), class list) for query inputs given a support MappingTask."""
        xs, ys = self._labels(support)
        classes = sorted(set(ys))
        zs = self._embed(xs)  # (S, D)
        idx = torch.tensor([classes.index(y) for y in ys])
        protos = torch.stack([zs[idx == c].mean(0) for c in range(len(classes))])  # (N, D)
        zq = self._embed(list(query_inputs))  # (Q, D)
        return -torch.cdist(zq, protos).pow(2), classes

    def episode_loss(self, episode: Any) -> torch.Tensor:
        support, query = _support_query(episode)
        logits, classes = self.logits(support, [x for x, _ in query])
        missing = sorted({y for _, y in query} - set(classes))
        if missing:
            raise ValueError(f"query labels {missing} have no support examples (support classes: {classes})")
        target = torch.tensor([classes.index(y) for _, y in query])
        return nn.functional.cross_entropy(logits, target)

    def predict(self, support: Any, query_inputs: list) -> list:
        with torch.no_grad():
            logits, classes = self.logits(support, query_inputs)
        return [classes[i] for i in logits.argmax(1).tolist()]

    def accuracy(self, episode: Any) -> float:
        support, query = _support_query(episode)
        pred = self.predict(support, [x for x, _ in query])
        return sum(p == y for p, (_, y) in zip(pred, query)) / max(1, len(pred))

    def step(self, episodes: Sequence[Any]) -> float:
        check_nonempty("episodes", episodes, "at least one episode")
        self.optimizer.zero_grad(set_to_none=True)
        loss = torch.stack([self.episode_loss(e) for e in episodes]).mean()
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())
