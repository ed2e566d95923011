"""The notebook runner (metamap_edu.tools.runner): finding sources, cell labels, run_notebook's checks and timeouts."""
from __future__ import annotations

from pathlib import Path

import pytest

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
