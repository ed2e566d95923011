r"""Measuring transfer to held-out classes: frozen probes, meta-training, fine-tuning, TF-IDF.

Taught in ``notebooks/06_pretraining_on_unlabeled_text`` (section 7, the frozen probe and TF-IDF)
and ``notebooks/05b_few_shot_text`` (meta-training, fine-tuning with the article's step 3);
:func:`metamap_edu.experiments.few_shot.compare_few_shot` and ``bench/world_effects.py`` run every measurement here on the intent world
(:mod:`metamap_edu.tasks.intents`), and ``tests/test_claims_intents.py`` asserts what it finds.

Every method gets the same N-way K-shot episodes of held-out classes and is scored by its query
accuracy on each episode, so two methods can be compared episode by episode with the course's
noise rule (:func:`metamap_edu.noise.paired_difference`).

* **Frozen ProtoNet probe** (:func:`protonet_scores`): prototypes :math:`c_k` are the mean pooled
  hidden states (after :data:`PROBE_LAYERS` blocks) of each class's support examples; a query goes to the nearest prototype,
  :math:`\hat y = \arg\min_k \lVert f_\theta(x) - c_k\rVert^2`. Nothing is trained: the score says
  what the encoder :math:`f_\theta` already knows.
* **Meta-training** (:func:`meta_train_protonet`): ProtoNet episodes on the meta-train classes
  update θ so that the prototypes of *new* classes separate better. With ``metric="cosine"`` the
  logits are a learned temperature times the cosine similarity,
  :math:`\text{logit}_k(x) = \tau \cos(f_\theta(x), c_k)` with :math:`\tau = e^s` and :math:`s` trained
  with θ (:class:`CosineProtoNet`); ``word_dropout`` deletes each word of a training text with
  that probability (a cheap augmentation).
* **Hybrid** (:func:`metamap_edu.experiments.hybrid_scores`): a query's class maximises
  :math:`w \cos(f_\theta(x), c_k) + (1 - w) \cos(\mathrm{tfidf}(x), \bar t_k)`, the encoder's and
  the TF-IDF centroid's similarities mixed with a weight :math:`w` chosen on meta-validation
  classes (:func:`metamap_edu.experiments.choose_hybrid_weight`). It is reported as a hybrid, beside the pure encoder.
* **Fine-tuning** (:func:`metamap_edu.experiments.finetune_scores`): a linear head initialised as the ProtoNet classifier,
  :math:`W_k = 2c_k,\ b_k = -\lVert c_k\rVert^2` (notebook 05b), then every parameter trained with
  Adam on the support set (optionally with the article's step 3: ``L2ToPrevious`` or
  ``ArticlePull`` toward the starting point).
* **TF-IDF centroid** (:class:`VocabularyTfidf`): the yardstick, with scikit-learn's IDF
  convention (``smooth_idf=True``): :math:`\mathrm{idf}(w) = \ln\frac{1+n}{1+\mathrm{df}(w)} + 1`,
  and a word outside the fitted vocabulary gets no weight.
"""
from __future__ import annotations

import copy
import math
import random
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._checks import (check_choice, check_float, check_int, check_nonempty, check_probability, check_seed,
                      check_sequence, check_type)
from ..learn import ProtoNet, meta_train, new_pretraining_model, pretrain
from ..models import TinyTransformer
from ..real import TfidfCentroid, trim_to_context
from ..tasks import episode_sampler

__all__ = [
    "PROBE_LAYERS",
    "METRICS",
    "held_out_episodes",
    "VocabularyTfidf",
    "tfidf_scores",
    "protonet_scores",
    "scratch_copy",
    "meta_train_protonet",
    "CosineProtoNet",
    "drop_words",
    "pretrain_encoder",
    "fit_to_context",
    "truncate_episode",
]


#: How many transformer blocks the features pass through: 1 of the 2, the middle of the network.
#: A causal language model's last block specialises in predicting the next word; what words
#: *mean* sits lower down (``bench/world_effects.py`` prints the last block's probe alongside).
PROBE_LAYERS = 1

#: How a query is compared with a prototype: squared Euclidean distance or cosine similarity.
METRICS = ("euclidean", "cosine")


def held_out_episodes(task, n_way: int, k_shot: int, n_query: int, n: int, seed: int = 0) -> list:
    """The first ``n`` N-way K-shot episodes over the classes of ``task`` (e.g. ``split.test``)."""
    n = check_int("n", n, min=1)
    return episode_sampler(task, n_way, k_shot, n_query, seed=seed).take(n)


def _with_prefix(texts: list[str], prefix: str | None) -> list[str]:
    return list(texts) if prefix is None else [f"{prefix} {x}" for x in texts]


def _support_query(episode):
    if hasattr(episode, "support"):
        return list(episode.support.examples), list(episode.query.examples)
    if not isinstance(episode, (tuple, list)) or len(episode) != 2:
        raise TypeError(f"an episode must be an Episode or a (support, query) pair of (text, label) lists; "
                        f"got {type(episode).__name__}")
    support, query = episode
    return check_sequence("support", support), check_sequence("query", query)


def _check_encoder(name: str, model) -> None:
    """Refuse anything that is not a TinyTransformer (the encoders these probes read)."""

    check_type(name, model, TinyTransformer)


# ------------------------------------------------------------------------------------------------
# The yardstick
# ------------------------------------------------------------------------------------------------
class VocabularyTfidf(TfidfCentroid):
    r"""The TF-IDF nearest centroid of :class:`metamap_edu.real.TfidfCentroid`, under this module's name.

    :math:`\mathrm{tfidf}(w, x) = \mathrm{tf}(w, x)\,(\ln\frac{1+n}{1+\mathrm{df}(w)} + 1)` for the
    words (and bigrams) of the ``corpus`` it is fitted on; any other word of a support or query
    text gets weight 0, as ``sklearn.feature_extraction.text.TfidfVectorizer`` does; rows are
    L2-normalised. (The rule lives in the parent class, so both names give the same numbers.)
    """


def tfidf_scores(corpus: Sequence[str], episodes: Sequence, bigrams: bool = True) -> list[float]:
    """Query accuracy of :class:`VocabularyTfidf` (fitted on ``corpus``) on every episode."""
    baseline = VocabularyTfidf(corpus, bigrams=bigrams)
    return [float(baseline.accuracy(e)) for e in check_nonempty("episodes", list(episodes), "at least one episode")]


# ------------------------------------------------------------------------------------------------
# Frozen features
# ------------------------------------------------------------------------------------------------
@torch.no_grad()
def _embed(model, texts: list[str], layers: int | None, chunk: int = 256) -> torch.Tensor:
    return torch.cat([model.embed(texts[i : i + chunk], layers=layers) for i in range(0, len(texts), chunk)])  # (N, C)


def _prototype_similarity(zs: torch.Tensor, ys: list, zq: torch.Tensor, metric: str = "euclidean"):
    """(similarity (Q, N) of every query to every class prototype, sorted class list)."""
    classes = sorted(set(ys))
    idx = torch.tensor([classes.index(y) for y in ys])
    protos = torch.stack([zs[idx == k].mean(0) for k in range(len(classes))])  # (N, C)
    if metric == "cosine":
        return F.normalize(zq, dim=1) @ F.normalize(protos, dim=1).T, classes  # (Q, N)
    return -torch.cdist(zq, protos).pow(2), classes  # (Q, N)


def _prototype_predict(zs: torch.Tensor, ys: list, zq: torch.Tensor, metric: str = "euclidean") -> list:
    sim, classes = _prototype_similarity(zs, ys, zq, metric)
    return [classes[i] for i in sim.argmax(1).tolist()]


def protonet_scores(model, episodes: Sequence, prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS,
                    metric: str = "euclidean") -> list[float]:
    """Query accuracy of nearest-prototype classification on ``model``'s frozen pooled features.

    ``model`` is any encoder with ``embed(texts) -> (N, C)`` (a
    :class:`~metamap_edu.models.transformer.TinyTransformer`); it is evaluated in eval mode and left unchanged.
    Every text is read after the token ``prefix`` (default ``<lm>``: what a language model read
    during pretraining; ``None`` reads the text as it is). The features are the hidden states
    after ``layers`` blocks, averaged over the tokens (:meth:`~metamap_edu.models.transformer.TinyTransformer.embed`).
    ``metric`` (one of :data:`METRICS`) picks the nearest prototype by squared Euclidean distance
    or by cosine similarity (for an encoder meta-trained with ``metric="cosine"``).
    """
    _check_encoder("model", model)
    metric = check_choice("metric", metric, METRICS)
    episodes = check_nonempty("episodes", check_sequence("episodes", episodes), "at least one episode")
    was = model.training
    model.eval()
    try:
        out = []
        for e in episodes:
            support, query = _support_query(e)
            z = _embed(model, _with_prefix([x for x, _ in support] + [x for x, _ in query], prefix), layers)
            pred = _prototype_predict(z[: len(support)], [y for _, y in support], z[len(support) :], metric)
            out.append(sum(p == y for p, (_, y) in zip(pred, query)) / len(query))
    finally:
        model.train(was)
    return out


def scratch_copy(model, seed: int = 0):
    """A model with ``model``'s tokenizer and config and fresh weights drawn with ``torch.manual_seed(seed)``.

    The "from scratch" twin of a pretrained model: the same architecture and the same tokenizer,
    none of what pretraining learned.
    """
    _check_encoder("model", model)
    seed = check_seed("seed", seed)
    torch.manual_seed(seed)
    fresh = type(model)(model.tokenizer, copy.deepcopy(model.config))
    fresh.eval()
    return fresh


# ------------------------------------------------------------------------------------------------
# Meta-training on the meta-train classes
# ------------------------------------------------------------------------------------------------
def drop_words(text: str, p: float, rng: random.Random) -> str:
    """``text`` with each whitespace-separated word deleted with probability ``p`` (one word always stays)."""
    p = check_probability("p", p)
    words = str(text).split()
    if p == 0 or not words:
        return str(text)
    kept = [w for w in words if rng.random() >= p]
    return " ".join(kept) if kept else rng.choice(words)


class CosineProtoNet:
    r"""ProtoNet whose logits are a learned temperature times the cosine similarity to each prototype.

    .. math:: p(y = k \mid x) = \operatorname{softmax}_k\big(\tau \cos(f_\theta(x), c_k)\big),
              \qquad c_k = \tfrac{1}{|S_k|}\textstyle\sum_{x' \in S_k} f_\theta(x'),\quad \tau = e^s

    (the "cosine classifier" of Chen et al., 2019, on prototypes). Comparing directions instead of
    squared distances keeps the loss from pushing the feature norms around; :math:`s` (started at
    :math:`\ln` ``temperature``) is trained with θ by Adam at ``outer_lr``. ``word_dropout``
    deletes each word of every training text with that probability (:func:`drop_words`).
    ``step(episodes)`` follows the contract of :func:`metamap_edu.learn.meta_train`; the plain
    ProtoNet is :class:`metamap_edu.learn.ProtoNet` (notebook 05b).
    """

    name = "ProtoNet (cosine)"

    def __init__(self, encoder, outer_lr: float = 5e-4, temperature: float = 10.0, word_dropout: float = 0.0,
                 prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS, seed: int = 0):
        _check_encoder("encoder", encoder)
        self.encoder = self.model = encoder
        self.outer_lr = check_float("outer_lr", outer_lr, min=0.0, min_inclusive=False)
        temperature = check_float("temperature", temperature, min=0.0, min_inclusive=False)
        self.word_dropout = check_probability("word_dropout", word_dropout)
        if self.word_dropout >= 1.0:
            raise ValueError(f"word_dropout must be < 1 (some words must stay); got {word_dropout!r}")
        self.prefix, self.layers = prefix, layers
        self.log_temperature = nn.Parameter(torch.tensor(math.log(temperature)))
        self.optimizer = torch.optim.Adam([p for p in encoder.parameters() if p.requires_grad] + [self.log_temperature],
                                          lr=self.outer_lr)
        self.rng = random.Random(check_seed("seed", seed))

    @property
    def temperature(self) -> float:
        return float(self.log_temperature.detach().exp())

    def episode_loss(self, episode) -> torch.Tensor:
        support, query = _support_query(episode)
        texts = [drop_words(x, self.word_dropout, self.rng) for x, _ in support + query]
        z = self.encoder.embed(_with_prefix(texts, self.prefix), layers=self.layers)  # (S + Q, C)
        sim, classes = _prototype_similarity(z[: len(support)], [y for _, y in support], z[len(support) :], "cosine")
        missing = sorted({y for _, y in query} - set(classes))
        if missing:
            raise ValueError(f"query labels {missing} have no support examples (support classes: {classes})")
        target = torch.tensor([classes.index(y) for _, y in query])
        return F.cross_entropy(self.log_temperature.exp() * sim, target)

    def step(self, episodes: Sequence) -> float:
        episodes = check_nonempty("episodes", list(episodes), "at least one episode")
        self.optimizer.zero_grad(set_to_none=True)
        loss = torch.stack([self.episode_loss(e) for e in episodes]).mean()
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())


def meta_train_protonet(model, train_task, n_way: int = 5, k_shot: int = 5, n_query: int = 5,
                        iterations: int = 200, meta_batch_size: int = 2, lr: float = 5e-4, seed: int = 0,
                        progress: bool = False, prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS,
                        metric: str = "euclidean", temperature: float = 10.0, word_dropout: float = 0.0):
    """A copy of ``model`` meta-trained with ProtoNet episodes of ``train_task``'s classes.

    ``iterations`` Adam steps at ``lr`` (cosine-annealed), each on the mean query cross-entropy
    of ``meta_batch_size`` N-way K-shot episodes (:func:`metamap_edu.learn.meta_train`). The
    original ``model`` is left unchanged. Texts are read after ``prefix`` (see :func:`protonet_scores`).
    ``metric="euclidean"`` is the ProtoNet of notebook 05b (:class:`metamap_edu.learn.ProtoNet`);
    ``metric="cosine"`` is :class:`CosineProtoNet` (learned temperature starting at
    ``temperature``); ``word_dropout`` (cosine only) deletes words of the training texts. An
    ``n_way`` larger than the classes of ``train_task`` is lowered to their number.
    """

    _check_encoder("model", model)
    iterations = check_int("iterations", iterations, min=1)
    seed = check_seed("seed", seed)
    metric = check_choice("metric", metric, METRICS)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    if metric == "euclidean" and word_dropout:
        raise ValueError(f"word_dropout is only used with metric='cosine'; got word_dropout={word_dropout!r} "
                         f"with metric='euclidean'")
    n_way = min(check_int("n_way", n_way, min=2), len(train_task.labels))
    learner = copy.deepcopy(model)
    learner.train()
    torch.manual_seed(seed)
    if metric == "cosine":
        proto = CosineProtoNet(learner, outer_lr=lr, temperature=temperature, word_dropout=word_dropout,
                               prefix=prefix, layers=layers, seed=seed)
    else:
        proto = ProtoNet(learner, outer_lr=lr, embed=lambda enc, xs: enc.embed(_with_prefix(xs, prefix), layers=layers))
    sampler = episode_sampler(train_task, n_way, k_shot, n_query, seed=seed)
    meta_train(proto, sampler, meta_batch_size=meta_batch_size, iterations=iterations, seed=seed,
               progress=progress, lr_schedule="cosine")
    learner.eval()
    return learner


# ------------------------------------------------------------------------------------------------
# The encoder and TF-IDF together
# ------------------------------------------------------------------------------------------------
def pretrain_encoder(texts: Sequence[str], steps: int = 2000, vocab_size: int = 2000, seed: int = 0,
                     lr: float = 3e-3, batch_size: int = 32, progress: bool = False):
    """A fresh :class:`~metamap_edu.models.transformer.TinyTransformer` (default sizes) with a BPE tokenizer
    trained on ``texts``, pretrained with the causal objective on them (cosine schedule).

    ``texts`` are unlabeled: for a real data set, the utterances of the meta-train classes only.
    """

    texts = check_nonempty("texts", [str(t) for t in check_sequence("texts", texts, "a list of str")], "at least one text")
    model = new_pretraining_model(texts, vocab_size=check_int("vocab_size", vocab_size, min=300), seed=check_seed("seed", seed))
    pretrain(model, texts, steps=check_int("steps", steps, min=1), batch_size=batch_size, lr=lr, seed=seed,
             progress=progress, schedule="cosine")
    return model


def fit_to_context(texts: Sequence[str], model, reserve: int = 3) -> list[str]:
    """``texts`` with every text cut to fit ``model``'s context, ``reserve`` tokens left for the
    prefix and ``<sep>`` (:func:`metamap_edu.real.realdata.trim_to_context`, which warns with the count).
    Real utterances can be longer than a tiny model reads."""

    _check_encoder("model", model)
    limit = model.config.context - check_int("reserve", reserve, min=0, max=model.config.context - 1)
    return trim_to_context(texts, model.tokenizer, limit)


def truncate_episode(episode, model, reserve: int = 3):
    """``(support, query)`` of ``episode`` with its texts cut by :func:`fit_to_context`."""
    _check_encoder("model", model)
    support, query = _support_query(episode)
    s = fit_to_context([x for x, _ in support], model, reserve)
    q = fit_to_context([x for x, _ in query], model, reserve)
    return list(zip(s, [y for _, y in support])), list(zip(q, [y for _, y in query]))
