"""Student versions of the notebooks: exercise solutions become stubs, the checks stay.

    metamap-edu student [--out student]

The marker, shared with the notebook authors: an exercise's answer is a code cell tagged
``solution`` (jupytext: ``# %% tags=["solution"]``), and the next code cell is its *check cell*,
which calls an ``exercises.check_...`` function. The stub is derived from the solution:

- a cell that defines functions keeps every ``def`` line (decorators, signature, docstring) and
  everything outside the functions; each function body becomes ``...`` and
  ``raise NotImplementedError("Exercise: ...")``;
- any other cell keeps its leading comments; its body becomes a ``raise NotImplementedError``
  line followed by ``name = ...`` for each answer name the check cell reads.

So a learner sees what to write (the names and signatures the check needs) but not how.
The student copy clears every output and execution count, retags ``solution`` cells as
``exercise``, and keeps the revealable ``<details>`` solutions in markdown as they are.
"""
from __future__ import annotations

import ast
import copy
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ._checks import _show, check_type

__all__ = [
    "SOLUTION_TAG",
    "STUB_TAG",
    "Exercise",
    "make_stub",
    "stub_problems",
    "find_exercises",
    "student_notebook",
    "write_student_versions",
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


def make_stub(solution: str, check: str = "") -> str:
    """The stub a learner completes, derived from a solution cell (see the module docstring)."""
    check_type("solution", solution, str)
    check_type("check", check, str)
    tree = _parse(solution, "the solution cell")
    lines = solution.splitlines()
    functions = list(_function_defs(tree))
    if functions:
        # replace bodies from the last function up, so earlier line numbers stay valid
        for fn in sorted(functions, key=lambda f: f.lineno, reverse=True):
            start = _body_start(fn)
            body = fn.body[start:] if start < len(fn.body) else []
            indent = " " * fn.body[0].col_offset
            stub = [f"{indent}# your code here", f"{indent}...",
                    f'{indent}raise NotImplementedError("Exercise: write {fn.name}")']
            if body:
                first, last = body[0].lineno - 1, fn.end_lineno
            else:  # a function that is only a docstring: add the stub after it
                first = last = fn.body[0].end_lineno
            lines[first:last] = stub
        return "\n".join(lines).rstrip() + "\n"
    names = [n for n in _defined_names(solution) if n in _read_names(check)] or _defined_names(solution)
    if not names:
        raise ValueError("the solution cell defines no function and assigns no name: "
                         "there is nothing for a learner to fill in")
    stub = _leading_comments(lines)
    stub.append('raise NotImplementedError("Exercise: replace each ... below with your answer, '
                'then delete this line")')
    stub += [f"{name} = ..." for name in names]
    return "\n".join(stub) + "\n"


def stub_problems(solution: str, stub: str, check: str = "") -> list[str]:
    """How ``stub`` differs from ``solution`` other than in the solution's body ([] = fine).

    Functions: same names, decorators, arguments, return annotation and docstring; the body is
    ``...`` plus ``raise NotImplementedError``; every statement outside the functions is
    identical. Other cells: same leading comments, a ``raise NotImplementedError``, and
    ``name = ...`` for exactly the answer names the check cell reads.
    """
    check_type("solution", solution, str)
    check_type("stub", stub, str)
    check_type("check", check, str)
    problems = []
    sol, stb = _parse(solution, "the solution cell"), _parse(stub, "the stub")
    sol_fns, stb_fns = list(_function_defs(sol)), list(_function_defs(stb))
    if sol_fns:
        if [f.name for f in sol_fns] != [f.name for f in stb_fns]:
            return [f"functions differ: {[f.name for f in sol_fns]} vs {[f.name for f in stb_fns]}"]
        for a, b in zip(sol_fns, stb_fns):
            same = (ast.dump(a.args) == ast.dump(b.args)
                    and [ast.dump(d) for d in a.decorator_list] == [ast.dump(d) for d in b.decorator_list]
                    and ast.dump(a.returns or ast.Constant(None)) == ast.dump(b.returns or ast.Constant(None))
                    and ast.get_docstring(a) == ast.get_docstring(b))
            if not same:
                problems.append(f"{a.name}: the signature or docstring changed")
            rest = b.body[_body_start(b):]
            kinds = [type(s).__name__ for s in rest]
            raises = [s for s in rest if isinstance(s, ast.Raise)]
            if kinds != ["Expr", "Raise"] or "NotImplementedError" not in ast.dump(raises[0]):
                problems.append(f"{a.name}: the stub's body should be `...` and "
                                f"`raise NotImplementedError(...)`")
        outside = lambda tree: [ast.dump(n) for n in tree.body  # noqa: E731
                                if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                      ast.ClassDef))]
        if outside(sol) != outside(stb):
            problems.append("statements outside the functions changed")
        sol_classes = [ast.dump(ast.ClassDef(name=c.name, bases=c.bases, keywords=c.keywords,
                                             body=[], decorator_list=c.decorator_list))
                       for c in sol.body if isinstance(c, ast.ClassDef)]
        stb_classes = [ast.dump(ast.ClassDef(name=c.name, bases=c.bases, keywords=c.keywords,
                                             body=[], decorator_list=c.decorator_list))
                       for c in stb.body if isinstance(c, ast.ClassDef)]
        if sol_classes != stb_classes:
            problems.append("class definitions changed")
        return problems
    expected = [n for n in _defined_names(solution) if n in _read_names(check)] or _defined_names(solution)
    if _leading_comments(solution.splitlines()) != _leading_comments(stub.splitlines()):
        problems.append("the leading comments changed")
    if not any(isinstance(s, ast.Raise) and "NotImplementedError" in ast.dump(s) for s in stb.body):
        problems.append("the stub does not raise NotImplementedError")
    assigned = [s for s in stb.body if isinstance(s, ast.Assign)]
    if ([s.targets[0].id for s in assigned if isinstance(s.targets[0], ast.Name)] != expected
            or any(not (isinstance(s.value, ast.Constant) and s.value.value is Ellipsis)
                   for s in assigned)):
        problems.append(f"the stub should assign `...` to exactly {expected}")
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


def student_notebook(nb):
    """A student copy of ``nb``: stubs for solutions, checks kept, outputs cleared."""
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode, e.g. from nbformat.read); got {_show(nb)}")
    student = copy.deepcopy(nb)
    for ex in find_exercises(nb):
        cell = student.cells[ex.solution_index]
        cell.source = make_stub(ex.solution, ex.check).rstrip("\n")
        tags = [STUB_TAG if t == SOLUTION_TAG else t for t in cell.metadata.get("tags", [])]
        cell.metadata["tags"] = tags
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    student.metadata.pop("widgets", None)
    return student


def _default_notebooks_dir() -> Path:
    here = Path.cwd() / "notebooks"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "notebooks"


def write_student_versions(out_dir: str | os.PathLike = "student",
                           notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write a student copy of every ``NN_*.ipynb`` into ``out_dir``; return the paths."""
    import nbformat

    check_type("out_dir", out_dir, (str, os.PathLike))
    src = Path(notebooks_dir) if notebooks_dir is not None else _default_notebooks_dir()
    notebooks = sorted(src.glob("[0-9][0-9]*_*.ipynb"))
    if not notebooks:
        raise ValueError(f"notebooks_dir must hold notebooks NN_name.ipynb; found none in {str(src)!r}")
    out = Path(out_dir)
    if out.resolve() == src.resolve():
        raise ValueError(f"out_dir must differ from the notebooks folder; got {str(out_dir)!r}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        target = out / path.name
        nbformat.write(student_notebook(nb), target)
        written.append(target)
    return written
