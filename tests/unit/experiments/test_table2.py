"""Tests for metamap_edu.experiments.table2: the paper's ordering on a test-sized run of the same code,
the JSON format and the CLI verb."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from metamap_edu.experiments import table2 as rp

# The same code path as --quick, with fewer iterations so the suite stays fast.


TINY = replace(rp.QUICK, maml_iterations=300, pretrain_steps=300, multitask_models=11, multitask_steps=300,
               multitask_rounds=3, stream_tasks=20, reptile_iterations=60, eval_tasks=100, val_tasks=30,
               lr_grid=(0.003, 0.01, 0.03))


@pytest.fixture(scope="module")
def tiny_result():
    rows = ("multi-task, no regularization", "multi-task, l2 to the mean theta so far", "pretrain on all tasks", "MAML",
            "article: ArticlePull(beta=0.01)")
    return rp.reproduce_maml_sinusoid(config=TINY, rows=rows, progress=False)


def test_paper_ordering_after_10_steps(tiny_result):
    r = tiny_result["rows"]
    maml, pre = r["MAML"][2], r["pretrain on all tasks"][2]
    multi = [r["multi-task, no regularization"][2], r["multi-task, l2 to the mean theta so far"][2]]
    assert maml < pre < min(multi), r
    # MAML adapts: its MSE falls with steps; a task-agnostic start (about 3.0) is far above it
    assert r["MAML"][0] > r["MAML"][2] and maml < 2.5


def test_result_format_and_json(tiny_result, tmp_path):
    for row, vals in tiny_result["rows"].items():
        assert len(vals) == 3 and len(tiny_result["curves"][row]) == 11
    path = tmp_path / "t2.json"
    rp.write_json(tiny_result, str(path))
    data = json.loads(path.read_text())
    assert set(data) == set(tiny_result["rows"]) and all(len(v) == 3 for v in data.values())
    table = rp.format_table(tiny_result)
    assert "MAML" in table and "0.35" in table  # the paper's number beside ours


def test_paper_table_and_rows():
    assert rp.PAPER_TABLE2["MAML"] == (0.67, 0.38, 0.35)
    assert rp.PAPER_TABLE2["pretrain on all tasks"] == (2.41, 2.23, 2.19)
    assert set(rp.PAPER_TABLE2) <= set(rp.TABLE2_ROWS) and "Reptile" in rp.TABLE2_ROWS
    with pytest.raises(ValueError, match="rows"):
        rp.reproduce_maml_sinusoid(config=TINY, rows=("nonsense",))
    with pytest.raises(ValueError, match="reptile_epsilon"):
        replace(TINY, reptile_epsilon=0.0)
    with pytest.raises(ValueError, match="maml_iterations"):
        replace(TINY, maml_iterations=0)


def test_cli_reproduce_parses():
    from metamap_edu.tools.cli import build_parser

    args = build_parser().parse_args(["reproduce", "maml-sinusoid", "--quick", "--json", "x.json"])
    assert args.experiment == "maml-sinusoid" and args.quick and args.json == "x.json"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reproduce", "unknown-table"])

