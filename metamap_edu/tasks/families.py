"""Families of related generated tasks: sentiment per domain, topic, NER, translation per language.

Taught in ``notebooks/01_tasks_as_mappings``. A :class:`TaskFamily` is an ordered collection of
related :class:`~metamap_edu.tasks.mapping.MappingTask` s plus tasks held out from it -- what
sequential training and meta-learning consume. The knob ``relatedness`` r of
:func:`sentiment_family` sets how much the tasks share (:func:`vocabulary_overlap`, the Jaccard
overlap |V_a ∩ V_b| / |V_a ∪ V_b|) and how much they disagree (:func:`polarity_conflict_rate`,
expected r (1 - r)).
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from .._checks import check_choice, check_int, check_nonempty, check_probability, check_seed, check_type
from .grammar import domain_sentences, ner_examples, sentiment_examples
from .lexicon import ALL_DOMAINS, DOMAINS, HELD_OUT_DOMAINS, LABELS, derive_seed, sentiment_lexicon
from .mapping import MappingTask, _show
from .toy_languages import ALL_LANGUAGES, TARGET_LANGUAGES, translation_examples

__all__ = [
    "NER_TAGS",
    "TaskFamily",
    "sentiment_family",
    "topic_task",
    "ner_task",
    "translation_family",
    "vocabulary_overlap",
    "polarity_conflict_rate",
]

#: The BIO tags of :func:`ner_task`.
NER_TAGS: tuple[str, ...] = ("B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "O")


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
    if any(d not in ALL_DOMAINS for d in domains) or any(t.metadata.get("family") != "sentiment" for t in family):
        raise ValueError(f"family must be a sentiment family (from sentiment_family); got {family.name!r}")
    lexicons = {d: sentiment_lexicon(d) for d in domains}
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

    ``domains=None`` uses :data:`metamap_edu.tasks.lexicon.DOMAINS`; the held-out domains become the
    family's ``.held_out`` tasks (built with the same settings) unless named in ``domains``.
    ``relatedness`` r: each sentiment word is the domain's own with probability 1 - r, a
    domain-dependent word (polarity differs between domains) with r(1 - r), a shared word with r².
    """
    if domains is None:
        domains = DOMAINS
    domains = _check_names("domains", domains, ALL_DOMAINS)
    n_per_task = check_int("n_per_task", n_per_task, min=4)
    relatedness = check_probability("relatedness", relatedness)
    seed = check_seed("seed", seed)

    def make(domain: str) -> MappingTask:
        return MappingTask(
            f"sentiment/{domain}",
            "classification",
            sentiment_examples(domain, n_per_task, relatedness, seed),
            output_space=LABELS,
            metadata={"family": "sentiment", "domain": domain, "relatedness": relatedness, "seed": seed},
        )

    tasks = [make(d) for d in domains]
    held = [make(d) for d in HELD_OUT_DOMAINS if d not in domains]
    return TaskFamily("sentiment", tasks, held, relatedness,
                      {"n_per_task": n_per_task, "seed": seed})


def topic_task(domains: Sequence[str] | None = None, n_per_class: int = 100, seed: int = 0) -> MappingTask:
    """Topic classification: which domain is a sentence about? Labels are domain names.

    Sentences mix opinions and neutral statements (:func:`metamap_edu.tasks.grammar.domain_sentences`),
    so the nouns, not the sentiment words, give the topic away.
    """
    if domains is None:
        domains = DOMAINS
    domains = _check_names("domains", domains, ALL_DOMAINS, minimum=2)
    n_per_class = check_int("n_per_class", n_per_class, min=1)
    seed = check_seed("seed", seed)
    examples = [(s, d) for d in domains for s in domain_sentences(d, n_per_class, seed)]
    random.Random(derive_seed(seed, "topic")).shuffle(examples)
    return MappingTask("topic", "classification", examples, output_space=tuple(sorted(domains)),
                       metadata={"family": "topic", "domains": list(domains), "seed": seed})


def ner_task(n: int = 300, seed: int = 0) -> MappingTask:
    """Named-entity recognition as tagging: one BIO tag per token (see :data:`NER_TAGS`)."""
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    return MappingTask("ner", "tagging", ner_examples(n, seed), output_space=NER_TAGS,
                       metadata={"family": "ner", "seed": seed})


def translation_family(languages: Sequence[str] | None = None, n_per_task: int = 300, seed: int = 0) -> TaskFamily:
    """One translation task English -> toy language per language; unlisted languages are held out."""
    if languages is None:
        languages = TARGET_LANGUAGES
    languages = _check_names("languages", languages, ALL_LANGUAGES)
    n_per_task = check_int("n_per_task", n_per_task, min=1)
    seed = check_seed("seed", seed)

    def make(language: str) -> MappingTask:
        pairs = translation_examples(language, n_per_task, derive_seed(seed, "translation", language))
        return MappingTask(f"translation/{language}", "translation", pairs,
                           metadata={"family": "translation", "language": language, "seed": seed})

    tasks = [make(lang) for lang in languages]
    held = [make(lang) for lang in ALL_LANGUAGES if lang not in languages]
    return TaskFamily("translation", tasks, held, None, {"n_per_task": n_per_task, "seed": seed})
