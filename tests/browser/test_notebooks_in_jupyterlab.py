"""Every notebook, in real JupyterLab, in a real (headless) browser.

For each `notebooks/*.ipynb` (plus a tiny self-test notebook that checks the harness itself):

1. first open, as stored and before anything runs (JupyterLab does not trust a notebook it did
   not write, so it shows no widget views): every widget cell shows a picture and the one-line
   "run this cell" hint, never the widget's raw text (`VBox(children=...`) or "Error displaying
   widget";
2. run all cells, wait for the kernel to go idle, assert that no cell shows an error, that every
   cell that displays a widget rendered a live widget, and shows ONE output (no static copy next
   to the live one);
3. move a control and check that the widget's output changes; the update latency (control moved
   -> output changed) is measured for a few moves of the first slider, reported in the notebook's
   JSON artifact and in the terminal summary, and its median must stay under
   METAMAP_BROWSER_LATENCY seconds (default 0.5, the goal on an idle machine).

A screenshot per notebook goes to test-artifacts/browser/.

Notebooks run with `FAST = True` injected after their parameters cell (METAMAP_BROWSER_FAST=0 runs
them at default parameters). Fixtures and knobs: see conftest.py in this folder.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from metamap_edu.course.widgets import STATIC_HINT

pytestmark = pytest.mark.browser

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
FAST = os.environ.get("METAMAP_BROWSER_FAST", "1") not in ("0", "")
SELFTEST = "_browser_selftest"
# a tqdm progress bar stored as a widget (TQDM_DISABLE=1 here hides them): not a teaching widget
PROGRESS_BAR = re.compile(r"\|\s*[\d.]+[kM]?/[\d.?]+[kM]?\s*\[")
NOTEBOOKS = Path(os.environ.get("METAMAP_BROWSER_NOTEBOOKS")
                 or Path(__file__).resolve().parents[2] / "notebooks")
NB_TIMEOUT = float(os.environ.get("METAMAP_BROWSER_NB_TIMEOUT", "420"))
LATENCY_LIMIT = float(os.environ.get("METAMAP_BROWSER_LATENCY", "0.5"))
LATENCY_MOVES = 3
LATENCIES: dict[str, list[float]] = {}  # notebook -> seconds per slider move (terminal summary)

# ---- JavaScript run inside JupyterLab (window.jupyterapp is exposed by the server config) ----

JS_NOTEBOOK_READY = """() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return 'no app';
  const w = app.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext || !w.context) return 'no notebook panel';
  if (!w.context.isReady) return 'document loading';
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!kernel) return 'no kernel';
  if (kernel.status !== 'idle') return 'kernel ' + kernel.status;
  return 'ready';
}"""

# Fire and forget: the command's promise resolves only when every cell has run, and
# page.evaluate() has no timeout, so awaiting it here could hang on a hung cell.
JS_RUN_ALL = """() => {
  window.jupyterapp.commands.execute('notebook:run-all-cells');
  return true;
}"""

JS_STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  const pending = [];
  let allExecuted = true, anyError = false;
  w.content.widgets.forEach((c, i) => {
    if (c.model.type !== 'code') return;
    const prompt = c.node.querySelector('.jp-InputPrompt');
    if (prompt && prompt.textContent.includes('*')) pending.push(i);
    if (c.model.sharedModel.getSource().trim() && c.model.executionCount == null) allExecuted = false;
    if (c.model.outputs.toJSON().some(o => o.output_type === 'error')) anyError = true;
  });
  return {status: kernel ? kernel.status : 'no kernel', pending, allExecuted, anyError};
}"""

JS_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w.content.widgets.map((c, i) => {
    const m = c.model;
    const info = {index: i, type: m.type, source: m.sharedModel.getSource()};
    if (m.type !== 'code') return info;
    const outputs = m.outputs.toJSON();
    info.executionCount = m.executionCount;
    info.errors = outputs.filter(o => o.output_type === 'error')
                         .map(o => o.ename + ': ' + o.evalue);
    // a tqdm progress bar (text like " 3/400 [00:01<...") is not a teaching widget
    const bar = /\\|\\s*[\\d.]+[kM]?\\/[\\d.?]+[kM]?\\s*\\[/;
    info.widgetOutputs = outputs.filter(o => o.data && o.data['%MIME%'] &&
                                        !bar.test(String(o.data['text/plain'] || ''))).length;
    info.liveWidgets = c.node.querySelectorAll('.jp-OutputArea .jupyter-widgets').length;
    info.outputCount = c.node.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child').length;
    const text = (c.node.querySelector('.jp-OutputArea') || {}).textContent || '';
    info.widgetErrors = text.includes('Error displaying widget') ||
                        text.includes('Loading widget...');
    info.tracebacks = Array.from(c.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
      .map(n => n.textContent).filter(t => t.includes('Traceback')).length;
    return info;
  });
}""".replace("%MIME%", WIDGET_MIME)

# What the widgets show (outputs, HTML, labels, pictures) but not the controls' own readouts.
JS_SIGNATURE = """() => {
  const parts = [];
  document.querySelectorAll('.jp-Notebook .jp-OutputArea').forEach(area => {
    const clone = area.cloneNode(true);
    clone.querySelectorAll('.widget-readout, input, select, textarea, .noUi-base')
         .forEach(n => n.remove());
    parts.push(clone.textContent);
    area.querySelectorAll('img').forEach(img => parts.push(img.getAttribute('src') || ''));
  });
  return parts.join('\\u0001');
}"""

# What each code cell shows right after the stored notebook opens, before anything runs.
JS_FIRST_OPEN = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w.content.widgets.map((c, i) => {
    if (c.model.type !== 'code') return null;
    const area = c.node.querySelector('.jp-OutputArea');
    const text = area ? area.textContent : '';
    return {index: i, source: c.model.sharedModel.getSource(),
            outputs: c.node.querySelectorAll('.jp-Cell-outputArea > .jp-OutputArea-child').length,
            rawWidgetText: /(VBox|HBox|IntSlider|FloatSlider|FloatLogSlider|Dropdown|Checkbox)\\(/.test(text),
            widgetError: text.includes('Error displaying widget'),
            picture: !!(area && area.querySelector('img[src^="data:image/png"]')),
            hint: text.includes('%HINT%')};
  }).filter(c => c);
}""".replace("%HINT%", STATIC_HINT.replace("'", "\\'"))

JS_KERNEL_STATUS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : 'no kernel';
}"""


# ---- notebooks under test ----

def _selftest_notebook() -> nbformat.NotebookNode:
    """A two-widget notebook proving that the harness sees widgets and slider changes."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Browser self-test\n\nEstimated time: 1 min"),
        nbformat.v4.new_code_cell("FAST = False\nSEED = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import ipywidgets as widgets\n"
            "def show(n):\n"
            "    print(f'{n} squared is {n * n}')\n"
            "widgets.interactive(show, n=widgets.IntSlider(value=3, min=0, max=10))"),
        nbformat.v4.new_code_cell("assert FAST is True\nprint('done')"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output(
        "display_data", data={WIDGET_MIME: {"model_id": "", "version_major": 2,
                                            "version_minor": 0}})]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def notebook_ids() -> list[str]:
    return [SELFTEST] + sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _first_line(source: str) -> str:
    lines = [ln for ln in source.splitlines() if ln.strip()]
    return (lines[0][:80] if lines else "(empty)")


def prepare_copy(name: str, root: Path) -> tuple[Path, set[int]]:
    """Copy a notebook into the server root, outputs cleared and FAST injected.

    Returns the copy's path and the indices of the cells whose stored outputs show a widget.
    """
    nb = _selftest_notebook() if name == SELFTEST else nbformat.read(NOTEBOOKS / name, as_version=4)
    widget_cells = {i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        WIDGET_MIME in o.get("data", {}) and not PROGRESS_BAR.search(str(o["data"].get("text/plain", "")))
        for o in c.get("outputs", []))}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if FAST:
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        if params:
            params[0].source = params[0].source.rstrip() + "\nFAST = True  # set by the browser test"
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = root / (name if name.endswith(".ipynb") else name + ".ipynb")
    nbformat.write(nb, path)
    return path, widget_cells


class NotebookFailure(AssertionError):
    pass


def _wait(page, js: str, until, timeout: float, what: str, poll: float = 1.0):
    """Poll `js` until `until(value)`; raise NotebookFailure naming `what` on timeout."""
    limit = time.monotonic() + timeout
    value = None
    while time.monotonic() < limit:
        value = page.evaluate(js)
        if until(value):
            return value
        time.sleep(poll)
    raise NotebookFailure(f"timed out after {timeout:.0f} s waiting for {what} (last: {value!r})")


def run_all_and_wait(page, deadline: float) -> None:
    """Run all cells; wait until the kernel is idle with no queued cell (report the hung cell)."""
    page.evaluate(JS_RUN_ALL)
    start, idle_polls = time.monotonic(), 0
    while True:
        state = page.evaluate(JS_STATE)
        finished = (state["status"] == "idle" and not state["pending"]
                    and (state["allExecuted"] or state["anyError"]))
        idle_polls = idle_polls + 1 if finished else 0
        if idle_polls >= 2:
            return
        if state["status"] in ("dead", "unknown", "no kernel"):
            raise NotebookFailure(f"the kernel died ({state['status']}) while running the notebook")
        if time.monotonic() > deadline:
            cells = page.evaluate(JS_CELLS)
            hung = state["pending"][0] if state["pending"] else None
            where = (f"cell {hung} ({_first_line(cells[hung]['source'])!r}) was still running"
                     if hung is not None else f"kernel status {state['status']!r}")
            raise NotebookFailure(f"notebook did not finish within "
                                  f"{time.monotonic() - start:.0f} s: {where}")
        time.sleep(1.0)


def check_cells(cells: list[dict], stored_widget_cells: set[int]) -> list[str]:
    """Problems found in the executed notebook: errors, unexecuted cells, dead widgets."""
    problems = []
    for c in cells:
        if c["type"] != "code":
            continue
        label = f"cell {c['index']} ({_first_line(c['source'])!r})"
        for err in c["errors"]:
            problems.append(f"{label} raised {err}")
        if c["tracebacks"] and not c["errors"]:
            problems.append(f"{label} printed a traceback to stderr")
        if c["source"].strip() and c["executionCount"] is None:
            problems.append(f"{label} was not executed")
        shows_widget = c["widgetOutputs"] > 0 or c["index"] in stored_widget_cells
        if shows_widget and (c["liveWidgets"] == 0 or c["widgetErrors"]):
            problems.append(f"{label} should display a widget but none rendered"
                            + (" (the widget shows an error)" if c["widgetErrors"] else ""))
        elif shows_widget and c.get("outputCount", 1) != 1:
            problems.append(f"{label} shows {c['outputCount']} outputs; a widget cell shows one (the live widget)")
    if problems and any("raised" in p for p in problems):
        # cells after the first error are never run: report the cause, not its consequences
        problems = [p for p in problems if "was not executed" not in p] or problems
    return problems


def check_first_open(cells: list[dict], stored_widget_cells: set[int]) -> list[str]:
    """Problems of the stored notebook as first opened: widget cells must show picture + hint."""
    problems = []
    for c in cells:
        label = f"cell {c['index']} ({_first_line(c['source'])!r})"
        if c["rawWidgetText"]:
            problems.append(f"{label} shows a widget's raw text on first open")
        if c["widgetError"]:
            problems.append(f"{label} shows 'Error displaying widget' on first open")
        if c["index"] in stored_widget_cells:
            if not (c["picture"] and c["hint"]):
                problems.append(f"{label} should show a picture and the 'run this cell' line on first open")
            if c["outputs"] != 1:
                problems.append(f"{label} shows {c['outputs']} outputs on first open; a widget cell shows one")
    return problems


def first_open(page, lab_server, name: str, timeout: float, shot: Path | None = None) -> list[str]:
    """Open the stored notebook as is (outputs kept, never run) and check what it shows."""
    if name == SELFTEST:
        return []
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    widget_cells = {i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        WIDGET_MIME in o.get("data", {}) and not PROGRESS_BAR.search(str(o["data"].get("text/plain", "")))
        for o in c.get("outputs", []))}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = lab_server.root / f"first_open_{name}"
    nbformat.write(nb, path)
    url = f"{lab_server.url}/lab/tree/{path.name}?token={lab_server.token}&reset"
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    _wait(page, JS_NOTEBOOK_READY, lambda v: v == "ready", timeout,
          "the stored notebook to open", poll=1.0)
    time.sleep(2.0)  # let every output render
    cells = page.evaluate(JS_FIRST_OPEN)
    if widget_cells and shot is not None:  # a picture of the first widget cell as a learner first sees it
        page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content.widgets[{min(widget_cells)}]"
                      ".node.scrollIntoView()")
        time.sleep(0.5)
        page.screenshot(path=str(shot), timeout=60_000)
    return check_first_open(cells, widget_cells)


# Watch the Output area of the cell holding the first slider; record (page clock) when what it shows
# first differs from now. Only that cell is compared, so the watching costs nothing measurable.
JS_WATCH = """() => {
  const handle = document.querySelectorAll('.jp-Notebook .jupyter-widgets .noUi-handle')[0];
  const cell = handle && handle.closest('.jp-Cell');
  if (!cell) return false;
  const area = cell.querySelector('.widget-output');  // the Output widget, not the controls
  if (!area) return false;
  const sig = () => {
    const img = area.querySelector('img');
    const src = img ? img.getAttribute('src') || '' : '';
    return src.length + ':' + src.slice(-200) + ':' + area.textContent;
  };
  const before = sig();
  window.__mmChanged = null;
  if (window.__mmObserver) window.__mmObserver.disconnect();
  window.__mmObserver = new MutationObserver(() => {
    if (window.__mmChanged === null && sig() !== before) window.__mmChanged = performance.now();
  });
  window.__mmObserver.observe(area, {childList: true, subtree: true, characterData: true, attributes: true});
  window.__mmPressed = performance.now();
  return true;
}"""

JS_CHANGED = """() => window.__mmChanged === null ? null : (window.__mmChanged - window.__mmPressed) / 1000"""


def measure_latency(page, timeout: float, moves: int = LATENCY_MOVES) -> list[float]:
    """Seconds from a key press on the first slider to a changed output in its cell, for `moves` presses.

    Every press moves to a new setting (never a cached one). The change is seen by a
    MutationObserver on that cell's output area, timed with the page's own clock.
    """
    handles = page.locator(".jp-Notebook .jupyter-widgets .noUi-handle")
    if handles.count() == 0:
        return []
    handle = handles.nth(0)
    latencies = []
    for _ in range(moves):
        settle = time.monotonic() + 30
        while page.evaluate(JS_KERNEL_STATUS) != "idle" and time.monotonic() < settle:
            time.sleep(0.1)
        handle.scroll_into_view_if_needed(timeout=30_000)
        handle.focus(timeout=30_000)
        if not page.evaluate(JS_WATCH):
            break
        handle.press("ArrowRight", timeout=30_000)  # always a new setting: no cached result
        limit = time.monotonic() + timeout
        while time.monotonic() < limit:
            seconds = page.evaluate(JS_CHANGED)
            if seconds is not None:
                latencies.append(seconds)
                break
            time.sleep(0.05)
    return latencies


def move_a_control(page, timeout: float) -> str:
    """Nudge sliders (then dropdowns, checkboxes, toggle buttons) until one changes an output.

    Returns a description of what was moved, "" if the notebook has no such control.
    Raises NotebookFailure if controls exist but none changes any output.
    """
    handles = page.locator(".jp-Notebook .jupyter-widgets .noUi-handle")
    dropdowns = page.locator(".jp-Notebook .widget-dropdown select")
    checkboxes = page.locator('.jp-Notebook .widget-checkbox input[type="checkbox"]')
    toggles = page.locator(".jp-Notebook button.widget-toggle-button")
    n_sliders, n_dropdowns = handles.count(), dropdowns.count()
    n_others = checkboxes.count() + toggles.count()
    if n_sliders + n_dropdowns + n_others == 0:
        return ""
    limit = time.monotonic() + timeout
    tried = []
    controls = ([("slider", handles.nth(i)) for i in range(min(n_sliders, 6))]
                + [("dropdown", dropdowns.nth(i)) for i in range(min(n_dropdowns, 3))]
                + [("checkbox", checkboxes.nth(i)) for i in range(min(checkboxes.count(), 2))]
                + [("toggle", toggles.nth(i)) for i in range(min(toggles.count(), 2))])
    for kind, control in controls:
        if time.monotonic() > limit:
            break
        before = page.evaluate(JS_SIGNATURE)
        control.scroll_into_view_if_needed(timeout=30_000)
        if kind == "slider":
            control.focus(timeout=30_000)
            for key in ("ArrowRight", "ArrowRight"):
                control.press(key, timeout=30_000)
        elif kind in ("checkbox", "toggle"):
            control.click(timeout=30_000)
        else:
            options = control.locator("option").all_inner_texts()
            # the selected option's text (an ipywidgets <option>'s value is not always its label)
            current = control.evaluate("s => s.selectedIndex >= 0 ? s.options[s.selectedIndex].text : ''")
            others = [o for o in options if o != current]
            if not others:
                continue
            control.select_option(label=others[0], timeout=30_000)
        tried.append(kind)
        pressed = time.monotonic()
        idle_since = None
        while time.monotonic() < limit:
            time.sleep(0.5)
            if page.evaluate(JS_SIGNATURE) != before:
                # let the kernel finish the last update so the screenshot is consistent
                settle = time.monotonic() + 30
                while page.evaluate(JS_KERNEL_STATUS) != "idle" and time.monotonic() < settle:
                    time.sleep(0.5)
                return f"{kind} #{len(tried)}"
            status = page.evaluate(JS_KERNEL_STATUS)
            if status == "idle":
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - pressed > 6 and time.monotonic() - idle_since > 4:
                    break  # the kernel answered and nothing changed: try the next control
            else:
                idle_since = None
    raise NotebookFailure(f"moving {', '.join(tried) or 'no control'} changed no widget output "
                          f"({n_sliders} slider(s), {n_dropdowns} dropdown(s), {n_others} "
                          f"checkbox(es)/toggle(s) in the notebook)")


@pytest.mark.parametrize("name", notebook_ids())
def test_notebook_runs_in_jupyterlab(name, chromium, lab_server, artifacts_dir,
                                     browser_deadline):
    remaining = browser_deadline - time.monotonic()
    if remaining <= 0:
        pytest.fail(f"{name}: the whole browser test ran out of time before this notebook "
                    f"(METAMAP_BROWSER_TIMEOUT)", pytrace=False)
    deadline = time.monotonic() + min(NB_TIMEOUT, remaining)
    path, stored_widget_cells = prepare_copy(name, lab_server.root)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    shot = artifacts_dir / (path.stem + ".png")
    failure, started, moved = None, time.monotonic(), ""
    latencies: list[float] = []
    try:
        opened = first_open(page, lab_server, name, max(30.0, min(240.0, deadline - time.monotonic())),
                            shot=artifacts_dir / f"first_open_{path.stem}.png")
        lab_server.shutdown_all_kernels()
        url = f"{lab_server.url}/lab/tree/{path.name}?token={lab_server.token}&reset"
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        _wait(page, JS_NOTEBOOK_READY, lambda v: v == "ready",
              max(30.0, min(240.0, deadline - time.monotonic())),
              "the notebook to open and its kernel to start", poll=1.0)
        run_all_and_wait(page, deadline)
        cells = page.evaluate(JS_CELLS)
        problems = opened + check_cells(cells, stored_widget_cells)
        if not problems:
            moved = move_a_control(page, max(20.0, deadline - time.monotonic()))
            if name == SELFTEST and not moved:
                problems.append("the self-test slider was not found")
        if not problems and name != SELFTEST:
            latencies = measure_latency(page, max(10.0, min(60.0, deadline - time.monotonic())))
            if latencies:
                LATENCIES[name] = latencies
                median = sorted(latencies)[len(latencies) // 2]
                if median > LATENCY_LIMIT:
                    problems.append(f"a slider update takes {median:.2f} s (median of {len(latencies)} moves; "
                                    f"all: {', '.join(f'{x:.2f}' for x in latencies)}), over "
                                    f"METAMAP_BROWSER_LATENCY = {LATENCY_LIMIT:g} s")
        page.screenshot(path=str(shot), timeout=60_000)
        if problems:
            failure = "; ".join(problems)
        widget_cells = [c["index"] for c in cells if c.get("liveWidgets")]
        shot.with_suffix(".json").write_text(json.dumps({
            "notebook": name, "seconds": round(time.monotonic() - started, 1), "fast": FAST,
            "cells_with_live_widgets": widget_cells, "moved": moved or None,
            "slider_latency_seconds": [round(x, 3) for x in latencies],
            "problems": problems}, indent=1))
    except Exception as exc:  # noqa: BLE001 - report where it failed, with the original error
        failure = f"{type(exc).__name__}: {exc}"
        try:
            page.screenshot(path=str(shot), timeout=30_000)
        except Exception:  # noqa: BLE001
            pass
    finally:
        context.close()
        lab_server.shutdown_all_kernels()
    if failure:
        extra = f"\nbrowser errors: {page_errors[:3]}" if page_errors else ""
        pytest.fail(f"{name}: {failure}{extra}\nscreenshot: {shot}\n"
                    f"server log tail:\n{lab_server.log_tail(15)}", pytrace=False)


def test_check_cells_names_the_failing_cells():
    """The report logic itself (no browser needed)."""
    def code(i, source, **kw):
        info = {"index": i, "type": "code", "source": source, "executionCount": i, "errors": [],
                "widgetOutputs": 0, "liveWidgets": 0, "widgetErrors": False, "tracebacks": 0}
        info.update(kw)
        return info

    ok = [code(0, "x = 1"), code(1, "slider", widgetOutputs=1, liveWidgets=3)]
    assert check_cells(ok, stored_widget_cells={1}) == []
    dead = [code(0, "x = 1"), code(1, "slider", liveWidgets=0)]
    assert check_cells(dead, {1}) == ["cell 1 ('slider') should display a widget but none rendered"]
    broken = [code(0, "1/0\nmore", errors=["ZeroDivisionError: division by zero"]),
              code(1, "print(2)", executionCount=None)]
    assert check_cells(broken, set()) == ["cell 0 ('1/0') raised ZeroDivisionError: division by zero"]
    assert check_cells([code(0, "print(2)", executionCount=None)], set()) == [
        "cell 0 ('print(2)') was not executed"]


def test_check_first_open_names_raw_text_errors_and_missing_pictures():
    """The first-open report logic itself (no browser needed)."""
    def cell(i, **kw):
        info = {"index": i, "source": "display(w)", "outputs": 1, "rawWidgetText": False,
                "widgetError": False, "picture": True, "hint": True}
        info.update(kw)
        return info

    assert check_first_open([cell(3)], {3}) == []
    assert check_first_open([cell(3, rawWidgetText=True, picture=False)], {3}) == [
        "cell 3 ('display(w)') shows a widget's raw text on first open",
        "cell 3 ('display(w)') should show a picture and the 'run this cell' line on first open"]
    assert check_first_open([cell(3, widgetError=True, outputs=2)], {3}) == [
        "cell 3 ('display(w)') shows 'Error displaying widget' on first open",
        "cell 3 ('display(w)') shows 2 outputs on first open; a widget cell shows one"]
    # a cell without a widget may show anything but raw widget text
    assert check_first_open([cell(1, picture=False, hint=False, outputs=3)], {3}) == []


def test_check_cells_wants_one_output_per_widget_cell():
    info = {"index": 2, "type": "code", "source": "display(w)\nprint(x)", "executionCount": 2, "errors": [],
            "widgetOutputs": 1, "liveWidgets": 3, "widgetErrors": False, "tracebacks": 0, "outputCount": 2}
    assert check_cells([info], {2}) == [
        "cell 2 ('display(w)') shows 2 outputs; a widget cell shows one (the live widget)"]


# ---- a notebook saved after running, and opened again -------------------------------------------

REOPEN = "_reopen_after_save.ipynb"
STATE_MIME = "application/vnd.jupyter.widget-state+json"


def test_a_saved_notebook_shows_its_widget_again_when_reopened(chromium, lab_server, artifacts_dir,
                                                               browser_deadline):
    """Run a widget cell built like the course's (``widgets.interactive_view``), save, reload
    JupyterLab and open the notebook again: the cell shows the widget, not "Error displaying
    widget: model not found". The server runs with the default settings that ``metamap-edu
    lab-settings`` writes (see conftest.py); the saved file must hold the widgets' state."""
    remaining = browser_deadline - time.monotonic()
    if remaining <= 0:
        pytest.fail("the whole browser test ran out of time before this test (METAMAP_BROWSER_TIMEOUT)",
                    pytrace=False)
    deadline = time.monotonic() + min(NB_TIMEOUT, remaining)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as w\n"
        "from metamap_edu.course.widgets import View, interactive_view\n"
        "display(interactive_view(lambda n: View(None, f'{n} squared is {n * n}'),\n"
        "                         {'n': w.IntSlider(value=3, min=0, max=10, description='n')}))")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = lab_server.root / REOPEN
    nbformat.write(nb, path)
    url = f"{lab_server.url}/lab/tree/{REOPEN}?token={lab_server.token}&reset"
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    shot = artifacts_dir / "reopen_after_save.png"
    try:
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        _wait(page, JS_NOTEBOOK_READY, lambda v: v == "ready", max(30.0, deadline - time.monotonic()),
              "the notebook to open and its kernel to start", poll=1.0)
        run_all_and_wait(page, deadline)
        cells = page.evaluate(JS_CELLS)
        assert cells[0]["liveWidgets"] > 0 and not cells[0]["widgetErrors"], cells[0]
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        saved = _wait_for_saved_state(path, max(30.0, min(120.0, deadline - time.monotonic())))
        assert saved, f"{REOPEN} was saved without the widgets' state (metadata.widgets)"
        lab_server.shutdown_all_kernels()
        # reopen: a fresh page (JupyterLab reloaded) and a new kernel that never made these widgets
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        _wait(page, "() => { const a = window.jupyterapp; const w = a && a.shell && a.shell.currentWidget;"
                    " return !!(w && w.context && w.context.isReady && w.content); }",
              bool, max(30.0, deadline - time.monotonic()), "the saved notebook to open again", poll=1.0)
        cell = _wait(page, JS_CELLS, lambda cs: cs and (cs[0]["liveWidgets"] > 0 and not cs[0]["widgetErrors"]
                                                    or "model not found" in page.inner_text(".jp-Notebook")),
                     max(30.0, min(120.0, deadline - time.monotonic())), "the reopened widget cell")[0]
        text = page.inner_text(".jp-Notebook")
        page.screenshot(path=str(shot), timeout=60_000)
        assert "model not found" not in text and "Error displaying widget" not in text, text[:500]
        assert cell["liveWidgets"] > 0, cell
        assert "3 squared is 9" in text  # the widget's saved output, shown again
    finally:
        context.close()
        lab_server.shutdown_all_kernels()


def _wait_for_saved_state(path: Path, timeout: float) -> bool:
    """True once the notebook file on disk holds a non-empty widget state."""
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        try:
            state = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("widgets", {})
            if state.get(STATE_MIME, {}).get("state"):
                return True
        except (OSError, ValueError):
            pass
        time.sleep(1.0)
    return False
