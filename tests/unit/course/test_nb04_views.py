"""Explorers and figures of notebooks/04_staying_close_the_l2_bridge (course.nb04): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from metamap_edu import course
from metamap_edu.learn import ridge_toward


def test_task_trajectories_one_or_several_runs(regression):
    X, _ = regression()
    tasks = [(X, X @ np.array(t)) for t in ([2.0, -1.0], [-1.0, 1.0])]
    fig = course.plot_task_trajectories([[0, 0], [2, -1], [-1, 1]], tasks)
    assert isinstance(fig, Figure)
    fig = course.plot_task_trajectories({"none": [[0, 0], [2, -1], [-1, 1]], "L2": [[0, 0], [1, -0.5], [0, 0]]}, tasks,
                                     task_names=["a", "b"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "none" in labels and "L2" in labels and "optimum of b" in labels
    with pytest.raises(ValueError, match="at least one"):
        course.plot_task_trajectories([[0, 0]], [])


def test_ridge_path_runs_from_optimum_to_previous(regression):
    X, y = regression()
    lams = np.r_[0.0, np.geomspace(1e-3, 1e4, 30)]
    fig = course.plot_ridge_path(X, y, [0.0, 0.0], lams, lam=1.0, theta_lam=[1.0, -0.5])
    path = fig.axes[0].get_lines()[0].get_xydata()
    opt = np.linalg.lstsq(X, y, rcond=None)[0]
    assert np.allclose(path[0], opt, atol=1e-8)
    assert np.allclose(path[-1], [0.0, 0.0], atol=1e-3)


def test_stability_plasticity_accepts_zero_lambda():
    fig = course.plot_stability_plasticity([0, 0.1, 1, 10], [0.6, 0.7, 0.65, 0.5], [-0.3, -0.1, 0, 0], [0.9, 0.9, 0.7, 0.5])
    assert fig.axes[0].get_xscale() == "symlog"
    with pytest.raises(ValueError, match="one value per"):
        course.plot_stability_plasticity([0, 1], [0.5], [0, 0], [1, 1])


def test_stability_plasticity_puts_bwt_on_its_own_axis():
    """BWT (a few hundredths around 0) gets a right axis scaled to it, not the accuracy axis."""
    fig = course.plot_stability_plasticity([0, 0.1, 1], [0.8, 0.79, 0.6], [-0.05, -0.01, 0.02], [0.9, 0.85, 0.6])
    left, right = fig.axes[0], fig.axes[1]
    assert [ln.get_label().split()[0] for ln in left.get_lines()] == ["ACC", "last-task"]
    bwt = [ln for ln in right.get_lines() if ln.get_label().startswith("BWT")]
    assert len(bwt) == 1
    low, high = right.get_ylim()
    assert -0.1 < low < -0.05 and 0.05 < high < 0.1  # the axis spans the BWT values, not 0..1
    assert "BWT" in right.get_ylabel() and left.get_ylabel() == "accuracy"


# ---- lambda slider (notebook 04) --------------------------------------------------------------
def _two_d():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) @ np.array([[2.0, 0.0], [1.5, 0.5]])
    return X, X @ np.array([1.0, -1.0]), np.array([-1.5, 1.0])


def test_lambda_view_uses_the_closed_form():
    X, y, prev = _two_d()
    view = course.lambda_view(0.5, X, y, prev)
    theta = ridge_toward(X, y, prev, 0.5)
    assert f"({theta[0]:.3f}, {theta[1]:.3f})" in view.text
    marker = [line for line in view.figure.axes[0].get_lines() if line.get_label().startswith("$\\theta_t$")][0]
    assert np.allclose(marker.get_xydata()[0], theta.numpy())


def test_lambda_view_limits():
    X, y, prev = _two_d()
    assert "0% of the distance" in course.lambda_view(1e9, X, y, prev).text
    assert "100% of the distance" in course.lambda_view(0.0, X, y, prev).text
    with pytest.raises(ValueError, match="lam"):
        course.lambda_view(-1.0, X, y, prev)
    with pytest.raises(ValueError, match="X must be an"):
        course.lambda_view(1.0, np.ones((4, 3)), np.ones(4), [0, 0, 0])


def test_lambda_slider_builds():
    X, y, prev = _two_d()
    box = course.lambda_slider(X, y, prev)
    box.children[0].value = 10.0
