"""Package code behind notebook 00 (start here): glossary and pipeline checks, the pipeline
diagram, the seed explorer, and the claims the notebook makes in prose."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from pathlib import Path

from metamap_edu import exercises, viz, widgets

SOURCE = Path(__file__).resolve().parent.parent / "notebooks" / "src" / "00_start_here.py"


def test_check_glossary_right_answers(capsys):
    assert exercises.check_glossary({"元学习": "Meta Learning", "微调": "fine-tuning", "正则化": "regularization"})
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("answers, says", [
    ({"元学习": "pretraining"}, "元学习 is not 'pretraining'"),
    ({"元学习": ...}, "not answered 元学习"),
    ({"机器学习": "machine learning"}, "not in the glossary"),
    ({}, "empty"),
    (["元学习"], "must be a dict"),
])
def test_check_glossary_feedback(answers, says, capsys):
    assert exercises.check_glossary(answers) is False
    assert says in capsys.readouterr().out


def test_check_step_order(capsys):
    assert exercises.check_step_order(["generate", "train", "Meta-Learn", "pretrain"])
    assert exercises.check_step_order(["train", "generate", "meta-learn", "pretrain"]) is False
    assert "step 1 should not be 'train'" in capsys.readouterr().out
    assert exercises.check_step_order(["generate", "train"]) is False
    assert "missing ['meta-learn', 'pretrain']" in capsys.readouterr().out
    assert exercises.check_step_order("generate train") is False


def test_glossary_in_the_notebook_matches_the_check():
    text = SOURCE.read_text(encoding="utf-8")
    for english, chinese in exercises.GLOSSARY.items():
        assert f"| {english} | {chinese} |" in text, f"glossary row {english} / {chinese} missing from notebook 00"


def test_pipeline_figure():
    fig = viz.plot_pipeline(highlight=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for title, *_ in viz.PIPELINE:
        assert title in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="highlight"):
        viz.plot_pipeline(highlight=4)
    with pytest.raises(TypeError, match="ax"):
        viz.plot_pipeline(ax="not axes")


def test_seed_view_is_reproducible_and_validates():
    a, b = widgets.seed_view(3), widgets.seed_view(3)
    assert a.text == b.text and "identical on the second draw: True" in a.text
    assert widgets.seed_view(4).text != a.text
    plt.close("all")
    with pytest.raises(ValueError, match="seed"):
        widgets.seed_view(-1)
    with pytest.raises(TypeError, match="seed"):
        widgets.seed_view("0")


def test_seed_explorer_builds_a_slider_and_fills_its_output():
    pytest.importorskip("ipywidgets")
    box = widgets.seed_explorer(seed=2)
    slider, out = box.children
    assert slider.value == 2 and slider.max == 20
    first = [o["text"] for o in out.outputs if o["output_type"] == "stream"]
    slider.value = 5
    second = [o["text"] for o in out.outputs if o["output_type"] == "stream"]
    assert first != second and second[0].startswith("seed 5:")
    plt.close("all")
