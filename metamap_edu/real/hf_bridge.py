"""A Hugging Face model inside the course: a tiny BERT that follows the model contract (optional extra ``hf``).

Taught in ``notebooks/08_real_models_and_real_data``.

The article names PyTorch and Hugging Face Transformers as its tools. This module shows that the
course's trainers do not care where a model comes from: :class:`HFClassifier` wraps a
``transformers.BertModel`` -- built offline from a ``BertConfig`` with random weights, nothing
downloaded -- and gives it the four members of the contract (``kinds``, ``collate``, ``loss``,
``predict``) plus ``embed``. Then, unchanged:

* :class:`metamap_edu.learn.SequentialTrainer` with any regularizer, the L2-SP anchor
  :class:`metamap_edu.learn.L2ToInit` included;
* :class:`metamap_edu.learn.Reptile`, :class:`metamap_edu.learn.MAML` (first and second order) and
  :class:`metamap_edu.learn.ProtoNet`.

Text is tokenized by the course's own BPE tokenizer (:mod:`metamap_edu.models.tokenizers`), so no Hugging Face
tokenizer files are needed either. The sentence vector is the mean of BERT's last hidden states
over real tokens, and a linear head gives the class logits:

.. math::  h(x) = \\frac{1}{|x|}\\sum_{t} H_t(x), \\qquad p(y \\mid x) = \\mathrm{softmax}(W h(x) + b).

**functional_call and vmap.** ``torch.func.functional_call`` works on any module. ``vmap`` over
tasks fails on a stock ``BertModel`` because its mask helper branches on tensor values
("data-dependent control flow"). :meth:`HFClassifier.loss` therefore builds BERT's additive
4-D attention mask itself, :math:`M_{b,1,i,j} = 0` for real tokens and :math:`-\\infty` (the float
minimum) for padding, which gives the same numbers and lets ``vmap`` through.
:func:`functional_support` checks both on a model and reports what works, so a learner sees the
fallback (a loop over tasks) instead of a crash. Dropout is 0 by default: random ops inside
``vmap`` need a randomness mode the meta-learners do not set.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.func import grad, vmap

from .._checks import check_int, check_nonempty, check_sequence, check_type
from ..learn import loss_at, parameters_of
from ..models import BPETokenizer, CourseModel, check_model, train_bpe

__all__ = ["HF_INSTALL_HINT", "hf_available", "tiny_bert_config", "HFClassifier", "functional_support"]

#: What to run when the extra is missing.
HF_INSTALL_HINT = 'pip install "metamap-edu[hf]"   (Hugging Face transformers)'


def hf_available() -> bool:
    """True when ``transformers`` is installed (checked without importing it: that takes seconds)."""
    return importlib.util.find_spec("transformers") is not None


def _require() -> None:
    if not hf_available():
        raise ImportError(f"this needs the optional extra 'hf'. Install it with: {HF_INSTALL_HINT}")


def tiny_bert_config(
    vocab_size: int,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_positions: int = 64,
    dropout: float = 0.0,
):
    """A ``transformers.BertConfig`` for a BERT small enough to train in seconds on a CPU.

    ``attn_implementation="eager"`` writes attention out, so second-order MAML can differentiate
    through it twice (the fused CPU kernel has no double backward).
    """
    _require()
    from transformers import BertConfig  # optional extra 'hf', and seconds to import: only when asked

    vocab_size = check_int("vocab_size", vocab_size, min=8)
    hidden_size = check_int("hidden_size", hidden_size, min=2)
    num_layers = check_int("num_layers", num_layers, min=1, max=24)
    num_heads = check_int("num_heads", num_heads, min=1)
    if hidden_size % num_heads:
        raise ValueError(f"hidden_size must be divisible by num_heads; got hidden_size={hidden_size}, num_heads={num_heads}")
    intermediate_size = check_int("intermediate_size", intermediate_size, min=1)
    max_positions = check_int("max_positions", max_positions, min=4, max=4096)
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_positions,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        attn_implementation="eager",
    )


class HFClassifier(CourseModel):
    """A Hugging Face ``BertModel`` (random weights, from a config) plus a linear head, as a course model.

    Parameters
    ----------
    tokenizer : the course's :class:`~metamap_edu.models.tokenizers.BPETokenizer` (its ids feed BERT).
    labels : the classes the head predicts (every task it trains on must use these labels).
    config : a ``transformers.BertConfig``; default :func:`tiny_bert_config` for the tokenizer.
    vmap_mask : build BERT's 4-D additive attention mask here (default), which ``vmap`` accepts;
        ``False`` hands BERT the plain (B, T) mask, whose helper branches on values -- ``vmap``
        then fails and the meta-learners fall back to a loop (shown in notebook 08).

    ``collate(examples, "classification")`` returns ``input_ids`` (B, T), ``attention_mask``
    (B, T) and ``labels`` (B,); ``loss`` is the mean cross-entropy; ``predict`` returns labels;
    ``embed(inputs)`` returns the mean-pooled sentence vectors (N, H) that ProtoNet uses.
    """

    kinds = ("classification",)

    def __init__(self, tokenizer: BPETokenizer, labels: Sequence[str], config=None, *, vmap_mask: bool = True):
        _require()
        from transformers import BertModel  # optional extra 'hf', and seconds to import: only when asked

        super().__init__()
        check_type("tokenizer", tokenizer, BPETokenizer)
        labels = tuple(check_nonempty("labels", list(labels), "at least two labels"))
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be at least two distinct labels; got {list(labels)[:10]}")
        if config is None:
            config = tiny_bert_config(len(tokenizer))
        if config.vocab_size < len(tokenizer):
            raise ValueError(f"config.vocab_size={config.vocab_size} is smaller than the tokenizer's {len(tokenizer)} tokens")
        check_type("vmap_mask", vmap_mask, bool)
        self.tokenizer = tokenizer
        self.labels = labels
        self.config = config
        self.vmap_mask = vmap_mask
        self.bert = BertModel(config, add_pooling_layer=False)  # random weights: nothing is downloaded
        self.head = nn.Linear(config.hidden_size, len(labels))  # (H) -> (K)

    @classmethod
    def for_tasks(cls, tasks, vocab_size: int = 600, vmap_mask: bool = True, **config_kwargs) -> "HFClassifier":
        """Train a BPE tokenizer on the tasks' inputs and build a classifier over their labels
        (``config_kwargs`` go to :func:`tiny_bert_config`)."""
        tasks = list(check_nonempty("tasks", list(tasks), "at least one classification task"))
        texts = [" " + x for t in tasks for x in t.inputs]
        labels = sorted({y for t in tasks for y in t.outputs})
        tok = train_bpe(texts, vocab_size=vocab_size)
        return cls(tok, labels, tiny_bert_config(len(tok), **config_kwargs), vmap_mask=vmap_mask)

    # -- the model contract -------------------------------------------------------------------
    def _ids(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        T_max = self.config.max_position_embeddings
        seqs = [([self.tokenizer.bos_id] + self.tokenizer.encode(" " + str(x)))[:T_max] for x in texts]
        T = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), T), self.tokenizer.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), T), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, : len(s)] = 1
        return ids, mask  # (B, T), (B, T)

    def collate(self, examples, kind: str = "classification") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = list(examples)
        check_nonempty("examples", examples, "at least one (text, label) pair")
        unknown = sorted({y for _, y in examples if y not in self.labels})
        if unknown:
            raise ValueError(f"examples have labels {unknown[:5]} that the classifier does not know; its labels: {list(self.labels)[:10]}")
        ids, mask = self._ids([x for x, _ in examples])
        return {"input_ids": ids, "attention_mask": mask,
                "labels": torch.tensor([self.labels.index(y) for _, y in examples], dtype=torch.long)}

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean of BERT's last hidden states over real tokens, (B, H)."""
        m = attention_mask.to(torch.float32)  # (B, T)
        if self.vmap_mask:
            # BERT's additive mask, built here so that vmap sees no data-dependent branch: (B, 1, T, T)
            mask = ((1.0 - m)[:, None, None, :] * torch.finfo(torch.float32).min).expand(-1, 1, m.shape[-1], -1)
        else:
            mask = attention_mask  # (B, T): BERT's own helper turns it into the 4-D mask
        h = self.bert(input_ids=input_ids, attention_mask=mask).last_hidden_state  # (B, T, H)
        return (h * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp_min(1.0)  # (B, H)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.pooled(input_ids, attention_mask))  # (B, K)

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(self(batch["input_ids"], batch["attention_mask"]), batch["labels"])

    def embed(self, inputs, kind: str = "classification") -> torch.Tensor:
        """Sentence vectors (N, H) of raw texts, differentiable (ProtoNet trains through it)."""
        self.check_kind(kind)
        inputs = list(check_nonempty("inputs", list(inputs)))
        return self.pooled(*self._ids(inputs))

    @torch.no_grad()
    def predict(self, inputs, kind: str = "classification") -> list[str]:
        self.check_kind(kind)
        inputs = list(check_nonempty("inputs", list(inputs)))
        was = self.training
        self.eval()
        out = self(*self._ids(inputs)).argmax(-1).tolist()
        self.train(was)
        return [self.labels[i] for i in out]


def functional_support(model: nn.Module, examples, kind: str = "classification") -> dict[str, Any]:
    """Check ``torch.func`` on ``model``: does ``functional_call`` give the module's loss, and does
    ``vmap(grad(loss))`` over two stacked copies of a batch match a loop?

    Returns ``{"functional_call": bool, "vmap": bool, "reason": str}``; ``reason`` is ``""`` when
    both work, else the first line of the error (the meta-learners then loop over tasks).
    """
    check_model(model, kind)
    examples = check_sequence("examples", examples, "a list of (x, y) pairs")
    batch = model.collate(list(examples), kind)
    params = {k: v.detach() for k, v in parameters_of(model).items()}
    out = {"functional_call": False, "vmap": False, "reason": ""}
    try:
        with torch.no_grad():
            direct = float(model.loss(batch))
            fc = float(loss_at(params, model, batch))
        out["functional_call"] = abs(direct - fc) <= 1e-5 * max(1.0, abs(direct))
        if not out["functional_call"]:
            out["reason"] = f"functional_call gave {fc:.6g} but the module gave {direct:.6g}"
            return out
    except Exception as err:  # noqa: BLE001 - reported, not raised
        out["reason"] = f"functional_call: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
        return out
    stacked = {k: torch.stack([v, v]) for k, v in batch.items()}
    try:
        g = vmap(grad(loss_at), in_dims=(None, None, 0))(params, model, stacked)
        g0 = grad(loss_at)(params, model, batch)
        out["vmap"] = all(torch.allclose(g[k][1], g0[k], atol=1e-5, rtol=1e-4) for k in g0)
        if not out["vmap"]:
            out["reason"] = "vmap ran but its gradients differ from a loop"
    except Exception as err:  # noqa: BLE001 - reported, not raised
        out["reason"] = f"vmap: {type(err).__name__}: {str(err).splitlines()[0][:160]}"
    return out
