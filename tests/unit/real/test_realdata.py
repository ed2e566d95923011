"""Real data: class splits that never leak, families and episodes, loaders on malformed files."""
from __future__ import annotations

import json

import numpy as np
import pytest

from metamap_edu.real import realdata as R
from metamap_edu.tasks import splits as S
from metamap_edu.tasks import MappingTask, load_conll


@pytest.fixture(scope="module")
def demo_task(tmp_path_factory):
    path = R.write_demo_csv(tmp_path_factory.mktemp("demo") / "intents.csv", n_per_class=20, seed=0)
    return R.load_real_task(path)


# -- the generated demo data -----------------------------------------------------------------
def test_demo_intents_are_deterministic_and_balanced():
    a = R.demo_intents(10, seed=3)
    assert a == R.demo_intents(10, seed=3)
    assert a != R.demo_intents(10, seed=4)
    counts = {}
    for _, y in a:
        counts[y] = counts.get(y, 0) + 1
    assert set(counts) == set(R.DEMO_INTENTS) and set(counts.values()) == {10}
    assert all(isinstance(x, str) and x.strip() for x, _ in a)


def test_demo_intents_validate():
    with pytest.raises(ValueError, match="intents"):
        R.demo_intents(5, intents=["no_such_intent"])
    with pytest.raises(ValueError, match="n_per_class"):
        R.demo_intents(0)


def test_demo_csv_round_trips_through_the_loader(demo_task):
    assert demo_task.kind == "classification"
    assert len(demo_task.labels) == len(R.DEMO_INTENTS)
    assert len(demo_task) == 20 * len(R.DEMO_INTENTS)


# -- the split by class ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2, 7])
def test_split_never_leaks_a_test_class_into_meta_training(demo_task, seed):
    ms = S.split_task_by_class(demo_task, val_fraction=0.2, test_fraction=0.25, seed=seed)
    train, val, test = set(ms.train.labels), set(ms.val.labels), set(ms.test.labels)
    assert not train & test and not train & val and not val & test
    assert train | val | test == set(demo_task.labels)
    # no example of a test class sits in the training task, and output spaces agree
    assert not {y for _, y in ms.train.examples} & test
    assert set(ms.train.output_space) == train
    # every meta-training episode only ever shows training classes
    for ep in S.episode_sampler(ms.train, 5, 2, 3, seed=seed).take(30):
        assert set(ep.classes) <= train
        assert {y for _, y in ep.support} | {y for _, y in ep.query} <= train
    for ep in S.episode_sampler(ms.test, 3, 1, 2, seed=seed).take(10):
        assert set(ep.classes) <= test


def test_split_classes_is_deterministic_and_sized():
    labels = [f"c{i:02d}" for i in range(20)]
    a = S.split_classes(labels, 0.2, 0.3, seed=5)
    assert a == S.split_classes(list(reversed(labels)), 0.2, 0.3, seed=5)
    assert a.sizes == {"train": 10, "val": 4, "test": 6}
    assert a.role(a.test[0]) == "test"
    no_val = S.split_classes(labels, 0.0, 0.25, seed=0)
    assert no_val.val == () and len(no_val.test) == 5


def test_split_classes_errors_name_the_argument():
    with pytest.raises(ValueError, match="val_fraction \\+ test_fraction"):
        S.split_classes(["a", "b", "c", "d"], 0.5, 0.5)
    with pytest.raises(ValueError, match="labels must hold at least"):
        S.split_classes(["a", "b", "c"], 0.2, 0.2)
    with pytest.raises(TypeError, match="labels"):
        S.split_classes("abc")
    with pytest.raises(ValueError, match="disjoint"):
        S.ClassSplit(train=("a", "b"), val=(), test=("b", "c"))


def test_label_group_family(demo_task):
    fam = S.label_group_family(demo_task, group_size=5, n_held_out=1, seed=0)
    assert len(fam) == 3 and len(fam.held_out) == 1
    seen = [set(t.labels) for t in list(fam) + list(fam.held_out)]
    assert all(len(s) == 5 for s in seen)
    assert set().union(*seen) == set(demo_task.labels)
    with pytest.raises(ValueError, match="group_size"):
        S.label_group_family(demo_task, group_size=15, n_held_out=1)


def test_drop_rare_classes():
    ex = [("a b", "x")] * 5 + [("c d", "y")] * 5 + [("e", "z")]
    task = MappingTask("t", "classification", ex)
    out = R.drop_rare_classes(task, 2)
    assert out.labels == ("x", "y") and out.metadata["dropped_classes"] == ("z",)
    with pytest.raises(ValueError, match="min_count"):
        R.drop_rare_classes(task, 6)


def test_load_real_task_caps_per_class(tmp_path):
    path = R.write_demo_csv(tmp_path / "d.csv", n_per_class=12)
    task = R.load_real_task(path, max_per_class=4, seed=0)
    assert set(task.class_counts().values()) == {4}
    assert task.examples == R.load_real_task(path, max_per_class=4, seed=0).examples


def test_episode_sampler_rejects_too_many_ways(demo_task):
    ms = S.split_task_by_class(demo_task, 0.2, 0.2, seed=0)
    with pytest.raises(ValueError, match="n_way"):
        S.episode_sampler(ms.test, len(ms.test.labels) + 1, 1, 1)


# -- loaders reject malformed real-world files, seen from here -------------------------------
def test_missing_column(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("utterance,intent\nhello there,greet\nbye now,leave\n", encoding="utf-8")
    with pytest.raises(ValueError, match="text_column='text' is not a column"):
        R.load_real_task(p)
    task = R.load_real_task(p, "utterance", "intent")
    assert task.labels == ("greet", "leave")


def test_empty_label(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("text,label\nhello there,greet\nbye now,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: empty label"):
        R.load_real_task(p)
    j = tmp_path / "x.jsonl"
    j.write_text(json.dumps({"text": "hi", "label": "a"}) + "\n" + json.dumps({"text": "yo", "label": " "}) + "\n")
    with pytest.raises(ValueError, match="empty label"):
        R.load_real_task(j)


def test_bad_encoding(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("text,label\ncaf\u00e9 au lait,drink\ntea,drink2\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not valid utf-8 text.*encoding='latin-1'"):
        R.load_real_task(p)
    assert R.load_real_task(p, encoding="latin-1").inputs[0] == "caf\u00e9 au lait"


def test_ragged_rows_and_conll(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("text,label\nhello,greet\nbye,leave,extra\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: expected 2 fields"):
        R.load_real_task(p)
    c = tmp_path / "x.conll"
    c.write_text("John B-PER\nlives O\n\nin O\nParis B-LOC extra\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ragged"):
        load_conll(c)


def test_empty_and_header_only_files(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        R.load_real_task(p)
    p.write_text("text,label\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no examples"):
        R.load_real_task(p)




def test_real_text_goes_through_the_course_bpe(demo_task):
    from metamap_edu.models import build_tokenizer

    ms = S.split_task_by_class(demo_task, 0.2, 0.25, seed=0)
    tok = build_tokenizer(ms.train.inputs, vocab_size=400)
    stats = R.bpe_stats(tok, ms.test.inputs)
    assert 1.0 <= stats["tokens_per_word"] < 4.0 and 0.0 <= stats["byte_fraction"] <= 1.0
    text = ms.test.inputs[0]
    assert tok.decode(tok.encode(text)) == text


# -- notebook 08/09 helpers in the shared modules ----------------------------------------------
def test_check_class_split_feedback(capsys):
    import random

    from metamap_edu import course

    def good(labels, n, seed):
        order = sorted(labels)
        random.Random(seed).shuffle(order)
        return order[n:], order[:n]

    assert course.check_class_split(good) is True
    assert course.check_class_split(lambda labels, n, seed: (labels, labels[:n])) is False
    assert "leaked" in capsys.readouterr().out
    assert course.check_class_split(lambda labels, n, seed: (labels[n:], labels[:n])) is False  # order-dependent
    assert "order" in capsys.readouterr().out


def test_check_prototype_head(capsys):
    from metamap_edu import course

    protos = np.arange(6.0).reshape(3, 2)
    assert course.check_prototype_head(2 * protos, -(protos**2).sum(1), protos) is True
    assert course.check_prototype_head(2 * protos, np.zeros(3), protos) is False
    assert "b is not" in capsys.readouterr().out


def test_plots_of_notebook_08():
    import matplotlib.pyplot as plt

    from metamap_edu import course

    fig = course.plot_method_comparison({"a": (0.5, 0.1), "b": (0.9, float("nan"))}, chance=0.2)
    assert len(fig.axes[0].patches) == 2
    fig2 = course.plot_class_counts({"x": 3, "y": 5}, {"x": "train", "y": "test"})
    assert fig2.axes[0].get_ylabel() == "examples"
    plt.close("all")
