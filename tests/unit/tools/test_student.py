"""Student versions (metamap_edu.tools.student): stubs derived from solutions, checks kept."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from metamap_edu.tools import exercise_cells, student


REPO = Path(__file__).resolve().parents[3]


NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


SOURCES = sorted((REPO / "notebooks" / "src").glob("[0-9][0-9]*_*.py"))


# the solution versions that `metamap-edu build` writes beside the exercise versions
SOLVED = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]*_*.ipynb"))


def _exec(source: str, namespace: dict):
    exec(compile(source, "<cell>", "exec"), namespace)


def test_function_stub_keeps_signature_docstring_and_outside_code(def_solution):
    stub = student.make_stub(def_solution, "check_area(area)")
    assert "def area(radius: float,\n         *, exact: bool = True) -> float:" in stub
    assert '"""Area of a circle."""' in stub
    assert "math.pi" not in stub and "SCALE * x" not in stub
    assert stub.count("raise NotImplementedError") == 2 and "import math" in stub
    assert student.stub_problems(def_solution, stub, "check_area(area)") == []


def test_assignment_stub_names_only_what_the_check_reads(assign_solution):
    check = "exercises.check_max_stable_lr(max_alpha, X)"
    stub = student.make_stub(assign_solution, check)
    assert stub.splitlines()[:2] == assign_solution.splitlines()[:2]  # leading comments kept
    assert "raise" not in stub  # a stub that raised would stop the notebook at this cell
    linked = student.make_stub(assign_solution, check, solution_link="solutions/02_x.ipynb")
    assert "# A solution: solutions/02_x.ipynb" in linked
    assert student.stub_problems(assign_solution, linked, check) == []
    assert stub.splitlines()[-1] == "max_alpha = ..."
    assert "h_max" not in stub and "eigen" not in stub.split("\n", 2)[2]
    assert student.stub_problems(assign_solution, stub, check) == []


def test_stub_problems_catch_a_changed_signature_or_a_leaked_answer(def_solution, assign_solution):
    stub = student.make_stub(def_solution)
    assert student.stub_problems(def_solution, stub.replace("radius: float", "r: float"))
    assert student.stub_problems(def_solution, stub.replace("SCALE = 2.0", "SCALE = 3.0"))
    leaked = stub.replace("    # your code here\n    ...\n", "    return 1.0\n", 1)
    assert student.stub_problems(def_solution, leaked)
    check = "check(max_alpha)"
    assert student.stub_problems(assign_solution, "max_alpha = ...\n", check)  # no raise
    assert student.stub_problems(
        assign_solution, "# Exercise: the learning-rate limit.\n# Hint: look at the largest "
        "eigenvalue.\nraise NotImplementedError\nmax_alpha = 0.8\n", check)


def test_bad_solutions_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="magics"):
        student.make_stub("%timeit f()\n")
    with pytest.raises(ValueError, match="nothing for a learner"):
        student.make_stub("print('hi')\n")
    with pytest.raises(TypeError, match="solution"):
        student.make_stub(3)


def test_synthetic_solution_passes_its_check_and_the_stub_does_not(def_solution, assign_solution):
    check = "ok = check_area(area)"
    checks = {"check_area": lambda fn: abs(fn(1.0) - 3.14159) < 1e-3}
    solved = dict(checks)
    _exec(def_solution, solved)
    _exec(check, solved)
    assert solved["ok"] is True
    stubbed = dict(checks)
    _exec(student.make_stub(def_solution, check), stubbed)
    with pytest.raises(NotImplementedError, match="Exercise: write area"):
        _exec(check, stubbed)
    # an answer stub runs without raising: the notebook goes on, the answer is `...`
    answered: dict = {}
    _exec(student.make_stub(assign_solution, "check(max_alpha)"), answered)
    assert answered["max_alpha"] is Ellipsis


def test_the_course_checks_say_not_attempted_for_an_untouched_stub(capsys):
    """The stubs above reach a `course.check_...` as `...` or as a function that raises
    NotImplementedError: every check then says "Not attempted yet", returns False, raises nothing."""
    from metamap_edu import course

    names = [n for n in course.__all__ if n.startswith("check_")]
    assert len(names) >= 10
    for name in names:
        assert getattr(course, name)(...) is False, name
        said = capsys.readouterr().out
        assert said.startswith("Not attempted yet") and "Not yet" not in said, f"{name}: {said!r}"
    stub: dict = {}
    _exec(student.make_stub("def my_sgd_step(theta, grad, lr):\n    return theta - lr * grad\n"), stub)
    assert course.check_sgd_step(stub["my_sgd_step"]) is False
    assert capsys.readouterr().out.startswith("Not attempted yet: my_sgd_step")
    # a real attempt is still judged
    assert course.check_sgd_step(lambda theta, grad, lr: theta + lr * grad) is False
    assert "Not yet: you stepped uphill" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="did not pass"):
        course.must_pass(False)
    assert course.must_pass(True) is True


def test_student_notebook_stubs_solutions_keeps_checks_clears_outputs(tmp_path, synthetic_notebook):
    nb = synthetic_notebook()
    [exercise] = exercise_cells.find_exercises(nb)
    assert (exercise.solution_index, exercise.check_index) == (1, 2)
    assert exercise.answer_names == ["max_alpha"]
    copy_ = student.student_notebook(nb)
    assert copy_.cells[1].source.endswith("max_alpha = ...")
    assert copy_.cells[1].metadata["tags"] == ["exercise"]
    assert copy_.cells[2].source == nb.cells[2].source and copy_.cells[2].outputs == []
    assert nb.cells[2].outputs  # the original is untouched
    (tmp_path / "nb").mkdir()
    nbformat.write(nb, tmp_path / "nb" / "07_demo.ipynb")
    [written] = student.write_student_versions(tmp_path / "out", notebooks_dir=tmp_path / "nb")
    assert written.name == "07_demo.ipynb"
    assert nbformat.read(written, as_version=4).cells[1].source == copy_.cells[1].source
    with pytest.raises(ValueError, match="notebooks_dir"):
        student.write_student_versions(tmp_path / "out", notebooks_dir=tmp_path / "out2")


def test_student_command(tmp_path, capsys, synthetic_notebook):
    from metamap_edu.tools import cli

    (tmp_path / "nb").mkdir()
    nbformat.write(synthetic_notebook(), tmp_path / "nb" / "07_demo.ipynb")
    code = cli.main(["student", "--out", str(tmp_path / "out"), "--notebooks", str(tmp_path / "nb")])
    assert code == 0
    assert (tmp_path / "out" / "07_demo.ipynb").is_file()
    assert "1 exercise" in capsys.readouterr().out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_source_solution_has_a_check_and_a_faithful_stub(path):
    import jupytext

    for ex in exercise_cells.find_exercises(jupytext.read(path)):
        where = f"{path.name} cell {ex.solution_index}"
        assert ex.check_index is not None, f"{where}: no check cell (exercises.check_...) follows"
        stub = student.make_stub(ex.solution, ex.check)
        assert student.stub_problems(ex.solution, stub, ex.check) == [], where


def test_there_are_solution_versions():
    assert SOLVED, "no notebooks/solutions/NN_*.ipynb: run `metamap-edu build`"


@pytest.mark.parametrize("path", SOLVED, ids=lambda p: p.name)
def test_exercise_version_holds_the_stubs_of_the_solution_version(path):
    solved = nbformat.read(path, as_version=4)
    opened = nbformat.read(path.parent.parent / path.name, as_version=4)
    exercises = exercise_cells.find_exercises(solved)
    assert exercises, f"solutions/{path.name} has no solution cell"
    assert exercise_cells.find_exercises(opened) == []
    for ex in exercises:
        where = f"{path.name} cell {ex.solution_index}"
        assert ex.check_index is not None, f"{where}: no check cell (exercises.check_...) follows"
        stub = student.make_stub(ex.solution, ex.check, solution_link=f"solutions/{path.name}")
        assert student.stub_problems(ex.solution, stub, ex.check) == [], where
        assert opened.cells[ex.solution_index].source == stub.rstrip("\n"), where
        assert opened.cells[ex.solution_index].metadata["tags"] == [exercise_cells.STUB_TAG]
        assert opened.cells[ex.check_index].source == ex.check


def test_student_command_on_the_real_notebooks_writes_clean_exercise_copies(tmp_path):
    written = student.write_student_versions(tmp_path, notebooks_dir=REPO / "notebooks")
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for path in SOLVED:
        copy_ = nbformat.read(tmp_path / path.name, as_version=4)
        solved = nbformat.read(path, as_version=4)
        assert exercise_cells.find_exercises(copy_) == []
        assert [c.source for c in copy_.cells] == [c.source for c in student.student_notebook(solved).cells]
        assert all(not c.get("outputs") for c in copy_.cells if c.cell_type == "code")
