r"""Measuring transfer to held-out classes: frozen probes, meta-training, fine-tuning, TF-IDF.

Taught in ``notebooks/06_pretraining_on_unlabeled_text`` (section 7, the frozen probe and TF-IDF)
and ``notebooks/05b_few_shot_text`` (meta-training, fine-tuning with the article's step 3);
:func:`metamap_edu.experiments.few_shot.compare_few_shot` and ``bench/world_effects.py`` run every measurement here on the intent world
(:mod:`metamap_edu.tasks.intents`), and ``tests/course/test_nb05b_intent_world.py`` asserts what it finds.

Every method gets the same N-way K-shot episodes of held-out classes and is scored by its query
accuracy on each episode, so two methods can be compared episode by episode with the course's
noise rule (:func:`metamap_edu.noise.paired_difference`).

* **Frozen ProtoNet probe** (:func:`protonet_scores`): prototypes :math:`c_k` are the mean pooled
  hidden states (after :data:`PROBE_LAYERS` blocks) of each class's support examples; a query goes to the nearest prototype,
  :math:`\hat y = \arg\min_k \lVert f_\theta(x) - c_k\rVert^2`. Nothing is trained: the score says
  what the encoder :math:`f_\theta` already knows.
* **Meta-training** (:func:`meta_train_protonet`): ProtoNet episodes on the meta-train classes
  update θ so that the prototypes of *new* classes separate better.
* **Fine-tuning** (:func:`finetune_scores`): a linear head initialised as the ProtoNet classifier,
  :math:`W_k = 2c_k,\ b_k = -\lVert c_k\rVert^2` (notebook 05b), then every parameter trained with
  Adam on the support set (optionally with the article's step 3: ``L2ToPrevious`` or
  ``ArticlePull`` toward the starting point).
* **TF-IDF centroid** (:class:`VocabularyTfidf`): the yardstick, with scikit-learn's IDF
  convention (``smooth_idf=True``): :math:`\mathrm{idf}(w) = \ln\frac{1+n}{1+\mathrm{df}(w)} + 1`,
  and a word outside the fitted vocabulary gets no weight.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from .._checks import check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from ..models import CourseModel, TinyTransformer
from ..real import TfidfCentroid
from ..tasks.splits import episode_sampler

__all__ = [
    "PROBE_LAYERS",
    "held_out_episodes",
    "VocabularyTfidf",
    "tfidf_scores",
    "protonet_scores",
    "scratch_copy",
    "meta_train_protonet",
    "PrototypeClassifier",
    "finetune_scores",
    "pretrain_encoder",
    "fit_to_context",
    "truncate_episode",
]


#: How many transformer blocks the features pass through: 1 of the 2, the middle of the network.
#: A causal language model's last block specialises in predicting the next word; what words
#: *mean* sits lower down (``bench/world_effects.py`` prints the last block's probe alongside).
PROBE_LAYERS = 1


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


def _prototype_predict(zs: torch.Tensor, ys: list, zq: torch.Tensor) -> list:
    classes = sorted(set(ys))
    idx = torch.tensor([classes.index(y) for y in ys])
    protos = torch.stack([zs[idx == k].mean(0) for k in range(len(classes))])  # (N, C)
    return [classes[i] for i in torch.cdist(zq, protos).argmin(1).tolist()]


def protonet_scores(model, episodes: Sequence, prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS) -> list[float]:
    """Query accuracy of nearest-prototype classification on ``model``'s frozen pooled features.

    ``model`` is any encoder with ``embed(texts) -> (N, C)`` (a
    :class:`~metamap_edu.models.transformer.TinyTransformer`); it is evaluated in eval mode and left unchanged.
    Every text is read after the token ``prefix`` (default ``<lm>``: what a language model read
    during pretraining; ``None`` reads the text as it is). The features are the hidden states
    after ``layers`` blocks, averaged over the tokens (:meth:`~metamap_edu.models.transformer.TinyTransformer.embed`).
    """
    _check_encoder("model", model)
    episodes = check_nonempty("episodes", check_sequence("episodes", episodes), "at least one episode")
    was = model.training
    model.eval()
    try:
        out = []
        for e in episodes:
            support, query = _support_query(e)
            z = _embed(model, _with_prefix([x for x, _ in support] + [x for x, _ in query], prefix), layers)
            pred = _prototype_predict(z[: len(support)], [y for _, y in support], z[len(support) :])
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
def meta_train_protonet(model, train_task, n_way: int = 5, k_shot: int = 5, n_query: int = 5,
                        iterations: int = 200, meta_batch_size: int = 2, lr: float = 5e-4, seed: int = 0,
                        progress: bool = False, prefix: str | None = "<lm>", layers: int | None = PROBE_LAYERS):
    """A copy of ``model`` meta-trained with ProtoNet episodes of ``train_task``'s classes.

    ``iterations`` Adam steps at ``lr`` (cosine-annealed), each on the mean query cross-entropy
    of ``meta_batch_size`` N-way K-shot episodes (:func:`metamap_edu.learn.meta_train`). The
    original ``model`` is left unchanged. Texts are read after ``prefix`` (see :func:`protonet_scores`).
    """
    from ..learn import ProtoNet, meta_train

    _check_encoder("model", model)
    iterations = check_int("iterations", iterations, min=1)
    seed = check_seed("seed", seed)
    learner = copy.deepcopy(model)
    learner.train()
    torch.manual_seed(seed)
    proto = ProtoNet(learner, outer_lr=check_float("lr", lr, min=0.0, min_inclusive=False),
                     embed=lambda enc, xs: enc.embed(_with_prefix(xs, prefix), layers=layers))
    sampler = episode_sampler(train_task, n_way, k_shot, n_query, seed=seed)
    meta_train(proto, sampler, meta_batch_size=meta_batch_size, iterations=iterations, seed=seed,
               progress=progress, lr_schedule="cosine")
    learner.eval()
    return learner


# ------------------------------------------------------------------------------------------------
# Fine-tuning on the support set
# ------------------------------------------------------------------------------------------------
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

    def batch(self, examples: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
        """The :meth:`collate` batch of ``examples`` (what :func:`finetune_scores` trains on)."""
        return self.collate(examples)

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
    import random

    from ..learn import make_regularizer, training_step

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
            training_step(clf, clf.batch(chosen), optimizer, reg)
        clf.eval()
        pred = clf.predict([x for x, _ in query])
        out.append(sum(p == y for p, (_, y) in zip(pred, query)) / len(query))
    return out


# ------------------------------------------------------------------------------------------------
# Real data: the course's encoder pretrained on unlabeled utterances
# ------------------------------------------------------------------------------------------------
def pretrain_encoder(texts: Sequence[str], steps: int = 2000, vocab_size: int = 2000, seed: int = 0,
                     lr: float = 3e-3, batch_size: int = 32, progress: bool = False):
    """A fresh :class:`~metamap_edu.models.transformer.TinyTransformer` (default sizes) with a BPE tokenizer
    trained on ``texts``, pretrained with the causal objective on them (cosine schedule).

    ``texts`` are unlabeled: for a real data set, the utterances of the meta-train classes only.
    """
    from ..learn import new_pretraining_model, pretrain

    texts = check_nonempty("texts", [str(t) for t in check_sequence("texts", texts, "a list of str")], "at least one text")
    model = new_pretraining_model(texts, vocab_size=check_int("vocab_size", vocab_size, min=300), seed=check_seed("seed", seed))
    pretrain(model, texts, steps=check_int("steps", steps, min=1), batch_size=batch_size, lr=lr, seed=seed,
             progress=progress, schedule="cosine")
    return model


def fit_to_context(texts: Sequence[str], model, reserve: int = 3) -> list[str]:
    """``texts`` with every text cut to fit ``model``'s context, ``reserve`` tokens left for the
    prefix and ``<sep>`` (:func:`metamap_edu.real.realdata.trim_to_context`, which warns with the count).
    Real utterances can be longer than a tiny model reads."""
    from ..real.realdata import trim_to_context

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
