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
# # 05b · Learn new intents from one example: few-shot text
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F05b_few_shot_text.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/05b_few_shot_text.ipynb)
#
# **What you'll do.** Classify requests of classes that no model has seen with a label, from one
# or five examples per class; build the nearest-prototype classifier yourself; meta-train it on
# other classes and measure, with intervals, whether that helps on the new ones; and test the
# article's step 3 on the same episodes.
#
# **What you'll learn.**
# - what an N-way K-shot episode is, and why the classes of the test episodes must be held out;
# - ProtoNet: class prototypes $c_k$ and the rule $\hat y = \arg\min_k \lVert f_\theta(x) - c_k\rVert^2$;
# - how meta-training on *other* classes, on top of pretraining, changes accuracy on new ones,
#   compared with pretraining alone, with no pretraining and with a TF-IDF baseline;
# - what the article's step 3 (formula 2 or its pull) does when a pretrained model is fine-tuned on
#   a few examples.
#
# **What you'll need.** Notebook 05 (meta-learning, support and query sets), notebooks 04 and 04b (formula 2,
# the article's pull, the course's noise rule). Notebook 06 explains where the pretrained encoder
# comes from; here it is simply loaded.
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
FAST = False   # True: tiny runs of the same code (for tests and a quick look)
SEED = 0       # every random number in this notebook follows from this seed

# %%
import matplotlib.pyplot as plt
import torch

import metamap_edu as mm
from metamap_edu import tasks, experiments, course
from metamap_edu.experiments import METHODS, compare_few_shot

mm.check_parameters(FAST=FAST, SEED=SEED)   # one clear message if a parameter above is unusable
mm.set_seed(SEED)
threads = mm.set_threads(1)
SEEDS = (SEED, SEED + 1, SEED + 2)          # three seeds: three episode streams, three meta-training runs
EPISODES = 8 if FAST else 40                # episodes per seed and K (5 x 15 queries each)
META_ITERATIONS = 20 if FAST else 100       # ProtoNet meta-training steps per seed
FT_EPISODES = 1 if FAST else 2              # fine-tuning is costlier: the first episodes of each stream
FT_STEPS = 20 if FAST else 60               # Adam steps of fine-tuning on a support set

# %% [markdown]
# ## 1 · New classes, held out by class
#
# A *task* here is a set of requests, each labelled with its *intent*: `cancel_flight`,
# `renew_loan`, `book_tickets`, ... The intent world of `metamap_edu.tasks.intents` has 50 intents in ten
# domains. Each request says its action with one of eight synonyms (*cancel, scrap, revoke, ...*)
# and its object with one of eight (*flight, plane, airfare, ...*), in one of twelve phrasings, so
# two requests of the same intent, most of the time, share no content word.
#
# The intents are split **by class, whole domains at a time**: meta-training uses the intents of
# five domains, and the test intents come from three other domains (telecom, education, events)
# that no labelled example touches. A test *episode* is N-way K-shot: N test intents, K labelled
# requests of each (the *support set*) and 15 more of each to classify (the *query set*). A
# method that guesses scores $1/N$ = 0.2 at N = 5.

# %%
world = tasks.intent_split(tasks.intent_task(n_per_class=80, seed=1))
print("intents per part:", world.classes.sizes)
print("meta-test intents:", ", ".join(world.classes.test[:6]), "...")
episode = experiments.held_out_episodes(world.test, 5, 1, 15, 1, seed=SEED)[0]
print("\na 5-way 1-shot episode. Support set (one request per intent):")
for text, label in episode.support.examples:
    print(f"  {label:>20}: {text}")
print("three of its 75 queries:")
for text, label in list(episode.query.examples)[:3]:
    print(f"  {label:>20}: {text}")

# %% [markdown]
# ## 2 · Prototypes on frozen features (ProtoNet)
#
# A *prototypical network* (ProtoNet; Snell et al., 2017) needs an encoder $f_\theta$ that turns a
# text into a vector. Here it is the shipped `intents` checkpoint: a tiny transformer pretrained as
# a language model on unlabeled documents of all ten domains (notebook 06). Its *features* are the
# hidden states after its first block, averaged over the tokens ("pooled"); they are *frozen*:
# nothing is trained on the episode. The prototype of class k is the mean feature of its support
# examples, and a query goes to the nearest prototype:
#
# $$c_k = \frac{1}{|S_k|}\sum_{x \in S_k} f_\theta(x), \qquad \hat y(x) = \arg\min_k \lVert f_\theta(x) - c_k\rVert^2 .$$
#
# ### Exercise 1 · The nearest-prototype classifier
# Complete `prototype_predict(zs, ys, zq)`: `zs` holds one support feature per row, `ys` their
# class names, `zq` one query feature per row; return the class name of the nearest prototype for
# each query. The check compares it with the course's classifier on fresh features whose classes
# have different numbers of support rows.

# %% tags=["solution"]
def prototype_predict(zs, ys, zq):
    """Nearest class mean (prototype) for each row of zq; returns a list of class names."""
    classes = sorted(set(ys))
    prototypes = torch.stack([zs[[i for i, y in enumerate(ys) if y == c]].mean(0) for c in classes])  # (N, C)
    distances = torch.cdist(zq, prototypes)                                                          # (Q, N)
    return [classes[i] for i in distances.argmin(1).tolist()]


# %%
passed = course.check_prototype_predict(prototype_predict)

# %% [markdown]
# The same rule on the episode above, with the pretrained encoder's features (`<lm>` is the token
# the language model read before every document). `experiments.protonet_scores` is the course's
# version of the function you wrote; once your exercise passes, `prototype_predict(z[:5], ...)`
# gives the same answers.

# %%
encoder = experiments.load_pretrained("intents")
support, query = list(episode.support.examples), list(episode.query.examples)
with torch.no_grad():
    z = encoder.embed(["<lm> " + x for x, _ in support + query], layers=experiments.PROBE_LAYERS)  # (5 + 75, C)
print(f"features: {tuple(z.shape)}, one row of {z.shape[1]} numbers per text (5 support, then {len(query)} queries)")
right = round(experiments.protonet_scores(encoder, [episode])[0] * len(query))
print(f"the nearest-prototype rule gets {right} of {len(query)} queries right")

# %% [markdown]
# ## 3 · Meta-training on other classes, measured on new ones
#
# *Meta-training* a ProtoNet (notebook 05's idea, with a prototype classifier instead of inner
# gradient steps) updates θ on many episodes of the meta-train intents. On each episode the
# classifier's logits are the negative distances, and θ takes an Adam step on the query
# cross-entropy:
#
# $$\mathcal L(\theta) = -\frac{1}{|Q|}\sum_{(x, y) \in Q} \log \frac{\exp(-\lVert f_\theta(x) - c_y\rVert^2)}{\sum_k \exp(-\lVert f_\theta(x) - c_k\rVert^2)} .$$
#
# No test intent is ever in these episodes. If the test accuracy rises, θ has learned something
# about *classifying requests by prototypes* that carries to classes it never saw.
#
# `compare_few_shot` scores every method on the same episodes (per seed: its own episode stream,
# its own untrained twin of the encoder, its own meta-training run):
#
# | name | what it is |
# | --- | --- |
# | scratch + ProtoNet | the same architecture with random weights, no training |
# | pretrained + ProtoNet | the `intents` checkpoint as it is |
# | pretrained + meta-trained ProtoNet | the checkpoint after meta-training on meta-train intents |
# | meta-trained ProtoNet from scratch | the same meta-training, from the random weights |
# | TF-IDF centroid | the yardstick: word and word-pair counts weighted by their rarity in the unlabeled corpus (words outside it get no weight), nearest class mean |
# | TF-IDF centroid (words only) | the same without word pairs; each comparison uses whichever of the two scores higher at that K |
#
# Each comparison below is the course's noise rule (notebook 04b): the mean of the paired
# differences over all (seed, episode) pairs with its 95% interval; "helps" needs the whole
# interval above zero.

# %%
tfidf_corpus = experiments.pretraining_corpus(experiments.RECIPES["intents"])[:5000]
probes = ("scratch", "pretrained", "meta", "meta_scratch", "tfidf", "tfidf_words")
cmp = compare_few_shot(encoder, world, seeds=SEEDS, episodes=EPISODES, k_shots=(1, 5), methods=probes,
                       corpus=tfidf_corpus, meta_iterations=META_ITERATIONS, keep_models=True, progress=False)

# %%
n_units = len(cmp.units[("pretrained", 1)])
print(f"{len(SEEDS)} seeds x {EPISODES} episodes = {n_units} episodes per method and K, "
      f"{n_units * 75} queries; mean query accuracy [95% interval]")
print(f"{'method':>36}   {'1-shot':>18}   {'5-shot':>18}")
for m in probes:
    cells = [f"{cmp.interval(m, k).mean:.2f} [{cmp.interval(m, k).low:.2f}, {cmp.interval(m, k).high:.2f}]" for k in (1, 5)]
    print(f"{METHODS[m]:>36}   {cells[0]:>18}   {cells[1]:>18}")
yardstick = {k: max(("tfidf", "tfidf_words"), key=lambda m: cmp.mean(m, k)) for k in (1, 5)}
print("\npaired differences A - B over the same episodes (mean [95% interval], verdict):")
for k in (1, 5):
    for a, b in (("meta", "pretrained"), ("pretrained", "scratch"), ("meta", yardstick[k]),
                 ("meta_scratch", "scratch"), ("meta", "meta_scratch")):
        d = cmp.paired(a, b, k)
        print(f"  {k}-shot  A = {METHODS[a]}, B = {METHODS[b]}: {d.format(2)} ({d.verdict})")

# %%
shown = ("scratch", "tfidf_words", "tfidf", "pretrained", "meta_scratch", "meta")
bars = {METHODS[m]: {k: (cmp.interval(m, k).mean, cmp.interval(m, k).low, cmp.interval(m, k).high) for k in (1, 5)}
        for m in shown}
course.plot_few_shot_bars(bars, chance=1 / 5, xlabel="method (K support requests per class)",
                       title="5-way episodes of held-out intents (whiskers: 95% intervals)")
plt.show()

# %% [markdown]
# **Reading the results.** Each sentence below is checked by `tests/course/test_nb05b.py`
# on the same code, with the same noise rule.
#
# - The untrained encoder sits near chance (0.2) at both K: random features carry no meaning.
# - The pretrained encoder, which never saw a label, beats it at both K, and beats the better of
#   the two TF-IDF centroids at one shot: it places synonyms near each other, which word counts
#   cannot do when a query shares no word with its class's one support request.
# - Meta-training on the *other* intents, on top of pretraining, helps on the held-out intents at
#   K = 1 and at K = 5, and the meta-trained encoder beats the better TF-IDF centroid at both K.
# - Meta-training from scratch helps over scratch as well, and pretraining followed by
#   meta-training beats meta-training from scratch at both K: on this world each route adds to
#   the other.
#
# ## 4 · Look at one episode
#
# Run the next cell to enable the widget. It scores one episode of the comparison with the
# pretrained encoder, the meta-trained one (seed 0) and the TF-IDF centroid, and prints the support
# set and one query. Questions to try: find an episode where TF-IDF gets a query wrong that the
# meta-trained encoder gets right; which words do the support request and the query share? Does
# K = 5 change which method wins?

# %%
baseline = experiments.VocabularyTfidf(tfidf_corpus, bigrams=False)
encoders = {"pretrained": encoder, "meta-trained": cmp.models[("meta", SEEDS[0])]}
display(course.few_shot_episode_widget(world, encoders, baseline, seed=SEEDS[0], max_episode=EPISODES - 1))

# %% [markdown]
# ## 5 · The article's step 3 on the same episodes
#
# The article adapts a model to a new task by fine-tuning with formula 2,
# $\lambda\lVert\theta - \theta_0\rVert^2$ toward the starting point $\theta_0$, or with its pull
# $\theta \leftarrow \theta - \beta(\theta - \theta_0)$ after each step (notebook 04b). Here every
# fine-tuned model starts from the pretrained checkpoint with a linear head set to the
# prototype classifier ($W_k = 2c_k$, $b_k = -\lVert c_k\rVert^2$, which predicts what ProtoNet
# predicts), then takes Adam steps on the support set:
#
# - plain fine-tuning;
# - with `L2ToPrevious(λ)` toward $\theta_0$, λ chosen as the one that SGD + the pull would equal
#   (notebook 04b's `pull_as_l2`, about 5 here);
# - with `ArticlePull(β = 0.01)` toward $\theta_0$;
# - from scratch, as the positive control: the same episodes and budget must detect an effect of
#   the size that matters, or a "no measurable difference" would mean nothing.
#
# Fine-tuning costs about a second per episode, so it runs on the first episodes of each seed's
# stream at K = 5: still 5 × 15 queries per episode.

# %%
tuned = ("finetune", "finetune_l2", "finetune_pull", "finetune_scratch")
ft = compare_few_shot(encoder, world, seeds=SEEDS, episodes=FT_EPISODES, k_shots=(5,), methods=tuned,
                      finetune_steps=FT_STEPS, finetune_lr=1e-3, pull_beta=0.01, progress=False)
n_ft = len(ft.units[("finetune", 5)])
print(f"5-shot fine-tuning, {FT_STEPS} Adam steps; mean query accuracy over {n_ft} episodes ({n_ft * 75} queries):")
for m in tuned:
    print(f"{METHODS[m]:>28}: {ft.mean(m, 5):.2f}")
print("paired differences A - B over the same episodes (mean [95% interval], verdict):")
for a, b in (("finetune_pull", "finetune"), ("finetune_l2", "finetune"), ("finetune", "finetune_scratch")):
    d = ft.paired(a, b, 5)
    print(f"  A = {METHODS[a]}, B = {METHODS[b]}: {d.format(2)} ({d.verdict})")

# %% [markdown]
# **Reading the results** (checked by the same test file). The positive control works: these
# few episodes detect that fine-tuning from the pretrained checkpoint beats fine-tuning from
# scratch, by a wide margin. On the same episodes the article's pull with β = 0.01 makes no
# measurable difference to plain fine-tuning, and its whole interval lies within 0.05 of zero.
# Formula 2 with the λ that equals the pull under SGD is not the pull under Adam (notebook 04b:
# the penalty's gradient is rescaled by Adam like any other, the pull is not), and here it hurts.
# Neither form uses the meta-train intents: step 3 changes how one task is fine-tuned, it does not
# learn from other tasks.
#
# ## Summary
# - Few-shot evaluation needs **held-out classes**: the test episodes come from intents of domains
#   that no labelled example touches.
# - ProtoNet classifies by the **nearest class mean** of frozen features; with a pretrained encoder
#   it beats word counts at one shot, because synonyms get close vectors.
# - **Meta-training on other classes**, on top of pretraining, makes the prototypes of *new*
#   classes separate better, at one shot and at five; pretraining and meta-training add up.
# - The article's step 3 during fine-tuning, measured next to a positive control on the same
#   episodes: the pull (β = 0.01) makes no measurable difference, formula 2 with the matching λ
#   hurts under Adam, and neither learns from other tasks.
#
# **Questions.**
# 1. Why must the meta-test intents come from domains with no labelled example, and not just be
#    other intents of the same domains?
#
#    <details><summary>Answer</summary>
#    Intents of one domain share its object words (a flight, a plane, an airfare). Meta-training on
#    some of them would show the encoder the very words the test requests use, with labels, and the
#    test would measure memory of those words, not adaptation to a new class.
#    </details>
#
# 2. Going from K = 1 to K = 5 raises the TF-IDF centroid's accuracy more than the pretrained
#    encoder's. Why?
#
#    <details><summary>Answer</summary>
#    It can only match words that a query shares with the support requests of its class. With one
#    support request, the query's synonyms are rarely among its words; with five, more of the eight
#    synonyms of each action and object appear in the support set. The pretrained encoder already
#    puts synonyms close together, so extra examples tell it less that is new.
#    </details>
#
# 3. Why is "no measurable difference" for the pull worth reporting only next to the scratch row?
#
#    <details><summary>Answer</summary>
#    An interval that contains zero can come from an effect that is absent or from too few
#    episodes to see one. The scratch row shows that these same episodes and this budget detect a
#    difference of the size that matters, so the pull's interval is narrow enough to say its effect
#    is small.
#    </details>
#
# 4. Meta-training used the ProtoNet loss on the meta-train intents. What would you expect from
#    meta-training on episodes drawn from the *test* intents, and why would that number mean nothing?
#
#    <details><summary>Answer</summary>
#    The encoder would be trained on the test classes themselves, so its score would measure how
#    well it learned those classes with many labels, not how well it learns a new class from K
#    examples; it would overstate what the method does for a truly new intent.
#    </details>
