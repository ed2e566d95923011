"""A learner's own data: class splits they choose, the JSON layouts they have, texts with two labels,
long texts, progress on slow steps and the thread report. Every file here is written by the test."""
from __future__ import annotations

import json
import warnings

import pytest
import torch

from metamap_edu.real import realdata as R
from metamap_edu.tasks import splits as S
from metamap_edu.tasks import MappingTask, load_classification


def _rows(n_classes=6, n_per_class=8):
    return [(f"utterance {i} about topic {c} number {i * 7 % 5}", f"c{c}") for c in range(n_classes) for i in range(n_per_class)]


@pytest.fixture()
def task():
    return MappingTask("mine", "classification", _rows())


def _write(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return path


# -- ClassSplit, MetaSplit -------------------------------------------------------------------------
@pytest.mark.parametrize("make", [list, tuple, lambda xs: {x: 1 for x in xs}])
def test_class_split_takes_any_sequence_of_labels_and_sorts_it(make):
    split = S.ClassSplit(train=make(["b", "a"]), val=make([]), test=make(["d", "c", "e"]))
    assert split.train == ("a", "b") and split.val == () and split.test == ("c", "d", "e")
    assert split.labels == ("a", "b", "c", "d", "e")
    assert S.ClassSplit(**split.to_dict()) == split


@pytest.mark.parametrize("kwargs,exc,needle", [
    (dict(train="ab", val=[], test=["c", "d"]), TypeError, "train"),
    (dict(train=["a", 1], val=[], test=["c", "d"]), TypeError, "train"),
    (dict(train=["a", "a"], val=[], test=["c", "d"]), ValueError, "more than once"),
    (dict(train=["a", "b"], val=[], test=["a", "c"]), ValueError, "both"),
    (dict(train=[], val=[], test=["a", "b"]), ValueError, "train must name at least two"),
    (dict(train=["a", "b"], val=["c", "d"], test=[]), ValueError, "test must name at least two"),
    (dict(train=["a", "b"], val=["c"], test=["d", "e"]), ValueError, r"val must name at least two labels \(or none\)"),
])
def test_class_split_refuses_bad_parts(kwargs, exc, needle):
    with pytest.raises(exc, match=needle):
        S.ClassSplit(**kwargs)


def test_split_task_by_class_uses_the_given_split(task):
    classes = S.ClassSplit(train=["c0", "c1"], val=["c2", "c3"], test=["c4", "c5"])
    split = S.split_task_by_class(task, classes=classes)
    assert split.classes == classes
    assert set(split.train.labels) == {"c0", "c1"}
    assert set(split.val.labels) == {"c2", "c3"} and set(split.test.labels) == {"c4", "c5"}
    assert len(split.train) + len(split.val) + len(split.test) == len(task)


def test_split_task_by_class_refuses_unknown_labels_and_warns_about_unnamed_ones(task):
    with pytest.raises(ValueError, match=r"c9"):
        S.split_task_by_class(task, classes=S.ClassSplit(train=["c0", "c1"], val=[], test=["c2", "c9"]))
    with pytest.warns(UserWarning, match=r"2 label\(s\) of task 'mine' are in no part"):
        split = S.split_task_by_class(task, classes=S.ClassSplit(train=["c0", "c1"], val=[], test=["c2", "c3"]))
    assert split.val is None and set(split.test.labels) == {"c2", "c3"}
    with pytest.raises(TypeError, match="classes"):
        S.split_task_by_class(task, classes={"train": ["c0"], "test": ["c1"]})


def test_meta_split_refuses_a_class_split_that_does_not_match_its_tasks(task):
    with pytest.warns(UserWarning, match="no part"):
        good = S.split_task_by_class(task, classes=S.ClassSplit(train=["c0", "c1"], val=[], test=["c2", "c3"]))
    with pytest.raises(ValueError, match=r"(?s)test task 'mine' holds 6 labels.*names 2 test.*only in the task: \['c0', 'c1', 'c4'"):
        S.MetaSplit(train=good.train, val=None, test=task, classes=good.classes)
    with pytest.raises(ValueError, match="val is None but"):
        S.MetaSplit(train=good.train, val=None, test=good.test,
                    classes=S.ClassSplit(train=["c0", "c1"], val=["c4", "c5"], test=["c2", "c3"]))
    assert S.MetaSplit(train=good.train, val=None, test=good.test, classes=good.classes) == good


def test_load_class_split_reads_the_documented_layout_and_refuses_others(tmp_path):
    path = _write(tmp_path, "split.json", {"train": ["a", "b"], "val": ["c", "e"], "test": ["d", "f"]})
    assert S.load_class_split(path) == S.ClassSplit(train=["a", "b"], val=["c", "e"], test=["d", "f"])
    assert S.load_class_split(_write(tmp_path, "noval.json", {"train": ["a", "b"], "test": ["d", "f"]})).val == ()
    with pytest.raises(ValueError, match=r"keys 'train', 'test'.*got keys \['test', 'tests'"):
        S.load_class_split(_write(tmp_path, "typo.json", {"train": ["a", "b"], "test": ["d", "f"], "tests": ["e"]}))
    with pytest.raises(ValueError, match="overlap.json.*both"):
        S.load_class_split(_write(tmp_path, "overlap.json", {"train": ["a", "b"], "test": ["a", "c"]}))
    with pytest.raises(ValueError, match="not a valid UTF-8 JSON"):
        S.load_class_split(_write(tmp_path, "broken.json", "{train"))
    with pytest.raises(FileNotFoundError, match="nope.json"):
        S.load_class_split(tmp_path / "nope.json")


def test_split_by_groups_holds_out_whole_groups(tmp_path):
    groups = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C", "d1": "D", "d2": "D"}
    split = S.split_by_groups(groups, test_groups=["B", "D"], val_groups=["C"])
    assert split.test == ("b1", "b2", "d1", "d2") and split.val == ("c1", "c2") and split.train == ("a1", "a2")
    # the inverted layout group -> labels, from a file
    path = _write(tmp_path, "groups.json", {"A": ["a1", "a2"], "B": ["b1", "b2"], "C": ["c1", "c2"], "D": ["d1", "d2"]})
    assert S.load_groups(path) == groups
    # drawn by a seed: whole groups only, and the same draw for the same seed
    drawn = S.split_by_groups(groups, val_fraction=0.25, test_fraction=0.25, seed=3)
    for part in (drawn.train, drawn.val, drawn.test):
        for label in part:
            assert all(other in part for other, g in groups.items() if g == groups[label])
    assert drawn == S.split_by_groups(groups, val_fraction=0.25, test_fraction=0.25, seed=3)


@pytest.mark.parametrize("kwargs,needle", [
    (dict(test_groups=["Z"]), "unknown group"),
    (dict(test_groups=["A"], val_groups=["A"]), "disjoint"),
    (dict(test_groups=["A", "B"]), "every group"),
    (dict(test_groups=[]), "at least one group"),
])
def test_split_by_groups_refuses_bad_group_names(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        S.split_by_groups({"a": "A", "a2": "A", "b": "B", "b2": "B"}, **kwargs)


def test_groups_with_a_label_in_two_groups_are_refused():
    with pytest.raises(ValueError, match="label 'x' is in both group 'A' and group 'B'"):
        S.split_by_groups({"A": ["x", "w"], "B": ["x", "y"]}, test_groups=["B"])


# -- JSON layouts ----------------------------------------------------------------------------------
def test_a_json_array_of_records_loads(tmp_path):
    rows = [{"text": x, "label": y} for x, y in _rows(2, 3)]
    task = load_classification(_write(tmp_path, "records.json", rows))
    assert task.examples == tuple((r["text"], r["label"]) for r in rows)


def test_a_json_object_of_named_lists_loads_with_key(tmp_path):
    doc = {"train": [["hi there", "greet"], ["bye now", "leave"]], "test": [["hello", "greet"]], "meta": {"v": 1}}
    path = _write(tmp_path, "named.json", doc)
    assert load_classification(path, key="train").examples == (("hi there", "greet"), ("bye now", "leave"))
    assert len(load_classification(path, key=["train", "test"])) == 3
    assert len(R.load_real_task(path, key=["train", "test"])) == 3
    with pytest.raises(ValueError, match=r"2 named lists \['test', 'train'\]; pick one or more with key="):
        load_classification(path)
    with pytest.raises(ValueError, match=r"key='tran'.*its lists are \['test', 'train'\]"):
        load_classification(path, key="tran")
    with pytest.raises(TypeError, match="key"):
        load_classification(path, key=3)


def test_a_single_named_list_needs_no_key(tmp_path):
    path = _write(tmp_path, "one.json", {"data": [["a b", "x"], ["c d", "y"]]})
    assert len(load_classification(path)) == 2


@pytest.mark.parametrize("content", ['{"text": "a", "label": "x"}\n{"text": "b",\n', "5", '"just a string"',
                                     '{"version": 2}', '[["only one field"]]'])
def test_json_in_no_supported_layout_is_refused_naming_the_layouts(tmp_path, content):
    with pytest.raises(ValueError, match=r"(?s)JSON lines.*JSON array.*named lists"):
        load_classification(_write(tmp_path, "bad.json", content))


def test_json_lines_in_a_json_file_still_load(tmp_path):
    content = '{"text": "a b", "label": "x"}\n{"text": "c d", "label": "y"}\n'
    assert len(load_classification(_write(tmp_path, "lines.json", content))) == 2


# -- texts with two labels -------------------------------------------------------------------------
@pytest.fixture()
def conflicted(tmp_path):
    rows = "text,label\nhello,greet\nhello,leave\nbye,leave\nbye,leave\nhi,greet\nsee you,leave\nhey,greet\n"
    return _write(tmp_path, "conflict.csv", rows)


def test_conflicting_labels_warn_once_with_the_count_and_examples(conflicted):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = R.load_real_task(conflicted)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "1 text(s)" in messages[0] and "'hello' -> ['greet', 'leave']" in messages[0]
    assert len(task) == 7  # kept


def test_conflicting_labels_can_be_dropped_or_refused(conflicted):
    with pytest.warns(UserWarning, match="2 examples are dropped"):
        task = R.load_real_task(conflicted, on_conflict="drop")
    assert "hello" not in task.inputs and len(task) == 5
    assert task.inputs.count("bye") == 2  # same text, same label: not a conflict
    with pytest.raises(ValueError, match=r"1 text\(s\).*'hello'"):
        R.load_real_task(conflicted, on_conflict="error")
    with pytest.raises(ValueError, match="on_conflict.*'ignore'"):
        R.load_real_task(conflicted, on_conflict="ignore")


def test_a_file_without_conflicts_loads_silently(tmp_path):
    path = _write(tmp_path, "clean.csv", "text,label\na,x\nb,y\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(R.load_real_task(path, on_conflict="error")) == 2


@pytest.mark.parametrize("value,exc", [("a", TypeError), (-3, ValueError), (0, ValueError), (2.5, TypeError)])
def test_load_real_task_validates_min_per_class(tmp_path, value, exc):
    path = _write(tmp_path, "clean.csv", "text,label\na,x\nb,y\n")
    with pytest.raises(exc, match=f"min_per_class.*{value}"):
        R.load_real_task(path, min_per_class=value)


# -- long texts --------------------------------------------------------------------------------------
def test_trim_to_context_cuts_long_texts_and_warns_with_the_count():
    from metamap_edu.models import build_tokenizer

    texts = ["short one", "a much longer text " * 20, "another very long text that goes on " * 10]
    tok = build_tokenizer(texts, vocab_size=400)
    with pytest.warns(UserWarning, match=r"2 of 3 texts are longer than 8 tokens"):
        out = R.trim_to_context(texts, tok, 8)
    assert out[0] == "short one"
    assert all(len(tok.encode(" " + t)) <= 9 for t in out[1:])  # decode/encode may merge one more space
    assert out[1] != texts[1] and texts[1].startswith(out[1][:10])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert R.trim_to_context(["short one"], tok, 8) == ["short one"]
    with pytest.raises(ValueError, match="max_tokens"):
        R.trim_to_context(texts, tok, 0)


# -- progress and threads --------------------------------------------------------------------------
class _FakeModel:
    metamap_sha256 = "f" * 64

    def __init__(self):
        self.calls = []

    def encode(self, texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False):
        import numpy as np

        self.calls.append(show_progress_bar)
        return np.ones((len(texts), 3), dtype="float32")


def test_embedding_shows_a_bar_unless_tqdm_is_disabled(monkeypatch):
    from metamap_edu.real import minilm as encoders

    model = _FakeModel()
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    encoders.SentenceEncoder(model).encode(["a", "b"])
    encoders.SentenceEncoder(model, progress=False).encode(["a"])
    monkeypatch.setenv("TQDM_DISABLE", "1")
    encoders.SentenceEncoder(model).encode(["a"])
    assert model.calls == [True, False, False]


def test_finetune_episodes_runs_each_episode_under_one_bar(monkeypatch, capsys):
    from metamap_edu.real import minilm_fewshot as encoders

    seen = []
    monkeypatch.setattr(encoders, "finetune_fewshot", lambda model, s, q, **kw: seen.append((s, q, kw)) or {"accuracy": 1.0})
    monkeypatch.delenv("TQDM_DISABLE", raising=False)

    class Ep:
        def __init__(self, i):
            self.support, self.query = f"s{i}", f"q{i}"

    out = encoders.finetune_episodes(object(), [Ep(0), Ep(1)], desc="tuning", lr=0.1)
    assert out == [{"accuracy": 1.0}] * 2
    assert [(s, q) for s, q, _ in seen] == [("s0", "q0"), ("s1", "q1")] and seen[0][2] == {"lr": 0.1}
    assert "tuning" in capsys.readouterr().err
    with pytest.raises(TypeError, match="episodes"):
        encoders.finetune_episodes(object(), ["not an episode"])


def test_report_threads_prints_the_count_and_warns_when_cores_are_busy(monkeypatch, capsys):
    from metamap_edu import reproducibility

    monkeypatch.setattr(reproducibility, "free_cores", lambda: 0.5)
    with pytest.warns(RuntimeWarning, match=r"uses 2 torch threads but only about 0\.5"):
        line = reproducibility.report_threads("bench", n=2)
    assert "bench: 2 torch thread(s)" in capsys.readouterr().out and "2 torch thread(s)" in line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reproducibility.report_threads("bench", n=1)  # one thread is never too many
        monkeypatch.setattr(reproducibility, "free_cores", lambda: 2.0)
        reproducibility.report_threads("bench", n=2)
    assert reproducibility.report_threads("x").startswith(f"x: {torch.get_num_threads()} torch")


def test_the_commands_print_their_thread_count(tmp_path, capsys, monkeypatch):
    from metamap_edu import reproducibility
    from metamap_edu.tools import cli

    monkeypatch.setattr(reproducibility, "free_cores", lambda: 1.0)
    assert cli.main(["build", str(tmp_path / "missing_source.py")]) == 1
    out = capsys.readouterr().out
    assert "metamap-edu build (each notebook kernel): 1 torch thread(s)" in out and "about 1.0 free" in out
