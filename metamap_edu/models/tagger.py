r"""A per-token linear tagger for named entities (the ``"tagging"`` kind).

For token t with word ids :math:`w_{t-k}..w_{t+k}` and capitalisation flag :math:`c_t`:

.. math:: s_t = \sum_{j=-k}^{k} E_j[w_{t+j}] + U[c_t] + b, \qquad
          p(\text{tag}_t = c) = \operatorname{softmax}_c(s_t),

multinomial logistic regression on one-hot window features, trained with the mean token
cross-entropy. Follows the model contract (:mod:`metamap_edu.models.contract`). The tagging kind
it serves is taught in notebooks/01_tasks_as_mappings; the trainers of notebooks 02-04 run on it
unchanged.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int, check_nonempty, check_type
from .contract import _PREDICT_CHUNK, CourseModel, _examples, _NoGradEval
from .tokenizers import WordVocab

__all__ = ["TokenTagger"]


class TokenTagger(CourseModel):
    r"""A per-token linear tagger: each tag is a linear function of a window of words.

    For token t with word ids :math:`w_{t-k}..w_{t+k}` (k = ``window``; pads outside the sentence)
    and capitalisation flag :math:`c_t \in \{0, 1\}`:

    .. math:: s_t = \sum_{j=-k}^{k} E_j[w_{t+j}] + U[c_t] + b, \qquad
              p(\text{tag}_t = c) = \operatorname{softmax}_c(s_t)

    i.e. multinomial logistic regression on one-hot window features -- no interaction between
    tags, so no CRF. ``E_j`` (V, C) per offset, ``U`` (2, C), ``b`` (C,). The capitalisation flag
    matters because the vocabulary lower-cases words and names are capitalised.
    Loss: mean cross-entropy over real (non-pad) tokens.

    Shapes: ``ids`` (B, T), ``caps`` (B, T), ``tags`` (B, T) with -100 at padding -> logits (B, T, C).
    Inputs are strings of space-separated tokens (one tag per token), as in the task contract.
    """

    kinds = ("tagging",)

    def __init__(self, vocab: WordVocab, tags: Sequence[str], window: int = 1, init_std: float = 0.01):
        super().__init__()
        check_type("vocab", vocab, WordVocab, "a metamap_edu.models.tokenizers.WordVocab")
        tags = tuple(tags)
        if len(tags) < 2 or len(set(tags)) != len(tags):
            raise ValueError(f"tags must be at least two distinct tag names; got {tags!r}")
        self.window = check_int("window", window, min=0, max=5)
        self.vocab, self.tags = vocab, tags
        self.tag_to_id = {t: i for i, t in enumerate(tags)}
        C, V, K = len(tags), len(vocab), 2 * self.window + 1
        self.words = nn.Embedding(V, K * C, padding_idx=vocab.pad_id)  # (V, K*C): E_j stacked
        self.caps = nn.Embedding(2, C)  # (2, C) = U
        self.bias = nn.Parameter(torch.zeros(C))  # (C,)
        with torch.no_grad():
            self.words.weight.normal_(0.0, float(init_std))
            self.words.weight[vocab.pad_id].zero_()
            self.caps.weight.normal_(0.0, float(init_std))

    @classmethod
    def for_tasks(cls, tasks: Iterable[Any], min_freq: int = 1, **kwargs) -> "TokenTagger":
        """A tagger whose vocabulary and tag set cover every task in ``tasks``."""
        tasks = list(tasks)
        check_nonempty("tasks", tasks, "at least one task")
        texts = [x for t in tasks for x in t.inputs]
        tags = sorted({tag for t in tasks for y in t.outputs for tag in y})
        return cls(WordVocab.build(texts, min_freq=min_freq), tags, **kwargs)

    def _tokens(self, inputs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        seqs = []
        for x in inputs:
            check_type("x", x, str, "a str of space-separated tokens")
            seqs.append(x.split())
        lengths = [len(s) for s in seqs]
        T = max(lengths + [1])
        ids = torch.full((len(seqs), T), self.vocab.pad_id, dtype=torch.long)  # (B, T)
        caps = torch.zeros((len(seqs), T), dtype=torch.long)  # (B, T)
        low = self.vocab.lowercase
        for i, toks in enumerate(seqs):
            if toks:
                ids[i, : len(toks)] = torch.tensor([self.vocab.token_to_id(t.lower() if low else t) for t in toks])
                caps[i, : len(toks)] = torch.tensor([int(t[:1].isupper()) for t in toks])
        return ids, caps, lengths

    def forward(self, ids: torch.Tensor, caps: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape
        k, C = self.window, len(self.tags)
        padded = F.pad(ids, (k, k), value=self.vocab.pad_id)  # (B, T + 2k)
        table = self.words(padded).view(B, T + 2 * k, 2 * k + 1, C)  # (B, T+2k, K, C)
        scores = self.caps(caps) + self.bias  # (B, T, C)
        for j in range(2 * k + 1):  # slot j holds E for offset j - k: the word at t + j - k
            scores = scores + table[:, j : j + T, j, :]
        return scores  # (B, T, C)

    def collate(self, examples, kind: str = "tagging") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = _examples(examples)
        ids, caps, lengths = self._tokens([x for x, _ in examples])
        tags = torch.full(ids.shape, -100, dtype=torch.long)  # (B, T)
        for i, (x, y) in enumerate(examples):
            y = tuple(y)
            if len(y) != lengths[i]:
                raise ValueError(f"example {i}: {lengths[i]} tokens but {len(y)} tags in {x!r}")
            try:
                tags[i, : len(y)] = torch.tensor([self.tag_to_id[t] for t in y], dtype=torch.long)
            except KeyError as err:
                raise ValueError(f"tag {err.args[0]!r} is not one of this model's tags {self.tags!r}") from None
        return {"ids": ids, "caps": caps, "tags": tags}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = self(batch["ids"], batch["caps"])  # (B, T, C)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["tags"].reshape(-1), ignore_index=-100)

    def predict(self, inputs, kind: str = "tagging") -> list[tuple[str, ...]]:
        self.check_kind(kind)
        inputs = list(inputs)
        out: list[tuple[str, ...]] = []
        with _NoGradEval(self):
            for i in range(0, len(inputs), _PREDICT_CHUNK):
                ids, caps, lengths = self._tokens(inputs[i : i + _PREDICT_CHUNK])
                best = self(ids, caps).argmax(dim=-1)  # (B, T)
                for row, n in zip(best.tolist(), lengths):
                    out.append(tuple(self.tags[j] for j in row[:n]))
        return out
