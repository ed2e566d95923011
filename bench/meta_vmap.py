"""Benchmark: MAML meta-gradients with ``torch.func.vmap`` vs a per-task module-clone loop.

The loop is how learn2learn does it: for every task, clone the module (parameters stay connected
to the originals in the autograd graph), take inner steps with ``autograd.grad(create_graph=True)``
and write the adapted tensors back into the clone, then add up the query losses. The vmap path
is :class:`metamap_edu.learn.MAML`: one pure function of the parameters, vmapped over tasks.

Both run in the same process on the same meta-batch of 16 tasks, for the sinusoid MLP (1-40-40-1)
and a small text model (:class:`metamap_edu.models.DenseBagOfWords` on few-shot sentiment
episodes). The meta-gradients are compared (max abs difference, goal ≤ 1e-5) and the speed-up
reported (goal ≥ 4×). The last line is ``name: value``; ``--json PATH`` writes all numbers.

    python bench/meta_vmap.py [--repeats 20] [--json out.json]
"""
from __future__ import annotations

import argparse
import copy
import json
import statistics
import time

import torch

from metamap_edu.learn import MAML, collate_episodes, parameters_of, relabel_episode, slot_labels
from metamap_edu.models import DenseBagOfWords, SinusoidMLP
from metamap_edu.tasks import SinusoidSampler

META_BATCH = 16
TEXT_VOCAB, TEXT_DIM = 200, 16  # the 200 most frequent words, 16-dimensional embeddings


def clone_module(module: torch.nn.Module) -> torch.nn.Module:
    """learn2learn's ``clone_module``: a shallow structural copy whose parameters are ``p.clone()``
    (differentiable back to the originals); sub-modules are cloned recursively."""
    clone = copy.copy(module)
    clone.__dict__ = module.__dict__.copy()
    clone._parameters = {k: (None if p is None else p.clone()) for k, p in module._parameters.items()}
    clone._buffers = dict(module._buffers)
    clone._modules = {k: (None if m is None else clone_module(m)) for k, m in module._modules.items()}
    return clone


def _update_module(module: torch.nn.Module, updates: dict) -> None:
    """Write adapted tensors into a clone (learn2learn's ``update_module``)."""
    for name, new in updates.items():
        *path, leaf = name.split(".")
        m = module
        for part in path:
            m = m._modules[part]
        m._parameters[leaf] = new


def loop_meta_gradient(model, support_list, query_list, inner_lr, inner_steps):
    """Second-order MAML meta-gradient, one cloned module per task."""
    params = parameters_of(model)
    total = 0.0
    for s, q in zip(support_list, query_list):
        learner = clone_module(model)
        for _ in range(inner_steps):
            cur = dict(learner.named_parameters())
            grads = torch.autograd.grad(learner.loss(s), list(cur.values()), create_graph=True)
            _update_module(learner, {k: p - inner_lr * g for (k, p), g in zip(cur.items(), grads)})
        total = total + learner.loss(q)
    loss = total / len(support_list)
    grads = torch.autograd.grad(loss, list(params.values()))
    return float(loss.detach()), dict(zip(params, grads))


def _time_pair(fn_a, fn_b, repeats):
    """Median CPU time of each function, calls interleaved (a, b, a, b, ...).

    CPU time of this single-threaded process, not wall time: on a machine shared with other jobs
    the wall clock mostly measures the others; interleaving keeps the two paths under the same load.
    """
    fn_a(), fn_b()  # warm-up
    ta, tb = [], []
    for _ in range(repeats):
        for fn, out in ((fn_a, ta), (fn_b, tb)):
            start = time.process_time()
            fn()
            out.append(time.process_time() - start)
    return statistics.median(ta), statistics.median(tb)


def bench_case(name, model, episodes, inner_lr, inner_steps, repeats):
    alg = MAML(model, inner_lr=inner_lr, inner_steps=inner_steps, vmap=True)
    s, q, sl, ql = collate_episodes(model, episodes)
    if s is None:
        raise RuntimeError(f"{name}: the meta-batch cannot be stacked for vmap")
    collated = list(zip(sl, ql))  # both paths start from the same collated batches
    loss_v, g_v = alg.meta_gradient(collated)
    loss_l, g_l = loop_meta_gradient(model, sl, ql, inner_lr, inner_steps)
    diff = max(float((g_v[k] - g_l[k]).abs().max()) for k in g_v)
    t_vmap, t_loop = _time_pair(lambda: alg.meta_gradient(collated),
                                lambda: loop_meta_gradient(model, sl, ql, inner_lr, inner_steps), repeats)
    return {
        "case": name,
        "tasks": len(episodes),
        "inner_steps": inner_steps,
            "vmap_ms": round(1000 * t_vmap, 2),
        "loop_ms": round(1000 * t_loop, 2),
        "speedup": round(t_loop / t_vmap, 2),
        "max_grad_diff": diff,
        "loss_diff": abs(loss_v - loss_l),
        "vmapped": alg.last_vmapped,
    }


def sinusoid_case(repeats):
    torch.manual_seed(0)
    model = SinusoidMLP()
    episodes = SinusoidSampler(k_shot=10).episodes(META_BATCH, seed=0)
    return bench_case("sinusoid MLP 1-40-40-1", model, episodes, 0.01, 1, repeats)


def text_case(repeats):
    from metamap_edu.tasks import EpisodeSampler, sentiment_family
    from metamap_edu.models import WordVocab

    fam = sentiment_family(n_per_task=60, seed=0)
    vocab = WordVocab.build([x for t in fam for x in t.inputs], max_size=TEXT_VOCAB)
    torch.manual_seed(0)
    model = DenseBagOfWords(vocab, slot_labels(2), embed_dim=TEXT_DIM)
    sampler = EpisodeSampler(fam, n_way=2, k_shot=5, n_query=5, seed=0)
    episodes = [relabel_episode(e) for e in sampler.take(META_BATCH)]
    return bench_case("text DenseBagOfWords", model, episodes, 0.5, 1, repeats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None, help="write all numbers to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = [sinusoid_case(args.repeats), text_case(args.repeats)]
    for r in rows:
        print(f"{r['case']:26s} tasks={r['tasks']} vmap {r['vmap_ms']:8.2f} ms   loop {r['loop_ms']:8.2f} ms   "
              f"speed-up {r['speedup']:5.2f}x   max |grad diff| {r['max_grad_diff']:.1e}")
    ok = all(r["max_grad_diff"] <= 1e-5 for r in rows)
    worst = min(r["speedup"] for r in rows)
    print(f"same meta-gradient to 1e-5: {'yes' if ok else 'NO'}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"rows": rows, "min_speedup": worst, "gradients_match": ok}, fh, indent=2)
    print(f"maml_vmap_min_speedup: {worst:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
