"""Binder and Colab readiness: the badge row and the install cell every notebook starts with.

Every notebook source ``notebooks/src/NN_name.py`` opens with two cells, generated here:

1. its title cell (markdown: the ``# NN · title`` heading and the learning goals), with a badge
   row right under the heading: "launch binder" and "open in Colab" links for this very notebook;
2. an install cell (its source collapsed in JupyterLab), plain Python that runs *before* the
   package can be imported: it does nothing where ``metamap_edu`` is installed (a laptop,
   Binder, a JupyterHub), installs the package with pip in Google Colab, and elsewhere stops
   with a message saying what to run.

Binder builds its image from ``environment.yml`` at the repository root; Colab gets the package
from the install cell.

``REPOSITORY_URL`` is the GitHub URL the badges (Binder, Colab) and the install cell use, and
``REPOSITORY`` its ``owner/name``. Its single source of truth is one line of ``pyproject.toml``,
``[project.urls] Repository = "https://github.com/owner/name"``, read here from the installed
package's metadata (its ``Project-URL: Repository``); :data:`FALLBACK_REPOSITORY` is used only
when the metadata has no such URL (an install older than that line). To publish under another
name: change that line, reinstall (``pip install -e .``), and regenerate the headers with
:func:`insert_header` (``tests/unit/tools/test_install_cell.py`` names the stale ones).
"""
from __future__ import annotations

import os
import re
import warnings
from importlib import metadata
from pathlib import Path

from .._checks import check_nonempty, check_path, check_type

__all__ = [
    "DISTRIBUTION",
    "FALLBACK_REPOSITORY",
    "repository_from_metadata",
    "REPOSITORY",
    "BRANCH",
    "REPOSITORY_URL",
    "PIP_TARGET",
    "INSTALL_CELL",
    "INSTALL_METADATA",
    "binder_url",
    "colab_url",
    "badge_markdown",
    "header_cells",
    "header_problems",
    "insert_header",
]

DISTRIBUTION = "metamap-edu"  # the package name in pyproject.toml
FALLBACK_REPOSITORY = "metamap-edu/metamap_edu"  # when the installed metadata names no Repository
_GITHUB = re.compile(r"https://github\.com/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?")


def repository_from_metadata(distribution: str = DISTRIBUTION) -> str | None:
    """GitHub ``owner/name`` from the installed package's ``Project-URL: Repository, <url>``.

    That URL is ``[project.urls] Repository`` of ``pyproject.toml``. Returns None when the package
    is not installed or its metadata has no Repository URL; warns and returns None when the URL
    is not a GitHub repository (Binder and Colab open notebooks from GitHub).
    """
    check_type("distribution", distribution, str)
    try:
        urls = metadata.metadata(distribution).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() != "repository":
            continue
        match = _GITHUB.fullmatch(url.strip())
        if match is None:
            warnings.warn(f"the Repository URL of {distribution!r} must be https://github.com/owner/name for "
                          f"the Binder and Colab badges; got {url.strip()!r}. Using {FALLBACK_REPOSITORY!r}.",
                          stacklevel=2)
            return None
        return match.group(1)
    return None


REPOSITORY = repository_from_metadata() or FALLBACK_REPOSITORY  # GitHub owner/name
BRANCH = "main"
REPOSITORY_URL = f"https://github.com/{REPOSITORY}"
PIP_TARGET = f"{DISTRIBUTION} @ git+{REPOSITORY_URL}@{BRANCH}"

BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
INSTALL_TAG = "install"

# The install cell. It must run where `metamap_edu` cannot be imported yet, so it is plain code in
# the notebook, not a function of the package. `"google.colab" in sys.modules` is how a notebook
# knows it runs in Colab: Colab's kernel imports that module at start-up.
INSTALL_CELL = f'''\
# Set-up: does nothing where metamap_edu is installed (a laptop, Binder, JupyterHub);
# in Google Colab it installs the course package (about a minute, once per session).
import sys

try:
    import metamap_edu  # noqa: F401
except ImportError:
    if "google.colab" not in sys.modules:
        raise ImportError("metamap_edu is not installed in this kernel. In the course folder run "
                          "`pip install -c constraints.txt -e .` (see the README), then restart the kernel.") from None
    import importlib
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "{PIP_TARGET}"], check=True)
    importlib.invalidate_caches()
    import metamap_edu  # noqa: F401'''

#: cell metadata of the install cell: its tag, and its source collapsed in JupyterLab
INSTALL_METADATA = {"tags": [INSTALL_TAG], "jupyter": {"source_hidden": True}}


def _notebook_name(notebook: str | os.PathLike) -> str:
    """'notebooks/src/02_x.py', '02_x.ipynb' or '02_x' -> '02_x.ipynb'."""
    check_type("notebook", notebook, (str, os.PathLike))
    stem = Path(notebook).name
    for suffix in (".ipynb", ".py"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    check_nonempty("notebook", stem)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", stem):
        raise ValueError(f"notebook must be a plain file name like '02_learning_one_mapping'; "
                         f"got {str(notebook)!r}")
    return stem + ".ipynb"


def binder_url(notebook: str | os.PathLike) -> str:
    """Binder link that builds the repository (environment.yml) and opens this notebook in JupyterLab."""
    name = _notebook_name(notebook)
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?labpath=notebooks%2F{name}"


def colab_url(notebook: str | os.PathLike) -> str:
    """Colab link that opens this notebook straight from GitHub."""
    name = _notebook_name(notebook)
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{name}"


def badge_markdown(notebook: str | os.PathLike) -> str:
    """The badge row (one markdown line) for ``notebook``."""
    return (f"[![Launch on Binder]({BINDER_BADGE})]({binder_url(notebook)}) "
            f"[![Open in Colab]({COLAB_BADGE})]({colab_url(notebook)})")


def header_cells(notebook: str | os.PathLike) -> tuple[str, str]:
    """(badge markdown, install code): the badge row under the title, and the cell after the title."""
    return badge_markdown(notebook), INSTALL_CELL


_TITLE = re.compile(r"^# \S")


def _percent_install_cell() -> str:
    return f'# %% tags=["{INSTALL_TAG}"] jupyter={{"source_hidden": true}}\n{INSTALL_CELL}\n\n'


def _cells_of(notebook) -> list[tuple[str, str, dict]]:
    """(cell_type, source, metadata) of an nbformat notebook, an .ipynb path or a percent .py path."""
    if isinstance(notebook, (str, os.PathLike)):
        path = Path(notebook)
        if path.suffix == ".py":
            import jupytext  # the sources' format; a test dependency

            nb = jupytext.read(path)
        else:
            import nbformat  # heavy: notebook I/O, only for a notebook given by path

            nb = nbformat.read(path, as_version=4)
    else:
        nb = notebook
    return [(c.cell_type, c.source, dict(c.get("metadata", {}))) for c in nb.cells]


def header_problems(notebook, name: str | os.PathLike | None = None) -> list[str]:
    """What is wrong with a notebook's first two cells; [] when they are the generated ones.

    Cell 0 must be the title cell (markdown starting with a ``# `` heading) with the badge row on
    the line after the heading; cell 1 the install cell, tagged ``install``, source collapsed.
    ``notebook`` is a path (``.py`` percent source or ``.ipynb``) or an nbformat notebook, in
    which case ``name`` gives its file name for the links.
    """
    if name is None:
        if not isinstance(notebook, (str, os.PathLike)):
            raise TypeError("name is required when notebook is not a path")
        name = notebook
    badges, install = header_cells(name)
    cells = _cells_of(notebook)
    problems = []
    lines = cells[0][1].strip().splitlines() if cells and cells[0][0] == "markdown" else []
    if not lines or not _TITLE.match(lines[0]):
        problems.append("cell 0 should be the title cell (markdown starting with a '# ' heading)")
    elif len(lines) < 3 or lines[1].strip() or lines[2].strip() != badges:
        problems.append(f"the title cell should carry the badge row under its heading: {badges}")
    if len(cells) < 2 or cells[1][0] != "code" or cells[1][1].strip() != install.strip():
        problems.append("cell 1 should be the install cell (metamap_edu.tools.colab.INSTALL_CELL)")
    else:
        meta = cells[1][2]
        if INSTALL_TAG not in meta.get("tags", []):
            problems.append(f"cell 1 (the install cell) should carry the tag {INSTALL_TAG!r}")
        if not meta.get("jupyter", {}).get("source_hidden"):
            problems.append("cell 1 (the install cell) should have its source collapsed "
                            "(metadata jupyter.source_hidden)")
    return problems


_CELL_MARK = re.compile(r"^# %%", re.MULTILINE)


def _is_badge_line(line: str) -> bool:
    return "mybinder.org" in line and "colab" in line


def insert_header(source: str | os.PathLike) -> bool:
    """Put (or refresh) the badge row under the title and the install cell right after the title cell.

    An older header (a badge-row cell and an install cell above the title) is removed; everything
    else is kept byte for byte. Returns True when the file changed.
    """
    check_path("source", source)
    path = Path(source)
    if path.suffix != ".py" or not path.is_file():
        raise ValueError(f"source must be an existing jupytext percent script (.py); got {str(source)!r}")
    text = path.read_text(encoding="utf-8")
    marks = [m.start() for m in _CELL_MARK.finditer(text)]
    if not marks:
        raise ValueError(f"{path.name} has no '# %%' cell markers: is it a percent script?")
    preamble, cells = text[: marks[0]], [text[a:b] for a, b in zip(marks, marks[1:] + [len(text)])]
    # drop every earlier header piece: a badge-row-only markdown cell, a cell tagged "install"
    kept = []
    for cell in cells:
        first, _, rest = cell.partition("\n")
        body = [ln for ln in rest.splitlines() if ln.strip() not in ("", "#")]
        if first.startswith("# %% [markdown]") and body and all(_is_badge_line(ln) for ln in body):
            continue
        if f'"{INSTALL_TAG}"' in first:
            continue
        kept.append(cell)
    title = next((i for i, c in enumerate(kept) if c.startswith("# %% [markdown]")
                  and any(ln.startswith("# # ") for ln in c.splitlines()[1:2])), None)
    if title is None:
        raise ValueError(f"{path.name} has no title cell: a markdown cell starting with '# # title'")
    head, *rest_lines = kept[title].split("\n")
    heading, after = rest_lines[0], rest_lines[1:]
    while after and (after[0].strip() in ("#", "") or _is_badge_line(after[0])):
        after.pop(0)  # an earlier badge row and the blank lines around it
    badges = badge_markdown(path)
    kept[title] = "\n".join([head, heading, "#", f"# {badges}", "#", *after])
    kept.insert(title + 1, _percent_install_cell())
    new = preamble + "".join(kept[title:title + 2]) + "".join(kept[:title]) + "".join(kept[title + 2:])
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True
