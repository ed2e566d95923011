"""Explorers and figures of notebooks/08_real_models_and_real_data (course.nb08): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import numpy as np

from metamap_edu import course


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
