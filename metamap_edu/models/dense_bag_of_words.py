r"""A bag-of-words classifier whose batches have a fixed shape, so meta-batches stack and ``vmap``.

A sentence is its dense word-frequency vector φ(x) ∈ R^V, and

.. math:: h(x) = \phi(x)\, E \in \mathbb R^D, \qquad p(y \mid x) = \operatorname{softmax}(W h(x) + b).

Follows the model contract (``kinds``, ``collate``, ``loss``, ``predict``). Used by
:class:`metamap_edu.learn.MAML`, :class:`~metamap_edu.learn.Reptile` and
:class:`~metamap_edu.learn.ProtoNet` on text episodes (the Table 2 reproduction,
``bench/meta_vmap.py``). Taught in notebooks/05b_few_shot_text.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._checks import check_int, check_nonempty, check_type
from .contract import CourseModel, check_kind
from .tokenizers import WordVocab

__all__ = ["DenseBagOfWords"]


class DenseBagOfWords(CourseModel):
    r"""A bag-of-words classifier whose batches have a fixed shape, so meta-batches stack and ``vmap``.

    :class:`metamap_edu.models.BagOfWordsClassifier` concatenates a batch's words (``EmbeddingBag``
    with offsets), so two tasks' batches have different shapes and MAML must loop over them. Here
    a sentence is its dense word-frequency vector φ(x) ∈ R^V (the same φ as that model), and

    .. math:: h(x) = \phi(x)\, E \in \mathbb R^D, \qquad p(y \mid x) = \operatorname{softmax}(W h(x) + b)

    -- the mean of the sentence's word embeddings, computed as one matrix product, which batches
    over tasks as a ``bmm``. ``embed(inputs)`` returns h(x), the encoder ProtoNet uses.
    Follows the model contract. Shapes: ``bow`` (B, V) -> logits (B, C).
    """

    kinds = ("classification",)

    def __init__(self, vocab: Any, labels: Sequence[str], embed_dim: int = 32, init_std: float = 0.1):
        super().__init__()
        check_type("vocab", vocab, WordVocab, "a metamap_edu.models.tokenizers.WordVocab")
        labels = tuple(labels)
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be at least two distinct class names; got {labels!r}")
        embed_dim = check_int("embed_dim", embed_dim, min=1)
        self.vocab, self.labels = vocab, labels
        self.label_to_id = {lab: i for i, lab in enumerate(labels)}
        self.emb = nn.Parameter(torch.randn(len(vocab), embed_dim) * float(init_std))  # (V, D) = E
        self.out = nn.Linear(embed_dim, len(labels))  # (C, D)

    def bow(self, inputs: Sequence[str]) -> torch.Tensor:
        """φ(x): word frequencies, one row per sentence, (B, V)."""
        rows, cols, vals = [], [], []
        for i, x in enumerate(inputs):
            ids = self.vocab.encode(check_type("x", x, str, "a str (a sentence)")) or [self.vocab.unk_id]
            rows += [i] * len(ids)
            cols += ids
            vals += [1.0 / len(ids)] * len(ids)
        out = torch.zeros(len(inputs), len(self.vocab))  # (B, V)
        out.index_put_((torch.tensor(rows), torch.tensor(cols)), torch.tensor(vals), accumulate=True)
        return out

    def features(self, bow: torch.Tensor) -> torch.Tensor:
        return bow @ self.emb  # (B, V) @ (V, D) -> (B, D)

    def forward(self, bow: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(bow))  # (B, C)

    def embed(self, inputs: Sequence[str], kind: str = "classification") -> torch.Tensor:
        """The features of raw ``inputs``: (B, D), differentiable."""
        check_kind(self, kind)
        return self.features(self.bow(list(inputs)))  # (B, D)

    def collate(self, examples, kind: str = "classification") -> dict[str, torch.Tensor]:
        check_kind(self, kind)
        examples = list(examples)
        check_nonempty("examples", examples, "at least one (x, y) pair")
        try:
            y = torch.tensor([self.label_to_id[lab] for _, lab in examples], dtype=torch.long)  # (B,)
        except KeyError as err:
            raise ValueError(f"label {err.args[0]!r} is not one of this model's labels {self.labels!r}") from None
        return {"bow": self.bow([x for x, _ in examples]), "y": y}

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["bow"])

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        # cross-entropy written out, −mean log p(y|x), with a one-hot mask: under vmap this is
        # much faster than F.cross_entropy or gather (whose batched backward is slow on CPU)
        logp = torch.log_softmax(self(batch["bow"]), dim=-1)  # (B, C)
        classes = torch.arange(len(self.labels), device=logp.device)  # (C,)
        onehot = (batch["y"].unsqueeze(-1) == classes).to(logp.dtype)  # (B, C)
        return -(logp * onehot).sum(-1).mean()

    def predict(self, inputs, kind: str = "classification") -> list[str]:
        check_kind(self, kind)
        with torch.no_grad():
            return [self.labels[i] for i in self(self.bow(list(inputs))).argmax(-1).tolist()]
