"""Shared by the tests of the ``metamap-edu`` command, the notebook runner and the notebook build:
tiny notebook sources written into a temporary folder, a built tiny notebook, and a check that a
test leaves no kernel running."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from metamap_edu.tools import cli

# Tiny notebook sources (jupytext percent format), by the name the tests use.
NOTEBOOK_TEXTS = {
    "tiny": '''\
# %% [markdown]
# # A tiny notebook

# %% tags=["parameters"]
FAST = False
SEED = 0

# %%
import os
print("mode:", "fast" if FAST else "default")
print("cwd:", os.path.basename(os.getcwd()))
print("tqdm disabled:", os.environ.get("TQDM_DISABLE"))
''',
    # a cell that never ends
    "hangs": '''\
# %% tags=["parameters"]
FAST = False

# %%
x = 1

# %%
while True:
    pass
''',
    "fails": '''\
# %% tags=["parameters"]
FAST = False

# %%
raise ValueError("this cell is broken")
''',
}


def _source(tmp_path: Path, name: str, kind: str) -> Path:
    src = tmp_path / "notebooks" / "src" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(textwrap.dedent(NOTEBOOK_TEXTS[kind]))
    return src


@pytest.fixture
def write_source(tmp_path):
    """``write_source(name, kind)`` writes the tiny source ``kind`` ("tiny", "hangs", "fails") to
    ``tmp_path/notebooks/src/name`` and returns its path."""
    return lambda name, kind: _source(tmp_path, name, kind)


def _children() -> dict:
    """This test process's live descendants, except the cross-CPU check's child test runs
    (tests/notebooks/test_cross_cpu.py) and their kernels, which run beside the suite on purpose."""
    psutil = pytest.importorskip("psutil")
    alive = {}
    for p in psutil.Process(os.getpid()).children(recursive=True):
        try:
            lineage = [p]
            for q in p.parents():            # from the parent up, stopping at this process
                if q.pid == os.getpid():
                    break
                lineage.append(q)
            if any("pytest" in q.cmdline() for q in lineage):
                continue
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive[p.pid] = p.cmdline()[:4]
        except psutil.Error:
            pass
    return alive


@pytest.fixture
def no_kernel_left_behind():
    """Fail when the test leaves a process (a kernel, a papermill child) running."""
    before = set(_children())
    yield
    left = {pid: cmd for pid, cmd in _children().items() if pid not in before}
    assert not left, f"processes left running: {list(left.values())}"


@pytest.fixture(scope="module")
def tiny_notebook(tmp_path_factory):
    """The tiny notebook, built (executed, outputs stored) once per test module."""
    tmp_path = tmp_path_factory.mktemp("tiny")
    src = _source(tmp_path, "01_tiny.py", "tiny")
    assert cli.main(["build", str(src)]) == 0
    return tmp_path / "notebooks" / "01_tiny.ipynb"


# ---- exercise cells and student versions -------------------------------------------------------
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


@pytest.fixture
def def_solution() -> str:
    """A solution cell that defines functions and a class, with code outside them."""
    return DEF_SOLUTION


@pytest.fixture
def assign_solution() -> str:
    """A solution cell that assigns its answer (``max_alpha``), with leading comments."""
    return ASSIGN_SOLUTION


def _synthetic_notebook():
    import nbformat  # heavy, and only these tests need it

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell(ASSIGN_SOLUTION, metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("exercises.check_max_stable_lr(max_alpha, X)"),
        nbformat.v4.new_code_cell("print(1)"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="Correct!\n")]
    return nb


@pytest.fixture
def synthetic_notebook():
    """``synthetic_notebook()`` makes a new notebook: a title, the ASSIGN_SOLUTION solution cell,
    its check cell (with a "Correct!" output) and one later cell."""
    return _synthetic_notebook
