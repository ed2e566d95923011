"""N-way K-shot episodes and the episode sampler (notebooks 05, 05b)."""
from __future__ import annotations

import pytest

from metamap_edu.tasks.episodes import Episode, EpisodeSampler, sample_episode
from metamap_edu.tasks import MappingTask, ner_task, sentiment_family, topic_task, translation_family


def _clf(n_per_class=6, labels=("neg", "pos")):
    return MappingTask("toy", "classification",
                       [(f"sentence {i} of {lab}", lab) for lab in labels for i in range(n_per_class)])



# ---------------------------------------------------------------- episodes


def test_episode_from_one_many_class_task():
    topic = topic_task(n_per_class=12, seed=0)
    ep = sample_episode(topic, n_way=5, k_shot=3, n_query=4, seed=0)
    assert isinstance(ep, Episode)
    assert len(ep.classes) == 5 and list(ep.classes) == sorted(ep.classes)
    assert ep.support.output_space == ep.classes == ep.query.output_space
    assert ep.support.class_counts() == dict.fromkeys(ep.classes, 3)
    assert ep.query.class_counts() == dict.fromkeys(ep.classes, 4)
    assert not set(ep.support.examples) & set(ep.query.examples)
    assert sample_episode(topic, 5, 3, 4, seed=0) == ep
    others = {sample_episode(topic, 5, 3, 4, seed=s).classes for s in range(10)}
    assert len(others) > 1


def test_episode_from_a_family():
    fam = sentiment_family(n_per_task=30)
    names = {sample_episode(fam, 2, 2, 3, seed=s).task_name for s in range(30)}
    assert len(names) >= 4 and names <= set(fam.names)
    ep = sample_episode(list(fam)[:2], 2, 2, 3, seed=0)
    assert ep.task_name in fam.names[:2]


def test_episode_of_other_kinds():
    fam = translation_family(n_per_task=20)
    ep = sample_episode(fam, None, 4, 6, seed=0)
    assert ep.classes == () and len(ep.support) == 4 and len(ep.query) == 6
    reg = MappingTask("r", "regression", [((float(i),), (2.0 * i,)) for i in range(10)])
    ep = sample_episode(reg, None, 3, 2, seed=1)
    assert len(ep.support) == 3 and len(ep.query) == 2


def test_episode_sampler_is_reproducible():
    fam = sentiment_family(n_per_task=30)
    sampler = EpisodeSampler(fam, n_way=2, k_shot=2, n_query=2, seed=4)
    first = sampler.take(5)
    assert first == EpisodeSampler(fam, 2, 2, 2, seed=4).take(5)
    assert sampler.sample(3) == first[3]
    it = iter(sampler)
    assert [next(it) for _ in range(3)] == first[:3]
    assert len({e.task_name for e in sampler.take(20)}) > 1


@pytest.mark.parametrize(
    "call, exc, arg",
    [
        (lambda: sample_episode("topic", 2, 1, 1), TypeError, "source"),
        (lambda: sample_episode([], 2, 1, 1), TypeError, "source"),
        (lambda: sample_episode(_clf(), 3, 1, 1), ValueError, "n_way"),
        (lambda: sample_episode(_clf(), 1, 1, 1), ValueError, "n_way"),
        (lambda: sample_episode(_clf(), None, 1, 1), TypeError, "n_way"),
        (lambda: sample_episode(_clf(), 2, 6, 1), ValueError, "k_shot"),
        (lambda: sample_episode(_clf(), 2, 0, 1), ValueError, "k_shot"),
        (lambda: sample_episode(_clf(), 2, 1, 0), ValueError, "n_query"),
        (lambda: sample_episode(_clf(), 2, 1, 1, seed="1"), TypeError, "seed"),
        (lambda: sample_episode(ner_task(10), 3, 1, 1), ValueError, "n_way"),
        (lambda: sample_episode(ner_task(10), None, 10, 1), ValueError, "k_shot"),
        (lambda: sample_episode([_clf(), ner_task(10)], 2, 1, 1), ValueError, "source"),
        (lambda: EpisodeSampler(_clf(), 2, 9, 1), ValueError, "k_shot"),
        (lambda: EpisodeSampler(_clf(), 2, 1, 1, seed=-2), ValueError, "seed"),
        (lambda: EpisodeSampler(_clf(), 2, 1, 1).sample(-1), ValueError, "i"),
    ],
)
def test_episode_errors_name_the_argument(call, exc, arg):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(arg), str(info.value)
