r"""The article's whole pipeline on one text-to-text model, and the ablation that weighs its parts.

One :class:`~metamap_edu.models.transformer.TinyTransformer` learns four kinds of task -- topic,
sentiment, named-entity recognition and translation -- written as ``<prefix> x <sep> y <eos>``.
:func:`run_pipeline` switches three components on or off:

* **pretraining first** (the article's step 4, done before the tasks): start from the shipped
  ``text2text`` checkpoint -- the ``lm`` checkpoint (8,000 causal language-modelling steps on
  unlabeled sentences) trained further on the four kinds for 8,000 steps -- or from the very θ₀
  the ``lm`` checkpoint started from (:func:`metamap_edu.experiments.checkpoints.fresh_model`);
* **the pull** (the article's step 3): after every Adam step on task t,
  :math:`\theta \leftarrow \theta - \beta(\theta - \theta_{t-1})` with θ_{t−1} the parameters at the
  start of the visit (:class:`metamap_edu.learn.ArticlePull`);
* **pretraining last** (the article lists it last): ``late_pretrain_steps`` causal-LM steps on
  unlabeled sentences *after* the tasks.

The tasks (step 2) are visited in rounds -- topic, sentiment, NER, translation, then again --
with one Adam optimizer; a visit of task t takes ``visit_steps[t]`` steps. Scores are accuracy
(topic, sentiment), entity F1 (NER) and corpus BLEU / 100 (translation), on held-out examples
whose sentences are neither in the run's training data nor in the task data the ``text2text``
checkpoint trained on (:func:`pipeline_data`, :func:`scores`).

:func:`ablation` runs every row on the same seeds and :func:`contributions` turns rows into paired
differences with 95% intervals (:func:`metamap_edu.noise.paired_difference`), one per kind.

Taught in notebooks/07_the_whole_pipeline.
"""
from __future__ import annotations

import copy
import functools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .._progress import bars_disabled
from ..noise import paired_difference
from .. import tasks
from ..tasks import derive_seed
from ..models import TinyTransformer, with_task_prefix
from ..learn import SCHEDULES, ArticlePull, DivergenceError, accuracy, learning_rate, pretrain, score
from .checkpoints import RECIPES, fresh_model, load_pretrained, pretraining_corpus, text2text_splits

__all__ = [
    "KINDS",
    "CHANCE",
    "ROWS",
    "PipelineBudget",
    "pipeline_data",
    "starting_model",
    "output_loss",
    "train_pipeline",
    "scores",
    "label_choices",
    "run_pipeline",
    "ablation",
    "contributions",
    "CONTRIBUTIONS",
]

#: The four kinds of task, in the order each round visits them.
KINDS = ("topic", "sentiment", "ner", "translation")
#: What guessing scores: 1/8 for topic (eight domains), 1/2 for sentiment, 0 for F1 and BLEU.
CHANCE = {"topic": 1 / 8, "sentiment": 0.5, "ner": 0.0, "translation": 0.0}
#: The ablation's rows: name -> (pretrained start, pull, pretraining last).
ROWS = {
    "full": (True, True, False),
    "no pretraining": (False, True, False),
    "no pull": (True, False, False),
    "pretraining last": (True, True, True),
}
#: Which paired difference answers which question: name -> (row A, row B), read as A − B.
CONTRIBUTIONS = {
    "pretraining first (full - no pretraining)": ("full", "no pretraining"),
    "the pull (full - no pull)": ("full", "no pull"),
    "pretraining last (pretraining last - full)": ("pretraining last", "full"),
}


@dataclass(frozen=True)
class PipelineBudget:
    """How much training one pipeline run gets (defaults: notebook 07's one-minute budget).

    ``rounds`` rounds, each visiting the kinds in :data:`KINDS` order for ``visit_steps`` Adam
    steps (one optimizer for the whole run, learning rate ``lr`` with a cosine decay, minibatches
    of ``batch_size``); the pull uses ``beta``; pretraining last takes ``late_pretrain_steps``
    causal-LM steps at ``lr``.
    """

    rounds: int = 15
    visit_steps: tuple[int, int, int, int] = (1, 1, 1, 1)
    lr: float = 1e-3
    batch_size: int = 32
    beta: float = 0.01
    late_pretrain_steps: int = 30
    schedule: str = "constant"
    warmup: int = 0

    def __post_init__(self):
        check_int("rounds", self.rounds, min=1)
        steps = self.visit_steps
        if not isinstance(steps, tuple) or len(steps) != len(KINDS):
            raise ValueError(f"visit_steps must be a tuple of {len(KINDS)} ints (one per kind {KINDS}); got {steps!r}")
        for s in steps:
            check_int("visit_steps", s, min=1)
        check_float("lr", self.lr, min=0.0, min_inclusive=False)
        check_int("batch_size", self.batch_size, min=1)
        check_float("beta", self.beta, min=0.0, max=1.0, max_inclusive=False)
        check_int("late_pretrain_steps", self.late_pretrain_steps, min=1)

        check_choice("schedule", self.schedule, SCHEDULES)
        check_int("warmup", self.warmup, min=0)

    @property
    def task_steps(self) -> int:
        """Adam steps on the tasks in one run (all rounds, all kinds)."""
        return self.rounds * sum(self.visit_steps)


def pipeline_data(seed: int = 0, n_test: int = 100, scale: float = 1.0) -> dict[str, tuple]:
    """``{kind: (train task, test task)}`` for the four kinds, generated from ``seed``.

    topic over the eight labelled domains (80 sentences each), sentiment about movies (1,200
    reviews), NER (1,000 sentences) and translation into ``lumo`` (1,500 pairs), all times
    ``scale``; up to ``n_test`` examples of each are held out. The sentences come from a seed
    derived from ``seed`` (never the checkpoints' own seed), and a test sentence that also occurs
    among the run's training inputs, or among the inputs the shipped ``text2text`` checkpoint
    trained on, is dropped: every test sentence is new to every model of the ablation.
    """

    seed = check_seed("seed", seed)
    drawn = derive_seed(seed, "pipeline")
    n_test = check_int("n_test", n_test, min=1)
    scale = check_float("scale", scale, min=0.0, max=1.0, min_inclusive=False)

    def n(size: int) -> int:
        return max(2 * n_test + 16, int(round(size * scale)))

    made = {
        "topic": with_task_prefix(tasks.topic_task(n_per_class=max(4, n(640) // 8), seed=drawn)),
        "sentiment": with_task_prefix(tasks.sentiment_family(domains=["movies"], n_per_task=n(1200), seed=drawn)[0]),
        "ner": tasks.ner_task(n(1000), seed=drawn),
        "translation": with_task_prefix(tasks.translation_family(n_per_task=n(1500), seed=drawn)[0]),
    }
    checkpoint_saw = _checkpoint_inputs()
    out = {}
    for kind, task in made.items():
        train, test = task.train_test_split(min(0.5, 2 * n_test / len(task)), seed=drawn)
        seen = set(train.inputs) | checkpoint_saw
        out[kind] = (train, test.subset([i for i, x in enumerate(test.inputs) if x not in seen][:n_test]))
    return out


@functools.lru_cache(maxsize=1)
def _checkpoint_inputs() -> frozenset:
    """Every input the shipped ``text2text`` checkpoint trained on (its recipe's training splits)."""

    return frozenset(x for train, _ in text2text_splits(RECIPES["text2text"].seed).values() for x in train.inputs)


def starting_model(pretrained: bool):
    """θ₀ of a run: the shipped ``text2text`` checkpoint, or (``False``) the untrained θ₀ that its
    recipe started from (the ``lm`` recipe's first parameters).

    Both share one tokenizer and one architecture, so they differ only by what the checkpoints
    learned: 8,000 causal-LM steps on unlabeled sentences, then 8,000 steps on the four kinds.
    """

    check_type("pretrained", pretrained, bool)
    return load_pretrained("text2text") if pretrained else fresh_model()


def output_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    r"""The model's loss, :math:`-\frac{1}{|O|}\sum_{t \in O}\log p_\theta(w_{t+1}\mid w_{\le t})` over
    the output positions O, computing logits only there.

    The same value as ``model.loss(batch)``; the vocabulary layer, the costliest part of this small
    model, runs on the output tokens instead of every position (``bench/pipeline_loss.py``).
    """

    check_type("model", model, TinyTransformer)
    check_type("batch", batch, dict, "a dict from model.collate(...)")
    if "ids" not in batch or "targets" not in batch:
        raise ValueError(f"batch must hold 'ids' and 'targets' (what model.collate returns); got keys {sorted(batch)}")
    h = model.hidden(batch["ids"])  # (B, T, C)
    targets = batch["targets"]  # (B, T)
    keep = targets != -100  # (B, T)
    logits = model.head(h[keep])  # (N, V)
    return F.cross_entropy(logits, targets[keep])


def _late_pretrain(model, steps: int, lr: float, seed: int) -> None:

    corpus = pretraining_corpus()[:20_000]
    pretrain(model, corpus, steps=steps, lr=lr, seed=seed, progress=False)


def train_pipeline(
    data: Mapping[str, tuple],
    pretrained: bool = True,
    pull: bool = True,
    budget: PipelineBudget | None = None,
    seed: int = 0,
    base=None,
):
    """Steps 4 (first) and 2-3 of the pipeline; returns the trained model (see :func:`run_pipeline`)."""

    _check_data(data)
    check_type("pull", pull, bool)
    budget = PipelineBudget() if budget is None else check_type("budget", budget, PipelineBudget)
    seed = check_seed("seed", seed)
    model = starting_model(pretrained) if base is None else copy.deepcopy(base)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=budget.lr)
    pull_step = ArticlePull(budget.beta) if pull else None
    total, step = budget.task_steps, 0
    model.train()
    for r in range(budget.rounds):
        for t, kind in enumerate(KINDS):
            task = data[kind][0]
            if pull_step is not None:
                pull_step.start_task(model, r * len(KINDS) + t)  # anchor θ_{t-1}: θ when the previous task ended
            for _ in range(budget.visit_steps[t]):
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(step, total, budget.lr, budget.warmup, budget.schedule)
                examples = [task.examples[rng.randrange(len(task))] for _ in range(min(budget.batch_size, len(task)))]
                loss = output_loss(model, model.collate(examples, task.kind))
                if not math.isfinite(float(loss.detach())):
                    raise DivergenceError(f"the pipeline diverged at step {step + 1} on {kind!r}; lower lr={budget.lr:g}",
                                          step=step + 1, loss=float(loss.detach()), lr=budget.lr)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                if pull_step is not None:
                    pull_step.after_step(model)
                step += 1
    model.eval()
    return model


def _check_data(data) -> None:
    check_type("data", data, Mapping, "a dict {kind: (train, test)} from pipeline_data()")
    missing = [k for k in KINDS if k not in data]
    if missing:
        raise ValueError(f"data must hold the kinds {KINDS}; missing {missing}")


def scores(model, data: Mapping[str, tuple]) -> dict[str, float]:
    """``{kind: score on the held-out test task}``: accuracy, entity F1 or corpus BLEU / 100.

    NER and translation decode greedily (:func:`metamap_edu.learn.metrics.score`). Topic and sentiment
    take the label whose word the model ranks highest right after ``<sep>`` (:func:`label_choices`):
    every label word is one token, so one forward pass over the prompts scores them all.
    """

    check_type("model", model, TinyTransformer)
    _check_data(data)
    out = {}
    for kind in KINDS:
        test = data[kind][1]
        if test.kind == "classification" and test.output_space:
            value = accuracy(list(test.outputs), label_choices(model, test.inputs, test.output_space))
        else:
            value = score(model, test)
        out[kind] = round(float(value), 6)
    return out


@torch.no_grad()
def label_choices(model, inputs: Sequence[str], labels: Sequence[str]) -> list[str]:
    r"""For each input, :math:`\arg\max_{y \in \text{labels}} p_\theta(y \mid \text{prefix}\ x\ \texttt{<sep>})`.

    Each label must be a single token of the model's tokenizer (the course's label words are);
    the vocabulary layer runs only on the label tokens at each prompt's last position.
    """

    check_type("model", model, TinyTransformer)
    inputs = check_nonempty("inputs", list(inputs), "at least one input")
    labels = check_nonempty("labels", [str(y) for y in labels], "at least one label")
    tok = model.tokenizer
    ids = [tok.encode(" " + y) for y in labels]
    several = [y for y, i in zip(labels, ids) if len(i) != 1]
    if several:
        raise ValueError(f"labels must each be one token of the model's tokenizer; {several} are not")
    prompts = [model.prompt_ids(x, "classification") for x in inputs]
    T = max(len(p) for p in prompts)
    if T > model.config.context:
        raise ValueError(f"an input needs {T} tokens but config.context={model.config.context}")
    padded = torch.tensor([p + [tok.pad_id] * (T - len(p)) for p in prompts])  # (N, T), padded on the right
    last = torch.tensor([len(p) - 1 for p in prompts])  # (N,) position of <sep>
    was = model.training
    model.eval()
    try:
        h = model.hidden(padded)[torch.arange(len(prompts)), last]  # (N, C)
    finally:
        model.train(was)
    logits = h @ model.head.weight[[i[0] for i in ids]].T  # (N, L): only the label tokens' logits
    return [labels[j] for j in logits.argmax(1).tolist()]


def run_pipeline(
    data: Mapping[str, tuple],
    pretrained: bool = True,
    pull: bool = True,
    pretrain_last: bool = False,
    budget: PipelineBudget | None = None,
    seed: int = 0,
    base=None,
) -> dict[str, float]:
    """One run of the pipeline; returns ``{kind: held-out score}``.

    1. start from :func:`starting_model` (``pretrained``), or from a copy of ``base`` if given;
    2. train on the four ``data`` tasks in rounds (:class:`PipelineBudget`), with the article's
       pull after every step when ``pull``;
    3. when ``pretrain_last``, pretrain afterwards (the article's order):
       ``budget.late_pretrain_steps`` causal-LM steps on unlabeled sentences;

    then score every test task (:func:`scores`). The same ``seed`` gives the same minibatches.
    """
    check_type("pretrain_last", pretrain_last, bool)
    budget = PipelineBudget() if budget is None else check_type("budget", budget, PipelineBudget)
    model = train_pipeline(data, pretrained, pull, budget, seed, base)
    if pretrain_last:
        _late_pretrain(model, budget.late_pretrain_steps, budget.lr, seed)
    return scores(model, data)


def ablation(
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    budget: PipelineBudget | None = None,
    rows: Sequence[str] = tuple(ROWS),
    n_test: int = 60,
    scale: float = 1.0,
    progress: bool = True,
) -> dict[str, dict[str, list[float]]]:
    """Every row of :data:`ROWS` on every seed: ``{row: {kind: [score per seed]}}``.

    Seed s generates its own data (:func:`pipeline_data`) and minibatches, shared by all rows, so
    rows are compared pairwise per seed. "pretraining last" continues a copy of the "full" model of
    the same seed (the same run, then pretraining), so it costs only the pretraining steps.
    """


    seeds = [check_seed("seeds", s) for s in check_nonempty("seeds", check_sequence("seeds", seeds, "a list of seeds"),
                                                            "at least one seed")]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be different from each other; got {seeds}")
    budget = PipelineBudget() if budget is None else check_type("budget", budget, PipelineBudget)
    rows = [check_choice("rows", r, tuple(ROWS))
            for r in check_nonempty("rows", check_sequence("rows", rows, "a list of row names"), "at least one row")]
    out: dict[str, dict[str, list[float]]] = {r: {k: [] for k in KINDS} for r in rows}
    starts = {flag: starting_model(flag) for flag in (True, False)}
    for seed in tqdm(seeds, desc="ablation seeds", disable=bars_disabled(progress), leave=False):
        data = pipeline_data(seed, n_test=n_test, scale=scale)
        trained: dict[tuple[bool, bool], object] = {}  # (pretrained, pull) -> model after the tasks

        def after_tasks(pretrained: bool, pull: bool):
            if (pretrained, pull) not in trained:
                trained[(pretrained, pull)] = train_pipeline(data, pretrained, pull, budget, seed, starts[pretrained])
            return trained[(pretrained, pull)]

        for row in rows:
            pretrained, pull, last = ROWS[row]
            model = after_tasks(pretrained, pull)
            if last:  # the same tasks, then pretraining: continue a copy
                model = copy.deepcopy(model)
                _late_pretrain(model, budget.late_pretrain_steps, budget.lr, seed)
            for kind, value in scores(model, data).items():
                out[row][kind].append(value)
    return out


def contributions(table: Mapping[str, Mapping[str, Sequence[float]]],
                  pairs: Mapping[str, tuple[str, str]] | None = None) -> dict[str, dict]:
    """``{question: {kind: PairedDifference}}``: row A − row B per kind, paired over seeds.

    ``pairs`` maps a name to ``(row A, row B)`` (default :data:`CONTRIBUTIONS`); pairs whose rows
    are not in ``table`` are skipped. Each difference is :func:`metamap_edu.noise.paired_difference`
    of the two rows' per-seed scores (at least 2 seeds).
    """

    check_type("table", table, Mapping, "a dict {row: {kind: [score per seed]}} from ablation()")
    pairs = CONTRIBUTIONS if pairs is None else check_type("pairs", pairs, Mapping)
    out = {}
    for name, (a, b) in pairs.items():
        if a not in table or b not in table:
            continue
        out[name] = {}
        for kind in KINDS:
            xa, xb = list(table[a][kind]), list(table[b][kind])
            if len(xa) != len(xb) or len(xa) < 2:
                raise ValueError(f"rows {a!r} and {b!r} need the same number (>= 2) of seeds for {kind!r}; "
                                 f"got {len(xa)} and {len(xb)}")
            out[name][kind] = paired_difference(xa, xb)
    return out
