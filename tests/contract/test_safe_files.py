"""Safe files: nothing the course reads can run code.

* every ``torch.load`` in the package passes ``weights_only=True``; ``np.load`` passes
  ``allow_pickle=False``; no ``pickle``/``marshal``/``eval``/``exec`` reads anything;
* a crafted checkpoint whose unpickling would run code is refused with a clear error, and the
  code never runs (a marker file is never created);
* a truncated checkpoint, or a file that is not a checkpoint at all, is refused clearly;
* the text loaders treat file contents as text, never as code.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

import metamap_edu as mm
from metamap_edu import models
from metamap_edu.models import transformer

PACKAGE = Path(mm.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _dotted(func: ast.AST) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant):
            return kw.value.value
    return "missing"


def test_the_package_sources_are_found():
    assert len(SOURCES) > 10


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_loads_never_unpickle_or_evaluate(path):
    problems = []
    for call in _calls(path):
        name = _dotted(call.func)
        where = f"{path.name}:{call.lineno}"
        if name in ("torch.load", "torch.serialization.load") and _keyword(call, "weights_only") is not True:
            problems.append(f"{where}: {name} without weights_only=True")
        if name in ("np.load", "numpy.load") and _keyword(call, "allow_pickle") is not False:
            problems.append(f"{where}: {name} without allow_pickle=False")
        if name in ("pickle.load", "pickle.loads", "marshal.load", "marshal.loads", "dill.load", "yaml.load",
                    "torch.jit.load", "eval", "exec"):
            problems.append(f"{where}: {name}(...) can execute code from data")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def tiny_model():
    texts = mm.corpus(40, seed=0)
    tok = models.build_tokenizer(texts, vocab_size=420)
    torch.manual_seed(0)
    config = transformer.TransformerConfig(context=16, width=16, depth=1, heads=2, mlp_ratio=2)
    return transformer.TinyTransformer(tok, config)


class _RunsCodeWhenUnpickled:
    """Unpickling this calls ``open(marker, "w")``: harmless, but it would prove code ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_checkpoint_is_refused_and_runs_nothing(tmp_path, tiny_model):
    marker = tmp_path / "code-ran.txt"
    path = tmp_path / "crafted.pt"
    good = {"format": transformer._CHECKPOINT_FORMAT, "config": {}, "tokenizer": tiny_model.tokenizer.to_dict(),
            "state_dict": tiny_model.state_dict()}
    torch.save({**good, "payload": _RunsCodeWhenUnpickled(str(marker))}, path)
    with pytest.raises(ValueError, match=r"crafted\.pt.*not a readable TinyTransformer checkpoint"):
        transformer.load_checkpoint(path)
    assert not marker.exists(), "loading the crafted checkpoint executed code"
    # the file really is a trap: an unsafe load (weights_only=False) would have run the code
    handle = torch.load(path, weights_only=False)["payload"]
    handle.close()
    assert marker.exists()


def test_a_truncated_checkpoint_is_refused(tmp_path, tiny_model):
    path = tmp_path / "model.pt"
    transformer.save_checkpoint(tiny_model, path)
    restored = transformer.load_checkpoint(path, like=tiny_model)  # the intact file loads
    assert all(torch.equal(a, b) for a, b in zip(restored.state_dict().values(), tiny_model.state_dict().values()))
    data = path.read_bytes()
    for cut in (len(data) // 2, 100, 0):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"model\.pt.*not a readable TinyTransformer checkpoint"):
            transformer.load_checkpoint(path)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("just some text\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable TinyTransformer checkpoint"):
        transformer.load_checkpoint(path)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)  # a valid torch file of another format
    with pytest.raises(ValueError, match="not a TinyTransformer checkpoint"):
        transformer.load_checkpoint(other)
    with pytest.raises(FileNotFoundError):
        transformer.load_checkpoint(tmp_path / "missing.pt")


def test_text_loaders_read_code_as_plain_text(tmp_path):
    marker = tmp_path / "code-ran.txt"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    csv_path = tmp_path / "data.csv"
    csv_path.write_text(f'text,label\n"{code}",a\nfine,b\n', encoding="utf-8")
    task = mm.load_classification(csv_path)
    assert code in task.inputs
    jsonl = tmp_path / "data.jsonl"
    jsonl.write_text('{"text": "__import__(\'os\')", "label": "a"}\n{"text": "ok", "label": "b"}\n', encoding="utf-8")
    assert "__import__('os')" in mm.load_classification(jsonl).inputs
    assert not marker.exists()
