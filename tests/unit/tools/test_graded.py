"""Graded exercises: `metamap-edu nbgrader` writes a course folder that nbgrader's own commands grade.

In a temporary course folder (its own ``nbgrader_config.py`` and ``gradebook.db``), notebook 00
(the fastest with exercises) goes through ``nbgrader generate_assignment`` and then ``nbgrader
autograde`` with three submissions: the solutions (full marks), the released stubs untouched
(zero on every exercise, and nbgrader does not crash), and the solutions with one answer made
wrong (exactly that exercise's points lost).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from metamap_edu.tools import cli
from metamap_edu.tools import graded

pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parents[3]
NAME = "00_start_here"
POINTS = 2


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _submit(course: Path, who: str, nb) -> None:
    folder = course / "submitted" / who / NAME
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NAME}.ipynb")


def _scores(course: Path, who: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(NAME, NAME, who)
        return {grade.name: grade.score for grade in submission.grades if grade.max_score}


@pytest.mark.notebook
def test_nbgrader_grades_solutions_stubs_and_one_wrong_answer(tmp_path, capsys):
    course = tmp_path / "course"
    code = cli.main(["nbgrader", "00", "--out", str(course), "--points", str(POINTS), "--fast",
                     "--notebooks", str(ROOT / "notebooks")])
    assert code == 0 and "2 graded exercises" in capsys.readouterr().out
    assert (course / "nbgrader_config.py").is_file()
    source = nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in source.cells if "nbgrader" in c.metadata]
    assert ids == ["exercise_1", "exercise_1_check", "exercise_2", "exercise_2_check"]

    _nbgrader(course, "generate_assignment", NAME, "--force")
    released = nbformat.read(course / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    answers = [c for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == 2 and all("raise NotImplementedError" in c.source for c in answers)
    assert all(graded.BEGIN_SOLUTION not in c.source for c in released.cells)
    assert all("one_thread = one_thread + x" not in c.source for c in released.cells)

    wrong = nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4)
    [cell] = [c for c in wrong.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "exercise_2"]
    cell.source = cell.source.replace("two_threads = first + second", "two_threads = one_thread")
    _submit(course, "solved", source)
    _submit(course, "stub", released)
    _submit(course, "wrong", wrong)
    _nbgrader(course, "autograde", NAME, "--force")

    full = {"exercise_1_check": POINTS, "exercise_2_check": POINTS}
    assert _scores(course, "solved") == full
    assert _scores(course, "stub") == {"exercise_1_check": 0, "exercise_2_check": 0}
    assert _scores(course, "wrong") == {"exercise_1_check": POINTS, "exercise_2_check": 0}
    autograded = nbformat.read(course / "autograded" / "stub" / NAME / f"{NAME}.ipynb", as_version=4)
    assert autograded.cells, "nbgrader wrote no autograded notebook for the untouched stubs"
    shutil.rmtree(course)


def test_nbgrader_notebook_marks_answers_and_makes_checks_raise():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("FAST = False", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("# Exercise: the limit.\nn = 4\nmax_alpha = 2 / n", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("passed = exercises.check_max_stable_lr(max_alpha, X)"),
        nbformat.v4.new_markdown_cell("<details><summary>Solution</summary>\n\n2 / n\n</details>"),
        nbformat.v4.new_code_cell('def f(x):\n    """Twice x."""\n    return 2 * x', metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("ok = [exercises.check_a(f), check_b(f)]"),
    ]
    notebook = graded.nbgrader_notebook(nb, points=3, fast=True)
    assert notebook.cells[0].source.endswith("FAST = True  # graded in fast mode")
    assert notebook.cells[1].source.splitlines() == [
        "# Exercise: the limit.", graded.BEGIN_SOLUTION, "n = 4", "max_alpha = 2 / n", graded.END_SOLUTION]
    assert notebook.cells[3].source.splitlines()[2:] == [
        "    " + graded.BEGIN_SOLUTION, "    return 2 * x", "    " + graded.END_SOLUTION]
    assert "exercises.must_pass(exercises.check_max_stable_lr(max_alpha, X))" in notebook.cells[2].source
    assert "[exercises.must_pass(exercises.check_a(f)), exercises.must_pass(check_b(f))]" in notebook.cells[4].source
    assert len(notebook.cells) == 5, "the revealed solution in markdown is left out"
    assert notebook.cells[4].metadata["nbgrader"] == {
        "grade": True, "grade_id": "exercise_2_check", "locked": True, "points": 3,
        "schema_version": 3, "solution": False, "task": False}
    # a check that returns False makes the graded cell raise
    namespace = {"exercises": type("E", (), {"must_pass": staticmethod(__import__(
        "metamap_edu.course.feedback", fromlist=["must_pass"]).must_pass),
        "check_max_stable_lr": staticmethod(lambda a, X: a == 0.5)}), "X": None, "max_alpha": 0.4}
    with pytest.raises(AssertionError):
        exec(notebook.cells[2].source, namespace)
    namespace["max_alpha"] = 0.5
    exec(notebook.cells[2].source, namespace)
    with pytest.raises(ValueError, match="no exercise"):
        graded.nbgrader_notebook(nbformat.v4.new_notebook())
    with pytest.raises(ValueError, match="points"):
        graded.nbgrader_notebook(nb, points=0)


def test_graded_cells_reach_must_pass_through_the_name_the_checks_use():
    """The notebooks call ``course.check_...``: the graded cell must not need any other name."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("max_alpha = 0.5", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("passed = course.check_max_stable_lr(max_alpha, X)"),
    ]
    cell = graded.nbgrader_notebook(nb).cells[1].source
    assert "course.must_pass(course.check_max_stable_lr(max_alpha, X))" in cell and "exercises" not in cell
    course_like = type("C", (), {"must_pass": staticmethod(__import__(
        "metamap_edu.course", fromlist=["must_pass"]).must_pass),
        "check_max_stable_lr": staticmethod(lambda a, X: a == 0.5)})
    exec(cell, {"course": course_like, "X": None, "max_alpha": 0.5})
    with pytest.raises(AssertionError):
        exec(cell, {"course": course_like, "X": None, "max_alpha": 0.4})

def test_nbgrader_command_refuses_unknown_notebooks(tmp_path, capsys):
    code = cli.main(["nbgrader", "42", "--out", str(tmp_path / "c"), "--notebooks", str(ROOT / "notebooks")])
    assert code == 2 and "unknown: ['42']" in capsys.readouterr().err
