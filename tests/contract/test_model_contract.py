"""Every course model follows the one model contract of ``metamap_edu.models.contract``.

The walk imports every module of the package and finds every subclass of ``CourseModel``, so a
new model is covered as soon as it exists; ``SMALL`` builds a small instance of each, and a model
with no entry there fails. For each kind a model serves: ``collate`` of two examples gives tensors,
``loss`` is a finite scalar whose gradient reaches the parameters, ``predict`` gives one output per
input in the task's y format, and ``check_model`` accepts it; a kind it does not serve is refused
with a ``ValueError`` naming the kind. Models behind an optional extra skip only when the extra
is not installed.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil

import pytest
import torch
from torch import nn

import metamap_edu as mm
from metamap_edu.models import (CourseModel, LinearMap, TinyTransformer, TransformerConfig, WordVocab, build_tokenizer,
                                check_model, word_tokenize)
from metamap_edu.tasks import KINDS, MappingTask, ner_task, sentiment_family, translation_family
from metamap_edu.tasks import sinusoid_task

#: Top-level modules of the optional extras -> the extra that installs them.
EXTRAS = {"transformers": "hf", "sentence_transformers": "pretrained"}


def _course_models() -> dict[str, type]:
    """Every ``CourseModel`` subclass defined in the package, by class name."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(mm.__path__, "metamap_edu."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (inspect.isclass(obj) and issubclass(obj, CourseModel) and obj is not CourseModel
                    and obj.__module__ == module.__name__):
                assert found.get(obj.__name__, obj) is obj, f"two course models named {obj.__name__}"
                found[obj.__name__] = obj
    return found


MODELS = _course_models()


class Samples:
    """Two-example tasks of every kind, and the small objects the constructors share."""

    def __init__(self):
        sent = sentiment_family(domains=["movies", "books"], n_per_task=12, seed=0)[0]
        labels = sorted(set(sent.outputs))
        two = [next(e for e in sent.examples if e[1] == lab) for lab in labels]  # one example of each label
        ner = ner_task(n=8, seed=0)
        trans = translation_family(n_per_task=8, seed=0)[0]
        self.tasks = {
            "classification": MappingTask("two sentences", "classification", two),
            "tagging": ner.subset([0, 1]),
            "translation": trans.subset([0, 1]),
            "regression": sinusoid_task(1.5, 0.3, n=2, seed=0),
        }
        texts = [x for t in (sent, ner, trans) for x in t.inputs]
        self.vocab = WordVocab(sorted({w for x in texts for w in word_tokenize(x)}))
        self.labels = tuple(labels)
        self.text_tasks = [sent, ner, trans]
        self.bpe = build_tokenizer(texts, self.text_tasks, vocab_size=400)

    def transformer(self, depth: int = 1) -> TinyTransformer:
        return TinyTransformer(self.bpe, TransformerConfig(context=128, width=16, depth=depth, heads=2))


def _tiny_sentence_transformer(tmp_path):
    """A two-layer BERT with a 30-word vocabulary, saved and read back as a sentence-transformers
    model: the real loading and tokenizing path, nothing downloaded."""
    from sentence_transformers import SentenceTransformer, models  # optional extra 'pretrained'
    from transformers import BertConfig, BertModel, BertTokenizer  # optional extra 'hf'

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted({w for x in ("the food was great", "a dull plot")
                                                                     for w in x.split()})
    (tmp_path / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    BertTokenizer(str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    config = BertConfig(vocab_size=len(words), hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=16, max_position_embeddings=32)
    BertModel(config).save_pretrained(tmp_path)
    word = models.Transformer(str(tmp_path))
    return SentenceTransformer(modules=[word, models.Pooling(word.get_word_embedding_dimension())], device="cpu")


#: class name -> (extras it needs, constructor(cls, samples, tmp_path), parts of parameter names its loss never reaches)
SMALL = {
    "LinearMap": ((), lambda cls, s, tmp: cls(1, 1, init="random"), ()),
    "MLP": ((), lambda cls, s, tmp: cls(1, (4,), 1), ()),
    "SinusoidMLP": ((), lambda cls, s, tmp: cls((4, 4)), ()),
    "BagOfWordsClassifier": ((), lambda cls, s, tmp: cls(s.vocab, s.labels), ()),
    "TokenTagger": ((), lambda cls, s, tmp: cls.for_tasks(s.text_tasks[1:2]), ()),
    "TinyTransformer": ((), lambda cls, s, tmp: cls(s.bpe, TransformerConfig(context=128, width=16, depth=1, heads=2)), ()),
    # the probe reads the hidden states after PROBE_LAYERS = 1 of the encoder's 2 blocks
    "PrototypeClassifier": ((), lambda cls, s, tmp: cls(s.transformer(depth=2), s.tasks["classification"].examples),
                            ("encoder.blocks.1.",)),
    "HFClassifier": (("transformers",), lambda cls, s, tmp: cls(s.bpe, s.labels), ()),
    "DenseBagOfWords": ((), lambda cls, s, tmp: cls(s.vocab, s.labels, embed_dim=4), ()),
    "SentenceClassifier": (("transformers", "sentence_transformers"),
                           lambda cls, s, tmp: cls(_tiny_sentence_transformer(tmp), s.labels), ("pooler.",)),  # BERT's pooler: mean pooling is used
}


@pytest.fixture(scope="module")
def samples():
    return Samples()


def _build(name, samples, tmp_path):
    if name not in SMALL:
        pytest.fail(f"{name} has no small constructor in SMALL")
    extras, make, _ = SMALL[name]
    missing = [m for m in extras if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{name} needs the optional extra {EXTRAS[missing[0]]!r}")
    torch.manual_seed(0)
    return make(MODELS[name], samples, tmp_path)


def _check_y(kind: str, x, y, task: MappingTask) -> None:
    """``y`` is an output in the y format of ``kind`` for input ``x``."""
    if kind == "regression":
        assert isinstance(y, tuple) and len(y) == len(task.examples[0][1]) and all(isinstance(v, float) for v in y), y
    elif kind == "classification":
        assert isinstance(y, str) and y in task.output_space, y
    elif kind == "tagging":
        assert isinstance(y, tuple) and len(y) == len(x.split()) and all(isinstance(t, str) and t for t in y), y
    else:
        assert isinstance(y, str), y


def test_the_walk_finds_every_course_model():
    expected = {"LinearMap", "MLP", "SinusoidMLP", "BagOfWordsClassifier", "TokenTagger", "TinyTransformer",
                "PrototypeClassifier", "HFClassifier"}
    assert expected <= set(MODELS), f"not found by the walk: {sorted(expected - set(MODELS))}"


def test_every_course_model_has_a_small_constructor():
    missing = sorted(set(MODELS) - set(SMALL))
    assert not missing, f"course models with no entry in SMALL (add a small constructor): {missing}"


def _check_contract(model, samples, unreached=()) -> None:
    """Assert everything the module docstring promises about ``model`` (``unreached``: parts of
    parameter names its loss never reaches)."""
    name = type(model).__name__
    assert model.kinds and set(model.kinds) <= set(KINDS), model.kinds
    assert check_model(model) is model
    for kind in model.kinds:
        task = samples.tasks[kind]
        assert check_model(model, kind) is model
        batch = model.collate(list(task.examples), kind)
        assert isinstance(batch, dict) and batch and all(isinstance(v, torch.Tensor) for v in batch.values()), batch
        model.zero_grad(set_to_none=True)
        loss = model.loss(batch)
        assert isinstance(loss, torch.Tensor) and loss.dim() == 0 and torch.isfinite(loss), loss
        loss.backward()
        for pname, p in model.named_parameters():
            if not p.requires_grad or any(part in pname for part in unreached):
                continue
            assert p.grad is not None, f"{name}.loss does not reach {pname} ({kind})"
            assert torch.isfinite(p.grad).all(), f"{name}: non-finite gradient for {pname}"
        assert any(float(p.grad.abs().sum()) > 0 for p in model.parameters() if p.grad is not None), f"{name}: zero gradient"
        pred = model.predict(list(task.inputs), kind)
        assert len(pred) == len(task.inputs)
        for x, y in zip(task.inputs, pred):
            _check_y(kind, x, y, task)
    for kind in set(KINDS) - set(model.kinds):
        task = samples.tasks[kind]
        with pytest.raises(ValueError, match=repr(kind)):
            model.collate(list(task.examples), kind)
        with pytest.raises(ValueError, match=repr(kind)):
            model.predict(list(task.inputs), kind)
        with pytest.raises(ValueError, match=repr(kind)):
            check_model(model, kind)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_follows_the_contract(name, samples, tmp_path):
    _check_contract(_build(name, samples, tmp_path), samples, SMALL[name][2])


class _DropsOne(LinearMap):
    """A model that breaks the contract: one prediction short."""

    def predict(self, inputs, kind="regression"):
        return super().predict(inputs, kind)[:-1]


class _ServesAnything(LinearMap):
    """A model that breaks the contract: no kind is ever refused."""

    kinds = ("regression",)

    def collate(self, examples, kind="regression"):
        return super().collate([((0.0,), (0.0,))], "regression")

    def predict(self, inputs, kind="regression"):
        return [(0.0,) for _ in inputs]


@pytest.mark.parametrize("broken", [_DropsOne, _ServesAnything])
def test_the_contract_check_catches_a_broken_model(broken, samples):
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        _check_contract(broken(1, 1), samples)


@pytest.mark.parametrize("name", sorted(n for n, c in MODELS.items() if callable(getattr(c, "embed", None))))
def test_embed_has_one_signature_and_reads_raw_inputs(name, samples, tmp_path):
    """``embed(inputs, kind="classification")``: raw inputs in, one differentiable row per input out."""
    model = _build(name, samples, tmp_path)
    params = list(inspect.signature(model.embed).parameters.values())
    assert [p.name for p in params[:2]] == ["inputs", "kind"] and params[1].default == "classification", params
    inputs = list(samples.tasks["classification"].inputs)
    z = model.embed(inputs)
    assert isinstance(z, torch.Tensor) and z.dim() == 2 and z.shape[0] == len(inputs) and z.requires_grad


def test_check_model_refuses_a_plain_module_and_a_model_with_nothing_to_train():
    with pytest.raises(TypeError, match="course model contract"):
        check_model(nn.Linear(1, 1))
    frozen = LinearMap(1, 1)
    frozen.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        check_model(frozen)

