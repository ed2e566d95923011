"""Finding a notebook's exercises: a ``solution`` cell and the check cell after it.

The marker, shared with the notebook authors: an exercise's answer is a code cell tagged
``solution`` (jupytext: ``# %% tags=["solution"]``), and the next code cell is its *check cell*,
which calls a ``course.check_...`` function. :func:`find_exercises` lists them as
:class:`Exercise` records; the name readers here (what a cell defines, what it reads) let the stubs
of :mod:`metamap_edu.tools.student` name only what a check needs, and :func:`later_use_problems`
finds a later cell that reads an answer (which would fail in the exercise version).
Used by ``metamap-edu build``, ``student`` and ``nbgrader``.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .._checks import _show

__all__ = [
    "SOLUTION_TAG",
    "STUB_TAG",
    "Exercise",
    "later_use_problems",
    "find_exercises",
]


SOLUTION_TAG = "solution"


STUB_TAG = "exercise"


_CHECK_CALL = re.compile(r"\bcheck_\w+\s*\(")


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: its solution cell and the check cell after it."""

    solution_index: int
    check_index: int | None   # None: no check cell follows (a problem the tests report)
    solution: str
    check: str

    @property
    def answer_names(self) -> list[str]:
        """Names the solution assigns or defines at top level that the check cell reads."""
        return [n for n in _defined_names(self.solution) if n in _read_names(self.check)]


def _parse(source: str, what: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as err:
        raise ValueError(f"{what} is not plain Python (line {err.lineno}: {err.msg}); a solution "
                         f"cell may not use IPython magics") from None


def _defined_names(source: str) -> list[str]:
    names: list[str] = []
    for node in _parse(source, "the solution cell").body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            targets = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            nodes = node.targets if isinstance(node, ast.Assign) else [node.target]
            targets = [n.id for t in nodes for n in ast.walk(t) if isinstance(n, ast.Name)]
        else:
            targets = []
        names += [t for t in targets if t not in names]
    return names


def _read_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"[A-Za-z_]\w*", source))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _leading_comments(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            break
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def _function_defs(tree: ast.Module):
    """Top-level functions and methods of top-level classes."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield item


def _body_start(fn) -> int:
    """Index in fn.body of the first statement after the docstring."""
    first = fn.body[0]
    is_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
              and isinstance(first.value.value, str))
    return 1 if is_doc else 0


def later_use_problems(nb) -> list[str]:
    """Cells after an exercise's check that read a name its solution defines ([] = fine).

    The exercise version replaces the solution with a stub, so such a cell would fail there.
    """
    problems = []
    for ex in find_exercises(nb):
        tree = _parse(ex.solution, "the solution cell")
        if list(_function_defs(tree)):   # a function stub keeps the code outside the functions
            defined = {node.name for node in tree.body
                       if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        else:
            defined = set(_defined_names(ex.solution))
        after = (ex.check_index if ex.check_index is not None else ex.solution_index) + 1
        for index in range(after, len(nb.cells)):
            cell = nb.cells[index]
            if cell.cell_type != "code":
                continue
            used = sorted(defined & _read_names(cell.source))
            if used:
                problems.append(f"cell {index} reads {used}, which the exercise in cell "
                                f"{ex.solution_index} defines: the exercise version stubs them out")
    return problems


def find_exercises(nb) -> list[Exercise]:
    """Every ``solution``-tagged code cell with the next code cell as its check."""
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode, e.g. from nbformat.read); got {_show(nb)}")
    exercises = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or SOLUTION_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        check_index = next((j for j in range(i + 1, len(nb.cells))
                            if nb.cells[j].cell_type == "code"), None)
        check_src = nb.cells[check_index].source if check_index is not None else ""
        if check_index is not None and not _CHECK_CALL.search(check_src):
            check_index, check_src = None, ""
        exercises.append(Exercise(i, check_index, cell.source, check_src))
    return exercises
