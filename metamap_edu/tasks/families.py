"""Every NLP task is a mapping x -> y: the ``MappingTask`` abstraction, its splits and episodes.

Taught in ``notebooks/01_tasks_as_mappings``. A task is a finite sample of a mapping
f: X -> Y, stored as pairs (x_i, y_i):

=================  ===============================  =========================================
kind               x                                y
=================  ===============================  =========================================
classification     a sentence (str)                 a label (str), one of ``output_space``
tagging            space-separated tokens (str)     one tag per token (tuple[str]), e.g. BIO
translation        an English sentence (str)        a target-language sentence (str)
regression         a vector (tuple[float, ...])     a vector (tuple[float, ...])
=================  ===============================  =========================================

Learning a task means finding theta with f_theta(x_i) ~ y_i; few-shot learning sees only a
*support* set of K examples per class and is scored on a *query* set (:meth:`MappingTask.split`,
:func:`sample_episode`). Families of related tasks (:func:`sentiment_family`, ...) are what
sequential training and meta-learning consume.

Loaders turn the user's own files into tasks (:func:`load_classification`, :func:`load_conll`,
:func:`load_parallel`, :func:`from_hf_dataset`). They only parse text -- nothing read from a file
is ever evaluated as code.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import numbers
import os
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import language as _lang
from .._checks import (
    check_choice,
    check_float,
    check_int,
    check_nonempty,
    check_probability,
    check_seed,
    check_type,
)

__all__ = [
    "KINDS",
    "NER_TAGS",
    "MappingTask",
    "TaskFamily",
    "Episode",
    "EpisodeSampler",
    "sample_episode",
    "sentiment_family",
    "topic_task",
    "ner_task",
    "translation_family",
    "vocabulary_overlap",
    "polarity_conflict_rate",
    "load_classification",
    "load_conll",
    "load_parallel",
    "from_hf_dataset",
]

#: The four kinds of mapping the course treats with one abstraction.
KINDS: tuple[str, ...] = ("classification", "tagging", "translation", "regression")
#: The BIO tags of :func:`ner_task`.
NER_TAGS: tuple[str, ...] = ("B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "O")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------------------------
# MappingTask
# --------------------------------------------------------------------------------------------


def _check_text(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{where} must be a str; got {_show(value)} of type {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{where} must be a non-empty str; got {value!r}")
    return value


def _check_vector(where: str, value: Any) -> tuple[float, ...]:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = (value,)
    elif hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy array / tensor
        value = value.tolist()
        if not isinstance(value, list):
            value = [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{where} must be a number or a sequence of numbers; got {_show(value)}")
    if len(value) == 0:
        raise ValueError(f"{where} must contain at least one number; got an empty sequence")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{where} must contain only numbers; got {_show(v)} of type {type(v).__name__}")
        if not math.isfinite(float(v)):
            raise ValueError(f"{where} must contain only finite numbers; got {v}")
        out.append(float(v))
    return tuple(out)


def _validate_examples(kind: str, examples: Any) -> tuple[tuple[Any, Any], ...]:
    if isinstance(examples, (str, bytes, Mapping)) or not isinstance(examples, Iterable):
        raise TypeError(
            f"examples must be a list of (x, y) pairs; got {_show(examples)} of type {type(examples).__name__}"
        )
    examples = list(examples)
    if not examples:
        raise ValueError("examples must contain at least one (x, y) pair; got an empty list")
    out = []
    dims = None
    for i, pair in enumerate(examples):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"examples[{i}] must be an (x, y) pair; got {_show(pair)}")
        x, y = pair
        if kind == "classification":
            x = _check_text(f"examples[{i}] x", x)
            if not isinstance(y, str):
                raise TypeError(
                    f"examples[{i}] y must be a label str; got {_show(y)} of type {type(y).__name__} "
                    "(convert labels with str())"
                )
            if not y.strip():
                raise ValueError(f"examples[{i}] y must be a non-empty label; got {y!r}")
        elif kind == "tagging":
            x = _check_text(f"examples[{i}] x", x)
            if isinstance(y, str) or not isinstance(y, Sequence):
                raise TypeError(f"examples[{i}] y must be a tuple of tags, one per token; got {_show(y)}")
            y = tuple(y)
            for tag in y:
                if not isinstance(tag, str) or not tag.strip() or " " in tag:
                    raise ValueError(f"examples[{i}] y must hold non-empty tag strs without spaces; got {_show(tag)}")
            n_tok = len(x.split())
            if len(y) != n_tok:
                raise ValueError(
                    f"examples[{i}] has {n_tok} tokens but {len(y)} tags; tagging needs one tag per "
                    f"space-separated token of x={_show(x)}"
                )
        elif kind == "translation":
            x = _check_text(f"examples[{i}] x", x)
            y = _check_text(f"examples[{i}] y", y)
        else:  # regression
            x = _check_vector(f"examples[{i}] x", x)
            y = _check_vector(f"examples[{i}] y", y)
            if dims is None:
                dims = (len(x), len(y))
            elif dims != (len(x), len(y)):
                raise ValueError(
                    f"examples[{i}] has x of length {len(x)} and y of length {len(y)}; "
                    f"examples[0] has {dims[0]} and {dims[1]} (all must match)"
                )
        out.append((x, y))
    return tuple(out)


def _derive_output_space(kind: str, examples: tuple) -> tuple:
    if kind == "classification":
        return tuple(sorted({y for _, y in examples}))
    if kind == "tagging":
        return tuple(sorted({t for _, y in examples for t in y}))
    if kind == "translation":
        return tuple(sorted({w for _, y in examples for w in y.split()}))
    return ()


class MappingTask:
    """A named sample of a mapping x -> y of one ``kind`` (see the module docstring).

    Parameters
    ----------
    name : str
        e.g. ``"sentiment/movies"``.
    kind : str
        one of :data:`KINDS`.
    examples : list of (x, y) pairs
        validated per kind and stored as a tuple.
    output_space : sequence, optional
        the label set (classification), tag set (tagging) or target word vocabulary
        (translation); derived sorted from the examples when ``None``; ``()`` for regression.
    metadata : dict, optional
        free information, e.g. ``{"family": "sentiment", "domain": "movies"}``.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        examples: Iterable[tuple[Any, Any]],
        output_space: Sequence[Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ):
        check_type("name", name, str)
        if not name.strip():
            raise ValueError(f"name must be a non-empty str; got {name!r}")
        check_type("kind", kind, str)
        check_choice("kind", kind, KINDS)
        examples = _validate_examples(kind, examples)
        derived = _derive_output_space(kind, examples)
        if output_space is None:
            output_space = derived
        else:
            if isinstance(output_space, (str, bytes)) or not isinstance(output_space, Sequence):
                raise TypeError(f"output_space must be a sequence (or None); got {_show(output_space)}")
            output_space = tuple(output_space)
            if kind == "regression" and output_space:
                raise ValueError(f"output_space must be () or None for a regression task; got {_show(output_space)}")
            if len(set(output_space)) != len(output_space):
                raise ValueError(f"output_space must not repeat items; got {_show(output_space)}")
            missing = [v for v in derived if v not in set(output_space)]
            if missing:
                raise ValueError(
                    f"output_space must contain every output of the examples; missing {_show(missing)}"
                )
        if kind == "classification" and len(output_space) < 2:
            raise ValueError(
                "examples must contain at least two different labels for a classification task "
                f"(a single-class task teaches nothing); got only {list(output_space)}"
            )
        if metadata is None:
            metadata = {}
        check_type("metadata", metadata, Mapping, "a dict (or None)")
        self._name = name
        self._kind = kind
        self._examples = examples
        self._output_space = output_space
        self._metadata = dict(metadata)
        self._by_label: dict[Any, list[int]] | None = None
        self._hash: int | None = None

    # -- read-only views ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def examples(self) -> tuple[tuple[Any, Any], ...]:
        """All (x, y) pairs, as a tuple."""
        return self._examples

    @property
    def output_space(self) -> tuple:
        return self._output_space

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the task's metadata."""
        return dict(self._metadata)

    @property
    def inputs(self) -> list[Any]:
        return [x for x, _ in self._examples]

    @property
    def outputs(self) -> list[Any]:
        return [y for _, y in self._examples]

    @property
    def labels(self) -> tuple[str, ...]:
        """The label set of a classification task (same as ``output_space``)."""
        if self._kind != "classification":
            raise AttributeError(
                f"labels exist for classification tasks only; task {self._name!r} has kind "
                f"{self._kind!r} (use output_space)"
            )
        return self._output_space

    def __len__(self) -> int:
        return len(self._examples)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self._examples)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        return self._examples[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MappingTask):
            return NotImplemented
        return (self._name, self._kind, self._examples, self._output_space, self._metadata) == (
            other._name, other._kind, other._examples, other._output_space, other._metadata)

    def __hash__(self) -> int:  # consistent with __eq__: equal tasks have equal name, kind, examples
        if self._hash is None:
            self._hash = hash((self._name, self._kind, self._examples))
        return self._hash

    def __repr__(self) -> str:
        return (f"MappingTask(name={self._name!r}, kind={self._kind!r}, n={len(self)}, "
                f"output_space={len(self._output_space)} items)")

    def class_counts(self) -> dict[str, int]:
        """Classification: number of examples of each label, in ``output_space`` order."""
        _ = self.labels
        by = self._label_index()
        return {label: len(by.get(label, [])) for label in self._output_space}

    def shapes(self) -> dict[str, str]:
        """A short description of what x and y look like, for teaching printouts."""
        x, y = self._examples[0]
        if self._kind == "classification":
            return {"x": "str (a sentence)", "y": f"str, one of {len(self._output_space)} labels"}
        if self._kind == "tagging":
            return {"x": "str of T tokens", "y": f"tuple of T tags from {len(self._output_space)}"}
        if self._kind == "translation":
            return {"x": "str (English)", "y": f"str (target; vocabulary of {len(self._output_space)} words)"}
        return {"x": f"tuple of {len(x)} floats", "y": f"tuple of {len(y)} floats"}

    # -- derived tasks ------------------------------------------------------------------------
    def _derive(self, indices: Sequence[int], role: str | None = None,
                output_space: tuple | None = None) -> "MappingTask":
        metadata = dict(self._metadata)
        if role is not None:
            metadata["split"] = role
        return MappingTask(
            self._name,
            self._kind,
            [self._examples[i] for i in indices],
            output_space=self._output_space if output_space is None else output_space,
            metadata=metadata,
        )

    def _label_index(self) -> dict[Any, list[int]]:
        if self._by_label is None:
            by: dict[Any, list[int]] = {}
            for i, (_, y) in enumerate(self._examples):
                by.setdefault(y, []).append(i)
            self._by_label = by
        return self._by_label

    def _present_labels(self) -> list[str]:
        by = self._label_index()
        return [label for label in self._output_space if label in by]

    def subset(self, indices: Sequence[int]) -> "MappingTask":
        """The task restricted to ``examples[i] for i in indices`` (same output space)."""
        if isinstance(indices, (str, bytes)) or not isinstance(indices, (Sequence, range)):
            raise TypeError(f"indices must be a sequence of ints; got {_show(indices)}")
        check_nonempty("indices", indices, "at least one index")
        idx = [check_int("indices", i, min=0, max=len(self) - 1) for i in indices]
        return self._derive(idx)

    def split(self, k_shot: int, n_query: int | None = None, seed: int = 0) -> tuple["MappingTask", "MappingTask"]:
        """Support and query sets: K examples per class in the support, ``n_query`` per class in the query.

        For tagging, translation and regression, ``k_shot`` and ``n_query`` count examples.
        ``n_query=None`` puts every remaining example into the query set. The two sets never share
        an example.
        """
        k_shot = check_int("k_shot", k_shot, min=1)
        if n_query is not None:
            n_query = check_int("n_query", n_query, min=1)
        seed = check_seed("seed", seed)
        rng = random.Random(seed)
        support: list[int] = []
        query: list[int] = []
        if self._kind == "classification":
            present = self._present_labels()
            if len(present) < 2:
                raise ValueError(
                    f"task {self._name!r} has examples of only one class {present}; split needs at "
                    "least two classes"
                )
            by = self._label_index()
            need = k_shot + (n_query or 1)
            for label in present:
                idx = list(by[label])
                if len(idx) < need:
                    allowed = len(idx) - (n_query or 1)
                    raise ValueError(
                        f"k_shot={k_shot} with n_query={n_query} needs {need} examples of class "
                        f"{label!r}, which has only {len(idx)} in task {self._name!r}; "
                        f"allowed: k_shot <= {max(allowed, 0)}"
                    )
                rng.shuffle(idx)
                support += idx[:k_shot]
                query += idx[k_shot:] if n_query is None else idx[k_shot:k_shot + n_query]
        else:
            need = k_shot + (n_query or 1)
            if len(self) < need:
                raise ValueError(
                    f"k_shot={k_shot} with n_query={n_query} needs {need} examples, but task "
                    f"{self._name!r} has only {len(self)}; allowed: k_shot <= {max(len(self) - (n_query or 1), 0)}"
                )
            idx = list(range(len(self)))
            rng.shuffle(idx)
            support = idx[:k_shot]
            query = idx[k_shot:] if n_query is None else idx[k_shot:k_shot + n_query]
        rng.shuffle(support)
        rng.shuffle(query)
        return self._derive(support, "support"), self._derive(query, "query")

    def train_test_split(self, test_fraction: float = 0.25, seed: int = 0) -> tuple["MappingTask", "MappingTask"]:
        """Split into (train, test); stratified by label for classification.

        Each class contributes ``round(test_fraction * count)`` examples to the test set (at least
        one and at most ``count - 1`` when it has two or more). Examples keep their order.
        """
        test_fraction = check_float("test_fraction", test_fraction, min=0.0, max=1.0,
                                    min_inclusive=False, max_inclusive=False)
        seed = check_seed("seed", seed)
        rng = random.Random(seed)
        test: list[int] = []
        groups = ([self._label_index()[label] for label in self._present_labels()]
                  if self._kind == "classification" else [list(range(len(self)))])
        for group in groups:
            idx = list(group)
            rng.shuffle(idx)
            n_test = round(test_fraction * len(idx))
            n_test = min(max(n_test, 1), len(idx) - 1) if len(idx) >= 2 else 0
            test += idx[:n_test]
        test_set = set(test)
        train = [i for i in range(len(self)) if i not in test_set]
        test = sorted(test)
        if not test or not train:
            raise ValueError(
                f"task {self._name!r} with {len(self)} examples is too small to split with "
                f"test_fraction={test_fraction:g}; it needs at least 2 examples (per class)"
            )
        return self._derive(train, "train"), self._derive(test, "test")

    def tensors(self):
        """Regression tasks as float32 tensors ``X`` of shape (N, d_in) and ``Y`` of shape (N, d_out)."""
        if self._kind != "regression":
            raise ValueError(
                f"tensors() needs a task of kind 'regression'; task {self._name!r} has kind "
                f"{self._kind!r} (text tasks become tensors through a model's collate)"
            )
        import torch

        X = torch.tensor([x for x, _ in self._examples], dtype=torch.float32)  # (N, d_in)
        Y = torch.tensor([y for _, y in self._examples], dtype=torch.float32)  # (N, d_out)
        return X, Y


def vocabulary_overlap(task_a: MappingTask, task_b: MappingTask) -> float:
    """Jaccard overlap of the input words of two text tasks: |V_a ∩ V_b| / |V_a ∪ V_b|.

    1 means the tasks use exactly the same words, 0 that they share none. Taught in
    ``notebooks/01_tasks_as_mappings`` (how ``relatedness`` changes it).
    """
    for name, task in (("task_a", task_a), ("task_b", task_b)):
        check_type(name, task, MappingTask)
        if task.kind == "regression":
            raise ValueError(f"{name} must be a text task; got kind 'regression' (task {task.name!r})")
    va = {w for x in task_a.inputs for w in x.lower().split()}
    vb = {w for x in task_b.inputs for w in x.lower().split()}
    return len(va & vb) / len(va | vb)


def polarity_conflict_rate(family: "TaskFamily") -> float:
    """Share of sentiment-word occurrences whose polarity *disagrees* between the family's domains.

    For a sentiment family: count every word of every input that carries sentiment in its task's
    domain; return the fraction of them that are positive in one of the family's domains and
    negative in another (the domain-dependent words, e.g. ``long``). With relatedness r the
    expected value is r (1 - r): 0 for unrelated (r = 0) and for fully shared (r = 1) tasks,
    largest in between. Taught in ``notebooks/01_tasks_as_mappings``.
    """
    check_type("family", family, TaskFamily)
    domains = [t.metadata.get("domain") for t in family]
    if any(d not in _lang.ALL_DOMAINS for d in domains) or any(t.metadata.get("family") != "sentiment" for t in family):
        raise ValueError(f"family must be a sentiment family (from sentiment_family); got {family.name!r}")
    lexicons = {d: _lang.sentiment_lexicon(d) for d in domains}
    words = sorted({w for lex in lexicons.values() for w in lex})
    conflicting = {w for w in words if len({lexicons[d].get(w, 0) for d in domains} - {0}) > 1}
    total = hits = 0
    for task, domain in zip(family, domains):
        lex = lexicons[domain]
        for x in task.inputs:
            for w in x.split():
                if w in lex:
                    total += 1
                    hits += w in conflicting
    return hits / total if total else 0.0


# --------------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------------


class TaskFamily(Sequence):
    """A named, ordered collection of related tasks, plus tasks held out from it.

    Behaves like a tuple of :class:`MappingTask` (``len``, indexing, iteration); ``family["movies"]``
    also finds a task by name, domain or language. ``held_out`` holds new tasks of the same kind
    that training never sees; ``relatedness`` is the knob the family was generated with (or None).
    """

    def __init__(
        self,
        name: str,
        tasks: Sequence[MappingTask],
        held_out: Sequence[MappingTask] = (),
        relatedness: float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ):
        check_type("name", name, str)
        if isinstance(tasks, MappingTask) or not isinstance(tasks, Sequence):
            raise TypeError(f"tasks must be a list or tuple of MappingTask; got {_show(tasks)}")
        check_nonempty("tasks", tasks, "at least one MappingTask")
        for i, t in enumerate(tasks):
            check_type(f"tasks[{i}]", t, MappingTask)
        if isinstance(held_out, MappingTask) or not isinstance(held_out, Sequence):
            raise TypeError(f"held_out must be a list or tuple of MappingTask; got {_show(held_out)}")
        for i, t in enumerate(held_out):
            check_type(f"held_out[{i}]", t, MappingTask)
        names = [t.name for t in tasks] + [t.name for t in held_out]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"tasks and held_out must have distinct names; repeated: {dupes}")
        if relatedness is not None:
            relatedness = check_probability("relatedness", relatedness)
        self.name = name
        self._tasks = tuple(tasks)
        self.held_out = tuple(held_out)
        self.relatedness = relatedness
        self.metadata = dict(metadata or {})

    def __len__(self) -> int:
        return len(self._tasks)

    def __getitem__(self, key):
        if isinstance(key, str):
            for t in self._tasks + self.held_out:
                md = t.metadata
                if key in (t.name, md.get("domain"), md.get("language")):
                    return t
            raise KeyError(f"no task named {key!r} in family {self.name!r}; tasks: {list(self.names)}")
        if isinstance(key, slice):
            return self._tasks[key]
        return self._tasks[key]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self._tasks)

    @property
    def tasks(self) -> tuple[MappingTask, ...]:
        return self._tasks

    def overlap_matrix(self) -> list[list[float]]:
        """Pairwise :func:`vocabulary_overlap` of the family's tasks."""
        return [[vocabulary_overlap(a, b) for b in self._tasks] for a in self._tasks]

    def mean_overlap(self) -> float:
        """Mean :func:`vocabulary_overlap` over distinct pairs of tasks (needs two or more tasks)."""
        if len(self) < 2:
            raise ValueError(f"mean_overlap needs a family of at least 2 tasks; {self.name!r} has {len(self)}")
        m = self.overlap_matrix()
        pairs = [m[i][j] for i in range(len(self)) for j in range(i + 1, len(self))]
        return sum(pairs) / len(pairs)

    def __repr__(self) -> str:
        return f"TaskFamily(name={self.name!r}, tasks={list(self.names)}, held_out={[t.name for t in self.held_out]})"


def _check_names(name: str, values: Any, allowed: Sequence[str], minimum: int = 1) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of names from {list(allowed)}; got {_show(values)}")
    if len(values) < minimum:
        raise ValueError(f"{name} must name at least {minimum} of {list(allowed)}; got {list(values)}")
    for v in values:
        check_type(name, v, str, f"a list of names from {list(allowed)}")
        check_choice(name, v, allowed)
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a name; got {list(values)}")
    return tuple(values)


def sentiment_family(
    domains: Sequence[str] | None = None,
    n_per_task: int = 200,
    relatedness: float = 0.5,
    seed: int = 0,
) -> TaskFamily:
    """One binary sentiment task per domain, labels ``("negative", "positive")``, balanced.

    ``domains=None`` uses :data:`metamap_edu.tasks.language.DOMAINS`; the held-out domains become the
    family's ``.held_out`` tasks (built with the same settings) unless named in ``domains``.
    ``relatedness`` r: each sentiment word is the domain's own with probability 1 - r, a
    domain-dependent word (polarity differs between domains) with r(1 - r), a shared word with r².
    """
    if domains is None:
        domains = _lang.DOMAINS
    domains = _check_names("domains", domains, _lang.ALL_DOMAINS)
    n_per_task = check_int("n_per_task", n_per_task, min=4)
    relatedness = check_probability("relatedness", relatedness)
    seed = check_seed("seed", seed)

    def make(domain: str) -> MappingTask:
        return MappingTask(
            f"sentiment/{domain}",
            "classification",
            _lang.sentiment_examples(domain, n_per_task, relatedness, seed),
            output_space=_lang.LABELS,
            metadata={"family": "sentiment", "domain": domain, "relatedness": relatedness, "seed": seed},
        )

    tasks = [make(d) for d in domains]
    held = [make(d) for d in _lang.HELD_OUT_DOMAINS if d not in domains]
    return TaskFamily("sentiment", tasks, held, relatedness,
                      {"n_per_task": n_per_task, "seed": seed})


def topic_task(domains: Sequence[str] | None = None, n_per_class: int = 100, seed: int = 0) -> MappingTask:
    """Topic classification: which domain is a sentence about? Labels are domain names.

    Sentences mix opinions and neutral statements (:func:`metamap_edu.tasks.language.domain_sentences`),
    so the nouns, not the sentiment words, give the topic away.
    """
    if domains is None:
        domains = _lang.DOMAINS
    domains = _check_names("domains", domains, _lang.ALL_DOMAINS, minimum=2)
    n_per_class = check_int("n_per_class", n_per_class, min=1)
    seed = check_seed("seed", seed)
    examples = [(s, d) for d in domains for s in _lang.domain_sentences(d, n_per_class, seed)]
    random.Random(_lang.derive_seed(seed, "topic")).shuffle(examples)
    return MappingTask("topic", "classification", examples, output_space=tuple(sorted(domains)),
                       metadata={"family": "topic", "domains": list(domains), "seed": seed})


def ner_task(n: int = 300, seed: int = 0) -> MappingTask:
    """Named-entity recognition as tagging: one BIO tag per token (see :data:`NER_TAGS`)."""
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    return MappingTask("ner", "tagging", _lang.ner_examples(n, seed), output_space=NER_TAGS,
                       metadata={"family": "ner", "seed": seed})


def translation_family(languages: Sequence[str] | None = None, n_per_task: int = 300, seed: int = 0) -> TaskFamily:
    """One translation task English -> toy language per language; unlisted languages are held out."""
    if languages is None:
        languages = _lang.TARGET_LANGUAGES
    languages = _check_names("languages", languages, _lang.ALL_LANGUAGES)
    n_per_task = check_int("n_per_task", n_per_task, min=1)
    seed = check_seed("seed", seed)

    def make(language: str) -> MappingTask:
        pairs = _lang.translation_examples(language, n_per_task, _lang.derive_seed(seed, "translation", language))
        return MappingTask(f"translation/{language}", "translation", pairs,
                           metadata={"family": "translation", "language": language, "seed": seed})

    tasks = [make(lang) for lang in languages]
    held = [make(lang) for lang in _lang.ALL_LANGUAGES if lang not in languages]
    return TaskFamily("translation", tasks, held, None, {"n_per_task": n_per_task, "seed": seed})


# --------------------------------------------------------------------------------------------
# Episodes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """One few-shot problem: learn from ``support``, be scored on ``query``.

    ``classes`` are the N sampled labels (sorted) for classification, ``()`` otherwise; both sets
    use them as their output space.
    """

    support: MappingTask
    query: MappingTask
    classes: tuple = field(default=())

    def __post_init__(self) -> None:  # validation
        check_type("support", self.support, MappingTask)
        check_type("query", self.query, MappingTask)

    @property
    def task_name(self) -> str:
        return self.support.name


def _episode_sources(source: Any) -> tuple[MappingTask, ...]:
    if isinstance(source, MappingTask):
        return (source,)
    if isinstance(source, TaskFamily):
        return source.tasks
    if isinstance(source, (list, tuple)) and source and all(isinstance(t, MappingTask) for t in source):
        return tuple(source)
    raise TypeError(
        f"source must be a MappingTask, a TaskFamily or a non-empty list of MappingTask; got {_show(source)}"
    )


def sample_episode(
    source: MappingTask | TaskFamily | Sequence[MappingTask],
    n_way: int | None,
    k_shot: int,
    n_query: int,
    seed: int = 0,
) -> Episode:
    """An N-way K-shot episode: pick a task (from a family), N of its classes, K + Q examples each.

    Classification: support has ``k_shot`` examples of each of ``n_way`` classes, query
    ``n_query`` of each, disjoint. From a family, a task is drawn uniformly among those that can
    serve the request. Other kinds have no classes: pass ``n_way=None``; support and query then
    hold ``k_shot`` and ``n_query`` examples.
    """
    tasks = _episode_sources(source)
    k_shot = check_int("k_shot", k_shot, min=1)
    n_query = check_int("n_query", n_query, min=1)
    seed = check_seed("seed", seed)
    need = k_shot + n_query
    kinds = sorted({t.kind for t in tasks})
    if len(kinds) > 1:
        raise ValueError(f"source must hold tasks of one kind to sample episodes; got kinds {kinds}")
    kind = kinds[0]
    rng = random.Random(seed)
    if kind == "classification":
        if n_way is None:
            raise TypeError("n_way must be an int >= 2 for classification tasks; got None")
        n_way = check_int("n_way", n_way, min=2)
        most = max(len(t.output_space) for t in tasks)
        if n_way > most:
            raise ValueError(
                f"n_way must be <= {most}, the most classes of any task in the source; got {n_way}"
            )
        eligible = []
        for t in tasks:
            by = t._label_index()
            ok = [label for label in t.output_space if len(by.get(label, ())) >= need]
            if len(ok) >= n_way:
                eligible.append((t, ok))
        if not eligible:
            best = 0  # the largest count c such that some task has n_way classes with >= c examples
            for t in tasks:
                counts = sorted((len(idx) for idx in t._label_index().values()), reverse=True)
                if len(counts) >= n_way:
                    best = max(best, counts[n_way - 1])
            raise ValueError(
                f"k_shot={k_shot} with n_query={n_query} needs {need} examples in each of {n_way} "
                f"classes, but no task has that many; allowed: k_shot <= {max(best - n_query, 0)}"
            )
        task, ok = eligible[int(rng.random() * len(eligible))]
        classes = tuple(sorted(rng.sample(ok, n_way)))
        by = task._label_index()
        support, query = [], []
        for label in classes:
            idx = rng.sample(by[label], need)
            support += idx[:k_shot]
            query += idx[k_shot:]
        rng.shuffle(support)
        rng.shuffle(query)
        return Episode(task._derive(support, "support", classes), task._derive(query, "query", classes), classes)
    if n_way is not None and n_way != 1:
        raise ValueError(
            f"n_way applies to classification tasks only; pass n_way=None for tasks of kind {kind!r}; got {n_way!r}"
        )
    eligible_tasks = [t for t in tasks if len(t) >= need]
    if not eligible_tasks:
        biggest = max(len(t) for t in tasks)
        raise ValueError(
            f"k_shot={k_shot} with n_query={n_query} needs {need} examples, but the largest task has "
            f"{biggest}; allowed: k_shot <= {max(biggest - n_query, 0)}"
        )
    task = eligible_tasks[int(rng.random() * len(eligible_tasks))]
    idx = rng.sample(range(len(task)), need)
    return Episode(task._derive(idx[:k_shot], "support"), task._derive(idx[k_shot:], "query"), ())


class EpisodeSampler:
    """A reproducible stream of episodes: episode ``i`` depends only on (``seed``, ``i``).

    ``sampler.sample(i)`` returns episode i; ``iter(sampler)`` yields episodes 0, 1, 2, ...
    forever; ``sampler.take(n)`` returns the first n. Arguments are checked at construction by
    drawing episode 0.
    """

    def __init__(self, source, n_way: int | None, k_shot: int, n_query: int, seed: int = 0):
        self.source = source
        self.n_way = n_way
        self.k_shot = k_shot
        self.n_query = n_query
        self.seed = check_seed("seed", seed)
        self.sample(0)  # validates everything

    def sample(self, i: int) -> Episode:
        i = check_int("i", i, min=0)
        return sample_episode(self.source, self.n_way, self.k_shot, self.n_query,
                              _lang.derive_seed(self.seed, "episode", i))

    def take(self, n: int) -> list[Episode]:
        n = check_int("n", n, min=0)
        return [self.sample(i) for i in range(n)]

    def __iter__(self) -> Iterator[Episode]:
        i = 0
        while True:
            yield self.sample(i)
            i += 1

    def __repr__(self) -> str:
        return (f"EpisodeSampler(n_way={self.n_way}, k_shot={self.k_shot}, n_query={self.n_query}, "
                f"seed={self.seed})")


# --------------------------------------------------------------------------------------------
# Loaders for the user's own data
# --------------------------------------------------------------------------------------------


def _read_text(path: Any, encoding: str) -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a pathlib.Path; got {_show(path)} of type {type(path).__name__}")
    check_type("encoding", encoding, str)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"path {str(p)!r} does not exist")
    if p.is_dir():
        raise ValueError(f"path must be a file; {str(p)!r} is a directory")
    raw = p.read_bytes()
    try:
        text = raw.decode(encoding)
    except LookupError:
        raise ValueError(f"encoding must be a codec Python knows, e.g. 'utf-8' or 'latin-1'; got {encoding!r}") from None
    except UnicodeDecodeError as e:
        raise ValueError(
            f"file {str(p)!r} is not valid {encoding} text (byte {e.start}: {e.reason}); "
            f"pass the file's encoding, e.g. encoding='latin-1'"
        ) from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValueError(f"file {str(p)!r} is empty; it has no data to load")
    return p, text


def _task_name(name: str | None, p: Path) -> str:
    if name is None:
        return p.stem
    check_type("name", name, str)
    return name


def _label_text(value: Any, where: str, column: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{where}: empty label in column {column!r}; every example needs a label")
    if isinstance(value, bool) or isinstance(value, numbers.Integral):
        return str(int(value)) if not isinstance(value, bool) else str(value).lower()
    if isinstance(value, (str, float)):
        return str(value).strip()
    raise ValueError(f"{where}: label in column {column!r} must be a str or an int; got {_show(value)}")


def _finish_classification(name: str, examples: list, p: Path | None, fmt: str, label_column: str) -> MappingTask:
    where = f"file {str(p)!r}" if p is not None else "the dataset"
    if not examples:
        raise ValueError(f"{where} has no examples (only a header or blank lines)")
    labels = sorted({y for _, y in examples})
    if len(labels) < 2:
        raise ValueError(
            f"{where} has only one label {labels[0]!r} in column label_column={label_column!r}; "
            "a classification task needs at least two classes"
        )
    md = {"family": "user", "format": fmt}
    if p is not None:
        md["source"] = p.name
    return MappingTask(name, "classification", examples, metadata=md)


def load_classification(
    path: str | os.PathLike,
    text_column: str = "text",
    label_column: str = "label",
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    name: str | None = None,
    key: str | Sequence[str] | None = None,
) -> MappingTask:
    """A text-classification task from a CSV, TSV or JSON file with named columns.

    ``format`` is ``"csv"``, ``"tsv"``, ``"jsonl"`` or ``"json"``; by default it follows the file
    suffix (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``, ``.json``). CSV/TSV need a header
    row. JSON comes in three layouts (:data:`JSON_LAYOUTS`): JSON lines (one record per line), one
    JSON array of records (``[{"text": ..., "label": ...}, ...]``), or one JSON object of named
    lists of ``[text, label]`` pairs (``{"train": [["hi", "greet"], ...], "test": [...]}``), whose
    list ``key`` picks (a name or a list of names, joined; optional when there is one list). A
    ``.json`` file holding one document is read as the array or object layout, else as JSON lines.
    Integer labels become strings (``1 -> "1"``). The file is parsed, never evaluated.
    """
    check_type("text_column", text_column, str)
    check_type("label_column", label_column, str)
    if format is not None:
        check_type("format", format, str)
        check_choice("format", format, ("csv", "tsv", "jsonl", "json"))
    if key is not None:
        keys = [key] if isinstance(key, str) else key
        if not isinstance(keys, (list, tuple)) or not keys or not all(isinstance(k, str) for k in keys):
            raise TypeError(f"key must be a str or a non-empty list of str (names of lists in a JSON object); got {_show(key)}")
    p, text = _read_text(path, encoding)
    if format is None:
        suffix = p.suffix.lower()
        by_suffix = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
        if suffix not in by_suffix:
            raise ValueError(
                f"format must be given for a file ending in {suffix or '(no suffix)'!r}: pass "
                "format='csv', 'tsv', 'jsonl' or 'json'"
            )
        format = by_suffix[suffix]
    if key is not None and format in ("csv", "tsv"):
        raise ValueError(f"key={key!r} picks a list of a JSON object; file {str(p)!r} is read as {format.upper()}")
    name = _task_name(name, p)
    examples: list[tuple[str, str]] = []
    if format in ("csv", "tsv"):
        reader = csv.reader(io.StringIO(text), delimiter="," if format == "csv" else "\t")
        try:
            rows = [(reader.line_num, row) for row in reader]
        except csv.Error as e:
            raise ValueError(f"file {str(p)!r} is not valid {format.upper()}: {e}") from None
        rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
        if not rows:
            raise ValueError(f"file {str(p)!r} is empty; it has no header and no rows")
        header = [h.strip() for h in rows[0][1]]
        for arg, col in (("text_column", text_column), ("label_column", label_column)):
            if col not in header:
                raise ValueError(
                    f"{arg}={col!r} is not a column of file {str(p)!r}; its columns are {header}"
                )
        ti, li = header.index(text_column), header.index(label_column)
        for line, row in rows[1:]:
            if len(row) != len(header):
                raise ValueError(
                    f"file {str(p)!r} line {line}: expected {len(header)} fields like the header, got {len(row)}"
                )
            x = row[ti].strip()
            if not x:
                raise ValueError(f"file {str(p)!r} line {line}: empty text in column {text_column!r}")
            examples.append((x, _label_text(row[li], f"file {str(p)!r} line {line}", label_column)))
    else:
        document = None
        if format == "json":
            try:
                document = json.loads(text)
            except json.JSONDecodeError:
                format = "jsonl"  # not one document: try one record per line
            if key is not None and not isinstance(document, dict):
                raise ValueError(f"key={key!r} picks a list of a JSON object, but file {str(p)!r} holds "
                                 f"{'JSON lines' if document is None else 'a JSON ' + type(document).__name__}")
        if document is not None:
            examples = _json_document_examples(document, p, text_column, label_column, key)
        else:
            if key is not None:
                raise ValueError(f"key={key!r} picks a list of a JSON object; file {str(p)!r} is read as JSON lines")
            for line, raw in enumerate(text.splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as e:
                    raise ValueError(f"file {str(p)!r} line {line} is not valid JSON ({e.msg}), so it is neither "
                                     f"one JSON document nor JSON lines; the supported layouts are {JSON_LAYOUTS}") from None
                if not isinstance(obj, dict):
                    raise ValueError(
                        f"file {str(p)!r} line {line} must be a JSON object; got {_show(obj)} "
                        f"(the supported layouts are {JSON_LAYOUTS})"
                    )
                examples.append(_json_record(obj, f"file {str(p)!r} line {line}", text_column, label_column))
    return _finish_classification(name, examples, p, format, label_column)


#: The JSON layouts :func:`load_classification` reads, as its error messages name them.
JSON_LAYOUTS = (
    "JSON lines (one {\"text\": ..., \"label\": ...} object per line), "
    "a JSON array of such records, or a JSON object of named lists of [text, label] pairs "
    "(pick the list with key=)"
)


def _json_record(obj: Any, where: str, text_column: str, label_column: str) -> tuple[str, str]:
    """One example from a record ``{text_column: ..., label_column: ...}`` or a ``[text, label]`` pair."""
    if isinstance(obj, dict):
        for arg, col in (("text_column", text_column), ("label_column", label_column)):
            if col not in obj:
                raise ValueError(f"{arg}={col!r} is not a key of {where}; its keys are {sorted(obj)}")
        x, y = obj[text_column], obj[label_column]
    elif isinstance(obj, list) and len(obj) == 2:
        x, y = obj
    else:
        raise ValueError(f"{where} must be a record {{{text_column!r}: ..., {label_column!r}: ...}} or a "
                         f"[text, label] pair; got {_show(obj)} (the supported layouts are {JSON_LAYOUTS})")
    if not isinstance(x, str) or not x.strip():
        raise ValueError(f"{where}: the text must be a non-empty string; got {_show(x)}")
    return x.strip(), _label_text(y, where, label_column)


def _json_document_examples(document: Any, p: Path, text_column: str, label_column: str, key: Any) -> list:
    """Examples from one JSON document: an array of records, or an object of named lists (``key``)."""
    if isinstance(document, list):
        return [_json_record(obj, f"file {str(p)!r} item {i}", text_column, label_column) for i, obj in enumerate(document)]
    if not isinstance(document, dict):
        raise ValueError(f"file {str(p)!r} holds a single JSON {type(document).__name__}; the supported layouts are {JSON_LAYOUTS}")
    lists = sorted(k for k, v in document.items() if isinstance(v, list))
    if not lists:
        raise ValueError(f"file {str(p)!r} is a JSON object without lists (keys {sorted(document)[:10]}); "
                         f"the supported layouts are {JSON_LAYOUTS}")
    if key is None:
        if len(lists) > 1:
            raise ValueError(f"file {str(p)!r} holds {len(lists)} named lists {lists}; pick one or more with key=, "
                             f"e.g. key={lists[0]!r} or key={lists[:2]!r}")
        key = lists
    keys = [key] if isinstance(key, str) else list(key)
    unknown = [k for k in keys if k not in lists]
    if unknown:
        raise ValueError(f"key={key!r} names {unknown}, which {'is' if len(unknown) == 1 else 'are'} not a list of file "
                         f"{str(p)!r}; its lists are {lists}")
    return [_json_record(obj, f"file {str(p)!r} list {k!r} item {i}", text_column, label_column)
            for k in keys for i, obj in enumerate(document[k])]


def load_conll(
    path: str | os.PathLike,
    *,
    token_column: int = 0,
    tag_column: int = -1,
    encoding: str = "utf-8",
    name: str | None = None,
) -> MappingTask:
    """A tagging task from a CoNLL-style file: one ``token ... tag`` line per token, blank line between sentences.

    Columns are separated by whitespace; every token line must have the same number of columns.
    ``-DOCSTART-`` lines are skipped.
    """
    token_column = check_int("token_column", token_column)
    tag_column = check_int("tag_column", tag_column)
    p, text = _read_text(path, encoding)
    name = _task_name(name, p)
    examples: list[tuple[str, tuple[str, ...]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    n_cols = first_line = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("-DOCSTART-"):
            continue
        if not line:
            if tokens:
                examples.append((" ".join(tokens), tuple(tags)))
                tokens, tags = [], []
            continue
        cols = line.split()
        if n_cols is None:
            n_cols, first_line = len(cols), line_no
            if n_cols < 2:
                raise ValueError(
                    f"file {str(p)!r} line {line_no}: a CoNLL line needs a token and a tag column; got {line!r}"
                )
            for arg, c in (("token_column", token_column), ("tag_column", tag_column)):
                if not -n_cols <= c < n_cols:
                    raise ValueError(f"{arg} must be between {-n_cols} and {n_cols - 1} for a file with {n_cols} columns; got {c}")
        elif len(cols) != n_cols:
            raise ValueError(
                f"file {str(p)!r} line {line_no}: expected {n_cols} columns like line {first_line}, "
                f"got {len(cols)} ({line!r}); the file is ragged"
            )
        tokens.append(cols[token_column])
        tags.append(cols[tag_column])
    if tokens:
        examples.append((" ".join(tokens), tuple(tags)))
    if not examples:
        raise ValueError(f"file {str(p)!r} has no sentences")
    return MappingTask(name, "tagging", examples, metadata={"family": "user", "format": "conll", "source": p.name})


def load_parallel(
    path: str | os.PathLike,
    *,
    separator: str = "\t",
    encoding: str = "utf-8",
    name: str | None = None,
) -> MappingTask:
    """A translation task from a two-column file: ``source<separator>target`` on each line."""
    check_type("separator", separator, str)
    if not separator or separator.isspace() and separator != "\t":
        raise ValueError(f"separator must be a visible string or a tab; got {separator!r}")
    p, text = _read_text(path, encoding)
    name = _task_name(name, p)
    examples = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split(separator)
        if len(parts) != 2:
            raise ValueError(
                f"file {str(p)!r} line {line_no}: expected 2 columns separated by {separator!r}, got {len(parts)}"
            )
        src, tgt = parts[0].strip(), parts[1].strip()
        if not src or not tgt:
            raise ValueError(f"file {str(p)!r} line {line_no}: empty {'source' if not src else 'target'} sentence")
        examples.append((src, tgt))
    if not examples:
        raise ValueError(f"file {str(p)!r} has no sentence pairs")
    return MappingTask(name, "translation", examples, metadata={"family": "user", "format": "parallel", "source": p.name})


def _datasets_available() -> bool:
    return importlib.util.find_spec("datasets") is not None


def from_hf_dataset(ds: Any, text_column: str = "text", label_column: str = "label", *, name: str = "hf_dataset") -> MappingTask:
    """A classification task from one split of a Hugging Face ``datasets`` dataset.

    Needs the optional package ``datasets`` (``pip install datasets``); nothing is downloaded here
    -- load the dataset yourself. Integer labels with ``ClassLabel`` names become those names.
    """
    if not _datasets_available():
        raise ImportError(
            "from_hf_dataset needs the optional package 'datasets', which is not installed; "
            "install it with: pip install datasets"
        )
    check_type("text_column", text_column, str)
    check_type("label_column", label_column, str)
    check_type("name", name, str)
    columns = getattr(ds, "column_names", None)
    if isinstance(columns, dict):
        raise ValueError(f"ds must be one split of a dataset, e.g. ds['train']; got a DatasetDict with splits {sorted(columns)}")
    if columns is None:
        raise TypeError(f"ds must be a datasets.Dataset (with column_names); got {type(ds).__name__}")
    columns = list(columns)
    for arg, col in (("text_column", text_column), ("label_column", label_column)):
        if col not in columns:
            raise ValueError(f"{arg}={col!r} is not a column of the dataset; its columns are {columns}")
    names = None
    features = getattr(ds, "features", None)
    if features is not None and label_column in features:
        names = getattr(features[label_column], "names", None)
    examples = []
    for i, row in enumerate(ds):
        x = row[text_column]
        if not isinstance(x, str) or not x.strip():
            raise ValueError(f"row {i}: text in {text_column!r} must be a non-empty string; got {_show(x)}")
        y = row[label_column]
        if names is not None and isinstance(y, numbers.Integral) and not isinstance(y, bool):
            if not 0 <= int(y) < len(names):
                raise ValueError(f"row {i}: label {y} is outside the ClassLabel names {list(names)}")
            y = names[int(y)]
        examples.append((x.strip(), _label_text(y, f"row {i}", label_column)))
    return _finish_classification(name, examples, None, "hf_dataset", label_column)
