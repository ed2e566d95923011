"""Package code behind notebook 00 (start here): the formula-2 and summation-order exercises, the
glossary, the pipeline diagram, the seed explorer, and the claims the notebook makes in prose."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from pathlib import Path

from metamap_edu import course

SOURCE = Path(__file__).resolve().parents[2] / "notebooks" / "src" / "00_start_here.py"


def test_check_formula2_step_accepts_the_step_and_names_each_slip(capsys):
    right = lambda t, g, p, a, lam: t - a * (g + 2 * lam * (t - p))  # noqa: E731
    assert course.check_formula2_step(right) is True
    assert "pull towards theta_prev of strength 2 alpha lam" in capsys.readouterr().out
    slips = {
        "missing a factor 2": lambda t, g, p, a, lam: t - a * (g + lam * (t - p)),
        "pushes away": lambda t, g, p, a, lam: t - a * (g - 2 * lam * (t - p)),
        "formula 1 alone": lambda t, g, p, a, lam: t - a * g,
        "does not multiply the penalty": lambda t, g, p, a, lam: t - a * g - 2 * lam * (t - p),
        "uphill": lambda t, g, p, a, lam: t + a * (g + 2 * lam * (t - p)),
        "returned None": lambda t, g, p, a, lam: None,
        "not one gradient step": lambda t, g, p, a, lam: t * 0,
    }
    for says, fn in slips.items():
        assert course.check_formula2_step(fn) is False
        assert says in capsys.readouterr().out


def _sums(xs):
    import torch

    one = torch.tensor(0.0)
    for x in xs:
        one = one + x
    half = len(xs) // 2
    first, second = torch.tensor(0.0), torch.tensor(0.0)
    for x in xs[:half]:
        first = first + x
    for x in xs[half:]:
        second = second + x
    return one, first + second


def test_the_two_summation_orders_differ_for_the_notebooks_numbers(capsys):
    """Notebook 00's claim: the same float32 numbers, summed in another order, differ in the last digits."""
    xs = course.thread_summands(seed=0)
    one, two = _sums(xs)
    assert float(one) != float(two)
    assert abs(float(one) - float(two)) < 1e-5 * float(xs.abs().sum())   # only the last digits
    assert course.check_thread_sums(one, two, xs) is True
    assert "another order, a difference of" in " ".join(capsys.readouterr().out.split())


def test_check_thread_sums_feedback(capsys):
    xs = course.thread_summands(seed=0)
    one, two = _sums(xs)
    cases = {
        "two_threads is the left-to-right sum": (one, one),
        "xs.sum()": (xs.sum(), two),
        "float64": (float(xs.double().sum()), two),
        "not a sum of xs": (one, 12345.0),
        "must be a single number": ([1.0], two),
    }
    for says, (a, b) in cases.items():
        assert course.check_thread_sums(a, b, xs) is False
        assert says in capsys.readouterr().out
    assert course.check_thread_sums(..., ..., xs) is False
    assert capsys.readouterr().out.startswith("Not attempted yet")
    with pytest.raises(ValueError, match="xs"):
        course.check_thread_sums(1.0, 2.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="n"):
        course.thread_summands(n=1)


def test_glossary_in_the_notebook_matches_the_check():
    text = SOURCE.read_text(encoding="utf-8")
    for english, chinese in course.GLOSSARY.items():
        assert f"| {english} | {chinese} |" in text, f"glossary row {english} / {chinese} missing from notebook 00"


def test_pipeline_figure():
    fig = course.plot_pipeline(highlight=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for title, *_ in course.PIPELINE:
        assert title in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="highlight"):
        course.plot_pipeline(highlight=4)
    with pytest.raises(TypeError, match="ax"):
        course.plot_pipeline(ax="not axes")


def test_seed_view_is_reproducible_and_validates():
    a, b = course.seed_view(3), course.seed_view(3)
    assert a.text == b.text and "identical on the second draw: True" in a.text
    assert course.seed_view(4).text != a.text
    plt.close("all")
    with pytest.raises(ValueError, match="seed"):
        course.seed_view(-1)
    with pytest.raises(TypeError, match="seed"):
        course.seed_view("0")


def test_seed_explorer_builds_a_slider_and_fills_its_output():
    pytest.importorskip("ipywidgets")
    box = course.seed_explorer(seed=2)
    slider, out = box.children
    assert slider.value == 2 and slider.max == 20
    first = [o["text"] for o in out.outputs if o["output_type"] == "stream"]
    slider.value = 5
    second = [o["text"] for o in out.outputs if o["output_type"] == "stream"]
    assert first != second and second[0].startswith("seed 5:")
    plt.close("all")
