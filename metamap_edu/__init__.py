"""metamap_edu: a runnable course on meta-learning and pretraining for NLP.

The package is in layers, each a subpackage that may use only the layers before it:

* the foundation: ``_checks`` (argument checks), ``_progress``, ``noise`` (the course's one noise
  rule) and ``reproducibility`` (seeds and threads);
* ``tasks``: what is learned -- the generated language, tasks as mappings, families, splits;
* ``models``: what learns -- the model contract and the course models;
* ``learn``: how it learns -- formula 1 and 2, meta-learning, pretraining, metrics;
* ``real``: real data and real models;
* ``experiments``: the measurements the notebooks run;
* ``course``: plots, widgets and exercise checks;
* ``tools``: the ``metamap-edu`` command and what runs the course.

``import metamap_edu as mm`` gives the most used names -- ``mm.fit``, ``mm.MAML``,
``mm.paired_difference`` ... -- and the subpackages (``mm.tasks``, ``mm.course``), importing each
only when first used (PEP 562 ``__getattr__``), so ``import metamap_edu`` stays quick and never
pulls in ipywidgets, matplotlib or transformers. A subpackage's ``__all__`` is the names of its
modules' ``__all__``: ``from metamap_edu.learn import fit``.
"""
from __future__ import annotations

import importlib
import os as _os

from ._checks import check_parameters
from .reproducibility import default_threads, set_seed, set_threads

__version__ = "0.1.0"

# public name -> the module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    # the generated language
    "DOMAINS": "tasks.lexicon", "HELD_OUT_DOMAINS": "tasks.lexicon", "TARGET_LANGUAGES": "tasks.toy_languages",
    "corpus": "tasks.grammar",
    # tasks as mappings
    "KINDS": "tasks.mapping", "MappingTask": "tasks.mapping", "TaskFamily": "tasks.families", "Episode": "tasks.episodes",
    "EpisodeSampler": "tasks.episodes", "sample_episode": "tasks.episodes", "sentiment_family": "tasks.families",
    "topic_task": "tasks.families", "ner_task": "tasks.families", "translation_family": "tasks.families",
    "load_classification": "tasks.loaders", "load_conll": "tasks.loaders", "load_parallel": "tasks.loaders",
    # text
    "word_tokenize": "models.tokenizers", "WordVocab": "models.tokenizers", "BPETokenizer": "models.tokenizers", "train_bpe": "models.tokenizers",
    # models
    "LinearMap": "models.linear", "BagOfWordsClassifier": "models.bag_of_words", "TokenTagger": "models.tagger", "MLP": "models.linear",
    # formula 1 and 2
    "fit": "learn.fit", "sgd_step": "learn.fit", "DivergenceError": "learn.fit", "SequentialTrainer": "learn.sequential",
    "L2ToPrevious": "learn.regularizers", "ArticlePull": "learn.regularizers", "EWC": "learn.regularizers", "make_regularizer": "learn.regularizers",
    # exact answers
    "least_squares": "learn.closed_form", "ridge_toward": "learn.closed_form",
    # metrics
    "score": "learn.metrics", "accuracy": "learn.metrics", "macro_f1": "learn.metrics", "entity_f1": "learn.metrics",
    "continual_metrics": "learn.metrics",
    # meta-learning
    "MAML": "learn.maml", "Reptile": "learn.reptile", "ProtoNet": "learn.protonet", "meta_train": "learn.meta_training", "adapt": "learn.functional",
    "evaluate_adaptation": "learn.meta_training",
    # pretraining (the function ``pretrain`` is ``metamap_edu.learn.pretraining.pretrain``: the module
    # has the same name)
    "TinyTransformer": "models.transformer", "TransformerConfig": "models.transformer",
    "save_checkpoint": "models.transformer", "load_checkpoint": "models.transformer",
    "new_pretraining_model": "learn.pretraining",
    # the shipped checkpoints
    "load_pretrained": "experiments.checkpoints",
    # the one noise rule: a paired 95% interval that must exclude zero
    "paired_difference": "noise", "PairedDifference": "noise", "mean_interval": "noise",
    "t_quantile_975": "noise", "HELPS": "noise", "HURTS": "noise", "NO_DIFFERENCE": "noise",
    # threads
    "free_cores": "reproducibility", "report_threads": "reproducibility",
}

_SUBPACKAGES = ("tasks", "models", "learn", "real", "experiments", "course", "tools")

__all__ = ["__version__", "set_seed", "set_threads", "default_threads", "check_parameters", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'metamap_edu' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBPACKAGES))


# Kernels started by the test-suite set METAMAP_EDU_BLOCK_NETWORK=1 (see metamap_edu/tools/_netguard.py).
if _os.environ.get("METAMAP_EDU_BLOCK_NETWORK") == "1":
    from .tools import _netguard

    _netguard.install()
