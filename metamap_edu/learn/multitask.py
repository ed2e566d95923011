r"""One text-to-text model, several tasks: multi-task training.

:func:`fit_multitask` trains on a round robin of tasks, step s on task s mod T, with formula 1
(Adam) at the schedule of :func:`metamap_edu.learn.pretraining.learning_rate`:

.. math:: \theta \leftarrow \theta - \alpha_s\, \text{Adam}\big(\nabla L_{s \bmod T}(\theta)\big)

It trains the shipped ``text2text`` checkpoint (:mod:`metamap_edu.experiments.checkpoints`) that
notebook 07 starts from. Taught in notebooks/07_the_whole_pipeline.
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed, check_type
from .._progress import bars_disabled
from ..models import TinyTransformer, check_model
from .fit import DivergenceError
from .pretraining import SCHEDULES, learning_rate

__all__ = ["fit_multitask"]


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
