"""Notebook tests (besides nbval, which pyproject.toml's addopts run over notebooks/*.ipynb).

* Each stored ``notebooks/NN_name.ipynb`` is the executed *exercise version* of
  ``notebooks/src/NN_name.py``: the source's cells with each solution replaced by its stub
  (``metamap_edu.tools.student``), outputs present, clean metadata (rebuild with ``metamap-edu build``).
  nbval (pyproject's addopts) re-runs these, so the stubs and their "Not attempted yet" checks
  are what it compares.
* Each notebook with exercises has a *solution version* ``notebooks/solutions/NN_name.ipynb``:
  the source's cells exactly, no outputs.
* Each notebook runs top to bottom through papermill with ``FAST = True``, with a per-cell and a
  whole-run timeout; a failure names the notebook and the cell. For a notebook with exercises it
  is the solution version that runs, and every one of its checks must say "Correct!".
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from metamap_edu.tools import runner as nr
from metamap_edu.tools import student

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = nr.find_sources(NOTEBOOKS)
STORED = nr.find_notebooks(NOTEBOOKS)

FAST_CELL_TIMEOUT = float(os.environ.get("METAMAP_FAST_CELL_TIMEOUT", "180"))
FAST_RUN_TIMEOUT = float(os.environ.get("METAMAP_FAST_RUN_TIMEOUT", "420"))

# Text that must never appear in a stored output: machine paths and object addresses.
_MACHINE_SPECIFIC = re.compile(r"(/home/|/root/|/tmp/|/Users/|C:\\\\|site-packages| at 0x[0-9a-f]+)")


def _ids(paths):
    return [p.stem for p in paths]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def test_there_are_notebooks():
    assert SOURCES, "no notebook sources in notebooks/src/"
    assert STORED, "no stored notebooks in notebooks/ (run `metamap-edu build`)"


@pytest.mark.parametrize("source", SOURCES, ids=_ids(SOURCES))
def test_stored_notebook_matches_its_source(source):
    stored = nr.notebook_for_source(source)
    assert stored.is_file(), f"{stored.name} is missing: run `metamap-edu build {source.relative_to(ROOT)}`"
    expected = nr.read_source(source)
    if student.find_exercises(expected):
        expected = student.student_notebook(expected, solution_link=f"solutions/{stored.name}")
    actual = _load(stored)
    want = [(c.cell_type, c.source.strip()) for c in expected.cells]
    got = [(c["cell_type"], _text(c["source"]).strip()) for c in actual["cells"]]
    assert got == want, (f"{stored.name} is out of date with {source.name}: "
                         f"run `metamap-edu build {source.relative_to(ROOT)}`")


@pytest.mark.parametrize("source", SOURCES, ids=_ids(SOURCES))
def test_solution_version_is_the_source_without_outputs(source):
    stored = nr.notebook_for_source(source)
    solved = student.solution_notebook_path(stored)
    expected = nr.read_source(source)
    if not student.find_exercises(expected):
        assert not solved.exists(), f"{solved.name}: a solution version of a notebook without exercises"
        return
    assert solved.is_file(), f"{solved.name} is missing: run `metamap-edu build {source.relative_to(ROOT)}`"
    actual = _load(solved)
    want = [(c.cell_type, c.source.strip()) for c in expected.cells]
    got = [(c["cell_type"], _text(c["source"]).strip()) for c in actual["cells"]]
    assert got == want, f"solutions/{solved.name} is out of date with {source.name}: run `metamap-edu build`"
    assert all(not c.get("outputs") for c in actual["cells"] if c["cell_type"] == "code"), \
        f"solutions/{solved.name} stores outputs"


@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_exercise_version_runs_through_and_its_checks_wait_for_an_answer(notebook):
    """No stored error, and every check cell after a stub says "Not attempted yet", nothing else."""
    nb = _load(notebook)
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert student.SOLUTION_TAG not in cell["metadata"].get("tags", []), \
            f"{notebook.name} cell {index}: a solution in the notebook a learner opens"
        if student.STUB_TAG not in cell["metadata"].get("tags", []):
            continue
        check = next(c for c in nb["cells"][index + 1:] if c["cell_type"] == "code")
        text = "".join(_text(o.get("text", "")) for o in check.get("outputs", []))
        assert "Not attempted yet" in text, f"{notebook.name}: the check after cell {index} says {text!r}"
        assert "Correct!" not in text and "Not yet" not in text, \
            f"{notebook.name}: the check after cell {index} judges a stub: {text!r}"


@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_stored_notebook_has_a_source(notebook):
    assert (NOTEBOOKS / "src" / (notebook.stem + ".py")).is_file(), \
        f"{notebook.name} has no source notebooks/src/{notebook.stem}.py"


@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_stored_notebook_is_executed_and_clean(notebook):
    nb = _load(notebook)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info", "widgets"}, \
        f"{notebook.name}: unexpected notebook metadata {sorted(nb['metadata'])}"
    assert "version" not in nb["metadata"].get("language_info", {})
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code if _text(c["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), \
        f"{notebook.name} was not executed top to bottom in one run: execution counts {counts}"
    for index, cell in enumerate(nb["cells"]):
        assert not {"execution", "papermill", "ExecuteTime"} & set(cell.get("metadata", {})), \
            f"{notebook.name} cell {index} keeps run-specific metadata"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{notebook.name} cell {index} stored an error"
            text = _text(output.get("text", "")) + _text(output.get("data", {}).get("text/plain", ""))
            ignored = _text(cell["source"]).lstrip().startswith("# NBVAL_IGNORE_OUTPUT")
            if not ignored:
                assert not _MACHINE_SPECIFIC.search(text), \
                    f"{notebook.name} cell {index} prints a machine-specific path or address: {text[:200]!r}"


@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_notebook_has_parameters_cell_first(notebook):
    nb = _load(notebook)
    # the Colab install cell (tagged 'install') comes first; then the parameters
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "install" not in c["metadata"].get("tags", [])]
    assert code, f"{notebook.name} has no code"
    first = code[0]
    assert "parameters" in first["metadata"].get("tags", []), \
        f"{notebook.name}: the first code cell after the install cell must be tagged 'parameters' (papermill)"
    assert re.search(r"^FAST\s*=\s*False", _text(first["source"]), re.M), f"{notebook.name}: no `FAST = False`"
    assert re.search(r"^SEED\s*=\s*0", _text(first["source"]), re.M), f"{notebook.name}: no `SEED = 0`"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_no_cell_echoes_a_return_value_nobody_asked_for(notebook):
    """No stray `1` or `True` after `mm.set_threads(1)` or an exercise check."""
    for index, cell in enumerate(_load(notebook)["cells"]):
        for output in cell.get("outputs", []):
            if output["output_type"] == "execute_result":
                shown = _text(output["data"].get("text/plain", "")).strip()
                assert not re.fullmatch(r"True|False|-?\d+", shown), \
                    f"{notebook.name} cell {index} echoes {shown!r}: {_text(cell['source']).splitlines()[-1]!r}"


@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_every_widget_cell_stores_one_output_that_shows_before_it_runs(notebook):
    """A widget cell stores ONE output: the live widget, plus its picture and hint for first open."""
    from metamap_edu.course import STATIC_HINT

    for index, cell in enumerate(_load(notebook)["cells"]):
        outputs = cell.get("outputs", [])
        views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})
                 and not re.search(r"\|\s*[\d.]+[kM]?/[\d.?]+[kM]?\s*\[", _text(o["data"].get("text/plain", "")))]
        if not views:
            continue
        assert len(outputs) == 1, f"{notebook.name} cell {index} shows {len(outputs)} outputs next to its widget"
        data = views[0]["data"]
        assert _text(data.get("text/plain", "")) == STATIC_HINT, f"{notebook.name} cell {index}: raw widget text"
        assert 'src="data:image/png;base64,' in _text(data.get("text/html", "")), \
            f"{notebook.name} cell {index}: no picture for first open"


@pytest.mark.parametrize("notebook", [p for p in STORED if p.name[:2] in ("00", "01", "02", "03", "04")],
                         ids=lambda p: p.stem)
def test_printed_lines_fit_the_output_area(notebook):
    """Notebooks 00-04 print no line over 100 columns (JupyterLab would break it mid-word)."""
    for index, cell in enumerate(_load(notebook)["cells"]):
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                for line in _text(output["text"]).splitlines():
                    assert len(line) <= 100, f"{notebook.name} cell {index}: {len(line)} columns: {line[:80]!r}..."


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", STORED, ids=_ids(STORED))
def test_notebook_runs_in_fast_mode(notebook, tmp_path):
    """The solution version when there is one (the exercise version is nbval's): every check passes."""
    solved = student.solution_notebook_path(notebook)
    run = solved if solved.is_file() else notebook
    result = nr.run_notebook(run, fast=True, cell_timeout=FAST_CELL_TIMEOUT, run_timeout=FAST_RUN_TIMEOUT,
                             output_dir=tmp_path, cwd=NOTEBOOKS)
    assert result.passed, result.error
    import nbformat

    executed = _load(Path(result.output_path))
    exercises = student.find_exercises(nbformat.read(result.output_path, as_version=4))
    assert (run is solved) == bool(exercises), f"{run.name}: solution cells in the wrong version"
    for ex in exercises:
        outputs = executed["cells"][ex.check_index].get("outputs", [])
        text = "".join(_text(o.get("text", "")) for o in outputs)
        checks = len(re.findall(r"\bcheck_\w+\s*\(", _text(executed["cells"][ex.check_index]["source"])))
        assert text.count("Correct!") == checks and "Not yet" not in text and "Not attempted" not in text, \
            f"solutions/{run.name} cell {ex.check_index}: {checks} check(s), and they say {text!r}"


def test_nbval_checks_the_exercise_versions_and_leaves_the_solutions_to_papermill():
    """nbval collects notebooks/NN_*.ipynb, never notebooks/solutions/ (run above, once).

    It is pyproject's ``norecursedirs`` that leaves the folder out, so this holds for the suite and
    for the cross-CPU child (which clears ``addopts`` and passes the nbval options itself).
    """
    import subprocess
    import sys

    listed = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "-o", "addopts=", "--nbval", str(NOTEBOOKS)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    collected = {line.split("::")[0] for line in listed.stdout.splitlines() if "::" in line}
    assert {Path(p).name for p in collected} == {p.name for p in STORED}, listed.stdout[-2000:]
