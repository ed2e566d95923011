r"""What pretraining taught: nearest words in embedding space, and fewer labels needed afterwards.

A word is embedded as the mean of its BPE tokens' input vectors e; its neighbours are the words
with the highest cosine similarity

.. math:: \cos(e_a, e_b) = \frac{e_a \cdot e_b}{\lVert e_a\rVert\,\lVert e_b\rVert}

(:func:`nearest_tokens`, :func:`neighbour_agreement`). The sample-efficiency curve fine-tunes a
copy of a model with formula 1 on K examples per class and scores it on held-out sentences
(:func:`few_shot_accuracy`, :func:`sample_efficiency`).
Taught in notebooks/06_pretraining_on_unlabeled_text.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from tqdm.auto import tqdm

from .._checks import check_int, check_nonempty, check_type
from .._progress import bars_disabled
from ..models import TinyTransformer
from .fit import fit
from .metrics import score

__all__ = ["nearest_tokens", "neighbour_agreement", "few_shot_accuracy", "sample_efficiency"]


def nearest_tokens(model: TinyTransformer, word: str, k: int = 5, candidates: Sequence[str] | None = None) -> list[tuple[str, float]]:
    """The ``k`` words whose input embedding has the highest cosine similarity to ``word``'s.

    A word is embedded as the mean of its BPE tokens' vectors (``" word"``, with its leading
    space). ``candidates`` restricts the search to those words (default: every whole-word token).
    """
    check_type("model", model, TinyTransformer)
    check_type("word", word, str)
    k = check_int("k", k, min=1)
    E = model.token_embedding.weight.detach()  # (V, C)
    tok = model.tokenizer

    def vec(w: str) -> torch.Tensor:
        return E[tok.encode(" " + w)].mean(0)  # (C,)

    if candidates is None:
        candidates = [t[1:] for t in tok.itos if t.startswith(" ") and t[1:].isalpha() and len(t) > 2]
    candidates = [c for c in dict.fromkeys(candidates) if c != word]
    check_nonempty("candidates", candidates, "at least one word other than `word`")
    M = torch.stack([vec(c) for c in candidates])  # (N, C)
    sims = torch.nn.functional.cosine_similarity(M, vec(word)[None, :], dim=1)  # (N,)
    order = sorted(range(len(candidates)), key=lambda i: (-float(sims[i]), candidates[i]))[:k]
    return [(candidates[i], round(float(sims[i]), 6)) for i in order]


def neighbour_agreement(model: TinyTransformer, words: Sequence[str], candidates: Sequence[str],
                        same: Callable[[str, str], bool], k: int = 5) -> list[int]:
    """For each of ``words``, how many of its ``k`` nearest ``candidates`` (:func:`nearest_tokens`)
    satisfy ``same(word, neighbour)`` -- e.g. "is a music word" or "has the same polarity".

    One count per word, so two models are compared word by word with
    :func:`metamap_edu.noise.paired_difference`. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    if not callable(same):
        raise TypeError(f"same must be a function (word, neighbour) -> bool; got {same!r}")
    words = check_nonempty("words", list(words), "at least one word")
    return [sum(bool(same(w, n)) for n, _ in nearest_tokens(model, w, k=k, candidates=candidates)) for w in words]


def few_shot_accuracy(
    model: TinyTransformer,
    pool,
    test,
    k_shot: int,
    steps: int = 30,
    lr: float = 1e-3,
    seeds: Sequence[int] = (0, 1),
) -> float:
    """Mean test score after fine-tuning a copy of ``model`` on ``k_shot`` examples per class of ``pool``.

    For each seed: draw the support set (``pool.split(k_shot, ...)``), fine-tune a copy with Adam
    for ``steps`` steps on it (:func:`metamap_edu.learn.fit.fit`), score it on ``test``
    (:func:`metamap_edu.learn.metrics.score`). The model itself is left unchanged.
    Taught in notebooks/06_pretraining_on_unlabeled_text (the sample-efficiency curve).
    """
    check_type("model", model, TinyTransformer)
    k_shot = check_int("k_shot", k_shot, min=1)
    seeds = list(seeds)
    check_nonempty("seeds", seeds, "at least one seed")
    scores = []
    for seed in seeds:
        support, _ = pool.split(k_shot, 1, seed=seed)  # the pool needs k_shot + 1 examples per class
        tuned = copy.deepcopy(model)
        fit(tuned, support, optimizer="adam", lr=lr, steps=steps, batch_size=32, seed=seed,
            eval_task=support.subset([0]), progress=False)
        scores.append(score(tuned, test))
    return float(sum(scores) / len(scores))


def sample_efficiency(
    models: dict,
    pool,
    test,
    ks: Sequence[int] = (1, 5, 10, 50),
    steps: int = 30,
    lr: float = 1e-3,
    seeds: Sequence[int] = (0, 1),
    progress: bool = True,
) -> dict[str, list[float]]:
    """``{name: [few_shot_accuracy at each K]}`` for every model in ``models`` (same supports for all)."""
    check_type("models", models, dict)
    ks = [check_int("ks", k, min=1) for k in ks]
    out: dict[str, list[float]] = {name: [] for name in models}
    for k in tqdm(ks, desc="K-shot fine-tuning", disable=bars_disabled(progress), leave=False):
        for name, model in models.items():
            out[name].append(few_shot_accuracy(model, pool, test, k, steps, lr, seeds))
    return out
