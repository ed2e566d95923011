"""The course's own encoder on real intents: pretrained on unlabeled utterances, then meta-trained.

Run:  python bench/real_course_encoder.py TRAIN.csv [--text-column text] [--label-column category]
                                         [--steps 2000] [--meta-iterations 300] [--episodes 100] [--json PATH]

For a real intent data set (e.g. BANKING77's ``train.csv`` with columns ``text,category``):

1. split the classes into meta-train / meta-val / meta-test (:func:`metamap_edu.tasks.splits.split_task_by_class`);
2. pretrain a fresh :class:`~metamap_edu.models.transformer.TinyTransformer` with the causal objective on the
   *unlabeled* utterances of the meta-train classes (:func:`metamap_edu.experiments.transfer.pretrain_encoder`);
3. meta-train it with ProtoNet episodes of the meta-train classes (:func:`metamap_edu.experiments.transfer.meta_train_protonet`);
4. score 5-way 1-shot episodes of the meta-test classes: TF-IDF centroid (scikit-learn's rule,
   ``realdata.TFIDF_RULE``: smooth IDF ln((1 + n)/(1 + df)) + 1 fitted on the meta-train utterances,
   words outside that vocabulary ignored, rows L2-normalised), the pretrained encoder, the pretrained + meta-trained encoder and
   the same architecture meta-trained from scratch, with paired 95% intervals
   (:func:`metamap_edu.noise.paired_difference`) over (seed, episode) pairs.

The last line is ``course_encoder_vs_tfidf_1shot: value`` (mean paired difference). Nothing is
downloaded: the file is read from disk.
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from metamap_edu.real import realdata
from metamap_edu.tasks import splits
from metamap_edu.experiments import transfer
from metamap_edu.noise import mean_interval, paired_difference
from metamap_edu.tasks import MappingTask


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", help="CSV/TSV/JSONL file of labelled utterances")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="category")
    parser.add_argument("--steps", type=int, default=2000, help="pretraining steps (default 2000)")
    parser.add_argument("--meta-iterations", type=int, default=300, help="ProtoNet meta-training steps (default 300)")
    parser.add_argument("--episodes", type=int, default=100, help="test episodes per seed (default 100)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start = time.perf_counter()
    task = realdata.load_real_task(args.train, args.text_column, args.label_column, min_per_class=20)
    split = splits.split_task_by_class(task, seed=0)
    train_texts = list(split.train.inputs)
    encoder = transfer.pretrain_encoder(train_texts, steps=args.steps, seed=0)
    # long utterances are cut to the encoder's context (every method then reads the same words)
    task = MappingTask(task.name, "classification", list(zip(transfer.fit_to_context(task.inputs, encoder), task.outputs)))
    split = splits.split_task_by_class(task, seed=0)
    scores: dict[str, list[float]] = {m: [] for m in ("tfidf", "pretrained", "pretrained+meta", "scratch+meta")}
    for s in range(args.seeds):
        meta = transfer.meta_train_protonet(encoder, split.train, iterations=args.meta_iterations, seed=s)
        scratch = transfer.meta_train_protonet(transfer.scratch_copy(encoder, seed=1000 + s), split.train,
                                               iterations=args.meta_iterations, seed=s)
        eps = transfer.held_out_episodes(split.test, 5, 1, 5, args.episodes, seed=s)
        scores["tfidf"] += transfer.tfidf_scores(train_texts, eps)
        scores["pretrained"] += transfer.protonet_scores(encoder, eps)
        scores["pretrained+meta"] += transfer.protonet_scores(meta, eps)
        scores["scratch+meta"] += transfer.protonet_scores(scratch, eps)
    figures: dict = {"classes": split.classes.sizes, "pretraining_steps": args.steps, "tfidf_rule": realdata.TFIDF_RULE}
    print(f"tfidf: {realdata.TFIDF_RULE}")
    for m, v in scores.items():
        iv = mean_interval(v)
        figures[m] = {"mean": iv.mean, "low": iv.low, "high": iv.high, "n": iv.n}
        print(f"{m}@1shot: {iv.mean:.3f} [{iv.low:.3f}, {iv.high:.3f}]")
    for a, b in (("pretrained+meta", "scratch+meta"), ("pretrained+meta", "pretrained"), ("pretrained+meta", "tfidf")):
        d = paired_difference(scores[a], scores[b])
        figures[f"{a}_vs_{b}"] = {"mean": d.mean, "low": d.low, "high": d.high, "verdict": d.verdict}
        print(f"{a}_vs_{b}@1shot: {d.format(3)} ({d.verdict})")
    figures["seconds"] = round(time.perf_counter() - start, 1)
    headline = figures["pretrained+meta_vs_tfidf"]["mean"]
    print(f"course_encoder_vs_tfidf_1shot: {headline:+.3f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return figures


if __name__ == "__main__":
    main()
