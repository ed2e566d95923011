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
# model, and drag a λ knob that slides the answer between "remember" and "learn". Follow θ through
# a stream of three tasks, then measure the trade-off on the stream of sentiment tasks from
# notebook 03. Notebook 04b repairs the article's own code for formula 2 and measures it.
#
# **What you'll learn.**
# - the closed form $\theta_t = (X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{t-1})$ and its limits;
# - why a new task's stiff directions are learned first and its flat ones last;
# - that gradient descent and Adam on the penalised loss reach the closed form;
# - the stability–plasticity trade-off and how ACC, BWT and last-task accuracy move with λ.
#
# **What you'll need.** Notebooks 02 (formula 1) and 03 (accuracy matrix, ACC/BWT/FWT). Solving a
# 2×2 linear system; the gradient of $\lVert\theta - a\rVert^2$.
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
LAM = 1.0      # λ of the 2-D examples (sections 2-3)

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import metamap_edu as mm
from metamap_edu import course
from metamap_edu.learn import L2ToPrevious, SequentialTrainer, fit, least_squares, ridge_toward
from metamap_edu.experiments import stability_plasticity
from metamap_edu.models import LinearMap, flat_params, set_flat_params
from metamap_edu.tasks import MappingTask

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
# the data loss plus a spring pulling $\theta$ back to where it was. A penalty on the distance to a
# reference point like this one is called a **proximal term** (after the proximal-point method,
# which solves a sequence of problems, each kept near the previous answer). For a linear model with
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
passed = course.check_ridge_toward(ridge)

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
# The package's version is `metamap_edu.learn.ridge_toward`.
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
    print(course.lambda_view(lam, X2, y2, theta_prev).text)
plt.close("all")
view = course.lambda_view(LAM, X2, y2, theta_prev)
plt.show()

# %% [markdown]
# **Try it.** Run the cell below to enable the slider (until it runs, the cell shows a picture of
# the result for `LAM`).
# Where on the curve does $\theta_t$ sit when λ equals the largest eigenvalue of $X^\top X/n$?

# %%
display(course.lambda_slider(X2, y2, theta_prev, lam=LAM))

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
fig = course.plot_task_trajectories(runs, [(X.numpy(), y.numpy()) for X, y in data],
                                 task_names=[t.name for t in tasks], labels=("$\\theta_1$", "$\\theta_2$"))
plt.show()

# %% [markdown]
# ## 4. The trade-off on real forgetting: sentiment domains
#
# Back to the stream of notebook 03: one bag-of-words classifier trained with Adam on one sentiment
# domain after another. `stability_plasticity` runs the whole stream once per λ and returns ACC,
# BWT and the accuracy on the last task right after learning it (plasticity). The λ values are
# small because the data gradients of a bag-of-words model are small, and Adam rescales the sum of
# data and penalty gradients (notebook 04b, section 3, shows what that does). The λ axis of the
# plot is *symmetric-log* (matplotlib's `symlog`): logarithmic above the smallest non-zero λ and
# linear below it, so that λ = 0 has a place on it.

# %%
# the stream of notebook 03 (the package's defaults: Adam, 100 steps per task, four domains)
stream = dict(n_per_task=200, steps_per_task=40) if FAST else {}
MODERATE, HUGE = 3e-4, 1e-2
lams = [0.0, MODERATE, HUGE] if FAST else [0.0, 1e-4, MODERATE, 1e-3, 3e-3, HUGE]
curve = stability_plasticity(lams, "l2", seeds=(SEED,), **stream)
print("   lambda    ACC     BWT    last")
for i, lam in enumerate(lams):
    print(f"{lam:9g}  {curve['acc'][i]:.3f}  {curve['bwt'][i]:+.3f}  {curve['last'][i]:.3f}")
fig = course.plot_stability_plasticity(lams, curve["acc"], curve["bwt"], curve["last"])
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
# parameter is a blunt tool; EWC (notebook 04b, section 4) sharpens it.

# %% [markdown]
# ## Summary
#
# - Formula 2 adds a spring $\lambda\lVert\theta - \theta_{t-1}\rVert^2$, a proximal term. For linear
#   models it has the closed form $(X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{t-1})$, and
#   training with `L2ToPrevious` (SGD or Adam) reaches it.
# - In the eigenbasis of $X^\top X/n$ each direction moves $h/(h+\lambda)$ of the way to the new
#   optimum: stiff directions first, flat ones last, so θ's path is a curve.
# - In a stream, chaining the closed form task after task predicts every point the trainer visits.
# - λ trades plasticity (learn the new task) for stability (keep the old ones): BWT and last-task
#   accuracy pull in opposite directions.
#
# **Next.** Notebook 04b repairs the article's code, shows that its pull is formula 2 under SGD and
# something else under momentum and Adam, meets EWC, and measures the article's β = 0.01.
#
# **Questions.**
# 1. In section 2, which direction of $\theta$ reaches the new optimum first as λ decreases, and why?
#
# <details><summary>Answer</summary>
#
# The stiff one: the eigenvector of $X^\top X/n$ with the largest eigenvalue $h$. It moves the
# fraction $h/(h+\lambda)$ of the way, which is close to 1 as soon as λ is small next to its $h$,
# while a flat direction (small $h$) needs a λ far below its own $h$. The new task's loss rises
# steeply along the stiff direction, so the data outweighs the spring there first.
# </details>
#
# 2. Where on the curve does $\theta_t$ sit when λ equals the largest eigenvalue of $X^\top X/n$?
#
# <details><summary>Answer</summary>
#
# Half-way along the stiff direction ($h/(h+h) = 1/2$), and less than half-way along the flat one
# ($h_{\min}/(h_{\min} + h_{\max}) < 1/2$).
# </details>
#
# 3. On the sentiment stream, why does the last task's accuracy fall toward chance at the largest λ,
#    while BWT rises above the unregularized run's?
#
# <details><summary>Answer</summary>
#
# A strong spring keeps θ near where it was before each task, so little of the old tasks is
# forgotten (BWT near or above 0), but little of the new task is learned either: plasticity is
# lost. Nothing is forgotten because nothing new is learned.
# </details>
