"""The badge row and the install cell every notebook starts with (metamap_edu.tools.colab).

The install cell is executed here in three faked situations: the package installed (it must do
nothing), not installed in Colab (it must call pip once, then import), not installed elsewhere
(it must stop with a message and not call pip).
"""
from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

import metamap_edu
from metamap_edu.tools import colab

REPO = Path(__file__).resolve().parents[3]
SOURCES = sorted((REPO / "notebooks" / "src").glob("[0-9][0-9]*_*.py"))
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def _run_install_cell(monkeypatch, *, installed: bool, in_colab: bool):
    """Execute INSTALL_CELL with faked installed/Colab state; return the pip calls it made."""
    calls = []

    def fake_run(cmd, check=False, **kwargs):
        calls.append(list(cmd))
        # "installing" makes the package importable again
        monkeypatch.setitem(sys.modules, "metamap_edu", metamap_edu)
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    if not installed:
        monkeypatch.setitem(sys.modules, "metamap_edu", None)  # `import metamap_edu` -> ImportError
    if in_colab:
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    namespace: dict = {}
    exec(compile(colab.INSTALL_CELL, "<install cell>", "exec"), namespace)
    return calls, namespace


@pytest.mark.parametrize("in_colab", [False, True])
def test_install_cell_does_nothing_when_installed(monkeypatch, in_colab):
    calls, namespace = _run_install_cell(monkeypatch, installed=True, in_colab=in_colab)
    assert calls == []
    assert namespace["metamap_edu"] is metamap_edu


def test_install_cell_installs_in_colab(monkeypatch):
    calls, namespace = _run_install_cell(monkeypatch, installed=False, in_colab=True)
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", colab.PIP_TARGET]]
    assert namespace["metamap_edu"] is metamap_edu


def test_install_cell_explains_when_not_installed_outside_colab(monkeypatch):
    with pytest.raises(ImportError, match="pip install -c constraints.txt -e ."):
        _run_install_cell(monkeypatch, installed=False, in_colab=False)


def test_install_cell_is_plain_python_without_the_package():
    # no magics and nothing from metamap_edu outside the try: it must compile and run anywhere
    compile(colab.INSTALL_CELL, "<install cell>", "exec")
    assert "%" not in colab.INSTALL_CELL.split("try:")[0]
    assert "metamap_edu." not in colab.INSTALL_CELL


def test_links_point_at_the_notebook():
    assert colab.binder_url("notebooks/src/02_x.py").endswith("?labpath=notebooks%2F02_x.ipynb")
    assert colab.colab_url("02_x.ipynb").endswith(f"/blob/{colab.BRANCH}/notebooks/02_x.ipynb")
    row = colab.badge_markdown("02_x")
    assert colab.binder_url("02_x") in row and colab.colab_url("02_x") in row
    assert "\n" not in row
    with pytest.raises(ValueError, match="notebook"):
        colab.binder_url("../evil name")
    with pytest.raises(TypeError, match="notebook"):
        colab.colab_url(3)


def test_insert_header_puts_the_title_first_and_is_idempotent(tmp_path):
    src = tmp_path / "05_demo.py"
    title = "# %% [markdown]\n# # 05 · Demo\n#\n# **What you'll do.** Something.\n\n"
    rest = '# %% tags=["parameters"]\nFAST = False\nSEED = 0\n\n# %%\nprint(FAST)\n'
    preamble = "# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent\n# ---\n\n"
    # the old layout: a badge cell and a 20-line install cell ABOVE the title
    old_header = (f"# %% [markdown]\n# {colab.badge_markdown('05_demo')}\n\n"
                  f'# %% tags=["install"]\nimport sys\nprint("old install cell")\n\n')
    src.write_text(preamble + old_header + title + rest)
    assert colab.insert_header(src) is True
    text = src.read_text()
    assert text.startswith(preamble + "# %% [markdown]\n# # 05 · Demo\n#\n# [![Launch on Binder]")
    assert text.endswith(rest) and "old install cell" not in text
    assert text.count("mybinder.org/badge_logo") == 1 and text.count('tags=["install"]') == 1
    assert colab.insert_header(src) is False  # already there
    assert src.read_text() == text
    assert colab.header_problems(src) == []
    # an outdated badge row is replaced, not duplicated
    src.write_text(text.replace(colab.REPOSITORY, "old/place"))
    assert colab.insert_header(src) is True
    assert src.read_text() == text


def test_insert_header_needs_a_title(tmp_path):
    src = tmp_path / "05_demo.py"
    src.write_text("# %%\nprint(1)\n")
    with pytest.raises(ValueError, match="title"):
        colab.insert_header(src)


def test_header_problems_names_what_is_missing(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Some text")]
    problems = colab.header_problems(nb, name="03_x")
    assert len(problems) == 2 and "title cell" in problems[0] and "install cell" in problems[1]
    badges, install = colab.header_cells("03_x")
    nb.cells = [nbformat.v4.new_markdown_cell("# 03 · X\n\nGoals."), nbformat.v4.new_code_cell(install)]
    assert colab.header_problems(nb, name="03_x")[0].startswith("the title cell should carry the badge row")
    nb.cells[0].source = f"# 03 · X\n\n{badges}\n\nGoals."
    assert colab.header_problems(nb, name="03_x") == [
        "cell 1 (the install cell) should carry the tag 'install'",
        "cell 1 (the install cell) should have its source collapsed (metadata jupyter.source_hidden)"]
    nb.cells[1].metadata.update(colab.INSTALL_METADATA)
    assert colab.header_problems(nb, name="03_x") == []
    with pytest.raises(TypeError, match="name"):
        colab.header_problems(nb)


@pytest.mark.parametrize("path", SOURCES + NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_starts_with_its_title_then_the_install_cell(path):
    assert colab.header_problems(path) == [], f"run metamap_edu.tools.colab.insert_header({path.name!r})"


_MACHINE = re.compile(r"""(?x)
    ["'](?:/(?:work|tmp|home|Users|root|mnt|opt)/|[A-Za-z]:\\|~/)   # absolute or home paths
  | \bgoogle\.colab\b | \.cuda\( | ["']cuda                       # one platform or device
""")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_code_cell_assumes_a_particular_machine(path):
    import jupytext

    nb = jupytext.read(path)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "install" in cell.metadata.get("tags", []):
            continue
        hit = _MACHINE.search(cell.source)
        assert hit is None, f"{path.name} cell {index} assumes a machine: {hit.group(0)!r}"
