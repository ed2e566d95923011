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
# # 02 · Learn one mapping with gradient descent
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F02_learning_one_mapping.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/02_learning_one_mapping.ipynb)
#
# **What you'll do.** Fit a straight line by gradient descent and watch every step on the loss
# surface; turn a learning-rate knob until training crawls, converges and blows up; then run the
# very same loop on a sentiment task made of words; finally write one gradient step yourself.
#
# **What you'll learn.**
# - formula 1 of the article, $\theta' = \theta - \alpha \nabla_\theta L_t(\theta)$, as code you can read;
# - why a learning rate that is too large makes training diverge, and how to compute the limit;
# - that the training loop does not care what the mapping is: numbers → number or words → label.
#
# **What you'll need.** Notebook 01 (tasks as mappings) helps but is not required. Derivatives
# of a square, and the idea of an eigenvalue, for section 2.
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
FAST = False   # True: fewer steps and a smaller text task (for tests and a quick look)
SEED = 0       # every random number in this notebook follows from this seed
ALPHA = 0.2    # the learning rate of section 1

# %%
import math

import matplotlib.pyplot as plt
import torch

import metamap_edu as mm
from metamap_edu import course
from metamap_edu.learn import add_bias_column, least_squares
from metamap_edu.learn import score
from metamap_edu.models import BagOfWordsClassifier, LinearMap, flat_params
from metamap_edu.tasks import MappingTask, sentiment_family
from metamap_edu.learn import DivergenceError, fit, sgd_step

# one clear message if a parameter above is unusable; an ALPHA above 10 diverges within a few steps
mm.check_parameters(FAST=FAST, SEED=SEED, ALPHA=(ALPHA, 1e-6, 10.0))
mm.set_seed(SEED)
threads = mm.set_threads(1)

# %% [markdown]
# ## 1. Formula 1 on a straight line
#
# The smallest mapping worth learning: one number in, one number out,
# $\hat y = w x + b$. The model is `LinearMap(1, 1)`; its parameters are $\theta = (w, b)$.
# We draw 32 points from the line $y = 1.5x - 0.5$ plus a little noise.

# %%
gen = torch.Generator().manual_seed(SEED)
x = torch.rand(32, generator=gen) * 4 - 2                  # inputs in [-2, 2]
y = 1.5 * x - 0.5 + 0.1 * torch.randn(32, generator=gen)   # the mapping we want to recover
line = MappingTask(name="line", kind="regression",
                   examples=[((float(a),), (float(b),)) for a, b in zip(x, y)])
print(f"task {line.name!r}: {len(line)} examples of kind {line.kind!r}")
for example in line.examples[:3]:
    print(f"x = {example[0][0]:+.3f}  ->  y = {example[1][0]:+.3f}")

# %% [markdown]
# The loss is the mean squared error over the $n$ examples,
#
# $$ L(w, b) = \frac{1}{n}\sum_{i=1}^{n} \left(w x_i + b - y_i\right)^2 ,
# \qquad
# \nabla L = \frac{2}{n}\sum_{i=1}^{n} \left(w x_i + b - y_i\right) \begin{pmatrix} x_i \\ 1 \end{pmatrix}, $$
#
# and gradient descent repeats formula 1, $\theta \leftarrow \theta - \alpha \nabla L(\theta)$.
# `fit` runs exactly this loop (with `batch_size` at least the number of examples, every step
# sees all of them, so this is plain gradient descent rather than *stochastic* gradient descent).
# A line has an exact answer, the least-squares solution, so we can check where training ends.

# %%
model = LinearMap(1, 1)                      # starts at w = b = 0
steps = 30 if FAST else 60
try:
    history = fit(model, line, optimizer="sgd", lr=ALPHA, steps=steps, batch_size=len(line), progress=False)
    outcome = f"loss = {history.final_loss:.4f}"
except DivergenceError as err:               # an ALPHA above the limit of section 2
    outcome = f"DIVERGED at step {err.step}: ALPHA = {ALPHA:g} is too large (section 2 says why)"

X, Y = line.tensors()
X1 = add_bias_column(X)                      # columns [x, 1], so theta = [w, b]
exact = least_squares(X1, Y.double().reshape(-1))
w, b = flat_params(model).tolist()
print(f"after {steps} steps of gradient descent: w = {w:.3f}, b = {b:.3f}, {outcome}")
print(f"least-squares solution:             w = {exact[0]:.3f}, b = {exact[1]:.3f}")

# %% [markdown]
# `fit` hides nothing more than this: formula 1 written out, with autograd for $\nabla L$ and
# the library's `sgd_step` for $\theta \leftarrow \theta - \alpha\nabla L$.

# %%
by_hand = LinearMap(1, 1)                                      # w = b = 0, like `model`
for step in range(steps):
    loss = ((by_hand(X) - Y) ** 2).mean()                      # L(w, b) on all 32 points
    grads = torch.autograd.grad(loss, list(by_hand.parameters()))   # ∇L
    sgd_step(by_hand.parameters(), grads, lr=ALPHA)            # θ ← θ − α ∇L   (formula 1)
same = torch.allclose(flat_params(by_hand), flat_params(model), atol=1e-5)
w_hand, b_hand = flat_params(by_hand).tolist()
if math.isfinite(w_hand) and math.isfinite(b_hand):
    print(f"by hand: w = {w_hand:.3f}, b = {b_hand:.3f}; the same parameters as fit: {same}")
else:
    print("by hand: the loop diverged, as fit did")

# %% [markdown]
# Every step moves $\theta$ downhill, perpendicular to the contour lines of $L$. The picture
# starts from $(w, b) = (-2, 3)$ so that the path is long enough to see; the star is the exact
# minimum.

# %%
view = course.alpha_view(ALPHA, line, steps=steps, start=(-2.0, 3.0))
print(view.text)
plt.show()

# %% [markdown]
# ## 2. How large a step? The learning rate α
#
# Near the minimum $\theta^*$ the loss is exactly quadratic, with Hessian
# $H = \frac{2}{n} X^\top X$ (here $X$ has the columns $x$ and $1$). Write the error as
# $e = \theta - \theta^*$; one step gives
#
# $$ e \leftarrow (I - \alpha H)\, e . $$
#
# Along an eigenvector of $H$ with eigenvalue $h$ (in this notebook $h$ is always an eigenvalue of
# the Hessian $\frac2n X^\top X$; notebook 04 works with $\frac1n X^\top X$, whose eigenvalues are
# half as large) the error is multiplied by $(1 - \alpha h)$ at
# every step. It shrinks only when $|1 - \alpha h| < 1$, that is when $0 < \alpha < 2/h$. The
# stiffest direction, the largest eigenvalue $h_{\max}$, sets the limit
# $\alpha < 2 / h_{\max}$:
#
# - $\alpha$ much smaller than the limit: every step is safe but tiny, so training **crawls**;
# - $\alpha$ a good fraction of the limit: **converges** in a few dozen steps;
# - $\alpha$ above the limit: the error grows geometrically and training **diverges**. The
#   library then stops with a `DivergenceError` that says so, rather than returning NaN weights.

# %%
for alpha in (0.01, 0.3, 3.0):
    view = course.alpha_view(alpha, line, steps=40, start=(-2.0, 3.0))
    print(view.text, end="\n\n")
    plt.show()

# %% [markdown]
# **Try it.** Run the cell below to enable the slider (it needs a live kernel; until then the cell
# shows a picture of the result for `ALPHA`). Find the value where the path starts to zig-zag across
# the valley, and the value where it flies off. Between the limit and the point where numbers
# overflow, the loss grows but stays finite: the text then says *diverging*.

# %%
slider = course.alpha_slider(line, steps=40, start=(-2.0, 3.0), alpha=ALPHA)
display(slider)

# %% [markdown]
# **Exercise 1.** Compute the largest learning rate for which gradient descent on this line
# converges. `X1` holds the columns $x$ and $1$. (Hint: `torch.linalg.eigvalsh`.) Write your answer
# where the `...` is; until you do, the check says **Not attempted yet**. A short explanation hides
# below, and `solutions/02_learning_one_mapping.ipynb` (in the `solutions` folder next to this
# notebook) has every answer written in.

# %% tags=["solution"]
n = X1.shape[0]
h_max = torch.linalg.eigvalsh(2 * X1.T @ X1 / n).max()   # largest eigenvalue of the Hessian
max_stable_alpha = float(2 / h_max)

# %%
passed = course.check_max_stable_lr(max_stable_alpha, X1)

# %% [markdown]
# <details><summary>Solution</summary>
#
# The Hessian of $\frac1n\lVert X\theta - y\rVert^2$ is $\frac{2}{n}X^\top X$ (no ½ in front
# of the loss, so differentiating twice brings down a 2). The limit is $2/h_{\max}$:
#
# ```python
# h_max = torch.linalg.eigvalsh(2 * X1.T @ X1 / n).max()
# max_stable_alpha = float(2 / h_max)
# ```
# </details>

# %% [markdown]
# ## 3. The same loop on words: a sentiment task
#
# Nothing in `fit` is about lines. A sentiment task maps a sentence to `"positive"` or
# `"negative"`. The model `BagOfWordsClassifier` turns a sentence into word frequencies
# $v(x)$, a vector with one entry per word, and scores each label linearly (logistic regression;
# the letter $\phi$ is kept for notebook 05, where it names adapted parameters):
#
# $$ p(y = c \mid x) = \operatorname{softmax}_c\big(W v(x) + b\big), \qquad
# L(\theta) = -\frac{1}{n}\sum_i \log p(y_i \mid x_i). $$
#
# The update is still formula 1. Each step now uses a *minibatch* of 32 sentences, so
# $\nabla L$ is a noisy estimate, and the loss curve wiggles.
#
# The loss is the *cross-entropy* $-\log p(y_i \mid x_i)$, for every labelled task in the course.
# The article's code trains its NLP tasks with a squared error (`MSELoss`) instead. A label is a
# category, not a number, and the squared error between probabilities and the one-hot label has a
# flaw the cell below shows: when the model is confidently wrong, its gradient on the scores almost
# vanishes (the softmax is flat there), while the cross-entropy's gradient, $p - y$, stays large.

# %%
z = torch.tensor([4.0, -4.0], requires_grad=True)   # scores of (positive, negative): confidently positive
onehot = torch.tensor([0.0, 1.0])                     # ...but the right label is negative
squared_error = ((torch.softmax(z, 0) - onehot) ** 2).sum()
cross_entropy = -torch.log_softmax(z, 0)[1]
g_se, = torch.autograd.grad(squared_error, z)
g_ce, = torch.autograd.grad(cross_entropy, z)
print(f"confidently wrong: size of the gradient on the scores, squared error {float(g_se.norm()):.2g}, "
      f"cross-entropy {float(g_ce.norm()):.2g}")

# %%
n_text = 400 if FAST else 1200
movies = sentiment_family(domains=["movies"], n_per_task=n_text, seed=SEED)[0]
train, test = movies.train_test_split(test_fraction=0.25, seed=SEED)
print(f"{movies.name}: {len(train)} training and {len(test)} test sentences")
for sentence, label in train.examples[:4]:
    print(f"  {label:>8}: {sentence}")

# %%
text_steps = 150 if FAST else 600
curves = {}
for lr in (0.05, 0.5, 2.0):
    mm.set_seed(SEED)
    clf = BagOfWordsClassifier.for_tasks([train], mode="sum")
    h = fit(clf, train, optimizer="sgd", lr=lr, steps=text_steps, batch_size=32, eval_task=test,
            eval_every=text_steps // 3, progress=False)
    curves[f"α = {lr:g}"] = h.loss
    print(f"lr = {lr:<4g}  training loss {sum(h.loss[-50:]) / 50:.3f} (last 50 steps)  "
          f"test accuracy {h.final_metric:.3f}   training accuracy {score(clf, train):.3f}")
fig = course.plot_loss_curves(curves, ylabel="minibatch loss", title="SGD on a bag of words", logy=False)
plt.show()

# %% [markdown]
# Read the numbers before the picture: the training loss falls and the training accuracy rises,
# but on sentences the model has never seen it does only a little better than a coin (0.5), and
# worse than on its training sentences: it fits the particular sentences it saw rather than
# sentiment -- *overfitting*. It is *underfitting* at the same time: the training accuracy itself
# stays below three quarters at every learning rate, so the model cannot even fit the sentences it
# was trained on (the next two cells show why: names get weights, and negation cannot be
# represented). A gap between training and test, and a low training score, are two different
# problems; this model has both. The largest
# weights $W_{\text{positive}} - W_{\text{negative}}$ of the last model show it: names and places,
# which carry no sentiment at all, sit next to real opinion words.

# %%
weights = (clf.bag.weight[:, clf.labels.index("positive")] - clf.bag.weight[:, clf.labels.index("negative")]).detach()
order = weights.argsort()
print("most negative:", ", ".join(clf.vocab.itos[i] for i in order[:8].tolist()))
print("most positive:", ", ".join(clf.vocab.itos[i] for i in order[-8:].flip(0).tolist()))

# %% [markdown]
# There is a second, deeper limit. With word counts $v(x)$, adding the word *not* to a sentence
# adds the same number, $W_{\text{pos}}[\textit{not}] - W_{\text{neg}}[\textit{not}]$, to the
# score, whatever the sentence says. So "not dull" and "not superb" are pushed the same way, but
# negation should push them in opposite directions. The differences below are identical for every
# adjective: no setting of a bag-of-words model can learn negation.

# %%
def positive_score(sentence):
    """log p(positive | x) - log p(negative | x): the difference of the two linear scores."""
    p = clf.predict_proba([sentence])[0]             # (C,) probabilities, in clf.labels order
    return float(torch.log(p[clf.labels.index("positive")] / p[clf.labels.index("negative")]))


for adjective in ("dull", "superb", "bad"):
    plain, negated = f"the plot was {adjective}", f"the plot was not {adjective}"
    print(f"{negated!r:32} minus {plain!r:28}: {positive_score(negated) - positive_score(plain):+.3f}")

# %% [markdown]
# ## 4. Exercise 2: one gradient step by hand
#
# Write formula 1 for one parameter tensor: given `theta`, its gradient `grad` and the learning
# rate `lr`, return the new parameters. The check computes a real gradient, lets
# `torch.optim.SGD` take the same step, and compares.

# %% tags=["solution"]
def my_sgd_step(theta, grad, lr):
    return theta - lr * grad


# %%
passed = course.check_sgd_step(my_sgd_step)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def my_sgd_step(theta, grad, lr):
#     return theta - lr * grad
# ```
# `torch.optim.SGD` without momentum does exactly this, in place: `theta.add_(grad, alpha=-lr)`.
# The library's `metamap_edu.learn.sgd_step`, used by the loop of section 1, is the same line,
# applied to every parameter.
# </details>

# %% [markdown]
# ## Summary
#
# - Formula 1, $\theta' = \theta - \alpha\nabla_\theta L_t(\theta)$, is the whole training loop:
#   compute the loss, differentiate, step downhill, repeat.
# - On a quadratic loss the learning rate has a hard limit, $\alpha < 2/h_{\max}$, set by the
#   stiffest direction. Below it training converges (slowly if α is tiny); above it, it diverges,
#   and the library stops with a message instead of returning NaN weights.
# - The same loop trains a bag-of-words sentiment classifier, with the cross-entropy loss. On this
#   language it both overfits (training accuracy above test accuracy) and underfits (training
#   accuracy below three quarters), and it cannot represent negation at all: the limit there is
#   the model, not the optimiser.
#
# **Questions.**
# 1. Double every $x_i$ (the inputs). What happens to $h_{\max}$ and to the largest safe α?
# 2. Why does the path zig-zag when α is close to the limit, but not when it is small?
# 3. The text task's loss curve is noisy, the line's is smooth. Which setting of `fit` is responsible?
#
# <details><summary>Answer</summary>
#
# 1. The Hessian $\frac{2}{n}X^\top X$ has its $x$-part multiplied by 4 and its bias part unchanged,
#    so $h_{\max}$ grows, by a factor between 1 and 4, and the largest safe $\alpha = 2/h_{\max}$ shrinks
#    by the same factor. The scale of the inputs sets the learning rate, which is why inputs are
#    usually standardised.
# 2. Along an eigenvector with eigenvalue $h$ the error is multiplied by $1 - \alpha h$ at each step. Near
#    the limit, $1 - \alpha h_{\max}$ is close to $-1$: the error changes sign every step and shrinks
#    slowly, so the path jumps from one side of the valley to the other. For a small $\alpha$ every
#    factor lies between 0 and 1, and the error shrinks without changing sign.
# 3. `batch_size`. The line is fitted with `batch_size=len(line)`, the exact gradient of one fixed
#    loss; the text task with `batch_size=32`, a new random minibatch at each step, so both the
#    gradient and the loss plotted are estimates that vary from step to step.
# </details>
#
# **Next.** Notebook 03 trains one model on a *stream* of tasks, one after another, and measures
# what it forgets.
