"""Explorers and figures of notebooks/03_a_stream_of_tasks (course.nb03): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import numpy as np
import pytest

from metamap_edu import course


def test_accuracy_matrix_with_and_without_initial_row():
    R = np.array([[0.5, 0.5, 0.5], [0.9, 0.6, 0.4], [0.7, 0.95, 0.5], [0.6, 0.7, 0.9]])
    fig = course.plot_accuracy_matrix(R, ["movies", "food", "hotels"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "before training"
    assert len(ax.texts) == 12
    fig = course.plot_accuracy_matrix(R[1:])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0] == "after task 1"
    with pytest.raises(ValueError, match="task_names must name all 3 tasks"):
        course.plot_accuracy_matrix(R, ["a"])
    with pytest.raises(ValueError, match="R must have shape"):
        course.plot_accuracy_matrix(np.ones((5, 3)))


def test_every_colorbar_is_labelled():
    figs = [course.plot_accuracy_matrix(np.eye(3)), course.plot_overlap_matrix(np.eye(3), ["a", "b", "c"])]
    for fig in figs:
        colorbar_axes = [ax for ax in fig.axes if ax is not fig.axes[0]]
        assert colorbar_axes and all(ax.get_ylabel() for ax in colorbar_axes)


# ---- task order / steps per task (notebook 03) ------------------------------------------------
def test_task_orders_rotations_and_reverse():
    orders = course.task_orders(["a", "b", "c"])
    assert list(orders.values())[:3] == [(0, 1, 2), (1, 2, 0), (2, 0, 1)]
    assert (2, 1, 0) in orders.values() and len(orders) == 6
    assert list(orders)[0] == "a → b → c"


def test_stream_view_trains_in_the_given_order():
    from metamap_edu.tasks import sentiment_family

    family = sentiment_family(n_per_task=60, seed=0)[:3]
    view = course.stream_view((2, 0, 1), 5, family)
    names = [t.name.split("/")[-1] for t in family]
    assert view.text.startswith(f"order: {names[2]} -> {names[0]} -> {names[1]}; 5 steps per task")
    assert "BWT = " in view.text and "FWT = " in view.text
    with pytest.raises(ValueError, match="distinct"):
        course.stream_view((0, 0), 5, family)
