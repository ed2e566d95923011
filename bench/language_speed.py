"""How fast does the generated language produce text? (goal: 100,000 sentences in <= 5 s)

Run:  python bench/language_speed.py [--n 100000] [--repeats 3] [--json PATH]

Prints one ``name: value`` figure per line; the last line is the headline,
``sentences_per_second``. ``--json PATH`` writes every figure to a JSON file.
"""
from __future__ import annotations

import argparse
import statistics
import time

from metamap_edu import tasks as L
from metamap_edu import tasks as T
from metamap_edu.tools import print_figures

BUDGET_SECONDS = 5.0  # for 100,000 sentences on a 2-core CPU machine


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="sentences to generate (default 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeats < 1:
        parser.error("--n and --repeats must be >= 1")

    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        sentences = L.corpus(args.n, seed=args.seed)
        times.append(time.perf_counter() - start)
    best = min(times)
    words = [len(s.split()) for s in sentences]

    start = time.perf_counter()
    T.sentiment_family(n_per_task=200)
    T.topic_task(n_per_class=100)
    T.ner_task(300)
    T.translation_family(n_per_task=300)
    families_seconds = time.perf_counter() - start

    figures = {
        "sentences": args.n,
        "seconds_best": round(best, 3),
        "seconds_median": round(statistics.median(times), 3),
        "seconds_per_100k": round(best * 100_000 / args.n, 3),
        "budget_seconds_per_100k": BUDGET_SECONDS,
        "within_budget": int(best * 100_000 / args.n <= BUDGET_SECONDS),
        "words_per_sentence": round(sum(words) / len(words), 2),
        "distinct_sentence_fraction": round(len(set(sentences)) / len(sentences), 3),
        "vocabulary_size": len({w for s in sentences for w in s.split()}),
        "default_families_seconds": round(families_seconds, 3),
        "sentences_per_second": round(args.n / best),
    }
    print_figures(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
