"""sequential: the sequential trainer and its accuracy matrix."""

import pytest
import torch

from metamap_edu.learn import DivergenceError, L2ToPrevious, SequentialTrainer
from metamap_edu.models import BagOfWordsClassifier, LinearMap, TokenTagger, flat_params
from metamap_edu.tasks import MappingTask


def test_sequential_trainer_result(text_tasks):
    torch.manual_seed(0)
    model = BagOfWordsClassifier.for_tasks(text_tasks)
    res = SequentialTrainer(model, None, "adam", lr=0.1, steps_per_task=20, batch_size=4, progress=False).run(text_tasks)
    T = len(text_tasks)
    assert res.R.shape == (T + 1, T) and len(res.params) == T + 1 and len(res.losses) == T
    assert all(len(l) == 20 for l in res.losses)
    assert torch.equal(res.params[-1], flat_params(model))
    assert res.R[1, 0] == 1.0 and res.R[3, 2] == 1.0
    m = res.metrics()
    assert set(m) == {"acc", "bwt", "fwt", "forgetting", "last"}
    assert m["bwt"] < 0  # task c flips "long"/"short": task b is forgotten
    assert m["acc"] == pytest.approx(res.R[-1].mean())


def test_sequential_trainer_works_with_tagger():
    data = [("Ada went to Paris", ("B-PER", "O", "O", "B-LOC")), ("Bob saw Rome", ("B-PER", "O", "B-LOC"))] * 4
    tasks = [MappingTask("ner/a", "tagging", data), MappingTask("ner/b", "tagging", data[::-1])]
    model = TokenTagger.for_tasks(tasks)
    res = SequentialTrainer(model, L2ToPrevious(0.1), "adam", lr=0.1, steps_per_task=15, batch_size=4,
                            progress=False).run(tasks)
    assert res.R[-1].min() == 1.0


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"steps_per_task": 0}, ValueError, "steps_per_task"),
        ({"optimizer": "lbfgs"}, ValueError, "optimizer"),
        ({"regularizer": "l2"}, TypeError, "regularizer"),
        ({"regularizer": torch.optim.SGD}, TypeError, "regularizer"),
    ],
)
def test_sequential_trainer_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        SequentialTrainer(LinearMap(2), **kwargs)


def test_run_bad_tasks(text_tasks):
    trainer = SequentialTrainer(LinearMap(2), progress=False)
    with pytest.raises(ValueError, match="tasks"):
        trainer.run([])
    with pytest.raises(ValueError, match=r"(?s)tasks\[0\].*classification.*LinearMap"):
        trainer.run(text_tasks)


def test_sequential_divergence_names_the_task(linear_tasks):
    with pytest.raises(DivergenceError, match=r"(?s)diverged.*task 1 of 2"):
        SequentialTrainer(LinearMap(2), lr=50.0, steps_per_task=200, batch_size=100, progress=False).run(linear_tasks(2))
