"""The static site: the stored, executed notebooks rendered to HTML for people who only read.

    metamap-edu site [--out _site]

Built with nbconvert's HTML exporter (the ``lab`` template), the standard Jupyter tool. Why
nbconvert rather than Jupyter Book / MyST: it is already installed with JupyterLab (no new
dependency, no extra build system or configuration tree), it renders the notebooks exactly as
stored -- outputs, pictures, LaTeX maths through MathJax -- without executing anything, and the
whole build is a few lines of Python that run offline. What a book tool would add (an index, links
between pages) is small and lives here.

The site has:
- ``index.html``: the course map -- each notebook's title, what you'll do and its estimated
  time (read from the notebook's title cell) -- plus a total;
- one page per notebook with its stored outputs and maths, a navigation bar (previous, course
  map, next) and launch links (Binder, Colab);
- static results in place of widgets: a widget needs a running kernel, so its live view is
  replaced by a note and the picture of its first result that the widget cell stores
  (:func:`metamap_edu.course.widgets.static_html`);
- links between notebooks rewritten from ``NN_name.ipynb`` to ``NN_name.html``;
- for a notebook with exercises, whose page shows the exercise version (stubs, "Not attempted
  yet"), a second page ``NN_name.solutions.html`` with the solution version
  (``solutions/NN_name.ipynb``, code only), linked from the first page's navigation bar.

:func:`check_links` parses every ``href``/``src`` in the output and reports internal links that
point to a missing file or anchor; the CLI and the test fail on any.
The maths is typeset by MathJax served from the site folder itself (``mathjax/``), copied from
the ``jupyter-server-mathjax`` package (the Jupyter project's own packaging of MathJax 2, which
nbconvert's templates are written for), so the pages work offline. require.js, which only
widgets and JavaScript outputs need, is left out; mermaid is loaded only by a page that holds a
mermaid diagram (none do). Building needs no network.
"""
from __future__ import annotations

import copy
import html
import os
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .._checks import check_path, check_type
from .colab import REPOSITORY_URL, binder_url, colab_url

__all__ = ["NotebookInfo", "notebook_info", "build_site", "check_links", "mathjax_source", "WIDGET_NOTE"]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("Interactive widget: it needs a running notebook. Open this notebook in "
               "JupyterLab, Binder or Colab to use it; the static result is shown below.")
MATHJAX_DIR = "mathjax"  # inside the site folder
# HTML-CSS output with the STIX web fonts: the ones the package ships
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
_MATHJAX_PRECONFIG = ('<script>window.MathJax = {"HTML-CSS": {availableFonts: [], webFont: "STIX-Web", '
                      'imageFont: null}, menuSettings: {zoom: "None"}};</script>')
_REQUIRE_JS = re.compile(r'<script src="[^"]*require(?:\.min)?\.js"></script>\s*')


def mathjax_source() -> Path:
    """The folder of MathJax files (``MathJax.js``, ``config/``, ``jax/``...) to serve with the site.

    They come from the ``jupyter-server-mathjax`` package (a dependency of the course).
    """
    try:
        import jupyter_server_mathjax  # optional: checked, with a clear message when missing
    except ImportError:
        raise ImportError("the static site serves MathJax from the jupyter-server-mathjax package: "
                          "pip install -c constraints.txt -e .") from None
    folder = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    if not (folder / "MathJax.js").is_file():
        raise FileNotFoundError(f"no MathJax.js in {str(folder)!r}: reinstall jupyter-server-mathjax")
    return folder


@dataclass(frozen=True)
class NotebookInfo:
    """What the course map shows about one notebook."""

    name: str        # file stem, e.g. "02_learning_one_mapping"
    number: str      # "02"
    title: str       # the first level-1 heading, e.g. "02 · Learning one mapping"
    summary: str     # the first sentence of "What you'll do", or ""
    time: str        # "About 20 minutes", or "" when the notebook does not say
    minutes: int | None  # the first number in `time`, for the total

    @property
    def page(self) -> str:
        return self.name + ".html"

    @property
    def solutions_page(self) -> str:
        return self.name + ".solutions.html"


def _markdown_text(text: str) -> str:
    """Markdown inline syntax -> plain text (for the index page)."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)           # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)       # links -> their text
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def notebook_info(nb, name: str) -> NotebookInfo:
    """Title, summary and estimated time from the first markdown cell with a ``# heading``."""
    check_type("name", name, str)
    stem = name[:-6] if name.endswith(".ipynb") else name
    title_cell = next((c.source for c in nb.cells if c.cell_type == "markdown"
                       and re.search(r"^#\s+\S", c.source, re.MULTILINE)), "")
    heading = re.search(r"^#\s+(.+)$", title_cell, re.MULTILINE)
    title = _markdown_text(heading.group(1)) if heading else stem.replace("_", " ")
    do = re.search(r"What you.ll do\.?\**:?\**\s*(.+?)(?:\n\s*\n|\Z)", title_cell, re.S | re.I)
    summary = _first_sentence(_markdown_text(do.group(1))) if do else ""
    when = re.search(r"(?:Estimated time|\bTime)\W*?[:.]\**:?\s*\**\s*(.+?)(?:\.\s|\.$|\n|\Z)",
                     title_cell, re.I | re.M)
    time = _markdown_text(when.group(1)).rstrip(".") if when else ""
    number = re.search(r"\d+", time)
    return NotebookInfo(name=stem, number=stem.split("_", 1)[0], title=title, summary=summary,
                        time=time, minutes=int(number.group()) if number else None)


_PROGRESS_BAR = re.compile(r"\|\s*[\d.]+[kM]?/[\d.?]+[kM]?\s*\[")  # tqdm: " 3/400 [00:01<..."


def _is_progress_bar(output) -> bool:
    """A tqdm progress-bar widget (a notebook built with progress bars on): not a teaching widget."""
    text = output.get("data", {}).get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return bool(_PROGRESS_BAR.search(text))


def _static_copy(nb):
    """A copy fit for a static page: widget views become a note, the widget state is dropped.

    A widget cell keeps the picture of its first result (the ``text/html`` that
    :func:`metamap_edu.course.widgets.static_html` stores next to the live view), under the note.
    Progress-bar widgets are dropped without a note: a frozen progress bar teaches nothing.
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    note_html = f'<div class="mm-widget-note">{html.escape(WIDGET_NOTE)}</div>'
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs, seen_widget = [], False
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                if _is_progress_bar(output):
                    continue
                picture = output["data"].get("text/html", "")
                picture = "".join(picture) if isinstance(picture, list) else picture
                picture = _HINT.sub("", picture) if "mm-static-widget" in picture else ""
                if not seen_widget or picture:  # one note per cell is enough
                    output = copy.deepcopy(output)
                    output["data"] = {"text/html": ("" if seen_widget else note_html) + picture,
                                      "text/plain": WIDGET_NOTE}
                    output["metadata"] = {}
                    outputs.append(output)
                seen_widget = True
                continue
            outputs.append(output)
        cell.outputs = outputs
    return nb


_HINT = re.compile(r'<p class="mm-widget-hint">.*?</p>', re.S)


_IPYNB_LINK = re.compile(r'(href=")([^":#?]+?)\.ipynb(#[^"]*)?"')

PAGE_CSS = """
.mm-nav{display:flex;gap:1.5em;align-items:center;flex-wrap:wrap;font:15px/1.4 system-ui,sans-serif;
  padding:.6em 1em;margin:0 0 1em;border-bottom:1px solid #ddd;background:#fafafa}
.mm-nav a{text-decoration:none}.mm-nav .mm-launch{margin-left:auto}
.mm-widget-note{border-left:4px solid #e0a800;background:#fff8e1;padding:.4em .8em;
  font:14px/1.4 system-ui,sans-serif}
"""


def _nav(prev: NotebookInfo | None, nxt: NotebookInfo | None, this: NotebookInfo,
         solutions: bool = False, of_solutions: bool = False) -> str:
    parts = ['<a href="index.html">&#8962; Course map</a>']
    if of_solutions:
        parts.append(f'<a href="{this.page}">&larr; the exercises: {html.escape(this.title)}</a>')
    if prev:
        parts.append(f'<a href="{prev.page}" rel="prev">&larr; {html.escape(prev.title)}</a>')
    if nxt:
        parts.append(f'<a href="{nxt.page}" rel="next">{html.escape(nxt.title)} &rarr;</a>')
    if solutions:
        parts.append(f'<a href="{this.solutions_page}">Solutions to the exercises</a>')
    parts.append(f'<span class="mm-launch"><a href="{html.escape(binder_url(this.name))}">'
                 f'Launch on Binder</a> · <a href="{html.escape(colab_url(this.name))}">'
                 f'Open in Colab</a></span>')
    return '<nav class="mm-nav">' + "".join(parts) + "</nav>"


def _index_page(infos: list[NotebookInfo]) -> str:
    rows = []
    for info in infos:
        rows.append(
            f'<tr><td>{html.escape(info.number)}</td>'
            f'<td><a href="{info.page}">{html.escape(info.title)}</a></td>'
            f'<td>{html.escape(info.summary)}</td><td>{html.escape(info.time or "—")}</td></tr>')
    known = [i.minutes for i in infos if i.minutes is not None]
    total = (f"<p>Estimated time for the whole course: about {sum(known)} minutes"
             f"{' (not counting notebooks without an estimate)' if len(known) < len(infos) else ''}"
             f".</p>") if known else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>metamap_edu: a runnable course on meta-learning for NLP</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;vertical-align:top;
padding:.4em .6em;border-bottom:1px solid #ddd}}th{{background:#f4f4f4}}
.flow{{font-weight:600;background:#f4f7fb;padding:.6em 1em;border-radius:6px}}
</style></head>
<body>
<h1>metamap_edu — meta-learning and pretraining for NLP, by doing it</h1>
<p>A course you can run on a laptop CPU. Every NLP task is a mapping <em>x → y</em>; the course
follows one pipeline from generating tasks to pretraining:</p>
<p class="flow">generate tasks → train on each task → meta-learn across tasks → pretrain on
unlabeled text</p>
<p>These pages show the notebooks as stored, with their outputs. To run them and use the
widgets, open a notebook in JupyterLab, on Binder or in Colab (links at the top of each page),
or get the course from <a href="{html.escape(REPOSITORY_URL)}">its repository</a>.</p>
<h2>Course map</h2>
<table><thead><tr><th>#</th><th>Notebook</th><th>What you'll do</th><th>Time</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{total}
</body></html>
"""


def _default_notebooks_dir() -> Path:
    here = Path.cwd() / "notebooks"
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "notebooks"


def build_site(out_dir: str | os.PathLike = "_site",
               notebooks_dir: str | os.PathLike | None = None) -> list[Path]:
    """Render ``notebooks_dir/NN_*.ipynb`` (stored outputs, nothing executed) into ``out_dir``.

    Returns the written pages, ``index.html`` first. ``out_dir`` is emptied first.
    """
    import nbformat  # heavy: notebook I/O, for the site only
    from nbconvert import HTMLExporter  # heavy: the HTML exporter, for the site only

    check_type("out_dir", out_dir, (str, os.PathLike))
    src = Path(notebooks_dir) if notebooks_dir is not None else _default_notebooks_dir()
    notebooks = sorted(src.glob("[0-9][0-9]*_*.ipynb"))
    if not notebooks:
        raise ValueError(f"notebooks_dir must hold executed notebooks NN_name.ipynb; "
                         f"found none in {str(src)!r}")
    out = Path(out_dir)
    if out.resolve() in (src.resolve(), Path.cwd().resolve(), Path.home().resolve()):
        raise ValueError(f"out_dir must be a folder of its own; got {str(out_dir)!r}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    nbs = [nbformat.read(path, as_version=4) for path in notebooks]
    infos = [notebook_info(nb, path.name) for nb, path in zip(nbs, notebooks)]
    exporter = HTMLExporter(template_name="lab", mathjax_url=MATHJAX_URL)
    written = [out / "index.html"]
    written[0].write_text(_index_page(infos), encoding="utf-8")
    def render(nb, title: str, nav: str) -> str:
        body, _ = exporter.from_notebook_node(_static_copy(nb), resources={"metadata": {"name": title}})
        body = _IPYNB_LINK.sub(r'\1\2.html\3"', body)
        body = body.replace("</head>", f"<style>{PAGE_CSS}</style>\n</head>", 1)
        body = _REQUIRE_JS.sub("", body, count=1)
        body = body.replace(f'<script src="{MATHJAX_URL}">', _MATHJAX_PRECONFIG + f'\n<script src="{MATHJAX_URL}">', 1)
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)
        return body.replace("</body>", nav + "\n</body>", 1)

    for i, (nb, info, path) in enumerate(zip(nbs, infos, notebooks)):
        solved = path.parent / "solutions" / path.name
        prev, nxt = infos[i - 1] if i > 0 else None, infos[i + 1] if i + 1 < len(infos) else None
        page = out / info.page
        page.write_text(render(nb, info.title, _nav(prev, nxt, info, solutions=solved.is_file())),
                        encoding="utf-8")
        written.append(page)
        if solved.is_file():
            page = out / info.solutions_page
            page.write_text(render(nbformat.read(solved, as_version=4), f"{info.title} (solutions)",
                                   _nav(None, None, info, of_solutions=True)), encoding="utf-8")
            written.append(page)
    shutil.copytree(mathjax_source(), out / MATHJAX_DIR, ignore=shutil.ignore_patterns("localization"))
    _copy_local_files(written, src, out)
    return written


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value is not None:
                self.links.append(value)
            elif key in ("id", "name") and value:
                self.ids.add(value)


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _is_internal(link: str) -> bool:
    parts = urlsplit(link)
    return not (parts.scheme or parts.netloc or link.startswith("//"))


def _copy_local_files(pages: list[Path], src: Path, out: Path) -> None:
    """Copy pictures and other files a notebook links to by a relative path (e.g. figures/x.png)."""
    for page in pages:
        for link in _parse(page).links:
            if not _is_internal(link):
                continue
            path = unquote(urlsplit(link).path)
            if not path or path.endswith(".html"):
                continue
            source = (src / path).resolve()
            if source.is_file() and src.resolve() in source.parents:
                target = out / path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


def check_links(out_dir: str | os.PathLike) -> list[str]:
    """Every internal ``href``/``src`` of every page that points to a missing file or anchor."""
    check_path("out_dir", out_dir)
    out = Path(out_dir)
    pages = sorted(out.rglob("*.html"))
    parsed = {page.resolve(): _parse(page) for page in pages}
    problems = []
    for page in pages:
        for link in parsed[page.resolve()].links:
            if not _is_internal(link) or link.startswith(("data:", "javascript:", "mailto:")):
                continue
            parts = urlsplit(link)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            where = f"{page.relative_to(out)}: {link}"
            if out.resolve() not in target.parents and target != out.resolve():
                problems.append(f"{where} leaves the site")
            elif not target.exists():
                problems.append(f"{where} -> missing file")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed.get(target) or _parse(target)
                # browsers try the fragment as written, then percent-decoded (HTML spec)
                if not {parts.fragment, unquote(parts.fragment)} & ids.ids:
                    problems.append(f"{where} -> missing anchor #{unquote(parts.fragment)}")
    return problems
