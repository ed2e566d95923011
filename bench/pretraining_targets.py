"""Issue 5's learning targets, measured (not asserted): where the course's CPU budget stands.

Run:  python bench/pretraining_targets.py [--json PATH]      (takes several minutes on 2 cores)

1. Pretraining gain at K = 5 on the held-out sentiment domain (notebook 06's protocol): target
   >= +15 points over from-scratch fine-tuning.
2. One text-to-text model trained on all kinds, scored on held-out examples of seen families:
   targets >= 0.9 accuracy on topic and sentiment, >= 0.8 entity F1 on NER, corpus BLEU >= 50
   (sacrebleu's 0-100 scale; printed here on 0-1) on translation into one toy language.

Prints one ``name: value`` line per figure; the last line is the headline
``k5_pretraining_gain``. ``--json PATH`` writes every figure.
"""
from __future__ import annotations

import argparse
import copy
import json

import torch

from metamap_edu import language, metrics, tasks
from metamap_edu.pretrain import fit_multitask, new_pretraining_model, pretrain, sample_efficiency
from metamap_edu.transformer import with_task_prefix


def k5_gain(seed: int = 0) -> dict[str, float]:
    family = tasks.sentiment_family(n_per_task=240, seed=seed)
    corpus = language.corpus(20_000, seed=seed)
    model = new_pretraining_model(corpus, [with_task_prefix(t) for t in family], seed=seed)
    scratch = copy.deepcopy(model)
    pretrain(model, corpus, steps=400, batch_size=32, lr=3e-3, seed=seed, progress=False)
    pool, test = with_task_prefix(family.held_out[0]).train_test_split(0.5, seed=seed)
    curves = sample_efficiency({"scratch": scratch, "pretrained": model}, pool, test, ks=(5,), steps=30,
                               lr=1e-3, seeds=(0, 1), progress=False)
    return {"k5_scratch": curves["scratch"][0], "k5_pretrained": curves["pretrained"][0],
            "k5_pretraining_gain": curves["pretrained"][0] - curves["scratch"][0]}


def per_kind_scores(seed: int = 0, steps: int = 1200) -> dict[str, float]:
    topic = with_task_prefix(tasks.topic_task(n_per_class=60, seed=seed))
    sent = tasks.MappingTask("sentiment", "classification",
                             [e for t in tasks.sentiment_family(n_per_task=100, seed=seed)
                              for e in with_task_prefix(t).examples])
    ner = tasks.ner_task(400, seed=seed)
    trans = with_task_prefix(tasks.translation_family(n_per_task=400, seed=seed)[0])
    splits = [t.train_test_split(0.25, seed=seed) for t in (topic, sent, ner, trans)]
    corpus = language.corpus(20_000, seed=seed)
    model = new_pretraining_model(corpus, [a for a, _ in splits], seed=seed)
    fit_multitask(model, [a for a, _ in splits], steps=steps, lr=2e-3, seed=seed, progress=False)
    return {f"score_{b.name}": metrics.score(model, b.subset(range(min(150, len(b))))) for _, b in splits}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200, help="multi-task training steps (default 1200)")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    figures = per_kind_scores(steps=args.steps)
    figures.update(k5_gain())
    for name, value in figures.items():
        if name != "k5_pretraining_gain":
            print(f"{name}: {value:.3f}")
    print(f"k5_pretraining_gain: {figures['k5_pretraining_gain']:.3f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return figures


if __name__ == "__main__":
    main()
