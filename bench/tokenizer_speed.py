"""How fast does the BPE tokenizer encode? (goal: 100,000 generated sentences in <= 5 s)

Run:  python bench/tokenizer_speed.py [--n 100000] [--vocab-size 2400] [--repeats 3] [--json PATH]

Trains the tokenizer the notebooks use on a 20,000-sentence corpus, then times encoding ``n``
fresh sentences with an empty cache each run (the cache of chunk -> ids is what makes repeated
words cheap; it is cleared so each run pays for learning it again). Also checks that every
sentence round-trips. Prints one ``name: value`` figure per line; the last line is the headline,
``encode_seconds_per_100k``. ``--json PATH`` writes every figure to a JSON file.
"""
from __future__ import annotations

import argparse
import time

from metamap_edu import tasks as L
from metamap_edu.models import build_tokenizer
from metamap_edu.tools import print_figures

BUDGET_SECONDS = 5.0  # for 100,000 sentences on a 2-core CPU machine


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="sentences to encode (default 100000)")
    parser.add_argument("--vocab-size", type=int, default=2400)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeats < 1:
        parser.error("--n and --repeats must be >= 1")

    start = time.perf_counter()
    tok = build_tokenizer(L.corpus(20_000, seed=0), vocab_size=args.vocab_size)
    train_seconds = time.perf_counter() - start
    sentences = L.corpus(args.n, seed=1)

    times = []
    for _ in range(args.repeats):
        tok._cache.clear()
        start = time.perf_counter()
        encoded = [tok.encode(s) for s in sentences]
        times.append(time.perf_counter() - start)
    best = min(times)
    round_trip = all(tok.decode(ids) == s for ids, s in zip(encoded[:5000], sentences[:5000]))
    tokens = sum(len(ids) for ids in encoded)

    figures = {
        "sentences": args.n,
        "vocab_size": len(tok),
        "train_seconds_20k_sentences": round(train_seconds, 3),
        "tokens_per_sentence": round(tokens / args.n, 3),
        "round_trip_ok_first_5000": int(round_trip),
        "encode_tokens_per_second": round(tokens / best),
        "within_budget": int(best * 100_000 / args.n <= BUDGET_SECONDS),
        "encode_seconds_per_100k": round(best * 100_000 / args.n, 3),
    }
    print_figures(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
