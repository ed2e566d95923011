r"""One text-to-text model, several tasks: multi-task training and the stream version of the pipeline.

:func:`fit_multitask` trains on a round robin of tasks, step s on task s mod T, with formula 1
(Adam) at the schedule of :func:`metamap_edu.learn.pretraining.learning_rate`:

.. math:: \theta \leftarrow \theta - \alpha_s\, \text{Adam}\big(\nabla L_{s \bmod T}(\theta)\big)

:func:`run_pipeline` chains the article's steps on a stream of tasks (pretraining, meta-learning,
formula 2 while training in order). Taught in notebooks/07_the_whole_pipeline.
"""
from __future__ import annotations

import copy
import math
import random
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed, check_type
from .._progress import bars_disabled
from ..models import TinyTransformer, check_model, with_task_prefix
from ..tasks import ner_task, sentiment_family, topic_task, translation_family
from .fit import DivergenceError, fit
from .maml import MAML
from .metrics import score
from .pretraining import SCHEDULES, learning_rate, pretrain
from .regularizers import ArticlePull, L2ToPrevious
from .reptile import Reptile

__all__ = ["fit_multitask", "pipeline_tasks", "PIPELINE_COMPONENTS", "run_pipeline"]


def fit_multitask(
    model: TinyTransformer,
    tasks: Sequence,
    steps: int = 300,
    lr: float = 2e-3,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = True,
    warmup: int = 0,
    schedule: str = "constant",
    stop_after: int | None = None,
) -> list[float]:
    """Train one text-to-text model on several tasks at once (any mix of kinds); return the losses.

    Step s trains on task ``s mod len(tasks)`` (round robin: list a task twice to give it twice
    the steps) with a seeded minibatch of ``batch_size`` examples and one Adam step (formula 1
    with Adam) at :func:`learning_rate` (``warmup`` steps, then ``schedule``). ``stop_after`` ends
    early with the schedule of the full ``steps``. Taught in notebooks/07_the_whole_pipeline.
    """
    check_model(model)  # the course model contract, then what a language model needs on top
    check_type("model", model, TinyTransformer)
    tasks = list(tasks)
    check_nonempty("tasks", tasks, "at least one task")
    steps = check_int("steps", steps, min=1)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    batch_size = check_int("batch_size", batch_size, min=1)
    rng = random.Random(check_seed("seed", seed))
    warmup = check_int("warmup", warmup, min=0)
    schedule = check_choice("schedule", schedule, SCHEDULES)
    run_steps = steps if stop_after is None else check_int("stop_after", stop_after, min=1, max=steps)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for step in tqdm(range(run_steps), desc="multi-task training", disable=bars_disabled(progress), leave=False):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, lr, warmup, schedule)
        task = tasks[step % len(tasks)]
        examples = [task.examples[rng.randrange(len(task))] for _ in range(min(batch_size, len(task)))]
        loss = model.loss(model.collate(examples, task.kind))
        value = float(loss.detach())
        if not math.isfinite(value):
            raise DivergenceError(f"multi-task training diverged at step {step + 1} on {task.name!r}; lower lr={lr:g}",
                                  step=step + 1, loss=value, lr=lr)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(value)
    model.eval()
    return losses


def pipeline_tasks(n: int = 160, seed: int = 0) -> list:
    """Notebook 07's four tasks, one per kind the article names, in the text-to-text format.

    Topic over four domains (``n // 4`` sentences per class), sentiment about movies, NER, and
    translation into ``lumo``; ``n`` examples each. Split them with ``train_test_split``.
    (Notebook 07 now runs :mod:`metamap_edu.experiments.pipeline`, with larger tasks and the shipped ``lm`` checkpoint.)
    """
    n = check_int("n", n, min=8)
    seed = check_seed("seed", seed)
    return [
        with_task_prefix(topic_task(domains=["movies", "restaurants", "electronics", "travel"],
                                      n_per_class=n // 4, seed=seed)),
        with_task_prefix(sentiment_family(domains=["movies"], n_per_task=n, seed=seed)[0]),
        ner_task(n=n, seed=seed),
        with_task_prefix(translation_family(n_per_task=n, seed=seed)[0]),
    ]


#: Components notebook 07 can switch on (the article's steps 3 and 4).
PIPELINE_COMPONENTS = ("pretrain", "l2", "pull", "reptile", "maml")


def run_pipeline(
    base: TinyTransformer,
    train_tasks: Sequence,
    test_tasks: Sequence,
    corpus: Sequence[str],
    components: Sequence[str] = (),
    order: str = "pretrain-first",
    steps_per_task: int = 40,
    pretrain_steps: int = 200,
    meta_steps: int = 10,
    lr: float = 2e-3,
    lam: float = 0.1,
    beta: float = 0.01,
    seed: int = 0,
) -> dict[str, float]:
    """The article's pipeline on a copy of ``base``; returns ``{test task name: score}``.

    1. (``"pretrain"`` with ``order="pretrain-first"``) pretrain on ``corpus`` (causal LM);
    2. (``"reptile"`` / ``"maml"``) meta-learn an initialization with ``meta_steps`` outer steps,
       one episode per step, cycling over ``train_tasks`` (MAML is second order, one inner step);
    3. train on ``train_tasks`` in order (formula 1, Adam), with L2ToPrevious(``lam``)
       (``"l2"``, formula 2) or the article's pull ArticlePull(``beta``) (``"pull"``);
    4. (``"pretrain"`` with ``order="article"``) pretrain last, as the article lists the steps;

    then score every test task (:func:`metamap_edu.learn.metrics.score`). This is the stream version,
    a few dozen steps per task one after the other, which leaves every task near chance; notebook 07
    runs :func:`metamap_edu.experiments.pipeline.run_pipeline` (interleaved tasks from the shipped ``lm`` checkpoint).
    """
    check_type("base", base, TinyTransformer)
    components = list(components)
    for c in components:
        check_choice("components", c, PIPELINE_COMPONENTS)
    if "l2" in components and "pull" in components:
        raise ValueError("components can hold 'l2' or 'pull', not both: they are two forms of the same pull")
    order = check_choice("order", order, ("pretrain-first", "article"))
    train_tasks, test_tasks = list(train_tasks), list(test_tasks)
    check_nonempty("train_tasks", train_tasks, "at least one task")
    check_nonempty("test_tasks", test_tasks, "at least one task")
    seed = check_seed("seed", seed)
    torch.manual_seed(seed)
    model = copy.deepcopy(base)
    if "pretrain" in components and order == "pretrain-first":
        pretrain(model, corpus, steps=pretrain_steps, seed=seed, progress=False)
    for name, algo in (("reptile", lambda: Reptile(model, epsilon=0.5, inner_lr=lr, inner_steps=3, vmap=False)),
                       ("maml", lambda: MAML(model, inner_lr=0.05, inner_steps=1, outer_lr=lr, vmap=False))):
        if name in components:
            learner = algo()
            for s in range(meta_steps):
                task = train_tasks[s % len(train_tasks)]
                k = 2 if task.kind == "classification" else 4
                support, query = task.split(k, k, seed=seed + s)
                learner.step([(support, query)])
    regularizer = L2ToPrevious(lam) if "l2" in components else ArticlePull(beta) if "pull" in components else None
    for t, task in enumerate(train_tasks):
        if regularizer is not None:
            regularizer.start_task(model, t)
        fit(model, task, optimizer="adam", lr=lr, steps=steps_per_task, batch_size=32, seed=seed + t,
             eval_task=task.subset([0]), regularizer=regularizer, progress=False)
        if regularizer is not None:
            regularizer.end_task(model, task, t)
    if "pretrain" in components and order == "article":
        pretrain(model, corpus, steps=pretrain_steps, seed=seed, progress=False)
    return {task.name: round(float(score(model, task)), 6) for task in test_tasks}
