r"""Notebook 06, pretraining on unlabeled text: next-token and masked prediction, :math:`-\sum_i \log p_\theta(w_i \mid \cdot)`, and BPE.

The checks, explorers and figures of ``notebooks/06_pretraining_on_unlabeled_text``: how many
predictions a sentence gives each objective, BPE's first merge, nearest words, attention maps,
pretraining loss and sample efficiency.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from torch import nn

from .._checks import check_int, check_nonempty, check_sequence, check_type
from ..learn import lm_batch, nearest_tokens
from ..models import pretokenize, TinyTransformer, train_bpe
from .feedback import _as_number, _call_learner, _failed, _guard_checks, _passed
from .viz import _finish, _new_axes
from .widgets import interactive_view, View

__all__ = [
    "check_prediction_count",
    "check_bpe_first_merge",
    "nearest_words_view",
    "nearest_words_widget",
    "attention_view",
    "attention_widget",
    "plot_pretraining_loss",
    "plot_attention",
    "plot_sample_efficiency",
]


def check_prediction_count(fn: Callable, model, sentences) -> bool:
    """``fn(n_tokens, objective, n_masked=0)`` -> how many predictions one sentence adds to the loss.

    The reference is :func:`metamap_edu.learn.pretraining.lm_batch`: for each of a few ``sentences`` (that
    fit ``model``'s context) and each objective, the check builds the batch and counts the
    positions whose target is not −100 (causal: every token and ``<eos>``; masked: the hidden
    tokens and ``<eos>``). Exercise of ``notebooks/06_pretraining_on_unlabeled_text``.
    """
    check_type("model", model, TinyTransformer)
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of sentences, not one string")
    sentences = list(sentences)
    check_nonempty("sentences", sentences, "at least one sentence")
    tok, rng = model.tokenizer, random.Random(0)
    room = int((model.config.context - 3) / 1.3)  # lm_batch cuts longer sentences (masked, mask_prob 0.3)
    fitting = [s for s in sentences if 0 < len(tok.encode(" " + s)) <= room][:6]
    if not fitting:
        raise ValueError(f"sentences must hold a sentence of at most {room} tokens (the model's context)")
    example = None  # (sentence, n_tokens, causal targets) for the message
    for sentence in fitting:
        n = len(tok.encode(" " + sentence))
        for objective in ("causal", "masked"):
            batch = lm_batch(model, [sentence], objective, mask_prob=0.3, rng=rng)
            right = int((batch["targets"][0] != -100).sum())
            n_masked = int((batch["ids"][0] == tok.mask_id).sum()) if objective == "masked" else 0
            if example is None:
                example = (sentence, n, right)
            ok, got = _call_learner(fn, n, objective, n_masked)
            if not ok:
                return False
            value = _as_number(f"n_predictions({n}, {objective!r}, {n_masked})", got)
            if value is None:
                return False
            if value == right:
                continue
            call = f"n_predictions({n}, {objective!r}, n_masked={n_masked}) returned {value:g}; lm_batch has {right} targets."
            if value == right - 1:
                return _failed(f"{call} One short.", "the model also learns where the sentence stops: <eos>.")
            if objective == "masked" and value in (n, n + 1):
                return _failed(f"{call} In masked LM the visible tokens are in the prompt; they are not predicted.",
                               "only the hidden tokens are written after <sep>, then <eos>.")
            return _failed(call, "print lm_batch(model, [sentence], objective)['targets'] and count what is not −100.")
    sentence, n, right = example
    return _passed(f"your counts match lm_batch on {len(fitting)} sentences and both objectives. E.g. "
                   f"{sentence!r} has {n} tokens: causal LM predicts {right} (each token, then <eos>); "
                   "masked LM predicts only the hidden tokens and <eos>.")


#: Text sets the BPE check uses: the notebook's, one where pairs across chunks would win, one tie.
_BPE_CASES = (
    ("low lower lowest", "slow slower", "newer wider"),
    ("x! x! x!",),
    ("ba ab",),
    ("the cat sat", "the hat", "that mat"),
)


def check_bpe_first_merge(fn: Callable) -> bool:
    """``fn(texts)`` -> the pair of symbols BPE merges first, as a tuple of two strings.

    The reference is :func:`metamap_edu.models.tokenizers.train_bpe` (its first ``history`` entry) on a few text
    sets, including one where counting pairs across chunks gives another answer and one with a tie
    (ties go to the pair that sorts first). Exercise of ``notebooks/06_pretraining_on_unlabeled_text``.
    """
    for texts in _BPE_CASES:
        history: list = []
        train_bpe(list(texts), vocab_size=10_000, history=history, min_frequency=1)
        (a, b), count = history[0]
        ok, got = _call_learner(fn, list(texts))
        if not ok:
            return False
        if isinstance(got, list):
            got = tuple(got)
        if not (isinstance(got, tuple) and len(got) == 2 and all(isinstance(s, str) for s in got)):
            return _failed(f"first_merge({list(texts)}) returned {got!r}; return a tuple of two strings, e.g. ('t', 'h').")
        if got == (a, b):
            continue
        call = f"on {list(texts)} you returned {got!r}; train_bpe merges {(a, b)!r} first ({count} time{'s' * (count != 1)})."
        in_chunks = Counter(p for t in texts for chunk in pretokenize(t) for p in zip(chunk, chunk[1:]))
        whole = Counter(p for t in texts for p in zip(t, t[1:]))
        if got == (b, a):
            return _failed(f"{call} Right characters, wrong order.", "pairs are read left to right inside a chunk.")
        if in_chunks.get(got) == count:
            return _failed(f"{call} Both pairs occur equally often: a tie.",
                           "ties go to the pair that sorts first, as tuples of strings: (' ', 'a') < ('a', 'b') < ('b', 'a').")
        if got not in in_chunks and got in whole:
            return _failed(f"{call} {got!r} crosses a chunk boundary.",
                           "count pairs inside the chunks of metamap_edu.models.tokenizers.pretokenize, never across them.")
        return _failed(call, "remember the space that starts every word after the first: ' t' is a pair too.")
    return _passed(f"you match train_bpe on {len(_BPE_CASES)} text sets: count pairs inside chunks, take the most "
                   "frequent, break ties by sort order.")


def _module_type():
    return nn.Module


def nearest_words_view(word: str, model, k: int = 6, candidates=None, polarity_of=None) -> View:
    """The ``k`` words whose embeddings are closest (cosine) to ``word``'s, as a bar chart.

    ``polarity_of`` (word -> +1/−1/0), when given, colours each bar: green positive, red
    negative, grey neutral. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    near = nearest_tokens(model, word, k=k, candidates=candidates)
    fig, ax = plt.subplots(figsize=(5.5, 0.35 * len(near) + 1.2))
    colours = []
    for w, _ in near:
        p = polarity_of(w) if polarity_of else 0
        colours.append("tab:green" if p > 0 else "tab:red" if p < 0 else "tab:gray")
    ax.barh(range(len(near))[::-1], [s for _, s in near], color=colours)
    ax.set_yticks(range(len(near))[::-1])
    ax.set_yticklabels([w for w, _ in near])
    ax.set_xlabel("cosine similarity of input embeddings")
    ax.set_title(f"nearest words to '{word}'")
    fig.tight_layout()
    text = f"{word}: " + ", ".join(f"{w} ({s:.2f})" for w, s in near)
    return View(fig, text)


def nearest_words_widget(model, words, k: int = 6, candidates=None, polarity_of=None):
    """A dropdown of ``words``; shows :func:`nearest_words_view` for the chosen one."""
    check_type("model", model, _module_type(), "a TinyTransformer")
    words = check_sequence("words", words, "a list of words")
    import ipywidgets as w  # optional front end: only a builder needs it

    words = list(words)
    controls = {"word": w.Dropdown(options=words, value=words[0], description="word")}
    return interactive_view(nearest_words_view, controls, model=model, k=k, candidates=candidates,
                            polarity_of=polarity_of)


def attention_view(sentence: str, layer: int, head: int, model) -> View:
    """One head's attention map on ``sentence`` and, for its last token, the token it reads most."""
    check_type("sentence", sentence, str)
    check_type("model", model, _module_type(), "a TinyTransformer")
    tokens, maps = model.attention_maps(sentence)  # (L, H, T, T)
    L, H = maps.shape[0], maps.shape[1]
    if not (0 <= layer < L and 0 <= head < H):
        raise ValueError(f"layer must be in [0, {L - 1}] and head in [0, {H - 1}]; got layer={layer}, head={head}")
    w = maps[layer, head]
    fig = plot_attention(tokens, w.numpy(), title=f"layer {layer}, head {head}")
    j = int(w[-1].argmax())
    text = f"the last token {tokens[-1]!r} reads most from {tokens[j]!r} (weight {float(w[-1, j]):.2f})"
    return View(fig, text)


def attention_widget(model, sentences, layer: int = 0, head: int = 0):
    """Pick a sentence, a layer and a head (starting at ``layer``, ``head``); shows :func:`attention_view`."""
    check_type("model", model, _module_type(), "a TinyTransformer")
    sentences = check_sequence("sentences", sentences, "a list of str")
    import ipywidgets as w  # optional front end: only a builder needs it

    sentences = list(sentences)
    layer = check_int("layer", layer, min=0, max=model.config.depth - 1)
    head = check_int("head", head, min=0, max=model.config.heads - 1)
    controls = {
        "sentence": w.Dropdown(options=sentences, value=sentences[0], description="sentence",
                               layout=w.Layout(width="95%")),
        "layer": w.IntSlider(value=layer, min=0, max=model.config.depth - 1, description="layer", continuous_update=False),
        "head": w.IntSlider(value=head, min=0, max=model.config.heads - 1, description="head", continuous_update=False),
    }
    return interactive_view(attention_view, controls, model=model)


def plot_pretraining_loss(losses: Mapping, smooth: int = 20, ax=None, title: str | None = None):
    """Pretraining loss per step for each run in ``losses`` (name -> list of floats), smoothed.

    The curve is a running mean over ``smooth`` steps. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    check_type("losses", losses, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(6.5, 4))
    for i, (name, values) in enumerate(losses.items()):
        v = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(v) + 1), v, color=f"C{i}", alpha=0.25, lw=0.8)
        w = max(1, min(smooth, len(v)))
        mean = np.convolve(v, np.ones(w) / w, mode="valid")
        ax.plot(np.arange(w, len(v) + 1), mean, color=f"C{i}", lw=2, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per predicted token)")
    ax.set_title(title or "pretraining on unlabeled sentences")
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig)


def plot_attention(tokens: Sequence[str], weights, ax=None, title: str | None = None):
    """Heat map of one attention head: row i = how much token i reads from each token j ≤ i."""
    tokens = check_sequence("tokens", tokens, "a list of token strings")
    w = np.asarray(weights, dtype=float)
    n = len(tokens)
    fig, ax = _new_axes(ax, figsize=(0.42 * n + 2.2, 0.42 * n + 1.6))
    ax.imshow(w, cmap="Blues", vmin=0.0, vmax=1.0)
    labels = [t.replace(" ", "·") for t in tokens]
    ax.set_xticks(range(n))
    ax.set_xticklabels(labels, rotation=90, fontsize=8)
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("reads from (key)")
    ax.set_ylabel("token (query)")
    ax.set_title(title or "attention weights")
    return _finish(fig)


def plot_sample_efficiency(ks: Sequence[int], curves: Mapping, chance: float | None = None, ax=None,
                           title: str | None = None):
    """Test accuracy against K (examples per class) for each model in ``curves`` (name -> list)."""
    ks = check_sequence("ks", ks, "a list of ints")
    check_type("curves", curves, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(6, 4))
    for i, (name, values) in enumerate(curves.items()):
        ax.plot(list(ks), values, "o-", color=f"C{i}", label=name, lw=2)
    if chance is not None:
        ax.axhline(chance, color="gray", ls=":", lw=1, label="chance")
    ax.set_xscale("log")
    ax.set_xticks(list(ks))
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel("K: labelled examples per class in the held-out domain")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or "sample efficiency on a held-out domain")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
