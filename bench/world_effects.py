"""Every effect the course teaches, measured on held-out classes of the intent world, with intervals.

Run:  python bench/world_effects.py [--fast] [--seeds N] [--episodes N] [--json PATH]
      (default: 3 seeds x 100 episodes per K; a few minutes on one thread)

The world is :mod:`metamap_edu.tasks.intents` (50 intents over 10 domains, synonyms and paraphrases);
the meta-test classes come from three domains that no labelled example touches. Every method
sees the same 5-way K-shot episodes (K = 1 and K = 5); each seed draws its own episodes, its own
from-scratch initialisation and its own meta-training run, and the pairs of the noise rule
(:func:`metamap_edu.noise.paired_difference`) are the (seed, episode) units.
The loop is :func:`metamap_edu.experiments.few_shot.compare_few_shot`.

Targets, as margins A - B with their paired 95% intervals:

1. pretrained (``intents`` checkpoint) + ProtoNet  vs  scratch + ProtoNet:        >= +0.20
2. ProtoNet meta-trained on top of pretraining     vs  pretrained only:           >= +0.05
3. best course model                               vs  TF-IDF centroid:           >= +0.10
4. fine-tuned from pretrained  vs  fine-tuned from scratch (K = 5 only):          >= +0.15
5. the article's step 3 during fine-tuning (L2ToPrevious, ArticlePull(0.01)) vs plain
   fine-tuning: reported, no target.

A positive control shows that the fine-tuning budget can learn: from scratch with K = 50 it
must reach 0.9 of the ceiling (accuracy 1.0: every utterance names its intent).

Each line prints ``name: value``; a target line gives the mean, its interval, the target and
whether the interval's lower end clears it. The last line is the headline
``world_effects_min_margin``: the smallest (lower end of interval - target) over the targets,
>= 0 when every target is met. ``--json PATH`` writes every figure.
"""
from __future__ import annotations

import argparse
import time

import torch

from metamap_edu.tasks import intents
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments import compare_few_shot
from metamap_edu.noise import mean_interval
from metamap_edu.learn import pull_as_l2
from metamap_edu.tools import write_figures

TARGETS = {"pretrained_vs_scratch": 0.20, "meta_vs_pretrained": 0.05, "best_vs_tfidf": 0.10,
           "finetune_pretrained_vs_scratch": 0.15}


def _mean(xs):
    return sum(xs) / len(xs)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds (default 3)")
    parser.add_argument("--episodes", type=int, default=100, help="probe episodes per seed and K (default 100)")
    parser.add_argument("--ft-episodes", type=int, default=8, help="fine-tuning episodes per seed (default 8)")
    parser.add_argument("--meta-iterations", type=int, default=300, help="ProtoNet meta-training steps (default 300)")
    parser.add_argument("--ft-steps", type=int, default=60, help="fine-tuning Adam steps (default 60)")
    parser.add_argument("--ft-lr", type=float, default=1e-3, help="fine-tuning learning rate (default 1e-3)")
    parser.add_argument("--fast", action="store_true", help="a smoke run: 2 seeds, 20 episodes, short training")
    parser.add_argument("--json", metavar="PATH", help="also write all figures to this JSON file")
    args = parser.parse_args(argv)
    if args.fast:
        args.seeds, args.episodes, args.ft_episodes, args.meta_iterations = 2, 20, 2, 40
    torch.set_num_threads(1)
    start = time.perf_counter()
    world = intents.intent_split(intents.intent_task(n_per_class=80, seed=1))
    model = pretrained.load_pretrained("intents")
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:20_000]
    seeds = list(range(args.seeds))
    figures: dict = {"seeds": len(seeds), "episodes_per_seed": args.episodes, "ft_episodes_per_seed": args.ft_episodes}
    lines: list[tuple[str, object]] = []
    margins: dict[str, float] = {}

    def target_line(name, d):
        target = TARGETS[name.split("@")[0]]
        margins[name] = d.low - target
        figures[name] = {"mean": d.mean, "low": d.low, "high": d.high, "n": d.n, "target": target}
        lines.append((name, f"{d.format(3)} target >= +{target:.2f}: {'met' if d.low >= target else 'NOT met'}"))

    def report_line(name, d):
        figures[name] = {"mean": d.mean, "low": d.low, "high": d.high, "n": d.n, "verdict": d.verdict}
        lines.append((name, f"{d.format(3)} ({d.verdict})"))

    # every method on the same episodes: the probes on all of them, fine-tuning on the first ft_episodes
    probes = ("tfidf", "tfidf_words", "scratch", "pretrained", "pretrained_last_block", "meta")
    tuned = ("finetune", "finetune_scratch", "finetune_l2", "finetune_pull")
    cmp = compare_few_shot(model, world, seeds=seeds, episodes=args.episodes, k_shots=(1, 5),
                           methods=probes + tuned, corpus=corpus, meta_iterations=args.meta_iterations,
                           finetune_episodes=args.ft_episodes, finetune_steps=args.ft_steps,
                           finetune_lr=args.ft_lr, pull_beta=0.01)
    for k in (1, 5):
        for m in probes:
            iv = cmp.interval(m, k)
            figures[f"{m}@{k}shot"] = {"mean": iv.mean, "low": iv.low, "high": iv.high, "n": iv.n}
            lines.append((f"{m}_protonet@{k}shot" if not m.startswith("tfidf") else f"{m}@{k}shot",
                          f"{iv.mean:.3f} [{iv.low:.3f}, {iv.high:.3f}]"))
        best = max(("pretrained", "meta"), key=lambda m: cmp.mean(m, k))
        target_line(f"pretrained_vs_scratch@{k}shot", cmp.paired("pretrained", "scratch", k))
        target_line(f"meta_vs_pretrained@{k}shot", cmp.paired("meta", "pretrained", k))
        tfidf = max(("tfidf", "tfidf_words"), key=lambda m: cmp.mean(m, k))  # the stronger yardstick
        target_line(f"best_vs_tfidf@{k}shot", cmp.paired(best, tfidf, k))
        figures[f"tfidf_used@{k}shot"] = tfidf
        figures[f"best@{k}shot"] = best

    # fine-tuning at K = 5 (and K = 1), on the first episodes of each seed's stream
    figures["l2_lambda"] = pull_as_l2(0.01, args.ft_lr)[0]  # the coupled L2 that SGD + ArticlePull(0.01) equals (notebook 04)
    for k in (1, 5):
        for m, name in (("finetune", "pretrained"), ("finetune_scratch", "scratch"), ("finetune_l2", "l2"),
                        ("finetune_pull", "pull")):
            iv = cmp.interval(m, k)
            figures[f"finetune_{name}@{k}shot"] = {"mean": iv.mean, "low": iv.low, "high": iv.high, "n": iv.n}
            lines.append((f"finetune_{name}@{k}shot", f"{iv.mean:.3f} [{iv.low:.3f}, {iv.high:.3f}]"))
        if k == 5:
            target_line("finetune_pretrained_vs_scratch@5shot", cmp.paired("finetune", "finetune_scratch", k))
        else:
            report_line("finetune_pretrained_vs_scratch@1shot", cmp.paired("finetune", "finetune_scratch", k))
        report_line(f"l2_vs_plain_finetune@{k}shot", cmp.paired("finetune_l2", "finetune", k))
        report_line(f"pull_vs_plain_finetune@{k}shot", cmp.paired("finetune_pull", "finetune", k))

    # positive control: the fine-tuning budget learns the task when given enough examples
    control = list(compare_few_shot(model, world, seeds=seeds, episodes=1, k_shots=(50,),
                                    methods=("finetune_scratch",), finetune_steps=args.ft_steps,
                                    finetune_lr=args.ft_lr).accuracies("finetune_scratch", 50))
    iv = mean_interval(control) if len(control) > 1 else None
    figures["control_scratch_k50"] = _mean(control)
    lines.append(("control_scratch_k50", f"{_mean(control):.3f}"
                  + (f" [{iv.low:.3f}, {iv.high:.3f}]" if iv else "") + " (target >= 0.90 of the ceiling 1.0)"))
    margins["control_scratch_k50"] = _mean(control) - 0.90

    figures["margins"] = margins
    figures["seconds"] = round(time.perf_counter() - start, 1)
    for name, text in lines:
        print(f"{name}: {text}")
    headline = min(margins.values())
    figures["world_effects_min_margin"] = headline
    print(f"world_effects_min_margin: {headline:+.3f}")
    write_figures(figures, args.json)
    return figures


if __name__ == "__main__":
    main()
