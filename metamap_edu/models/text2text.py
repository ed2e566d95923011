"""The text-to-text format: every task x -> y as one token sequence a language model continues.

The article claims every NLP task is a mapping x -> y. Here that is literal: an example becomes

    <task-prefix>  input tokens  <sep>  output tokens  <eos>

and a decoder-only language model learns to continue it. Classification writes the label word
("positive"), NER writes the BIO tag sequence ("B-PER I-PER O O B-LOC"), translation writes the
target sentence. The loss is next-token cross-entropy on the output tokens only,

    L(θ) = - (1/|O|) Σ_{t ∈ O} log p_θ(w_t | w_<t),   O = positions of output tokens (and <eos>),

so one parameter vector θ is shared by every task, which is what makes ‖θ_t − θ_{t−1}‖ meaningful
across task kinds. This module holds the format (prefix tokens, :func:`with_task_prefix`,
:func:`build_tokenizer`) and :class:`TextToText`, the reading and writing half of
:class:`~metamap_edu.models.transformer.TinyTransformer`: ``collate``, ``loss``, ``embed``, greedy
decoding and ``predict``. Taught in notebooks/06_pretraining_on_unlabeled_text and
notebooks/07_the_whole_pipeline.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import torch
import torch.nn.functional as F

from .._checks import _show, check_choice, check_int, check_nonempty, check_sequence
from ..tasks import MappingTask
from ..tasks import ALL_LANGUAGES
from .tokenizers import BPETokenizer, train_bpe

__all__ = [
    "TEXT_KINDS",
    "KIND_PREFIXES",
    "OBJECTIVE_PREFIXES",
    "task_prefix",
    "with_task_prefix",
    "output_text",
    "build_tokenizer",
    "TextToText",
]

#: Task kinds a text-to-text model can serve (regression outputs real vectors: no output vocabulary).
TEXT_KINDS = ("classification", "tagging", "translation")
#: The prefix token used when an input carries no task-specific prefix.
KIND_PREFIXES = {"classification": "<classify>", "tagging": "<tag>", "translation": "<translate>"}
#: Prefix tokens of the two pretraining objectives (``pretrain.py``).
OBJECTIVE_PREFIXES = {"causal": "<lm>", "masked": "<mlm>"}
_PREFIX_RE = re.compile(r"^(<[^<>\s]+>)\s?(.*)$", re.DOTALL)
_BIO_RE = re.compile(r"^(O|[BI]-[A-Za-z]+)$")


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


class TextToText:
    """The text-to-text half of a decoder language model: how ``(x, y)`` becomes tokens, and back.

    A mixin for a ``CourseModel`` that has ``tokenizer`` (a :class:`BPETokenizer`), ``config.context``,
    ``label_words`` (label words seen in training, per prefix), ``hidden(ids, layers)`` -> ``(B, T, C)``
    and ``forward(ids)`` -> next-token logits ``(B, T, V)``: :class:`~metamap_edu.models.transformer.TinyTransformer`.
    It gives the model contract (``collate``, ``loss``, ``predict``) and ``embed`` (the pooled
    prompt, the encoder view ProtoNet uses).
    """

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
        self.check_kind(kind)
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

    def prompt_batch(self, inputs: Sequence, kind: str = "classification") -> dict[str, torch.Tensor]:
        """Raw ``inputs`` as ``<prefix> x <sep>`` ids ``(N, T)`` with their ``input_mask`` ``(N, T)``: what :meth:`embed` pools."""
        self.check_kind(kind)
        inputs = list(inputs)
        check_nonempty("inputs", inputs)
        prompts = [self.prompt_ids(x, kind) for x in inputs]
        self._check_lengths(prompts, 0)
        ids = self._pad(prompts, self.tokenizer.pad_id)  # (N, T)
        mask = self._pad([[1] * len(p) for p in prompts], 0).float()  # (N, T)
        return {"ids": ids, "input_mask": mask}

    def embed(self, inputs: Sequence, kind: str = "classification", *, layers: int | None = None) -> torch.Tensor:
        """Pooled hidden states of raw ``inputs``, ``(N, C)``; differentiable (ProtoNet trains through it).

        The contract's encoder view, ``embed(inputs, kind)``, that ProtoNet and other episode learners call.
        ``layers``: after that many blocks (default: all; see :meth:`hidden`).
        """
        return self.pooled(self.prompt_batch(inputs, kind), layers)  # (N, C)

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
        self.check_kind(kind)
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
