r"""Splitting a many-class task by class: meta-train, meta-validation and meta-test labels.

Taught in ``notebooks/05b_few_shot_text`` (the intent world's held-out intents) and
``notebooks/08_real_models_and_real_data`` (your own data).

The label set L is cut into disjoint meta-train, meta-validation and meta-test classes,

.. math::  L = L_{train} \cup L_{val} \cup L_{test}, \qquad L_{train} \cap L_{test} = \emptyset,

so every test episode asks about classes the learner has never seen -- the few-shot question.
The split is drawn (:func:`split_classes`, :func:`split_task_by_class`), or chosen by hand
(:class:`ClassSplit`, :func:`load_class_split` from a JSON file, :func:`split_by_groups` holding
out whole groups of labels such as domains); :func:`label_group_family` makes one task per group
and :func:`episode_sampler` draws N-way K-shot episodes over one side of the split.
"""
from __future__ import annotations

import json
import os
import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._checks import _show, check_float, check_int, check_nonempty, check_seed, check_type
from .episodes import EpisodeSampler
from .families import TaskFamily
from .lexicon import derive_seed
from .mapping import MappingTask

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
    wrapper of :class:`metamap_edu.tasks.episodes.EpisodeSampler` whose errors name the fix."""
    check_type("task", task, MappingTask)
    n_way = check_int("n_way", n_way, min=2)
    if n_way > len(task.labels):
        raise ValueError(f"n_way must be <= {len(task.labels)}, the classes of {task.name!r}; got {n_way}")
    return EpisodeSampler(task, n_way, k_shot, n_query, seed)
