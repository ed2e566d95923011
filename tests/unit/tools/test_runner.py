"""The notebook runner (metamap_edu.tools.runner): finding sources, cell labels, run_notebook's checks and timeouts."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from metamap_edu.tools import cli
from metamap_edu.tools import runner as nr

# --------------------------------------------------------------------------------------------
# plain functions
# --------------------------------------------------------------------------------------------


def test_notebook_for_source():
    assert nr.notebook_for_source(Path("notebooks/src/03_x.py")) == Path("notebooks/03_x.ipynb")


def test_cell_label_and_error_message():
    err = nr.NotebookError("01_x.ipynb", "timed out after 2 s (per-cell timeout)", 3, "\n  while True:\n    pass")
    assert str(err) == '01_x.ipynb: timed out after 2 s (per-cell timeout) in cell 3 ("while True:")'
    assert "kernel start-up" in str(nr.NotebookError("a.ipynb", "whole run timed out"))


def test_run_notebook_validates_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.ipynb"):
        nr.run_notebook(tmp_path / "missing.ipynb")
    (tmp_path / "x.ipynb").write_text("{}")
    with pytest.raises(TypeError, match="fast"):
        nr.run_notebook(tmp_path / "x.ipynb", fast="yes")
    with pytest.raises(ValueError, match="cell_timeout"):
        nr.run_notebook(tmp_path / "x.ipynb", cell_timeout=0)


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
