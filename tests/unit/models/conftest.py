"""Fixtures of the models tests: three small text tasks, their tokenizer and a small TinyTransformer."""
import pytest
import torch

from metamap_edu.models.text2text import build_tokenizer, with_task_prefix
from metamap_edu.models.transformer import TinyTransformer, TransformerConfig
from metamap_edu import tasks as tasks
from metamap_edu import tasks as language

SMALL = TransformerConfig(context=48, width=32, depth=1, heads=2)


@pytest.fixture(scope="module")
def small_tasks():
    sent = with_task_prefix(tasks.sentiment_family(domains=["movies", "hotels"], n_per_task=40, seed=0)[0])
    ner = tasks.ner_task(n=30, seed=0)
    trans = with_task_prefix(tasks.translation_family(n_per_task=30, seed=0)[0])
    return {"classification": sent, "tagging": ner, "translation": trans}


@pytest.fixture(scope="module")
def tokenizer(small_tasks):
    return build_tokenizer(language.corpus(300, seed=0), list(small_tasks.values()), vocab_size=900)


@pytest.fixture()
def model(tokenizer):
    torch.manual_seed(0)
    return TinyTransformer(tokenizer, SMALL)
