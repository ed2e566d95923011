"""Few-shot intent classification on real utterances, over classes held out from meta-training.

Usage::

    python bench/real_fewshot.py PATH.csv [MORE.csv ...] [--split FILE | --groups FILE]
                                 [--settings 5w1s,5w5s,15w1s,15w5s] [--json out.json] [--quick]

The labels are split by class into meta-train, meta-validation and meta-test classes, in one of
three ways:

* ``--split FILE``: a JSON object ``{"train": [...], "val": [...], "test": [...]}`` of labels
  (a published protocol; ``metamap_edu.tasks.load_class_split``);
* ``--groups FILE``: a JSON mapping label -> group (or group -> labels); whole groups are held
  out: ``--test-groups``/``--val-groups`` name them, else ``--test-fraction``/``--val-fraction``
  of the groups are drawn with ``--seed`` (``metamap_edu.tasks.split_by_groups``);
* neither: ``--val-fraction``/``--test-fraction`` of the classes at random (``metamap_edu.tasks.split_classes``).

Every reported test episode draws its N classes from the meta-test classes only. The validation
classes choose what the methods would otherwise guess: the course encoder's meta-training length
(the checkpoint, every ``--val-every`` iterations, with the best validation accuracy) and the
fine-tuning learning rate (the best of ``--finetune-lrs`` on validation episodes); each method's
validation score is reported beside its test score. For every N-way K-shot setting of
``--settings`` the bench reports the mean query accuracy over episodes with a 95% t-interval
(``metamap_edu.noise.mean_interval``) for:

1. ``tfidf``            TF-IDF nearest centroid (numpy), IDF fitted on meta-train utterances with
                        scikit-learn's rule (``tfidf_baseline.TFIDF_RULE``): smooth IDF
                        ln((1 + n)/(1 + df)) + 1, words outside the meta-train vocabulary ignored,
                        rows L2-normalised;
2. ``course_protonet``  the course's TinyTransformer with its own BPE tokenizer, both trained on
                        meta-train utterances only: causal-LM pretraining, then ProtoNet
                        meta-training on meta-train episodes (by default 10-way 5-shot, Euclidean;
                        ``--course-metric cosine --course-way 20 --course-shot 1 --course-batch 1``
                        is the recipe of ``bench/real_course_encoder.py``: the cosine ProtoNet,
                        ``metamap_edu.experiments.transfer.CosineProtoNet``, scored by cosine);
3. ``minilm_protonet``  frozen all-MiniLM-L6-v2 (extra ``pretrained``) + ProtoNet head;
4. ``minilm_l2sp``      MiniLM fine-tuned on each episode's support set from the ProtoNet start,
                        with the L2-SP anchor at the pretrained weights (fewer episodes: slow).

All methods see the same episodes (for fine-tuning, the first ``--finetune-episodes`` of them).
MiniLM embeddings are cached in ``--cache`` (keyed by the weights' hash and each text's hash), so
a second run skips the embedding. Without the extra the MiniLM rows are skipped with a note.
Data such as BANKING77 is read from where it lies; nothing is copied into the project.

The last line is ``name: value`` (the frozen-MiniLM accuracy of the first setting, or the course
ProtoNet's without the extra); ``--json PATH`` writes every figure, the class split and timings.
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

import metamap_edu as mm
from metamap_edu import noise
from metamap_edu.real import minilm as encoders
from metamap_edu.real import minilm_fewshot, realdata
from metamap_edu.real import tfidf as tfidf_baseline
from metamap_edu.tasks import splits
from metamap_edu.experiments import transfer
from metamap_edu.learn import ProtoNet, meta_train
from metamap_edu.learn import pretrain
from metamap_edu.reproducibility import report_threads
from metamap_edu.tasks import MappingTask
from metamap_edu.models import TinyTransformer, TransformerConfig, build_tokenizer

DEFAULT_SETTINGS = "5w1s,5w5s,15w1s,15w5s"
DEFAULT_CACHE = Path(".metamap_cache") / "minilm_embeddings.npz"  # project-local, git-ignored
CONTEXT, MAX_TOKENS = 64, 40  # the tiny model's context; an utterance keeps its first 40 tokens


def parse_settings(text: str) -> list[tuple[str, int, int]]:
    """``"5w1s,15w5s"`` -> ``[("5-way 1-shot", 5, 1), ("15-way 5-shot", 15, 5)]``."""
    out = []
    for item in text.split(","):
        m = re.fullmatch(r"\s*(\d+)w(\d+)s\s*", item)
        if not m or int(m.group(1)) < 2 or int(m.group(2)) < 1:
            raise argparse.ArgumentTypeError(
                f"--settings must be a comma-separated list like {DEFAULT_SETTINGS} (NwKs: N >= 2 classes, K >= 1 shots); "
                f"got {item!r}")
        n, k = int(m.group(1)), int(m.group(2))
        out.append((f"{n}-way {k}-shot", n, k))
    return out


def parse_floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive numbers such as 2e-5,5e-5; got {text!r}") from None
    if not values or any(not (v > 0) for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive numbers such as 2e-5,5e-5; got {text!r}")
    return values


def load(paths, args):
    tasks = [realdata.load_real_task(p, args.text_column, args.label_column, key=args.key, on_conflict=args.on_conflict)
             for p in paths]
    examples = [e for t in tasks for e in t.examples]
    task = MappingTask(Path(paths[0]).stem, "classification", examples)
    if len(tasks) > 1:  # a text may carry one label in one file and another in the next
        task = realdata.resolve_conflicts(task, args.on_conflict)
    if args.max_per_class:
        by = {}
        rng = np.random.default_rng(args.seed)
        for i, (_, y) in enumerate(task.examples):
            by.setdefault(y, []).append(i)
        keep = sorted(i for y in sorted(by) for i in (rng.choice(by[y], args.max_per_class, replace=False).tolist()
                                                       if len(by[y]) > args.max_per_class else by[y]))
        task = task.subset(keep)
    return task


def class_split(task, args) -> splits.MetaSplit:
    """The split the user chose: a split file, a groups file, or random fractions of the classes."""
    if args.split:
        classes = splits.load_class_split(args.split)
    elif args.groups:
        names = lambda s: [g.strip() for g in s.split(",") if g.strip()] if s else None  # noqa: E731
        classes = splits.split_by_groups(splits.load_groups(args.groups), test_groups=names(args.test_groups),
                                           val_groups=names(args.val_groups), val_fraction=args.val_fraction,
                                           test_fraction=args.test_fraction, seed=args.seed)
    else:
        return splits.split_task_by_class(task, args.val_fraction, args.test_fraction, seed=args.seed)
    return splits.split_task_by_class(task, classes=classes)


def protonet_from_vectors(vec_of, episode, metric: str = "euclidean") -> float:
    """Query accuracy of the nearest prototype (squared Euclidean distance, or cosine similarity)."""
    s_x, s_y = zip(*episode.support)
    q_x, q_y = zip(*episode.query)
    support, query = np.stack([vec_of[x] for x in s_x]), np.stack([vec_of[x] for x in q_x])
    if metric == "cosine":
        classes, protos = minilm_fewshot.prototypes(support, s_y)
        unit = lambda a: a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)  # noqa: E731
        pred = [classes[i] for i in (unit(query) @ unit(protos).T).argmax(1)]
    else:
        pred = minilm_fewshot.protonet_predict(support, s_y, query)
    return float(np.mean([p == y for p, y in zip(pred, q_y)]))


class _Stream:
    """Meta-train episodes 0, 1, 2, ... across several ``meta_train`` calls (``sample(rng)``)."""

    def __init__(self, sampler):
        self.sampler, self.i = sampler, 0

    def sample(self, rng):
        self.i += 1
        return self.sampler.sample(self.i - 1)


def course_encoder(split, val_episodes, args, log):
    """BPE + TinyTransformer trained on meta-train text only, then ProtoNet-meta-trained; the number
    of meta-training iterations is chosen on the validation episodes (when there are any)."""
    t0 = time.perf_counter()
    train_texts = list(split.train.inputs)
    tok = build_tokenizer(train_texts, vocab_size=args.bpe_vocab)
    model = TinyTransformer(tok, TransformerConfig(context=CONTEXT, width=64, depth=2, heads=4))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        short = realdata.trim_to_context(train_texts, tok, MAX_TOKENS)
    for w in caught:
        log(f"meta-train text: {w.message}")
    pretrain(model, short, objective="causal", steps=args.pretrain_steps, batch_size=32, lr=3e-3, seed=args.seed,
             progress=True)
    t1 = time.perf_counter()
    trim = dict(zip(train_texts, short))
    train_task = MappingTask("meta-train", "classification", [(trim[x], y) for x, y in split.train.examples])
    stream = _Stream(splits.episode_sampler(train_task, min(args.course_way, len(train_task.labels)), args.course_shot, 5,
                                              seed=args.seed))
    if args.course_metric == "cosine":
        proto = transfer.CosineProtoNet(model, outer_lr=args.course_lr, prefix=None, layers=None, seed=args.seed)
    else:
        proto = ProtoNet(model, outer_lr=args.course_lr)
    curve = []  # (iterations, validation accuracy)
    best = None
    done = 0
    checkpoints = list(range(args.val_every, args.meta_iterations + 1, args.val_every)) if val_episodes else []
    if not checkpoints or checkpoints[-1] != args.meta_iterations:
        checkpoints.append(args.meta_iterations)
    for i, stop in enumerate(checkpoints):
        meta_train(proto, stream, meta_batch_size=args.course_batch, iterations=stop - done, seed=args.seed + i,
                   progress=True)
        done = stop
        if val_episodes:
            model.eval()
            vec = embed_course(model, tok, {x for e in val_episodes for x, _ in list(e.support) + list(e.query)})
            acc = float(np.mean([protonet_from_vectors(vec, e, args.course_metric) for e in val_episodes]))
            model.train()
            curve.append((stop, round(acc, 4)))
            if best is None or acc > best[1]:
                best = (stop, acc, copy.deepcopy(model.state_dict()))
    if best is not None:
        model.load_state_dict(best[2])
    model.eval()
    chosen = best[0] if best is not None else args.meta_iterations
    log(f"course encoder: BPE {len(tok)} tokens, {sum(p.numel() for p in model.parameters()):,} weights; "
        f"pretrain {t1 - t0:.0f}s, ProtoNet meta-training {time.perf_counter() - t1:.0f}s; "
        + (f"validation accuracy by iterations {curve}: keeps {chosen}" if curve else "no validation classes: keeps the last"))
    return model, tok, {"meta_iterations_chosen": chosen, "validation_curve": curve}


def embed_course(model, tok, texts, batch=256):
    out = {}
    texts = sorted(set(texts))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the count of cut texts is logged for the meta-train text
        cut = realdata.trim_to_context(texts, tok, MAX_TOKENS)
    with torch.no_grad():
        for i in range(0, len(texts), batch):
            z = model.embed(cut[i : i + batch]).numpy()
            out.update(zip(texts[i : i + batch], z))
    return out


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("paths", nargs="+", help="CSV/TSV/JSON files of labelled utterances (joined into one task)")
    data = ap.add_argument_group("data")
    data.add_argument("--text-column", default="text", help="column (or JSON key) holding the utterance")
    data.add_argument("--label-column", default="label", help="column (or JSON key) holding the label")
    data.add_argument("--key", default=None,
                      help="for a JSON object of named lists of [text, label] pairs: the list(s) to read, comma-separated")
    data.add_argument("--on-conflict", default="keep", choices=realdata.ON_CONFLICT,
                      help="what to do with a text that carries two labels: keep it (with a warning), drop it, or stop")
    data.add_argument("--max-per-class", type=int, default=0, help="cap examples per class (0: keep all)")
    split = ap.add_argument_group("class split (at most one of --split and --groups)")
    split.add_argument("--split", default=None, metavar="FILE",
                       help='JSON {"train": [...], "val": [...], "test": [...]} of labels (None: no split file)')
    split.add_argument("--groups", default=None, metavar="FILE",
                       help="JSON mapping label -> group (or group -> labels); whole groups are held out")
    split.add_argument("--test-groups", default=None, help="with --groups: the meta-test groups, comma-separated "
                       "(None: --test-fraction of the groups, drawn with --seed)")
    split.add_argument("--val-groups", default=None, help="with --groups: the meta-validation groups, comma-separated "
                       "(None: --val-fraction of the groups, drawn with --seed)")
    split.add_argument("--val-fraction", type=float, default=0.2,
                       help="without --split: share of the classes (or of the groups) for meta-validation")
    split.add_argument("--test-fraction", type=float, default=0.2,
                       help="without --split: share of the classes (or of the groups) for meta-testing")
    ev = ap.add_argument_group("evaluation")
    ev.add_argument("--settings", type=parse_settings, default=DEFAULT_SETTINGS,
                    help="N-way K-shot settings to report, as NwKs comma-separated")
    ev.add_argument("--seed", type=int, default=0, help="seed of the class split, the episodes and every model")
    ev.add_argument("--episodes", type=int, default=200, help="test episodes per setting for the cheap methods")
    ev.add_argument("--val-episodes", type=int, default=100, help="validation episodes per setting for the cheap methods")
    ev.add_argument("--n-query", type=int, default=10, help="query examples per class in every episode")
    course = ap.add_argument_group("the course's own encoder")
    course.add_argument("--bpe-vocab", type=int, default=1500, help="BPE vocabulary size, trained on meta-train text")
    course.add_argument("--pretrain-steps", type=int, default=400, help="causal-LM pretraining steps on meta-train text")
    course.add_argument("--meta-iterations", type=int, default=400, help="most ProtoNet meta-training iterations")
    course.add_argument("--course-metric", default="euclidean", choices=transfer.METRICS,
                        help="ProtoNet metric for meta-training and scoring the course encoder")
    course.add_argument("--course-way", type=int, default=10,
                        help="classes per meta-training episode (lowered to the meta-train classes when fewer)")
    course.add_argument("--course-shot", type=int, default=5, help="support examples per class in a meta-training episode")
    course.add_argument("--course-batch", type=int, default=2, help="meta-training episodes per step")
    course.add_argument("--course-lr", type=float, default=1e-3, help="Adam learning rate of meta-training")
    course.add_argument("--val-every", type=int, default=100,
                        help="score the validation episodes every this many iterations and keep the best checkpoint")
    ft = ap.add_argument_group("MiniLM fine-tuning")
    ft.add_argument("--finetune-episodes", type=int, default=8, help="test episodes per setting for fine-tuning (slow)")
    ft.add_argument("--finetune-val-episodes", type=int, default=3,
                    help="validation episodes per setting and learning rate for choosing the learning rate")
    ft.add_argument("--finetune-steps", type=int, default=8, help="optimizer steps on each support set")
    ft.add_argument("--finetune-lrs", type=parse_floats, default="2e-5,5e-5,1e-4",
                    help="learning rates to choose from on the validation episodes (the first, without validation classes)")
    ft.add_argument("--finetune-optimizer", default="adam", choices=("sgd", "momentum", "adam"), help="fine-tuning optimizer")
    ft.add_argument("--anchor", type=float, default=0.01, help="L2-SP strength lambda toward the pretrained weights")
    ft.add_argument("--compare-plain", action="store_true", help="also fine-tune without the anchor")
    run = ap.add_argument_group("run")
    run.add_argument("--threads", type=int, default=None,
                     help="torch threads (None: OMP_NUM_THREADS when set, else 1); the count used is printed")
    run.add_argument("--cache", default=str(DEFAULT_CACHE),
                     help="MiniLM embedding cache file (relative paths are from the current folder; printed at start)")
    run.add_argument("--json", dest="json_path", default=None, help="write every figure to this JSON file")
    run.add_argument("--quick", action="store_true", help="tiny settings for a smoke test")
    return ap


def main(argv=None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if isinstance(args.settings, str):
        args.settings = parse_settings(args.settings)
    if isinstance(args.finetune_lrs, str):
        args.finetune_lrs = parse_floats(args.finetune_lrs)
    if args.split and args.groups:
        ap.error("give at most one of --split FILE and --groups FILE")
    if (args.test_groups or args.val_groups) and not args.groups:
        ap.error("--test-groups and --val-groups need --groups FILE")
    if args.key and "," in args.key:
        args.key = [k.strip() for k in args.key.split(",")]
    for flag in ("episodes", "val_episodes", "n_query", "pretrain_steps", "meta_iterations", "val_every",
                 "finetune_episodes", "finetune_val_episodes", "finetune_steps", "bpe_vocab", "course_shot", "course_batch"):
        if getattr(args, flag) < 1:
            ap.error(f"--{flag.replace('_', '-')} must be >= 1; got {getattr(args, flag)}")
    if args.max_per_class < 0:
        ap.error(f"--max-per-class must be >= 0 (0 keeps every example); got {args.max_per_class}")
    if args.threads is not None and args.threads < 1:
        ap.error(f"--threads must be >= 1; got {args.threads}")
    if args.course_way < 2:
        ap.error(f"--course-way must be >= 2; got {args.course_way}")
    if not args.course_lr > 0:
        ap.error(f"--course-lr must be > 0; got {args.course_lr}")
    if not args.anchor >= 0:
        ap.error(f"--anchor must be >= 0; got {args.anchor}")
    if args.quick:
        args.episodes, args.val_episodes, args.finetune_episodes, args.finetune_val_episodes = 20, 10, 2, 1
        args.pretrain_steps, args.meta_iterations, args.val_every, args.finetune_steps = 30, 20, 10, 2
    mm.set_seed(args.seed)
    mm.set_threads(args.threads)
    report_threads("real_fewshot")
    t_start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", flush=True)

    task = load(args.paths, args)
    split = class_split(task, args)
    sizes = split.classes.sizes
    how = f"split file {args.split}" if args.split else f"groups file {args.groups}" if args.groups else "random split"
    log(f"{len(task)} utterances, {len(task.labels)} classes -> meta-train {sizes['train']}, "
        f"meta-val {sizes['val']}, meta-test {sizes['test']} classes ({how})")
    n_test, n_val = sizes["test"], sizes["val"]
    settings = [(name, n, k) for name, n, k in args.settings if n <= n_test]
    for name, n, _ in args.settings:
        if n > n_test:
            log(f"setting {name} skipped: only {n_test} meta-test classes")
    if not settings:
        print(f"only {n_test} meta-test classes: choose a split with more test classes so that the settings fit",
              file=sys.stderr)
        return 2
    episodes = {name: splits.episode_sampler(split.test, n, k, args.n_query, seed=args.seed).take(args.episodes)
                for name, n, k in settings}
    val_episodes = {}
    if split.val is not None and n_val >= 2:
        for name, n, k in settings:
            if n > n_val:
                log(f"validation for {name}: only {n_val} meta-val classes, so {n_val}-way validation episodes")
            val_episodes[name] = splits.episode_sampler(split.val, min(n, n_val), k, args.n_query,
                                                          seed=args.seed + 1).take(args.val_episodes)
    else:
        log("no validation classes: the meta-training length and the fine-tuning learning rate are not chosen")
    results: dict[str, dict[str, dict]] = {name: {} for name, _, _ in settings}
    choices: dict[str, object] = {}
    timings: dict[str, float] = {}

    def dump(total=None):
        if args.json_path:
            Path(args.json_path).write_text(json.dumps({
                "data": [Path(p).name for p in args.paths],
                "utterances": len(task),
                "split": how if not (args.split or args.groups) else Path(args.split or args.groups).name,
                "classes": sizes,
                "test_classes": list(split.classes.test),
                "val_classes": list(split.classes.val),
                "results": results,
                "chosen_on_validation": choices,
                "tfidf_rule": tfidf_baseline.TFIDF_RULE,
                "timings_s": {k: round(v, 1) for k, v in timings.items()},
                "total_s": None if total is None else round(total, 1),
                "config": {k: v for k, v in vars(args).items() if k not in ("paths", "json_path")},
            }, indent=2, default=str))

    def interval(scores):
        if len(scores) < 2:
            return float(np.mean(scores)), float("nan")
        r = noise.mean_interval(scores)
        return r.mean, r.high - r.mean

    def record(method, name, scores, val_scores=None):
        mean, half = (round(v, 4) for v in interval(scores))  # the log, the table and the JSON show one figure
        row = {"mean": mean, "ci95": half, "episodes": len(scores)}
        text = f"test {mean:.3f} ± {half:.3f} ({len(scores)} episodes)"
        if val_scores:
            vm, vh = (round(v, 4) for v in interval(val_scores))
            row.update(val_mean=vm, val_ci95=vh, val_episodes=len(val_scores))
            text += f"; validation {vm:.3f} ± {vh:.3f} ({len(val_scores)})"
        results[name][method] = row
        log(f"  {method:<16} {name:<14} {text}")
        dump()

    # 1. TF-IDF nearest centroid
    t = time.perf_counter()
    tfidf = tfidf_baseline.TfidfCentroid(split.train.inputs)
    for name, _, _ in settings:
        record("tfidf", name, tfidf_baseline.episode_scores(tfidf.accuracy, episodes[name]),
               tfidf_baseline.episode_scores(tfidf.accuracy, val_episodes[name]) if name in val_episodes else None)
    timings["tfidf"] = time.perf_counter() - t
    log(f"tfidf done ({tfidf_baseline.TFIDF_RULE})")

    # 2. the course's own encoder, meta-trained on the meta-train classes; length chosen on validation
    t = time.perf_counter()
    first = settings[0][0]
    model, tok, chosen = course_encoder(split, val_episodes.get(first, [])[: max(1, args.val_episodes // 2)], args, log)
    choices["course_protonet"] = chosen
    vec = embed_course(model, tok, set(split.test.inputs) | set(split.val.inputs if split.val is not None else ()))
    for name, _, _ in settings:
        record("course_protonet", name, [protonet_from_vectors(vec, e, args.course_metric) for e in episodes[name]],
               [protonet_from_vectors(vec, e, args.course_metric) for e in val_episodes[name]] if name in val_episodes else None)
    timings["course_protonet"] = time.perf_counter() - t
    log("course ProtoNet done")

    # 3./4. MiniLM
    headline = ("course_protonet", settings[0][0])
    if encoders.minilm_available():
        t = time.perf_counter()
        minilm = encoders.load_minilm()
        cache = Path(args.cache).resolve()
        enc = encoders.SentenceEncoder(minilm, cache_path=cache)
        texts = sorted(set(split.test.inputs) | set(split.val.inputs if split.val is not None else ()))
        cached_before = len(enc.cache)
        log(f"MiniLM: embedding {len(texts)} test- and validation-class utterances; cache {cache} "
            f"({cached_before} vectors cached before)")
        vec = dict(zip(texts, enc.encode(texts)))
        timings["minilm_embed"] = time.perf_counter() - t
        log("MiniLM embeddings done")
        for name, _, _ in settings:
            record("minilm_protonet", name, [protonet_from_vectors(vec, e) for e in episodes[name]],
                   [protonet_from_vectors(vec, e) for e in val_episodes[name]] if name in val_episodes else None)
        timings["minilm_protonet"] = time.perf_counter() - t
        headline = ("minilm_protonet", settings[0][0])
        variants = [("minilm_l2sp", args.anchor)] + ([("minilm_finetune", 0.0)] if args.compare_plain else [])
        for method, lam in variants:
            t = time.perf_counter()
            choices[method] = {}
            for name, _, _ in settings:
                common = dict(steps=args.finetune_steps, optimizer=args.finetune_optimizer, anchor=lam, seed=args.seed)
                lr, val_scores = args.finetune_lrs[0], None
                if name in val_episodes:
                    by_lr = {}
                    for cand in args.finetune_lrs:
                        runs = minilm_fewshot.finetune_episodes(minilm, val_episodes[name][: args.finetune_val_episodes],
                                                          desc=f"{method} {name} validation lr={cand:g}", lr=cand, **common)
                        by_lr[cand] = [r["accuracy"] for r in runs]
                    lr = max(args.finetune_lrs, key=lambda c: (np.mean(by_lr[c]), -c))  # ties: the smaller lr
                    val_scores = by_lr[lr]
                    choices[method][name] = {"lr": lr, "validation_by_lr": {f"{c:g}": round(float(np.mean(v)), 4)
                                                                            for c, v in by_lr.items()}}
                    log(f"{method} {name}: validation accuracy by lr {choices[method][name]['validation_by_lr']}: lr={lr:g}")
                runs = minilm_fewshot.finetune_episodes(minilm, episodes[name][: args.finetune_episodes],
                                                  desc=f"{method} {name} test", lr=lr, **common)
                scores, start = [r["accuracy"] for r in runs], [r["accuracy_before"] for r in runs]
                record(method, name, scores, val_scores)
                results[name][method]["lr"] = lr
                results[name][method]["protonet_start_same_episodes"] = round(float(np.mean(start)), 4)
                if len(scores) >= 2:
                    d = noise.paired_difference(scores, start)
                    results[name][method]["minus_protonet_start"] = {"mean": round(d.mean, 4), "low": round(d.low, 4),
                                                                     "high": round(d.high, 4), "verdict": d.verdict}
                    log(f"  {method} - its ProtoNet start, same episodes: {d.format(3)} ({d.verdict})")
            timings[method] = time.perf_counter() - t
    else:
        log(f"MiniLM rows skipped: {encoders.MINILM_INSTALL_HINT}")

    total = time.perf_counter() - t_start
    methods = ["tfidf", "course_protonet", "minilm_protonet", "minilm_l2sp", "minilm_finetune"]
    width = 24
    print()
    print(f"{'method':<18}{'':<5}" + "".join(f"{name:>{width}}" for name, _, _ in settings))
    for m in methods:
        if not any(m in results[name] for name, _, _ in settings):
            continue
        for part, key in (("test", "mean"), ("val", "val_mean")):
            cells = []
            for name, _, _ in settings:
                r = results[name].get(m)
                if r is None or key not in r:
                    cells.append("-")
                    continue
                half = r["ci95" if part == "test" else "val_ci95"]
                n = r["episodes" if part == "test" else "val_episodes"]
                cells.append(f"{r[key]:.3f} ± {half:.3f} (n={n})")
            print(f"{m if part == 'test' else '':<18}{part:<5}" + "".join(f"{c:>{width}}" for c in cells))
    print(f"\ntest episodes over {n_test} held-out classes, validation over {n_val}; {args.n_query} queries per class; "
          f"total {total:.0f}s")
    dump(total)
    name = f"{headline[0]}_{headline[1].replace(' ', '').replace('-', '')}_accuracy"
    print(f"{name}: {results[headline[1]][headline[0]]['mean']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
