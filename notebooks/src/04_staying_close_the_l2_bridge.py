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
# # 04 · Stay close to the last task: the L2 bridge
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F04_staying_close_the_l2_bridge.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/04_staying_close_the_l2_bridge.ipynb)
#
# **What you'll do.** Add the article's formula 2 to training, solve it exactly for a linear
# model, and drag a λ knob that slides the answer between "remember" and "learn". Measure the
# trade-off on the stream of sentiment tasks from notebook 03. Repair the article's code line by
# line, prove that its "pull" step is formula 2 in disguise (under plain SGD only), and see how
# momentum and Adam break that equivalence. Meet EWC, a weighted cousin.
#
# **What you'll learn.**
# - the closed form $\theta_t = (X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{t-1})$ and its limits;
# - the stability–plasticity trade-off and how ACC, BWT and last-task accuracy move with λ;
# - the *coupled* (penalty in the loss) and *decoupled* (pull after the step) forms, and the exact
#   mapping $\lambda = \beta / (2\alpha(1-\beta))$ between them under SGD;
# - why the article's β = 0.01 does almost nothing, and which β does matter.
#
# **What you'll need.** Notebooks 02 (formula 1) and 03 (accuracy matrix, ACC/BWT/FWT). Solving a
# 2×2 linear system; the gradient of $\lVert\theta - a\rVert^2$.
#
# **Time.** About 45 minutes. Running all cells takes well under a minute; the README's table gives the measured time.

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
LAM = 1.0      # λ of the 2-D examples (sections 2-3)

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import metamap_edu as mm
from metamap_edu import exercises, viz, widgets
from metamap_edu.closed_form import least_squares, ridge_toward, shrink_fractions
from metamap_edu.models import LinearMap, flat_params, set_flat_params
from metamap_edu.noise import paired_difference
from metamap_edu.tasks import MappingTask
from metamap_edu.train import (STREAM_DEFAULTS, STREAM_DOMAINS, ArticlePull, L2ToPrevious, SequentialTrainer,
                               fit, pull_as_l2, run_sentiment_stream, stability_plasticity)

# one clear message if a parameter above is unusable; above λ = 10 the spring barely lets θ move,
# and gradient descent with lr = 0.05 in sections 2-3 becomes unstable near λ = 20
mm.check_parameters(FAST=FAST, SEED=SEED, LAM=(LAM, 0.0, 10.0))
mm.set_seed(SEED)
threads = mm.set_threads(1)


def fmt(vector, digits=3):
    """A parameter vector as '(a, b, ...)' with a fixed number of decimals."""
    return "(" + ", ".join(f"{float(v):.{digits}f}" for v in vector) + ")"

# %% [markdown]
# ## 1. Formula 2 and its exact answer
#
# After task $t-1$ the model has parameters $\theta_{t-1}$. The article trains task $t$ on
#
# $$ \min_\theta \; L_t(\theta) + \lambda \lVert \theta - \theta_{t-1} \rVert^2 , $$
#
# the data loss plus a spring pulling $\theta$ back to where it was. For a linear model with
# $L_t(\theta) = \frac1n\lVert X\theta - y\rVert^2$ the whole objective is quadratic. Its gradient is
# $\frac2n X^\top(X\theta - y) + 2\lambda(\theta - \theta_{t-1})$; setting it to zero gives
#
# $$ \theta_t = \left(\tfrac1n X^\top X + \lambda I\right)^{-1}\left(\tfrac1n X^\top y + \lambda\,\theta_{t-1}\right). $$
#
# - $\lambda \to 0$: $\theta_t$ is the least-squares optimum of task $t$ (pure plasticity);
# - $\lambda \to \infty$: $\theta_t = \theta_{t-1}$ (pure stability, nothing new is learned);
# - in between, in the eigenbasis of $X^\top X/n$ (eigenvalues $h_i$), coordinate $i$ moves the
#   fraction $h_i / (h_i + \lambda)$ of the way to the new optimum: directions the new task hardly
#   constrains stay put.
#
# In this notebook $h$ is an eigenvalue of $\frac1n X^\top X$, the matrix in the solution above.
# Notebook 02's $h$ was an eigenvalue of the Hessian $\frac2n X^\top X$, twice as large: the same
# fraction in its terms is $h_{02} / (h_{02} + 2\lambda)$.
#
# We use two-parameter tasks, $y = \theta_1 x_1 + \theta_2 x_2$ + noise, with correlated inputs so
# that the loss valleys are tilted ellipses.

# %%
gen = torch.Generator().manual_seed(SEED)
MIX = torch.tensor([[2.0, 0.0], [1.5, 0.5]])            # correlated inputs: tilted valleys
TRUE_THETAS = [(1.0, -1.0), (-1.5, 1.0), (0.5, 2.0)]    # one optimum per task


def make_task(i, theta, n=40):
    X = torch.randn(n, 2, generator=gen) @ MIX
    y = X @ torch.tensor(theta) + 0.05 * torch.randn(n, generator=gen)
    return MappingTask(name=f"regression {i + 1}", kind="regression",
                       examples=[(tuple(map(float, a)), (float(b),)) for a, b in zip(X, y)])


tasks = [make_task(i, th) for i, th in enumerate(TRUE_THETAS)]
data = [(t.tensors()[0].double(), t.tensors()[1].double().reshape(-1)) for t in tasks]
for t, (X, y) in zip(tasks, data):
    print(f"{t.name}: least-squares optimum {fmt(least_squares(X, y))}")

# %% [markdown]
# **Exercise 1.** Write the closed form yourself: `ridge(X, y, theta_prev, lam)` returning the
# minimiser of $\frac1n\lVert X\theta-y\rVert^2 + \lambda\lVert\theta-\theta_{prev}\rVert^2$.

# %% tags=["solution"]
def ridge(X, y, theta_prev, lam):
    n, d = X.shape
    A = X.T @ X / n + lam * torch.eye(d, dtype=X.dtype)
    return torch.linalg.solve(A, X.T @ y / n + lam * theta_prev)


# %%
passed = exercises.check_ridge_toward(ridge)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def ridge(X, y, theta_prev, lam):
#     n, d = X.shape
#     A = X.T @ X / n + lam * torch.eye(d, dtype=X.dtype)
#     return torch.linalg.solve(A, X.T @ y / n + lam * theta_prev)
# ```
# Solve the linear system rather than forming the inverse: it is cheaper and more accurate.
# The package's version is `metamap_edu.closed_form.ridge_toward`.
# </details>

# %% [markdown]
# ## 2. The λ knob on the loss surface
#
# Take task 1's optimum as $\theta_{t-1}$ and task 2 as the new task. As λ grows, $\theta_t$ slides
# along the grey curve from the new task's optimum (λ = 0) back to $\theta_{t-1}$ (λ → ∞). The
# curve is not a straight line: the stiff direction of the new task's valley is learned first, the
# flat direction last.

# %%
theta_prev = least_squares(*data[0])
X2, y2 = data[1]
for lam in (0.1, LAM, 10.0):
    print(widgets.lambda_view(lam, X2, y2, theta_prev).text)
plt.close("all")
view = widgets.lambda_view(LAM, X2, y2, theta_prev)
plt.show()

# %% [markdown]
# **Try it.** Run the cell below to enable the slider (until it runs, the cell shows a picture of
# the result for `LAM`).
# Where on the curve does $\theta_t$ sit when λ equals the largest eigenvalue of $X^\top X/n$?

# %%
display(widgets.lambda_slider(X2, y2, theta_prev, lam=LAM))

# %% [markdown]
# Training should find the same point. `L2ToPrevious(lam)` adds $\lambda\lVert\theta - \theta_{t-1}\rVert^2$
# to the loss; `start_task` freezes the anchor $\theta_{t-1}$ at the current parameters. Gradient
# descent and Adam, run long enough, both land on the closed form.

# %%
exact = ridge_toward(X2, y2, theta_prev, LAM)
steps = 1000   # cheap on 2-D tasks; fewer steps leave Adam short of the closed form
for optimizer, lr in (("sgd", 0.05), ("adam", 0.01)):
    model = LinearMap(2, 1, bias=False)
    set_flat_params(model, theta_prev.float())
    reg = L2ToPrevious(LAM)
    reg.start_task(model, 1)                  # the anchor: theta_{t-1} = the current parameters
    fit(model, tasks[1], optimizer=optimizer, lr=lr, steps=steps, batch_size=len(tasks[1]),
        regularizer=reg, progress=False)
    gap = (flat_params(model).double() - exact).abs().max()
    print(f"{optimizer:>4}: trained {fmt(flat_params(model), 4)}  closed form {fmt(exact, 4)}  "
          f"difference below 1e-3: {bool(gap < 1e-3)}")

# %% [markdown]
# ## 3. A stream of three tasks in two dimensions
#
# Now train on the three regression tasks in turn with `SequentialTrainer`, once without a
# regularizer and once with `L2ToPrevious(LAM)`. Each coloured family of ellipses is one task's
# loss; each star its optimum. Without the spring, $\theta$ jumps to each new optimum and forgets
# the old one; with it, $\theta$ moves only part of the way. The first task has no predecessor, so
# it is learned fully; after that, chaining the closed form,
# $\theta_t = \text{ridge\_toward}(X_t, y_t, \theta_{t-1}, \lambda)$, predicts every point.

# %%
runs = {}
for label, reg in (("no regularizer", None), (f"L2ToPrevious(λ = {LAM:g})", L2ToPrevious(LAM))):
    model = LinearMap(2, 1, bias=False)        # starts at theta_0 = (0, 0)
    trainer = SequentialTrainer(model, reg, optimizer="sgd", lr=0.05, steps_per_task=steps,
                                batch_size=40, progress=False)
    runs[label] = torch.stack(trainer.run(tasks).params).numpy()

chained = [torch.zeros(2, dtype=torch.float64), least_squares(*data[0])]   # task 1 has no anchor yet
for X, y in data[1:]:
    chained.append(ridge_toward(X, y, chained[-1], LAM))
gap = np.abs(runs[f"L2ToPrevious(λ = {LAM:g})"] - torch.stack(chained).numpy()).max()
print("theta after each task, L2 run:", "  ".join(fmt(th) for th in runs[f"L2ToPrevious(λ = {LAM:g})"]))
print(f"chained closed form agrees to 1e-3: {bool(gap < 1e-3)}")
fig = viz.plot_task_trajectories(runs, [(X.numpy(), y.numpy()) for X, y in data],
                                 task_names=[t.name for t in tasks], labels=("$\\theta_1$", "$\\theta_2$"))
plt.show()

# %% [markdown]
# ## 4. The trade-off on real forgetting: sentiment domains
#
# Back to the stream of notebook 03: one bag-of-words classifier trained with Adam on one sentiment
# domain after another. `stability_plasticity` runs the whole stream once per λ and returns ACC,
# BWT and the accuracy on the last task right after learning it (plasticity). The λ values are
# small because the data gradients of a bag-of-words model are small, and Adam rescales the sum of
# data and penalty gradients (section 7 shows what that does).

# %%
# the stream of notebook 03 (the package's defaults: Adam, 100 steps per task, four domains)
stream = dict(n_per_task=200, steps_per_task=40) if FAST else {}
MODERATE, HUGE = 3e-4, 1e-2
lams = [0.0, MODERATE, HUGE] if FAST else [0.0, 1e-4, MODERATE, 1e-3, 3e-3, HUGE]
curve = stability_plasticity(lams, "l2", seeds=(SEED,), **stream)
print("   lambda    ACC     BWT    last")
for i, lam in enumerate(lams):
    print(f"{lam:9g}  {curve['acc'][i]:.3f}  {curve['bwt'][i]:+.3f}  {curve['last'][i]:.3f}")
fig = viz.plot_stability_plasticity(lams, curve["acc"], curve["bwt"], curve["last"])
plt.show()

# %%
best = lams.index(MODERATE)
print(f"moderate lambda = {lams[best]:g}: BWT {curve['bwt'][best]:+.3f} vs {curve['bwt'][0]:+.3f} without "
      f"-> less forgetting: {bool(curve['bwt'][best] > curve['bwt'][0])}")
print(f"largest lambda = {lams[-1]:g}: last-task accuracy {curve['last'][-1]:.3f} vs {curve['last'][0]:.3f} "
      f"without -> plasticity lost: {bool(curve['last'][-1] < curve['last'][0])}")

# %% [markdown]
# Without the spring the model learns each new domain well (last-task accuracy high) and forgets
# part of the old ones (BWT below 0). A moderate λ removes the forgetting; a large λ also stops the
# learning: nothing is forgotten because nothing new is learned, and the last task's accuracy falls
# toward chance. In between, ACC barely changes at the smallest λ and then falls: the forgetting
# the spring prevents on this stream is small next to the learning it can prevent. One λ for every
# parameter is a blunt tool; section 8 sharpens it.

# %% [markdown]
# ## 5. The article's code, repaired line by line
#
# The article illustrates formula 2 with a short PyTorch loop. It does not run, and it does not do
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
# applied after **every** step, toward the parameters the model had when the task started.

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
passed = exercises.check_effective_lr(one_step_lr, alpha=0.01, beta=0.01)

# %% [markdown]
# <details><summary>Solution</summary>
#
# The step gives $\theta' = \theta_{t-1} - \alpha g$; the pull gives
# $\theta' - \beta(\theta' - \theta_{t-1}) = \theta_{t-1} - \alpha(1-\beta) g$. With one step per
# task the "meta-learning" only lowers the learning rate by 1 %.
# </details>

# %% [markdown]
# ## 6. Under SGD the pull *is* formula 2
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
passed = exercises.check_lambda_mapping(lambda_from_pull)

# %% [markdown]
# <details><summary>Solution</summary>
#
# `beta / (2 * alpha * (1 - beta))`: the derivation is just above. At the article's numbers
# (α = β = 0.01) it gives λ ≈ 0.505 with learning rate 0.0099.
# </details>

# %% [markdown]
# ## 7. Under momentum and Adam the two forms differ
#
# The equivalence used the fact that SGD multiplies every gradient by the same α. Momentum
# accumulates the penalty's gradient over steps; Adam divides each coordinate's gradient by its
# own running scale. The pull never passes through the optimizer, so it is not rescaled.
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
fig = viz.plot_coupled_vs_decoupled(h.tolist(), {"SGD": moved["sgd"], "SGD + momentum 0.9": moved["momentum"],
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
# The same happens with weight decay, which is why AdamW
# (decoupled) and Adam + L2 (coupled) are different optimisers.

# %% [markdown]
# ## 8. EWC: formula 2 with a weight per parameter
#
# Elastic weight consolidation (Kirkpatrick et al., 2017) replaces the one λ by a weight per
# parameter, the diagonal of the Fisher information $F$ of the previous tasks:
#
# $$ \min_\theta\; L_t(\theta) + \lambda \sum_i F_i\, (\theta_i - \theta_{t-1,i})^2,
# \qquad F_i = \mathbb{E}\big[(\partial_{\theta_i} \ell)^2\big]. $$
#
# With all $F_i = 1$ it is formula 2. Parameters the old tasks are sensitive to are held tightly;
# the others move freely. For a linear model the closed form becomes
# $(X^\top X/n + \lambda F)^{-1}(X^\top y/n + \lambda F\theta_{t-1})$. On the sentiment stream,
# next to the plain spring of section 4 (EWC's λ is on another scale, because the Fisher values of a
# bag-of-words model are small):

# %%
print("                          ACC     BWT    last")
print(f"{'no regularizer':>24}  {curve['acc'][0]:.3f}  {curve['bwt'][0]:+.3f}  {curve['last'][0]:.3f}")
print(f"{f'L2ToPrevious(λ = {lams[best]:g})':>24}  {curve['acc'][best]:.3f}  {curve['bwt'][best]:+.3f}  {curve['last'][best]:.3f}")
for strength in (1.0, 100.0):
    m = run_sentiment_stream("ewc", strength, seed=SEED, **stream).metrics()
    print(f"{f'EWC(λ = {strength:g})':>24}  {m['acc']:.3f}  {m['bwt']:+.3f}  {m['last']:.3f}")

# %% [markdown]
# Weighting by the Fisher information protects the words that mattered for earlier domains and
# leaves the rest free, so EWC can cut forgetting while keeping most of the plasticity that a single
# λ throws away.

# %% [markdown]
# ## 9. The article's β = 0.01, measured
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
# effect where there is one (a *positive control*). `metamap_edu.noise.paired_difference` computes
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

# the positive control: the same three seeds, the same pull, on the Adam stream of section 4
none_adam = stability_plasticity([0.0], "pull", seeds=seeds, **stream)
pull_adam = stability_plasticity([0.01], "pull", seeds=seeds, **stream)
d = paired_difference(pull_adam["bwt_per_seed"][:, 0], none_adam["bwt_per_seed"][:, 0])
print(f"positive control, BWT under Adam: paired difference {d} -> {d.verdict}")

# %% [markdown]
# At the article's settings the pull makes **no measurable difference**: both 95% intervals hold
# 0. And the measurement is not blind: with the same three seeds, the same pull on the Adam stream
# (the positive control) gives an interval of BWT above 0. By the mapping of
# section 6 it is formula 2 with λ ≈ 0.5, which sounds strong; but a spring only acts on how far θ
# moves, and plain SGD with α = 0.01 hardly moves this model from its starting point (ACC stays near
# 0.5, chance), so there is nothing to hold back. (In the article's own loop, with one step per
# task, the pull only lowers the learning rate by 1 %: exercise 2.) β = 0.01 is not useless in
# itself; what matters is β relative to how far each task moves θ. On the stream of section 4,
# trained with Adam, a sweep of β shows where the pull starts to act:

# %%
betas = [0.0, 0.01, 0.3] if FAST else [0.0, 0.001, 0.01, 0.03, 0.1, 0.3]
sweep = stability_plasticity(betas, "pull", seeds=(SEED,), **stream)
print("     beta    ACC     BWT    last")
for i, b in enumerate(betas):
    print(f"{b:9g}  {sweep['acc'][i]:.3f}  {sweep['bwt'][i]:+.3f}  {sweep['last'][i]:.3f}")
fig = viz.plot_stability_plasticity(betas, sweep["acc"], sweep["bwt"], sweep["last"], xlabel="β (ArticlePull)",
                                    title="the article's pull: which β matters")
plt.show()

# %% [markdown]
# Trained with Adam, θ moves far within each task, and the same β = 0.01 now removes most of the
# forgetting at a small cost in plasticity; from β of a few hundredths on, the pull starts to stop
# the learning, as a large λ did in section 4. (Under Adam the pull is not formula 2 any more, as
# section 7 showed, but it plays the same stability–plasticity game.)

# %% [markdown]
# ## Summary
#
# - Formula 2 adds a spring $\lambda\lVert\theta - \theta_{t-1}\rVert^2$. For linear models it has
#   the closed form $(X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{t-1})$, and training
#   with `L2ToPrevious` reaches it.
# - λ trades plasticity (learn the new task) for stability (keep the old ones): BWT and last-task
#   accuracy pull in opposite directions.
# - The article's code does not run; repaired, its pull is the *decoupled* form. Under plain SGD it
#   equals formula 2 with $\lambda = \beta/(2\alpha(1-\beta))$ and rate $\alpha(1-\beta)$; under
#   momentum and Adam it is a different algorithm.
# - EWC is formula 2 with a Fisher weight per parameter.
# - At the article's settings (plain SGD, α = 0.01) the pull with β = 0.01 makes no measurable
#   difference (the course's noise rule: a paired 95% interval over three seeds that holds 0), though
#   the same three seeds detect it on the Adam stream; there, β around 0.01 already removes most
#   forgetting, and larger β stops learning.
#
# **Questions.**
# 1. In section 2, which direction of $\theta$ reaches the new optimum first as λ decreases, and why?
# 2. Why does Adam make the decoupled pull shrink every coordinate by the same amount?
# 3. The article calls its loop meta-learning. Which algorithm of notebook 05 performs the same interpolation?
