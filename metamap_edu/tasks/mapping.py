"""Every NLP task is a mapping x -> y: the ``MappingTask`` abstraction.

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
and :func:`metamap_edu.tasks.episodes.sample_episode`). Families of related tasks are in
:mod:`metamap_edu.tasks.families`, the loaders of your own files in :mod:`metamap_edu.tasks.loaders`.
"""
from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed, check_type

__all__ = ["KINDS", "MappingTask"]

#: The four kinds of mapping the course treats with one abstraction.
KINDS: tuple[str, ...] = ("classification", "tagging", "translation", "regression")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
        import torch  # heavy, and the tasks layer is plain Python: only regression tasks become tensors

        X = torch.tensor([x for x, _ in self._examples], dtype=torch.float32)  # (N, d_in)
        Y = torch.tensor([y for _, y in self._examples], dtype=torch.float32)  # (N, d_out)
        return X, Y
