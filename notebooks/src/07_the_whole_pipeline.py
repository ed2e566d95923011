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
# # 07 · Run the article's whole pipeline on one model, and measure which step matters
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F07_the_whole_pipeline.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/07_the_whole_pipeline.ipynb)
#
# **What you'll do.** Put the article's steps together — generate tasks, pretrain, train, pull —
# on one text-to-text transformer that learns four tasks: topic classification, sentiment,
# named-entity recognition and translation. Switch components off one at a time, on three seeds,
# and measure what each one adds on held-out sentences. Then test the article's order, which puts
# pretraining last.
#
# **What you'll learn.**
# - how "every NLP task is a mapping" becomes literal: `<prefix> input <sep> output <eos>`;
# - how to run an ablation: change one thing at a time, same seeds, same data, same budget;
# - how to read an ablation: a paired 95% interval per task, and a verdict only where it excludes zero.
#
# **What you'll need.** Notebooks 03-06.
#
# **Time.** About 40 minutes to study; the README's table gives the measured run time.

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
FAST = False    # True: tiny data and a handful of steps (for tests and a quick look)
SEED = 0        # the ablation's seeds are SEED, SEED + 1, SEED + 2
ROUNDS = 150    # rounds over the four tasks in step 2 (each round: 6 Adam steps)

# %%
import warnings

import matplotlib.pyplot as plt

import metamap_edu as mm
from metamap_edu import tasks, experiments, course

mm.check_parameters(FAST=FAST, SEED=SEED, ROUNDS=(ROUNDS, 1, 2000))
mm.set_seed(SEED)
_ = mm.set_threads(1)
warnings.simplefilter("ignore", UserWarning)
SEEDS = [SEED, SEED + 1, SEED + 2]
if FAST:
    ROUNDS = min(ROUNDS, 6)
BUDGET = experiments.PipelineBudget(rounds=ROUNDS, late_pretrain_steps=5 if FAST else 150)
N_TEST, SCALE = (20, 0.2) if FAST else (100, 1.0)   # held-out sentences per task; data size

# %% [markdown]
# ## 1. Step 1 — generate tasks of every kind
#
# The article names four task types; the generated language gives one task of each. Every
# example becomes text in, text out. Topic and sentiment are both classification of sentences,
# so a *task prefix* tells the model which question is asked: four tasks, three output formats
# (a label word, a tag sequence, a sentence).

# %%
data = experiments.pipeline_data(SEED, n_test=N_TEST, scale=SCALE)
model = experiments.starting_model(pretrained=True)
for kind, (train, test) in data.items():
    x, y = train.examples[0]
    ids = model.collate([(x, y)], train.kind)["ids"][0].tolist()
    print(f"{kind:>12} ({train.kind}) | {model.tokenizer.decode(ids)}")
print(f"\none model, {model.num_parameters():,} parameters; its output formats: {', '.join(model.kinds)}")

# %% [markdown]
# Regression outputs real vectors, not words, so the text-to-text model refuses it with a clear
# message; notebooks 02-05 use `LinearMap` for it.

# %%
regression = tasks.MappingTask("toy regression", "regression", [((0.0,), (1.0,)), ((1.0,), (3.0,))])
try:
    model.collate(regression.examples, "regression")
except ValueError as err:
    print(err)

# %% [markdown]
# ## 2. The pipeline, and one switch at a time
#
# `experiments.run_pipeline` runs, on a copy of θ₀:
#
# 1. **pretraining first** (step 4 of the article, moved to the front): θ₀ is the shipped `lm`
#    checkpoint, a causal language model trained on 100,000 unlabeled sentences
#    (`metamap-edu pretrain lm` rebuilds it from its seed). Switched off, θ₀ is the untrained
#    model that checkpoint started from: same tokenizer, same shape, same random numbers.
# 2. **training** (step 2) on the four tasks *in rounds*: topic for one Adam step, sentiment for
#    two, NER for one, translation for two, then again, for `ROUNDS` rounds. Visiting each task once,
#    in one long block each, forgets the earlier tasks (notebook 03); interleaving them does not.
# 3. **the pull** (step 3, the article's code fixed): after every step on task t,
#    $\theta \leftarrow \theta - \beta(\theta - \theta_{t-1})$ with β = 0.01, where θ_{t−1} is where
#    the previous task's visit ended.
#
# The article itself lists pretraining *last*; the row `pretraining last` does that: the same
# tasks from the untrained θ₀, then causal-LM steps on unlabeled sentences.
#
# Scores are on held-out sentences never trained on: accuracy (topic over eight domains, sentiment),
# entity F1 (NER) and corpus BLEU / 100 (translation). The cell below runs every row on three seeds;
# a seed draws its own data and minibatches, shared by every row.

# %%
# NBVAL_IGNORE_OUTPUT
# (hundreds of Adam steps amplify rounding differences between CPUs: a few of the test sentences
#  change their answer, so the per-seed scores move in the second decimal; the verdicts below do not)
table = experiments.ablation(seeds=SEEDS, budget=BUDGET, n_test=N_TEST, scale=SCALE)
print(f"{'row':>17} {'seed':>5} " + " ".join(f"{k:>12}" for k in experiments.KINDS))
for row, by_kind in table.items():
    for i, seed in enumerate(SEEDS):
        print(f"{row:>17} {seed:>5} " + " ".join(f"{by_kind[k][i]:12.2f}" for k in experiments.KINDS))
print(f"{'chance':>17} {'':>5} " + " ".join(f"{experiments.CHANCE[k]:12.2f}" for k in experiments.KINDS))

# %% [markdown]
# First the question the article's pipeline must answer before any ablation: did the full
# pipeline learn every task? The rule is the course's one noise rule
# (`mm.paired_difference`): a verdict needs a 95% interval over the seeds that
# excludes zero — here, of the score minus chance.

# %%
# NBVAL_IGNORE_OUTPUT
# (three seeds are too few at this budget: with another CPU's kernels some of these verdicts flip;
#  the text below says which hold on every CPU)
full = table["full"]
for kind in experiments.KINDS:
    above = mm.paired_difference(full[kind], [experiments.CHANCE[kind]] * len(SEEDS))
    print(f"{kind:>12}: full pipeline - chance: {above.verdict}")
print("NER entity F1 >= 0.5 on every seed:", all(v >= 0.5 for v in full["ner"]))
print("translation BLEU >= 20 on every seed:", all(v >= 0.20 for v in full["translation"]))

# %% [markdown]
# ## 3. Which component matters
#
# Each component's contribution is the paired difference of two rows, per task: the seeds pair the
# runs (same data, same minibatches), and $\bar d \pm t_{0.975,\,n-1}\, s_d/\sqrt n$ is its 95% interval.

# %%
# NBVAL_IGNORE_OUTPUT
# (the intervals' endpoints inherit the per-seed scores' rounding differences between CPUs)
effects = experiments.contributions(table)
for question, by_kind in effects.items():
    print(question)
    for kind, d in by_kind.items():
        print(f"   {kind:>12}: {d.format(2)}")
means = {row: {k: sum(v) / len(v) for k, v in by_kind.items()} for row, by_kind in table.items()}
course.plot_ablation(means, chance=experiments.CHANCE, title=f"each row, mean over {len(SEEDS)} seeds")
plt.show()

# %%
# NBVAL_IGNORE_OUTPUT
# (as above: some of these verdicts flip with another CPU's kernels; the text below says which hold)
for question, by_kind in effects.items():
    print(f"{question}: " + "; ".join(f"{kind} {d.verdict}" for kind, d in by_kind.items()))

# %% [markdown]
# What the three seeds show, for 900 Adam steps per run, and which of it still holds when the
# same notebook runs with another CPU's kernels (`ATEN_CPU_CAPABILITY=default` or `avx2`). That
# check is the course's rule for a claim; a verdict that flips is not one.
#
# - **Did the pipeline learn?** Topic and NER: yes, above chance on every CPU, and NER reaches
#   entity F1 ≥ 0.5 on every seed. Translation reaches BLEU ≥ 20 on every seed here, but not on
#   every CPU: with the `default` kernels one seed stays below it. Sentiment is not measurably
#   above chance.
# - **Which component matters?** At this budget, no effect of pretraining or of the pull
#   survives the change of CPU. Pretraining's mean effect is positive on every task,
#   but the scores move between CPUs by about as much as between seeds, and three
#   seeds cannot pin the effect down. The pull shows no measurable difference on topic,
#   sentiment and translation on every CPU; on NER its verdict flips. So the honest answer is
#   *no measurable difference at this budget* for both. Section 4 has the positive control: an
#   effect that these three seeds do resolve on every CPU.
#
# Run the cell below to enable the widget: choose a row and compare it with the full pipeline
# (the runs above, mean over seeds, with each task's chance line).

# %%
# NBVAL_IGNORE_OUTPUT
# (the bars are the means of the per-seed scores above, which move between CPUs)
display(course.ablation_widget(table, chance=experiments.CHANCE))

# %% [markdown]
# ## 4. The question of order
#
# The article lists pretraining *last*. The row `pretraining last` trains the same tasks from
# the untrained θ₀, then takes 150 causal-LM steps on unlabeled sentences. The row `no
# pretraining` is the same run without those steps, so their difference (the third line of
# verdicts above) is what pretraining last adds:
#
# - it **hurts** NER, on every CPU: after 150 steps of writing English sentences the model has
#   forgotten how to answer the task, and its NER entity F1 falls to near zero on every seed;
# - on topic it hurts with some CPUs' kernels only, and for sentiment and translation the
#   interval includes zero or the verdict flips.
#
# This is also the positive control of section 3: three seeds do resolve an effect of this size
# (about a third of F1) on every CPU. So pretraining does not belong last. Whether it helps
# *first* is not measurable at this budget (section 3). The two orders also do not get the same
# pretraining (8,000 steps in the shipped checkpoint, 150 here).

# %% [markdown]
# ## 5. The same recipe, trained longer
#
# The package also ships the `text2text` checkpoint: the `lm` checkpoint trained on all four kinds
# at once for 8,000 Adam steps (topic and sentiment over eight domains, NER, translation into
# `lumo`). Here it is scored on held-out examples it never trained on — the first 100 of each test
# set (`experiments.held_out_scores`) — for comparison with the 900 steps of section 2.

# %%
t2t = experiments.load_pretrained("text2text")
shipped = experiments.held_out_scores(t2t, seed=0, limit=100)
for task, value in shipped.items():
    print(f"{task:>16}: {value:.2f}")
chance_t2t = {"topic": 1 / 8, "sentiment": 0.5, "ner": 0.0, "translation": 0.0}
course.plot_ablation({"text2text checkpoint": {t.split("/")[0]: v for t, v in shipped.items()}}, chance=chance_t2t,
                  title="the shipped text2text checkpoint: held-out score per task")
plt.show()

# %% [markdown]
# One example of each kind, as that model writes it (`predict`):

# %%
for task, (_, test) in experiments.text2text_splits(seed=0).items():
    x, y = test.examples[0]
    (pred,) = t2t.predict([x], test.kind)
    show = " ".join(pred) if isinstance(pred, tuple) else pred
    print(f"{task:>16} | {x}\n{'':>16} | model: {show}\n{'':>16} | truth: {' '.join(y) if isinstance(y, tuple) else y}")

# %% [markdown]
# ### Exercise 1 · One component, seed by seed
# Every verdict of section 3 starts from per-seed differences: seed s of the "full" row and seed s
# of another row saw the same data and the same minibatches, so their difference removes what the
# seed did to both. Write `seed_differences(table, row, kind)`: for task `kind`, return the list
# of differences "full" − `row`, one per seed, from a table laid out like `table` above
# (`{row: {kind: [score per seed]}}`). The check tries made-up tables whose seeds differ a lot.

# %% tags=["solution"]
def seed_differences(table, row, kind):
    """full − row for task ``kind``, seed by seed."""
    return [full - other for full, other in zip(table["full"][kind], table[row][kind])]


# %%
passed = course.check_seed_differences(seed_differences)

# %% [markdown]
# ### Exercise 2 (open)
# Halve `ROUNDS` in the parameters cell and re-run the notebook. Which task falls furthest, and
# does any verdict of section 3 change?

# %% [markdown]
# ## Questions
#
# 1. Without pretraining, translation stays near zero on every seed. Why is it the hardest task
#    for an untrained model?
#    <details><summary>Answer</summary>
#    A topic or sentiment label is one output word. Translation must write every word of a new
#    language in a new order. The shipped <code>lm</code> checkpoint already reads English, so the
#    pretrained model only has to learn the new words and the order; the untrained one must learn
#    all of it in 900 steps.
#    </details>
# 2. Notebook 04 shows the article's pull reducing forgetting. Why could it hardly matter here?
#    <details><summary>Answer</summary>
#    Here the tasks are interleaved: a visit lasts one or two steps, so θ_{t−1} is only one or two
#    steps old, and β = 0.01 pulls θ back by 1% of a step or two. In notebook 04 each task is
#    trained for a long stretch, and the pull then holds θ near where the previous task left it.
#    </details>
# 3. Why compare rows seed by seed instead of comparing their averages?
#    <details><summary>Answer</summary>
#    On one seed every row sees the same data and the same minibatches, so the seed's luck (an easy
#    test set, a lucky batch order) cancels in the difference. The paired differences vary much less
#    than the scores, so the interval is narrower.
#    </details>
# 4. What would it take to claim "the pull has no effect"?
#    <details><summary>Answer</summary>
#    An interval that excludes every effect large enough to matter, which needs more seeds or
#    larger test sets, together with a positive control: the same budget detecting an effect of
#    that size. "No measurable difference" only says that this budget could not see one.
#    </details>
#
# ## Summary
#
# - One text-to-text transformer learns topic classification and NER with one parameter vector θ,
#   starting from the shipped `lm` checkpoint, in 900 Adam steps with the tasks interleaved;
#   translation reaches BLEU ≥ 20 on most CPUs' runs, sentiment is not measurably above chance.
#   Regression is refused with a clear message.
# - An ablation changes one component at a time, on the same seeds, data and budget, and reads
#   paired 95% intervals. Here no effect of pretraining first or of the pull survives a change of
#   CPU: *no measurable difference at this budget*.
# - Pretraining last makes the model forget: it hurts NER on every CPU. Pretraining does not
#   belong last.
#
# ## In practice
# Real systems pretrain first on far more text, then fine-tune or instruction-tune on many
# tasks mixed together (T0, FLAN), which avoids the forgetting of a sequential stream.
