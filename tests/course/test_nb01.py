"""Notebook 01's helpers: figures (viz), the task browser (widgets) and the exercise checks."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from metamap_edu import course  # noqa: E402
from metamap_edu import tasks as language
from metamap_edu.tasks import MappingTask, ner_task, sentiment_family, translation_family  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _intents():
    return MappingTask("intents", "classification", [
        ("book a table for two", "booking"), ("reserve a room", "booking"),
        ("what time do you open", "hours"), ("are you open on sunday", "hours"),
        ("cancel my order", "cancel"), ("i want to cancel", "cancel"),
    ])


# ---------------------------------------------------------------- viz


def test_plot_task_summary_every_kind():
    reg = MappingTask("line", "regression", [((float(i),), (2.0 * i,)) for i in range(5)])
    for task in (_intents(), ner_task(20), translation_family(n_per_task=10)[0], reg):
        fig = course.plot_task_summary(task)
        assert fig.axes and task.name in fig.axes[0].get_title()
    with pytest.raises(TypeError, match="^task"):
        course.plot_task_summary([("a", "b")])


def test_overlap_plots():
    fig = course.plot_relatedness_overlap([0, 0.5, 1], [0.2, 0.3, 0.5], conflicts=[0, 0.25, 0])
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="^overlaps"):
        course.plot_relatedness_overlap([0, 1], [0.2])
    with pytest.raises(ValueError, match="^conflicts"):
        course.plot_relatedness_overlap([0, 1], [0.2, 0.3], conflicts=[0.1])
    fam = sentiment_family(["movies", "books", "cars"], n_per_task=20)
    fig = course.plot_overlap_matrix(fam.overlap_matrix(), fam.names)
    assert len(fig.axes[0].texts) == 9
    with pytest.raises(ValueError, match="^matrix"):
        course.plot_overlap_matrix([[1.0]], ["a", "b"])


# ---------------------------------------------------------------- widgets


def test_browser_choices():
    assert course.browser_choices("sentiment") == language.ALL_DOMAINS
    assert course.browser_choices("translation") == language.ALL_LANGUAGES
    assert course.browser_choices("topic") == ("(all)",)
    with pytest.raises(ValueError, match="^family"):
        course.browser_choices("poetry")


@pytest.mark.parametrize("family, domain, expect", [
    ("sentiment", "movies", "task sentiment/movies"),
    ("sentiment", "games", "held-out domain"),
    ("topic", "(all)", "output space: books, cars"),
    ("ner", "(all)", "/B-"),
    ("translation", "okra", "okra: order OSV"),
])
def test_task_browser_view(family, domain, expect):
    view = course.task_browser_view(family, domain, seed=1)
    assert expect in view.text
    assert view.figure is not None
    assert course.task_browser_view(family, domain, seed=1).text == view.text  # deterministic


@pytest.mark.parametrize("kwargs, exc, arg", [
    (dict(family="poetry"), ValueError, "family"),
    (dict(family="sentiment", domain="lumo"), ValueError, "domain"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(relatedness=2.0), ValueError, "relatedness"),
    (dict(n=1), ValueError, "n"),
    (dict(n_show=-1), ValueError, "n_show"),
])
def test_task_browser_view_errors(kwargs, exc, arg):
    with pytest.raises(exc) as info:
        course.task_browser_view(**kwargs)
    assert str(info.value).startswith(arg)


def test_task_browser_widget_switches_domain_list():
    box = course.task_browser()
    family, domain = box.children[0], box.children[1]
    out = box.children[-1]
    family.value = "translation"
    assert tuple(domain.options) == language.ALL_LANGUAGES
    text = "".join(o.get("text", "") for o in out.outputs)
    assert "task translation/" in text and "Error" not in text
    family.value = "ner"
    assert domain.value == "(all)"
    assert "task ner" in "".join(o.get("text", "") for o in out.outputs)


# ---------------------------------------------------------------- exercises


def test_check_mapping_task_accepts_a_good_task(capsys):
    assert course.check_mapping_task(_intents(), kind="classification") is True
    assert "Correct!" in capsys.readouterr().out
    tagging = ner_task(8)
    assert course.check_mapping_task(tagging) is True


@pytest.mark.parametrize("task, kwargs, message", [
    (None, {}, "still empty"),
    ([("a", "b")], {}, "list of examples, not a task"),
    ("task", {}, "expected a MappingTask"),
    ("INTENTS", {"kind": "tagging"}, "asks for a tagging task"),
    ("SMALL", {}, "give at least 6"),
    ("CONFLICT", {}, "mapped to 2 different outputs"),
    ("REPEAT", {}, "appears 2 times"),
    ("THIN", {}, "fewer than 2 examples"),
])
def test_check_mapping_task_feedback(capsys, task, kwargs, message):
    base = list(_intents().examples)
    tasks = {
        "INTENTS": _intents(),
        "SMALL": MappingTask("s", "classification", base[:4]),
        "CONFLICT": MappingTask("c", "classification", base + [("cancel my order", "booking")]),
        "REPEAT": MappingTask("r", "classification", base + [base[0]]),
        "THIN": MappingTask("t", "classification", base + [("hello there", "greeting")]),
    }
    task = tasks.get(task, task) if isinstance(task, str) else task
    assert course.check_mapping_task(task, **kwargs) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and message in out


def test_check_mapping_task_waits_for_an_untouched_stub(capsys):
    assert course.check_mapping_task(..., kind="classification") is False
    assert capsys.readouterr().out.startswith("Not attempted yet: the answer above is still empty")


def test_check_mapping_task_bad_reference_kind():
    with pytest.raises(ValueError, match="^kind"):
        course.check_mapping_task(_intents(), kind="poetry")


def test_sentiment_quiz(capsys):
    truth = [language.sentiment_label(t, d) for t, d in course.SENTIMENT_QUIZ]
    assert truth == ["positive", "negative", "positive", "negative", "positive"]
    assert course.check_sentiment_quiz(truth) is True
    flipped = ["negative" if t == "positive" else "positive" for t in truth]
    assert course.check_sentiment_quiz(flipped) is False
    assert "5 of 5 wrong" in capsys.readouterr().out
    for bad in ("positive", truth[:2], [...] * 5):
        assert course.check_sentiment_quiz(bad) is False
