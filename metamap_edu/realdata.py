"""Real data: your own labelled utterances as tasks, families and few-shot episodes.

Taught in ``notebooks/08_real_models_and_real_data``.

A CSV, TSV or JSON-lines file of labelled utterances is read by the loaders of ``tasks.py``
(:func:`metamap_edu.tasks.load_classification`) into one classification ``MappingTask``. This module
turns that one many-class task into what meta-learning needs:

* a **split by class** (:func:`split_classes`, :func:`split_task_by_class`): the label set L is cut
  into disjoint meta-train, meta-validation and meta-test classes,

  .. math::  L = L_{train} \\cup L_{val} \\cup L_{test}, \\qquad L_{train} \\cap L_{test} = \\emptyset,

  so every test episode asks about intents the learner has never seen -- the few-shot question;
  or a split **you choose** (:class:`ClassSplit` by hand, :func:`load_class_split` from a JSON
  file, :func:`split_by_groups` holding out whole groups of labels such as domains), passed to
  ``split_task_by_class(task, classes=...)``; ``docs/your_own_data.md`` shows the file layouts;
* texts that carry two labels (:func:`label_conflicts`, :func:`resolve_conflicts`) and texts too
  long for a small model's context (:func:`trim_to_context`), each reported with a count;
* a **family** of tasks, one per group of labels (:func:`label_group_family`);
* **N-way K-shot episodes** over one side of the split (:func:`episode_sampler`);
* a **TF-IDF nearest-centroid baseline** in plain numpy (:class:`TfidfCentroid`, scikit-learn's
  rule: smooth IDF ln((1 + n)/(1 + df)) + 1, words outside the fitted vocabulary ignored, rows
  L2-normalised), the yardstick to hold every learned encoder against;
* a small generated **intent data set** (:func:`demo_intents`, :func:`write_demo_csv`) so that the
  notebook runs offline for everyone; point it at your own file instead with its ``DATA_PATH``.

Nothing here reads the network, and nothing here ships third-party data: the demo utterances
come from templates written for this course.
"""
from __future__ import annotations

import csv
import json
import math
import os
import random
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._checks import _show, check_choice, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .language import derive_seed
from .tasks import EpisodeSampler, MappingTask, TaskFamily, load_classification
from .noise import mean_interval
from .text import word_tokenize

__all__ = [
    "ClassSplit",
    "MetaSplit",
    "load_class_split",
    "load_groups",
    "split_by_groups",
    "split_classes",
    "restrict_to_classes",
    "split_task_by_class",
    "label_group_family",
    "episode_sampler",
    "drop_rare_classes",
    "label_conflicts",
    "resolve_conflicts",
    "load_real_task",
    "trim_to_context",
    "DEMO_INTENTS",
    "DEMO_GROUPS",
    "demo_intents",
    "write_demo_csv",
    "TFIDF_RULE",
    "TfidfCentroid",
    "episode_scores",
    "summarize",
    "bpe_stats",
]


# ------------------------------------------------------------------------------------------------
# Splitting labels by class
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClassSplit:
    """Disjoint class lists for meta-training, meta-validation and meta-testing (each sorted).

    Each part may be given as any sequence of labels (a list, a tuple, the keys of a dict...);
    it is stored as a sorted tuple. ``val`` may be empty. Build one by hand from a published
    protocol, read one from a JSON file (:func:`load_class_split`), hold out whole groups of
    labels (:func:`split_by_groups`) or draw one at random (:func:`split_classes`).
    """

    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]

    def __post_init__(self):
        for part in ("train", "val", "test"):
            object.__setattr__(self, part, _label_tuple(part, getattr(self, part)))
        for part in ("train", "val", "test"):
            labels = getattr(self, part)
            if (part != "val" or labels) and len(labels) < 2:
                raise ValueError(f"{part} must name at least two labels{' (or none)' if part == 'val' else ''}: "
                                 f"an episode needs two classes; got {list(labels)}")
        seen: dict[str, str] = {}
        for part in ("train", "val", "test"):
            for label in getattr(self, part):
                if label in seen:
                    raise ValueError(f"label {label!r} is in both {seen[label]!r} and {part!r}; a class split must be disjoint")
                seen[label] = part

    def role(self, label: str) -> str:
        """``"train"``, ``"val"`` or ``"test"`` for a label of the split."""
        for part in ("train", "val", "test"):
            if label in getattr(self, part):
                return part
        raise KeyError(f"label {label!r} is in no part of the split")

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label of the split, sorted."""
        return tuple(sorted(self.train + self.val + self.test))

    def to_dict(self) -> dict[str, list[str]]:
        """``{"train": [...], "val": [...], "test": [...]}``: the layout :func:`load_class_split` reads."""
        return {"train": list(self.train), "val": list(self.val), "test": list(self.test)}


def _label_tuple(name: str, labels) -> tuple[str, ...]:
    """A sequence of str labels as a sorted tuple; a string, a non-sequence or a repeat is refused."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, (Sequence, set, frozenset, dict)):
        raise TypeError(f"{name} must be a sequence of labels (a list or a tuple of str); got {_show(labels)} "
                        f"of type {type(labels).__name__}")
    labels = list(labels)
    for y in labels:
        check_type(name, y, str, "a sequence of str labels")
    repeated = sorted({y for y in labels if labels.count(y) > 1})
    if repeated:
        raise ValueError(f"{name} names label(s) {repeated[:5]} more than once")
    return tuple(sorted(labels))


def load_class_split(path: str | os.PathLike) -> ClassSplit:
    """Read a :class:`ClassSplit` from a JSON file ``{"train": [...], "val": [...], "test": [...]}``.

    ``val`` may be left out (no validation classes). Other keys are refused, so that a typo such
    as ``"tests"`` is not silently ignored. Written by ``json.dump(split.to_dict(), fh)``.
    """
    obj = _read_json_object("path", path, "a class split")
    unknown = sorted(set(obj) - {"train", "val", "test"})
    if unknown or "train" not in obj or "test" not in obj:
        raise ValueError(
            f"class split file {str(path)!r} must be a JSON object with keys 'train', 'test' and optionally 'val' "
            f"(each a list of labels); got keys {sorted(obj)}"
        )
    try:
        return ClassSplit(train=obj["train"], val=obj.get("val", []), test=obj["test"])
    except (TypeError, ValueError) as err:
        raise type(err)(f"class split file {str(path)!r}: {err}") from None


def _read_json_object(name: str, path, what: str) -> dict:
    check_type(name, path, (str, os.PathLike), "a str or a pathlib.Path")
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{name} {str(p)!r} is not a file ({what} as JSON)")
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{name} {str(p)!r} is not a valid UTF-8 JSON file ({what}): {err}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{name} {str(p)!r} must hold one JSON object ({what}); got a {type(obj).__name__}")
    return obj


def load_groups(path: str | os.PathLike) -> dict[str, str]:
    """Read a label -> group mapping from a JSON file.

    Two layouts are accepted: ``{"label": "group", ...}`` and ``{"group": ["label", ...], ...}``;
    a label in two groups is refused. Returns ``{label: group}``.
    """
    obj = _read_json_object("path", path, "a label -> group mapping")
    return _check_groups(obj, f"groups file {str(path)!r}")


def _check_groups(groups, where: str = "groups") -> dict[str, str]:
    if not isinstance(groups, dict) or not groups:
        raise TypeError(f"{where} must be a non-empty dict label -> group (or group -> list of labels); got {_show(groups)}")
    out: dict[str, str] = {}
    if all(isinstance(v, (list, tuple)) for v in groups.values()):  # group -> [labels]
        for g, labels in groups.items():
            for y in labels:
                check_type(f"{where}: the labels of group {g!r}", y, str, "str labels")
                if y in out:
                    raise ValueError(f"{where}: label {y!r} is in both group {out[y]!r} and group {g!r}")
                out[y] = str(g)
        return out
    for y, g in groups.items():
        if not isinstance(y, str) or not isinstance(g, str):
            raise TypeError(
                f"{where} must map str labels to str group names ({{\"label\": \"group\"}}) or group names to lists "
                f"of labels ({{\"group\": [\"label\", ...]}}); got {y!r}: {_show(g)}"
            )
        out[y] = g
    return out


def split_by_groups(
    groups,
    *,
    test_groups: Sequence[str] | None = None,
    val_groups: Sequence[str] | None = None,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> ClassSplit:
    """A class split that holds out whole **groups** of labels (e.g. domains).

    ``groups`` maps each label to its group (or each group to its labels, as :func:`load_groups`
    reads). Named ``test_groups``/``val_groups`` go to meta-test/meta-validation; without names,
    the sorted group names are shuffled with ``seed`` and ``round(fraction * n_groups)`` groups
    (at least one when the fraction is > 0) go to each part. Every other group is for
    meta-training, so a test episode asks about a domain never seen in meta-training.
    """
    mapping = _check_groups(groups)
    names = sorted(set(mapping.values()))
    seed = check_seed("seed", seed)
    if test_groups is None and val_groups is None:
        val_fraction = check_float("val_fraction", val_fraction, min=0.0, max=1.0, max_inclusive=False)
        test_fraction = check_float("test_fraction", test_fraction, min=0.0, max=1.0, max_inclusive=False)
        n_test = max(1, round(test_fraction * len(names))) if test_fraction > 0 else 0
        n_val = max(1, round(val_fraction * len(names))) if val_fraction > 0 else 0
        if len(names) - n_test - n_val < 1 or n_test < 1:
            raise ValueError(
                f"groups must hold at least {1 + max(n_test, 1) + n_val} groups for val_fraction={val_fraction:g} and "
                f"test_fraction={test_fraction:g}; got {len(names)}: {names[:10]}"
            )
        order = list(names)
        random.Random(derive_seed(seed, "group-split")).shuffle(order)
        test_set, val_set = set(order[:n_test]), set(order[n_test : n_test + n_val])
    else:
        test_set = set(_label_tuple("test_groups", test_groups or []))
        val_set = set(_label_tuple("val_groups", val_groups or []))
        for arg, chosen in (("test_groups", test_set), ("val_groups", val_set)):
            unknown = sorted(chosen - set(names))
            if unknown:
                raise ValueError(f"{arg} names unknown group(s) {unknown}; the groups are {names}")
        if not test_set:
            raise ValueError(f"test_groups must name at least one group; the groups are {names}")
        if test_set & val_set:
            raise ValueError(f"test_groups and val_groups share {sorted(test_set & val_set)}; they must be disjoint")
        if not set(names) - test_set - val_set:
            raise ValueError("test_groups and val_groups take every group; leave at least one for meta-training")
    part = {g: "test" if g in test_set else "val" if g in val_set else "train" for g in names}
    return ClassSplit(
        train=[y for y, g in mapping.items() if part[g] == "train"],
        val=[y for y, g in mapping.items() if part[g] == "val"],
        test=[y for y, g in mapping.items() if part[g] == "test"],
    )


def _labels_of(source) -> tuple[str, ...]:
    if isinstance(source, MappingTask):
        if source.kind != "classification":
            raise ValueError(f"a class split needs a classification task; got kind={source.kind!r} ({source.name!r})")
        return tuple(source.labels)
    if isinstance(source, (str, bytes)) or not isinstance(source, Sequence):
        raise TypeError(f"labels must be a classification MappingTask or a list of labels; got {type(source).__name__}")
    for y in source:
        check_type("labels", y, str, "a list of str")
    return tuple(sorted(set(source)))


def split_classes(
    labels,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    *,
    min_classes: int = 2,
) -> ClassSplit:
    """Split a label set into disjoint meta-train / meta-val / meta-test classes.

    ``labels`` is a classification ``MappingTask`` or a list of labels. The labels are sorted,
    shuffled with ``random.Random(seed)`` and cut: ``round(test_fraction * n)`` test classes,
    ``round(val_fraction * n)`` validation classes, the rest for training. Every part that is asked
    for (fraction > 0) gets at least ``min_classes`` classes (an episode needs two classes), and
    the training part always does; too few labels for that raise ``ValueError``.
    """
    labels = _labels_of(labels)
    val_fraction = check_float("val_fraction", val_fraction, min=0.0, max=1.0, max_inclusive=False)
    test_fraction = check_float("test_fraction", test_fraction, min=0.0, max=1.0, max_inclusive=False)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1 to leave classes for meta-training; got {val_fraction:g} + {test_fraction:g}"
        )
    seed = check_seed("seed", seed)
    min_classes = check_int("min_classes", min_classes, min=1)
    n = len(labels)
    n_test = 0 if test_fraction == 0 else max(min_classes, round(test_fraction * n))
    n_val = 0 if val_fraction == 0 else max(min_classes, round(val_fraction * n))
    if n - n_test - n_val < min_classes:
        need = min_classes * (1 + (n_test > 0) + (n_val > 0))
        raise ValueError(
            f"labels must hold at least {need} classes to give meta-train, meta-val and meta-test at least "
            f"{min_classes} each (val_fraction={val_fraction:g}, test_fraction={test_fraction:g}); got {n}: {list(labels)[:10]}"
        )
    order = list(labels)
    random.Random(derive_seed(seed, "class-split")).shuffle(order)
    test = tuple(sorted(order[:n_test]))
    val = tuple(sorted(order[n_test : n_test + n_val]))
    train = tuple(sorted(order[n_test + n_val :]))
    return ClassSplit(train=train, val=val, test=test)


def restrict_to_classes(task: MappingTask, classes: Sequence[str], name: str | None = None) -> MappingTask:
    """The examples of ``task`` whose label is in ``classes``, as a task whose output space is ``classes``."""
    check_type("task", task, MappingTask)
    if task.kind != "classification":
        raise ValueError(f"task must be a classification task; got kind={task.kind!r}")
    classes = tuple(sorted(set(check_nonempty("classes", list(classes)))))
    unknown = [c for c in classes if c not in task.labels]
    if unknown:
        raise ValueError(f"classes {unknown[:5]} are not labels of task {task.name!r} (its labels: {list(task.labels)[:10]}...)")
    keep = set(classes)
    examples = [(x, y) for x, y in task.examples if y in keep]
    md = task.metadata
    md["classes"] = classes
    return MappingTask(name or task.name, "classification", examples, output_space=classes, metadata=md)


@dataclass(frozen=True)
class MetaSplit:
    """A task cut by class: ``train``/``val``/``test`` tasks (``val`` may be None) and the :class:`ClassSplit`.

    The tasks must hold exactly the classes the split names for them (``val`` is None exactly
    when the split has no validation classes); anything else is refused, naming both.
    """

    train: MappingTask
    val: MappingTask | None
    test: MappingTask
    classes: ClassSplit

    def __post_init__(self):
        check_type("classes", self.classes, ClassSplit)
        for part in ("train", "val", "test"):
            t = getattr(self, part)
            named = getattr(self.classes, part)
            if t is None:
                if part != "val":
                    raise TypeError(f"{part} must be a classification MappingTask; got None")
                if named:
                    raise ValueError(f"val is None but the class split names {len(named)} validation classes {list(named)[:5]}")
                continue
            check_type(part, t, MappingTask)
            held = tuple(sorted(set(t.labels)))
            if held != tuple(named):
                extra = sorted(set(held) - set(named))
                missing = sorted(set(named) - set(held))
                raise ValueError(
                    f"the {part} task {t.name!r} holds {len(held)} labels but the class split names {len(named)} {part} "
                    f"labels; labels only in the task: {extra[:5]}{'...' if len(extra) > 5 else ''}, only in the split: "
                    f"{missing[:5]}{'...' if len(missing) > 5 else ''}"
                )


def split_task_by_class(
    task: MappingTask,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    *,
    classes: ClassSplit | None = None,
) -> MetaSplit:
    """Cut one many-class task into meta-train / meta-val / meta-test tasks with disjoint classes.

    By default the classes are drawn by :func:`split_classes` (``val_fraction``,
    ``test_fraction``, ``seed``). Pass ``classes=`` a :class:`ClassSplit` of your own (from a
    published protocol, :func:`load_class_split` or :func:`split_by_groups`) to use it instead:
    every label it names must be a label of ``task`` (labels dropped as rare by
    :func:`load_real_task` are skipped with a warning), and labels of ``task`` it does not name
    are left out with a warning.
    """
    check_type("task", task, MappingTask)
    if task.kind != "classification":
        raise ValueError(f"task must be a classification task; got kind={task.kind!r}")
    if classes is None:
        if test_fraction == 0:
            raise ValueError("test_fraction must be > 0: a meta-test set of held-out classes is the point of the split")
        split = split_classes(task, val_fraction, test_fraction, seed)
    else:
        split = _fit_split_to_task(check_type("classes", classes, ClassSplit), task)
    return MetaSplit(
        train=restrict_to_classes(task, split.train, f"{task.name}/meta-train"),
        val=restrict_to_classes(task, split.val, f"{task.name}/meta-val") if split.val else None,
        test=restrict_to_classes(task, split.test, f"{task.name}/meta-test"),
        classes=split,
    )


def _fit_split_to_task(split: ClassSplit, task: MappingTask) -> ClassSplit:
    have = set(task.labels)
    dropped = set(task.metadata.get("dropped_classes", ()))
    unknown = [y for y in split.labels if y not in have and y not in dropped]
    if unknown:
        raise ValueError(
            f"classes names {len(unknown)} label(s) that are not labels of task {task.name!r}: {unknown[:5]}"
            f"{'...' if len(unknown) > 5 else ''} (its labels: {list(task.labels)[:8]}...); check the spelling and "
            f"the label column"
        )
    skipped = sorted(set(split.labels) & dropped)
    if skipped:
        warnings.warn(f"{len(skipped)} label(s) of the class split were dropped as rare and are skipped: {skipped[:5]}",
                      stacklevel=3)
    unnamed = sorted(have - set(split.labels))
    if unnamed:
        warnings.warn(f"{len(unnamed)} label(s) of task {task.name!r} are in no part of the class split and are left "
                      f"out: {unnamed[:5]}{'...' if len(unnamed) > 5 else ''}", stacklevel=3)
    parts = {part: [y for y in getattr(split, part) if y in have] for part in ("train", "val", "test")}
    for part in ("train", "test"):
        if not parts[part]:
            raise ValueError(f"classes leaves no {part} label that is a label of task {task.name!r}")
    return ClassSplit(**parts)


def label_group_family(
    task: MappingTask, group_size: int = 5, n_held_out: int = 1, seed: int = 0, name: str | None = None
) -> TaskFamily:
    """A family with one task per group of ``group_size`` labels; the last ``n_held_out`` groups are held out.

    Labels are shuffled with ``seed`` and dealt into groups; leftover labels (fewer than
    ``group_size``) join the last group. Each task is a ``group_size``-way classification problem,
    a real-text analogue of the generated sentiment family.
    """
    check_type("task", task, MappingTask)
    labels = _labels_of(task)
    group_size = check_int("group_size", group_size, min=2)
    n_held_out = check_int("n_held_out", n_held_out, min=0)
    seed = check_seed("seed", seed)
    n_groups = len(labels) // group_size
    if n_groups < n_held_out + 1:
        raise ValueError(
            f"group_size={group_size} gives {n_groups} groups of the {len(labels)} labels, but the family needs "
            f"n_held_out + 1 = {n_held_out + 1}; lower group_size or n_held_out"
        )
    order = list(labels)
    random.Random(derive_seed(seed, "label-groups")).shuffle(order)
    groups = [order[i * group_size : (i + 1) * group_size] for i in range(n_groups)]
    groups[-1] += order[n_groups * group_size :]
    base = name or task.name
    tasks = [restrict_to_classes(task, g, f"{base}/group{i}") for i, g in enumerate(groups)]
    cut = len(tasks) - n_held_out
    return TaskFamily(f"{base}/groups", tasks[:cut], held_out=tasks[cut:], metadata={"family": "label-groups"})


def episode_sampler(task: MappingTask, n_way: int, k_shot: int, n_query: int, seed: int = 0) -> EpisodeSampler:
    """N-way K-shot episodes over the classes of ``task`` (e.g. ``split.test``): a thin, checked
    wrapper of :class:`metamap_edu.tasks.EpisodeSampler` whose errors name the fix."""
    check_type("task", task, MappingTask)
    n_way = check_int("n_way", n_way, min=2)
    if n_way > len(task.labels):
        raise ValueError(f"n_way must be <= {len(task.labels)}, the classes of {task.name!r}; got {n_way}")
    return EpisodeSampler(task, n_way, k_shot, n_query, seed)


def drop_rare_classes(task: MappingTask, min_count: int) -> MappingTask:
    """Drop the classes with fewer than ``min_count`` examples (real data is long-tailed).

    The dropped labels are listed in ``metadata["dropped_classes"]``; dropping all but one class
    raises ``ValueError``.
    """
    check_type("task", task, MappingTask)
    min_count = check_int("min_count", min_count, min=1)
    counts = Counter(task.outputs)
    keep = sorted(c for c in task.labels if counts[c] >= min_count)
    if len(keep) < 2:
        raise ValueError(f"min_count={min_count} leaves {len(keep)} class(es) of {task.name!r}; at least 2 are needed")
    out = restrict_to_classes(task, keep)
    if len(keep) == len(task.labels):
        return out
    md = out.metadata
    md["dropped_classes"] = tuple(c for c in task.labels if counts[c] < min_count)
    return MappingTask(out.name, "classification", out.examples, output_space=out.output_space, metadata=md)


def label_conflicts(task: MappingTask) -> dict[str, tuple[str, ...]]:
    """The texts of ``task`` that carry more than one label: ``{text: (label, label, ...)}``.

    Real files often hold the same utterance twice with two labels (an annotation slip, or two
    intents that overlap). Such a text cannot be classified right both times, and when its copies
    fall on both sides of a class split, the test classes leak into meta-training.
    """
    check_type("task", task, MappingTask)
    if task.kind != "classification":
        raise ValueError(f"task must be a classification task; got kind={task.kind!r}")
    by: dict[str, set] = {}
    for x, y in task.examples:
        by.setdefault(x, set()).add(y)
    return {x: tuple(sorted(ys)) for x, ys in by.items() if len(ys) > 1}


ON_CONFLICT = ("keep", "drop", "error")


def resolve_conflicts(task: MappingTask, on_conflict: str = "keep") -> MappingTask:
    """Handle texts with two or more labels (:func:`label_conflicts`) as ``on_conflict`` says.

    ``"keep"`` keeps every example and warns once with the count and the first examples;
    ``"drop"`` removes every example of such a text, with the same warning; ``"error"`` raises
    ``ValueError`` listing them. A task without conflicts comes back unchanged, silently.
    """
    check_type("task", task, MappingTask)
    check_choice("on_conflict", on_conflict, ON_CONFLICT)
    conflicts = label_conflicts(task)
    if not conflicts:
        return task
    shown = "; ".join(f"{x!r} -> {list(ys)}" for x, ys in list(conflicts.items())[:3])
    message = f"{len(conflicts)} text(s) of {task.name!r} carry more than one label, e.g. {shown}"
    if on_conflict == "error":
        raise ValueError(f"{message}; fix the file, or pass on_conflict='keep' or 'drop'")
    if on_conflict == "keep":
        warnings.warn(f"{message}; they are kept (on_conflict='drop' removes them, 'error' refuses the file)", stacklevel=3)
        return task
    keep = [i for i, (x, _) in enumerate(task.examples) if x not in conflicts]
    warnings.warn(f"{message}; their {len(task) - len(keep)} examples are dropped (on_conflict='drop')", stacklevel=3)
    if len({task.examples[i][1] for i in keep}) < 2:
        raise ValueError(f"on_conflict='drop' leaves fewer than two classes of {task.name!r}")
    md = task.metadata
    md["conflicting_texts"] = len(conflicts)
    return MappingTask(task.name, "classification", [task.examples[i] for i in keep], metadata=md)


def load_real_task(
    path: str | os.PathLike,
    text_column: str = "text",
    label_column: str = "label",
    *,
    min_per_class: int = 1,
    max_per_class: int | None = None,
    seed: int = 0,
    on_conflict: str = "keep",
    **loader_kwargs,
) -> MappingTask:
    """Read a file with :func:`metamap_edu.tasks.load_classification`, then tidy it for episodes.

    Any layout the loader reads works: CSV, TSV, JSON lines, a JSON array of records, or a JSON
    object of named lists of ``[text, label]`` pairs (pick the list with ``key=``). Texts that
    carry two different labels are handled by :func:`resolve_conflicts` (``on_conflict``:
    ``"keep"`` with a warning, ``"drop"`` or ``"error"``). Classes with fewer than
    ``min_per_class`` examples are then dropped (:func:`drop_rare_classes`); ``max_per_class``
    keeps a seeded random subset of each class (to bound CPU time). Malformed files (missing
    column, empty label, bad encoding, ragged rows) fail in the loader with a message naming the
    file, the line and the fix.
    """
    min_per_class = check_int("min_per_class", min_per_class, min=1)
    if max_per_class is not None:
        max_per_class = check_int("max_per_class", max_per_class, min=1)
    seed = check_seed("seed", seed)
    check_choice("on_conflict", on_conflict, ON_CONFLICT)
    task = load_classification(path, text_column, label_column, **loader_kwargs)
    task = resolve_conflicts(task, on_conflict)
    task = drop_rare_classes(task, min_per_class) if min_per_class > 1 else task
    if max_per_class is not None:
        rng = random.Random(derive_seed(seed, "max-per-class"))
        by: dict[str, list[int]] = {}
        for i, y in enumerate(task.outputs):
            by.setdefault(y, []).append(i)
        keep = sorted(i for y in task.labels for i in (rng.sample(by[y], max_per_class) if len(by[y]) > max_per_class else by[y]))
        task = task.subset(keep)
    return task


def trim_to_context(texts: Sequence[str], tokenizer, max_tokens: int) -> list[str]:
    """Each text cut to its first ``max_tokens`` tokens of ``tokenizer``; warns with the count cut.

    A model with a context of C positions reads at most C tokens; a longer real utterance must be
    cut, and a learner should know how many were. Texts that fit come back unchanged.
    """
    texts = check_nonempty("texts", check_sequence("texts", texts, "a list of str"), "at least one text")
    for t in texts:
        check_type("texts", t, str, "a sequence of str")
    max_tokens = check_int("max_tokens", max_tokens, min=1)
    if not callable(getattr(tokenizer, "encode", None)) or not callable(getattr(tokenizer, "decode", None)):
        raise TypeError(f"tokenizer must have encode() and decode() (a BPETokenizer); got {type(tokenizer).__name__}")
    out, cut = [], 0
    for t in texts:
        ids = tokenizer.encode(" " + t)
        if len(ids) > max_tokens:
            cut += 1
            t = tokenizer.decode(ids[:max_tokens]).strip() or t
        out.append(t)
    if cut:
        longest = max(len(tokenizer.encode(" " + t)) for t in texts)
        warnings.warn(f"{cut} of {len(texts)} texts are longer than {max_tokens} tokens (the longest has {longest}) "
                      f"and were cut to their first {max_tokens}", stacklevel=2)
    return out


# ------------------------------------------------------------------------------------------------
# A small generated intent data set (so the notebook runs offline for everyone)
# ------------------------------------------------------------------------------------------------
_SLOTS = {
    "card": ("card", "debit card", "credit card", "bank card", "new card"),
    "money": ("money", "funds", "cash", "my salary", "50 euros", "100 dollars"),
    "place": ("paris", "madrid", "tokyo", "berlin", "lisbon", "new york", "rome"),
    "day": ("today", "tomorrow", "on friday", "this weekend", "next week"),
    "song": ("some jazz", "my playlist", "something relaxing", "the radio", "rock music"),
    "food": ("pizza", "sushi", "a burger", "noodles", "a salad", "tacos"),
    "item": ("milk", "eggs", "bread", "coffee", "batteries", "apples"),
    "time": ("7 am", "6:30", "noon", "8 in the morning", "half past six"),
    "room": ("kitchen", "living room", "bedroom", "office", "hallway"),
}

#: The generated intents: label -> templates. Slots in braces come from a fixed list of fillers.
DEMO_INTENTS: dict[str, tuple[str, ...]] = {
    "card_lost": ("i lost my {card}", "my {card} is missing", "i can't find my {card} anywhere",
                  "someone stole my {card}", "please block my {card}, it was stolen"),
    "card_arrival": ("when will my {card} arrive", "my {card} still hasn't come in the post",
                     "how long does delivery of a {card} take", "is my {card} on its way",
                     "i'm still waiting for my {card}"),
    "card_declined": ("my {card} was declined", "why did the shop reject my {card}",
                      "payment with my {card} keeps failing", "the terminal refused my {card}",
                      "my {card} doesn't work in stores"),
    "change_pin": ("how do i change my pin", "i want a new pin for my {card}", "can i reset the pin",
                   "i forgot my pin", "where can i update my pin code"),
    "top_up_failed": ("my top up failed", "i tried to add {money} but it didn't work",
                      "topping up with my {card} was rejected", "why can't i top up",
                      "the top up of {money} never showed"),
    "exchange_rate": ("what is the exchange rate {day}", "how much will i get if i convert {money}",
                      "which rate do you use for currency exchange", "is the exchange rate fair",
                      "what rate applies when i pay abroad"),
    "transfer_pending": ("my transfer is still pending", "i sent {money} but it hasn't arrived",
                         "how long does a transfer take", "why is my transfer not complete",
                         "the transfer of {money} is stuck"),
    "refund": ("i want a refund", "how do i get my {money} back", "the merchant owes me a refund",
               "my refund hasn't appeared", "can you help me request a refund"),
    "close_account": ("i want to close my account", "how do i delete my account",
                      "please cancel my account", "i no longer need this account", "close everything for me"),
    "balance": ("what is my balance", "how much money do i have", "show me my balance",
                "tell me what is left in my account", "check my balance {day}"),
    "flight_status": ("is my flight to {place} delayed", "what time does my flight leave {day}",
                      "has the flight to {place} been cancelled", "check the status of my flight",
                      "when does my plane land in {place}"),
    "book_hotel": ("book a hotel in {place}", "i need a room in {place} {day}", "find me a hotel near the station",
                   "reserve a double room in {place}", "any cheap hotels in {place}"),
    "cancel_booking": ("cancel my booking", "i can't make the trip to {place}, cancel it",
                       "please cancel the reservation {day}", "how do i cancel my hotel",
                       "drop my booking for {place}"),
    "lost_luggage": ("my luggage didn't arrive", "the airline lost my bag",
                     "my suitcase is missing after the flight to {place}", "where is my baggage",
                     "i need to report lost luggage"),
    "weather": ("what's the weather {day}", "will it rain in {place} {day}", "how hot is it in {place}",
                "do i need an umbrella {day}", "weather forecast for {place}"),
    "set_alarm": ("set an alarm for {time}", "wake me up at {time}", "i need an alarm at {time} {day}",
                  "alarm at {time} please", "can you wake me at {time}"),
    "play_music": ("play {song}", "put on {song}", "i want to listen to {song}", "start {song} in the {room}",
                   "could you play {song}"),
    "order_food": ("order {food} for dinner", "i'd like {food} delivered", "get me {food} from the usual place",
                   "can you order {food}", "i'm hungry, order {food}"),
    "shopping_list": ("add {item} to my shopping list", "put {item} on the list", "we are out of {item}",
                      "remember to buy {item}", "what's on my shopping list"),
    "lights": ("turn off the lights in the {room}", "switch on the {room} lights", "dim the lights in the {room}",
               "make the {room} brighter", "are the lights in the {room} on"),
}

#: The domain of each generated intent: a label -> group mapping for :func:`split_by_groups`.
DEMO_GROUPS: dict[str, str] = {
    **{y: "banking" for y in ("card_lost", "card_arrival", "card_declined", "change_pin", "top_up_failed",
                              "exchange_rate", "transfer_pending", "refund", "close_account", "balance")},
    **{y: "travel" for y in ("flight_status", "book_hotel", "cancel_booking", "lost_luggage", "weather")},
    **{y: "home" for y in ("set_alarm", "play_music", "order_food", "shopping_list", "lights")},
}

_OPENERS = ("", "", "", "hi, ", "hello, ", "hey, ", "excuse me, ", "quick question: ")
_CLOSERS = ("", "", "", "?", ".", " please", " thanks", " asap", "!")


def demo_intents(n_per_class: int = 40, seed: int = 0, intents: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Generated utterances for the intents of :data:`DEMO_INTENTS`: ``[(text, label), ...]``.

    Each utterance is a template with its slots filled, an optional opener and closer, and an
    occasional capital letter -- short, varied, customer-service-like text. Deterministic for a
    given ``seed`` (byte-identical across processes); duplicates within a class are avoided when
    the templates allow.
    """
    n_per_class = check_int("n_per_class", n_per_class, min=1, max=10_000)
    seed = check_seed("seed", seed)
    names = list(DEMO_INTENTS) if intents is None else list(intents)
    check_nonempty("intents", names, "at least one intent")
    for name in names:
        if name not in DEMO_INTENTS:
            raise ValueError(f"intents must be names from DEMO_INTENTS ({', '.join(DEMO_INTENTS)}); got {name!r}")
    out: list[tuple[str, str]] = []
    for label in names:
        rng = random.Random(derive_seed(seed, "intent", label))
        seen: set[str] = set()
        for _ in range(n_per_class):
            for _attempt in range(20):
                template = rng.choice(DEMO_INTENTS[label])
                text = template
                for slot, fillers in _SLOTS.items():
                    while "{" + slot + "}" in text:
                        text = text.replace("{" + slot + "}", rng.choice(fillers), 1)
                text = rng.choice(_OPENERS) + text + rng.choice(_CLOSERS)
                if rng.random() < 0.5:
                    text = text[0].upper() + text[1:]
                if text not in seen:
                    break
            seen.add(text)
            out.append((text, label))
    return out


def write_demo_csv(path: str | os.PathLike, n_per_class: int = 40, seed: int = 0) -> Path:
    """Write :func:`demo_intents` as a CSV with columns ``text,label``; return the path."""
    check_type("path", path, (str, os.PathLike))
    rows = demo_intents(n_per_class, seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


# ------------------------------------------------------------------------------------------------
# The baseline: TF-IDF nearest centroid (numpy only)
# ------------------------------------------------------------------------------------------------
TFIDF_RULE = ("scikit-learn's TfidfVectorizer rule: idf(w) = ln((1 + n)/(1 + df(w))) + 1, "
              "words outside the fitted vocabulary ignored, rows L2-normalised")
"""The TF-IDF baseline's convention in one line, printed wherever its score is reported."""


class TfidfCentroid:
    r"""TF-IDF vectors and a nearest-centroid (cosine) classifier, in numpy, with scikit-learn's convention.

    .. math::  \mathrm{tfidf}(w, x) = \mathrm{tf}(w, x)\,\Big(\ln\frac{1 + n}{1 + \mathrm{df}(w)} + 1\Big)

    for every feature ``w`` (a word, and a word bigram when ``bigrams``) of the vocabulary fitted on
    the background ``corpus`` of ``n`` texts, ``df(w)`` the number of those texts containing it and
    ``tf(w, x)`` its count in ``x``. A feature outside that vocabulary gets weight 0 (it is ignored),
    and every row is L2-normalised. This is the rule of scikit-learn's ``TfidfVectorizer`` with its
    defaults (``smooth_idf=True``, ``sublinear_tf=False``, ``norm="l2"``); only the tokenizer
    differs (:func:`metamap_edu.text.word_tokenize`: lower case, words and single punctuation
    marks). A text with no known feature is the zero vector.

    A query goes to the class whose mean support vector has the largest cosine similarity. The IDF
    is fitted on a background corpus (e.g. the meta-train utterances: never the test classes'
    queries). Taught in ``notebooks/08_real_models_and_real_data`` (section 5).
    """

    def __init__(self, corpus: Sequence[str], bigrams: bool = True):
        corpus = check_nonempty("corpus", check_sequence("corpus", corpus, "a list of str"), "at least one text")
        for t in corpus:
            check_type("corpus", t, str, "a list of str")
        self.bigrams = bool(bigrams)
        df: Counter = Counter()
        for text in corpus:
            df.update(set(self._features(text)))
        self.vocab = {w: i for i, w in enumerate(sorted(df))}
        n = len(corpus)
        self.idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in sorted(df)], dtype=np.float64)

    def _features(self, text: str) -> list[str]:
        words = word_tokenize(text)
        return words + ([a + " " + b for a, b in zip(words, words[1:])] if self.bigrams else [])

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """(N, V) L2-normalised TF-IDF rows, one column per vocabulary feature (``self.vocab`` order).

        Features outside the vocabulary are ignored, as scikit-learn's ``transform`` does.
        """
        return self._rows(texts, compact=False)

    def _rows(self, texts: Sequence[str], compact: bool) -> np.ndarray:
        """The rows of :meth:`transform`; ``compact`` keeps only the columns that occur in ``texts``
        (the others are zero in every row, so cosine similarities are the same, and far cheaper)."""
        texts = list(texts)
        feats = [Counter(f for f in self._features(t) if f in self.vocab) for t in texts]
        columns = sorted({w for f in feats for w in f}) if compact else list(self.vocab)
        index = {w: j for j, w in enumerate(columns)}
        idf = np.array([self.idf[self.vocab[w]] for w in columns], dtype=np.float64)
        X = np.zeros((len(texts), len(columns)), dtype=np.float64)
        for r, f in enumerate(feats):
            for w, c in f.items():
                X[r, index[w]] = c
        X *= idf
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        return X / np.where(norms == 0, 1.0, norms)

    def predict(self, support: Sequence[tuple[str, str]], query_texts: Sequence[str]) -> list[str]:
        support = list(support)
        X = self._rows([x for x, _ in support] + list(query_texts), compact=True)
        S, Q = X[: len(support)], X[len(support) :]
        classes = sorted({y for _, y in support})
        ys = np.array([classes.index(y) for _, y in support])
        C = np.stack([S[ys == k].mean(0) for k in range(len(classes))])
        C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)
        return [classes[i] for i in (Q @ C.T).argmax(1)]

    def accuracy(self, episode) -> float:
        """Query accuracy on an ``Episode`` (or a ``(support, query)`` pair)."""
        support, query = (episode.support, episode.query) if hasattr(episode, "support") else episode
        pred = self.predict(list(support), [x for x, _ in query])
        return float(np.mean([p == y for p, (_, y) in zip(pred, query)]))


def episode_scores(score: Callable, episodes: Sequence) -> list[float]:
    """``[score(episode) for episode in episodes]`` as floats (a method's accuracy on each episode)."""
    if not callable(score):
        raise TypeError(f"score must be a function episode -> accuracy; got {_show(score)}")
    return [float(score(e)) for e in check_nonempty("episodes", check_sequence("episodes", episodes, "a list of Episodes"), "at least one episode")]


def summarize(scores: Sequence[float]) -> tuple[float, float]:
    """(mean, half-width of its 95% interval) of per-episode scores: the "±" the course prints.

    The interval is the course's one noise rule for a mean (:func:`metamap_edu.noise.mean_interval`,
    Student t): mean ± t_{0.975, n-1} s / sqrt(n). One score has no interval (half-width NaN).
    """
    scores = check_nonempty("scores", check_sequence("scores", scores, "a list of numbers"))
    s = [check_float(f"scores[{i}]", v) for i, v in enumerate(scores)]
    if len(s) < 2:
        return float(s[0]), float("nan")
    r = mean_interval(s)
    return float(r.mean), float(r.high - r.mean)


def bpe_stats(tokenizer, texts: Sequence[str]) -> dict[str, float]:
    """How a BPE tokenizer cuts real text: tokens per word and the share of byte-fallback tokens.

    Real utterances carry words, digits and punctuation that a tokenizer trained on the generated
    language never saw; they fall apart into characters or raw bytes. Returns
    ``{"tokens_per_word", "byte_fraction", "words"}``.
    """
    texts = check_nonempty("texts", check_sequence("texts", texts, "a list of str"), "at least one text")
    for t in texts:
        check_type("texts", t, str, "a list of str")
    n_words = sum(len(t.split()) for t in texts)
    pieces = [p for t in texts for p in tokenizer.tokenize(" " + t)]
    n_bytes = sum(1 for p in pieces if p.startswith("<0x") or p.startswith("<byte"))
    return {
        "tokens_per_word": len(pieces) / max(1, n_words),
        "byte_fraction": n_bytes / max(1, len(pieces)),
        "words": float(n_words),
    }
