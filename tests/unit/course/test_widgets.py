"""The widget machinery (metamap_edu.course.widgets): a view wired to controls, cached, with its static picture."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from metamap_edu.course import widgets  # noqa: E402
from metamap_edu import course  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_interactive_view_prints_errors_instead_of_raising():
    import ipywidgets as w

    def view(x):
        raise ValueError("boom")

    box = widgets.interactive_view(view, {"x": w.IntSlider(value=1)})
    box.children[0].value = 2  # no exception escapes


# ---- what a widget cell shows: one output, a picture until it runs, a cache --------------------
def test_a_displayed_widget_is_one_bundle_with_a_picture_and_a_hint():
    box = course.seed_explorer(seed=3)
    data = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"] == widgets.STATIC_HINT  # never the raw "VBox(children=..." text
    html = data["text/html"]
    assert html.count('<img src="data:image/png;base64,') == 1
    assert widgets.STATIC_HINT.replace("'", "&#x27;") in html and "(seed = 3)" in html
    assert "seed 3: [" in html  # the view's text, the same as the live widget's first output
    box.children[0].value = 5   # the picture follows the current state
    assert "(seed = 5)" in box._repr_mimebundle_()["text/html"]


def test_interactive_view_computes_each_setting_once():
    import ipywidgets as w

    calls = []

    def view(x):
        calls.append(x)
        return widgets.View(None, f"x = {x}")

    slider = w.IntSlider(value=1)
    box = widgets.interactive_view(view, {"x": slider})
    for value in (2, 1, 2, 3, 1):
        slider.value = value
    assert calls == [1, 2, 3]
    assert box.children[-1].outputs[-1]["text"] == "x = 1\n"
    uncached = widgets.interactive_view(view, {"x": w.IntSlider(value=7)}, cache_size=0)
    uncached.children[0].value = 8
    uncached.children[0].value = 7
    assert calls[-3:] == [7, 8, 7]
    with pytest.raises(ValueError, match="cache_size"):
        widgets.interactive_view(view, {"x": w.IntSlider()}, cache_size=-1)
