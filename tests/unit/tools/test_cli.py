"""Tests of the ``metamap-edu`` command: doctor's checks, build and run (with their timeouts).

build and run are exercised on tiny notebooks written into a temporary folder, including one
whose cell never ends: the timeouts must fire, the kernel must be gone afterwards and the
message must name the notebook and the cell.
"""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from metamap_edu.tools import cli
from metamap_edu.tools import doctor
from metamap_edu.tools import build, run_report
from metamap_edu.tools import runner as nr

# --------------------------------------------------------------------------------------------
# doctor: plain functions
# --------------------------------------------------------------------------------------------


def test_check_python():
    assert doctor.check_python((3, 11, 4)).status == "ok"
    bad = doctor.check_python((3, 9, 18))
    assert bad.status == "problem" and "3.10" in bad.advice and not bad.ok


def test_check_torch_cpu_cuda_and_old():
    assert doctor.check_torch("2.13.0+cpu", None).status == "ok"
    assert "CPU build" in doctor.check_torch("2.13.0+cpu", None).found
    cuda = doctor.check_torch("2.5.1+cu121", "12.1")
    assert cuda.status == "warn" and cuda.ok and "CPU build" in cuda.advice
    old = doctor.check_torch("2.1.2", None)
    assert old.status == "problem" and "2.3" in old.advice


def test_check_torch_installed_here_is_the_cpu_build():
    result = doctor.check_torch()
    assert result.status == "ok", result


@pytest.mark.parametrize("version, status", [("8.1.5", "ok"), ("7.8.1", "problem"), (None, "problem")])
def test_check_ipywidgets(version, status, monkeypatch):
    if version is None:
        monkeypatch.setattr(doctor, "_dist_version", lambda name: None)
    assert doctor.check_ipywidgets(version).status == status


def test_check_widget_extension(tmp_path, monkeypatch):
    ext = tmp_path / "ok" / "@jupyter-widgets" / "jupyterlab-manager"
    ext.mkdir(parents=True)
    assert doctor.check_widget_extension("3.0.11", "4.2.0", [tmp_path / "ok"]).status == "ok"
    unseen = doctor.check_widget_extension("3.0.11", "4.2.0", [tmp_path / "empty"])
    assert unseen.status == "problem" and ".venv" in unseen.advice
    monkeypatch.setattr(doctor, "_dist_version", lambda name: None)
    assert "JupyterLab is not installed" in doctor.check_widget_extension().found
    assert "jupyterlab_widgets" in doctor.check_widget_extension(None, "4.2.0", []).found


def test_check_widget_extension_installed_here():
    assert doctor.check_widget_extension().status == "ok"


def test_check_matplotlib():
    assert doctor.check_matplotlib("agg", in_kernel=False).status == "ok"
    assert doctor.check_matplotlib("module://matplotlib_inline.backend_inline", in_kernel=True).status == "ok"
    bad = doctor.check_matplotlib("Agg", in_kernel=True)
    assert bad.status == "problem" and "MPLBACKEND" in bad.advice


@pytest.mark.parametrize("omp, status", [(None, "ok"), ("", "ok"), ("1", "ok"), ("2", "ok"), ("8", "warn"),
                                         ("0", "problem"), ("two", "problem")])
def test_check_threads(omp, status, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert doctor.check_threads(omp if omp is not None else "", cpu_count=2).status == status


def test_cache_dir_and_check(tmp_path, monkeypatch):
    monkeypatch.setenv("METAMAP_EDU_CACHE", str(tmp_path / "cache"))
    assert doctor.cache_dir() == tmp_path / "cache"
    assert doctor.check_cache_dir().status == "ok"
    assert (tmp_path / "cache").is_dir()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    bad = doctor.check_cache_dir(blocker / "sub")
    assert bad.status == "problem" and "METAMAP_EDU_CACHE" in bad.advice
    monkeypatch.delenv("METAMAP_EDU_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert doctor.cache_dir() == tmp_path / "xdg" / "metamap_edu"


def test_format_checks_hides_details_and_counts_problems():
    results = [doctor.Check("python", "ok", "Python 3.11.7"),
               doctor.Check("threads", "problem", "OMP_NUM_THREADS='x'", "set it to 1")]
    short = doctor.format_checks(results, details=False)
    assert "3.11.7" not in short and "PROBLEM" in short and "-> set it to 1" in short
    assert "1 problem(s)" in short
    assert "Python 3.11.7" in doctor.format_checks(results)
    assert "Everything" in doctor.format_checks(results[:1])


def test_doctor_command_exit_codes(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", (lambda: doctor.Check("python", "ok", "fine"),))
    assert cli.main(["doctor"]) == 0
    monkeypatch.setattr(doctor, "CHECKS", (lambda: doctor.Check("torch", "problem", "missing", "install it"),
                                           lambda: doctor.Check("python", "warn", "old-ish", "upgrade")))
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM" in out and "install it" in out and "WARNING" in out


def test_doctor_reports_a_crashing_check_as_a_problem(monkeypatch):
    def boom():
        raise RuntimeError("oops")

    monkeypatch.setattr(doctor, "CHECKS", (boom,))
    (result,) = doctor.run_checks()
    assert result.status == "problem" and "oops" in result.found


def test_lab_settings_make_jupyterlab_save_widget_state_by_default(tmp_path, monkeypatch, capsys):
    """`metamap-edu lab-settings` writes overrides.d/metamap_edu.json where this environment's
    JupyterLab reads default settings, and JupyterLab's own reader finds saveState = true in it.
    (tests/browser checks the effect: a saved notebook shows its widgets again when reopened.)"""
    from jupyterlab_server.settings_utils import _get_overrides

    monkeypatch.setattr(doctor.sys, "prefix", str(tmp_path))
    settings = tmp_path / "share" / "jupyter" / "lab" / "settings"
    assert doctor.lab_settings_dir() == settings
    (settings / "overrides.d").mkdir(parents=True)
    (settings / "overrides.d" / "other_package.json").write_text('{"a:plugin": {"x": 1}}', encoding="utf-8")
    assert cli.main(["lab-settings"]) == 0
    assert "saves widget state" in capsys.readouterr().out
    overrides, error = _get_overrides(str(settings))
    assert not error
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"] == {"saveState": True}
    assert overrides["a:plugin"] == {"x": 1}  # another package's defaults are kept
    path = doctor.save_widget_state_by_default()  # again: same file, same content
    assert path == settings / "overrides.d" / "metamap_edu.json"
    assert json.loads(path.read_text(encoding="utf-8")) == doctor.WIDGET_STATE_OVERRIDE
    with pytest.raises((TypeError, ValueError), match="prefix"):
        doctor.save_widget_state_by_default(prefix=3.5)


def test_lab_settings_name_the_file_it_cannot_write(tmp_path):
    blocker = tmp_path / "share"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(OSError, match="overrides.d.*Save Widget State"):
        doctor.save_widget_state_by_default(tmp_path)


def test_run_checks_covers_everything():
    names = [r.name for r in doctor.run_checks()]
    assert names == ["python", "torch", "ipywidgets", "widget extension", "matplotlib", "threads", "cache dir"]


# --------------------------------------------------------------------------------------------
# parser and pure helpers
# --------------------------------------------------------------------------------------------


def test_parser_rejects_bad_timeouts(capsys):
    with pytest.raises(SystemExit) as err:
        cli.main(["run", "--timeout-cell", "-1"])
    assert err.value.code == 2
    assert "positive number of seconds" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "doctor" in capsys.readouterr().out


def test_notebook_for_source():
    assert nr.notebook_for_source(Path("notebooks/src/03_x.py")) == Path("notebooks/03_x.ipynb")


def test_cell_label_and_error_message():
    err = nr.NotebookError("01_x.ipynb", "timed out after 2 s (per-cell timeout)", 3, "\n  while True:\n    pass")
    assert str(err) == '01_x.ipynb: timed out after 2 s (per-cell timeout) in cell 3 ("while True:")'
    assert "kernel start-up" in str(nr.NotebookError("a.ipynb", "whole run timed out"))


def test_clean_notebook_strips_machine_and_run_metadata():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"papermill": {"input_path": "/home/me/x.ipynb"}, "jupytext": {"x": 1},
                        "language_info": {"name": "python", "version": "3.11.7"}})
    cell = nbformat.v4.new_code_cell("1 + 1", metadata={"tags": ["parameters"], "execution": {"iopub.status.busy": "2026-01-01T00:00:00Z"},
                                                        "papermill": {"duration": 0.1}})
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    clean = build.clean_notebook(nb)
    assert set(clean.metadata) == {"kernelspec", "language_info"}
    assert clean.metadata.language_info == {"name": "python"}
    assert clean.cells[1].metadata == {"tags": ["parameters"]}
    assert [c.id for c in clean.cells] == ["cell-00", "cell-01"]
    nbformat.validate(clean)


def test_run_notebook_validates_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.ipynb"):
        nr.run_notebook(tmp_path / "missing.ipynb")
    (tmp_path / "x.ipynb").write_text("{}")
    with pytest.raises(TypeError, match="fast"):
        nr.run_notebook(tmp_path / "x.ipynb", fast="yes")
    with pytest.raises(ValueError, match="cell_timeout"):
        nr.run_notebook(tmp_path / "x.ipynb", cell_timeout=0)


def test_report_files(tmp_path):
    results = [run_report.RunResult("00_a.ipynb", "fast", True, 1.234, 88.04),
               run_report.RunResult("01_b.ipynb", "fast", False, 2.0, None, "01_b.ipynb: boom in cell 2", 2, "x")]
    json_path, md_path = run_report.write_report(results, tmp_path / "rep")
    data = json.loads(json_path.read_text())
    assert data["passed"] is False
    assert data["results"][0] == {"notebook": "00_a.ipynb", "mode": "fast", "passed": True, "seconds": 1.23,
                                  "peak_rss_mb": 88.0, "error": "", "cell_index": None, "cell_source": ""}
    md = md_path.read_text()
    assert "| 00_a.ipynb | fast | 1.2 | 88 | pass |" in md
    assert "| 01_b.ipynb | fast | 2.0 | n/a | FAIL |" in md and "boom in cell 2" in md


# --------------------------------------------------------------------------------------------
# build and run on tiny notebooks (each starts a real kernel: a few seconds apiece)
# --------------------------------------------------------------------------------------------
TINY = '''\
# %% [markdown]
# # A tiny notebook

# %% tags=["parameters"]
FAST = False
SEED = 0

# %%
import os
print("mode:", "fast" if FAST else "default")
print("cwd:", os.path.basename(os.getcwd()))
print("tqdm disabled:", os.environ.get("TQDM_DISABLE"))
'''

HANGS = '''\
# %% tags=["parameters"]
FAST = False

# %%
x = 1

# %%
while True:
    pass
'''

FAILS = '''\
# %% tags=["parameters"]
FAST = False

# %%
raise ValueError("this cell is broken")
'''


def _source(tmp_path: Path, name: str, text: str) -> Path:
    src = tmp_path / "notebooks" / "src" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(textwrap.dedent(text))
    return src


def _children() -> dict:
    """This test process's live descendants, except the cross-CPU check's child test runs
    (tests/notebooks/test_cross_cpu.py) and their kernels, which run beside the suite on purpose."""
    psutil = pytest.importorskip("psutil")
    alive = {}
    for p in psutil.Process(os.getpid()).children(recursive=True):
        try:
            lineage = [p]
            for q in p.parents():            # from the parent up, stopping at this process
                if q.pid == os.getpid():
                    break
                lineage.append(q)
            if any("pytest" in q.cmdline() for q in lineage):
                continue
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive[p.pid] = p.cmdline()[:4]
        except psutil.Error:
            pass
    return alive


@pytest.fixture
def no_kernel_left_behind():
    """Fail when the test leaves a process (a kernel, a papermill child) running."""
    before = set(_children())
    yield
    left = {pid: cmd for pid, cmd in _children().items() if pid not in before}
    assert not left, f"processes left running: {list(left.values())}"


@pytest.fixture(scope="module")
def tiny_notebook(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("tiny")
    src = _source(tmp_path, "01_tiny.py", TINY)
    assert cli.main(["build", str(src)]) == 0
    return tmp_path / "notebooks" / "01_tiny.ipynb"


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


def test_build_names_the_failing_cell_and_writes_nothing(tmp_path, capsys):
    src = _source(tmp_path, "02_fails.py", FAILS)
    assert cli.main(["build", str(src)]) == 1
    err = capsys.readouterr().err
    assert "02_fails.py: raised ValueError: this cell is broken in cell 1" in err
    assert not (tmp_path / "notebooks" / "02_fails.ipynb").exists()


def test_build_per_cell_timeout_names_the_cell(tmp_path, capsys, no_kernel_left_behind):
    src = _source(tmp_path, "03_hangs.py", HANGS)
    assert cli.main(["build", "--timeout-cell", "2", str(src)]) == 1
    err = capsys.readouterr().err
    assert '03_hangs.py: timed out after 2 s (per-cell timeout) in cell 2 ("while True:")' in err


def test_build_whole_run_timeout_names_the_cell(tmp_path, no_kernel_left_behind):
    src = _source(tmp_path, "03_hangs.py", HANGS)
    with pytest.raises(nr.NotebookError) as err:
        build.build_notebook(src, cell_timeout=60, run_timeout=10)
    assert "whole-run timeout" in str(err.value) and err.value.cell_index == 2


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


def test_run_per_cell_timeout_names_the_cell(tiny_notebook, tmp_path, no_kernel_left_behind):
    import nbformat

    nb = nbformat.read(tiny_notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("while True:\n    pass"))
    path = tmp_path / "04_hangs.ipynb"
    nbformat.write(nb, path)
    result = nr.run_notebook(path, fast=True, cell_timeout=2, run_timeout=120, output_dir=tmp_path / "out")
    assert not result.passed
    assert result.cell_index == 3 and "per-cell timeout" in result.error
    assert 'in cell 3 ("while True:")' in result.error


def test_run_whole_run_timeout_kills_everything_and_names_the_cell(tiny_notebook, tmp_path, no_kernel_left_behind):
    import nbformat

    nb = nbformat.read(tiny_notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import time\nwhile True:\n    time.sleep(0.1)"))
    path = tmp_path / "05_hangs.ipynb"
    nbformat.write(nb, path)
    result = nr.run_notebook(path, cell_timeout=120, run_timeout=20, output_dir=tmp_path / "out")
    assert not result.passed and "whole-run timeout" in result.error
    assert result.cell_index == 3, result.error
    assert result.seconds < 60


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
