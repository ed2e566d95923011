"""Explorers and figures of notebooks/07_the_whole_pipeline (course.nb07): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import pytest

from metamap_edu import course


def test_ablation_draws_a_chance_line_per_task_and_accepts_one_number():
    table = {"full": {"topic": 0.9, "sentiment": 0.6}, "none": {"topic": 0.4, "sentiment": 0.5}}
    fig = course.plot_ablation(table, chance={"topic": 0.25, "sentiment": 0.5})
    ax = fig.axes[0]
    segments = [s for c in ax.collections for s in c.get_segments()]
    assert sorted(round(float(s[0][1]), 2) for s in segments) == [0.25, 0.5]
    assert "chance" in [t.get_text() for t in ax.get_legend().get_texts()]
    fig = course.plot_ablation(table, chance=0.5)
    assert len([s for c in fig.axes[0].collections for s in c.get_segments()]) == 2
    with pytest.raises((TypeError, ValueError), match="chance"):
        course.plot_ablation(table, chance="half")
    assert course.plot_ablation(table).axes[0].get_title() != "which component matters"
