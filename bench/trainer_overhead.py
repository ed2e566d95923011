"""How much does staying close cost? Time of one regularized training step / one plain step.

For an MLP of about 1M parameters and for the bag-of-words classifier of notebooks 02-04, this
times :func:`metamap_edu.learn.training_step` (forward, backward, optimizer step, pull) with no
regularizer and with L2ToPrevious, ArticlePull and EWC, side by side in one run: the variants are
interleaved, each repeat times a block of steps per variant, and the ratio uses the medians.
Goal: <= 1.10x for L2ToPrevious and ArticlePull (anchors are one flat copy of θ; penalty and
pull are vectorised ``torch._foreach_*`` ops).

    python bench/trainer_overhead.py [--repeats 15] [--steps 10] [--optimizer sgd] [--json PATH]

The last line is the headline ``name: value``.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

import metamap_edu as mm
from metamap_edu.models import MLP, BagOfWordsClassifier
from metamap_edu.tasks import MappingTask, sentiment_family
from metamap_edu.learn import EWC, ArticlePull, L2ToPrevious, make_optimizer, training_step
from metamap_edu.tools import write_figures


def mlp_case(batch_size: int):
    torch.manual_seed(0)
    model = MLP(128, (1024, 768), 10)  # 926,986 parameters
    g = torch.Generator().manual_seed(1)
    examples = [(tuple(torch.randn(128, generator=g).tolist()), tuple(torch.randn(10, generator=g).tolist()))
                for _ in range(batch_size)]
    task = MappingTask("bench/mlp", "regression", examples)
    return model, task


def bow_case(batch_size: int):
    family = sentiment_family(domains=["electronics", "movies"], n_per_task=400, seed=0)
    torch.manual_seed(0)
    model = BagOfWordsClassifier.for_tasks(family, mark_scope=True)
    task = family[0].subset(list(range(batch_size)))
    return model, task


def make_regularizers(model, task):
    out = {"plain": None}
    for name, reg in (("L2ToPrevious", L2ToPrevious(0.1)), ("ArticlePull", ArticlePull(0.1)), ("EWC", EWC(0.1, fisher_samples=4))):
        if isinstance(reg, EWC):
            reg.end_task(model, task, 0)  # Fisher and anchor
        else:
            reg.start_task(model, 1)  # anchor = current θ
        out[name] = reg
    return out


def time_case(model, task, optimizer: str, repeats: int, steps: int) -> dict[str, float]:
    batch = model.collate(list(task.examples), task.kind)
    regs = make_regularizers(model, task)
    opts = {name: make_optimizer(optimizer, model.parameters(), lr=1e-4) for name in regs}
    for name, reg in regs.items():  # warm-up
        for _ in range(3):
            training_step(model, batch, opts[name], reg)
    times: dict[str, list[float]] = {name: [] for name in regs}
    for r in range(repeats):
        order = list(regs) if r % 2 == 0 else list(regs)[::-1]  # interleaved, alternating order
        for name in order:
            t0 = time.perf_counter()
            for _ in range(steps):
                training_step(model, batch, opts[name], regs[name])
            times[name].append((time.perf_counter() - t0) / steps)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    return {"plain_ms": med["plain"] * 1e3,
            **{f"{name}_ratio": med[name] / med["plain"] for name in regs if name != "plain"}}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "adam"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", metavar="PATH", default=None)
    args = ap.parse_args(argv)
    mm.set_threads(args.threads)
    results = {}
    for name, (build, batch_size) in {"mlp_1m": (mlp_case, 64), "bag_of_words": (bow_case, 32)}.items():
        model, task = build(batch_size)
        n = sum(p.numel() for p in model.parameters())
        res = time_case(model, task, args.optimizer, args.repeats, args.steps)
        res["parameters"] = n
        res["batch_size"] = batch_size
        results[name] = res
        ratios = "  ".join(f"{k[:-6]} {v:.3f}x" for k, v in res.items() if k.endswith("_ratio"))
        print(f"{name:13s} ({n:,} params, batch {batch_size}, {args.optimizer}): plain step {res['plain_ms']:.3f} ms  {ratios}")
    headline = max(results[m][f"{r}_ratio"] for m in results for r in ("L2ToPrevious", "ArticlePull"))
    figures = {"optimizer": args.optimizer, "threads": args.threads, "repeats": args.repeats, "steps": args.steps,
               "torch": torch.__version__, "machine": platform.machine(), "cases": results,
               "max_l2_pull_ratio": headline, "goal": 1.10}
    write_figures(figures, args.json)
    print(f"max_l2_pull_overhead_ratio: {headline:.3f}")
    return figures


if __name__ == "__main__":
    main()
