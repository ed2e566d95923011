"""Environment checks behind ``metamap-edu doctor`` and notebook 00 (taught in ``00_start_here``).

Each check is a plain function that returns a :class:`Check` -- a name, a status (``"ok"``,
``"warn"`` or ``"problem"``), a short ``found`` text and, when something is off, ``advice`` in
plain words. ``found`` texts name versions and paths, which differ between machines; a notebook
that must print the same thing everywhere shows only :attr:`Check.status` (see
:func:`format_checks` with ``details=False``).

Only ``"problem"`` makes ``metamap-edu doctor`` exit with code 1: something that will stop the
course from running (no torch, ipywidgets < 8, an unwritable cache, ...). ``"warn"`` is advice
(a multi-GB CUDA build of torch on a machine that only needs the CPU one, more threads than cores).
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._checks import _show, check_int, check_path, check_sequence, check_type

__all__ = [
    "Check",
    "STATUSES",
    "cache_dir",
    "check_python",
    "check_torch",
    "check_ipywidgets",
    "check_widget_extension",
    "check_matplotlib",
    "check_threads",
    "check_cache_dir",
    "run_checks",
    "format_checks",
    "WIDGET_STATE_OVERRIDE",
    "lab_settings_dir",
    "save_widget_state_by_default",
]

STATUSES = ("ok", "warn", "problem")
MIN_PYTHON = (3, 10)
MIN_TORCH = (2, 3)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    status: str  # one of STATUSES
    found: str
    advice: str = ""

    @property
    def ok(self) -> bool:
        """``True`` unless the status is ``"problem"`` (a warning still lets the course run)."""
        return self.status != "problem"


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"2.13.0+cpu"`` -> ``(2, 13, 0)``; stops at the first part that is not a number."""
    parts = []
    for part in text.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _dist_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------
def check_python(version_info: tuple[int, ...] | None = None) -> Check:
    """Python must be at least 3.10."""
    if version_info is not None and (not isinstance(version_info, tuple) or not all(isinstance(x, int) for x in version_info)):
        raise TypeError(f"version_info must be a tuple of ints such as (3, 11, 7); got {_show(version_info)}")
    v = tuple(version_info if version_info is not None else sys.version_info[:3])
    found = "Python " + ".".join(str(x) for x in v[:3])
    if v[:2] < MIN_PYTHON:
        return Check("python", "problem", found,
                     f"the course needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; install a newer Python "
                     "and create the .venv again")
    return Check("python", "ok", found)


def check_torch(version: str | None = None, cuda: str | None = None) -> Check:
    """torch >= 2.3 must import; a CUDA build works but is a multi-GB download the course never uses.

    Pass ``version`` (``torch.__version__``) and ``cuda`` (``torch.version.cuda``) to test the
    logic without torch; by default they are read from the installed torch.
    """
    if version is not None:
        check_type("version", version, str)
    if cuda is not None:
        check_type("cuda", cuda, str)
    if version is None:
        try:
            torch = importlib.import_module("torch")
        except Exception as err:  # ImportError, or a broken binary raising OSError
            return Check("torch", "problem", f"cannot import torch ({type(err).__name__})",
                         "install the course with `pip install -c constraints.txt -e .` (see README)")
        version, cuda = torch.__version__, torch.version.cuda
    found = f"torch {version}"
    if _version_tuple(version) < MIN_TORCH:
        return Check("torch", "problem", found,
                     f"the course needs torch {MIN_TORCH[0]}.{MIN_TORCH[1]} or newer; reinstall through constraints.txt")
    if version.endswith("+cpu") or cuda is None:
        return Check("torch", "ok", found + " (CPU build)")
    return Check("torch", "warn", found + f" (CUDA {cuda} build)",
                 "this works, but the CPU build is enough and about 20x smaller: reinstall through "
                 "constraints.txt or from the PyTorch CPU index (README, Troubleshooting)")


def check_ipywidgets(version: str | None = None) -> Check:
    """ipywidgets >= 8 (the sliders in every notebook)."""
    if version is not None:
        check_type("version", version, str)
    version = version if version is not None else _dist_version("ipywidgets")
    if version is None:
        return Check("ipywidgets", "problem", "ipywidgets is not installed",
                     "install the course again (`pip install -c constraints.txt -e .`); widgets need ipywidgets 8")
    if _version_tuple(version) < (8,):
        return Check("ipywidgets", "problem", f"ipywidgets {version}",
                     "the notebooks need ipywidgets 8 or newer: `pip install -c constraints.txt 'ipywidgets>=8'`")
    return Check("ipywidgets", "ok", f"ipywidgets {version}")


def _labextension_dirs() -> list[Path]:
    try:
        from jupyter_core.paths import jupyter_path  # optional: JupyterLab may be missing, which the doctor reports
    except ImportError:  # pragma: no cover - jupyter_core comes with jupyterlab
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    return [Path(p) for p in jupyter_path("labextensions")]


def check_widget_extension(version: str | None = None, jupyterlab: str | None = None,
                           labextension_dirs: list[Path] | None = None) -> Check:
    """The JupyterLab side of the widgets: ``jupyterlab_widgets`` installed where JupyterLab looks.

    Without it JupyterLab shows ``Error displaying widget`` or the text of the widget
    (``IntSlider(value=3)``) instead of a slider.
    """
    if version is not None:
        check_type("version", version, str)
    if jupyterlab is not None:
        check_type("jupyterlab", jupyterlab, str)
    if labextension_dirs is not None:
        check_type("labextension_dirs", labextension_dirs, list)
    version = version if version is not None else _dist_version("jupyterlab_widgets")
    jupyterlab = jupyterlab if jupyterlab is not None else _dist_version("jupyterlab")
    if jupyterlab is None:
        return Check("widget extension", "problem", "JupyterLab is not installed",
                     "install the course again (`pip install -c constraints.txt -e .`), then run `jupyter lab`")
    if version is None:
        return Check("widget extension", "problem", "jupyterlab_widgets is not installed",
                     "widgets will show as text: `pip install -c constraints.txt 'jupyterlab_widgets>=3'` "
                     "and restart JupyterLab")
    dirs = labextension_dirs if labextension_dirs is not None else _labextension_dirs()
    if not any((d / "@jupyter-widgets" / "jupyterlab-manager").is_dir() for d in dirs):
        return Check("widget extension", "problem", f"jupyterlab_widgets {version}, but JupyterLab cannot see it",
                     "the widget extension is installed in another environment than the JupyterLab you start: "
                     "start `jupyter lab` from the course's .venv")
    return Check("widget extension", "ok", f"jupyterlab_widgets {version} (JupyterLab {jupyterlab})")


_NON_INTERACTIVE = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


def check_matplotlib(backend: str | None = None, in_kernel: bool | None = None) -> Check:
    """Figures must be able to show: in a notebook the inline backend, in a terminal anything.

    A kernel started with ``MPLBACKEND=Agg`` draws nothing (``plt.show()`` only warns).
    """
    if backend is not None:
        check_type("backend", backend, str)
    if in_kernel is not None:
        check_type("in_kernel", in_kernel, bool)
    if backend is None:
        try:
            import matplotlib  # heavy and possibly broken: the doctor checks it
        except ImportError:
            return Check("matplotlib", "problem", "matplotlib is not installed",
                         "install the course again (`pip install -c constraints.txt -e .`)")
        backend = os.environ.get("MPLBACKEND") or matplotlib.rcParams._get_backend_or_none() or "auto"
    in_kernel = ("ipykernel" in sys.modules) if in_kernel is None else in_kernel
    name = str(backend).lower()
    if in_kernel and name in _NON_INTERACTIVE:
        return Check("matplotlib", "problem", f"backend {backend} in a notebook",
                     "figures will not show; unset MPLBACKEND before starting JupyterLab, "
                     "or run `%matplotlib inline` in the notebook")
    where = "in a notebook" if in_kernel else "in a terminal"
    shown = "chosen automatically" if name == "auto" else str(backend)
    return Check("matplotlib", "ok", f"backend {shown} ({where})")


def check_threads(omp: str | None = None, cpu_count: int | None = None) -> Check:
    """The thread count every notebook uses (``metamap_edu.default_threads``: ``OMP_NUM_THREADS`` or 1).

    Results of float sums depend on the thread count, so the course fixes it; more threads than
    cores only slows everyone down (30 kernels on a JupyterHub each taking every core).
    """
    if omp is not None:
        check_type("omp", omp, str)
    if cpu_count is not None:
        check_int("cpu_count", cpu_count, min=1)
    omp = os.environ.get("OMP_NUM_THREADS") if omp is None else omp
    cpu_count = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    if omp is None or omp.strip() == "":
        return Check("threads", "ok", f"1 thread (OMP_NUM_THREADS unset; {cpu_count} cores)")
    raw = omp.strip()
    if not raw.isdigit() or int(raw) < 1:
        return Check("threads", "problem", f"OMP_NUM_THREADS={omp!r}",
                     "OMP_NUM_THREADS must be a whole number >= 1 (e.g. `export OMP_NUM_THREADS=1`)")
    n = int(raw)
    if n > cpu_count:
        return Check("threads", "warn", f"OMP_NUM_THREADS={n} but only {cpu_count} cores",
                     f"more threads than cores slows every kernel down; use OMP_NUM_THREADS={cpu_count} or less")
    return Check("threads", "ok", f"{n} thread(s) (OMP_NUM_THREADS={n}; {cpu_count} cores)")


def cache_dir() -> Path:
    """Where the course may cache files: ``$METAMAP_EDU_CACHE``, else ``$XDG_CACHE_HOME/metamap_edu``,
    else ``~/.cache/metamap_edu``. Nothing in the course needs the network to fill it."""
    explicit = os.environ.get("METAMAP_EDU_CACHE", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "metamap_edu"


def _home_relative(path: Path) -> str:
    """``/home/ana/.cache/x`` -> ``~/.cache/x``: reports (and stored notebooks) show no user's home."""
    try:
        return "~/" + path.resolve().relative_to(Path.home().resolve()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def check_cache_dir(path: str | os.PathLike | None = None) -> Check:
    """The cache folder exists (or can be made) and a file can be written in it."""
    if path is not None:
        check_path("path", path)
    path = Path(path) if path is not None else cache_dir()
    shown = _home_relative(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-", delete=True) as handle:
            handle.write(b"ok")
    except OSError as err:
        return Check("cache dir", "problem", f"{shown} is not writable ({err.strerror or type(err).__name__})",
                     "set METAMAP_EDU_CACHE to a folder you can write to, e.g. `export METAMAP_EDU_CACHE=$HOME/mm-cache`")
    return Check("cache dir", "ok", f"{shown} is writable")


CHECKS: tuple[Callable[[], Check], ...] = (
    check_python, check_torch, check_ipywidgets, check_widget_extension, check_matplotlib,
    check_threads, check_cache_dir,
)


def run_checks() -> list[Check]:
    """Run every check; a check that crashes is itself reported as a problem, never raised."""
    results = []
    for fn in CHECKS:
        try:
            results.append(fn())
        except Exception as err:  # pragma: no cover - defensive: the doctor must always answer
            results.append(Check(fn.__name__.removeprefix("check_"), "problem",
                                 f"the check crashed ({type(err).__name__}: {err})",
                                 "please report this with the output of `metamap-edu doctor`"))
    return results


def format_checks(results: list[Check], details: bool = True) -> str:
    """A plain-text table. ``details=False`` hides versions and paths (for deterministic notebooks)."""
    for i, r in enumerate(check_sequence("results", results, "a list of Check")):
        check_type(f"results[{i}]", r, Check)
    label = {"ok": "OK", "warn": "WARNING", "problem": "PROBLEM"}
    width = max([len(r.name) for r in results] + [5])
    lines = []
    for r in results:
        line = f"{r.name:<{width}}  {label.get(r.status, r.status.upper()):<8}"
        if details:
            line += f"  {r.found}"
        lines.append(line.rstrip())
        if r.advice and r.status != "ok":
            lines.append(f"{'':<{width}}  -> {r.advice}")
    problems = sum(r.status == "problem" for r in results)
    warnings = sum(r.status == "warn" for r in results)
    if problems:
        lines.append(f"\n{problems} problem(s) found: fix the lines marked PROBLEM, then run the check again.")
    elif warnings:
        lines.append(f"\nThe course will run; {warnings} warning(s) above are advice.")
    else:
        lines.append("\nEverything the course needs is in place.")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# JupyterLab: keep the widgets in a saved notebook
WIDGET_STATE_OVERRIDE = {"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}}
"""JupyterLab's setting *Save Widget State Automatically*, switched on."""


def lab_settings_dir(prefix: str | os.PathLike | None = None) -> Path:
    """Where the JupyterLab of the environment ``prefix`` (default: this one) reads default settings.

    JupyterLab reads every ``<prefix>/share/jupyter/lab/settings/overrides.d/*.json`` as defaults that
    a learner's own settings still override.
    """
    if prefix is not None:
        check_path("prefix", prefix)
    return Path(prefix if prefix is not None else sys.prefix) / "share" / "jupyter" / "lab" / "settings"


def save_widget_state_by_default(prefix: str | os.PathLike | None = None) -> Path:
    """Make *Save Widget State Automatically* the default of this environment's JupyterLab.

    Without it, a notebook saved after its widget cells ran and opened again shows "Error
    displaying widget: model not found" in every widget cell: JupyterLab prefers the live widget's
    output over the picture stored beside it, and the widget's model was not saved. With it, the
    widgets' state is saved in the notebook and they show again when it is reopened.

    Writes ``overrides.d/metamap_edu.json`` under :func:`lab_settings_dir` (a file of its own, so
    other packages' defaults are untouched) and returns its path; running it again changes nothing.
    An editable install (``pip install -e .``) cannot ship this file, hence this function and
    ``metamap-edu lab-settings``, which the README's set-up command runs.
    """
    path = lab_settings_dir(prefix) / "overrides.d" / "metamap_edu.json"
    text = json.dumps(WIDGET_STATE_OVERRIDE, indent=2) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise OSError(f"could not write JupyterLab's default settings to {path}: {err.strerror or err}; "
                      "tick Settings -> Save Widget State Automatically in JupyterLab instead") from None
    return path
