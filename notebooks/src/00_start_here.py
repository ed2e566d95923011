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
# # 00 · Start here: check your set-up and see the map of the course
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F00_start_here.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/00_start_here.ipynb)
#
# **What you'll do.** Check that this machine has everything the course needs, look at the map of
# the ten notebooks, see the pipeline the course is built around as one picture, and learn the
# handful of words (in English and 中文) that every later notebook uses.
#
# **What you'll learn.**
# - what "every NLP task is a mapping $x \to y$" means, and the four steps the course follows:
#   generate tasks → train on each → meta-learn across them → pretrain;
# - why every notebook starts by fixing a seed and a thread count;
# - how exercises work here: you write an answer, a `check_…` function gives you feedback.
#
# **What you'll need.** Nothing but this notebook: no GPU, no internet. Python ≥ 3.10 and the
# `metamap_edu` package (the README's first command installs both).
#
# **Time.** About 10 minutes. Running all cells takes well under a minute; the README's table gives the measured time.

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
FAST = False  # True: the quickest run (used by tests and by instructors before a class)
SEED = 0      # every random number in this notebook follows from this seed

# %%
import matplotlib.pyplot as plt

import metamap_edu as mm
from metamap_edu import course, tools

mm.check_parameters(FAST=FAST, SEED=SEED)   # one clear message if a parameter above is unusable
mm.set_seed(SEED)
threads = mm.set_threads(1)

# %% [markdown]
# ## 1. Is this machine ready?
#
# The same checks run from a terminal with `metamap-edu doctor`. Each line is **OK**, a
# **WARNING** (the course runs, but there is advice) or a **PROBLEM** (fix it first; the arrow
# says how). The table below shows only the verdicts, so that every learner sees the same output;
# the cell after it shows the versions found on *your* machine.

# %%
checks = tools.run_checks()
print(tools.format_checks(checks, details=False))

# %%
# NBVAL_IGNORE_OUTPUT
# Versions and paths differ from machine to machine, so the tests do not compare this output.
print(tools.format_checks(checks, details=True))

# %% [markdown]
# If a line says PROBLEM, the README's *Troubleshooting* section has the fix. The three most
# common ones:
# - **torch is a CUDA build** (a warning): it works, but it is a 2–5 GB download the course never
#   uses. Installing through `constraints.txt` takes the CPU build.
# - **widgets show as text** such as `IntSlider(value=0)` *after the cell ran*: JupyterLab cannot
#   see the widget extension. Start `jupyter lab` from the course's `.venv`. (Before a widget cell
#   runs, it shows a picture of its result and the line "Run this cell to use the controls": that
#   is expected.)
# - **"Error displaying widget: model not found"** in a notebook you saved and reopened: run the
#   cell again. To keep widgets in saved notebooks, tick *Settings → Save Widget State
#   Automatically* in JupyterLab before saving.
# - **threads**: `OMP_NUM_THREADS` larger than the number of cores slows every notebook down.

# %% [markdown]
# ## 2. The same seed, the same numbers
#
# Training starts from random numbers. A *seed* fixes them, so that everyone in a room who runs
# a notebook sees the same results. The thread count matters too: adding up floating-point numbers
# in a different order (which is what several threads do) can change the last digits, which is
# why each notebook calls `mm.set_threads(1)`.
#
# Drag the slider: each seed gives different numbers, but drawing twice with the *same* seed
# always gives identical ones. (Before the cell runs, it shows a picture of the result for `SEED`;
# running it brings the slider to life.)

# %%
display(course.seed_explorer(seed=SEED))

# %% [markdown]
# ## 3. Every NLP task is a mapping
#
# The idea the whole course is built on: a task is a function we want to learn,
#
# $$ f_t : \mathcal{X}_t \to \mathcal{Y}_t, \qquad \text{learned from examples } (x_i, y_i),\ i = 1,\dots,n. $$
#
# | kind | input $x$ | output $y$ | example |
# | --- | --- | --- | --- |
# | classification (topic, sentiment) | a sentence | a label | "the plot was not dull" → positive |
# | tagging (named entities) | a sentence | one tag per word | "Ana visited Lima" → B-PER O B-LOC |
# | translation | a sentence | a sentence | English → a toy language with another word order |
# | regression (warm-ups) | a vector | a vector | $x \mapsto 2x + 1$ |
#
# Once tasks are all mappings, one model with parameters $\theta$ can be trained on one task after
# another, and the question of the course becomes: how should $\theta$ change from task to task?
# Plain training on task $t$ is gradient descent, *formula 1*:
#
# $$ \theta' = \theta - \alpha \nabla_\theta L_t(\theta), $$
#
# and the step the article calls meta-learning adds a pull towards what was learned before,
# *formula 2*. The article writes it as one sum over the tasks, task $t$ with its own parameters
# $\theta_t$ (its model $M_t$):
#
# $$ \min_{\theta_1,\dots,\theta_T}\; \sum_{t=1}^{T} \Big( L_t(\theta_t) + \lambda \lVert \theta_t - \theta_{t-1} \rVert^2 \Big). $$
#
# The course trains the tasks one after another, as they arrive. When task $t$ comes, $\theta_{t-1}$
# is already fixed, and the terms of the sum that hold $\theta_t$ and are known are task $t$'s own:
#
# $$ \min_{\theta_t}\; L_t(\theta_t) + \lambda \lVert \theta_t - \theta_{t-1} \rVert^2 . $$
#
# The next task's term $\lambda\lVert\theta_{t+1} - \theta_t\rVert^2$ also holds $\theta_t$, so the
# minimum of the whole sum, solved at once, is not the same as this task-by-task answer; it would
# need the future tasks in advance. Notebook 04 solves the per-task form exactly. Is it
# meta-learning? Notebook 05 shows that the same penalty is the *proximal term* of iMAML, whose
# meta-learning is the part the article leaves out: learning the anchor itself.
#
# The picture shows the four steps, each with its maths and the notebooks that teach it.

# %%
fig = course.plot_pipeline()
plt.show()

# %% [markdown]
# ## 4. The map of the course
#
# | # | notebook | you will | time |
# | --- | --- | --- | --- |
# | 00 | start here | check the set-up, see the map, learn the words | 10 min |
# | 01 | tasks as mappings | generate the four kinds of task from a seeded language | 30 min |
# | 02 | learning one mapping | run formula 1 by hand, choose a learning rate | 30 min |
# | 03 | a stream of tasks | train on tasks in turn and measure forgetting | 40 min |
# | 04 | staying close: the L2 bridge | add formula 2, solve it exactly, trade stability for plasticity | 30 min |
# | 04b | the article's pull, repaired | fix the article's code, coupled vs decoupled, EWC, the noise rule | 30 min |
# | 05 | meta-learning proper | MAML, Reptile and iMAML on sine waves; see that the article's pull is Reptile | 45 min |
# | 05b | few-shot text | classify intents never seen with a label; meta-train ProtoNet on others | 40 min |
# | 06 | pretraining on unlabeled text | train a tokenizer and a tiny transformer language model | 60 min |
# | 07 | the whole pipeline | generate → train → meta-learn → pretrain, with ablations | 45 min |
# | 08 | real models and real data | bring your own data through the same trainer | 30 min |
# | 09 | where it stands | the article's open questions, answered with measurements | 30 min |
#
# The source article is a short sketch; where it is wrong or does not run, the course says so and
# shows the evidence (notebook 04b fixes its code).

# %% [markdown]
# ## 5. Glossary · 术语表
#
# The article is written in Chinese; the course in English. These are the words you will meet.
#
# | English | 中文 | first used in |
# | --- | --- | --- |
# | meta-learning | 元学习 | 05 |
# | learning to learn | 学习的学习 | 05 |
# | mapping | 映射 | 01 |
# | task | 任务 | 01 |
# | task generation | 任务生成 | 01 |
# | pretraining | 预训练 | 06 |
# | fine-tuning | 微调 | 06 |
# | unlabeled data | 无标签数据 | 06 |
# | unsupervised learning | 无监督学习 | 06 |
# | text classification | 文本分类 | 01 |
# | sentiment analysis | 情感分析 | 01 |
# | named entity recognition | 命名实体识别 | 01 |
# | machine translation | 机器翻译 | 01 |
# | loss function | 损失函数 | 02 |
# | gradient descent | 梯度下降 | 02 |
# | learning rate | 学习率 | 02 |
# | regularization | 正则化 | 04 |
# | catastrophic forgetting | 灾难性遗忘 | 03 |
# | transfer learning | 迁移学习 | 07 |
# | few-shot learning | 少样本学习 | 05b |

# %% [markdown]
# ## 6. Exercises
#
# Each exercise has a cell where you write your answer, then a cell with a `check_…` call that
# tells you what is right and what is not. Until you write something, the check says
# **Not attempted yet**. Stuck? A short explanation hides under each exercise, and the whole
# notebook with every answer written in is `solutions/00_start_here.ipynb`, in the `solutions`
# folder next to this notebook.
#
# **Exercise 1 · one step of formula 2.** Write `formula2_step(theta, grad, theta_prev, alpha, lam)`:
# one step of gradient descent on task $t$'s objective $L_t(\theta) + \lambda\lVert\theta - \theta_{t-1}\rVert^2$
# from section 3, where `grad` is $\nabla L_t(\theta)$. What does the penalty add to formula 1's step?

# %% tags=["solution"]
def formula2_step(theta, grad, theta_prev, alpha, lam):
    """theta' = theta - alpha * (grad of L_t + grad of the penalty)."""
    penalty_grad = 2 * lam * (theta - theta_prev)
    return theta - alpha * (grad + penalty_grad)

# %%
passed = course.check_formula2_step(formula2_step)

# %% [markdown]
# <details><summary>Solution</summary>
#
# The gradient of $\lambda\lVert\theta-\theta_{t-1}\rVert^2$ is $2\lambda(\theta-\theta_{t-1})$, so
# $\theta' = \theta - \alpha\nabla L_t - 2\alpha\lambda(\theta - \theta_{t-1})$: formula 1's step, then a
# pull that moves $\theta$ a fraction $2\alpha\lambda$ of the way back to $\theta_{t-1}$. The article's code
# writes exactly such a pull, `p -= beta * (p - p_prev)`; notebook 04b works out which $\lambda$ its
# $\beta$ corresponds to.
# </details>
#
# **Exercise 2 · why one thread.** Section 2 says that adding numbers in another order can change
# the last digits. See it. `xs` holds 1,000 float32 numbers of very different sizes. Compute
# `one_thread`, their sum added one by one from left to right, and `two_threads`, the sum as two
# threads would form it: each half added on its own (left to right), then the two partial sums
# added. Keep every running total a float32 tensor (start from `torch.tensor(0.0)`).

# %%
import torch

xs = course.thread_summands(seed=SEED)
print(len(xs), "numbers, from", f"{float(xs.abs().min()):.1e}", "to", f"{float(xs.abs().max()):.1e}", "in size")

# %% tags=["solution"]
one_thread = torch.tensor(0.0)
for x in xs:
    one_thread = one_thread + x
half = len(xs) // 2
first, second = torch.tensor(0.0), torch.tensor(0.0)
for x in xs[:half]:
    first = first + x
for x in xs[half:]:
    second = second + x
two_threads = first + second

# %%
passed = course.check_thread_sums(one_thread, two_threads, xs)

# %% [markdown]
# <details><summary>Solution</summary>
#
# Two loops over the halves and one addition at the end. The sums differ in the last digits
# because float32 keeps about 7 significant digits: after each addition the result is rounded,
# and which roundings happen depends on the order. Neither sum is wrong; they are two different
# roundings of the exact sum. `mm.set_threads(1)` fixes the order, so everyone's numbers agree.
# </details>

# %% [markdown]
# ## Summary
#
# - `metamap-edu doctor` (or section 1 above) checks Python, torch, the widgets, matplotlib,
#   threads and the cache folder, and says how to fix what is wrong.
# - A fixed seed and a fixed thread count make every notebook give the same numbers for everyone.
# - Every NLP task in the course is a mapping $x \to y$; the course follows the article's steps:
#   generate tasks, train on each with formula 1, meta-learn across them with formula 2, pretrain.
# - Next: **01 · tasks as mappings** builds the generated language and the four kinds of task.
#
# **Questions.** (1) Formula 2's penalty is $\lambda\lVert\theta - \theta_{t-1}\rVert^2$. What happens to the
# step of exercise 1 when $\lambda = 0$, and when $2\alpha\lambda = 1$? (2) Does fixing the seed alone
# make everyone's numbers identical?
#
# <details><summary>Answer</summary>
#
# (1) With $\lambda = 0$ it is formula 1: nothing remembers the previous task. With $2\alpha\lambda = 1$
# the pull is complete: $\theta' = \theta_{t-1} - \alpha\nabla L_t(\theta)$, so every step starts again
# from the previous task's parameters and $\theta$ can never move more than one gradient step away
# from them. Useful values lie in between.
# (2) No. The seed fixes the random numbers, but exercise 2 shows that the order of additions also
# changes the last digits, and that order depends on the number of threads (and on the CPU's vector
# instructions). Hence `mm.set_threads(1)` next to `mm.set_seed(SEED)`.
#
# **In practice.** Instructors: `metamap-edu run --fast` executes every notebook in a few minutes
# and reports time and memory per notebook (see the README's instructor notes).
