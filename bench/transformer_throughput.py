"""How fast does TinyTransformer train on a CPU, and what does a regularizer cost per step?

Run:  python bench/transformer_throughput.py [--steps 60] [--repeats 3] [--json PATH]

At the notebooks' default config (``TransformerConfig()``, the tokenizer of notebook 06, batches
of 32 sentiment examples in the text-to-text format) it measures

* training tokens per second (non-padding tokens through forward + backward + Adam) on 1 and on
  2 threads, with :func:`metamap_edu.learn.fit`;
* the time of a step regularized with L2-SP (:class:`metamap_edu.learn.L2ToInit`, the anchor at
  the pretrained weights) and with :class:`~metamap_edu.learn.L2ToPrevious`, against a plain step
  in the same run (the goal is <= 1.10x).

Plain and regularized runs alternate and the best of ``--repeats`` is kept, so machine noise hits
both alike. Prints one ``name: value`` figure per line; the last line is the headline,
``regularized_step_ratio``. ``--json PATH`` writes every figure to a JSON file.
"""
from __future__ import annotations

import argparse
import time

import torch

from metamap_edu import tasks as L
from metamap_edu import tasks as T
from metamap_edu import learn as train  # fit, L2ToInit, L2ToPrevious
from metamap_edu.models import TinyTransformer, TransformerConfig, build_tokenizer, with_task_prefix
from metamap_edu.tools import print_figures


def _time_fit(model, task, probe, steps, regularizer=None) -> float:
    if regularizer is not None:
        regularizer.start_task(model, 1)
    start = time.perf_counter()
    train.fit(model, task, optimizer="adam", lr=1e-4, steps=steps, batch_size=32, seed=0,
              eval_task=probe, regularizer=regularizer, progress=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per setting; the best is kept")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be >= 1")

    family = [with_task_prefix(t) for t in T.sentiment_family(n_per_task=200, seed=0)]
    task = T.MappingTask("sentiment/all", "classification", [e for t in family for e in t.examples])
    probe = task.subset([0, 1])  # fit scores this before and after: keep it tiny
    tok = build_tokenizer(L.corpus(20_000, seed=0), family)
    torch.manual_seed(0)
    model = TinyTransformer(tok, TransformerConfig())
    batch = model.collate(task.examples[:320], "classification")
    tokens_per_step = float((batch["ids"] != tok.pad_id).sum()) / 10  # mean over 10 batches of 32

    figures: dict[str, float] = {"parameters": model.num_parameters(), "vocab_size": len(tok),
                                 "tokens_per_step": round(tokens_per_step, 1)}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        _time_fit(model, task, probe, 5)  # warm-up
        best = min(_time_fit(model, task, probe, args.steps) for _ in range(args.repeats))
        figures[f"train_tokens_per_second_{threads}_thread"] = round(tokens_per_step * args.steps / best)
        figures[f"ms_per_step_{threads}_thread"] = round(1000 * best / args.steps, 2)

    torch.set_num_threads(1)
    plain, l2sp, l2prev = [], [], []
    runs = [(plain, None), (l2sp, train.L2ToInit), (l2prev, train.L2ToPrevious)]
    for r in range(args.repeats):
        for times, reg in runs[r % 3:] + runs[: r % 3]:  # rotate the order so drift hits all three
            times.append(_time_fit(model, task, probe, args.steps, None if reg is None else reg(0.01)))
    figures["l2_to_previous_step_ratio"] = round(min(l2prev) / min(plain), 3)
    figures["regularized_step_ratio"] = round(min(l2sp) / min(plain), 3)
    print_figures(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
