"""metamap_edu: a runnable course on meta-learning and pretraining for NLP.

``import metamap_edu as mm`` gives the main names of every module -- ``mm.sentiment_family``,
``mm.fit``, ``mm.MAML``, ``mm.TinyTransformer`` ... -- without importing the modules themselves
until a name is first used (PEP 562 ``__getattr__``): the import stays quick and never pulls in
ipywidgets, matplotlib, transformers or sentence-transformers. Everything else lives in its
module (``metamap_edu.tasks``, ``metamap_edu.train``, ...), one concept per module.
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
    "DOMAINS": "language", "HELD_OUT_DOMAINS": "language", "TARGET_LANGUAGES": "language",
    "corpus": "language",
    # tasks as mappings
    "KINDS": "tasks", "MappingTask": "tasks", "TaskFamily": "tasks", "Episode": "tasks",
    "EpisodeSampler": "tasks", "sample_episode": "tasks", "sentiment_family": "tasks",
    "topic_task": "tasks", "ner_task": "tasks", "translation_family": "tasks",
    "load_classification": "tasks", "load_conll": "tasks", "load_parallel": "tasks",
    # text
    "word_tokenize": "text", "WordVocab": "text", "BPETokenizer": "text", "train_bpe": "text",
    # models
    "LinearMap": "models", "BagOfWordsClassifier": "models", "TokenTagger": "models", "MLP": "models",
    # formula 1 and 2
    "fit": "train", "sgd_step": "train", "DivergenceError": "train", "SequentialTrainer": "train",
    "L2ToPrevious": "train", "ArticlePull": "train", "EWC": "train", "make_regularizer": "train",
    # exact answers
    "least_squares": "closed_form", "ridge_toward": "closed_form",
    # metrics
    "score": "metrics", "accuracy": "metrics", "macro_f1": "metrics", "entity_f1": "metrics",
    "continual_metrics": "metrics",
    # meta-learning
    "MAML": "meta", "Reptile": "meta", "ProtoNet": "meta", "meta_train": "meta", "adapt": "meta",
    "evaluate_adaptation": "meta",
    # pretraining (the function ``pretrain`` is ``metamap_edu.pretrain.pretrain``: the module
    # has the same name)
    "TinyTransformer": "transformer", "TransformerConfig": "transformer",
    "save_checkpoint": "transformer", "load_checkpoint": "transformer",
    "new_pretraining_model": "pretrain",
    # the shipped checkpoints
    "load_pretrained": "pretrained",
    # the one noise rule: a paired 95% interval that must exclude zero
    "paired_difference": "noise",
}

_SUBMODULES = ("language", "tasks", "text", "models", "train", "closed_form", "metrics", "meta",
               "sinusoid", "transformer", "pretrain", "realdata", "viz", "widgets", "exercises",
               "reproducibility", "doctor", "cli", "notebook_runner", "reproduce", "encoders", "hf_bridge",
               "colab", "site", "student", "pretrained", "noise", "routes", "intents", "transfer",
               "classroom", "few_shot", "pipeline")

__all__ = ["__version__", "set_seed", "set_threads", "default_threads", "check_parameters", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'metamap_edu' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


# Kernels started by the test-suite set METAMAP_EDU_BLOCK_NETWORK=1 (see metamap_edu/_netguard.py).
if _os.environ.get("METAMAP_EDU_BLOCK_NETWORK") == "1":
    from . import _netguard

    _netguard.install()
