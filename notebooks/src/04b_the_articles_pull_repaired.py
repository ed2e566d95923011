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
# # 04b · Repair the article's code: its pull, momentum, Adam and EWC
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F04b_the_articles_pull_repaired.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/04b_the_articles_pull_repaired.ipynb)
#
# **What you'll do.** Repair the article's code for formula 2 line by line, prove that its "pull"
# step is formula 2 in disguise (under plain SGD only), and see how momentum and Adam break that
# equivalence. Meet EWC, a weighted cousin. Then measure the article's own setting, β = 0.01,
# with the course's noise rule.
#
# **What you'll learn.**
# - the *coupled* (penalty in the loss) and *decoupled* (pull after the step) forms, and the exact
#   mapping $\lambda = \beta / (2\alpha(1-\beta))$ between them under SGD;
# - why the two forms differ under momentum and Adam (and so why AdamW is not Adam + L2);
# - EWC: formula 2 with a Fisher-information weight per parameter;
# - the course's noise rule: a paired 95% interval over seeds, with a positive control;
# - why the article's β = 0.01 does almost nothing at its settings, and which β does matter.
#
# **What you'll need.** Notebook 04 (formula 2, its closed form, the stream of sentiment tasks and
# its ACC/BWT). One step of algebra with the SGD update.
#
# **Time.** About 30 minutes. Running all cells takes well under a minute; the README's table gives the measured time.

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
FAST = False   # True: fewer steps and fewer tasks (for tests and a quick look)
SEED = 0       # every random number in this notebook follows from this seed

# %%
import matplotlib.pyplot as plt
import torch

import metamap_edu as mm
from metamap_edu import paired_difference, course
from metamap_edu.learn import (ArticlePull, L2ToPrevious, SequentialTrainer, fit, least_squares, pull_as_l2,
    shrink_fractions)
from metamap_edu.experiments import run_sentiment_stream, stability_plasticity
from metamap_edu.models import LinearMap, flat_params, set_flat_params
from metamap_edu.tasks import MappingTask

mm.check_parameters(FAST=FAST, SEED=SEED)
mm.set_seed(SEED)
threads = mm.set_threads(1)


def fmt(vector, digits=3):
    """A parameter vector as '(a, b, ...)' with a fixed number of decimals."""
    return "(" + ", ".join(f"{float(v):.{digits}f}" for v in vector) + ")"


# notebook 04's three two-parameter regression tasks (correlated inputs, one optimum per task)
gen = torch.Generator().manual_seed(SEED)
MIX = torch.tensor([[2.0, 0.0], [1.5, 0.5]])
TRUE_THETAS = [(1.0, -1.0), (-1.5, 1.0), (0.5, 2.0)]


def make_task(i, theta, n=40):
    X = torch.randn(n, 2, generator=gen) @ MIX
    y = X @ torch.tensor(theta) + 0.05 * torch.randn(n, generator=gen)
    return MappingTask(name=f"regression {i + 1}", kind="regression",
                       examples=[(tuple(map(float, a)), (float(b),)) for a, b in zip(X, y)])


tasks = [make_task(i, th) for i, th in enumerate(TRUE_THETAS)]
data = [(t.tensors()[0].double(), t.tensors()[1].double().reshape(-1)) for t in tasks]
theta_prev = least_squares(*data[0])        # task 1's optimum: the anchor when task 2 starts
steps = 1000                                # SGD steps per task on the 2-D tasks
# notebook 04's stream of sentiment tasks (Adam, 100 steps per task, four domains) and its moderate λ
stream = dict(n_per_task=200, steps_per_task=40) if FAST else {}
MODERATE = 3e-4

# %% [markdown]
# ## 1. The article's code, repaired line by line
#
# Notebook 04 solved formula 2 and used it with `L2ToPrevious`. The article illustrates formula 2
# with a short PyTorch loop. It does not run, and it does not do
# what formula 2 says. Reading it from top to bottom:
#
# | what the snippet does | what goes wrong | the repair |
# | --- | --- | --- |
# | builds the model from `input_size` and `output_size` | neither name is defined: `NameError` on the first line | take the sizes from the task (`LinearMap(d_in, d_out)`) |
# | loops `for t in range(num_tasks)` | `num_tasks` is not defined either | loop over an actual list of tasks |
# | gets data with `get_task_data(t)` | no such function exists | generate the tasks (`metamap_edu.tasks`, or the regression tasks above) |
# | takes **one** `optimizer.step()` per task | one gradient step learns almost nothing of a task | train each task for `steps_per_task` steps |
# | after the step, moves every parameter 1 % of the way back to the previous model's copy, writing through `.data` | the 1 % is a second, unnamed knob (β) that happens to equal the learning rate; `.data` sidesteps autograd's checks | name it β and update under `torch.no_grad()` |
# | reads `prev_model` when `t > 0` | `prev_model` has no definition before the loop; only the `t > 0` guard keeps the first pass from reading it | set the anchor explicitly at the start of each task |
# | stores `prev_model = copy.deepcopy(model)` | `copy` is never imported: `NameError` at the end of the first task; and a whole module is copied when only θ is needed | keep one flat copy of the parameters |
#
# Here is a version that runs, written as a plain loop so every line is visible. The pull is
# applied after **every** step, toward the parameters the model had when the task started. It
# trains the three two-parameter regression tasks of notebook 04 (rebuilt in the set-up cell).

# %%
def train_with_pull(tasks, beta, lr, steps_per_task):
    model = LinearMap(tasks[0].tensors()[0].shape[1], 1, bias=False)   # sizes from the data
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    params = list(model.parameters())
    thetas = [flat_params(model)]
    for t, task in enumerate(tasks):
        anchor = [p.detach().clone() for p in params]                  # theta_{t-1}
        batch = model.collate(task.examples, task.kind)
        for _ in range(steps_per_task):                                # many steps, not one
            optimizer.zero_grad()
            model.loss(batch).backward()
            optimizer.step()                                           # formula 1
            if t > 0:
                with torch.no_grad():
                    for p, a in zip(params, anchor):
                        p.sub_(beta * (p - a))                         # the pull, every step
        thetas.append(flat_params(model))
    return torch.stack(thetas)


beta = 0.1
by_hand = train_with_pull(tasks, beta=beta, lr=0.05, steps_per_task=steps)
trainer = SequentialTrainer(LinearMap(2, 1, bias=False), ArticlePull(beta), optimizer="sgd", lr=0.05,
                            steps_per_task=steps, batch_size=40, progress=False)
library = torch.stack(trainer.run(tasks).params)
print("theta after each task (loop above):", " ".join(fmt(th) for th in by_hand))
print(f"same as SequentialTrainer with ArticlePull({beta:g}) to 1e-5: {bool((by_hand - library).abs().max() < 1e-5)}")

# %% [markdown]
# **Exercise 2.** In the article's loop each task gets exactly one SGD step, starting from
# $\theta_{t-1}$, followed by one pull. With learning rate α = 0.01 and β = 0.01, that step plus
# pull equals plain SGD with which learning rate? (Write θ after the step, then after the pull.)

# %% tags=["solution"]
one_step_lr = 0.01 * (1 - 0.01)

# %%
passed = course.check_effective_lr(one_step_lr, alpha=0.01, beta=0.01)

# %% [markdown]
# <details><summary>Solution</summary>
#
# The step gives $\theta' = \theta_{t-1} - \alpha g$; the pull gives
# $\theta' - \beta(\theta' - \theta_{t-1}) = \theta_{t-1} - \alpha(1-\beta) g$. With one step per
# task the "meta-learning" only lowers the learning rate by 1 %.
# </details>

# %% [markdown]
# ## 2. Under SGD the pull *is* formula 2
#
# With many steps per task, compare one step of each form, writing $a = \theta_{t-1}$ and
# $g = \nabla L_t(\theta)$:
#
# - **decoupled** (the article's pull, `ArticlePull(beta)`): an SGD step with rate α, then the pull,
#   $$\theta \leftarrow (1-\beta)(\theta - \alpha g) + \beta a = \theta - \alpha(1-\beta)\, g - \beta(\theta - a);$$
# - **coupled** (formula 2, `L2ToPrevious(lam)`): one SGD step with rate α' on $L_t + \lambda\lVert\theta - a\rVert^2$,
#   $$\theta \leftarrow \theta - \alpha' g - 2\alpha'\lambda(\theta - a).$$
#
# Matching the coefficient of $g$ gives $\alpha' = \alpha(1-\beta)$; matching the coefficient of
# $(\theta - a)$ gives $2\alpha'\lambda = \beta$, so
#
# $$ \lambda = \frac{\beta}{2\alpha(1-\beta)} . $$
#
# The 2 comes from differentiating $\lambda\lVert\cdot\rVert^2$, which has no ½. The pull is also
# exactly Reptile's interpolation (notebook 05): $\theta \leftarrow a + (1-\beta)(\theta - a)$.
#
# A penalty on the distance to a reference point, like $\lambda\lVert\theta - a\rVert^2$, is called a
# **proximal term** (from the proximal-point method of optimisation, which solves a sequence of
# problems each kept *near* the previous answer). iMAML (notebook 05) and L2-SP (notebook 08) use
# the same term with other anchors.
# A numeric check, with `pull_as_l2(beta, lr)` computing the mapping:

# %%
alpha, beta = 0.05, 0.1
lam_equiv, lr_equiv = pull_as_l2(beta, alpha)
print(f"beta = {beta:g}, alpha = {alpha:g}  ->  lambda = {lam_equiv:.4f}, learning rate {lr_equiv:.4f}")
results = {}
for label, reg, lr in (("pull", ArticlePull(beta), alpha), ("L2", L2ToPrevious(lam_equiv), lr_equiv)):
    model = LinearMap(2, 1, bias=False)
    set_flat_params(model, theta_prev.float())          # both start at theta_{t-1} = task 1's optimum
    reg.start_task(model, 1)
    fit(model, tasks[1], optimizer="sgd", lr=lr, steps=50, batch_size=40, regularizer=reg, progress=False)
    results[label] = flat_params(model)
    print(f"{label:>4}: theta after 50 steps on task 2 = {fmt(results[label], 5)}")
print(f"largest difference below 1e-5: {bool((results['pull'] - results['L2']).abs().max() < 1e-5)}")

# %% [markdown]
# **Exercise 3.** Write the mapping as a function of `beta` and `alpha`.

# %% tags=["solution"]
def lambda_from_pull(beta, alpha):
    return beta / (2 * alpha * (1 - beta))


# %%
passed = course.check_lambda_mapping(lambda_from_pull)

# %% [markdown]
# <details><summary>Solution</summary>
#
# `beta / (2 * alpha * (1 - beta))`: the derivation is just above. At the article's numbers
# (α = β = 0.01) it gives λ ≈ 0.505 with learning rate 0.0099.
# </details>

# %% [markdown]
# ## 3. Under momentum and Adam the two forms differ
#
# The equivalence used the fact that SGD multiplies every gradient by the same α. Two other
# optimizers do not:
#
# - **momentum** keeps a running sum of past gradients, $v \leftarrow \mu v + g$, and steps along it,
#   $\theta \leftarrow \theta - \alpha v$ (here $\mu = 0.9$): it accumulates the penalty's gradient over steps;
# - **Adam** divides each coordinate's (running mean) gradient by its own running root-mean-square,
#   so every coordinate takes steps of about α whatever the size of its gradient.
#
# The pull never passes through the optimizer, so it is not rescaled.
#
# A clean test: a quadratic whose three directions have curvatures $h = (100, 1, 0.01)$ (the
# eigenvalues of $X^\top X/n$), new optimum $(1, 1, 1)$, anchor $a = 0$. The exact answer of formula 2
# moves each coordinate the fraction $h_i/(h_i + \lambda)$ of the way. We run the coupled form with λ = 1
# and the pull with the β that matches it under SGD, under each optimizer, and plot how far each
# coordinate moved.

# %%
h = torch.tensor([100.0, 1.0, 0.01])
quad = MappingTask(name="quadratic", kind="regression",
                   examples=[(tuple(float(v) for v in row), (float(row.sum()),))
                             for row in torch.diag((3 * h).sqrt())])   # X^T X / n = diag(h), optimum (1, 1, 1)
lam, alpha = 1.0, 0.004
beta = 2 * alpha * lam / (1 + 2 * alpha * lam)          # the pull equal to lambda = 1 under SGD
quad_steps = 800 if FAST else 2000
moved = {}
for optimizer in ("sgd", "momentum", "adam"):
    moved[optimizer] = {"exact formula 2": shrink_fractions(h, lam).numpy()}
    for label, reg, lr in (("coupled L2", L2ToPrevious(lam), alpha * (1 - beta)),
                           ("decoupled pull", ArticlePull(beta), alpha)):
        model = LinearMap(3, 1, bias=False)              # theta = a = 0
        reg.start_task(model, 1)
        fit(model, quad, optimizer=optimizer, lr=lr, steps=quad_steps, batch_size=3, regularizer=reg,
            progress=False)
        moved[optimizer][label] = flat_params(model).numpy()
    print(f"{optimizer:>8}: " + "   ".join(f"{k} {fmt(v)}" for k, v in list(moved[optimizer].items())[:2])
          + f"\n{'':>8}  decoupled pull {fmt(moved[optimizer]['decoupled pull'])}")
fig = course.plot_coupled_vs_decoupled(h.tolist(), {"SGD": moved["sgd"], "SGD + momentum 0.9": moved["momentum"],
                                                 "Adam": moved["adam"]})
plt.show()

# %% [markdown]
# Under SGD the three bars agree. The coupled form reaches the exact answer under every optimizer:
# its fixed point is where the gradient of $L_t + \lambda\lVert\theta - a\rVert^2$ vanishes, whatever
# the optimizer does on the way. The decoupled pull does not:
#
# - with momentum 0.9 every gradient is in effect multiplied by $1/(1-0.9) = 10$, but the pull is
#   not, so the pull behaves like formula 2 with a ten times smaller λ: the fractions printed above
#   are $h_i/(h_i + 0.1)$;
# - with Adam the step is roughly α in every coordinate, whatever its curvature, and the pull
#   balances it at $|\theta_i - a_i| \approx \alpha/\beta$: every coordinate moves by about the same
#   amount.
#
# The same happens with weight decay (a pull toward 0 instead of toward $a$). **AdamW** (Loshchilov
# and Hutter, 2019) is Adam with *decoupled* weight decay: after Adam's step every weight shrinks by
# a fixed fraction, outside the optimizer, like the article's pull. Adam with an L2 penalty in the
# loss is the *coupled* form. By this section they are different optimisers; PyTorch has both
# (`torch.optim.AdamW`, and `torch.optim.Adam(weight_decay=...)`). Notebook 06 pretrains with AdamW.

# %% [markdown]
# ## 4. EWC: formula 2 with a weight per parameter
#
# Elastic weight consolidation (Kirkpatrick et al., 2017) replaces the one λ by a weight per
# parameter. The weight is the **Fisher information** of that parameter: how sharply the model's
# log-likelihood of the old tasks' data changes when the parameter moves. Its diagonal is the
# average squared gradient of the per-example loss $\ell$ (the negative log-likelihood) at
# $\theta_{t-1}$; the course estimates it from the training examples of the previous tasks (the
# "empirical" Fisher):
#
# $$ \min_\theta\; L_t(\theta) + \lambda \sum_i F_i\, (\theta_i - \theta_{t-1,i})^2,
# \qquad F_i = \mathbb{E}\big[(\partial_{\theta_i} \ell)^2\big]. $$
#
# With all $F_i = 1$ it is formula 2. Parameters the old tasks are sensitive to (large $F_i$) are held
# tightly; the others move freely. For a linear model the closed form becomes
# $(X^\top X/n + \lambda F)^{-1}(X^\top y/n + \lambda F\theta_{t-1})$. On the sentiment stream of
# notebook 04, next to no spring and the plain spring at notebook 04's moderate λ (EWC's λ is on
# another scale, because the Fisher values of a bag-of-words model are small):

# %%
print("                          ACC     BWT    last")
rows = [("no regularizer", None, None), (f"L2ToPrevious(λ = {MODERATE:g})", "l2", MODERATE),
        ("EWC(λ = 1)", "ewc", 1.0), ("EWC(λ = 100)", "ewc", 100.0)]
for label, reg, strength in rows:
    m = run_sentiment_stream(reg, strength, seed=SEED, **stream).metrics()
    print(f"{label:>24}  {m['acc']:.3f}  {m['bwt']:+.3f}  {m['last']:.3f}")

# %% [markdown]
# Weighting by the Fisher information protects the words that mattered for earlier domains and
# leaves the rest free. At λ = 1, EWC forgets less than no spring and keeps more plasticity (a
# higher last-task accuracy and ACC) than the single λ. At λ = 100 it acts as a stiffer spring:
# BWT rises further and the last task is learned less.

# %% [markdown]
# ## 5. The article's β = 0.01, measured
#
# The article's optimizer is plain SGD with α = 0.01, and its pull is β = 0.01. Train the
# sentiment stream that way (with the loop repaired: every task gets its full number of steps),
# with and without the pull, over three seeds.
#
# **The course's noise rule.** Is a difference between two methods real, or luck of the seed?
# Run both on the same seeds, so each seed gives a *paired* difference $d_s = a_s - b_s$ (the same
# test sentences and the same initial weights for both). With $n$ seeds, mean $\bar d$ and
# standard deviation $s_d$, the 95% interval of the true difference is
#
# $$ \bar d \pm t_{0.975,\,n-1}\, \frac{s_d}{\sqrt n} \qquad (t_{0.975,2} = 4.30 \text{ for three seeds}). $$
#
# An interval above 0 says *helps*, below 0 *hurts*, and one that holds 0 says *no measurable
# difference*. That last verdict means "no effect" only if the same measurement can see an
# effect where there is one (a *positive control*). `mm.paired_difference` computes
# it; every later notebook uses the same rule.

# %%
seeds = (SEED, SEED + 1, SEED + 2)
article = dict(stream, optimizer="sgd", lr=0.01)          # the article's optimizer and learning rate
none = stability_plasticity([0.0], "pull", seeds=seeds, **article)
pull = stability_plasticity([0.01], "pull", seeds=seeds, **article)
for metric in ("acc", "bwt"):
    d = paired_difference(pull[metric + "_per_seed"][:, 0], none[metric + "_per_seed"][:, 0])
    print(f"{metric.upper()}: no regularizer {none[metric][0]:+.3f}, ArticlePull(0.01) {pull[metric][0]:+.3f}\n"
          f"     paired difference {d} -> {d.verdict}")

# the positive control: the same three seeds, the same pull, on notebook 04's Adam stream
none_adam = stability_plasticity([0.0], "pull", seeds=seeds, **stream)
pull_adam = stability_plasticity([0.01], "pull", seeds=seeds, **stream)
d = paired_difference(pull_adam["bwt_per_seed"][:, 0], none_adam["bwt_per_seed"][:, 0])
print(f"positive control, BWT under Adam: paired difference {d} -> {d.verdict}")

# %% [markdown]
# At the article's settings the pull makes **no measurable difference**: both 95% intervals hold
# 0. And the measurement is not blind: with the same three seeds, the same pull on the Adam stream
# (the positive control) gives an interval of BWT above 0. By the mapping of
# section 2 it is formula 2 with λ ≈ 0.5, which sounds strong; but a spring only acts on how far θ
# moves, and plain SGD with α = 0.01 hardly moves this model from its starting point (ACC stays near
# 0.5, chance), so there is nothing to hold back. (In the article's own loop, with one step per
# task, the pull only lowers the learning rate by 1 %: exercise 2.) β = 0.01 is not useless in
# itself; what matters is β relative to how far each task moves θ. On notebook 04's stream,
# trained with Adam, a sweep of β shows where the pull starts to act:

# %%
betas = [0.0, 0.01, 0.3] if FAST else [0.0, 0.001, 0.01, 0.03, 0.1, 0.3]
sweep = stability_plasticity(betas, "pull", seeds=(SEED,), **stream)
print("     beta    ACC     BWT    last")
for i, b in enumerate(betas):
    print(f"{b:9g}  {sweep['acc'][i]:.3f}  {sweep['bwt'][i]:+.3f}  {sweep['last'][i]:.3f}")
fig = course.plot_stability_plasticity(betas, sweep["acc"], sweep["bwt"], sweep["last"], xlabel="β (ArticlePull)",
                                    title="the article's pull: which β matters")
plt.show()

# %% [markdown]
# Trained with Adam, θ moves far within each task, and the same β = 0.01 now removes most of the
# forgetting at a small cost in plasticity; from β of a few hundredths on, the pull starts to stop
# the learning, as a large λ did in notebook 04. (Under Adam the pull is not formula 2 any more, as
# section 3 showed, but it plays the same stability–plasticity game.) The β axis of the plot is
# symmetric-log, like notebook 04's λ axis: linear below the smallest non-zero β, so that β = 0 has
# a place on it.

# %% [markdown]
# ## Summary
#
# - The article's code does not run; repaired, its pull is the *decoupled* form of formula 2: a
#   step of the optimizer, then $\theta \leftarrow \theta - \beta(\theta - \theta_{t-1})$.
# - Under plain SGD it equals formula 2 (the *coupled* form, a proximal term in the loss) with
#   $\lambda = \beta/(2\alpha(1-\beta))$ and rate $\alpha(1-\beta)$; it is also Reptile's interpolation.
# - Under momentum and Adam the two forms are different algorithms: the coupled form still reaches
#   formula 2's answer, the pull does not (the same reason AdamW differs from Adam + L2).
# - EWC is formula 2 with a Fisher-information weight per parameter.
# - At the article's settings (plain SGD, α = 0.01) the pull with β = 0.01 makes no measurable
#   difference (the course's noise rule: a paired 95% interval over three seeds that holds 0), though
#   the same three seeds detect it on the Adam stream; there, β around 0.01 already removes most
#   forgetting, and larger β stops learning.
#
# **Questions.**
# 1. Why does Adam make the decoupled pull move every coordinate by about the same amount?
#
# <details><summary>Answer</summary>
#
# Adam divides each coordinate's gradient by its own running scale, so every coordinate steps by
# about α per step, whatever its curvature. The pull is not rescaled: it removes β times the
# distance to the anchor. The two balance where $\beta\,|\theta_i - a_i| \approx \alpha$, the same
# distance $\alpha/\beta$ in every coordinate (section 3, right panel).
# </details>
#
# 2. The article calls its loop meta-learning. Which algorithm of notebook 05 performs the same
#    interpolation, and what is missing from the article's loop to make it that algorithm?
#
# <details><summary>Answer</summary>
#
# Reptile: after adapting to a task it moves the shared parameters part of the way toward the
# adapted ones, $\theta \leftarrow a + (1-\beta)(\theta - a)$ (section 2). Reptile adapts a *copy* of a
# shared initialisation to a sampled task, interpolates, and repeats over many tasks, so the anchor
# $a$ is the initialisation it learns. The article's loop has no shared initialisation: its anchor
# is simply the previous task's parameters, used but never learned.
# </details>
#
# 3. The pull with β = 0.01 is formula 2 with λ ≈ 0.5 under the article's SGD (α = 0.01). Why, then,
#    does it make no measurable difference on the sentiment stream?
#
# <details><summary>Answer</summary>
#
# A spring only acts on how far θ moves within a task. Plain SGD with α = 0.01 barely moves this
# bag-of-words model (ACC stays near chance), so there is no forgetting to prevent. Under Adam θ
# moves far, and the same β removes most of the forgetting (section 5).
# </details>
#
# 4. EWC at λ = 1 forgets less than no spring and keeps more plasticity than `L2ToPrevious` at the
#    moderate λ. What does it know that the single λ does not?
#
# <details><summary>Answer</summary>
#
# Which parameters the old tasks depend on. The Fisher information is large for the weights of
# words that mattered in earlier domains and near zero for the rest, so EWC holds the first and
# leaves the second free to learn the new domain; one λ holds every weight equally.
# </details>
