"""Notebook 07's training step and scoring: what the pipeline's two shortcuts save.

``TinyTransformer.loss`` computes next-token logits at every position and ignores all but the
output tokens; :func:`metamap_edu.experiments.pipeline.output_loss` runs the vocabulary layer on the output
positions only. Both give the same value (checked here); this measures what the second saves on
one training step (forward, backward, Adam) of each of notebook 07's four task kinds.

Scoring topic and sentiment: ``model.predict`` ranks every ``label <eos>`` (one sequence per
input and label); :func:`metamap_edu.experiments.label_choices` reads the label tokens' logits after
``<sep>`` from one forward pass per input. Their time, side by side, and how often they agree.

Run:  python bench/pipeline_loss.py [--steps 40] [--repeats 3] [--json PATH]

Prints one ``name: value`` figure per line, the timings side by side; the last line is the
headline ``speedup_train_step`` (full-vocabulary time / output-only time, mean over the kinds).
"""
from __future__ import annotations

import argparse
import copy
import random
import time

import torch

from metamap_edu.experiments import pipeline
from metamap_edu.tools import print_figures


def _time_steps(model, batches, loss_fn, steps: int) -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.process_time()
    for s in range(steps):
        loss = loss_fn(model, batches[s % len(batches)])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return (time.process_time() - start) / steps


def _best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="timed training steps per kind and method")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be >= 1")
    torch.set_num_threads(1)
    data = pipeline.pipeline_data(0)
    base = pipeline.starting_model(True)
    figures: dict[str, float] = {}
    ratios = []
    for kind, (train, _) in data.items():
        rng = random.Random(0)
        batches = [base.collate([train.examples[rng.randrange(len(train))] for _ in range(32)], train.kind)
                   for _ in range(8)]
        with torch.no_grad():
            same = abs(float(base.loss(batches[0])) - float(pipeline.output_loss(base, batches[0])))
        full = min(_time_steps(copy.deepcopy(base), batches, lambda m, b: m.loss(b), args.steps)
                   for _ in range(args.repeats))
        out = min(_time_steps(copy.deepcopy(base), batches, pipeline.output_loss, args.steps)
                  for _ in range(args.repeats))
        figures[f"{kind}_ms_full_vocabulary"] = round(1000 * full, 2)
        figures[f"{kind}_ms_output_only"] = round(1000 * out, 2)
        figures[f"{kind}_loss_difference"] = float(f"{same:.2g}")
        ratios.append(full / out)
    for kind in ("topic", "sentiment"):
        test = data[kind][1]
        ranked = _best_of(lambda: base.predict(test.inputs, "classification"), args.repeats)
        chosen = _best_of(lambda: pipeline.label_choices(base, test.inputs, test.output_space), args.repeats)
        same = sum(a == b for a, b in zip(base.predict(test.inputs, "classification"),
                                          pipeline.label_choices(base, test.inputs, test.output_space)))
        figures[f"{kind}_ms_score_rank_labels"] = round(1000 * ranked, 1)
        figures[f"{kind}_ms_score_label_choices"] = round(1000 * chosen, 1)
        figures[f"{kind}_label_agreement"] = round(same / len(test), 3)
    figures["speedup_train_step"] = round(sum(ratios) / len(ratios), 2)
    print_figures(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
