"""Interactive explorers: a view function wired to ipywidgets controls, and the picture it stores.

Each explorer of a notebook module (``nb00`` ... ``nb07``) is two parts:

* a *view* -- a plain function from the knob values to a :class:`View` (a matplotlib figure and
  a short text). It knows nothing about widgets, so it is unit-tested like any function and a
  notebook can call it directly to show a static result;
* a *builder* that wires ipywidgets controls to the view with :func:`interactive_view` and returns
  the widget to display.

:func:`interactive_view` caches each view's outputs and shows, before a cell runs, the picture
:func:`static_html` draws. ipywidgets is imported inside the builders only: importing this module
never needs a front end. Used by every notebook with an explorer, from ``notebooks/00_start_here`` on.
"""
from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Callable
from typing import Any, NamedTuple

import matplotlib.pyplot as plt

from .._checks import check_int, check_sequence, check_type, _show

__all__ = ["View", "interactive_view", "static_html", "STATIC_HINT"]


#: view texts are wrapped at word boundaries to this width (a notebook's output area would
#: otherwise break long lines in the middle of a word)
TEXT_WIDTH = 100


def _wrap(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap each line of ``text`` longer than ``width`` at word boundaries (continuations indented)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out.append(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False))
    return "\n".join(out)


class View(NamedTuple):
    """What a view function returns: a figure (or None) and a text to print under it."""

    figure: Any
    text: str


def _stream_output(text: str) -> dict:
    """An nbformat stdout output, as an ``Output`` widget stores it."""
    return {"output_type": "stream", "name": "stdout", "text": text}


def _display_output(obj) -> dict:
    """An nbformat display_data output for ``obj`` (a figure becomes image/png + text/plain).

    A matplotlib figure is drawn once, straight to PNG at its own size and resolution (its
    layout engine places the labels), which is what keeps a widget update fast.
    """
    if hasattr(obj, "savefig"):
        buffer = io.BytesIO()
        obj.savefig(buffer, format="png")
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        return {"output_type": "display_data", "data": {"image/png": png, "text/plain": "<Figure>"},
                "metadata": {}}
    try:
        from IPython.core.formatters import format_display_data  # optional: present only under a kernel

        data, metadata = format_display_data(obj)
    except Exception:  # no IPython display machinery: fall back to the text form
        data, metadata = {"text/plain": repr(obj)}, {}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


#: The one line a widget shows where its controls cannot run yet (a notebook opened before its
#: cells run, a static page): the picture under it is the widget's first result.
STATIC_HINT = "Run this cell to use the controls: until then this is a picture of the widget's first result."


_HINT_CLASS = "mm-widget-hint"


def _control_label(control) -> str:
    """``description = value`` for the static picture's caption (a dropdown shows its label)."""
    value = getattr(control, "label", None)
    if value is None:
        value = control.value
        if isinstance(value, float):
            value = f"{value:.3g}"
    name = getattr(control, "description", "") or "value"
    return f"{name} = {value}"


def static_html(outputs, controls=()) -> str:
    """The HTML a widget cell shows before it runs: the hint, the knob values, the outputs.

    ``outputs`` are nbformat outputs as :func:`interactive_view` stores them (a PNG figure and
    a text); ``controls`` are the widget's controls, whose values the caption names. The
    picture is inlined (``data:image/png``), so the cell needs no file and no running kernel.
    """
    outputs = check_sequence("outputs", outputs, "a list of nbformat outputs (dicts)")
    for output in outputs:
        check_type("outputs", output, dict, "a list of nbformat outputs (dicts)")
    controls = check_sequence("controls", controls, "a list of ipywidgets controls")
    knobs = "; ".join(_control_label(c) for c in controls)
    parts = [f'<div class="mm-static-widget"><p class="{_HINT_CLASS}"><em>{html.escape(STATIC_HINT)}</em>'
             + (f" ({html.escape(knobs)})" if knobs else "") + "</p>"]
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            parts.append(f'<img src="data:image/png;base64,{data["image/png"]}" '
                         f'alt="the widget\'s picture for {html.escape(knobs or "its first setting")}">')
        elif output.get("output_type") == "stream":
            parts.append(f"<pre>{html.escape(output.get('text', ''))}</pre>")
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(str(data['text/plain']))}</pre>")
    parts.append("</div>")
    return "\n".join(parts)


def interactive_view(view: Callable[..., View], controls: dict[str, Any], *, cache_size: int = 64,
                     **fixed: Any):
    """Wire ipywidgets ``controls`` (name -> widget) to ``view(**values, **fixed)``; return a VBox.

    The figure and the text are drawn into an ``Output`` area, which is replaced on every change;
    an error raised by the view is printed there too, so the kernel always stays alive.

    What a learner sees is ONE result per cell. Displayed, the box is one output whose bundle
    holds the live widget and, for a front end that cannot show the widget yet (a notebook opened
    before it runs, which JupyterLab does not trust with widgets, or a static page), an HTML
    picture of its current result with the one-line :data:`STATIC_HINT`. A live session shows
    the widget; the picture stands in for it until the cell runs.

    The results of the last ``cache_size`` settings are kept (views are deterministic: the same
    knobs give the same picture), so moving a knob back is instant.

    The ``Output`` area is filled by setting its ``outputs`` on the kernel side, not with
    ``with out: display(...)``: captured displays reach headless runners (nbval, papermill) as
    ordinary cell outputs, which a browser never shows, so stored and re-run outputs would differ.
    """
    if not callable(view):
        raise TypeError(f"view must be a function returning a View; got {_show(view)}")
    check_type("controls", controls, dict, "a dict name -> ipywidget")
    import ipywidgets as w  # optional front end: only a builder needs it

    cache_size = check_int("cache_size", cache_size, min=0, max=10_000)
    out = w.Output()
    cache: dict[Any, tuple] = {}

    def key_of(values):
        try:
            key = tuple(sorted(values.items()))
            hash(key)
            return key
        except TypeError:  # an unhashable knob value: no caching for it
            return None

    def refresh(*_):
        values = {name: c.value for name, c in controls.items()}
        key = key_of(values)
        if key is not None and key in cache:
            out.outputs = cache[key]
            return
        try:
            result = view(**values, **fixed)
        except Exception as err:  # show the message, keep the widget alive
            out.outputs = (_stream_output(f"{type(err).__name__}: {err}\n"),)
            return
        outputs = []
        if result.figure is not None:
            outputs.append(_display_output(result.figure))
            plt.close(result.figure)
        outputs.append(_stream_output(f"{_wrap(result.text)}\n"))
        out.outputs = tuple(outputs)
        if key is not None and cache_size:
            if len(cache) >= cache_size:
                cache.pop(next(iter(cache)))
            cache[key] = out.outputs

    for c in controls.values():
        c.observe(refresh, names="value")
    refresh()
    return _LiveBox([*controls.values(), out], static=lambda: static_html(out.outputs, controls.values()))


def _LiveBox(children, static: Callable[[], str]):
    """A VBox whose display bundle adds the static HTML picture and a one-line plain-text hint."""
    import ipywidgets as w  # optional front end: only a builder needs it

    class LiveView(w.VBox):
        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            if data is None:  # a closed widget
                return None
            bundle = data[0] if isinstance(data, tuple) else data
            bundle["text/html"] = static()
            bundle["text/plain"] = STATIC_HINT
            return data

    return LiveView(children)
