"""Loaders for the user's own data; every sample file is written by the test itself."""
from __future__ import annotations

import json

import pytest

from metamap_edu.tasks import loaders as T
from metamap_edu.tasks.loaders import from_hf_dataset, load_classification, load_conll, load_parallel


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- classification


def test_csv_tsv_jsonl(tmp_path):
    csv_path = _write(tmp_path, "reviews.csv",
                      'text,label,id\n"great food, friendly staff",pos,1\ncold soup,neg,2\n\nslow service,neg,3\n')
    task = load_classification(csv_path)
    assert task.name == "reviews" and task.kind == "classification"
    assert task.examples == (("great food, friendly staff", "pos"), ("cold soup", "neg"), ("slow service", "neg"))
    assert task.labels == ("neg", "pos")
    assert task.metadata["format"] == "csv" and task.metadata["source"] == "reviews.csv"

    tsv_path = _write(tmp_path, "r.tsv", "sentence\ttopic\nthe striker scored\tsports\nthe novel\tbooks\n")
    task = load_classification(tsv_path, text_column="sentence", label_column="topic", name="mine")
    assert task.name == "mine" and task.labels == ("books", "sports")

    rows = [{"text": "loved it", "label": 1}, {"text": "hated it", "label": 0}, {"text": "ok", "label": "1"}]
    jsonl = _write(tmp_path, "r.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    task = load_classification(jsonl)
    assert task.outputs == ["1", "0", "1"]

    odd = _write(tmp_path, "data.txt", "text,label\na,x\nb,y\n")
    assert len(load_classification(odd, format="csv")) == 2


def test_loaders_never_evaluate(tmp_path):
    payload = "__import__('os').system('echo hacked')"
    path = _write(tmp_path, "evil.csv", f'text,label\n"{payload}",a\nfine,b\n')
    assert load_classification(path).inputs[0] == payload


def test_utf8_bom_and_other_encodings(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefftext,label\ncafé au lait,a\nthé,b\n".encode("utf-8"))
    assert load_classification(path).inputs[0] == "café au lait"
    latin = _write(tmp_path, "latin.csv", "text,label\ncafé,a\nthé,b\n", encoding="latin-1")
    assert load_classification(latin, encoding="latin-1").inputs == ["café", "thé"]


@pytest.mark.parametrize(
    "name, content, kwargs, exc, pattern",
    [
        ("empty.csv", "", {}, ValueError, "is empty"),
        ("blank.csv", "  \n\n", {}, ValueError, "is empty"),
        ("commas.csv", ",,\n", {}, ValueError, "is empty"),
        ("header.csv", "text,label\n", {}, ValueError, "no examples"),
        ("nocol.csv", "sentence,label\na,x\n", {}, ValueError, "^text_column='text' is not a column"),
        ("nolab.csv", "text,y\na,x\n", {}, ValueError, "^label_column='label' is not a column"),
        ("emptylab.csv", "text,label\na,x\nb,\n", {}, ValueError, "line 3: empty label"),
        ("emptytext.csv", "text,label\na,x\n ,y\n", {}, ValueError, "line 3: empty text"),
        ("ragged.csv", "text,label\na,x\nb,y,z\n", {}, ValueError, "line 3: expected 2 fields"),
        ("one.csv", "text,label\na,x\nb,x\n", {}, ValueError, "only one label 'x'"),
        ("bad.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": \n', {}, ValueError, "line 2 is not valid JSON"),
        ("list.jsonl", '["a", "x"]\n', {}, ValueError, "line 1 must be a JSON object"),
        ("key.jsonl", '{"sentence": "a", "label": "x"}\n', {}, ValueError, "^text_column='text' is not a key"),
        ("null.jsonl", '{"text": "a", "label": null}\n', {}, ValueError, "empty label"),
        ("nested.jsonl", '{"text": "a", "label": [1]}\n', {}, ValueError, "must be a str or an int"),
        ("notext.jsonl", '{"text": 5, "label": "x"}\n', {}, ValueError, "non-empty string"),
        ("data.xml", "<a/>", {}, ValueError, "^format must be given"),
        ("data.csv", "text,label\na,x\n", {"format": "xml"}, ValueError, "^format"),
        ("data.csv", "text,label\na,x\n", {"text_column": 0}, TypeError, "^text_column"),
        ("data.csv", "text,label\na,x\n", {"encoding": "no-such-codec"}, ValueError, "^encoding"),
    ],
)
def test_classification_errors(tmp_path, name, content, kwargs, exc, pattern):
    path = _write(tmp_path, name, content)
    with pytest.raises(exc, match=pattern):
        load_classification(path, **kwargs)


def test_bad_encoding_names_file_and_encoding(tmp_path):
    path = _write(tmp_path, "latin.csv", "text,label\ncafé,a\nthé,b\n", encoding="latin-1")
    with pytest.raises(ValueError) as info:
        load_classification(path)
    message = str(info.value)
    assert "latin.csv" in message and "utf-8" in message and "encoding=" in message


def test_missing_path_and_wrong_types(tmp_path):
    with pytest.raises(FileNotFoundError, match="^path"):
        load_classification(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="^path must be a file"):
        load_classification(tmp_path)
    with pytest.raises(TypeError, match="^path"):
        load_classification(42)


# ---------------------------------------------------------------- CoNLL


def test_conll(tmp_path):
    path = _write(tmp_path, "ner.conll",
                  "-DOCSTART- O\n\nAnna NNP B-PER\nvisited VBD O\nNew NNP B-LOC\nYork NNP I-LOC\n\n\n"
                  "ACME NNP B-ORG\nhired VBD O\nTom NNP B-PER\n")
    task = load_conll(path)
    assert task.kind == "tagging" and len(task) == 2
    assert task[0] == ("Anna visited New York", ("B-PER", "O", "B-LOC", "I-LOC"))
    assert task.output_space == ("B-LOC", "B-ORG", "B-PER", "I-LOC", "O")
    pos = load_conll(path, tag_column=1, name="pos")
    assert pos[1][1] == ("NNP", "VBD", "NNP") and pos.name == "pos"


@pytest.mark.parametrize(
    "content, kwargs, exc, pattern",
    [
        ("", {}, ValueError, "is empty"),
        ("-DOCSTART- O\n\n", {}, ValueError, "no sentences"),
        ("Anna B-PER\nleft O extra\n", {}, ValueError, "line 2: expected 2 columns like line 1.*ragged"),
        ("Anna\nleft\n", {}, ValueError, "line 1: a CoNLL line needs a token and a tag"),
        ("Anna B-PER\n", {"tag_column": 5}, ValueError, "^tag_column"),
        ("Anna B-PER\n", {"token_column": "0"}, TypeError, "^token_column"),
    ],
)
def test_conll_errors(tmp_path, content, kwargs, exc, pattern):
    path = _write(tmp_path, "x.conll", content)
    with pytest.raises(exc, match=pattern):
        load_conll(path, **kwargs)


# ---------------------------------------------------------------- parallel


def test_parallel(tmp_path):
    path = _write(tmp_path, "en-lumo.tsv", "the dog\tka lumo\n\na cat\tte miro\n")
    task = load_parallel(path)
    assert task.kind == "translation" and task.examples == (("the dog", "ka lumo"), ("a cat", "te miro"))
    bar = _write(tmp_path, "p.txt", "the dog ||| ka lumo\n")
    assert load_parallel(bar, separator="|||")[0] == ("the dog", "ka lumo")


@pytest.mark.parametrize(
    "content, kwargs, exc, pattern",
    [
        ("the dog\tka\textra\n", {}, ValueError, "line 1: expected 2 columns"),
        ("the dog only\n", {}, ValueError, "line 1: expected 2 columns"),
        ("the dog\t \n", {}, ValueError, "line 1: empty target"),
        ("\n\n", {}, ValueError, "is empty"),
        ("a\tb\n", {"separator": ""}, ValueError, "^separator"),
        ("a\tb\n", {"separator": 1}, TypeError, "^separator"),
    ],
)
def test_parallel_errors(tmp_path, content, kwargs, exc, pattern):
    path = _write(tmp_path, "p.tsv", content)
    with pytest.raises(exc, match=pattern):
        load_parallel(path, **kwargs)


# ---------------------------------------------------------------- Hugging Face datasets


class _ClassLabel:
    names = ["negative", "positive"]


class _FakeDataset:
    """Just enough of ``datasets.Dataset`` for the loader: column_names, features, iteration."""

    def __init__(self, rows, features=None):
        self.rows = rows
        self.column_names = list(rows[0])
        self.features = features or {}

    def __iter__(self):
        return iter(self.rows)


def test_hf_dataset_needs_the_optional_package(monkeypatch):
    monkeypatch.setattr(T, "_datasets_available", lambda: False)
    with pytest.raises(ImportError, match="pip install datasets"):
        from_hf_dataset(_FakeDataset([{"text": "a", "label": 0}]))


def test_hf_dataset_conversion(monkeypatch):
    monkeypatch.setattr(T, "_datasets_available", lambda: True)
    ds = _FakeDataset([{"text": "great", "label": 1}, {"text": "awful", "label": 0}],
                      features={"label": _ClassLabel()})
    task = from_hf_dataset(ds, name="sst")
    assert task.examples == (("great", "positive"), ("awful", "negative"))
    assert task.name == "sst" and task.metadata["format"] == "hf_dataset"
    plain = _FakeDataset([{"sentence": "great", "y": "p"}, {"sentence": "awful", "y": "n"}])
    assert from_hf_dataset(plain, "sentence", "y").labels == ("n", "p")


@pytest.mark.parametrize(
    "ds, kwargs, exc, pattern",
    [
        (_FakeDataset([{"text": "a", "label": 0}, {"text": "b", "label": 1}]), {"text_column": "x"}, ValueError, "^text_column"),
        (_FakeDataset([{"text": "a", "label": 0}, {"text": "b", "label": 1}]), {"label_column": "y"}, ValueError, "^label_column"),
        (_FakeDataset([{"text": "a", "label": 0}, {"text": "b", "label": 0}]), {}, ValueError, "only one label"),
        (_FakeDataset([{"text": "a", "label": 0}, {"text": "b", "label": 7}], {"label": _ClassLabel()}), {}, ValueError, "outside the ClassLabel"),
        ([{"text": "a"}], {}, TypeError, "^ds"),
    ],
)
def test_hf_dataset_errors(monkeypatch, ds, kwargs, exc, pattern):
    monkeypatch.setattr(T, "_datasets_available", lambda: True)
    with pytest.raises(exc, match=pattern):
        from_hf_dataset(ds, **kwargs)


def test_hf_dataset_dict_is_refused(monkeypatch):
    monkeypatch.setattr(T, "_datasets_available", lambda: True)

    class _Dict:
        column_names = {"train": ["text", "label"]}

    with pytest.raises(ValueError, match="^ds must be one split"):
        from_hf_dataset(_Dict())
