"""Finding exercises (metamap_edu.tools.exercise_cells): every solution cell has a check cell,
and no later cell reads an answer."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from metamap_edu.tools import exercise_cells


REPO = Path(__file__).resolve().parents[3]


SOURCES = sorted((REPO / "notebooks" / "src").glob("[0-9][0-9]*_*.py"))


DEF_SOLUTION = '''\
import math

SCALE = 2.0


@staticmethod
def area(radius: float,
         *, exact: bool = True) -> float:
    """Area of a circle."""
    value = math.pi * radius ** 2
    return value if exact else round(value, 1)


class Shape:
    def double(self, x):
        return SCALE * x
'''


ASSIGN_SOLUTION = '''\
# Exercise: the learning-rate limit.
# Hint: look at the largest eigenvalue.
n = 4
h_max = 2.5 * n
max_alpha = 2 / h_max
'''


def _synthetic_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell(ASSIGN_SOLUTION, metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("exercises.check_max_stable_lr(max_alpha, X)"),
        nbformat.v4.new_code_cell("print(1)"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="Correct!\n")]
    return nb


def test_a_later_cell_that_reads_an_answer_is_reported():
    nb = _synthetic_notebook()
    assert exercise_cells.later_use_problems(nb) == []
    nb.cells[3].source = "print(max_alpha)"
    [problem] = exercise_cells.later_use_problems(nb)
    assert "cell 3 reads ['max_alpha']" in problem
    # a function stub keeps what lies outside its functions, but the functions only raise
    nb.cells[1].source = DEF_SOLUTION
    nb.cells[2].source = "check_area(area)"
    nb.cells[3].source = "print(SCALE, math.pi)"
    assert exercise_cells.later_use_problems(nb) == []
    nb.cells[3].source = "print(area(1.0))"
    assert "reads ['area']" in exercise_cells.later_use_problems(nb)[0]


def test_a_solution_without_a_check_cell_is_reported():
    nb = _synthetic_notebook()
    nb.cells[2].source = "print(max_alpha)"
    [exercise] = exercise_cells.find_exercises(nb)
    assert exercise.check_index is None


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_revealable_solution_follows_a_tagged_solution_cell(path):
    """A ``<details>`` solution in markdown only explains a ``solution`` cell: an exercise whose
    answer lives only in markdown would get no stub and no check in the student copy."""
    import jupytext

    tagged_since_last = False
    for index, cell in enumerate(jupytext.read(path).cells):
        if cell.cell_type == "code" and exercise_cells.SOLUTION_TAG in cell.metadata.get("tags", []):
            tagged_since_last = True
        elif cell.cell_type == "markdown" and "<summary>Solution" in cell.source:
            assert tagged_since_last, (f"{path.name} cell {index}: a <details> solution with no "
                                       f"solution-tagged code cell before it (since the previous one)")
            tagged_since_last = False


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_cell_after_an_exercise_reads_its_answer(path):
    """The exercise version stubs the answers out, so a later cell reading one would fail there."""
    import jupytext

    assert exercise_cells.later_use_problems(jupytext.read(path)) == [], path.name
