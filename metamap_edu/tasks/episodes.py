"""N-way K-shot episodes: the few-shot problems meta-learning trains and is scored on.

Taught in ``notebooks/05_meta_learning_proper`` and ``notebooks/05b_few_shot_text``. An episode
picks a task, N of its classes and K + Q examples of each: the *support* set
S = {(x_i, y_i)}, |S| = N K, to learn from, and the disjoint *query* set, |Q| = N Q, to be scored on.
"""
from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._checks import check_int, check_seed, check_type
from .families import TaskFamily
from .lexicon import derive_seed
from .mapping import MappingTask, _show

__all__ = ["Episode", "EpisodeSampler", "sample_episode"]


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
                              derive_seed(self.seed, "episode", i))

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
