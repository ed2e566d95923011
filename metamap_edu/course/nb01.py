"""Notebook 01, tasks as mappings: a task is a mapping x -> y; the relatedness knob of a family.

The checks, task browser and figures of ``notebooks/01_tasks_as_mappings``: a learner's own
:class:`~metamap_edu.tasks.MappingTask`, a sentiment quiz scored by the grammar's own rule, what a
task's outputs look like and how much the tasks of a family overlap.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from matplotlib.figure import Figure

from .._checks import check_choice, check_int, check_probability, check_seed, check_type
from .. import tasks
from ..tasks import KINDS, MappingTask
from .feedback import _failed, _guard_checks, _passed
from .viz import _as_array, _finish, _new_axes
from .widgets import interactive_view, View, _wrap

__all__ = [
    "check_mapping_task",
    "SENTIMENT_QUIZ",
    "check_sentiment_quiz",
    "BROWSER_FAMILIES",
    "browser_choices",
    "task_browser_view",
    "task_browser",
    "plot_task_summary",
    "plot_relatedness_overlap",
    "plot_overlap_matrix",
]


def check_mapping_task(task, kind: str | None = None, min_examples: int = 6) -> bool:
    """Check a learner's own :class:`~metamap_edu.tasks.families.MappingTask`.

    It must be a ``MappingTask`` (of ``kind`` when given) with at least ``min_examples`` examples;
    every input must have exactly one output (a mapping is a function); no example may be
    repeated; and ``task.split(k_shot=1, n_query=1)`` must work (for classification: at least two
    examples of every class). Taught in ``notebooks/01_tasks_as_mappings``.
    """
    if task is None or task is Ellipsis:
        return _failed("your task is still empty.",
                       "build it with MappingTask(name=..., kind=..., examples=[(x, y), ...]).")
    if not isinstance(task, MappingTask):
        if isinstance(task, (list, tuple)):
            return _failed("you passed a list of examples, not a task.",
                           "wrap it: MappingTask(name='my_task', kind='classification', examples=your_list).")
        return _failed(f"expected a MappingTask, got a {type(task).__name__}.",
                       "build it with MappingTask(name=..., kind=..., examples=[(x, y), ...]).")
    if kind is not None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
        if task.kind != kind:
            return _failed(f"this exercise asks for a {kind} task; yours has kind {task.kind!r}.",
                           f"pass kind={kind!r} and outputs of the matching form.")
    if len(task) < min_examples:
        return _failed(f"your task has {len(task)} examples; give at least {min_examples}.",
                       "a few-shot split needs examples for the support set AND the query set.")
    outputs_of: dict = {}
    for x, y in task.examples:
        outputs_of.setdefault(x, []).append(y)
    for x, ys in outputs_of.items():
        distinct = list(dict.fromkeys(ys))
        if len(distinct) > 1:
            return _failed(f"the input {x!r} is mapped to {len(distinct)} different outputs: {distinct}.",
                           "a mapping gives each input exactly one output; fix or drop the conflicting example.")
        if len(ys) > 1:
            return _failed(f"the example {x!r} -> {ys[0]!r} appears {len(ys)} times.",
                           "a repeated example can land in both the support and the query set; keep one copy.")
    if task.kind == "classification":
        thin = {label: c for label, c in task.class_counts().items() if c < 2}
        if thin:
            return _failed(f"the classes {sorted(thin)} have fewer than 2 examples.",
                           "split(k_shot=1, n_query=1) needs 2 examples of every class: one to learn from, one to test on.")
    try:
        support, query = task.split(k_shot=1, n_query=1, seed=0)
    except (ValueError, TypeError) as err:
        return _failed(f"task.split(k_shot=1, n_query=1) fails: {err}")
    space = task.output_space
    shown = (f"{len(space)} outputs" if len(space) > 6 else str(list(space))) if space else "vectors"
    return _passed(f"{task.name!r} is a {task.kind} task with {len(task)} examples, output space {shown}; "
                   f"split(k_shot=1, n_query=1) gives {len(support)} support and {len(query)} query examples.")


#: Sentences (with their domain) whose sentiment a learner predicts in notebook 01.
SENTIMENT_QUIZ: tuple[tuple[str, str], ...] = (
    ("the plot was not dull", "movies"),
    ("the soup was delicious but the waiter was slow", "restaurants"),
    ("the battery was long", "electronics"),
    ("the flight was long", "travel"),
    ("i did not love the pool but the room was never dirty", "hotels"),
)


def check_sentiment_quiz(answers) -> bool:
    """Check predicted labels (``"positive"``/``"negative"``), one per sentence of :data:`SENTIMENT_QUIZ`.

    The reference is :func:`metamap_edu.tasks.sentiment_label`, the grammar's own rule.
    """
    truth = [tasks.sentiment_label(text, domain) for text, domain in SENTIMENT_QUIZ]
    if isinstance(answers, str) or not isinstance(answers, (list, tuple)):
        return _failed(f"answers must be a list of {len(truth)} labels; got a {type(answers).__name__}.")
    if len(answers) != len(truth):
        return _failed(f"give one label per sentence: {len(truth)} labels; you gave {len(answers)}.")
    norm = [str(a).strip().lower() if a is not None and a is not Ellipsis else "" for a in answers]
    if any(a not in ("positive", "negative") for a in norm):
        return _failed("each answer must be 'positive' or 'negative'.", "replace every ... with one of the two.")
    why = {
        0: "'not' flips the negative word 'dull'.",
        1: "the clause after 'but' decides, and a slow waiter is bad.",
        2: "'long' is good for a battery: its polarity depends on the domain.",
        3: "'long' is bad for a flight: the same word flips between domains.",
        4: "after 'but', 'never' flips the negative word 'dirty'.",
    }
    wrong = [i for i, (a, t) in enumerate(zip(norm, truth)) if a != t]
    if wrong:
        details = "; ".join(f"sentence {i + 1} is {truth[i]} ({why.get(i, '')})" for i in wrong)
        return _failed(f"{len(wrong)} of {len(truth)} wrong: {details}")
    return _passed(f"all {len(truth)} labels match the grammar's rules.")


#: Families the task browser of notebook 01 can show.
BROWSER_FAMILIES: tuple[str, ...] = ("sentiment", "topic", "ner", "translation")


_ALL = "(all)"


def browser_choices(family: str) -> tuple[str, ...]:
    """The ``domain`` values the task browser accepts for ``family``.

    sentiment: every domain, the held-out ones last; translation: every toy language;
    topic and ner: ``"(all)"`` (one task covers every domain / entity type).
    """
    check_choice("family", family, BROWSER_FAMILIES)
    if family == "sentiment":
        return tasks.ALL_DOMAINS
    if family == "translation":
        return tasks.ALL_LANGUAGES
    return (_ALL,)


def _format_example(kind: str, x, y) -> str:
    if kind == "tagging":
        return "  " + " ".join(f"{w}/{t}" for w, t in zip(x.split(), y))
    return f"  {x}\n    -> {y}"


def task_browser_view(family: str = "sentiment", domain: str = "movies", seed: int = 0,
                      relatedness: float = 0.5, n: int = 40, n_show: int = 4) -> View:
    """Generate one task of ``family`` (for ``domain``: a domain or a language) and describe it.

    Returns a :class:`View`: the task's summary picture (:func:`plot_task_summary`)
    and a text with its name, kind, size, output space and ``n_show`` examples. ``relatedness``
    matters for sentiment only. Taught in ``notebooks/01_tasks_as_mappings``.
    """
    check_choice("family", family, BROWSER_FAMILIES)
    check_choice("domain", domain, browser_choices(family))
    seed = check_seed("seed", seed)
    relatedness = check_probability("relatedness", relatedness)
    n = check_int("n", n, min=4, max=2000)
    n_show = check_int("n_show", n_show, min=0, max=n)
    note = ""
    if family == "sentiment":
        task = tasks.sentiment_family([domain], n_per_task=n, relatedness=relatedness, seed=seed)[0]
        if domain in tasks.HELD_OUT_DOMAINS:
            note = " (a held-out domain: never in a labeled family unless named)"
    elif family == "topic":
        task = tasks.topic_task(n_per_class=max(1, n // len(tasks.DOMAINS)), seed=seed)
    elif family == "ner":
        task = tasks.ner_task(n, seed=seed)
    else:
        task = tasks.translation_family([domain], n_per_task=n, seed=seed)[0]
        if domain in tasks.HELD_OUT_LANGUAGES:
            note = " (a held-out language)"
    space = task.output_space
    shown = ", ".join(map(str, space[:8])) + (f", ... ({len(space)} in all)" if len(space) > 8 else "")
    shapes = task.shapes()
    lines = [
        f"task {task.name}{note}",
        f"kind {task.kind}: x is {shapes['x']}; y is {shapes['y']}",
        f"{len(task)} examples; output space: {shown}",
    ]
    if family == "translation":
        lines.append(tasks.describe_language(domain))
    if n_show:
        lines.append(f"first {n_show} examples:")
        lines += [_format_example(task.kind, x, y) for x, y in task.examples[:n_show]]
    return View(plot_task_summary(task), _wrap("\n".join(lines)))


def task_browser(family: str = "sentiment", domain: str = "movies", seed: int = 0, relatedness: float = 0.5):
    """Dropdowns for family and domain, a seed box and a relatedness slider driving :func:`task_browser_view`."""
    check_choice("family", family, BROWSER_FAMILIES)
    check_choice("domain", domain, browser_choices(family))
    seed = check_seed("seed", seed)
    import ipywidgets as w  # optional front end: only a builder needs it

    fam = w.Dropdown(options=BROWSER_FAMILIES, value=family, description="family")
    dom = w.Dropdown(options=browser_choices(family), value=domain, description="domain")
    seed_box = w.BoundedIntText(value=seed, min=0, max=10**6, description="seed")
    rel = w.FloatSlider(value=relatedness, min=0.0, max=1.0, step=0.1, description="relatedness",
                        continuous_update=False)

    def new_family(change):  # registered first, so the domain list is right before the view redraws
        dom.options = browser_choices(change["new"])

    fam.observe(new_family, names="value")
    return interactive_view(task_browser_view, {"family": fam, "domain": dom, "seed": seed_box,
                                                "relatedness": rel})


def plot_task_summary(task, ax=None) -> Figure:
    """One picture of a :class:`~metamap_edu.tasks.families.MappingTask`'s outputs, chosen by its kind.

    classification: examples per label; tagging: tokens per tag; translation: sentence lengths of
    x and y; regression: y[0] against x[0]. Taught in ``notebooks/01_tasks_as_mappings``.
    """
    check_type("task", task, MappingTask)
    fig, ax = _new_axes(ax, figsize=(5.5, 3.6))
    if task.kind == "classification":
        counts = task.class_counts()
        ax.bar(range(len(counts)), list(counts.values()), color="#4c72b0")
        ax.set_xticks(range(len(counts)), list(counts), rotation=30 if len(counts) > 3 else 0, ha="right" if len(counts) > 3 else "center")
        ax.set_ylabel("examples")
        ax.set_title(f"{task.name}: examples per label")
    elif task.kind == "tagging":
        counts = Counter(t for y in task.outputs for t in y)
        tags = list(task.output_space)
        ax.bar(range(len(tags)), [counts.get(t, 0) for t in tags], color="#55a868")
        ax.set_xticks(range(len(tags)), tags, rotation=30, ha="right")
        ax.set_ylabel("tokens")
        ax.set_title(f"{task.name}: tokens per tag")
    elif task.kind == "translation":
        lx = [len(x.split()) for x in task.inputs]
        ly = [len(y.split()) for y in task.outputs]
        bins = np.arange(0.5, max(lx + ly) + 1.5)
        ax.hist(lx, bins=bins, alpha=0.6, label="x (English)", color="#4c72b0")
        ax.hist(ly, bins=bins, alpha=0.6, label="y (target)", color="#dd8452")
        ax.set_xlabel("words per sentence")
        ax.set_ylabel("sentences")
        ax.legend()
        ax.set_title(f"{task.name}: sentence lengths")
    else:
        X = np.array([x[0] for x in task.inputs])
        Y = np.array([y[0] for y in task.outputs])
        ax.scatter(X, Y, s=12, color="#4c72b0")
        ax.set_xlabel("x[0]")
        ax.set_ylabel("y[0]")
        ax.set_title(f"{task.name}: y against x")
    return _finish(fig)


def plot_relatedness_overlap(relatedness, overlaps, conflicts=None, ax=None) -> Figure:
    """Mean vocabulary overlap between a family's tasks (and, optionally, the share of sentiment
    words whose polarity disagrees between domains) against the ``relatedness`` knob.

    Taught in ``notebooks/01_tasks_as_mappings``.
    """
    r = _as_array("relatedness", relatedness, ndim=1)
    o = _as_array("overlaps", overlaps, ndim=1)
    if len(r) != len(o):
        raise ValueError(f"overlaps must have one value per relatedness ({len(r)}); got {len(o)}")
    fig, ax = _new_axes(ax, figsize=(5.5, 3.8))
    ax.plot(r, o, "o-", color="#4c72b0", label="vocabulary overlap (Jaccard)")
    if conflicts is not None:
        c = _as_array("conflicts", conflicts, ndim=1)
        if len(c) != len(r):
            raise ValueError(f"conflicts must have one value per relatedness ({len(r)}); got {len(c)}")
        ax.plot(r, c, "s--", color="#c44e52", label="sentiment words with conflicting polarity")
    ax.set_xlabel("relatedness r")
    ax.set_ylabel("fraction")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title("How related are the tasks of a family?")
    return _finish(fig)


def plot_overlap_matrix(matrix, names, ax=None, title: str | None = None) -> Figure:
    """A heat map of pairwise vocabulary overlap between tasks (values in [0, 1], printed in each cell)."""
    m = _as_array("matrix", matrix, ndim=2)
    names = [str(n) for n in names]
    if m.shape != (len(names), len(names)):
        raise ValueError(f"matrix must be {len(names)} x {len(names)} for {len(names)} names; got shape {m.shape}")
    fig, ax = _new_axes(ax, figsize=(5.5, 4.8))
    im = ax.imshow(m, vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > 0.6 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label("vocabulary overlap (Jaccard)")
    ax.set_title(title or "vocabulary overlap between tasks")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
