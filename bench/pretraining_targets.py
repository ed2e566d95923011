"""The pretraining checkpoints' learning goals, measured (not asserted) on the shipped checkpoints.

Run:  python bench/pretraining_targets.py [--seeds N] [--json PATH]      (about a minute on 1 thread)

1. Pretraining gain at K = 5 on the held-out sentiment domain (notebook 06's protocol): the
   shipped ``lm`` checkpoint (causal LM on unlabeled text only) against the same θ₀ untrained,
   each fine-tuned on the same K = 5 supports; target >= +15 points. The ``text2text``
   checkpoint (``lm`` + labelled tasks of the *other* domains) is printed alongside.
2. The ``text2text`` checkpoint on held-out examples of seen families: targets >= 0.9 accuracy on
   topic and sentiment, >= 0.8 entity F1 on NER, corpus BLEU >= 50 (printed on 0-1).

``metamap-edu pretrain`` rebuilds the checkpoints; ``tests/unit/experiments/test_checkpoints.py`` asserts the same
figures. Prints one ``name: value`` line per figure; the last line is the headline
``k5_pretraining_gain``. ``--json PATH`` writes every figure.
"""
from __future__ import annotations

import argparse

import torch

from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.tools import write_figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="support sets per K (default 8)")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    figures = {f"score_{k}": v for k, v in pretrained.held_out_scores(pretrained.load_pretrained("text2text")).items()}
    models = {"scratch": pretrained.fresh_model(), "pretrained": pretrained.load_pretrained("lm"),
              "text2text": pretrained.load_pretrained("text2text")}
    curves = pretrained.k_shot_curves(models, ks=(5,), seeds=tuple(range(args.seeds)), progress=False)
    figures.update({f"k5_{name}": accs[0] for name, accs in curves.items()})
    figures["k5_pretraining_gain"] = figures["k5_pretrained"] - figures["k5_scratch"]
    for name, value in figures.items():
        if name != "k5_pretraining_gain":
            print(f"{name}: {value:.3f}")
    print(f"k5_pretraining_gain: {figures['k5_pretraining_gain']:.3f}")
    write_figures(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
