"""The course's own encoder on real intents: pretrained on unlabeled utterances, then meta-trained.

Run:  python bench/real_course_encoder.py TRAIN.csv [--text-column text] [--label-column category]
                                         [--steps 2000] [--meta-iterations 600] [--meta-way 20]
                                         [--metric cosine] [--episodes 100] [--shots 1,5] [--fast] [--json PATH]

For a real intent data set (e.g. BANKING77's ``train.csv`` with columns ``text,category``):

1. split the classes into meta-train / meta-val / meta-test (:func:`metamap_edu.tasks.split_task_by_class`);
2. pretrain a fresh :class:`~metamap_edu.models.transformer.TinyTransformer` with the causal objective on the
   *unlabeled* utterances of the meta-train classes (:func:`metamap_edu.experiments.transfer.pretrain_encoder`);
3. meta-train it with ProtoNet episodes of the meta-train classes (:func:`metamap_edu.experiments.transfer.meta_train_protonet`;
   by default 20-way 1-shot episodes and the cosine ProtoNet with a learned temperature,
   :class:`metamap_edu.experiments.transfer.CosineProtoNet`);
4. score 5-way K-shot episodes of the meta-test classes: TF-IDF centroid (scikit-learn's rule,
   ``realdata.TFIDF_RULE``: smooth IDF ln((1 + n)/(1 + df)) + 1 fitted on the meta-train utterances,
   words outside that vocabulary ignored, rows L2-normalised), the pretrained encoder, the pretrained + meta-trained encoder,
   the same architecture meta-trained from scratch, and -- reported as a hybrid, beside the pure
   encoder -- the pretrained + meta-trained encoder's cosine similarity mixed with the TF-IDF
   similarity, the weight chosen on meta-validation episodes (:func:`metamap_edu.experiments.choose_hybrid_weight`);
   with paired 95% intervals (:func:`metamap_edu.noise.paired_difference`) over (seed, episode) pairs.

``--fast`` shrinks every budget so that a small file runs in seconds (for tests, not for figures).
The last line is ``course_encoder_vs_tfidf_1shot: value`` (mean paired difference, pure encoder
minus TF-IDF, 5-way 1-shot). Nothing is downloaded: the file is read from disk.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from metamap_edu import tasks, real, experiments
from metamap_edu import mean_interval, paired_difference
from metamap_edu.tasks import MappingTask

METHODS = ("tfidf", "pretrained", "pretrained+meta", "scratch+meta", "hybrid")
FAST = {"steps": 30, "meta_iterations": 8, "episodes": 8, "val_episodes": 8, "vocab": 400}


def _shots(text: str) -> list[int]:
    try:
        shots = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shots must be comma-separated whole numbers >= 1 such as 1,5; got {text!r}") from None
    if not shots or any(k < 1 for k in shots) or shots[0] != 1:
        raise argparse.ArgumentTypeError(f"--shots must be comma-separated whole numbers >= 1 starting with 1 "
                                         f"(the headline is 1-shot), such as 1,5; got {text!r}")
    return shots


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("train", help="CSV/TSV/JSONL file of labelled utterances")
    parser.add_argument("--text-column", default="text", help="column holding the utterance")
    parser.add_argument("--label-column", default="category", help="column holding the label")
    parser.add_argument("--steps", type=int, default=2000, help="causal-LM pretraining steps")
    parser.add_argument("--vocab", type=int, default=2000, help="BPE vocabulary size, trained on meta-train text")
    parser.add_argument("--meta-iterations", type=int, default=600, help="ProtoNet meta-training steps")
    parser.add_argument("--meta-way", type=int, default=20,
                        help="classes per meta-training episode (lowered to the meta-train classes when fewer)")
    parser.add_argument("--meta-shot", type=int, default=1, help="support examples per class in a meta-training episode")
    parser.add_argument("--meta-batch", type=int, default=1, help="meta-training episodes per step")
    parser.add_argument("--meta-lr", type=float, default=5e-4, help="Adam learning rate of meta-training (cosine-annealed)")
    parser.add_argument("--metric", default="cosine", choices=experiments.METRICS,
                        help="ProtoNet metric for meta-training and scoring the encoder rows")
    parser.add_argument("--word-dropout", type=float, default=0.0,
                        help="with --metric cosine: chance of deleting each word of a meta-training text")
    parser.add_argument("--episodes", type=int, default=100, help="test episodes per seed and shot count")
    parser.add_argument("--val-episodes", type=int, default=100,
                        help="meta-validation episodes per seed and shot count (to choose the hybrid's weight)")
    parser.add_argument("--shots", type=_shots, default="1,5", help="K of the 5-way K-shot test episodes, comma-separated")
    parser.add_argument("--seeds", type=int, default=3, help="meta-training seeds (each with its own episodes)")
    parser.add_argument("--fast", action="store_true",
                        help="tiny budgets (" + ", ".join(f"{k}={v}" for k, v in FAST.items()) + ") for a quick check")
    parser.add_argument("--json", metavar="PATH", default=None, help="write every figure to this JSON file (None: no file)")
    return parser


def main(argv: list[str] | None = None) -> dict:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.fast:
        for k, v in FAST.items():
            setattr(args, k, min(getattr(args, k), v))
    for name in ("steps", "vocab", "meta_iterations", "meta_way", "meta_shot", "meta_batch", "episodes", "val_episodes",
                 "seeds"):
        low = {"vocab": 300, "meta_way": 2}.get(name, 1)
        if getattr(args, name) < low:
            parser.error(f"--{name.replace('_', '-')} must be >= {low}; got {getattr(args, name)}")
    if not args.meta_lr > 0:
        parser.error(f"--meta-lr must be > 0; got {args.meta_lr}")
    if not 0 <= args.word_dropout < 1:
        parser.error(f"--word-dropout must be in [0, 1); got {args.word_dropout}")
    if args.word_dropout and args.metric != "cosine":
        parser.error("--word-dropout needs --metric cosine")
    torch.set_num_threads(1)
    start = time.perf_counter()
    task = real.load_real_task(args.train, args.text_column, args.label_column, min_per_class=20)
    split = tasks.split_task_by_class(task, seed=0)
    if len(split.test.labels) < 5 or split.val is None or len(split.val.labels) < 5:
        parser.error(f"the split needs >= 5 meta-test and >= 5 meta-validation classes for 5-way episodes; got "
                     f"{split.classes.sizes} from {len(task.labels)} classes with >= 20 examples")
    train_texts = list(split.train.inputs)
    encoder = experiments.pretrain_encoder(train_texts, steps=args.steps, vocab_size=args.vocab, seed=0)
    pretrain_seconds = time.perf_counter() - start
    # long utterances are cut to the encoder's context (every method then reads the same words)
    task = MappingTask(task.name, "classification", list(zip(experiments.fit_to_context(task.inputs, encoder), task.outputs)))
    split = tasks.split_task_by_class(task, seed=0)
    recipe = dict(n_way=args.meta_way, k_shot=args.meta_shot, n_query=5, iterations=args.meta_iterations,
                  meta_batch_size=args.meta_batch, lr=args.meta_lr, metric=args.metric,
                  **({"word_dropout": args.word_dropout} if args.metric == "cosine" else {}))
    scores = {k: {m: [] for m in METHODS} for k in args.shots}
    weights: dict[int, list] = {k: [] for k in args.shots}
    for s in range(args.seeds):
        meta = experiments.meta_train_protonet(encoder, split.train, seed=s, **recipe)
        scratch = experiments.meta_train_protonet(experiments.scratch_copy(encoder, seed=1000 + s), split.train, seed=s, **recipe)
        for k in args.shots:
            eps = experiments.held_out_episodes(split.test, 5, k, 5, args.episodes, seed=s)
            val = experiments.held_out_episodes(split.val, 5, k, 5, args.val_episodes, seed=10_000 + s)
            w, by_weight = experiments.choose_hybrid_weight(meta, train_texts, val)
            weights[k].append({"seed": s, "weight": w, "validation_by_weight": {f"{c:g}": round(a, 4) for c, a in by_weight.items()}})
            scores[k]["tfidf"] += experiments.tfidf_scores(train_texts, eps)
            scores[k]["pretrained"] += experiments.protonet_scores(encoder, eps, metric=args.metric)
            scores[k]["pretrained+meta"] += experiments.protonet_scores(meta, eps, metric=args.metric)
            scores[k]["scratch+meta"] += experiments.protonet_scores(scratch, eps, metric=args.metric)
            scores[k]["hybrid"] += experiments.hybrid_scores(meta, train_texts, eps, w)
    figures: dict = {"classes": split.classes.sizes, "pretraining_steps": args.steps, "bpe_vocab": args.vocab,
                     "meta_training": recipe, "seeds": args.seeds, "episodes_per_seed": args.episodes,
                     "tfidf_rule": real.TFIDF_RULE, "fast": args.fast}
    print(f"tfidf: {real.TFIDF_RULE}")
    print(f"meta-training: {recipe}; {args.seeds} seeds x {args.episodes} test episodes; classes {split.classes.sizes}")
    print("hybrid: the pretrained+meta encoder's cosine similarity and the TF-IDF similarity mixed with a weight "
          "chosen on meta-validation episodes (not a pure encoder)")
    pairs = (("pretrained+meta", "tfidf"), ("pretrained+meta", "scratch+meta"), ("pretrained+meta", "pretrained"),
             ("hybrid", "tfidf"), ("hybrid", "pretrained+meta"))
    for k in args.shots:
        tag = f"{k}shot"
        figures[tag] = {"hybrid_weights": weights[k]}
        for m in METHODS:
            iv = mean_interval(scores[k][m])
            figures[tag][m] = {"mean": iv.mean, "low": iv.low, "high": iv.high, "n": iv.n}
            print(f"{m}@5way{tag}: {iv.mean:.3f} [{iv.low:.3f}, {iv.high:.3f}]")
        print(f"hybrid weights chosen on meta-validation @{tag}: {[w['weight'] for w in weights[k]]}")
        for a, b in pairs:
            d = paired_difference(scores[k][a], scores[k][b])
            figures[tag][f"{a}_vs_{b}"] = {"mean": d.mean, "low": d.low, "high": d.high, "verdict": d.verdict}
            print(f"{a}_vs_{b}@5way{tag}: {d.format(3)} ({d.verdict})")
    figures["pretraining_seconds"] = round(pretrain_seconds, 1)
    figures["seconds"] = round(time.perf_counter() - start, 1)
    print(f"pretraining {figures['pretraining_seconds']:.0f}s, total {figures['seconds']:.0f}s (1 torch thread)")
    headline = figures["1shot"]["pretrained+meta_vs_tfidf"]["mean"]
    figures["course_encoder_vs_tfidf_1shot"] = headline
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    print(f"course_encoder_vs_tfidf_1shot: {headline:+.3f}")
    return figures


if __name__ == "__main__":
    main()
