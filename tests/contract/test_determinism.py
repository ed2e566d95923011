"""Determinism and threads.

* The task generator and a short training give exactly the same numbers under two different
  ``PYTHONHASHSEED`` values (each run in a fresh subprocess, so set and dict order really change).
* A freshly imported package respects ``OMP_NUM_THREADS``: ``default_threads()`` and torch's
  thread count follow it, and ``set_threads()`` without an argument keeps it.

Both are checked by the same two subprocesses (one Python start-up each, to keep the test fast):
run A uses PYTHONHASHSEED=1 and OMP_NUM_THREADS=1, run B PYTHONHASHSEED=4242 and
OMP_NUM_THREADS=2. Each run reports its thread counts, then sets 1 thread (as every notebook
does) and prints the generated tasks and the training results with full float precision.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = r'''
import hashlib, json
import torch
import metamap_edu as mm

print("threads", torch.get_num_threads(), mm.default_threads(), mm.set_threads())
mm.set_threads(1)
mm.set_seed(0)

def digest(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=list).encode()).hexdigest()[:16]

fam = mm.sentiment_family(domains=["movies", "electronics", "travel"], n_per_task=60, relatedness=0.3, seed=3)
for t in list(fam) + list(fam.held_out):
    print("task", t.name, t.labels, digest([list(e) for e in t.examples]))
print("topic", digest([list(e) for e in mm.topic_task(n_per_class=10, seed=1).examples]))
print("ner", digest([[x, list(y)] for x, y in mm.ner_task(n=30, seed=2).examples]))
for t in mm.translation_family(n_per_task=20, seed=4):
    print("translation", t.name, digest([list(e) for e in t.examples]))
print("corpus", digest(mm.corpus(50, seed=5)))
ep = mm.sample_episode(fam, n_way=2, k_shot=3, n_query=2, seed=6)
print("episode", ep.classes, digest([list(e) for e in ep.support.examples + ep.query.examples]))

task = fam[0]
vocab = mm.WordVocab([w for x in task.inputs for w in mm.word_tokenize(x)])
print("vocab", digest(vocab.itos))
model = mm.BagOfWordsClassifier(vocab, task.labels)
hist = mm.fit(model, task, optimizer="adam", lr=0.05, steps=15, batch_size=16, seed=0, progress=False)
print("loss", [float.hex(v) for v in hist.loss])
print("metric", [float.hex(float(v)) for v in hist.metric])
print("params", digest([float.hex(v) for p in model.parameters() for v in p.detach().flatten().tolist()]))
print("predict", model.predict(list(fam[1].inputs[:8]), "classification"))
'''


def _start(hashseed: str, threads: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=hashseed, OMP_NUM_THREADS=threads, TQDM_DISABLE="1")
    env.pop("MKL_NUM_THREADS", None)
    return subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> list[str]:
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("the determinism run timed out after 300 s")
    assert proc.returncode == 0, err[-3000:]
    return out.splitlines()


@pytest.fixture(scope="module")
def runs():
    started = [_start("1", "1"), _start("4242", "2")]  # in parallel: one start-up's wall time
    return tuple(_finish(p) for p in started)


def test_results_do_not_depend_on_pythonhashseed(runs):
    a, b = runs
    assert len(a) > 10
    assert a[1:] == b[1:], "\n".join(f"A: {x}\nB: {y}" for x, y in zip(a, b) if x != y)


def test_a_fresh_import_respects_omp_num_threads(runs):
    a, b = runs
    assert a[0] == "threads 1 1 1"
    assert b[0] == "threads 2 2 2"
