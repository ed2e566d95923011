"""Building stored notebooks (metamap_edu.tools.build): clean metadata, and timeouts that name the cell."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from metamap_edu.tools import build
from metamap_edu.tools import runner as nr

# --------------------------------------------------------------------------------------------
# clean metadata
# --------------------------------------------------------------------------------------------


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


HANGS = '''\
# %% tags=["parameters"]
FAST = False

# %%
x = 1

# %%
while True:
    pass
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


def test_build_whole_run_timeout_names_the_cell(tmp_path, no_kernel_left_behind):
    src = _source(tmp_path, "03_hangs.py", HANGS)
    with pytest.raises(nr.NotebookError) as err:
        build.build_notebook(src, cell_timeout=60, run_timeout=10)
    assert "whole-run timeout" in str(err.value) and err.value.cell_index == 2
