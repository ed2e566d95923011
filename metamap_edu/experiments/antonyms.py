r"""Tied embeddings cannot tell antonyms apart: the antonym experiment of notebook 06.

Tiny reviews whose two adjectives agree in polarity (:func:`verdict_sentences`) are pretrained on
(causal LM, :func:`metamap_edu.learn.pretrain`); then the model's preference for a positive verdict
after an adjective is measured (:func:`verdict_gap`):

.. math:: \log\sum_{v \in V^+} p(v \mid s) - \log\sum_{v \in V^-} p(v \mid s).

With tied input/output embeddings the gap stays near zero; untied, it takes the adjective's sign
(:func:`antonym_experiment`). Taught in notebooks/06_pretraining_on_unlabeled_text.
"""
from __future__ import annotations

import random
from collections.abc import Sequence

import torch

from .._checks import check_int, check_seed, check_type
from ..learn import new_pretraining_model, pretrain
from ..models import OBJECTIVE_PREFIXES, TinyTransformer, TransformerConfig
from ..tasks import ALL_DOMAINS, LEXICON, SHARED_NEGATIVE, SHARED_POSITIVE

__all__ = ["verdict_sentences", "verdict_gap", "antonym_experiment"]


def verdict_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` tiny reviews ``"the <noun> was <adj> overall it was <verdict>"`` whose two adjectives agree.

    Both adjectives are shared sentiment words of the same polarity (half the reviews positive),
    so the only thing that tells positive words from negative ones is which words occur *together*.
    """
    n = check_int("n", n, min=1)
    rng = random.Random(check_seed("seed", seed))
    nouns = [w for d in ALL_DOMAINS for w in LEXICON[d].nouns]
    out = []
    for _ in range(n):
        words = SHARED_POSITIVE if rng.random() < 0.5 else SHARED_NEGATIVE
        out.append(f"the {rng.choice(nouns)} was {rng.choice(words)} overall it was {rng.choice(words)}")
    return out


def verdict_gap(model: TinyTransformer, adjective: str, noun: str = "hotel") -> float:
    r"""How much more the model expects a positive verdict after ``adjective`` than a negative one.

    .. math:: \log\sum_{v \in V^+} p(v \mid s) - \log\sum_{v \in V^-} p(v \mid s),\quad
              s = \text{"the } noun \text{ was } adjective \text{ overall it was"}

    with V⁺ / V⁻ the shared positive / negative words. 0 means the model cannot tell them apart.
    """
    check_type("model", model, TinyTransformer)
    tok = model.tokenizer
    prompt = [tok.stoi[OBJECTIVE_PREFIXES["causal"]]] + tok.encode(f" the {noun} was {adjective} overall it was")
    verdicts = list(SHARED_POSITIVE) + list(SHARED_NEGATIVE)
    batch = model.pack([prompt] * len(verdicts), [tok.encode(" " + v) for v in verdicts])
    scores = model.sequence_logprob(batch)  # (N,)
    k = len(SHARED_POSITIVE)
    return float(torch.logsumexp(scores[:k], 0) - torch.logsumexp(scores[k:], 0))


def antonym_experiment(tie_embeddings: bool, steps: int = 400, n: int = 20_000, seed: int = 0,
                       probes: Sequence[str] = ("great", "superb", "terrible", "awful"),
                       progress: bool = True) -> dict[str, float]:
    """Pretrain a fresh model on :func:`verdict_sentences`; return ``{probe word: verdict_gap}``.

    With tied embeddings one vector both reads and writes a word, and words that are written in
    identical contexts (every positive and every negative adjective here) are pulled to the same
    vector: the model cannot tell *great* from *awful*. Untied, the input vectors are free to take
    the polarity that predicts the verdict. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    check_type("tie_embeddings", tie_embeddings, bool)
    sentences = verdict_sentences(n, seed=seed)
    model = new_pretraining_model(sentences, config=TransformerConfig(tie_embeddings=tie_embeddings),
                                  vocab_size=600, seed=seed)
    pretrain(model, sentences, steps=steps, seed=seed, progress=progress)
    return {w: verdict_gap(model, w) for w in probes}
