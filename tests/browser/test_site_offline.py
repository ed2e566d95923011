"""The static site (`metamap-edu site`) read in Chromium with the network cut off.

Every request that is not a file of the site is aborted (Playwright route), as for a reader on a
train. Pages 00, 02 and 04 must still show typeset maths: MathJax comes from the site folder.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from metamap_edu.tools import site

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PAGES = ["00_start_here", "02_learning_one_mapping", "04_staying_close_the_l2_bridge"]

# Text of the rendered markdown, without code and without the maths MathJax has typeset
# (typeset maths keeps its TeX source in <script type="math/tex">, which has no visible text).
JS_PROSE = """() => Array.from(document.querySelectorAll('.jp-RenderedMarkdown')).map(md => {
  const clone = md.cloneNode(true);
  clone.querySelectorAll('code, pre, script, .MathJax, .MathJax_Display, .MathJax_Preview')
       .forEach(n => n.remove());
  return clone.textContent;
}).join('\\n')"""

JS_MATH = """() => ({
  ready: !!(window.MathJax && MathJax.Hub && MathJax.Hub.queue &&
            MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0),
  typeset: document.querySelectorAll('.MathJax, .MathJax_Display').length,
  sources: document.querySelectorAll('script[type^="math/tex"]').length,
  errors: document.querySelectorAll('.MathJax_Error, merror').length
        + (document.body.textContent.includes('Math Processing Error') ? 1 : 0),
})"""


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "_site"
    site.build_site(out, NOTEBOOKS)
    return out


@pytest.mark.parametrize("name", PAGES)
def test_page_typesets_its_maths_offline(name, built_site, chromium):
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    blocked: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page = context.new_page()
    page.route("**/*", only_local)
    try:
        page.goto((built_site / f"{name}.html").as_uri(), wait_until="load", timeout=60_000)
        limit, state = time.monotonic() + 60, {}
        while time.monotonic() < limit:
            state = page.evaluate(JS_MATH)
            if state["ready"] and state["typeset"] > 0:
                break
            time.sleep(0.25)
        prose = page.evaluate(JS_PROSE)
    finally:
        context.close()
    assert state.get("ready"), f"{name}: MathJax did not start offline ({state}); blocked: {blocked[:5]}"
    assert state["typeset"] >= 10, f"{name}: only {state['typeset']} typeset formulas ({state})"
    assert state["errors"] == 0, f"{name}: MathJax reported errors ({state})"
    raw = [line.strip() for line in prose.splitlines() if "$" in line]
    assert not raw, f"{name}: raw $…$ left in the prose: {raw[:3]}"
    # nothing the page needs was on the network: only the external badges and links may be blocked
    assert not [u for u in blocked if "mathjax" in u.lower()], blocked
