"""Shared by the tests of the notebooks' explorers and figures (tests/unit/course/test_nb*_views.py).

The figures are drawn with the Agg backend, which tests/conftest.py selects for the whole test process.
"""
import matplotlib.pyplot as plt
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _regression(w=2.0, b=-1.0, n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    X = np.c_[x, np.ones(n)]
    return X, w * x + b + 0.1 * rng.normal(size=n)


@pytest.fixture
def regression():
    """``regression(w, b, n, seed)`` -> (X with a column of ones, y = w x + b + noise), n points."""
    return _regression


def _inside_axes(fig, ax, legend) -> bool:
    fig.canvas.draw()
    box, frame = legend.get_window_extent(), ax.get_window_extent()
    return box.overlaps(frame)


@pytest.fixture
def inside_axes():
    """``inside_axes(fig, ax, legend)``: whether the drawn legend overlaps the axes' frame."""
    return _inside_axes
