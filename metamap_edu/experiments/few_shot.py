r"""Which methods learn new classes from K examples? One comparison, paired episode by episode.

Taught in ``notebooks/05b_few_shot_text``; ``bench/world_effects.py`` runs it at a larger budget.

Every method meets the same N-way K-shot episodes of held-out classes (``split.test``) and is
scored by its query accuracy on each one. Seed :math:`s` draws its own episode stream (episode
:math:`i` depends only on :math:`(s, i)`), its own from-scratch twin of the encoder and its own
meta-training run, so the unit of the comparison is the pair :math:`(s, i)`. For two methods A
and B the course's noise rule (:func:`metamap_edu.noise.paired_difference`) takes the
differences of their accuracies on the units both were scored on,

.. math:: d_{s,i} = \mathrm{acc}_A(s, i) - \mathrm{acc}_B(s, i), \qquad
          \bar d \pm t_{0.975,\,n-1}\, \frac{s_d}{\sqrt n},

and says "helps" only when that 95% interval excludes zero.

The methods (names of :data:`METHODS`); a *probe* classifies a query by its nearest class
prototype :math:`c_k = \frac1K\sum_{x\in S_k} f_\theta(x)` on frozen features, with nothing trained
on the episode; a *fine-tuned* method trains a copy on the episode's support set first:

=========================  ==========================================================================
``scratch``                probe on the same architecture with fresh weights (no pretraining)
``pretrained``             probe on the pretrained encoder
``pretrained_last_block``  the same, on the features after every block instead of the middle one
``meta``                   probe after ProtoNet meta-training on the meta-train classes, from the
                           pretrained weights (:func:`metamap_edu.experiments.transfer.meta_train_protonet`)
``meta_scratch``           the same meta-training, from the fresh weights
``tfidf``                  TF-IDF nearest centroid over words and bigrams, fitted on ``corpus``
``tfidf_words``            the same over words only
``finetune``               Adam on the support set from the pretrained weights, with a head that
                           starts as the prototype classifier (:func:`metamap_edu.experiments.finetune_scores`)
``finetune_scratch``       the same from the fresh weights
``finetune_l2``            ``finetune`` plus the article's formula 2, :math:`\lambda\lVert\theta-\theta_0\rVert^2`
                           toward the starting point, with the λ that SGD + the pull would equal
                           (:func:`metamap_edu.learn.pull_as_l2`, notebook 04)
``finetune_pull``          ``finetune`` plus the article's pull :math:`\theta \leftarrow \theta - \beta(\theta-\theta_0)`
                           after every step (``ArticlePull(pull_beta)``)
=========================  ==========================================================================

Fine-tuning costs far more per episode than a probe, so the fine-tuned methods are scored on the
first ``finetune_episodes`` episodes of each seed's stream (the same episodes the probes see
first); :meth:`FewShotComparison.paired` pairs two methods on the units they share.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .._checks import check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .._progress import progress_bar
from ..noise import PairedDifference, mean_interval, paired_difference
from ..learn import pull_as_l2
from ..tasks import MetaSplit
from . import transfer
from .finetune import finetune_scores

__all__ = ["METHODS", "PROBE_METHODS", "FINETUNE_METHODS", "DEFAULT_METHODS", "SCRATCH_SEED_OFFSET",
           "FewShotComparison", "compare_few_shot"]

#: Every method :func:`compare_few_shot` knows, with the words a plot or a table can show.
METHODS: dict[str, str] = {
    "scratch": "scratch + ProtoNet",
    "pretrained": "pretrained + ProtoNet",
    "pretrained_last_block": "pretrained + ProtoNet (last block)",
    "meta": "pretrained + meta-trained ProtoNet",
    "meta_scratch": "meta-trained ProtoNet from scratch",
    "tfidf": "TF-IDF centroid",
    "tfidf_words": "TF-IDF centroid (words only)",
    "finetune": "fine-tuned from pretrained",
    "finetune_scratch": "fine-tuned from scratch",
    "finetune_l2": "fine-tuned + L2ToPrevious",
    "finetune_pull": "fine-tuned + ArticlePull",
}
#: Methods scored on every episode (nothing is trained on the episode).
PROBE_METHODS = ("scratch", "pretrained", "pretrained_last_block", "meta", "meta_scratch", "tfidf", "tfidf_words")
#: Methods that train on each episode's support set (scored on the first ``finetune_episodes``).
FINETUNE_METHODS = ("finetune", "finetune_scratch", "finetune_l2", "finetune_pull")
#: The comparison the course shows first: the four routes and the yardstick.
DEFAULT_METHODS = ("scratch", "pretrained", "meta", "meta_scratch", "tfidf")
#: Seed ``s`` builds its from-scratch twin with ``torch.manual_seed(SCRATCH_SEED_OFFSET + s)``,
#: so that it never shares random numbers with the episodes or the meta-training of seed ``s``.
SCRATCH_SEED_OFFSET = 1000


@dataclass(frozen=True)
class FewShotComparison:
    """What :func:`compare_few_shot` returns: accuracies per (method, K), one per (seed, episode).

    ``scores[(method, k)]`` lists the query accuracies in the order of ``units[(method, k)]``, the
    ``(seed, episode index)`` pairs they were measured on (seed-major). ``models`` holds the
    trained encoders by ``(name, seed)`` when asked for (``keep_models=True``), else is empty.
    """

    scores: dict
    units: dict
    seeds: tuple
    k_shots: tuple
    methods: tuple
    n_way: int
    n_query: int
    models: dict = field(default_factory=dict, repr=False)

    def _key(self, method: str, k: int) -> tuple:
        if method not in self.methods:
            raise ValueError(f"method must be one of the methods compared, {list(self.methods)}; got {method!r}")
        if k not in self.k_shots:
            raise ValueError(f"k must be one of the K values compared, {list(self.k_shots)}; got {k!r}")
        return method, k

    def accuracies(self, method: str, k: int) -> list[float]:
        """Query accuracies of ``method`` at ``k`` shots, in (seed, episode) order."""
        return list(self.scores[self._key(method, k)])

    def mean(self, method: str, k: int) -> float:
        """Mean query accuracy of ``method`` at ``k`` shots over its (seed, episode) units."""
        a = self.scores[self._key(method, k)]
        return sum(a) / len(a)

    def interval(self, method: str, k: int) -> PairedDifference:
        """Mean accuracy of ``method`` with its 95% t-interval (:func:`metamap_edu.noise.mean_interval`)."""
        return mean_interval(self.scores[self._key(method, k)])

    def paired(self, a: str, b: str, k: int) -> PairedDifference:
        """``a`` − ``b`` at ``k`` shots, paired over the (seed, episode) units both were scored on."""
        ua, ub = self.units[self._key(a, k)], self.units[self._key(b, k)]
        sa, sb = dict(zip(ua, self.scores[(a, k)])), dict(zip(ub, self.scores[(b, k)]))
        common = [u for u in ua if u in sb]
        return paired_difference([sa[u] for u in common], [sb[u] for u in common])


def _check_methods(methods) -> tuple[str, ...]:
    if isinstance(methods, str):
        raise TypeError(f"methods must be a list of method names, not one string; got {methods!r} "
                        f"(write ({methods!r},))")
    methods = tuple(check_nonempty("methods", check_sequence("methods", methods, "a list of method names"),
                                   "at least one method"))
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"methods must name methods of {list(METHODS)}; got {m!r}")
    if len(set(methods)) != len(methods):
        raise ValueError(f"methods must not repeat a name; got {list(methods)}")
    return methods


def _check_ints(name: str, values, minimum: int, what: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of {what}; got {values!r}")
    values = check_nonempty(name, list(values), f"at least one of {what}")
    out = tuple(check_int(f"{name}[{i}]", v, min=minimum) for i, v in enumerate(values))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a value; got {list(out)}")
    return out


def compare_few_shot(model, split, *, seeds: Sequence[int] = (0, 1, 2), episodes: int = 100,
                     k_shots: Sequence[int] = (1, 5), methods: Sequence[str] = DEFAULT_METHODS,
                     n_way: int = 5, n_query: int = 15, corpus: Sequence[str] | None = None,
                     meta_iterations: int = 300, finetune_episodes: int | None = None,
                     finetune_steps: int = 60, finetune_lr: float = 1e-3, pull_beta: float = 0.01,
                     keep_models: bool = False, progress: bool = True) -> FewShotComparison:
    """Score ``methods`` on the same ``n_way``-way K-shot episodes of ``split.test``, for each K and seed.

    ``model`` is the pretrained :class:`~metamap_edu.models.transformer.TinyTransformer` (e.g.
    ``load_pretrained("intents")``); ``split`` a :class:`~metamap_edu.tasks.splits.MetaSplit` whose
    ``train`` classes feed meta-training and whose ``test`` classes (never trained on) give the
    episodes. Each seed in ``seeds`` scores ``episodes`` episodes per K with the probes and the
    first ``finetune_episodes`` (default: all ``episodes``) with the fine-tuned methods
    (``finetune_steps`` Adam steps at ``finetune_lr``). ``meta`` and ``meta_scratch`` take
    ``meta_iterations`` ProtoNet steps on 5-way 5-shot episodes of ``split.train``. The TF-IDF
    methods need ``corpus``, the unlabeled texts their IDF comes from. ``pull_beta`` is β of
    ``finetune_pull`` and sets λ of ``finetune_l2``. See the module docstring for the methods.
    """

    transfer._check_encoder("model", model)
    check_type("split", split, MetaSplit)
    seeds = _check_ints("seeds", seeds, 0, "seeds (ints >= 0)")
    for i, s in enumerate(seeds):
        check_seed(f"seeds[{i}]", s)
    episodes = check_int("episodes", episodes, min=1)
    k_shots = _check_ints("k_shots", k_shots, 1, "shots per class (ints >= 1)")
    methods = _check_methods(methods)
    n_way = check_int("n_way", n_way, min=2, max=len(split.test.labels))
    n_query = check_int("n_query", n_query, min=1)
    meta_iterations = check_int("meta_iterations", meta_iterations, min=1)
    finetune_episodes = episodes if finetune_episodes is None else check_int("finetune_episodes", finetune_episodes, min=1)
    if finetune_episodes > episodes:
        raise ValueError(f"finetune_episodes must be <= episodes ({episodes}): the fine-tuned methods "
                         f"score the first episodes of the probes' stream; got {finetune_episodes}")
    finetune_steps = check_int("finetune_steps", finetune_steps, min=0)
    finetune_lr = check_float("finetune_lr", finetune_lr, min=0.0, min_inclusive=False)
    pull_beta = check_float("pull_beta", pull_beta, min=0.0, max=1.0, min_inclusive=False, max_inclusive=False)
    keep_models = check_type("keep_models", keep_models, bool)
    progress = check_type("progress", progress, bool)
    if {"tfidf", "tfidf_words"} & set(methods):
        if corpus is None:
            raise ValueError("corpus must be a list of unlabeled texts when methods include 'tfidf' or "
                             "'tfidf_words' (the IDF weights come from it); got None")
        corpus = check_nonempty("corpus", [str(t) for t in check_sequence("corpus", corpus, "a list of str")],
                                "at least one text")
    counts: dict = {}
    for _, y in split.test.examples:
        counts[y] = counts.get(y, 0) + 1
    need = max(k_shots) + n_query
    if min(counts.values()) < need:
        raise ValueError(f"k_shots and n_query need {need} examples per class of split.test; its smallest "
                         f"class has {min(counts.values())} (lower max(k_shots) = {max(k_shots)} or n_query = {n_query})")
    lam = pull_as_l2(pull_beta, finetune_lr)[0]

    tfidf = {}
    for m, bigrams in (("tfidf", True), ("tfidf_words", False)):
        if m in methods:
            tfidf[m] = transfer.VocabularyTfidf(corpus, bigrams=bigrams)

    scores: dict = {(m, k): [] for m in methods for k in k_shots}
    units: dict = {(m, k): [] for m in methods for k in k_shots}
    models: dict = {}
    need_scratch = {"scratch", "meta_scratch", "finetune_scratch"} & set(methods)
    for s in progress_bar(seeds, desc="few-shot comparison (seeds)", progress=progress):
        encoders = {"pretrained": model}
        if need_scratch:
            encoders["scratch"] = transfer.scratch_copy(model, seed=SCRATCH_SEED_OFFSET + s)
        if "meta" in methods:
            encoders["meta"] = transfer.meta_train_protonet(model, split.train, iterations=meta_iterations, seed=s)
        if "meta_scratch" in methods:
            encoders["meta_scratch"] = transfer.meta_train_protonet(encoders["scratch"], split.train,
                                                                     iterations=meta_iterations, seed=s)
        if keep_models:
            models.update({(name, s): enc for name, enc in encoders.items() if name != "pretrained"})
        for k in k_shots:
            eps = transfer.held_out_episodes(split.test, n_way, k, n_query, episodes, seed=s)
            ft_eps = eps[:finetune_episodes]
            run = dict(steps=finetune_steps, lr=finetune_lr, seed=s)
            for m in methods:
                if m in ("scratch", "pretrained", "meta", "meta_scratch"):
                    acc = transfer.protonet_scores(encoders[m], eps)
                elif m == "pretrained_last_block":
                    acc = transfer.protonet_scores(model, eps, layers=None)
                elif m in tfidf:
                    acc = [float(tfidf[m].accuracy(e)) for e in eps]
                elif m == "finetune":
                    acc = finetune_scores(model, ft_eps, **run)
                elif m == "finetune_scratch":
                    acc = finetune_scores(encoders["scratch"], ft_eps, **run)
                elif m == "finetune_l2":
                    acc = finetune_scores(model, ft_eps, regularizer="l2", strength=lam, **run)
                else:  # finetune_pull
                    acc = finetune_scores(model, ft_eps, regularizer="pull", strength=pull_beta, **run)
                scores[(m, k)] += acc
                units[(m, k)] += [(s, i) for i in range(len(acc))]
    return FewShotComparison(
        scores={key: tuple(v) for key, v in scores.items()},
        units={key: tuple(v) for key, v in units.items()},
        seeds=seeds, k_shots=k_shots, methods=methods, n_way=n_way, n_query=n_query, models=models)
