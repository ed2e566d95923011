"""Few-shot intent classification on real utterances, over classes held out from meta-training.

Usage::

    python bench/real_fewshot.py PATH.csv [MORE.csv ...] [--text-column text] [--label-column label]
                                 [--episodes 200] [--finetune-episodes 8] [--json out.json] [--quick]

The labels are split by class (``metamap_edu.realdata.split_task_by_class``: by default 60% meta-train,
20% meta-val, 20% meta-test); every reported episode draws its N classes from the meta-test
classes only. For 5-way 1-shot, 5-way 5-shot and 15-way 5-shot it reports the mean query accuracy
over episodes with a 95% interval (1.96 s / sqrt(n)) for:

1. ``tfidf``            TF-IDF nearest centroid (numpy), IDF fitted on meta-train utterances;
2. ``course_protonet``  the course's TinyTransformer with its own BPE tokenizer, both trained on
                        meta-train utterances only: causal-LM pretraining, then ProtoNet
                        meta-training on meta-train episodes;
3. ``minilm_protonet``  frozen all-MiniLM-L6-v2 (extra ``pretrained``) + ProtoNet head;
4. ``minilm_l2sp``      MiniLM fine-tuned on each episode's support set from the ProtoNet start,
                        with the L2-SP anchor at the pretrained weights (fewer episodes: slow).

All methods see the same episodes (for fine-tuning, the first ``--finetune-episodes`` of them).
MiniLM embeddings are cached in ``--cache`` (keyed by the weights' hash and each text's hash), so
a second run skips the embedding. Without the extra the MiniLM rows are skipped with a note.
Data such as BANKING77 is read from where it lies; nothing is copied into the project.

The last line is ``name: value`` (the frozen-MiniLM 5-way 1-shot accuracy, or the course
ProtoNet's without the extra); ``--json PATH`` writes every figure, the class split and timings.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

import metamap_edu as mm
from metamap_edu import encoders, realdata
from metamap_edu.meta import ProtoNet, meta_train
from metamap_edu.pretrain import pretrain
from metamap_edu.tasks import MappingTask
from metamap_edu.transformer import TinyTransformer, TransformerConfig, build_tokenizer

SETTINGS = (("5-way 1-shot", 5, 1), ("5-way 5-shot", 5, 5), ("15-way 5-shot", 15, 5))


def load(paths, text_column, label_column, max_per_class, seed):
    tasks = [realdata.load_real_task(p, text_column, label_column) for p in paths]
    examples = [e for t in tasks for e in t.examples]
    task = MappingTask(Path(paths[0]).stem, "classification", examples)
    if max_per_class:
        by = {}
        rng = np.random.default_rng(seed)
        for i, (_, y) in enumerate(examples):
            by.setdefault(y, []).append(i)
        keep = sorted(i for y in sorted(by) for i in (rng.choice(by[y], max_per_class, replace=False).tolist()
                                                       if len(by[y]) > max_per_class else by[y]))
        task = task.subset(keep)
    return task


def protonet_from_vectors(vec_of, episode) -> float:
    s_x, s_y = zip(*episode.support)
    q_x, q_y = zip(*episode.query)
    pred = encoders.protonet_predict(np.stack([vec_of[x] for x in s_x]), s_y, np.stack([vec_of[x] for x in q_x]))
    return float(np.mean([p == y for p, y in zip(pred, q_y)]))


def course_encoder(split, args, log):
    """BPE + TinyTransformer trained on meta-train text only, then ProtoNet-meta-trained."""
    t0 = time.perf_counter()
    train_texts = list(split.train.inputs)
    tok = build_tokenizer(train_texts, vocab_size=args.bpe_vocab)
    model = TinyTransformer(tok, TransformerConfig(context=64, width=64, depth=2, heads=4))
    # utterances longer than the context are cut to their first 40 word pieces
    short = [tok.decode(tok.encode(" " + x)[:40]).strip() or x for x in train_texts]
    pretrain(model, short, objective="causal", steps=args.pretrain_steps, batch_size=32, lr=3e-3, seed=args.seed, progress=False)
    t1 = time.perf_counter()
    trim = {x: s for x, s in zip(train_texts, short)}
    train_task = MappingTask("meta-train", "classification", [(trim[x], y) for x, y in split.train.examples])
    sampler = realdata.episode_sampler(train_task, min(10, len(train_task.labels)), 5, 5, seed=args.seed)
    proto = ProtoNet(model, outer_lr=1e-3)
    meta_train(proto, sampler, meta_batch_size=2, iterations=args.meta_iterations, seed=args.seed, progress=False)
    model.eval()
    log(f"course encoder: BPE {len(tok)} tokens, {sum(p.numel() for p in model.parameters()):,} weights; "
        f"pretrain {t1 - t0:.0f}s, ProtoNet meta-training {time.perf_counter() - t1:.0f}s")
    return model, tok


def embed_course(model, tok, texts, batch=256):
    out = {}
    texts = sorted(set(texts))
    with torch.no_grad():
        for i in range(0, len(texts), batch):
            chunk = texts[i : i + batch]
            cut = [tok.decode(tok.encode(" " + x)[:40]).strip() or x for x in chunk]
            z = model.embed(cut).numpy()
            out.update(zip(chunk, z))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="CSV/TSV/JSONL files of labelled utterances (joined)")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--label-column", default="label")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--episodes", type=int, default=200, help="episodes per setting for the cheap methods")
    ap.add_argument("--finetune-episodes", type=int, default=8, help="episodes per setting for fine-tuning")
    ap.add_argument("--n-query", type=int, default=10, help="query examples per class")
    ap.add_argument("--finetune-steps", type=int, default=8)
    ap.add_argument("--finetune-lr", type=float, default=5e-5)
    ap.add_argument("--finetune-optimizer", default="adam")
    ap.add_argument("--anchor", type=float, default=0.01, help="L2-SP strength lambda")
    ap.add_argument("--compare-plain", action="store_true", help="also fine-tune without the anchor")
    ap.add_argument("--bpe-vocab", type=int, default=1500)
    ap.add_argument("--pretrain-steps", type=int, default=400)
    ap.add_argument("--meta-iterations", type=int, default=400)
    ap.add_argument("--max-per-class", type=int, default=0, help="cap examples per class (0: keep all)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: OMP_NUM_THREADS or 1)")
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument("--cache", default=os.path.join(os.path.expanduser("~"), ".cache", "metamap_edu", "minilm_embeddings.npz"))
    ap.add_argument("--json", dest="json_path", default=None)
    ap.add_argument("--quick", action="store_true", help="tiny settings for a smoke test")
    args = ap.parse_args(argv)
    if args.quick:
        args.episodes, args.finetune_episodes, args.pretrain_steps, args.meta_iterations = 20, 2, 30, 20
        args.finetune_steps = 2
    mm.set_seed(args.seed)
    mm.set_threads(args.threads)
    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", flush=True)

    task = load(args.paths, args.text_column, args.label_column, args.max_per_class, args.seed)
    split = realdata.split_task_by_class(task, args.val_fraction, args.test_fraction, seed=args.seed)
    n_test = len(split.test.labels)
    log(f"{len(task)} utterances, {len(task.labels)} classes -> meta-train {len(split.train.labels)}, "
        f"meta-val {len(split.val.labels) if split.val else 0}, meta-test {n_test} classes")
    settings = [(name, n, k) for name, n, k in SETTINGS if n <= n_test]
    if not settings:
        print(f"only {n_test} meta-test classes: raise --test-fraction so that 5-way episodes fit", file=sys.stderr)
        return 2
    episodes = {name: realdata.episode_sampler(split.test, n, k, args.n_query, seed=args.seed).take(args.episodes)
                for name, n, k in settings}
    results: dict[str, dict[str, dict]] = {name: {} for name, _, _ in settings}
    timings: dict[str, float] = {}

    def dump(total=None):
        if args.json_path:
            Path(args.json_path).write_text(json.dumps({
                "data": [Path(p).name for p in args.paths],
                "utterances": len(task),
                "classes": split.classes.sizes,
                "test_classes": list(split.classes.test),
                "results": results,
                "timings_s": {k: round(v, 1) for k, v in timings.items()},
                "total_s": None if total is None else round(total, 1),
                "config": {k: v for k, v in vars(args).items() if k not in ("paths", "json_path")},
            }, indent=2))

    def record(method, name, scores):
        mean, half = realdata.summarize(scores)
        results[name][method] = {"mean": round(mean, 4), "ci95": round(half, 4), "episodes": len(scores)}
        log(f"  {method:<16} {name:<14} {mean:.3f} ± {half:.3f}  ({len(scores)} episodes)")
        dump()

    # 1. TF-IDF nearest centroid
    t = time.perf_counter()
    tfidf = realdata.TfidfCentroid(split.train.inputs)
    for name, _, _ in settings:
        record("tfidf", name, realdata.episode_scores(tfidf.accuracy, episodes[name]))
    timings["tfidf"] = time.perf_counter() - t
    log("tfidf done")

    # 2. the course's own encoder, meta-trained on the meta-train classes
    t = time.perf_counter()
    model, tok = course_encoder(split, args, log)
    vec = embed_course(model, tok, split.test.inputs)
    for name, _, _ in settings:
        record("course_protonet", name, [protonet_from_vectors(vec, e) for e in episodes[name]])
    timings["course_protonet"] = time.perf_counter() - t
    log("course ProtoNet done")

    # 3./4. MiniLM
    headline = ("course_protonet", settings[0][0])
    if encoders.is_available():
        t = time.perf_counter()
        minilm = encoders.load_minilm()
        enc = encoders.SentenceEncoder(minilm, cache_path=args.cache)
        texts = sorted(set(split.test.inputs))
        cached_before = len(enc.cache)
        vec = dict(zip(texts, enc.encode(texts)))
        timings["minilm_embed"] = time.perf_counter() - t
        log(f"MiniLM embeddings of {len(texts)} test-class utterances ({cached_before} cached before)")
        for name, _, _ in settings:
            record("minilm_protonet", name, [protonet_from_vectors(vec, e) for e in episodes[name]])
        timings["minilm_protonet"] = time.perf_counter() - t
        headline = ("minilm_protonet", settings[0][0])
        variants = [("minilm_l2sp", args.anchor)] + ([("minilm_finetune", 0.0)] if args.compare_plain else [])
        for method, lam in variants:
            t = time.perf_counter()
            for name, _, _ in settings:
                scores, start = [], []
                for e in episodes[name][: args.finetune_episodes]:
                    r = encoders.finetune_fewshot(minilm, e.support, e.query, steps=args.finetune_steps,
                                                  lr=args.finetune_lr, optimizer=args.finetune_optimizer,
                                                  anchor=lam, seed=args.seed)
                    scores.append(r["accuracy"])
                    start.append(r["accuracy_before"])
                record(method, name, scores)
                results[name][method]["protonet_start_same_episodes"] = round(float(np.mean(start)), 4)
                log(f"{method} {name} done")
            timings[method] = time.perf_counter() - t
    else:
        log(f"MiniLM rows skipped: {encoders.INSTALL_HINT}")

    total = time.perf_counter() - t_start
    methods = ["tfidf", "course_protonet", "minilm_protonet", "minilm_l2sp", "minilm_finetune"]
    print()
    print(f"{'method':<18}" + "".join(f"{name:>26}" for name, _, _ in settings))
    for m in methods:
        if not any(m in results[name] for name, _, _ in settings):
            continue
        cells = []
        for name, _, _ in settings:
            r = results[name].get(m)
            cells.append(f"{r['mean']:.3f} ± {r['ci95']:.3f}" + (f" (n={r['episodes']})" if r["episodes"] < args.episodes else "") if r else "-")
        print(f"{m:<18}" + "".join(f"{c:>26}" for c in cells))
    print(f"\nepisodes over {n_test} held-out classes, {args.n_query} queries per class; total {total:.0f}s")
    dump(total)
    name = f"{headline[0]}_{headline[1].replace(' ', '').replace('-', '')}_accuracy"
    print(f"{name}: {results[headline[1]][headline[0]]['mean']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
