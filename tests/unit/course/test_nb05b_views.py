"""Explorers and figures of notebooks/05b_few_shot_text (course.nb05b): plain functions, tested without a
front end; each returns a View or a Figure, validates its input, and can be read."""
import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from metamap_edu import course


# ---- notebooks 05 and 05b ----------------------------------------------------------------------
def test_few_shot_bars_draw_whiskers_a_chance_line_and_a_legend_beside_the_bars(inside_axes):
    results = {"scratch": {1: (0.22, 0.2, 0.24), 5: (0.25, 0.23, 0.27)},
               "meta": {1: (0.95, 0.94, 0.96), 5: (0.99, 0.98, 1.0)}}
    fig = course.plot_few_shot_bars(results, chance=0.2)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == 4                                # 2 methods x 2 K
    assert any(list(line.get_ydata()) == [0.2, 0.2] for line in ax.get_lines())
    assert ax.get_ylabel() and ax.get_xlabel() and [t.get_text() for t in ax.get_xticklabels()] == ["scratch", "meta"]
    assert not inside_axes(fig, ax, ax.get_legend())
    with pytest.raises(ValueError, match="results"):
        course.plot_few_shot_bars({})
    with pytest.raises(TypeError, match="results"):
        course.plot_few_shot_bars([1, 2])


# ---- notebook 05b ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def intent_world():
    from metamap_edu.tasks import intents
    from metamap_edu.experiments import checkpoints as pretrained
    from metamap_edu.experiments import transfer

    world = intents.intent_split(intents.intent_task(n_per_class=24, seed=1))
    model = pretrained.load_pretrained("intents")
    baseline = transfer.VocabularyTfidf(pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:300])
    return world, model, baseline


def test_few_shot_episode_view_scores_the_episode_the_comparison_scored(intent_world):
    from metamap_edu.experiments import transfer

    world, model, baseline = intent_world
    view = course.few_shot_episode_view(1, 2, world, {"pretrained": model}, baseline, seed=3)
    episode = transfer.held_out_episodes(world.test, 5, 1, 15, 3, seed=3)[2]
    ax = view.figure.axes[0]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [transfer.protonet_scores(model, [episode])[0], baseline.accuracy(episode)]
    assert "support (1 per class)" in view.text and episode.query.examples[0][0] in view.text
    plt.close(view.figure)


def test_few_shot_episode_view_refuses_bad_input(intent_world):
    world, model, baseline = intent_world
    with pytest.raises(ValueError, match="k"):
        course.few_shot_episode_view(0, 0, world, {"pretrained": model}, baseline)
    with pytest.raises(ValueError, match="encoders"):
        course.few_shot_episode_view(1, 0, world, {}, baseline)
    with pytest.raises(TypeError, match="baseline"):
        course.few_shot_episode_view(1, 0, world, {"pretrained": model}, "tfidf")
    with pytest.raises(TypeError, match="split"):
        course.few_shot_episode_view(1, 0, world.test, {"pretrained": model}, baseline)


def test_few_shot_episode_widget_builds(intent_world):
    world, model, baseline = intent_world
    box = course.few_shot_episode_widget(world, {"pretrained": model}, baseline, max_episode=3)
    assert box.children[0].value == 1 and box.children[1].max == 3


def test_few_shot_episode_widget_refuses_bad_input_before_it_builds(intent_world):
    world, model, baseline = intent_world
    with pytest.raises(TypeError, match="split"):
        course.few_shot_episode_widget("world", {"pretrained": model}, baseline)
    with pytest.raises(ValueError, match="max_episode.*-1"):
        course.few_shot_episode_widget(world, {"pretrained": model}, baseline, max_episode=-1)
