"""Tests of the ``metamap-edu`` command: its parser, build and run (with their timeouts), the files CI relies on.

build and run are exercised on tiny notebooks written into a temporary folder, including one
whose cell never ends: the timeouts must fire, the kernel must be gone afterwards and the
message must name the notebook and the cell.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from metamap_edu.tools import cli

# --------------------------------------------------------------------------------------------
# the parser
# --------------------------------------------------------------------------------------------


def test_parser_rejects_bad_timeouts(capsys):
    with pytest.raises(SystemExit) as err:
        cli.main(["run", "--timeout-cell", "-1"])
    assert err.value.code == 2
    assert "positive number of seconds" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "doctor" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------
# build and run on tiny notebooks (each starts a real kernel: a few seconds apiece)
# --------------------------------------------------------------------------------------------
def test_build_writes_an_executed_clean_notebook(tiny_notebook):
    nb = json.loads(tiny_notebook.read_text())
    assert set(nb["metadata"]) <= {"kernelspec", "language_info", "widgets"}
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[0]["metadata"] == {"tags": ["parameters"]}
    text = "".join(code[1]["outputs"][0]["text"])
    assert text == "mode: default\ncwd: notebooks\ntqdm disabled: 1\n"
    assert str(tiny_notebook.parent) not in tiny_notebook.read_text()
    assert all("execution" not in c["metadata"] for c in nb["cells"])


def test_build_names_the_failing_cell_and_writes_nothing(tmp_path, capsys, write_source):
    src = write_source("02_fails.py", "fails")
    assert cli.main(["build", str(src)]) == 1
    err = capsys.readouterr().err
    assert "02_fails.py: raised ValueError: this cell is broken in cell 1" in err
    assert not (tmp_path / "notebooks" / "02_fails.ipynb").exists()


def test_build_per_cell_timeout_names_the_cell(tmp_path, capsys, no_kernel_left_behind, write_source):
    src = write_source("03_hangs.py", "hangs")
    assert cli.main(["build", "--timeout-cell", "2", str(src)]) == 1
    err = capsys.readouterr().err
    assert '03_hangs.py: timed out after 2 s (per-cell timeout) in cell 2 ("while True:")' in err


def test_run_all_modes_writes_report_and_leaves_stored_notebook_alone(tiny_notebook, tmp_path, capsys):
    before = tiny_notebook.read_bytes()
    code = cli.main(["run", "--all-modes", "--report-dir", str(tmp_path / "rep"), "--output-dir", str(tmp_path / "out"),
                     str(tiny_notebook)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert tiny_notebook.read_bytes() == before
    assert "| 01_tiny.ipynb | fast |" in out and "| 01_tiny.ipynb | default |" in out and "| pass |" in out
    report = json.loads((tmp_path / "rep" / "run-report.json").read_text())
    assert [(r["mode"], r["passed"]) for r in report["results"]] == [("fast", True), ("default", True)]
    for row in report["results"]:
        assert row["seconds"] > 0 and (row["peak_rss_mb"] is None or row["peak_rss_mb"] > 10)
    for mode in ("fast", "default"):
        executed = json.loads((tmp_path / "out" / f"01_tiny.{mode}.ipynb").read_text())
        printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
        assert f"mode: {mode}" in printed and "cwd: notebooks" in printed
    assert (tmp_path / "rep" / "run-report.md").read_text().startswith("# metamap-edu run report")


# --------------------------------------------------------------------------------------------
# project files the commands and CI rely on
# --------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[3]


def test_environment_file_is_valid_and_cpu_only():
    yaml = pytest.importorskip("yaml")
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"][0] == "conda-forge"
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    assert any(d.startswith("python>=3.10") for d in deps)
    assert any(d.startswith("pytorch-cpu") for d in deps), "conda must install the CPU build of torch"
    assert not any(d.startswith("pytorch-gpu") or "cuda" in d for d in deps)
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(p.startswith("-e ") for p in pip)


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = next(line.split("=", 1)[1].strip("'") for line in ci.splitlines() if line.startswith("SETUP_COMMAND="))
    test = next(line.split("=", 1)[1].strip("'") for line in ci.splitlines() if line.startswith("TEST_COMMAND="))
    assert f"{setup} && {test}" in readme.splitlines()
    assert ci.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in ci
    assert "-eq 5" in ci and "+cpu" in ci


def test_pytest_runs_nbval_with_timeouts_and_sanitizer():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for option in ("--nbval", "--nbval-current-env", "--nbval-cell-timeout=", "--nbval-sanitize-with="):
        assert option in text
    assert (ROOT / "notebooks" / "nbval_sanitize.cfg").is_file()
    assert os.environ.get("TQDM_DISABLE") == "1" and "MPLBACKEND" not in os.environ


def test_nbval_whole_run_guard_fails_cells_after_the_budget(monkeypatch, request):
    # tests/conftest.py as pytest registered it (tests/browser has a conftest.py too, so the bare
    # module name `conftest` may be that one)
    here = (Path(__file__).resolve().parents[2] / "conftest.py").resolve()
    conftest = next(p for p in request.config.pluginmanager.get_plugins()
                    if getattr(p, "__file__", None) and Path(p.__file__).resolve() == here)

    class IPyNbCell:  # stands in for nbval's item class (the guard matches it by name)
        def __init__(self, name):
            self.fspath = type("P", (), {"basename": "07_x.ipynb", "__str__": lambda self: "/nb/07_x.ipynb"})()
            self.name = name

    guard = conftest.NotebookRunGuard(limit=100.0)
    clock = iter([0.0, 50.0, 150.0])
    monkeypatch.setattr(conftest.time, "monotonic", lambda: next(clock))
    guard.pytest_runtest_setup(IPyNbCell("Cell 0"))
    guard.pytest_runtest_setup(IPyNbCell("Cell 1"))
    with pytest.raises(pytest.fail.Exception, match="07_x.ipynb: whole run timed out after 100 s.*Cell 2"):
        guard.pytest_runtest_setup(IPyNbCell("Cell 2"))
