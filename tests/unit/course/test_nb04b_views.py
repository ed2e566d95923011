"""Explorers and figures of notebooks/04b_the_articles_pull_repaired (course.nb04b): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import pytest

from metamap_edu import course


def test_coupled_vs_decoupled_panels():
    h = [100, 1, 0.01]
    res = {"SGD": {"coupled": [1, 0.5, 0], "decoupled": [1, 0.5, 0]}, "Adam": {"coupled": [1, 0.5, 0], "decoupled": [0.3] * 3}}
    fig = course.plot_coupled_vs_decoupled(h, res)
    assert [ax.get_title() for ax in fig.axes] == ["SGD", "Adam"]
    fig = course.plot_coupled_vs_decoupled(h, {"coupled": [1, 0.5, 0]})
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="one value per curvature"):
        course.plot_coupled_vs_decoupled(h, {"coupled": [1, 0.5]})
