"""Headless notebook execution with timeouts that always fire and name the cell that hung.

:func:`run_notebook` executes a stored notebook through papermill in a child process, into a
scratch file (never the stored one), and measures seconds and the kernel's peak memory; it is
``metamap-edu run`` and the test suite's notebook runner. ``build.py`` executes a source the same
way in-process (``metamap-edu build``); ``run_report.py`` holds the records and reports of runs.

Execution robustness: headless kernels have been seen to hang mid-run or at shutdown.
Every execution therefore has a per-cell timeout (:data:`DEFAULT_CELL_TIMEOUT`) *and* a whole-run
timeout (:data:`DEFAULT_RUN_TIMEOUT`), and a failure (:class:`NotebookError`) says which notebook
and which cell (number and first line, :func:`cell_label`) was running.

The kernel is always the ``python3`` of the *current* environment (``sys.executable``), never
whatever kernelspec happens to be registered on the machine, and it runs with ``cwd=notebooks/``
and ``TQDM_DISABLE=1`` (:func:`kernel_env`). ``MPLBACKEND`` is removed from the kernel's
environment so that ipykernel selects its inline backend: with ``MPLBACKEND=Agg`` a kernel draws
nothing and ``plt.show()`` prints a warning instead of the figure. Used by every notebook's run.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .._checks import check_float, check_path, check_type, _show
from . import _kernel, _netguard
from .run_report import RunResult

__all__ = [
    "DEFAULT_CELL_TIMEOUT",
    "DEFAULT_RUN_TIMEOUT",
    "NotebookError",
    "kernel_env",
    "find_sources",
    "find_notebooks",
    "notebook_for_source",
    "read_source",
    "run_notebook",
    "cell_label",
]


DEFAULT_CELL_TIMEOUT = 300.0  # seconds one cell may run (the slowest notebooks need ~90 s in all)


DEFAULT_RUN_TIMEOUT = 900.0  # seconds one whole notebook may run, kernel start and shutdown included


class NotebookError(RuntimeError):
    """A notebook failed or timed out; ``notebook``, ``cell_index`` and ``reason`` say where and why."""

    def __init__(self, notebook: str, reason: str, cell_index: int | None = None,
                 cell_source: str = "", detail: str = ""):
        self.notebook = notebook
        self.reason = reason
        self.cell_index = cell_index
        self.cell_source = cell_source
        self.detail = detail
        where = f"{notebook}: {reason}"
        if cell_index is not None:
            where += f" in {cell_label(cell_index, cell_source)}"
        else:
            where += " before the first cell ran (kernel start-up)"
        if detail:
            where += f"\n{detail}"
        super().__init__(where)


def cell_label(index: int, source: str) -> str:
    """``cell 7 ("mm.fit(model, task)")``: the cell's position (0-based, as nbformat counts) and first line."""
    check_type("index", index, int)
    check_type("source", source, str)
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f'cell {index} ("{first}")'


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every headless kernel gets: this process's, ``TQDM_DISABLE=1``, no ``MPLBACKEND``.

    ``PYTHONHASHSEED`` is deliberately left alone: each kernel gets a different string-hash seed,
    so an output that depends on the iteration order of a ``set`` shows up as an nbval failure.
    """
    if extra is not None and (not isinstance(extra, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items())):
        raise TypeError(f"extra must be None or a dict of str -> str environment variables; got {_show(extra)}")
    env = dict(os.environ)
    env["TQDM_DISABLE"] = "1"
    env.pop("MPLBACKEND", None)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    if extra:
        env.update(extra)
    # ---- offline guarantee: METAMAP_EDU_BLOCK_NETWORK=1 blocks the kernel's
    # outbound network from its first line (a sitecustomize on PYTHONPATH); loopback stays allowed.
    if env.get("METAMAP_EDU_BLOCK_NETWORK") == "1":
        env = _netguard.guard_env(env)
    return env


def _default_notebooks_dir() -> Path:
    """``./notebooks`` when it exists (a learner in the course folder), else the package's checkout."""
    here = Path.cwd() / "notebooks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "notebooks"


def find_sources(notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """All jupytext sources ``notebooks/src/NN_*.py``, sorted by number."""
    if notebooks_dir is not None:
        check_path("notebooks_dir", notebooks_dir)
    root = Path(notebooks_dir) if notebooks_dir is not None else _default_notebooks_dir()
    return sorted((root / "src").glob("[0-9][0-9]*_*.py"))


def find_notebooks(notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """All stored notebooks ``notebooks/NN_*.ipynb``, sorted by number."""
    if notebooks_dir is not None:
        check_path("notebooks_dir", notebooks_dir)
    root = Path(notebooks_dir) if notebooks_dir is not None else _default_notebooks_dir()
    return sorted(root.glob("[0-9][0-9]*_*.ipynb"))


def notebook_for_source(source: str | os.PathLike) -> Path:
    """``notebooks/src/03_x.py`` -> ``notebooks/03_x.ipynb`` (the parent of ``src``)."""
    check_path("source", source)
    source = Path(source)
    parent = source.parent.parent if source.parent.name == "src" else source.parent
    return parent / (source.stem + ".ipynb")


def read_source(path: str | os.PathLike):
    """Read a jupytext percent script as a notebook (``nbformat.NotebookNode``)."""
    check_path("path", path)
    try:
        import jupytext  # optional: a maintainer tool, in the test extra
    except ImportError:
        raise ImportError("reading notebook sources needs jupytext, a maintainer tool: "
                          "pip install -c constraints.txt -e '.[test]'") from None

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook source {str(path)!r} does not exist")
    return jupytext.read(path, fmt="py:percent")


def _tree_rss_mb(proc) -> dict[int, float]:
    """RSS in MB of every descendant of ``proc`` (the kernel is one of them)."""
    try:
        import psutil  # psutil is a dependency; the fallback below covers a broken install
    except ImportError:  # pragma: no cover - psutil is a dependency
        return _tree_rss_proc(proc.pid)
    out = {}
    try:
        for child in psutil.Process(proc.pid).children(recursive=True):
            try:
                out[child.pid] = child.memory_info().rss / 2**20
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return out


def _tree_rss_proc(pid: int) -> dict[int, float]:  # pragma: no cover - fallback without psutil
    out = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text().split()
            if int(stat[3]) == pid:
                out[int(entry.name)] = int(stat[23]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            pass
    return out


def _failed_cell(output_path: Path):
    """The cell that failed or hung, from papermill's (possibly partial) output notebook.

    Papermill saves the output after every cell with per-cell ``metadata.papermill`` state. The
    culprit is the cell marked ``exception``, else the one still ``running``, else the last cell
    that started. The index counts cells of the *stored* notebook (papermill's injected
    parameters cell is skipped).
    """
    try:
        nb = json.loads(output_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, ""
    cells = [c for c in nb.get("cells", []) if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]

    def text(cell):
        source = cell.get("source", "")
        return "".join(source) if isinstance(source, list) else source

    def state(cell):
        return cell.get("metadata", {}).get("papermill", {})

    for index, cell in enumerate(cells):
        if state(cell).get("exception"):
            return index, text(cell)
    for index, cell in enumerate(cells):
        if state(cell).get("status") == "running":
            return index, text(cell)
    started = [i for i, c in enumerate(cells) if c.get("cell_type") == "code" and state(c).get("start_time")]
    if started:
        return started[-1], text(cells[started[-1]])
    return None, ""


def run_notebook(notebook: str | os.PathLike, *, fast: bool = False, cell_timeout: float = DEFAULT_CELL_TIMEOUT,
                 run_timeout: float = DEFAULT_RUN_TIMEOUT, output_dir: str | os.PathLike | None = None,
                 poll: float = 0.2, cwd: str | os.PathLike | None = None) -> RunResult:
    """Execute a stored notebook with papermill in a child process and measure it.

    The executed copy goes to ``output_dir`` (a fresh temporary folder by default), never over
    the stored notebook. ``fast=True`` injects ``FAST = True`` into the ``parameters`` cell.
    The whole child process group is killed when ``run_timeout`` passes; the result then names
    the cell papermill had marked as running. The kernel runs in ``cwd`` (default: the
    notebook's folder; a solution version in ``notebooks/solutions/`` runs in ``notebooks/``).
    """
    check_path("notebook", notebook)
    if cwd is not None:
        check_path("cwd", cwd)
    check_type("fast", fast, bool)
    if output_dir is not None:
        check_path("output_dir", output_dir)
    notebook = Path(notebook)
    check_type("fast", fast, bool)
    cell_timeout = check_float("cell_timeout", cell_timeout, min=0.1)
    run_timeout = check_float("run_timeout", run_timeout, min=0.1)
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook {str(notebook)!r} does not exist")
    out_dir = Path(output_dir) if output_dir is not None else Path(tempfile.mkdtemp(prefix="metamap-run-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    mode = "fast" if fast else "default"
    output_path = out_dir / f"{notebook.stem}.{mode}.ipynb"
    cmd = [sys.executable, str(Path(_kernel.__file__).resolve()), str(notebook.resolve()), str(output_path),
           str(Path(cwd).resolve() if cwd is not None else notebook.resolve().parent), str(cell_timeout),
           "1" if fast else "0"]
    stderr_path = out_dir / f"{notebook.stem}.{mode}.stderr.txt"
    start = time.monotonic()
    peak = 0.0
    timed_out = False
    with open(stderr_path, "w+", encoding="utf-8") as stderr_file:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr_file,
                                env=kernel_env(), start_new_session=True)
        try:
            while True:
                try:
                    proc.wait(timeout=poll)
                    break
                except subprocess.TimeoutExpired:
                    pass
                rss = _tree_rss_mb(proc)
                if rss:
                    peak = max(peak, max(rss.values()))
                if time.monotonic() - start > run_timeout:
                    timed_out = True
                    break
        finally:
            if proc.poll() is None:
                _kill_group(proc)
        seconds = time.monotonic() - start
        stderr_file.seek(0)
        stderr_text = stderr_file.read()
    peak_mb = peak if peak > 0 else None
    if timed_out:
        index, source = _failed_cell(output_path)
        err = NotebookError(notebook.name, f"whole run timed out after {run_timeout:g} s (whole-run timeout)",
                            index, source)
        return RunResult(notebook.name, mode, False, seconds, peak_mb, str(err), index, source, str(output_path))
    if proc.returncode != 0:
        index, source = _failed_cell(output_path)
        reason = next((line[len("METAMAP_ERROR "):] for line in stderr_text.splitlines()
                       if line.startswith("METAMAP_ERROR ")), f"papermill exited with code {proc.returncode}")
        if "CellTimeoutError" in reason or "timed out" in reason.lower():
            reason = f"timed out after {cell_timeout:g} s (per-cell timeout)"
        err = NotebookError(notebook.name, reason, index, source)
        return RunResult(notebook.name, mode, False, seconds, peak_mb, str(err), index, source, str(output_path))
    return RunResult(notebook.name, mode, True, seconds, peak_mb, "", None, "", str(output_path))


def _kill_group(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass
