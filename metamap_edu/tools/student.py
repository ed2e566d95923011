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
print "Not attempted yet" (``metamap_edu.course.exercises._guard``) until the learner writes an answer. For that to
hold, no cell after an exercise may read a name that its solution cell defines
(:func:`later_use_problems` finds such cells; the tests run it on every notebook).

Where each version lives (``metamap-edu build`` writes both from one source):

- ``notebooks/NN_name.ipynb``, the *exercise version* a learner opens: stubs in place of the
  solution cells (retagged ``exercise``), executed, with the checks saying "Not attempted yet";
- ``notebooks/solutions/NN_name.ipynb``, the *solution version*: the source as written, every
  solution in place, no stored outputs (the tests run it and require every check to pass).

``metamap-edu student`` writes clean exercise copies (no outputs) for handing out, and
``metamap-edu nbgrader`` (:func:`write_nbgrader_course`) an nbgrader course folder whose answer
cells are the solution cells and whose graded test cells are the check cells.
"""
from __future__ import annotations

import ast
import copy
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .._checks import _show, check_type

__all__ = [
    "SOLUTION_TAG",
    "STUB_TAG",
    "Exercise",
    "make_stub",
    "stub_problems",
    "later_use_problems",
    "find_exercises",
    "student_notebook",
    "solution_notebook_path",
    "write_student_versions",
    "nbgrader_notebook",
    "write_nbgrader_course",
]

SOLUTION_TAG = "solution"
STUB_TAG = "exercise"
SOLUTIONS_DIR = "solutions"   # beside the notebooks: notebooks/solutions/NN_name.ipynb
#: the line an answer stub adds below the solution's leading comments
ANSWER_LINE = "# Exercise: replace each ... below with your answer, then run the check below."
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
    import nbformat

    solved = solution_notebook_path(path)
    return nbformat.read(solved if solved.is_file() else path, as_version=4)


def write_student_versions(out_dir: str | os.PathLike = "student",
                           notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write a clean exercise copy (stubs, no outputs) of every ``NN_*.ipynb`` into ``out_dir``.

    A notebook's solutions come from ``solutions/NN_*.ipynb`` beside it when that exists (the
    notebooks ``metamap-edu build`` writes), else from its own ``solution`` cells. Returns the paths.
    """
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
        target = out / path.name
        nbformat.write(student_notebook(_solved(path)), target)
        written.append(target)
    return written


# --------------------------------------------------------------------------------------------
# nbgrader: the same exercises as graded assignments
# --------------------------------------------------------------------------------------------
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
_REVEALED = re.compile(r"\n?<details>\s*<summary>\s*Solution.*?</details>\s*", re.S)
NBGRADER_CONFIG = '''\
# nbgrader configuration of this course folder (written by `metamap-edu nbgrader`).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "metamap_edu"
c.Execute.timeout = {cell_timeout}   # seconds per cell when autograding
'''


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
    """``course.check_x(...)`` -> ``course.must_pass(course.check_x(...))`` (the same module
    object the check is called on; ``course`` for a bare ``check_x(...)``)."""

    count = 0

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not name.startswith("check_"):
            return node
        self.count += 1
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else "course"
        wrapper = ast.Attribute(value=ast.Name(id=owner, ctx=ast.Load()), attr="must_pass", ctx=ast.Load())
        return ast.copy_location(ast.Call(func=wrapper, args=[node], keywords=[]), node)


def _graded_check(check: str, points: int) -> str:
    """A check cell as an nbgrader test cell: it raises ``AssertionError`` unless every check passes."""
    tree = _parse(check, "the check cell")
    transformer = _MustPass()
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
    from .._checks import check_int

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
    import nbformat

    from .._checks import check_int

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
