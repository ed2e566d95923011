"""The graded versions: the same exercises as an nbgrader course folder.

    metamap-edu nbgrader [NN ...] [--out nbgrader_course]

:func:`nbgrader_notebook` marks each solution cell's answer between nbgrader's ``BEGIN SOLUTION``
and ``END SOLUTION`` lines and turns each check cell into a locked, graded test cell that raises
unless every ``check_...`` in it passes (:func:`metamap_edu.course.must_pass`, because nbgrader
scores a test cell by whether it raises); :func:`write_nbgrader_course` writes the course folder
(``source/<assignment>/`` and its ``nbgrader_config.py``). The exercises are found by
:mod:`metamap_edu.tools.exercise_cells`.
"""
from __future__ import annotations

import ast
import copy
import os
import re
from pathlib import Path

from .._checks import _show, check_int, check_type
from .exercise_cells import _body_start, _function_defs, _leading_comments, _parse, find_exercises
from .student import _default_notebooks_dir, _solved

__all__ = ["nbgrader_notebook", "write_nbgrader_course"]


_REVEALED = re.compile(r"\n?<details>\s*<summary>\s*Solution.*?</details>\s*", re.S)


NBGRADER_CONFIG = '''\
# nbgrader configuration of this course folder (written by `metamap-edu nbgrader`).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "metamap_edu"
c.Execute.timeout = {cell_timeout}   # seconds per cell when autograding
'''


BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"


def _mark_solution(solution: str) -> str:
    """The solution cell with its answer between nbgrader's ``### BEGIN/END SOLUTION`` lines.

    The same region that :func:`make_stub` replaces: each function's body after its docstring,
    or everything after the leading comments of any other cell.
    """
    tree = _parse(solution, "the solution cell")
    lines = solution.rstrip("\n").splitlines()
    functions = list(_function_defs(tree))
    if functions:
        for fn in sorted(functions, key=lambda f: f.lineno, reverse=True):
            start = _body_start(fn)
            if start >= len(fn.body):
                continue
            indent = " " * fn.body[0].col_offset
            first, last = fn.body[start].lineno - 1, fn.end_lineno
            lines[first:last] = [indent + BEGIN_SOLUTION, *lines[first:last], indent + END_SOLUTION]
        return "\n".join(lines)
    comments = _leading_comments(lines)
    return "\n".join([*comments, BEGIN_SOLUTION, *lines[len(comments):], END_SOLUTION])


class _MustPass(ast.NodeTransformer):
    """``course.check_x(...)`` -> ``course.must_pass(course.check_x(...))``.

    ``must_pass`` is reached through the name the cell reaches its checks through (``course`` in
    the notebooks), so the graded cell needs nothing the notebook does not import; a cell that
    calls its checks by bare name gets ``exercises.must_pass``.
    """

    count = 0

    def __init__(self, module: str = "exercises"):
        super().__init__()
        self.module = module

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not name.startswith("check_"):
            return node
        self.count += 1
        wrapper = ast.Attribute(value=ast.Name(id=self.module, ctx=ast.Load()), attr="must_pass",
                                ctx=ast.Load())
        return ast.copy_location(ast.Call(func=wrapper, args=[node], keywords=[]), node)


def _graded_check(check: str, points: int) -> str:
    """A check cell as an nbgrader test cell: it raises ``AssertionError`` unless every check passes."""
    tree = _parse(check, "the check cell")
    bases = sorted((n.lineno, n.col_offset, n.func.value.id) for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and isinstance(n.func, ast.Attribute) and n.func.attr.startswith("check_")
                   and isinstance(n.func.value, ast.Name))
    transformer = _MustPass(bases[0][2] if bases else "exercises")  # the first check's module
    tree = ast.fix_missing_locations(transformer.visit(tree))
    if not transformer.count:
        raise ValueError(f"the check cell calls no check_... function: {check!r}")
    head = (f"# Graded ({points} point{'s' if points != 1 else ''}): every check below must pass; "
            f"its feedback says why not.")
    return head + "\n" + ast.unparse(tree)


def nbgrader_notebook(nb, *, points: int = 1, fast: bool = False):
    """``nb`` (with its solutions) as an nbgrader source notebook.

    Each ``solution`` cell becomes an autograded answer cell with its answer between
    ``### BEGIN SOLUTION`` and ``### END SOLUTION``; each check cell a locked, graded test cell
    worth ``points`` whose assertions are the exercise's checks (``course.must_pass``). The
    markdown ``<details>`` solutions are left out; outputs are cleared. ``fast=True`` grades in the
    notebook's fast mode (``FAST = True`` appended to its ``parameters`` cell).
    """
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode, e.g. from nbformat.read); got {_show(nb)}")
    points = check_int("points", points, min=1)
    check_type("fast", fast, bool)
    exercises = find_exercises(nb)
    if not exercises:
        raise ValueError("the notebook has no exercise (no code cell tagged 'solution')")
    missing = [ex.solution_index for ex in exercises if ex.check_index is None]
    if missing:
        raise ValueError(f"the solution cells {missing} have no check cell after them")
    out = copy.deepcopy(nb)
    for number, ex in enumerate(exercises, start=1):
        answer, test = out.cells[ex.solution_index], out.cells[ex.check_index]
        answer.source = _mark_solution(ex.solution)
        answer.metadata["nbgrader"] = {"grade": False, "grade_id": f"exercise_{number}", "locked": False,
                                       "schema_version": 3, "solution": True, "task": False}
        test.source = _graded_check(ex.check, points)
        test.metadata["nbgrader"] = {"grade": True, "grade_id": f"exercise_{number}_check", "locked": True,
                                     "points": points, "schema_version": 3, "solution": False,
                                     "task": False}
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = _REVEALED.sub("\n", cell.source).strip()
        elif cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if fast and "parameters" in cell.metadata.get("tags", []):
                cell.source = cell.source.rstrip() + "\nFAST = True  # graded in fast mode"
    out.cells = [c for c in out.cells if c.cell_type != "markdown" or c.source]
    out.metadata.pop("widgets", None)
    return out


def write_nbgrader_course(out_dir: str | os.PathLike = "nbgrader_course",
                          notebooks_dir: str | os.PathLike | None = None,
                          names: list[str] | None = None, *, points: int = 1, fast: bool = False,
                          cell_timeout: int = 300) -> list[Path]:
    """Write an nbgrader course folder: ``nbgrader_config.py`` and ``source/NN_x/NN_x.ipynb``.

    One assignment per notebook with exercises (or per name in ``names``, e.g. ``["02"]`` or
    ``["02_learning_one_mapping"]``), built by :func:`nbgrader_notebook` from the solution
    versions. Returns the notebooks written. Then, in ``out_dir``: ``nbgrader generate_assignment
    NN_x``, hand out ``release/``, collect into ``submitted/STUDENT/NN_x/``, ``nbgrader autograde NN_x``.
    """
    import nbformat  # heavy: notebook I/O, needed only when writing files

    check_type("out_dir", out_dir, (str, os.PathLike))
    cell_timeout = check_int("cell_timeout", cell_timeout, min=1)
    src = Path(notebooks_dir) if notebooks_dir is not None else _default_notebooks_dir()
    notebooks = sorted(src.glob("[0-9][0-9]*_*.ipynb"))
    if not notebooks:
        raise ValueError(f"notebooks_dir must hold notebooks NN_name.ipynb; found none in {str(src)!r}")
    if names is not None:
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"names must be a list of notebook names; got {_show(names)}")
        chosen = [p for p in notebooks if any(p.stem == n or p.stem.startswith(n + "_") for n in names)]
        unknown = [n for n in names if not any(p.stem == n or p.stem.startswith(n + "_") for p in chosen)]
        if unknown:
            raise ValueError(f"names must name notebooks in {str(src)!r} (e.g. '02' or "
                             f"'{notebooks[0].stem}'); unknown: {unknown}")
        notebooks = chosen
    solved = [(path, _solved(path)) for path in notebooks]
    solved = [(path, nb) for path, nb in solved if find_exercises(nb)]
    if not solved:
        raise ValueError(f"none of the chosen notebooks in {str(src)!r} has an exercise")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(cell_timeout=cell_timeout),
                                            encoding="utf-8")
    written = []
    for path, nb in solved:
        target = out / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbgrader_notebook(nb, points=points, fast=fast), target)
        written.append(target)
    return written
