"""``bench/real_fewshot.py`` on a small file the test writes: the class split the user chooses,
the settings flag, the validation classes put to use, and a ``--help`` that gives every default."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from metamap_edu.real import minilm as encoders
from metamap_edu.real import realdata
from metamap_edu.tasks import splits

BENCH = Path(__file__).resolve().parents[2] / "bench" / "real_fewshot.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("real_fewshot_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    csv = realdata.write_demo_csv(folder / "intents.csv", n_per_class=16, seed=0)
    split = splits.split_by_groups(realdata.DEMO_GROUPS, test_groups=["banking"], val_groups=["home"])
    (folder / "split.json").write_text(json.dumps(split.to_dict()), encoding="utf-8")
    (folder / "groups.json").write_text(json.dumps(realdata.DEMO_GROUPS), encoding="utf-8")
    return folder, csv, split


def test_every_flag_says_what_it_does_and_its_default(bench):
    parser = bench.build_parser()
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if action.dest in ("help", "paths"):
            continue
        assert action.help and len(action.help) > 10, f"{action.option_strings} has no help"
        assert re.search(re.escape(action.option_strings[0]) + r".*?\(default: ", text), action.option_strings
    assert text.count("(default: ") == len([a for a in parser._actions if a.dest not in ("help", "paths")])
    assert ".metamap_cache" in text  # the cache lives in the project folder by default


def test_settings_flag_parses_and_refuses_bad_items(bench):
    assert bench.parse_settings("5w1s, 15w5s") == [("5-way 1-shot", 5, 1), ("15-way 5-shot", 15, 5)]
    for bad in ("5w", "1w1s", "5w0s", "five"):
        with pytest.raises(Exception, match="--settings"):
            bench.parse_settings(bad)
    assert [n for _, n, _ in bench.build_parser().parse_args(["x.csv"]).settings] == [5, 5, 15, 15]


@pytest.mark.parametrize("flags,needle", [
    (["--split", "SPLIT", "--groups", "GROUPS"], "at most one of --split"),
    (["--test-groups", "travel"], "need --groups"),
    (["--max-per-class", "-1"], "--max-per-class must be >= 0"),
    (["--threads", "0"], "--threads must be >= 1"),
    (["--anchor", "-0.5"], "--anchor must be >= 0"),
    (["--episodes", "0"], "--episodes must be >= 1"),
    (["--settings", "5w0s"], "--settings"),
    (["--finetune-lrs", "0,1e-5"], "positive numbers"),
    (["--course-way", "1"], "--course-way must be >= 2"),
    (["--course-lr", "0"], "--course-lr must be > 0"),
    (["--course-shot", "0"], "--course-shot must be >= 1"),
])
def test_bad_flags_stop_at_once_with_a_message(bench, data, capsys, flags, needle):
    folder, csv, _ = data
    flags = [str(folder / "split.json") if f == "SPLIT" else str(folder / "groups.json") if f == "GROUPS" else f
             for f in flags]
    with pytest.raises(SystemExit) as info:
        bench.main([str(csv), *flags])
    assert info.value.code == 2
    assert needle in capsys.readouterr().err


def test_the_course_rows_compare_by_cosine_or_by_distance_as_asked(bench):
    from types import SimpleNamespace

    vec = {"a": np.array([1.0, 0.0]), "b": np.array([10.0, 10.0]), "q": np.array([1.2, 1.0])}
    episode = SimpleNamespace(support=[("a", "A"), ("b", "B")], query=[("q", "B")])
    assert bench.protonet_from_vectors(vec, episode, "cosine") == 1.0  # q points the way b does
    assert bench.protonet_from_vectors(vec, episode) == 0.0  # but lies nearer to a


def _run(bench, monkeypatch, capsys, argv):
    monkeypatch.setattr(encoders, "minilm_available", lambda: False)  # the MiniLM rows are tested elsewhere
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert bench.main(argv) == 0
    return capsys.readouterr().out


def test_a_split_file_is_used_as_given_and_validation_chooses_the_length(bench, data, tmp_path, monkeypatch, capsys):
    folder, csv, split = data
    out_json = tmp_path / "out.json"
    out = _run(bench, monkeypatch, capsys, [str(csv), "--split", str(folder / "split.json"), "--settings", "5w1s,3w2s",
                                            "--quick", "--threads", "1", "--json", str(out_json)])
    result = json.loads(out_json.read_text())
    assert result["classes"] == split.sizes
    assert result["test_classes"] == list(split.test) and result["val_classes"] == list(split.val)
    assert set(result["results"]) == {"5-way 1-shot", "3-way 2-shot"}
    for row in result["results"].values():
        for method in ("tfidf", "course_protonet"):
            assert 0 <= row[method]["val_mean"] <= 1 and row[method]["val_episodes"] > 0
    chosen = result["chosen_on_validation"]["course_protonet"]
    curve = dict(chosen["validation_curve"])
    assert sorted(curve) == [10, 20]  # --quick: 20 iterations, scored every 10
    assert chosen["meta_iterations_chosen"] == max(curve, key=lambda k: (curve[k], -k))
    assert "real_fewshot: 1 torch thread(s)" in out
    assert re.search(r"course_protonet\s+test", out) and re.search(r"\n\s+val ", out)
    assert re.fullmatch(r"course_protonet_5way1shot_accuracy: \d\.\d{3}", out.strip().splitlines()[-1])


def test_a_groups_file_holds_out_whole_groups(bench, data, tmp_path, monkeypatch, capsys):
    folder, csv, _ = data
    out_json = tmp_path / "groups.json"
    _run(bench, monkeypatch, capsys, [str(csv), "--groups", str(folder / "groups.json"), "--test-groups", "travel",
                                      "--val-groups", "home", "--settings", "5w1s", "--quick", "--json", str(out_json)])
    result = json.loads(out_json.read_text())
    travel = sorted(y for y, g in realdata.DEMO_GROUPS.items() if g == "travel")
    home = sorted(y for y, g in realdata.DEMO_GROUPS.items() if g == "home")
    assert result["test_classes"] == travel and result["val_classes"] == home


def test_settings_larger_than_the_test_classes_are_skipped_with_a_note(bench, data, tmp_path, monkeypatch, capsys):
    folder, csv, _ = data
    out = _run(bench, monkeypatch, capsys, [str(csv), "--groups", str(folder / "groups.json"), "--test-groups", "travel",
                                            "--settings", "5w1s,15w1s", "--quick"])
    assert "setting 15-way 1-shot skipped: only 5 meta-test classes" in out


# ------------------------------------------------------------------------------------------------
# bench/real_course_encoder.py: the course's own encoder against TF-IDF, with --fast on a generated file
# ------------------------------------------------------------------------------------------------
COURSE_BENCH = BENCH.parent / "real_course_encoder.py"


@pytest.fixture(scope="module")
def course_bench():
    spec = importlib.util.spec_from_file_location("real_course_encoder_bench", COURSE_BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def keyword_csv(tmp_path_factory):
    """30 classes, each told apart by two of its own four keywords among shared filler words."""
    import csv
    import random

    rng = random.Random(0)
    filler = "i want to please can you my the a help with how do".split()
    path = tmp_path_factory.mktemp("course") / "keywords.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "category"])
        for c in range(30):
            own = [f"k{c}x{j}" for j in range(4)]
            for _ in range(24):
                writer.writerow([" ".join(rng.sample(filler, 3) + rng.sample(own, 2)), f"class_{c:02d}"])
    return path


def test_course_encoder_bench_fast_reports_every_method_and_ends_with_the_paired_headline(
        course_bench, keyword_csv, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    out_json = tmp_path / "course.json"
    figures = course_bench.main([str(keyword_csv), "--fast", "--shots", "1,2", "--json", str(out_json)])
    lines = capsys.readouterr().out.strip().splitlines()
    saved = json.loads(out_json.read_text())
    assert saved["fast"] is True and saved["meta_training"]["metric"] == "cosine"
    assert saved["meta_training"]["n_way"] == 20  # asked for; the 18 meta-train classes bound it inside
    for tag in ("1shot", "2shot"):
        for method in course_bench.METHODS:
            row = saved[tag][method]
            assert 0 <= row["low"] <= row["mean"] <= row["high"] <= 1
            assert row["n"] == 3 * course_bench.FAST["episodes"]  # 3 seeds x the --fast episodes, paired
        assert all(0 <= w["weight"] <= 1 for w in saved[tag]["hybrid_weights"])
        diff = saved[tag]["pretrained+meta_vs_tfidf"]
        assert diff["mean"] == pytest.approx(saved[tag]["pretrained+meta"]["mean"] - saved[tag]["tfidf"]["mean"])
    assert any(line.startswith("hybrid:") and "not a pure encoder" in line for line in lines)
    m = re.fullmatch(r"course_encoder_vs_tfidf_1shot: ([+-]\d\.\d{3})", lines[-1])
    assert m and float(m.group(1)) == pytest.approx(saved["1shot"]["pretrained+meta_vs_tfidf"]["mean"], abs=5e-4)
    assert figures["course_encoder_vs_tfidf_1shot"] == saved["course_encoder_vs_tfidf_1shot"]


@pytest.mark.parametrize("flags,needle", [
    (["--shots", "5,1"], "--shots must be"),
    (["--shots", "one"], "--shots must be"),
    (["--meta-way", "1"], "--meta-way must be >= 2"),
    (["--episodes", "0"], "--episodes must be >= 1"),
    (["--word-dropout", "1"], "--word-dropout must be in [0, 1)"),
    (["--metric", "euclidean", "--word-dropout", "0.1"], "--word-dropout needs --metric cosine"),
    (["--meta-lr", "0"], "--meta-lr must be > 0"),
])
def test_course_encoder_bench_refuses_bad_flags_with_a_message(course_bench, keyword_csv, capsys, flags, needle):
    with pytest.raises(SystemExit) as info:
        course_bench.main([str(keyword_csv), "--fast", *flags])
    assert info.value.code == 2
    assert needle in capsys.readouterr().err


def test_the_cosine_recipe_runs_through_the_course_rows(bench, data, tmp_path, monkeypatch, capsys):
    folder, csv, _ = data
    out_json = tmp_path / "cosine.json"
    _run(bench, monkeypatch, capsys, [str(csv), "--split", str(folder / "split.json"), "--settings", "3w1s", "--quick",
                                      "--course-metric", "cosine", "--course-way", "20", "--course-shot", "1",
                                      "--course-batch", "1", "--json", str(out_json)])
    result = json.loads(out_json.read_text())
    assert result["config"]["course_metric"] == "cosine" and result["config"]["course_way"] == 20
    row = result["results"]["3-way 1-shot"]["course_protonet"]
    assert 0 <= row["mean"] <= 1 and row["episodes"] > 0 and row["val_episodes"] > 0
