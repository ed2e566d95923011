r"""Fine-tuning a pretrained encoder on one episode's support set, with the article's step 3 if asked.

A :class:`PrototypeClassifier` puts a linear head on the encoder, initialised as the ProtoNet
classifier :math:`W_k = 2c_k,\ b_k = -\lVert c_k\rVert^2` (so at step 0 it predicts exactly what the
frozen probe predicts), then every parameter is trained with Adam on the support set
(:func:`finetune_scores`, formula 1), optionally with ``L2ToPrevious`` or ``ArticlePull`` toward
the starting point θ₀ (formula 2). Taught in ``notebooks/05b_few_shot_text``.
"""
from __future__ import annotations

import copy
import random
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._checks import check_float, check_int, check_nonempty, check_seed, check_sequence
from ..learn import make_regularizer, training_step
from ..models import CourseModel
from .transfer import PROBE_LAYERS, _check_encoder, _support_query, _with_prefix

__all__ = ["PrototypeClassifier", "finetune_scores"]


class PrototypeClassifier(CourseModel):
    r"""An encoder's pooled features with a linear head that starts as the ProtoNet classifier.

    :math:`\text{logits}_k(x) = 2c_k^\top f_\theta(x) - \lVert c_k\rVert^2` equals
    :math:`-\lVert f_\theta(x) - c_k\rVert^2` up to a term that is the same for every class, so at
    step 0 it predicts exactly what the frozen ProtoNet probe predicts. Follows the model contract
    for ``"classification"``: ``collate`` gives the encoder's prompt ids and mask and the class
    indices, ``loss(batch)`` is their cross-entropy (what :func:`metamap_edu.learn.training_step`
    calls), ``predict`` returns class names.
    """

    kinds = ("classification",)

    def __init__(self, encoder, support: Sequence[tuple[str, str]], prefix: str | None = "<lm>",
                 layers: int | None = PROBE_LAYERS):
        super().__init__()
        _check_encoder("encoder", encoder)
        support = check_nonempty("support", check_sequence("support", support), "at least one (text, label) pair")
        self.encoder = encoder
        self.prefix = prefix
        self.layers = layers
        self.classes = sorted({y for _, y in support})
        with torch.no_grad():
            z = encoder.embed(_with_prefix([x for x, _ in support], prefix), layers=layers)  # (S, C)
            idx = torch.tensor([self.classes.index(y) for _, y in support])
            protos = torch.stack([z[idx == k].mean(0) for k in range(len(self.classes))])  # (N, C)
        self.head = nn.Linear(protos.shape[1], len(self.classes))
        with torch.no_grad():
            self.head.weight.copy_(2 * protos)
            self.head.bias.copy_(-(protos**2).sum(1))

    def collate(self, examples: Sequence[tuple[str, str]], kind: str = "classification") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = check_nonempty("examples", list(examples), "at least one (text, label) pair")
        unknown = sorted({y for _, y in examples if y not in self.classes})
        if unknown:
            raise ValueError(f"examples have labels {unknown[:5]} outside this classifier's classes {self.classes[:10]}")
        batch = self.encoder.prompt_batch(_with_prefix([x for x, _ in examples], self.prefix), kind)  # ids, input_mask (B, T)
        return {**batch, "y": torch.tensor([self.classes.index(y) for _, y in examples])}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = self.head(self.encoder.pooled(batch, self.layers))  # (B, N)
        return F.cross_entropy(logits, batch["y"])

    @torch.no_grad()
    def predict(self, inputs: Sequence[str], kind: str = "classification") -> list[str]:
        self.check_kind(kind)
        inputs = list(inputs)
        if not inputs:
            return []
        logits = self.head(self.encoder.embed(_with_prefix(inputs, self.prefix), layers=self.layers))  # (B, N)
        return [self.classes[i] for i in logits.argmax(1).tolist()]


def finetune_scores(model, episodes: Sequence, steps: int = 30, lr: float = 1e-3, batch_size: int = 32,
                    regularizer: str | None = None, strength: float | None = None, seed: int = 0,
                    prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS) -> list[float]:
    """Query accuracy after fine-tuning a copy of ``model`` on each episode's support set.

    A :class:`PrototypeClassifier` on a copy of ``model`` takes ``steps`` Adam steps at ``lr`` on
    seeded minibatches of ``batch_size`` support examples (:func:`metamap_edu.learn.training_step`).
    ``regularizer`` adds the article's step 3 toward the starting point θ₀ (the pretrained
    weights and the prototype head): ``"l2"`` is ``L2ToPrevious(strength)`` (formula 2),
    ``"pull"`` is ``ArticlePull(strength)`` (θ ← θ − β(θ − θ₀) after each step).
    """


    _check_encoder("model", model)
    steps = check_int("steps", steps, min=0)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    batch_size = check_int("batch_size", batch_size, min=1)
    seed = check_seed("seed", seed)
    if regularizer is not None and regularizer not in ("l2", "pull"):
        raise ValueError(f"regularizer must be None, 'l2' or 'pull'; got {regularizer!r}")
    episodes = check_nonempty("episodes", check_sequence("episodes", episodes), "at least one episode")
    out = []
    for i, e in enumerate(episodes):
        support, query = _support_query(e)
        torch.manual_seed(seed + i)
        clf = PrototypeClassifier(copy.deepcopy(model), support, prefix, layers)
        clf.train()
        reg = make_regularizer(regularizer, strength) if regularizer is not None else None
        if reg is not None:
            reg.start_task(clf, 1)  # anchor θ₀ = the starting point
        optimizer = torch.optim.Adam([p for p in clf.parameters() if p.requires_grad], lr=lr)
        rng = random.Random(seed + i)
        for _ in range(steps):
            chosen = support if len(support) <= batch_size else rng.sample(support, batch_size)
            training_step(clf, clf.collate(chosen), optimizer, reg)
        clf.eval()
        pred = clf.predict([x for x, _ in query])
        out.append(sum(p == y for p, (_, y) in zip(pred, query)) / len(query))
    return out


# ------------------------------------------------------------------------------------------------
# Real data: the course's encoder pretrained on unlabeled utterances
# ------------------------------------------------------------------------------------------------
