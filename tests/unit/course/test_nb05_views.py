"""Explorers and figures of notebooks/05_meta_learning_proper (course.nb05): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import numpy as np

from metamap_edu import course


# ---- notebooks 05 and 05b ----------------------------------------------------------------------
def test_adaptation_curves_keep_their_legend_off_the_curves(inside_axes):
    curves = {f"row {i}": [4.0 - 0.1 * i * s for s in range(11)] for i in range(8)}
    fig = course.plot_adaptation_curves({"curves": curves}, paper={"row 1": (4.2, 7.2, 5.6)})
    ax = fig.axes[0]
    assert not inside_axes(fig, ax, ax.get_legend())


def test_sinusoid_adaptation_legend_is_readable_and_off_the_curves(inside_axes):
    x = list(np.linspace(-5, 5, 20))
    demo = {"x": x, "truth": [0.0] * 20, "support_x": [0.0, 1.0], "support_y": [0.0, 1.0], "steps": 5, "lr": 0.01,
            "models": {"MAML": {"before": [0.0] * 20, "after": [0.1] * 20, "mse": 0.5}}}
    fig = course.plot_sinusoid_adaptation(demo)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 9
    assert not inside_axes(fig, ax, legend)
