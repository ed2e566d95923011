"""metamap_edu.experiments.routes (the 2 x 2 of notebook 09), its exercise check and its two figures."""
import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from metamap_edu import noise  # noqa: E402
from metamap_edu import course  # noqa: E402
from metamap_edu.tasks import intents
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments.few_shot import compare_few_shot  # noqa: E402
from metamap_edu.experiments.routes import ROUTES, route_accuracies, route_interaction, route_scores_on  # noqa: E402


@pytest.fixture(scope="module")
def small():
    torch.set_num_threads(1)
    split = intents.intent_split(intents.intent_task(n_per_class=20, seed=1))
    encoder = pretrained.load_pretrained("intents")
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:200]
    comparison = compare_few_shot(encoder, split, seeds=(0, 1), episodes=3, k_shots=(1,),
                                  methods=("scratch", "pretrained", "meta_scratch", "meta", "tfidf"), corpus=corpus,
                                  meta_iterations=2, keep_models=True, progress=False)
    return split, encoder, comparison


def test_route_accuracies_names_the_four_routes_and_the_yardstick(small):
    _, _, comparison = small
    sc = route_accuracies(comparison, 1)
    assert list(sc) == [*ROUTES, "TF-IDF centroid"]
    assert sc["both"] == comparison.accuracies("meta", 1)
    assert sc["meta-learning only"] == comparison.accuracies("meta_scratch", 1)
    assert {len(v) for v in sc.values()} == {6}


def test_route_scores_on_rereads_the_kept_models_without_training(small):
    split, encoder, comparison = small
    before = {k: v.clone() for k, v in encoder.state_dict().items()}
    sc = route_scores_on(comparison, encoder, split.test, 1, episodes=3)
    assert all(torch.equal(before[k], v) for k, v in encoder.state_dict().items())
    # on the same test task, seeds and episodes it gives exactly the comparison's own scores
    assert sc == {name: v for name, v in route_accuracies(comparison, 1).items() if name in ROUTES}


def test_route_interaction_is_the_paired_difference_of_the_two_gains():
    sc = {"scratch": [0.2, 0.3, 0.25], "pretraining only": [0.5, 0.6, 0.55],
          "meta-learning only": [0.6, 0.7, 0.6], "both": [0.8, 0.85, 0.9]}
    d = route_interaction(sc)
    want = noise.paired_difference([0.3, 0.25, 0.35], [0.4, 0.4, 0.35])
    assert (d.mean, d.low, d.high, d.n) == pytest.approx((want.mean, want.low, want.high, want.n))
    assert d.verdict == noise.NO_DIFFERENCE


def test_routes_refuse_bad_arguments(small):
    split, encoder, comparison = small
    with pytest.raises(TypeError, match="comparison"):
        route_accuracies({"scratch": [0.1]}, 1)
    with pytest.raises(ValueError, match="k"):
        route_accuracies(comparison, 7)
    with pytest.raises(ValueError, match="k_shot"):
        route_scores_on(comparison, encoder, split.test, 0, episodes=2)
    with pytest.raises(TypeError, match="pretrained"):
        route_scores_on(comparison, "model", split.test, 1, episodes=2)
    with pytest.raises(ValueError, match="lacks the routes"):
        route_interaction({"scratch": [0.1, 0.2]})
    with pytest.raises(ValueError, match="same units"):
        route_interaction({"scratch": [0.1, 0.2], "pretraining only": [0.1], "meta-learning only": [0.1, 0.2],
                           "both": [0.3, 0.2]})
    unkept = compare_few_shot(encoder, split, seeds=(0,), episodes=2, k_shots=(1,),
                              methods=("scratch", "pretrained", "meta_scratch", "meta"), meta_iterations=1,
                              progress=False)
    with pytest.raises(ValueError, match="keep_models=True"):
        route_scores_on(unkept, encoder, split.test, 1, episodes=2)
    partial = compare_few_shot(encoder, split, seeds=(0,), episodes=2, k_shots=(1,), methods=("scratch",),
                               progress=False)
    with pytest.raises(ValueError, match="lacks"):
        route_accuracies(partial, 1)


# ---- the exercise check ----
def _right(scratch, pre, meta, both):
    d = noise.paired_difference([b - p for b, p in zip(both, pre)], [m - s for m, s in zip(meta, scratch)])
    return d.mean, d.low, d.high


def _reversed(scratch, pre, meta, both):
    d = noise.paired_difference([m - s for m, s in zip(meta, scratch)], [b - p for b, p in zip(both, pre)])
    return d.mean, d.low, d.high


def _with_z(scratch, pre, meta, both):
    d = noise.paired_difference([b - p for b, p in zip(both, pre)], [m - s for m, s in zip(meta, scratch)])
    half = (d.high - d.low) / 2 * 1.959963984540054 / noise.t_quantile_975(d.n - 1)
    return d.mean, d.mean - half, d.mean + half


def _unpaired(scratch, pre, meta, both):
    import statistics as st

    on_top = [b - p for b, p in zip(both, pre)]
    alone = [m - s for m, s in zip(meta, scratch)]
    mean = st.mean(on_top) - st.mean(alone)
    half = noise.t_quantile_975(len(on_top) - 1) * (st.stdev(on_top) ** 2 / len(on_top) + st.stdev(alone) ** 2 / len(alone)) ** 0.5
    return mean, mean - half, mean + half


def _todo(scratch, pre, meta, both):
    raise NotImplementedError("Exercise")


def test_check_route_interaction_accepts_the_answer(capsys):
    assert course.check_route_interaction(_right) is True
    assert "Correct" in capsys.readouterr().out
    # a PairedDifference is accepted too
    assert course.check_route_interaction(
        lambda s, p, m, b: noise.paired_difference([x - y for x, y in zip(b, p)], [x - y for x, y in zip(m, s)]))


@pytest.mark.parametrize("fn, message", [(_reversed, "sign is reversed"), (_with_z, "Student's t"),
                                         (_unpaired, "wider than the paired"), (_todo, "NotImplementedError"),
                                         (lambda *a: "0.1", "three numbers")])
def test_check_route_interaction_explains_wrong_answers(capsys, fn, message):
    assert course.check_route_interaction(fn) is False
    assert message in capsys.readouterr().out


# ---- the figures ----
def test_plot_grouped_accuracy_writes_values_above_the_error_bars():
    groups = {"1-shot": {"a": (0.5, 0.1), "b": (0.9, 0.05)}, "5-shot": {"a": (0.7, 0.02), "b": (0.95, 0.0)}}
    fig = course.plot_grouped_accuracy(groups, chance=0.2)
    ax = fig.axes[0]
    values = [t for t in ax.texts if t.get_text() != "chance"]
    assert len(values) == 4
    tops = sorted(m + h for g in groups.values() for m, h in g.values())
    assert sorted(t.get_position()[1] for t in values) == pytest.approx([x + 0.015 for x in tops])
    assert ax.get_ylabel() and ax.get_legend() is not None
    (label,) = [t for t in ax.texts if t.get_text() == "chance"]
    assert label.get_position() == (1.005, 0.2)   # right of the axes (axes x), at the chance level (data y)
    with pytest.raises(ValueError, match="same methods"):
        course.plot_grouped_accuracy({"x": {"a": (0.1, 0.0)}, "y": {"b": (0.1, 0.0)}})


def test_plot_paired_differences_has_a_zero_line_and_an_axis_label():
    d = {"a - b": noise.paired_difference([0.5, 0.6, 0.7], [0.1, 0.2, 0.2]),
         "c - d": noise.paired_difference([0.1, 0.2, 0.1], [0.15, 0.1, 0.2])}
    fig = course.plot_paired_differences(d)
    ax = fig.axes[0]
    assert "paired 95% interval" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == list(d)
    with pytest.raises(TypeError, match="PairedDifference"):
        course.plot_paired_differences({"x": (0.1, 0.2)})
