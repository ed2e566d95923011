"""Building stored notebooks (metamap_edu.tools.build): clean metadata, and timeouts that name the cell."""
from __future__ import annotations

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


def test_build_whole_run_timeout_names_the_cell(tmp_path, no_kernel_left_behind, write_source):
    src = write_source("03_hangs.py", "hangs")
    with pytest.raises(nr.NotebookError) as err:
        build.build_notebook(src, cell_timeout=60, run_timeout=10)
    assert "whole-run timeout" in str(err.value) and err.value.cell_index == 2
