"""Building a stored notebook from its source: execute in a fresh kernel, clean, write both versions.

:func:`build_notebook` turns a jupytext percent source ``notebooks/src/NN_name.py`` into the stored,
executed ``notebooks/NN_name.ipynb`` (its exercises as stubs, :mod:`metamap_edu.tools.student`) and
the solution version beside it, through :func:`execute` (nbclient, in-process, with the per-cell
and whole-run timeouts of :mod:`metamap_edu.tools.runner`) and :func:`clean_notebook` (nothing that
differs between machines or runs). It is ``metamap-edu build``; every notebook is stored by it.
"""
from __future__ import annotations

import asyncio
import copy
import os
import time
from pathlib import Path
from typing import Any

from .._checks import check_float, check_path, check_type, _show
from . import _kernel, student
from ._kernel import current_env_kernel_manager, KERNEL_NAME, KERNEL_STARTUP_TIMEOUT
from .runner import (DEFAULT_CELL_TIMEOUT, DEFAULT_RUN_TIMEOUT, kernel_env, notebook_for_source, NotebookError, read_source)

__all__ = ["clean_notebook", "execute", "build_notebook"]


_KEEP_LANGUAGE_INFO = ("name", "codemirror_mode", "file_extension", "mimetype", "nbconvert_exporter",
                       "pygments_lexer")


_KERNELSPEC = {"display_name": _kernel.KERNEL_DISPLAY_NAME, "language": "python", "name": KERNEL_NAME}


def clean_notebook(nb):
    """Strip what differs between machines and runs: timings, papermill state, paths, versions.

    Keeps cell tags, outputs and the widget state (so a static page can show the widgets);
    gives cells stable ids ``cell-00``, ``cell-01``, ... so rebuilding does not churn the diff.
    """
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode, e.g. from nbformat.read); got {_show(nb)}")
    nb = copy.deepcopy(nb)
    meta = nb.metadata
    language_info = {k: v for k, v in meta.get("language_info", {}).items() if k in _KEEP_LANGUAGE_INFO}
    if not language_info:
        language_info = {"name": "python"}
    widgets = meta.get("widgets")
    nb.metadata = type(meta)()
    nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    nb.metadata["language_info"] = language_info
    if widgets:
        nb.metadata["widgets"] = widgets
    nb.nbformat, nb.nbformat_minor = 4, 5
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:02d}"
        cell_meta = type(cell.metadata)()
        for key in ("tags", "jupyter"):
            if cell.metadata.get(key):
                cell_meta[key] = cell.metadata[key]
        cell.metadata = cell_meta
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("display_data", "execute_result"):
                    output["metadata"] = {k: v for k, v in output.get("metadata", {}).items()
                                          if k not in ("papermill",)}
    return nb


def execute(nb, *, name: str, cwd: str | os.PathLike, cell_timeout: float = DEFAULT_CELL_TIMEOUT,
            run_timeout: float = DEFAULT_RUN_TIMEOUT, env: dict[str, str] | None = None):
    """Execute ``nb`` top to bottom in a fresh kernel; return the executed notebook.

    Raises :class:`NotebookError` naming ``name`` and the cell when a cell raises, when one cell
    runs longer than ``cell_timeout`` seconds, or when the whole run exceeds ``run_timeout``.
    """
    if not hasattr(nb, "cells"):
        raise TypeError(f"nb must be a notebook (nbformat.NotebookNode, e.g. from nbformat.read); got {_show(nb)}")
    check_type("name", name, str)
    check_path("cwd", cwd)
    from nbclient import NotebookClient  # heavy: the in-process executor, needed by build only
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError  # heavy, as above

    cell_timeout = check_float("cell_timeout", cell_timeout, min=0.1)
    run_timeout = check_float("run_timeout", run_timeout, min=0.1)
    nb = copy.deepcopy(nb)
    state: dict[str, Any] = {"index": None}

    def on_cell_start(cell, cell_index):
        state["index"] = cell_index

    client = NotebookClient(
        nb, timeout=int(max(1, round(cell_timeout))), kernel_name=KERNEL_NAME,
        startup_timeout=int(KERNEL_STARTUP_TIMEOUT), record_timing=False, allow_errors=False,
        kernel_manager_class=current_env_kernel_manager(), on_cell_start=on_cell_start,
        shutdown_kernel="immediate", resources={"metadata": {"path": str(cwd)}},
    )

    def where():
        index = state["index"]
        source = nb.cells[index].source if index is not None else ""
        return index, source

    async def run():
        return await asyncio.wait_for(client.async_execute(env=env or kernel_env(), cwd=str(cwd)),
                                      timeout=run_timeout)

    start = time.monotonic()
    try:
        return asyncio.run(run())
    except CellTimeoutError:
        index, source = where()
        raise NotebookError(name, f"timed out after {cell_timeout:g} s (per-cell timeout)",
                            index, source) from None
    except (asyncio.TimeoutError, TimeoutError, DeadKernelError, asyncio.CancelledError) as exc:
        index, source = where()
        if time.monotonic() - start >= run_timeout:
            raise NotebookError(name, f"whole run timed out after {run_timeout:g} s (whole-run timeout)",
                                index, source) from None
        raise NotebookError(name, f"the kernel died ({exc})", index, source) from None
    except CellExecutionError as exc:
        index, source = where()
        raise NotebookError(name, f"raised {exc.ename}: {exc.evalue}", index, source) from None
    finally:
        _kill_leftover_kernel(client)


def _kill_leftover_kernel(client) -> None:
    km = getattr(client, "km", None)
    if km is None:
        return
    provisioner = getattr(km, "provisioner", None)
    process = getattr(provisioner, "process", None)
    if process is not None and process.poll() is None:
        try:
            process.kill()
            process.wait(timeout=5)
        except Exception:  # pragma: no cover - best effort
            pass


def build_notebook(source: str | os.PathLike, *, output: str | os.PathLike | None = None,
                   cell_timeout: float = DEFAULT_CELL_TIMEOUT, run_timeout: float = DEFAULT_RUN_TIMEOUT) -> Path:
    """Write a percent source's two notebooks; return the path of the one a learner opens.

    - ``notebooks/NN_x.ipynb``, the *exercise version*: each ``solution`` cell replaced by its stub
      (``metamap_edu.tools.student``), executed in a fresh kernel, cleaned. Its checks print "Not
      attempted yet". A notebook without exercises is simply the source, executed.
    - ``notebooks/solutions/NN_x.ipynb``, the *solution version* (only for a notebook with
      exercises): the source as written, cleaned, with no outputs. The tests run it and require
      every check to pass.

    The kernel's working directory is the notebook's folder (``notebooks/``), as when a learner
    opens it in JupyterLab. Nothing is written when execution fails.
    """
    check_path("source", source)
    if output is not None:
        check_path("output", output)
    import nbformat  # heavy: notebook I/O, needed by build only

    source = Path(source)
    output = Path(output) if output is not None else notebook_for_source(source)
    nb = read_source(source)
    solved = student.solution_notebook_path(output)
    has_exercises = bool(student.find_exercises(nb))
    learner = (student.student_notebook(nb, solution_link=f"{student.SOLUTIONS_DIR}/{output.name}")
               if has_exercises else nb)
    executed = execute(learner, name=source.name, cwd=output.parent.resolve(), cell_timeout=cell_timeout,
                       run_timeout=run_timeout)
    cleaned = clean_notebook(executed)
    nbformat.validate(cleaned)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(nbformat.writes(cleaned) + "\n", encoding="utf-8")
    if has_exercises:
        solution = clean_notebook(nb)
        nbformat.validate(solution)
        solved.parent.mkdir(parents=True, exist_ok=True)
        solved.write_text(nbformat.writes(solution) + "\n", encoding="utf-8")
    elif solved.is_file():
        solved.unlink()   # the source lost its exercises: no stale solution version
    return output
