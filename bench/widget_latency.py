"""How long does a widget of notebooks 00-04 take to answer a move of its knob? (goal: < 0.5 s idle)

Run:  python bench/widget_latency.py [--moves 4] [--json PATH]

For each explorer, the kernel-side work of one move to a NEW setting (no cached result): the view
function (training, closed forms) plus drawing its figure to PNG, as
:func:`metamap_edu.course.widgets.interactive_view` does. The browser test (tests/browser) measures the
whole round trip in JupyterLab, which adds the transfer and the drawing in the page. The load
average is printed next to the figures: on a busy 2-core machine every figure grows with it.

Prints one ``name: value`` line per explorer (median seconds per move) and, last, the headline
``slowest_median_seconds``. ``--json PATH`` writes every figure to a JSON file.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from metamap_edu.course import widgets  # noqa: E402
from metamap_edu import course  # noqa: E402
from metamap_edu.learn import least_squares  # noqa: E402
from metamap_edu.tasks import MappingTask, sentiment_family  # noqa: E402
from metamap_edu.experiments import STREAM_DEFAULTS, STREAM_DOMAINS  # noqa: E402
from metamap_edu.tools import write_figures

GOAL_SECONDS = 0.5


def _line():
    gen = torch.Generator().manual_seed(0)  # notebook 02's line
    x = torch.rand(32, generator=gen) * 4 - 2
    y = 1.5 * x - 0.5 + 0.1 * torch.randn(32, generator=gen)
    return MappingTask(name="line", kind="regression", examples=[((float(a),), (float(b),)) for a, b in zip(x, y)])


def _two_d():
    gen = torch.Generator().manual_seed(0)  # notebook 04's tasks 1 and 2
    mix = torch.tensor([[2.0, 0.0], [1.5, 0.5]])
    data = []
    for theta in ((1.0, -1.0), (-1.5, 1.0)):
        X = torch.randn(40, 2, generator=gen) @ mix
        data.append((X.double(), (X @ torch.tensor(theta) + 0.05 * torch.randn(40, generator=gen)).double()))
    return data


def explorers():
    """name -> (view function of one knob value, the knob values one move at a time)."""
    line = _line()
    data = _two_d()
    prev = least_squares(*data[0])
    family = sentiment_family(domains=list(STREAM_DOMAINS), n_per_task=STREAM_DEFAULTS["n_per_task"],
                              relatedness=STREAM_DEFAULTS["relatedness"], seed=0)
    return {
        "00_seed": (lambda v: course.seed_view(v), [1, 2, 3, 4, 5]),
        "01_task_browser": (lambda v: course.task_browser_view("sentiment", "movies", seed=v), [1, 2, 3, 4, 5]),
        "02_alpha": (lambda v: course.alpha_view(v, line, steps=40, start=(-2.0, 3.0)),
                     list(10 ** np.arange(-0.7, -0.2, 0.05))),
        "03_stream": (lambda v: course.stream_view((3, 2, 1, 0), v, family), [100, 101, 102, 103, 104]),
        "04_lambda": (lambda v: course.lambda_view(v, data[1][0], data[1][1], prev), list(10 ** np.arange(0.1, 0.6, 0.1))),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=4, help="moves timed per explorer (default 4)")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.moves < 1:
        parser.error("--moves must be >= 1")
    torch.set_num_threads(1)
    figures: dict[str, float] = {"load_average_1min": round(os.getloadavg()[0], 2)}
    print(f"load average (1 min): {figures['load_average_1min']}  (goal: < {GOAL_SECONDS} s per move, idle)")
    for name, (view, values) in explorers().items():
        view(values[0])  # warm up: imports, first allocation
        plt.close("all")
        times = []
        for value in values[1: args.moves + 1]:
            start = time.perf_counter()
            result = view(value)
            if result.figure is not None:
                widgets._display_output(result.figure)
                plt.close(result.figure)
            times.append(time.perf_counter() - start)
        figures[f"{name}_median_seconds"] = round(statistics.median(times), 3)
        print(f"{name}_median_seconds: {figures[f'{name}_median_seconds']}   "
              f"(moves: {', '.join(f'{t:.3f}' for t in times)}; "
              f"{statistics.median(times) / GOAL_SECONDS:.2f} x the goal)")
    slowest = max(v for k, v in figures.items() if k.endswith("_median_seconds"))
    figures["slowest_median_seconds"] = slowest
    write_figures(figures, args.json)
    print(f"slowest_median_seconds: {slowest}")
    return figures


if __name__ == "__main__":
    main()
