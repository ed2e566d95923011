"""Finding exercises (metamap_edu.tools.exercise_cells): every solution cell has a check cell,
and no later cell reads an answer."""
from __future__ import annotations

from pathlib import Path

import pytest

from metamap_edu.tools import exercise_cells


REPO = Path(__file__).resolve().parents[3]


SOURCES = sorted((REPO / "notebooks" / "src").glob("[0-9][0-9]*_*.py"))


def test_a_later_cell_that_reads_an_answer_is_reported(def_solution, synthetic_notebook):
    nb = synthetic_notebook()
    assert exercise_cells.later_use_problems(nb) == []
    nb.cells[3].source = "print(max_alpha)"
    [problem] = exercise_cells.later_use_problems(nb)
    assert "cell 3 reads ['max_alpha']" in problem
    # a function stub keeps what lies outside its functions, but the functions only raise
    nb.cells[1].source = def_solution
    nb.cells[2].source = "check_area(area)"
    nb.cells[3].source = "print(SCALE, math.pi)"
    assert exercise_cells.later_use_problems(nb) == []
    nb.cells[3].source = "print(area(1.0))"
    assert "reads ['area']" in exercise_cells.later_use_problems(nb)[0]


def test_a_solution_without_a_check_cell_is_reported(synthetic_notebook):
    nb = synthetic_notebook()
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
