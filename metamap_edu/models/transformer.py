"""TinyTransformer: one small decoder-only transformer that serves every text task as text-to-text.

The network: token and position embeddings, ``depth`` pre-LayerNorm blocks of causal
self-attention

    Attention(Q, K, V) = softmax(Q Kᵀ / √d + M) V,   M = −∞ above the diagonal,

and a feed-forward layer, each added back to its input (x + f(LN(x))), then next-token logits
through the tied embedding matrix. What it reads and writes -- ``<prefix> x <sep> y <eos>``, the
loss on output tokens only, decoding -- is the text-to-text format of :mod:`metamap_edu.models.text2text`
(:class:`~metamap_edu.models.text2text.TextToText`), so one parameter vector θ serves every task
kind. Pretraining (:mod:`metamap_edu.learn.pretraining`) uses the same model and the same loss.
Checkpoints are state dicts read back with ``torch.load(weights_only=True)``.

The layout follows nanoGPT: a dataclass config, pre-LayerNorm blocks, learned positions, a causal
mask, tied input/output embeddings and shape comments ``# (B, T, C)``. Attention is written out
(no fused kernel) so second-order MAML can differentiate through it twice on a CPU.

Taught in notebooks/06_pretraining_on_unlabeled_text and notebooks/07_the_whole_pipeline.
"""
from __future__ import annotations

import copy
import math
import os
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._checks import check_float, check_int, check_path, check_type
from .contract import CourseModel
from .text2text import TEXT_KINDS, TextToText
from .tokenizers import BPETokenizer

__all__ = [
    "TransformerConfig",
    "TinyTransformer",
    "save_checkpoint",
    "load_checkpoint",
    "checkpoint_meta",
]

_CHECKPOINT_FORMAT = "metamap_edu.TinyTransformer/1"




@dataclass
class TransformerConfig:
    """Sizes of a :class:`TinyTransformer`. The defaults train in seconds on one CPU thread.

    ``vocab_size`` is filled in from the tokenizer when left at 0.
    """

    vocab_size: int = 0
    context: int = 64  # longest sequence (prefix + input + <sep> + output + <eos>) in tokens
    width: int = 64  # C: size of every hidden vector
    depth: int = 2  # number of transformer blocks
    heads: int = 4  # attention heads; width must be divisible by heads
    mlp_ratio: int = 4  # hidden size of the feed-forward layer = mlp_ratio * width
    dropout: float = 0.0
    tie_embeddings: bool = True  # one matrix reads and writes tokens (False: a separate output matrix)

    def __post_init__(self):
        check_int("vocab_size", self.vocab_size, min=0)
        check_int("context", self.context, min=4, max=4096)
        check_int("width", self.width, min=4, max=4096)
        check_int("depth", self.depth, min=1, max=64)
        check_int("heads", self.heads, min=1, max=self.width)
        check_int("mlp_ratio", self.mlp_ratio, min=1, max=16)
        check_float("dropout", self.dropout, min=0.0, max=1.0, max_inclusive=False)
        check_type("tie_embeddings", self.tie_embeddings, bool)
        if self.width % self.heads:
            raise ValueError(f"width must be divisible by heads; got width={self.width}, heads={self.heads}")


# --------------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------------
class CausalSelfAttention(nn.Module):
    """softmax(Q Kᵀ / √d + M) V per head, with M = −∞ above the diagonal (no peeking ahead).

    Written out rather than calling ``F.scaled_dot_product_attention`` so that its double backward
    exists on a CPU (second-order MAML) and the attention weights can be shown in notebook 06.
    """

    def __init__(self, config: TransformerConfig):
        check_type("config", config, TransformerConfig)
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.width, 3 * config.width)
        self.proj = nn.Linear(config.width, config.width)
        self.drop = nn.Dropout(config.dropout)
        mask = torch.tril(torch.ones(config.context, config.context, dtype=torch.bool))
        self.register_buffer("mask", mask, persistent=False)  # (context, context)
        self.last_attention: torch.Tensor | None = None  # (B, H, T, T) when kept
        self.keep_attention = False

    def forward(self, x: torch.Tensor, pad: torch.Tensor | None = None) -> torch.Tensor:
        B, T, C = x.shape  # (B, T, C)
        H, D = self.heads, C // self.heads
        q, k, v = self.qkv(x).split(C, dim=2)  # 3 x (B, T, C)
        q = q.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        k = k.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        v = v.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(D)  # (B, H, T, T)
        allowed = self.mask[:T, :T]  # (T, T)
        if pad is not None:  # never attend to padding (pad: (B, T), True where padded)
            allowed = allowed & ~pad[:, None, None, :]  # (B, 1, T, T)
            allowed = allowed | torch.eye(T, dtype=torch.bool)  # a padded row still sees itself
        scores = scores.masked_fill(~allowed, float("-inf"))
        weights = F.softmax(scores, dim=-1)  # (B, H, T, T), rows sum to 1
        if self.keep_attention:
            self.last_attention = weights.detach()
        y = self.drop(weights) @ v  # (B, H, T, D)
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.proj(y)


class Block(nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x)) (pre-LayerNorm, as in GPT-2)."""

    def __init__(self, config: TransformerConfig):
        check_type("config", config, TransformerConfig)
        super().__init__()
        self.ln1 = nn.LayerNorm(config.width)
        self.attn = CausalSelfAttention(config)
        self.ln2 = nn.LayerNorm(config.width)
        self.mlp = nn.Sequential(
            nn.Linear(config.width, config.mlp_ratio * config.width),
            nn.GELU(),
            nn.Linear(config.mlp_ratio * config.width, config.width),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: torch.Tensor, pad: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), pad)  # (B, T, C)
        return x + self.mlp(self.ln2(x))  # (B, T, C)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------
class TinyTransformer(TextToText, CourseModel):
    """A decoder-only transformer that reads ``<prefix> x <sep>`` and writes ``y <eos>``.

    Follows the course's model contract: ``kinds``, ``collate(examples, kind)``, ``loss(batch)``,
    ``predict(inputs, kind)``; plus ``embed(inputs, kind)`` (a pooled hidden state, the encoder
    view ProtoNet uses) and ``generate`` (greedy decoding). Those come from the text-to-text half,
    :class:`~metamap_edu.models.text2text.TextToText`; this class is the network itself.

    Taught in notebooks/06_pretraining_on_unlabeled_text and notebooks/07_the_whole_pipeline.
    """

    kinds = TEXT_KINDS

    def __init__(self, tokenizer: BPETokenizer, config: TransformerConfig | None = None):
        super().__init__()
        check_type("tokenizer", tokenizer, BPETokenizer)
        config = copy.deepcopy(config) if config is not None else TransformerConfig()
        check_type("config", config, TransformerConfig)
        if config.vocab_size == 0:
            config.vocab_size = len(tokenizer)
        if config.vocab_size != len(tokenizer):
            raise ValueError(f"config.vocab_size={config.vocab_size} does not match the tokenizer's {len(tokenizer)} tokens")
        self.config = config
        self.tokenizer = tokenizer
        # Label words seen in training, per prefix: predict() ranks them for classification.
        self.label_words: dict[str, list[str]] = {}
        self.token_embedding = nn.Embedding(config.vocab_size, config.width)  # (V, C)
        self.position_embedding = nn.Embedding(config.context, config.width)  # (context, C)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.depth))
        self.ln_f = nn.LayerNorm(config.width)
        self.head = nn.Linear(config.width, config.vocab_size, bias=False)
        if config.tie_embeddings:
            self.head.weight = self.token_embedding.weight  # tied: the same vector reads and writes a token
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    # -- forward --------------------------------------------------------------------------
    def hidden(self, ids: torch.Tensor, layers: int | None = None) -> torch.Tensor:
        """Hidden states (after the final LayerNorm) of token ids ``(B, T)`` -> ``(B, T, C)``.

        ``layers`` runs only the first that many blocks (default: all): the hidden state in the
        middle of the network, which is where a language model keeps what words mean (its last
        block specialises in predicting the next word).
        """
        B, T = ids.shape
        blocks = self.blocks if layers is None else self.blocks[: check_int("layers", layers, min=0, max=len(self.blocks))]
        if T > self.config.context:
            raise ValueError(f"sequence of {T} tokens is longer than config.context={self.config.context}")
        pad = ids == self.tokenizer.pad_id  # (B, T)
        pos = torch.arange(T, device=ids.device)  # (T,)
        x = self.drop(self.token_embedding(ids) + self.position_embedding(pos))  # (B, T, C)
        for block in blocks:
            x = block(x, pad)  # (B, T, C)
        return self.ln_f(x)  # (B, T, C)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(B, T, V)`` for token ids ``(B, T)``."""
        return self.head(self.hidden(ids))  # (B, T, V)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @torch.no_grad()
    def attention_maps(self, text: str, prefix: str = "<lm>") -> tuple[list[str], torch.Tensor]:
        """Token strings of ``prefix text`` and every layer's attention weights, ``(L, H, T, T)``.

        Row i of a map is how much token i reads from each earlier token (rows sum to 1).
        Taught in notebooks/06_pretraining_on_unlabeled_text (the attention-map widget).
        """
        check_type("text", text, str)
        tok = self.tokenizer
        if prefix not in tok.stoi:
            raise ValueError(f"prefix must be a special token of the tokenizer; got {prefix!r}")
        ids = [tok.stoi[prefix]] + tok.encode(" " + text)
        self._check_lengths([ids], 0)
        attns = [b.attn for b in self.blocks]
        was = self.training
        self.eval()
        try:
            for a in attns:
                a.keep_attention = True
            self.hidden(torch.tensor([ids]))
            maps = torch.stack([a.last_attention[0] for a in attns])  # (L, H, T, T)
        finally:
            for a in attns:
                a.keep_attention, a.last_attention = False, None
            self.train(was)
        return [tok.itos[i] for i in ids], maps

    def __deepcopy__(self, memo):
        # The tokenizer is immutable and may hold a large encode cache: share it, copy the rest.
        memo[id(self.tokenizer)] = self.tokenizer
        cls = self.__class__
        new = cls.__new__(cls)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            setattr(new, k, copy.deepcopy(v, memo))
        return new


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------
def save_checkpoint(model: TinyTransformer, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write ``{'format', 'config', 'tokenizer', 'state_dict', 'label_words', 'meta'}``.

    Tensors, numbers, strings, lists and dicts only, so ``torch.load(weights_only=True)`` reads it.
    Tensors that share memory (the tied input/output embedding) are written once.
    ``meta`` is free-form information about how the model was made (:func:`checkpoint_meta`).
    """
    check_type("model", model, TinyTransformer)
    if meta is not None:
        check_type("meta", meta, dict)
    state: dict[str, torch.Tensor] = {}
    copies: dict[tuple, torch.Tensor] = {}  # one copy per tensor: a tied matrix is stored once, not twice
    for k, v in model.state_dict().items():
        key = (v.data_ptr(), tuple(v.shape), tuple(v.stride()))
        if key not in copies:
            copies[key] = v.detach().clone()
        state[k] = copies[key]
    torch.save(
        {
            "format": _CHECKPOINT_FORMAT,
            "config": asdict(model.config),
            "tokenizer": model.tokenizer.to_dict(),
            "state_dict": state,
            "label_words": {k: list(v) for k, v in model.label_words.items()},
            "meta": dict(meta or {}),
        },
        path,
    )


def _read_checkpoint(path: str | os.PathLike) -> dict:
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # unpickling errors, truncated zip files, foreign formats
        raise ValueError(f"{os.fspath(path)!r} is not a readable TinyTransformer checkpoint ({type(err).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != _CHECKPOINT_FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a TinyTransformer checkpoint (expected format {_CHECKPOINT_FORMAT!r})")
    return data


def checkpoint_meta(path: str | os.PathLike) -> dict:
    """The ``meta`` dict a checkpoint was saved with (empty for files saved without one)."""
    path = check_path("path", path)
    return dict(_read_checkpoint(path).get("meta", {}))


def load_checkpoint(path: str | os.PathLike, like: TinyTransformer | None = None) -> TinyTransformer:
    """Read a checkpoint with ``torch.load(weights_only=True)`` (no code runs) and rebuild the model.

    With ``like``, the checkpoint must have the same config and tokenizer, else ``ValueError``
    saying what differs.
    """
    path = check_path("path", path)
    data = _read_checkpoint(path)
    try:
        names = {f.name for f in fields(TransformerConfig)}
        config = TransformerConfig(**{k: v for k, v in data["config"].items() if k in names})
        tokenizer = BPETokenizer.from_dict(data["tokenizer"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{os.fspath(path)!r} has a damaged config or tokenizer: {err}") from None
    if like is not None:
        check_type("like", like, TinyTransformer)
        diff = [f"{k}: checkpoint {v} vs model {getattr(like.config, k)}" for k, v in asdict(config).items() if getattr(like.config, k) != v]
        if diff:
            raise ValueError("checkpoint was saved from a different config: " + "; ".join(diff))
        if tokenizer != like.tokenizer:
            raise ValueError("checkpoint was saved with a different tokenizer than the model's")
    model = TinyTransformer(tokenizer, config)
    try:
        model.load_state_dict(data["state_dict"])
        model.label_words = {str(k): [str(w) for w in v] for k, v in dict(data.get("label_words", {})).items()}
    except (KeyError, RuntimeError) as err:
        raise ValueError(f"{os.fspath(path)!r} does not match its own config: {str(err).splitlines()[0]}") from None
    return model
