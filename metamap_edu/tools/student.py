"""Student versions of the notebooks: exercise solutions become stubs, the checks stay.

    metamap-edu student [--out student]

The marker, shared with the notebook authors: an exercise's answer is a code cell tagged
``solution`` (jupytext: ``# %% tags=["solution"]``), and the next code cell is its *check cell*,
which calls a ``course.check_...`` function. The stub is derived from the solution:

- a cell that defines functions keeps every ``def`` line (decorators, signature, docstring) and
  everything outside the functions; each function body becomes ``...`` and
  ``raise NotImplementedError("Exercise: ...")``;
- any other cell keeps its leading comments, adds one line saying what to do, and assigns
  ``name = ...`` for each answer name the check cell reads.

So a learner sees what to write (the names and signatures the check needs) but not how. Nothing
in a stub raises when its cell runs, so an exercise version runs top to bottom: its check cells
print "Not attempted yet" (``metamap_edu.course.feedback``) until the learner writes an answer.
For that to hold, no cell after an exercise may read a name that its solution cell defines
(:func:`metamap_edu.tools.exercise_cells.later_use_problems` finds such cells; the tests run it on
every notebook).

Where each version lives (``metamap-edu build`` writes both from one source):

- ``notebooks/NN_name.ipynb``, the *exercise version* a learner opens: stubs in place of the
  solution cells (retagged ``exercise``), executed, with the checks saying "Not attempted yet";
- ``notebooks/solutions/NN_name.ipynb``, the *solution version*: the source as written, every
  solution in place, no stored outputs (the tests run it and require every check to pass).

``metamap-edu student`` writes clean exercise copies (no outputs) for handing out, and
``metamap-edu nbgrader`` (:mod:`metamap_edu.tools.graded`) an nbgrader course folder whose
answer cells are the solution cells and whose graded test cells are the check cells.
"""
from __future__ import annotations

import ast
import copy
import os
from pathlib import Path

from .._checks import _show, check_type
from .exercise_cells import (SOLUTION_TAG, STUB_TAG, _body_start, _defined_names, _function_defs, _leading_comments,
                             _parse, _read_names, find_exercises)

__all__ = [
    "make_stub",
    "stub_problems",
    "student_notebook",
    "solution_notebook_path",
    "write_student_versions",
]


SOLUTIONS_DIR = "solutions"   # beside the notebooks: notebooks/solutions/NN_name.ipynb


#: the line an answer stub adds below the solution's leading comments
ANSWER_LINE = "# Exercise: replace each ... below with your answer, then run the check below."


def make_stub(solution: str, check: str = "", solution_link: str = "") -> str:
    """The stub a learner completes, derived from a solution cell (see the module docstring).

    ``solution_link``, when given, names where the solution is (e.g. ``solutions/02_x.ipynb``)
    in one comment line of the stub.
    """
    check_type("solution", solution, str)
    check_type("check", check, str)
    check_type("solution_link", solution_link, str)
    where = f" (a solution: {solution_link})" if solution_link else ""
    tree = _parse(solution, "the solution cell")
    lines = solution.splitlines()
    functions = list(_function_defs(tree))
    if functions:
        # replace bodies from the last function up, so earlier line numbers stay valid
        for fn in sorted(functions, key=lambda f: f.lineno, reverse=True):
            start = _body_start(fn)
            body = fn.body[start:] if start < len(fn.body) else []
            indent = " " * fn.body[0].col_offset
            stub = [f"{indent}# your code here{where}", f"{indent}...",
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
    stub.append(ANSWER_LINE)
    if where:
        stub.append(f"# A solution: {solution_link}")
    stub += [f"{name} = ..." for name in names]
    return "\n".join(stub) + "\n"


def stub_problems(solution: str, stub: str, check: str = "") -> list[str]:
    """How ``stub`` differs from ``solution`` other than in the solution's body ([] = fine).

    Functions: same names, decorators, arguments, return annotation and docstring; the body is
    ``...`` plus ``raise NotImplementedError``; every statement outside the functions is
    identical. Other cells: the solution's leading comments (more comment lines may follow),
    nothing that raises when the cell runs, and ``name = ...`` for exactly the answer names the
    check cell reads, and nothing else.
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
    sol_comments = _leading_comments(solution.splitlines())
    if _leading_comments(stub.splitlines())[:len(sol_comments)] != sol_comments:
        problems.append("the leading comments changed")
    if any(not isinstance(s, ast.Assign) for s in stb.body):
        problems.append("the stub should only assign `...` to the answer names (a stub that raises "
                        "stops the notebook)")
    assigned = [s for s in stb.body if isinstance(s, ast.Assign)]
    if ([s.targets[0].id for s in assigned if isinstance(s.targets[0], ast.Name)] != expected
            or any(not (isinstance(s.value, ast.Constant) and s.value.value is Ellipsis)
                   for s in assigned)):
        problems.append(f"the stub should assign `...` to exactly {expected}")
    return problems


def student_notebook(nb, solution_link: str = ""):
    """A student copy of ``nb``: stubs for solutions, checks kept, outputs cleared.

    ``solution_link`` (e.g. ``solutions/02_x.ipynb``) goes into each stub as a comment.
    """
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode, e.g. from nbformat.read); got {_show(nb)}")
    check_type("solution_link", solution_link, str)
    student = copy.deepcopy(nb)
    for ex in find_exercises(nb):
        cell = student.cells[ex.solution_index]
        cell.source = make_stub(ex.solution, ex.check, solution_link).rstrip("\n")
        tags = [STUB_TAG if t == SOLUTION_TAG else t for t in cell.metadata.get("tags", [])]
        cell.metadata["tags"] = tags
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    student.metadata.pop("widgets", None)
    return student


def _default_notebooks_dir() -> Path:
    here = Path.cwd() / "notebooks"
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "notebooks"


def solution_notebook_path(notebook: str | os.PathLike) -> Path:
    """``notebooks/02_x.ipynb`` -> ``notebooks/solutions/02_x.ipynb`` (it may not exist)."""
    check_type("notebook", notebook, (str, os.PathLike))
    notebook = Path(notebook)
    return notebook.parent / SOLUTIONS_DIR / notebook.name


def _solved(path: Path):
    """The notebook at ``path`` with its solutions: its solution version when there is one."""
    import nbformat  # heavy: notebook I/O, needed only when writing files

    solved = solution_notebook_path(path)
    return nbformat.read(solved if solved.is_file() else path, as_version=4)


def write_student_versions(out_dir: str | os.PathLike = "student",
                           notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write a clean exercise copy (stubs, no outputs) of every ``NN_*.ipynb`` into ``out_dir``.

    A notebook's solutions come from ``solutions/NN_*.ipynb`` beside it when that exists (the
    notebooks ``metamap-edu build`` writes), else from its own ``solution`` cells. Returns the paths.
    """
    import nbformat  # heavy: notebook I/O, needed only when writing files

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
        target = out / path.name
        nbformat.write(student_notebook(_solved(path)), target)
        written.append(target)
    return written
