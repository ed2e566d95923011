"""Explorers and figures of notebooks/02_learning_one_mapping (course.nb02): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from metamap_edu import course
from metamap_edu.course import widgets


def _gd_path(X, y, lr, steps, start=(-2.0, 2.0)):
    theta = np.array(start)
    path = [theta.copy()]
    for _ in range(steps):
        theta = theta - lr * 2 * X.T @ (X @ theta - y) / len(y)
        path.append(theta.copy())
    return np.array(path)


def test_loss_surface_draws_path_and_minimum(regression):
    X, y = regression()
    fig = course.plot_loss_surface(X, y, _gd_path(X, y, 0.1, 20), title="gd")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "gd"
    labels = [line.get_label() for line in ax.get_lines()]
    assert "gradient-descent path" in labels and "minimum $\\theta^*$" in labels


def test_loss_surface_survives_a_divergent_path(regression):
    X, y = regression()
    with np.errstate(over="ignore", invalid="ignore"):
        path = _gd_path(X, y, 5.0, 400)  # explodes to inf / nan
    fig = course.plot_loss_surface(X, y, path)
    lo, hi = fig.axes[0].get_xlim()
    assert np.isfinite(lo) and np.isfinite(hi) and hi - lo < 100


def test_loss_surface_rejects_bad_shapes():
    with pytest.raises(ValueError, match="X must have 2 columns"):
        course.plot_loss_surface(np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match="y must have one value per row"):
        course.plot_loss_surface(np.ones((5, 2)), np.ones(4))


def test_loss_curves_drop_non_finite_values():
    fig = course.plot_loss_curves({"ok": [1.0, 0.5, 0.25], "diverged": [1.0, 10.0, float("inf")]})
    lines = fig.axes[0].get_lines()
    assert len(lines[1].get_xdata()) == 2


def _line_task(w=1.5, b=-0.5, n=32, seed=0):
    from metamap_edu.tasks import MappingTask

    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=n)
    y = w * x + b + 0.1 * rng.normal(size=n)
    return MappingTask(name="line", kind="regression", examples=[((float(a),), (float(c),)) for a, c in zip(x, y)])


def _h_max(task):
    X, _ = task.tensors()
    X = torch.cat([X.double(), torch.ones(len(task), 1, dtype=torch.float64)], dim=1)
    return float(torch.linalg.eigvalsh(2 * X.T @ X / len(task)).max())


# ---- alpha slider (notebook 02) ---------------------------------------------------------------
def test_alpha_view_classifies_small_good_and_divergent_rates():
    task = _line_task()
    limit = 2 / _h_max(task)
    small = course.alpha_view(0.002, task, steps=20)
    assert small.text.splitlines()[1].startswith("TOO SMALL")
    good = course.alpha_view(0.5 * limit, task, steps=40)
    assert good.text.splitlines()[1].startswith("GOOD")
    growing = course.alpha_view(1.2 * limit, task, steps=20)
    assert growing.text.splitlines()[1].startswith("DIVERGING")
    assert f"{limit:.3f}" in good.text


def test_alpha_view_shows_the_library_divergence_message_instead_of_crashing():
    task = _line_task()
    view = course.alpha_view(8 * 2 / _h_max(task), task, steps=200)
    assert "DIVERGED" in view.text
    assert "learning rate" in view.text  # the library's own advice is passed on
    assert view.figure is not None


def test_alpha_view_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        course.alpha_view(0.0, _line_task())


def test_alpha_slider_builds():
    box = course.alpha_slider(_line_task(), steps=5)
    assert box.children[0].description == "α"
    box.children[0].value = 0.01  # the callback runs on change without raising


# ---- lambda slider (notebook 04) --------------------------------------------------------------
def _two_d():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) @ np.array([[2.0, 0.0], [1.5, 0.5]])
    return X, X @ np.array([1.0, -1.0]), np.array([-1.5, 1.0])


def test_view_texts_wrap_at_word_boundaries():
    task = _line_task()
    text = course.alpha_view(8 * 2 / _h_max(task), task, steps=200).text  # the long divergence message
    assert all(len(line) <= widgets.TEXT_WIDTH for line in text.splitlines())
    words = " ".join(text.split())
    assert "learning rate" in words


def test_slider_readouts_are_rounded():
    assert course.alpha_slider(_line_task(), steps=2).children[0].readout_format == ".3g"
    X, y, prev = _two_d()
    assert course.lambda_slider(X, y, prev).children[0].readout_format == ".3g"
    view = course.alpha_view(10 ** -0.65, _line_task(), steps=2)
    assert view.text.startswith("alpha = 0.224;")  # not 0.223872
