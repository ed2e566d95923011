"""The pretrained checkpoints shipped with the package, and the recipes that reproduce them.

A 60-second run in a notebook gives a model that has barely started to learn. So the package ships
three small :class:`~metamap_edu.models.transformer.TinyTransformer` checkpoints in
``metamap_edu/checkpoints/`` (about 1 MB each), and every one of them is rebuilt, from its seed,
by ``metamap-edu pretrain``:

* ``lm`` -- pretrained with the causal objective (:func:`metamap_edu.learn.pretraining.pretrain`) on the
  unlabeled :func:`metamap_edu.tasks.corpus`, which covers the held-out domains too. It has
  never seen a label. Notebook 06 fine-tunes it on a held-out sentiment domain.
* ``text2text`` -- ``lm`` trained further on all four task kinds at once
  (:func:`metamap_edu.learn.fit_multitask`): topic, sentiment over the eight labelled domains,
  NER, and translation into one toy language, each written as ``<prefix> x <sep> y <eos>``.
  Notebook 07 scores it on held-out examples of every kind.
* ``intents`` -- pretrained with the causal objective on the coherent unlabeled documents of
  :func:`metamap_edu.tasks.intents.intent_corpus` (every domain, held-out ones included; no labels),
  with its own whole-word tokenizer. ``bench/world_effects.py`` measures what it carries to
  held-out intent classes (:mod:`metamap_edu.experiments.transfer`).

Nothing is downloaded: the files are package data, read with ``torch.load(weights_only=True)``.
Each file records its :class:`Recipe` and the losses of its first steps, so a test can re-run the
start of the recipe and check that the shipped file came from this code (``tests/unit/experiments/test_checkpoints.py``),
and a recipe changed without rebuilding its file is refused with a message saying what to run.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .._checks import check_choice, check_int, check_type
from .. import tasks
from ..learn import fit_multitask, new_pretraining_model, pretrain, sample_efficiency, score
from ..models import (TinyTransformer, TransformerConfig, checkpoint_meta, load_checkpoint, save_checkpoint,
                      with_task_prefix)
from ..tasks import corpus, intent_corpus

__all__ = [
    "Recipe",
    "RECIPES",
    "NAMES",
    "CORPORA",
    "CHECKPOINT_DIR",
    "MAX_TOTAL_BYTES",
    "checkpoint_path",
    "recipe_fingerprint",
    "text2text_splits",
    "pretraining_corpus",
    "fresh_model",
    "build",
    "load_pretrained",
    "checkpoint_info",
    "save",
    "held_out_scores",
    "TEXT2TEXT_TARGETS",
    "held_out_sentiment_split",
    "k_shot_curves",
]

#: Where the shipped checkpoints live (package data).
CHECKPOINT_DIR = Path(__file__).resolve().parent.parent / "checkpoints"
#: The size limit for everything in CHECKPOINT_DIR (the course ships at most 5 MB of weights).
MAX_TOTAL_BYTES = 5 * 1024 * 1024
#: How many first-step losses a checkpoint records for the reproduction test.
RECORDED_STEPS = 40


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a shipped checkpoint: data, model size, optimizer, seed.

    ``base`` names the checkpoint this one starts from (``None``: a fresh model with the
    ``lm`` tokenizer recipe). ``task_cycle`` lists, for ``text2text``, the task of each step of
    one round-robin cycle (a task listed three times gets three times the steps).
    """

    name: str
    seed: int = 0
    width: int = 64
    depth: int = 2
    heads: int = 4
    context: int = 64
    tie_embeddings: bool = True
    vocab_size: int = 2400
    corpus_size: int = 100_000
    tokenizer_corpus: int = 20_000
    steps: int = 8000
    batch_size: int = 32
    lr: float = 3e-3
    warmup: int = 200
    schedule: str = "cosine"
    base: str | None = None
    task_cycle: tuple[str, ...] = field(default_factory=tuple)
    corpus: str = "language"  # "language": language.corpus sentences; "intents": intents.intent_corpus documents

    def fast(self) -> "Recipe":
        """The same recipe with a hundredth of the steps (at least 30): for smoke tests."""
        return Recipe(**{**asdict(self), "steps": max(30, self.steps // 100), "warmup": 10,
                         "task_cycle": tuple(self.task_cycle)})


RECIPES: dict[str, Recipe] = {
    "lm": Recipe("lm", steps=8000, lr=3e-3),
    "text2text": Recipe("text2text", base="lm", steps=8000, lr=3e-3,
                        task_cycle=("topic", "sentiment", "sentiment", "sentiment", "ner", "translation/lumo")),
    "intents": Recipe("intents", corpus="intents", vocab_size=1500, corpus_size=40_000, tokenizer_corpus=20_000,
                      steps=2500, lr=3e-3),
}
#: The corpora a recipe can pretrain on.
CORPORA = ("language", "intents")
NAMES = tuple(RECIPES)

# sizes of the text-to-text data (examples before the 90/10 train/test split)
_T2T_SIZES = {"topic_per_class": 150, "sentiment_per_domain": 2000, "ner": 1500, "translation": 3000}


def _check_name(name: str) -> str:
    check_type("name", name, str)
    return check_choice("name", name, NAMES)


def checkpoint_path(name: str) -> Path:
    """The shipped file of checkpoint ``name`` (``lm``, ``text2text`` or ``intents``)."""
    return CHECKPOINT_DIR / f"{_check_name(name)}.pt"


def recipe_fingerprint(recipe: Recipe) -> str:
    """SHA-256 (first 16 hex digits) of the recipe's fields and of the data sizes it uses."""
    check_type("recipe", recipe, Recipe)
    fields_ = asdict(recipe)
    if fields_["corpus"] == "language":  # recipes older than the field keep their fingerprint
        del fields_["corpus"]
    text = json.dumps({"recipe": fields_, "t2t_sizes": _T2T_SIZES}, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def pretraining_corpus(recipe: Recipe | None = None) -> list[str]:
    """The unlabeled texts a recipe pretrains on: :func:`metamap_edu.tasks.corpus` sentences, or
    for ``corpus="intents"`` the coherent documents of :func:`metamap_edu.tasks.intents.intent_corpus`."""
    if recipe is not None:
        check_type("recipe", recipe, Recipe)

    recipe = recipe or RECIPES["lm"]
    check_choice("recipe.corpus", recipe.corpus, CORPORA)
    if recipe.corpus == "intents":
        return intent_corpus(recipe.corpus_size, seed=recipe.seed)
    return corpus(recipe.corpus_size, seed=recipe.seed)


def text2text_splits(seed: int = 0, scale: float = 1.0) -> dict[str, tuple]:
    """``{task name: (train, test)}`` for the four kinds the ``text2text`` checkpoint learns.

    topic (8 domains), sentiment (all eight labelled domains pooled under ``<sentiment>``), NER
    and translation into ``lumo``; each split 90/10 with ``seed``, and a test sentence that also
    occurs among the training inputs is dropped. The test parts are held-out examples of seen task
    families: the ``text2text`` checkpoint never trained on them.
    ``scale`` shrinks every size (for quick tests).
    """

    def n(key: str, least: int) -> int:
        return max(least, int(round(_T2T_SIZES[key] * scale)))

    topic = with_task_prefix(tasks.topic_task(n_per_class=n("topic_per_class", 10), seed=seed))
    sentiment = tasks.MappingTask(
        "sentiment", "classification",
        [e for t in tasks.sentiment_family(n_per_task=n("sentiment_per_domain", 10), seed=seed)
         for e in with_task_prefix(t).examples])
    ner = tasks.ner_task(n("ner", 20), seed=seed)
    translation = with_task_prefix(tasks.translation_family(n_per_task=n("translation", 20), seed=seed)[0])
    out = {}
    for task in (topic, sentiment, ner, translation):
        train, test = task.train_test_split(0.1, seed=seed)
        seen = set(train.inputs)  # short generated sentences repeat: keep only inputs never trained on
        out[task.name] = (train, test.subset([i for i, x in enumerate(test.inputs) if x not in seen]))
    return out


def fresh_model(recipe: Recipe | None = None):
    """An untrained model with the shipped checkpoints' tokenizer and config, initialized from the seed.

    It starts from exactly the θ₀ that the ``lm`` recipe starts from, so "from scratch" against
    "pretrained" differs only in the pretraining.
    """
    if recipe is not None:
        check_type("recipe", recipe, Recipe)

    recipe = recipe or RECIPES["lm"]
    corpus = pretraining_corpus(recipe)[: recipe.tokenizer_corpus]
    # the lm tokenizer also reads the text2text tasks (labels, tags, target words); the intents one only its corpus
    train_tasks = [train for train, _ in text2text_splits(recipe.seed).values()] if recipe.corpus == "language" else []
    config = TransformerConfig(context=recipe.context, width=recipe.width, depth=recipe.depth, heads=recipe.heads,
                               tie_embeddings=recipe.tie_embeddings)
    return new_pretraining_model(corpus, train_tasks, config=config, vocab_size=recipe.vocab_size, seed=recipe.seed)


def build(name: str, fast: bool = False, stop_after: int | None = None, base=None, progress: bool = True):
    """Run the recipe of checkpoint ``name`` from its seed; return ``(model, losses)``.

    ``fast`` runs :meth:`Recipe.fast`; ``stop_after`` stops after that many steps with the full
    recipe's learning-rate schedule (so its losses are the first losses of the full run).
    ``base`` is the model a recipe with a ``base`` starts from (default: the shipped file).
    """

    recipe = RECIPES[_check_name(name)]
    if fast:
        recipe = recipe.fast()
    if recipe.base is None:
        model = fresh_model(recipe)
        result = pretrain(model, pretraining_corpus(recipe), objective="causal", steps=recipe.steps,
                          batch_size=recipe.batch_size, lr=recipe.lr, seed=recipe.seed, progress=progress,
                          schedule=recipe.schedule, stop_after=stop_after)
        return model, result.losses
    model = copy.deepcopy(base) if base is not None else load_pretrained(recipe.base)
    splits = text2text_splits(recipe.seed)
    cycle = [splits[t][0] for t in recipe.task_cycle]
    torch.manual_seed(recipe.seed)
    losses = fit_multitask(model, cycle, steps=recipe.steps, lr=recipe.lr, batch_size=recipe.batch_size,
                           seed=recipe.seed, progress=progress, warmup=recipe.warmup, schedule=recipe.schedule,
                           stop_after=stop_after)
    return model, losses


def save(name: str, model, losses: Sequence[float], out_dir: str | Path | None = None) -> Path:
    """Write ``model`` as checkpoint ``name`` with its recipe, fingerprint and first losses."""

    recipe = RECIPES[_check_name(name)]
    out = Path(out_dir) if out_dir is not None else CHECKPOINT_DIR
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.pt"
    tail = list(losses[-max(1, len(losses) // 10):])  # the last 10 % of steps
    meta = {
        "name": name,
        "fingerprint": recipe_fingerprint(recipe),
        "recipe": json.dumps(asdict(recipe), sort_keys=True),
        "first_losses": [float(x) for x in losses[:RECORDED_STEPS]],
        "final_loss": float(sum(tail) / len(tail)),
        "steps": len(losses),
        "torch": str(torch.__version__),
    }
    save_checkpoint(model, path, meta=meta)
    return path


def checkpoint_info(name: str, path: str | Path | None = None) -> dict:
    """The metadata a checkpoint file records (recipe, fingerprint, first and final losses)."""

    return checkpoint_meta(path if path is not None else checkpoint_path(name))


def load_pretrained(name: str):
    """The shipped checkpoint ``name`` as a :class:`~metamap_edu.models.transformer.TinyTransformer`.

    Raises ``FileNotFoundError`` if the file is missing and ``ValueError`` if it was made by a
    different recipe than the one in :data:`RECIPES` -- both saying to run ``metamap-edu pretrain``.
    """

    path = checkpoint_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"the shipped checkpoint {name!r} is missing ({path.name}); "
                                f"rebuild it with `metamap-edu pretrain {name}`")
    info = checkpoint_info(name, path)
    want = recipe_fingerprint(RECIPES[name])
    if info.get("fingerprint") != want:
        raise ValueError(f"the shipped checkpoint {name!r} was made by another recipe (fingerprint "
                         f"{info.get('fingerprint')!r}, the code's recipe is {want!r}); "
                         f"rebuild it with `metamap-edu pretrain {name}`")
    return load_checkpoint(path)


#: The scores the ``text2text`` checkpoint must reach on held-out examples (BLEU on a 0-1 scale).
TEXT2TEXT_TARGETS = {"topic": 0.9, "sentiment": 0.9, "ner": 0.8, "translation/lumo": 0.5}


def held_out_scores(model, seed: int = 0, limit: int | None = None) -> dict[str, float]:
    """``{task: score}`` of ``model`` on the held-out test halves of :func:`text2text_splits`.

    Accuracy for topic and sentiment, entity F1 for NER, corpus BLEU / 100 for translation
    (:func:`metamap_edu.learn.metrics.score`). ``limit`` scores only the first ``limit`` test examples
    of each task.
    """

    check_type("model", model, TinyTransformer, "a TinyTransformer (e.g. load_pretrained('text2text'))")

    out = {}
    for name, (_, test) in text2text_splits(seed).items():
        if limit is not None:
            test = test.subset(range(min(check_int("limit", limit, min=1), len(test))))
        out[name] = float(score(model, test))
    return out


def held_out_sentiment_split(seed: int = 0, n_test: int = 120):
    """``(pool, test)`` of the held-out ``music`` sentiment task (never labelled in any recipe).

    240 sentences, half of each label, split in two: ``pool`` to draw K-shot supports from and the
    first ``n_test`` of the other half to score on. Notebook 06's sample-efficiency curve.
    """

    family = tasks.sentiment_family(n_per_task=240, seed=seed)
    pool, test = with_task_prefix(family.held_out[0]).train_test_split(0.5, seed=seed)
    return pool, test.subset(range(min(check_int("n_test", n_test, min=1), len(test))))


def k_shot_curves(models: dict, ks: Sequence[int] = (1, 5, 10, 50), seeds: Sequence[int] = (0, 1, 2, 3),
                  steps: int = 30, lr: float = 1e-3, seed: int = 0, progress: bool = True) -> dict[str, list[float]]:
    """K-shot fine-tuning accuracy on the held-out sentiment domain, per model and K.

    Every model gets the same supports (one per seed in ``seeds``), the same ``steps`` Adam steps at
    ``lr`` and the same test sentences (:func:`metamap_edu.learn.sample_efficiency` on
    :func:`held_out_sentiment_split`); each figure is the mean over ``seeds``.
    """

    pool, test = held_out_sentiment_split(seed)
    return sample_efficiency(models, pool, test, ks=ks, steps=steps, lr=lr, seeds=seeds, progress=progress)
