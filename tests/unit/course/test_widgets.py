"""Widget callbacks of notebooks 02-04 (metamap_edu.course.widgets): plain functions, tested without a front end."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from metamap_edu.course import widgets  # noqa: E402
from metamap_edu import course  # noqa: E402
from metamap_edu.learn.closed_form import ridge_toward  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _line_task(w=1.5, b=-0.5, n=32, seed=0):
    from metamap_edu.tasks.families import MappingTask

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


def test_interactive_view_prints_errors_instead_of_raising():
    import ipywidgets as w

    def view(x):
        raise ValueError("boom")

    box = widgets.interactive_view(view, {"x": w.IntSlider(value=1)})
    box.children[0].value = 2  # no exception escapes


# ---- task order / steps per task (notebook 03) ------------------------------------------------
def test_task_orders_rotations_and_reverse():
    orders = course.task_orders(["a", "b", "c"])
    assert list(orders.values())[:3] == [(0, 1, 2), (1, 2, 0), (2, 0, 1)]
    assert (2, 1, 0) in orders.values() and len(orders) == 6
    assert list(orders)[0] == "a → b → c"


def test_stream_view_trains_in_the_given_order():
    from metamap_edu.tasks.families import sentiment_family

    family = sentiment_family(n_per_task=60, seed=0)[:3]
    view = course.stream_view((2, 0, 1), 5, family)
    names = [t.name.split("/")[-1] for t in family]
    assert view.text.startswith(f"order: {names[2]} -> {names[0]} -> {names[1]}; 5 steps per task")
    assert "BWT = " in view.text and "FWT = " in view.text
    with pytest.raises(ValueError, match="distinct"):
        course.stream_view((0, 0), 5, family)


# ---- what a widget cell shows: one output, a picture until it runs, a cache --------------------
def test_a_displayed_widget_is_one_bundle_with_a_picture_and_a_hint():
    box = course.seed_explorer(seed=3)
    data = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"] == widgets.STATIC_HINT  # never the raw "VBox(children=..." text
    html = data["text/html"]
    assert html.count('<img src="data:image/png;base64,') == 1
    assert widgets.STATIC_HINT.replace("'", "&#x27;") in html and "(seed = 3)" in html
    assert "seed 3: [" in html  # the view's text, the same as the live widget's first output
    box.children[0].value = 5   # the picture follows the current state
    assert "(seed = 5)" in box._repr_mimebundle_()["text/html"]


def test_interactive_view_computes_each_setting_once():
    import ipywidgets as w

    calls = []

    def view(x):
        calls.append(x)
        return widgets.View(None, f"x = {x}")

    slider = w.IntSlider(value=1)
    box = widgets.interactive_view(view, {"x": slider})
    for value in (2, 1, 2, 3, 1):
        slider.value = value
    assert calls == [1, 2, 3]
    assert box.children[-1].outputs[-1]["text"] == "x = 1\n"
    uncached = widgets.interactive_view(view, {"x": w.IntSlider(value=7)}, cache_size=0)
    uncached.children[0].value = 8
    uncached.children[0].value = 7
    assert calls[-3:] == [7, 8, 7]
    with pytest.raises(ValueError, match="cache_size"):
        widgets.interactive_view(view, {"x": w.IntSlider()}, cache_size=-1)


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
