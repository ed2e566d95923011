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
# # 03 · Train on a stream of tasks and measure what it forgets
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F03_a_stream_of_tasks.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/03_a_stream_of_tasks.ipynb)
#
# **What you'll do.** Train one sentiment classifier on one product domain after another —
# movies, restaurants, hotels, … — score it on every domain after each, and read the result as
# an accuracy matrix. Compute the three numbers the continual-learning literature uses to
# summarise such a matrix, and change the order of the tasks and the training time per task.
#
# **What you'll learn.**
# - the article's step 2, "train on each task in turn", as `SequentialTrainer`;
# - catastrophic forgetting: why training on task $t$ can undo tasks $1..t-1$;
# - the accuracy matrix $R$ and the metrics ACC, BWT and FWT (Lopez-Paz & Ranzato, 2017).
#
# **What you'll need.** Notebook 02 (formula 1, the bag-of-words model). Averages and indices.
#
# **Time.** About 40 minutes. Running all cells takes well under a minute; the README's table gives the measured time.

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
FAST = False          # True: fewer sentences and steps (for tests and a quick look)
SEED = 0              # every random number in this notebook follows from this seed
STEPS_PER_TASK = 100  # optimizer steps on each task before moving to the next

# %%
import textwrap

import matplotlib.pyplot as plt
import numpy as np

import metamap_edu as mm
from metamap_edu import course
from metamap_edu.tasks import DOMAIN_DEPENDENT, polarity, sentiment_family
from metamap_edu.experiments import STREAM_DEFAULTS, STREAM_DOMAINS, run_sentiment_stream
from metamap_edu.learn import continual_metrics, fit, score
from metamap_edu.models import BagOfWordsClassifier

# one clear message if a parameter above is unusable (more than 1000 steps per task only costs time)
mm.check_parameters(FAST=FAST, SEED=SEED, STEPS_PER_TASK=(STEPS_PER_TASK, 1, 1000))
mm.set_seed(SEED)
mm.set_threads(1)
if FAST:
    STEPS_PER_TASK = min(STEPS_PER_TASK, 40)

# %% [markdown]
# ## 1. A stream of sentiment tasks
#
# Each domain is one task: map a review sentence to `"positive"` or `"negative"`. The domains share
# some words (*great*, *awful*, *loved*) but not all, and some adjectives change sign from one domain
# to the next: a *long* battery life is good, a *long* flight is not. A single set of weights cannot
# be right about such a word in every domain, so learning one domain can damage another.

# %%
# the package's stream: four domains that disagree about words like "long", "quiet" and "cold"
family = sentiment_family(domains=list(STREAM_DOMAINS), n_per_task=200 if FAST else STREAM_DEFAULTS["n_per_task"],
                          relatedness=STREAM_DEFAULTS["relatedness"], seed=SEED)
names = [name.split("/")[-1] for name in family.names]
print(f"{len(family)} tasks: {', '.join(names)}")
for task in family:
    sentence, label = task.examples[0]
    print(textwrap.fill(f"  {task.name:>24}  {label:>8}: {sentence}", 100, subsequent_indent=" " * 38))

print("\nwords whose sentiment depends on the domain (+ positive, - negative):")
print(" " * 12 + "".join(f"{n[:11]:>12}" for n in names))
for word in ("long", "short", "quiet", "fast", "light", "cold"):
    signs = "".join(f"{'+' if polarity(word, n) > 0 else '-':>12}" for n in names)
    print(f"{word:>12}{signs}")

# %% [markdown]
# ## 2. Train on the tasks in turn
#
# One `BagOfWordsClassifier` for all domains, trained on each task in order: `STEPS_PER_TASK`
# steps on that task's training sentences, then a score on **every** task's held-out sentences.
# The scores fill the accuracy matrix
#
# $$ R_{i,j} = \text{accuracy on task } j \text{ after training on tasks } 1..i, \qquad i = 0..T,\; j = 1..T, $$
#
# where row $i = 0$ is the untrained model (about 0.5 on a balanced binary task).
#
# The model is **not quite notebook 02's**. Three settings changed, to make each domain learnable
# in 100 steps: words after a negation are marked (`mark_scope=True`: in "not dull" the model
# counts the word `not:dull`, so the negation that notebook 02 could not represent becomes a
# feature); the word counts are averaged over the sentence (mean pooling, `mode="mean"`, instead
# of 02's sums); and the optimiser is Adam with learning rate 0.05 instead of plain SGD. Here is
# the loop, written out:

# %%
splits = [task.train_test_split(test_fraction=0.25, seed=SEED) for task in family]
train_tasks, test_tasks = [s[0] for s in splits], [s[1] for s in splits]
mm.set_seed(SEED)
model = BagOfWordsClassifier.for_tasks(train_tasks, mark_scope=True)    # mode="mean" by default
R_by_hand = np.zeros((len(family) + 1, len(family)))
R_by_hand[0] = [score(model, test) for test in test_tasks]             # row 0: before any training
for i, train in enumerate(train_tasks, start=1):
    fit(model, train, optimizer="adam", lr=0.05, steps=STEPS_PER_TASK, batch_size=32,
        seed=SEED + i - 1, progress=False)                              # a fresh Adam per task
    R_by_hand[i] = [score(model, test) for test in test_tasks]         # row i: after task i
print(np.round(R_by_hand, 2))

# %% [markdown]
# `run_sentiment_stream` runs exactly this loop (through a `SequentialTrainer`, which also
# accepts the regularizers of notebook 04), and returns the same matrix:

# %%
result = run_sentiment_stream(family=family, steps_per_task=STEPS_PER_TASK, seed=SEED)
R = result.R
print("the same matrix as the loop above:", bool(np.array_equal(R, R_by_hand)))
print(f"{STREAM_DEFAULTS['optimizer']}, learning rate {STREAM_DEFAULTS['lr']:g}, "
      f"{STEPS_PER_TASK} steps of {STREAM_DEFAULTS['batch_size']} sentences per task")
print(np.round(R, 2))
fig = course.plot_accuracy_matrix(R, names)
plt.show()

# %% [markdown]
# How to read it: the diagonal $R_{i,i}$ is each task right after it was learned. Going **down**
# a column below the diagonal follows one task as later tasks are trained: where the numbers fall,
# the model is forgetting. Above the diagonal, $R_{i-1,i}$ is a task *before* it was trained on:
# anything above that task's untrained score $b_i = R_{0,i}$ (row 0, not exactly 0.5) is knowledge
# carried over from earlier domains; FWT below averages exactly these gains. Each task's score
# right after it was learned, and at the end of the stream:

# %%
T = R.shape[1]
for j in range(T - 1):
    print(f"{names[j]:>12}: {R[j + 1, j]:.2f} right after learning it, {R[T, j]:.2f} at the end "
          f"({R[T, j] - R[j + 1, j]:+.2f})")

# %% [markdown]
# The training loss tells the same story from the inside: it drops within each task and jumps
# when a new task begins.

# %%
losses = np.concatenate([np.asarray(l) for l in result.losses])
fig = course.plot_loss_curves({"training loss": losses}, logy=False, xlabel="step (all tasks, in order)",
                           title="each new task starts with a jump")
for t in range(1, len(result.losses)):
    fig.axes[0].axvline(t * STEPS_PER_TASK, color="gray", linewidth=0.6, linestyle=":")
plt.show()

# %% [markdown]
# ## 3. Three numbers from the matrix
#
# With $T$ tasks and $b_j = R_{0,j}$ the untrained score (Lopez-Paz & Ranzato, 2017, *Gradient
# Episodic Memory*):
#
# $$ \text{ACC} = \frac1T \sum_{j=1}^{T} R_{T,j} \qquad \text{(how good the final model is on everything)} $$
#
# $$ \text{BWT} = \frac{1}{T-1} \sum_{j=1}^{T-1} \big(R_{T,j} - R_{j,j}\big) \qquad \text{(backward transfer: negative = forgetting)} $$
#
# $$ \text{FWT} = \frac{1}{T-1} \sum_{j=2}^{T} \big(R_{j-1,j} - b_j\big) \qquad \text{(forward transfer: earlier tasks helping a later one)} $$
#
# BWT and FWT divide by $T-1$, not $T$: the last task cannot have been forgotten yet, and the first
# cannot have been helped by anything earlier. (Some papers divide by $T$; the GEM paper, and this
# course, by $T-1$.)
#
# **Exercise 1.** Compute ACC, BWT and FWT from `R` with NumPy. `R[0]` is the row before training,
# `R[i, j]` uses 0-based task indices `j` and `R[i]` is the row after `i` tasks. Until you write
# them, the checks say **Not attempted yet**; `solutions/03_a_stream_of_tasks.ipynb` has the answer
# written in.

# %% tags=["solution"]
T = R.shape[1]
acc = R[T].mean()
bwt = np.mean([R[T, j] - R[j + 1, j] for j in range(T - 1)])
fwt = np.mean([R[j, j] - R[0, j] for j in range(1, T)])

# %%
ok = [course.check_acc(acc, R), course.check_bwt(bwt, R), course.check_fwt(fwt, R)]

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# T = R.shape[1]
# acc = R[T].mean()                                              # last row
# bwt = np.mean([R[T, j] - R[j + 1, j] for j in range(T - 1)])   # row j + 1 = right after task j
# fwt = np.mean([R[j, j] - R[0, j] for j in range(1, T)])        # row j = just before task j
# ```
# With the before-training row at index 0, "after task $j$" (1-based) is row $j$, which is row
# `j + 1` for a 0-based task index `j`. That off-by-one is the usual trap.
# </details>
#
# The package computes the same numbers (`metamap_edu.learn.continual_metrics`), plus
# *forgetting* (Chaudhry et al., 2018): the mean drop from each task's best score to its final one.

# %%
metrics = continual_metrics(R)
print("  ".join(f"{k} = {v:+.3f}" for k, v in metrics.items()))

# %% [markdown]
# ## 4. Order and time per task
#
# Two knobs change the matrix: the order of the domains (which domain is learned last, and so is
# freshest) and the number of steps per task (longer training learns each task better, and
# overwrites more of the previous ones). A few settings side by side:

# %%
step_grid = [10, 40] if FAST else [10, 50, 300]
print(" steps/task    ACC     BWT     FWT    last")
for steps in step_grid:
    m = run_sentiment_stream(family=family, steps_per_task=steps, seed=SEED).metrics()
    print(f"{steps:11d}  {m['acc']:.3f}  {m['bwt']:+.3f}  {m['fwt']:+.3f}  {m['last']:.3f}")

# %% [markdown]
# Read the table column by column. More steps per task raise the accuracy on the task just
# learned (the `last` column: plasticity). BWT is negative in every row, but it does not simply
# grow with the training time: the 10-step row forgets more than the 50-step row, and the 300-step
# row forgets more than the 50-step row again. The time per task moves forgetting both ways, so BWT
# alone does not rank the settings; it is always read next to ACC and the last-task accuracy.
#
# **Try it.** Run the cell below to enable the explorer, pick an order and a number of steps;
# it retrains the stream (a second or two; a setting seen before comes back at once) and redraws
# the matrix. Until the cell runs it shows a picture of the first order with `STEPS_PER_TASK`
# steps. Which domain ends up best remembered, and does that depend on the order?

# %%
display(course.stream_explorer(family, steps_per_task=STEPS_PER_TASK))

# %% [markdown]
# ## Summary
#
# - Training one model on tasks in turn is formula 1 applied task after task; nothing in it
#   protects what earlier tasks taught.
# - The accuracy matrix $R$ shows each task's score after every stage; forgetting is a column
#   that falls below its diagonal entry.
# - ACC summarises the final model, BWT the forgetting (negative is bad), FWT the help earlier
#   tasks give later ones; BWT and FWT average over $T-1$ tasks.
#
# **Questions.**
# 1. Which entries of $R$ does BWT use, and which does FWT use? Draw them on the heatmap.
# 2. More steps per task raise `last`; why can they also lower BWT? Compare the 50- and 300-step rows.
# 3. A word like *long* is positive in one domain and negative in another. What must happen to
#   its weight when the stream moves between those domains?
#
# <details><summary>Answer</summary>
#
# 1. BWT uses the last row and the diagonal: $R_{T,j}$ against $R_{j,j}$ for $j < T$ (how much of each
#    task is left at the end, against just after learning it). FWT uses the entries just above the
#    diagonal, $R_{j-1,j}$, against the untrained row $b_j = R_{0,j}$ (a task's score before its own
#    training starts, against no training at all).
# 2. More steps move $\theta$ further towards the current task's optimum, including the weights of
#    the words whose polarity the next domain reverses. Each diagonal entry $R_{j,j}$ rises, but the
#    next tasks then overwrite more of what task $j$ needed, so $R_{T,j}$ falls further below it: the
#    300-step row forgets more than the 50-step row.
# 3. The model has one weight for *long*, used in every domain. Each time the stream moves between
#    the two domains, training must push that weight the other way, and the earlier domain's
#    sentences with *long* are then scored wrongly: conflicting words are forgotten by construction,
#    unless the model can see which domain a sentence comes from.
# </details>
#
# **Next.** Notebook 04 adds the article's formula 2, a spring that keeps $\theta_t$ near
# $\theta_{t-1}$, and measures what it buys.
