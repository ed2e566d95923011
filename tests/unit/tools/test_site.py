"""The static site (metamap_edu.tools.site): builds offline, links resolve, widgets become notes."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from metamap_edu.tools import colab
from metamap_edu.tools import site

REPO = Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"

TITLE = """\
# 07 · Try a *small* thing

**What you'll do.** Build a tiny thing. Then look at it.

**What you'll learn.** Nothing much.

**Time.** About 15 minutes. Running it takes seconds.
"""


def _notebook(title: str, extra_markdown: str = "", widget: bool = False):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(colab.badge_markdown("07_small")),
                nbformat.v4.new_markdown_cell(title),
                nbformat.v4.new_markdown_cell("## Maths\n\n$$ \\theta' = \\theta - \\alpha g $$"
                                              + extra_markdown),
                nbformat.v4.new_code_cell("show()")]
    if widget:
        nb.cells[3].outputs = [
            nbformat.v4.new_output("display_data", data={
                WIDGET: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                "text/plain": "interactive(children=(IntSlider(value=3),))"}),
            nbformat.v4.new_output("stream", name="stdout", text="static result: 9\n")]
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def test_notebook_info_reads_title_summary_and_time():
    info = site.notebook_info(_notebook(TITLE), "07_small.ipynb")
    assert info.name == "07_small" and info.number == "07" and info.page == "07_small.html"
    assert info.title == "07 · Try a small thing"
    assert info.summary == "Build a tiny thing."
    assert (info.time, info.minutes) == ("About 15 minutes", 15)
    other = site.notebook_info(_notebook("# Plain\n\nEstimated time: 5–10 min"), "08_plain")
    assert (other.title, other.time, other.minutes, other.summary) == ("Plain", "5–10 min", 5, "")


def test_widget_views_become_a_note_and_static_results_stay():
    nb = _notebook(TITLE, widget=True)
    static = site._static_copy(nb)
    outputs = static.cells[3].outputs
    assert WIDGET not in outputs[0]["data"] and site.WIDGET_NOTE in outputs[0]["data"]["text/plain"]
    assert outputs[1]["text"] == "static result: 9\n"
    assert "widgets" not in static.metadata and WIDGET in nb.cells[3].outputs[0]["data"]
    # a stored tqdm progress bar is dropped without a note
    nb.cells[3].outputs.insert(0, nbformat.v4.new_output("display_data", data={
        WIDGET: {"model_id": "p", "version_major": 2, "version_minor": 0},
        "text/plain": "pretraining:   0%|          | 0/400 [00:00<?, ?it/s]"}))
    assert len(site._static_copy(nb).cells[3].outputs) == 2


def test_build_rewrites_notebook_links_and_finds_broken_ones(tmp_path):
    src = tmp_path / "notebooks"
    (src / "figures").mkdir(parents=True)
    (src / "figures" / "map.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    nbformat.write(_notebook(TITLE, "\n\nNext: [the other one](08_other.ipynb#Maths) "
                                    "![map](figures/map.png)", widget=True), src / "07_small.ipynb")
    nbformat.write(_notebook("# 08 · Other\n\n**Time.** 5 minutes."), src / "08_other.ipynb")
    out = tmp_path / "site"
    pages = site.build_site(out, notebooks_dir=src)
    assert [p.name for p in pages] == ["index.html", "07_small.html", "08_other.html"]
    assert site.check_links(out) == []
    page = (out / "07_small.html").read_text()
    assert 'href="08_other.html#Maths"' in page and ".ipynb#" not in page
    assert (out / "figures" / "map.png").is_file()
    assert "MathJax" in page and site.WIDGET_NOTE in page and WIDGET not in page
    assert 'href="index.html"' in page
    index = (out / "index.html").read_text()
    assert "About 15 minutes" in index and "about 20 minutes" in index
    # a broken link and a broken anchor are reported
    (out / "08_other.html").write_text(
        (out / "08_other.html").read_text().replace(
            "</body>", '<a href="09_missing.html">x</a><a href="07_small.html#Nope">y</a></body>'))
    problems = site.check_links(out)
    assert len(problems) == 2
    assert "missing file" in problems[0] and "missing anchor #Nope" in problems[1]


def test_build_refuses_an_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="notebooks_dir"):
        site.build_site(tmp_path / "site", notebooks_dir=tmp_path)


@pytest.mark.skipif(not NOTEBOOKS, reason="no executed notebooks yet")
def test_site_of_the_real_notebooks_builds_with_no_broken_link(tmp_path):
    from metamap_edu.tools import cli

    out = tmp_path / "site"
    assert cli.main(["site", "--out", str(out), "--notebooks", str(REPO / "notebooks")]) == 0
    assert site.check_links(out) == []
    index = (out / "index.html").read_text()
    solved = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]*_*.ipynb"))
    assert solved, "no solution versions in notebooks/solutions"
    for path in solved:
        exercises_page = (out / (path.stem + ".html")).read_text()
        solutions_page = (out / (path.stem + ".solutions.html")).read_text()
        assert f'href="{path.stem}.solutions.html"' in exercises_page
        assert "Not attempted yet:" in exercises_page and "Not attempted yet:" not in solutions_page
    for path in NOTEBOOKS:
        page = (out / (path.stem + ".html")).read_text()
        assert f'href="{path.stem}.html"' in index
        assert not re.search(r'href="[^":]*\.ipynb', page), f"{path.name}: unrewritten .ipynb link"
        assert WIDGET not in page


def test_build_needs_no_network(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the site build tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    src = tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(_notebook(TITLE, widget=True), src / "07_small.ipynb")
    site.build_site(tmp_path / "site", notebooks_dir=src)
    assert site.check_links(tmp_path / "site") == []


def test_a_widget_cell_keeps_its_stored_picture_under_the_note():
    """The picture a widget cell stores for first open (widgets.static_html) is what the page shows."""
    from metamap_edu.course import widgets

    picture = widgets.static_html([{"output_type": "display_data", "data": {"image/png": "AAAA"}},
                                   {"output_type": "stream", "text": "alpha = 0.2: GOOD\n"}])
    nb = _notebook(TITLE)
    nb.cells[3].outputs = [nbformat.v4.new_output("display_data", data={
        WIDGET: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/html": picture, "text/plain": widgets.STATIC_HINT})]
    html_out = site._static_copy(nb).cells[3].outputs[0]["data"]["text/html"]
    assert site.WIDGET_NOTE in html_out
    assert 'src="data:image/png;base64,AAAA"' in html_out and "alpha = 0.2: GOOD" in html_out
    assert widgets.STATIC_HINT not in html_out  # the page says "open it to use it", not "run this cell"


def test_pages_load_mathjax_from_the_site_folder_not_a_cdn(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(_notebook(TITLE), src / "07_small.ipynb")
    out = tmp_path / "site"
    site.build_site(out, notebooks_dir=src)
    page = (out / "07_small.html").read_text()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    assert scripts and all(not re.match(r"(https?:)?//", s) for s in scripts), scripts
    assert any(s.startswith("mathjax/MathJax.js") for s in scripts)
    assert (out / "mathjax" / "MathJax.js").is_file() and (out / "mathjax" / "jax" / "input" / "TeX").is_dir()
    assert site.check_links(out) == []
    # badges keep their alt text
    assert 'alt="Launch on Binder"' in page and 'alt="Open in Colab"' in page
