"""TinyTransformer: one small decoder-only transformer that serves every text task as text-to-text.

The article claims every NLP task is a mapping x -> y. Here that is literal: an example becomes the
token sequence

    <task-prefix>  input tokens  <sep>  output tokens  <eos>

and the model learns to continue it. Classification writes the label word ("positive"), NER writes
the BIO tag sequence ("B-PER I-PER O O B-LOC"), translation writes the target sentence. The loss
is next-token cross-entropy on the output tokens only,

    L(θ) = - (1/|O|) Σ_{t ∈ O} log p_θ(w_t | w_<t),   O = positions of output tokens (and <eos>),

so one parameter vector θ is shared by every task, which is what makes ‖θ_t − θ_{t−1}‖ meaningful
across task kinds. Pretraining (``pretrain.py``) uses the same model and the same loss.

The layout follows nanoGPT: a dataclass config, pre-LayerNorm blocks, learned positions, a causal
mask, tied input/output embeddings and shape comments ``# (B, T, C)``. Attention is written out
(no fused kernel) so second-order MAML can differentiate through it twice on a CPU.

Taught in notebooks/06_pretraining_on_unlabeled_text and notebooks/07_the_whole_pipeline.
"""
from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._checks import _show, check_choice, check_float, check_int, check_nonempty, check_path, check_sequence, check_type
from .base import CourseModel
from .tokenizers import BPETokenizer, train_bpe

__all__ = [
    "TransformerConfig",
    "TinyTransformer",
    "TEXT_KINDS",
    "KIND_PREFIXES",
    "OBJECTIVE_PREFIXES",
    "task_prefix",
    "with_task_prefix",
    "output_text",
    "build_tokenizer",
    "save_checkpoint",
    "load_checkpoint",
    "checkpoint_meta",
]

#: Task kinds a text-to-text model can serve (regression outputs real vectors: no output vocabulary).
TEXT_KINDS = ("classification", "tagging", "translation")
#: The prefix token used when an input carries no task-specific prefix.
KIND_PREFIXES = {"classification": "<classify>", "tagging": "<tag>", "translation": "<translate>"}
#: Prefix tokens of the two pretraining objectives (``pretrain.py``).
OBJECTIVE_PREFIXES = {"causal": "<lm>", "masked": "<mlm>"}
_PREFIX_RE = re.compile(r"^(<[^<>\s]+>)\s?(.*)$", re.DOTALL)
_CHECKPOINT_FORMAT = "metamap_edu.TinyTransformer/1"
_BIO_RE = re.compile(r"^(O|[BI]-[A-Za-z]+)$")


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
# Text-to-text formatting
# --------------------------------------------------------------------------------------------
def output_text(y, kind: str) -> str:
    """The output side of an example as text: the label, the tags joined by spaces, or the sentence."""
    check_choice("kind", kind, KIND_PREFIXES)
    if kind == "tagging":
        return " ".join(y)
    return str(y)


def task_prefix(task) -> str:
    """The prefix token of a task: ``<sentiment>``, ``<topic>``, ``<ner>``, ``<to-LANG>`` ...

    Built from ``task.metadata`` (``family``, and ``language`` for translation); falls back to the
    kind's generic prefix (:data:`KIND_PREFIXES`).
    """
    if not hasattr(task, "kind") or not hasattr(task, "metadata"):
        raise TypeError(f"task must be a MappingTask; got {_show(task)} of type {type(task).__name__}")
    meta = getattr(task, "metadata", {}) or {}
    if task.kind == "translation" and meta.get("language"):
        return f"<to-{meta['language']}>"
    family = meta.get("family")
    if family:
        return f"<{family}>"
    return KIND_PREFIXES.get(task.kind, f"<{task.kind}>")


def with_task_prefix(task, prefix: str | None = None):
    """The same task with its prefix token written in front of every input: ``"<sentiment> x"``.

    Then any trainer or meta-learner that only calls ``collate(examples, kind)`` still tells the
    model which task it is doing (topic and sentiment are both classification of the same
    sentences). Tagging tasks are returned unchanged: their inputs must stay aligned with their
    tags, and they use the generic ``<tag>`` prefix.
    """
    if not hasattr(task, "kind") or not hasattr(task, "metadata"):
        raise TypeError(f"task must be a MappingTask; got {_show(task)} of type {type(task).__name__}")
    from ..tasks.families import MappingTask

    if task.kind == "tagging":
        return task
    prefix = task_prefix(task) if prefix is None else prefix
    examples = [(f"{prefix} {x}", y) for x, y in task.examples]
    return MappingTask(
        name=task.name, kind=task.kind, examples=examples, output_space=task.output_space, metadata=dict(task.metadata)
    )


def build_tokenizer(
    texts: Iterable[str],
    tasks: Sequence = (),
    vocab_size: int = 2400,
    extra_prefixes: Sequence[str] = (),
) -> BPETokenizer:
    """Train the BPE tokenizer a :class:`TinyTransformer` reads, on ``texts`` and the tasks' text.

    Every task's inputs and outputs (labels, tags, target sentences) join the training text, and
    the prefix tokens (objectives, kinds, the course's task families and languages, each task's
    :func:`task_prefix`, ``extra_prefixes``) become special tokens.
    """
    texts = check_sequence("texts", texts, "a list of str")
    tasks = check_sequence("tasks", tasks, "a list of MappingTasks")
    from ..tasks.language import ALL_LANGUAGES

    texts = [" " + t for t in texts]
    prefixes = list(OBJECTIVE_PREFIXES.values()) + list(KIND_PREFIXES.values())
    prefixes += ["<sentiment>", "<topic>", "<ner>"] + [f"<to-{lang}>" for lang in ALL_LANGUAGES]
    for task in tasks:
        if task.kind not in TEXT_KINDS:
            raise ValueError(f"task {task.name!r} has kind {task.kind!r}, which has no output vocabulary; allowed: {TEXT_KINDS}")
        prefixes.append(task_prefix(task))
        for x, y in task.examples:
            texts.append(" " + str(x))
            texts.append(" " + output_text(y, task.kind))
    prefixes += list(extra_prefixes)
    check_nonempty("texts", texts, "at least one text (the corpus is empty)")
    return train_bpe(texts, vocab_size=vocab_size, extra_specials=prefixes)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------
class TinyTransformer(CourseModel):
    """A decoder-only transformer that reads ``<prefix> x <sep>`` and writes ``y <eos>``.

    Follows the course's model contract: ``kinds``, ``collate(examples, kind)``, ``loss(batch)``,
    ``predict(inputs, kind)``; plus ``embed`` (a pooled hidden state, the encoder view ProtoNet
    uses) and ``generate`` (greedy decoding).

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

    # -- text-to-text ---------------------------------------------------------------------
    def _check_kind(self, kind: str) -> None:
        if kind not in self.kinds:
            raise ValueError(
                f"TinyTransformer cannot serve kind {kind!r}: it has no output vocabulary for it; "
                f"allowed kinds: {', '.join(self.kinds)}"
            )

    def _split_prefix(self, x: str) -> tuple[str | None, str]:
        """``"<topic> the food"`` -> ``("<topic>", "the food")``; no known prefix -> ``(None, x)``."""
        m = _PREFIX_RE.match(x)
        if m and m.group(1) in self.tokenizer.specials:
            return m.group(1), m.group(2)
        return None, x

    def prompt_ids(self, x: str, kind: str) -> list[int]:
        """``<prefix> x <sep>`` as ids; a leading special token in ``x`` (``"<topic> ..."``) is the prefix."""
        tok = self.tokenizer
        prefix, x = self._split_prefix(str(x))
        if prefix is None:
            prefix = KIND_PREFIXES.get(kind, OBJECTIVE_PREFIXES.get(kind))
        if prefix not in tok.stoi:
            raise ValueError(f"the tokenizer has no prefix token {prefix!r}; build it with build_tokenizer()")
        return [tok.stoi[prefix]] + tok.encode(" " + x) + [tok.sep_id]

    def output_ids(self, y, kind: str) -> list[int]:
        """``y <eos>`` as ids."""
        return self.tokenizer.encode(" " + output_text(y, kind)) + [self.tokenizer.eos_id]

    def _pad(self, seqs: list[list[int]], fill: int, T: int | None = None) -> torch.Tensor:
        T = max(len(s) for s in seqs) if T is None else T
        out = torch.full((len(seqs), T), fill, dtype=torch.long)
        for i, s in enumerate(seqs):
            out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        return out

    def collate(self, examples: Sequence, kind: str) -> dict[str, torch.Tensor]:
        """Turn ``(x, y)`` pairs into tensors: ``ids`` (B, T), ``targets`` (B, T), ``input_mask`` (B, T).

        ``targets[b, t]`` is the token the model must write after position t, or −100 (ignored)
        outside the output; ``input_mask`` marks the prompt (prefix, input, <sep>) for pooling.
        """
        self._check_kind(kind)
        examples = list(examples)
        check_nonempty("examples", examples, "at least one (x, y) pair")
        prompts = [self.prompt_ids(x, kind) for x, _ in examples]
        outputs = [self.output_ids(y, kind) for _, y in examples]
        if kind == "classification":
            for x, y in examples:
                prefix = self._split_prefix(str(x))[0] or KIND_PREFIXES[kind]
                known = self.label_words.setdefault(prefix, [])
                if str(y) not in known:
                    known.append(str(y))
                    known.sort()
        return self.pack(prompts, outputs, [x for x, _ in examples])

    def pack(self, prompts: list[list[int]], outputs: list[list[int]], sources: Sequence | None = None) -> dict[str, torch.Tensor]:
        """Concatenate prompt and output ids per row, pad on the right, and mark what to predict."""
        seqs, targets, masks = [], [], []
        for i, (prompt, out) in enumerate(zip(prompts, outputs)):
            seq = prompt + out
            if len(seq) > self.config.context:
                shown = f" (x={str(sources[i])[:40]!r})" if sources is not None else ""
                raise ValueError(
                    f"an example needs {len(seq)} tokens but config.context={self.config.context}; "
                    f"use a larger TransformerConfig(context=...) or shorter examples{shown}"
                )
            seqs.append(seq)
            targets.append([-100] * (len(prompt) - 1) + out + [-100])  # at position t predict seq[t+1]
            masks.append([1] * len(prompt))
        T = max(len(s) for s in seqs)
        return {
            "ids": self._pad(seqs, self.tokenizer.pad_id, T),  # (B, T)
            "targets": self._pad(targets, -100, T),  # (B, T)
            "input_mask": self._pad(masks, 0, T).float(),  # (B, T)
        }

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean cross-entropy of the output tokens (targets ≠ −100)."""
        logits = self(batch["ids"])  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch["targets"].reshape(-1), ignore_index=-100)

    def pooled(self, batch: dict[str, torch.Tensor], layers: int | None = None) -> torch.Tensor:
        """Encoder view: mean hidden state over the prompt tokens, ``(B, C)`` (differentiable).

        ``layers``: pool the hidden states after that many blocks (default: all; see :meth:`hidden`).
        """
        h = self.hidden(batch["ids"], layers)  # (B, T, C)
        m = batch["input_mask"].unsqueeze(-1)  # (B, T, 1)
        return (h * m).sum(1) / m.sum(1).clamp_min(1.0)  # (B, C)

    # ProtoNet and other episode learners call this name.
    def embed_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.pooled(batch)

    def embed(self, inputs: Sequence, kind: str = "classification", layers: int | None = None) -> torch.Tensor:
        """Pooled hidden states of raw ``inputs``, ``(N, C)``; differentiable (ProtoNet trains through it).

        ``layers``: after that many blocks (default: all; see :meth:`hidden`).
        """
        self._check_kind(kind)
        inputs = list(inputs)
        check_nonempty("inputs", inputs)
        prompts = [self.prompt_ids(x, kind) for x in inputs]
        self._check_lengths(prompts, 0)
        ids = self._pad(prompts, self.tokenizer.pad_id)
        mask = self._pad([[1] * len(p) for p in prompts], 0).float()
        return self.pooled({"ids": ids, "input_mask": mask}, layers)  # (N, C)

    def _check_lengths(self, prompts: list[list[int]], extra: int) -> None:
        longest = max(len(p) for p in prompts)
        if longest + extra > self.config.context:
            raise ValueError(
                f"an input needs {longest} tokens (+{extra} to write the output) but config.context="
                f"{self.config.context}; use a larger TransformerConfig(context=...)"
            )

    @torch.no_grad()
    def generate(self, prompts: Sequence[Sequence[int]], max_new_tokens: int = 24) -> list[list[int]]:
        """Greedy decoding: append argmax p(w | prefix) until ``<eos>`` or ``max_new_tokens``.

        All prompts run as one right-padded batch; row b reads its logits at its own last
        position, and the causal mask keeps the padding after it from mattering.
        """
        max_new_tokens = check_int("max_new_tokens", max_new_tokens, min=1)
        prompts = [list(p) for p in prompts]
        check_nonempty("prompts", prompts)
        self._check_lengths(prompts, 1)
        longest = max(len(p) for p in prompts)
        max_new_tokens = min(max_new_tokens, self.config.context - longest)
        lengths = torch.tensor([len(p) for p in prompts])  # (B,)
        ids = self._pad([p + [self.tokenizer.pad_id] * max_new_tokens for p in prompts], self.tokenizer.pad_id)
        done = torch.zeros(len(prompts), dtype=torch.bool)
        rows = torch.arange(len(prompts))
        was = self.training
        self.eval()
        try:
            for _ in range(max_new_tokens):
                T = int(lengths.max())
                logits = self(ids[:, :T])  # (B, T, V)
                nxt = logits[rows, lengths - 1].argmax(-1)  # (B,)
                nxt = torch.where(done, torch.full_like(nxt, self.tokenizer.pad_id), nxt)
                ids[rows, lengths] = nxt
                done |= nxt == self.tokenizer.eos_id
                lengths = lengths + (~done | (nxt == self.tokenizer.eos_id)).long()
                if bool(done.all()):
                    break
        finally:
            self.train(was)
        out = []
        for b, p in enumerate(prompts):
            new = ids[b, len(p) :].tolist()
            if self.tokenizer.eos_id in new:
                new = new[: new.index(self.tokenizer.eos_id)]
            out.append([i for i in new if i != self.tokenizer.pad_id])
        return out

    @torch.no_grad()
    def rank_labels(self, inputs: Sequence, labels: Sequence[str], kind: str = "classification") -> list[str]:
        """For each input, the label whose output ``label <eos>`` has the highest log-probability.

        log p(y | x) = Σ_t log p(y_t | x, y_<t): the model scores every candidate, nothing is generated.
        """
        labels = list(labels)
        check_nonempty("labels", labels, "at least one label")
        pairs = [(x, y) for x in inputs for y in labels]
        batch = self.pack([self.prompt_ids(x, kind) for x, _ in pairs], [self.output_ids(y, kind) for _, y in pairs])
        scores = self.sequence_logprob(batch).view(len(inputs), len(labels))  # (N, C)
        return [labels[i] for i in scores.argmax(1).tolist()]

    @torch.no_grad()
    def sequence_logprob(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """log p(output | prompt) = Σ_t log p(y_t | prompt, y_<t) for each row of a :meth:`pack` batch, ``(B,)``.

        Evaluated in eval mode without gradients; the model's train/eval mode is restored.
        """
        was = self.training
        self.eval()
        try:
            logp = F.log_softmax(self(batch["ids"]), dim=-1)  # (B, T, V)
        finally:
            self.train(was)
        t = batch["targets"]  # (B, T)
        picked = logp.gather(-1, t.clamp_min(0).unsqueeze(-1)).squeeze(-1) * (t != -100)  # (B, T)
        return picked.sum(1)  # (B,)

    def predict(self, inputs: Sequence, kind: str, max_new_tokens: int | None = None) -> list:
        """Outputs in the task's ``y`` format: a label str, a tag tuple, or a sentence.

        Classification ranks the label words seen in training for the input's prefix
        (:meth:`rank_labels`); with none seen yet, it writes a label greedily. Tagging and
        translation decode greedily; tag sequences are cut or padded with ``"O"`` to the number of
        input tokens.
        """
        self._check_kind(kind)
        inputs = list(inputs)
        if not inputs:
            return []
        if kind == "classification" and max_new_tokens is None:
            groups: dict[str, list[int]] = {}
            for i, x in enumerate(inputs):
                groups.setdefault(self._split_prefix(str(x))[0] or KIND_PREFIXES[kind], []).append(i)
            if all(len(self.label_words.get(p, ())) >= 2 for p in groups):
                out: list = [None] * len(inputs)
                for p, idx in groups.items():
                    for start in range(0, len(idx), 128):
                        chunk = idx[start : start + 128]
                        for i, y in zip(chunk, self.rank_labels([inputs[i] for i in chunk], self.label_words[p], kind)):
                            out[i] = y
                return out
        prompts = [self.prompt_ids(x, kind) for x in inputs]
        if max_new_tokens is None:  # enough for a label, one token per tag, or a sentence ~1.5x the input
            longest = max(len(p) for p in prompts)
            words = max(len(self._split_prefix(str(x))[1].split()) for x in inputs)
            max_new_tokens = {"classification": 8, "tagging": words + 4, "translation": longest + longest // 2 + 4}[kind]
        texts = [self.tokenizer.decode(g, skip_specials=True).strip() for g in self.generate(prompts, max_new_tokens)]
        if kind == "tagging":
            out = []
            for x, text in zip(inputs, texts):
                n = len(self._split_prefix(str(x))[1].split())
                tags = [t if _BIO_RE.match(t) else "O" for t in text.split()[:n]]  # malformed -> O
                out.append(tuple(tags + ["O"] * (n - len(tags))))
            return out
        return texts

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
