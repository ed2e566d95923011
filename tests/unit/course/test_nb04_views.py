"""Figures of the notebooks (metamap_edu.course.viz): each returns a Figure, validates its input, and can be read."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from metamap_edu import course  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _regression(w=2.0, b=-1.0, n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    X = np.c_[x, np.ones(n)]
    return X, w * x + b + 0.1 * rng.normal(size=n)


def _gd_path(X, y, lr, steps, start=(-2.0, 2.0)):
    theta = np.array(start)
    path = [theta.copy()]
    for _ in range(steps):
        theta = theta - lr * 2 * X.T @ (X @ theta - y) / len(y)
        path.append(theta.copy())
    return np.array(path)


def test_loss_surface_draws_path_and_minimum():
    X, y = _regression()
    fig = course.plot_loss_surface(X, y, _gd_path(X, y, 0.1, 20), title="gd")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "gd"
    labels = [line.get_label() for line in ax.get_lines()]
    assert "gradient-descent path" in labels and "minimum $\\theta^*$" in labels


def test_loss_surface_survives_a_divergent_path():
    X, y = _regression()
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


def test_task_trajectories_one_or_several_runs():
    X, _ = _regression()
    tasks = [(X, X @ np.array(t)) for t in ([2.0, -1.0], [-1.0, 1.0])]
    fig = course.plot_task_trajectories([[0, 0], [2, -1], [-1, 1]], tasks)
    assert isinstance(fig, Figure)
    fig = course.plot_task_trajectories({"none": [[0, 0], [2, -1], [-1, 1]], "L2": [[0, 0], [1, -0.5], [0, 0]]}, tasks,
                                     task_names=["a", "b"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "none" in labels and "L2" in labels and "optimum of b" in labels
    with pytest.raises(ValueError, match="at least one"):
        course.plot_task_trajectories([[0, 0]], [])


def test_ridge_path_runs_from_optimum_to_previous():
    X, y = _regression()
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


def test_coupled_vs_decoupled_panels():
    h = [100, 1, 0.01]
    res = {"SGD": {"coupled": [1, 0.5, 0], "decoupled": [1, 0.5, 0]}, "Adam": {"coupled": [1, 0.5, 0], "decoupled": [0.3] * 3}}
    fig = course.plot_coupled_vs_decoupled(h, res)
    assert [ax.get_title() for ax in fig.axes] == ["SGD", "Adam"]
    fig = course.plot_coupled_vs_decoupled(h, {"coupled": [1, 0.5, 0]})
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="one value per curvature"):
        course.plot_coupled_vs_decoupled(h, {"coupled": [1, 0.5]})


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


# ---- notebooks 05 and 05b ----------------------------------------------------------------------
def _inside_axes(fig, ax, legend) -> bool:
    fig.canvas.draw()
    box, frame = legend.get_window_extent(), ax.get_window_extent()
    return box.overlaps(frame)


def test_few_shot_bars_draw_whiskers_a_chance_line_and_a_legend_beside_the_bars():
    results = {"scratch": {1: (0.22, 0.2, 0.24), 5: (0.25, 0.23, 0.27)},
               "meta": {1: (0.95, 0.94, 0.96), 5: (0.99, 0.98, 1.0)}}
    fig = course.plot_few_shot_bars(results, chance=0.2)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 4                                # 2 methods x 2 K
    assert any(list(line.get_ydata()) == [0.2, 0.2] for line in ax.get_lines())
    assert ax.get_ylabel() and ax.get_xlabel() and [t.get_text() for t in ax.get_xticklabels()] == ["scratch", "meta"]
    assert not _inside_axes(fig, ax, ax.get_legend())
    with pytest.raises(ValueError, match="results"):
        course.plot_few_shot_bars({})
    with pytest.raises(TypeError, match="results"):
        course.plot_few_shot_bars([1, 2])


def test_adaptation_curves_keep_their_legend_off_the_curves():
    curves = {f"row {i}": [4.0 - 0.1 * i * s for s in range(11)] for i in range(8)}
    fig = course.plot_adaptation_curves({"curves": curves}, paper={"row 1": (4.2, 7.2, 5.6)})
    ax = fig.axes[0]
    assert not _inside_axes(fig, ax, ax.get_legend())


def test_sinusoid_adaptation_legend_is_readable_and_off_the_curves():
    x = list(np.linspace(-5, 5, 20))
    demo = {"x": x, "truth": [0.0] * 20, "support_x": [0.0, 1.0], "support_y": [0.0, 1.0], "steps": 5, "lr": 0.01,
            "models": {"MAML": {"before": [0.0] * 20, "after": [0.1] * 20, "mse": 0.5}}}
    fig = course.plot_sinusoid_adaptation(demo)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 9
    assert not _inside_axes(fig, ax, legend)


# ---- figures of notebooks 05-09: what a reader must be able to see ----------------------------------------
def _renderer(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def test_class_counts_legend_has_one_swatch_per_role_in_its_own_colour_beside_the_bars():
    counts = {f"c{i}": 40 for i in range(9)}
    roles = {k: ("train", "val", "test")[i % 3] for i, k in enumerate(counts)}
    fig = course.plot_class_counts(counts, roles)
    ax = fig.axes[0]
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["meta-train", "meta-val", "meta-test"]
    swatches = [tuple(h.get_facecolor()) for h in legend.legend_handles]
    assert len(set(swatches)) == 3  # three different colours, not three blues
    bar_colour = {tuple(p.get_facecolor()) for p, k in zip(ax.patches, counts) if roles[k] == "test"}
    assert bar_colour == {swatches[2]}  # the legend's colour is the bars' colour
    r = _renderer(fig)
    box = legend.get_window_extent(r)
    assert all(not box.overlaps(p.get_window_extent(r)) for p in ax.patches)  # it covers no bar


def test_method_comparison_labels_clear_the_error_bars_and_chance_sits_on_no_bar():
    results = {"a": (0.956, 0.009), "b": (0.42, 0.02), "c": (0.05, 0.04)}
    fig = course.plot_method_comparison(results, chance=0.2)
    ax = fig.axes[0]
    r = _renderer(fig)
    values = [t for t in ax.texts if t.get_text() in ("0.96", "0.42", "0.05")]
    assert len(values) == 3
    from matplotlib.transforms import Bbox
    # every error bar and cap, one box each, in display coordinates (caps are markers: pad by their size)
    boxes = [Bbox(ax.transData.transform(seg)).padded(2) for c in ax.collections for seg in c.get_segments()]
    for line in ax.lines:
        for xy in ax.transData.transform(np.c_[line.get_xdata(), line.get_ydata()]):
            boxes.append(Bbox([xy, xy]).padded(line.get_markersize()))
    assert len(boxes) >= 3 * 3  # three bars, two caps each
    for t in values:
        tb = t.get_window_extent(r)
        assert not any(tb.overlaps(b) for b in boxes), t.get_text()
    chance = [t for t in ax.texts if "chance" in t.get_text()]
    assert len(chance) == 1
    cb = chance[0].get_window_extent(r)
    assert all(not cb.overlaps(p.get_window_extent(r)) for p in ax.patches)
    assert ax.get_legend() is None  # no legend box left to cover the bars


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


def test_every_colorbar_is_labelled():
    figs = [course.plot_accuracy_matrix(np.eye(3)), course.plot_overlap_matrix(np.eye(3), ["a", "b", "c"])]
    for fig in figs:
        colorbar_axes = [ax for ax in fig.axes if ax is not fig.axes[0]]
        assert colorbar_axes and all(ax.get_ylabel() for ax in colorbar_axes)
