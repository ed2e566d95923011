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
# # 01 · Tasks as mappings: generate the four kinds of NLP task from one seeded language
#
# [![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/metamap-edu/metamap_edu/main?labpath=notebooks%2F01_tasks_as_mappings.ipynb) [![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/metamap-edu/metamap_edu/blob/main/notebooks/01_tasks_as_mappings.ipynb)
#
# **What you'll do.** Generate English-like sentences from a small seeded grammar, turn them into
# the four kinds of task the course uses (classification, tagging, translation, regression), cut
# them into few-shot *support* and *query* sets, browse them with a widget, and measure how one
# knob, `relatedness`, makes a family of tasks share more or less vocabulary. At the end you
# define a task of your own.
#
# **What you'll learn.**
# - that every task in this course is a sample of a mapping $f: \mathcal{X} \to \mathcal{Y}$,
#   stored as pairs $(x_i, y_i)$ in one abstraction, `MappingTask`;
# - what $x$ and $y$ look like for each kind, and how an N-way K-shot episode is drawn;
# - how the generated language decides a sentence's sentiment (negation, "but", words whose
#   meaning depends on the domain), and why related-but-conflicting tasks matter for notebook 03.
#
# **What you'll need.** Notebook 00 (the set-up check). No GPU, no internet, no training yet.
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
FAST = False        # True: smaller tasks and fewer points on the curve (used by tests)
SEED = 0            # every random number in this notebook follows from this seed
N_PER_TASK = 200    # examples per generated sentiment task
RELATEDNESS = 0.5   # the relatedness knob of section 5, between 0 and 1

# %%
import tempfile
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt

import metamap_edu as mm
from metamap_edu import tasks, course
from metamap_edu.tasks import (MappingTask, load_classification, ner_task, polarity_conflict_rate,
    sample_episode, sentiment_family, topic_task, translation_family)

# one clear message if a parameter above is unusable: section 5 splits 15 sentences of each class
# off a task, so N_PER_TASK needs 40 (20 per class); above 2000 it only costs time
mm.check_parameters(FAST=FAST, SEED=SEED, N_PER_TASK=(N_PER_TASK, 40, 2000), RELATEDNESS=(RELATEDNESS, 0.0, 1.0))
mm.set_seed(SEED)
mm.set_threads(1)
n_task = 60 if FAST else N_PER_TASK

# %% [markdown]
# ## 1. A task is a mapping
#
# A task is a function we would like to have, $f: \mathcal{X} \to \mathcal{Y}$, of which we only
# see a finite sample
#
# $$ \mathcal{D} = \{(x_i, y_i)\}_{i=1}^{n}, \qquad y_i = f(x_i). $$
#
# Learning the task means choosing parameters $\theta$ so that a model $f_\theta$ gets
# $f_\theta(x_i) \approx y_i$, and, more importantly, gets new inputs right too. In code, a
# `MappingTask` holds a name, a `kind`, the examples and the *output space* $\mathcal{Y}$
# (the label set, the tag set or the target vocabulary). Here is one written by hand:

# %%
toy = MappingTask(
    name="toy sentiment",
    kind="classification",
    examples=[("the plot was gripping", "positive"), ("the plot was not gripping", "negative"),
              ("the soup was cold", "negative"), ("i loved the soup", "positive")],
)
print("name:", toy.name, "| kind:", toy.kind, "| examples:", len(toy))
print("output space:", toy.output_space)
for x, y in toy:
    print(f"  {x!r:32} -> {y!r}")

# %% [markdown]
# The constructor checks every example against its kind and says exactly what is wrong. A
# classification task with a single label teaches nothing, so it is refused:

# %%
try:
    MappingTask("one label", "classification", [("good", "positive"), ("great", "positive")])
except ValueError as err:
    print(textwrap.fill(f"ValueError: {err}", 100, subsequent_indent="  "))

# %% [markdown]
# ## 2. A language to generate tasks from
#
# The article's first step is to *generate* a series of tasks. We generate them from a small
# English-like language over real words (its words in `metamap_edu.tasks.lexicon`, its sentences in
# `metamap_edu.tasks.grammar`): each **domain** has its own
# nouns and its own positive and negative adjectives; some words are **shared** by all domains
# ("great", "awful", "loved"); and some are **domain-dependent** — their polarity flips between
# domains. A long battery is good; a long flight is not.

# %%
print(f"{len(tasks.DOMAINS)} labeled domains:", ", ".join(tasks.DOMAINS))
print(f"{len(tasks.HELD_OUT_DOMAINS)} held-out domains:", ", ".join(tasks.HELD_OUT_DOMAINS))
movies = tasks.LEXICON["movies"]
print("movies nouns:     ", ", ".join(movies.nouns[:8]), "...")
print("movies positive:  ", ", ".join(movies.positive[:6]), "...")
print("movies negative:  ", ", ".join(movies.negative[:6]), "...")
print("shared positive:  ", ", ".join(tasks.SHARED_POSITIVE[:6]), "...")
for word in ("long", "quiet", "cheap"):
    signs = {d: tasks.polarity(word, d) for d in tasks.DOMAINS}
    good = [d for d, s in signs.items() if s > 0]
    bad = [d for d, s in signs.items() if s < 0]
    print(f"'{word}' is good in {', '.join(good)}; bad in {', '.join(bad)}")

# %% [markdown]
# A sentence's sentiment follows three rules. Write $\operatorname{pol}_d(w) \in \{-1, 0, +1\}$
# for the polarity of word $w$ in domain $d$. For one clause $c$,
#
# $$ s(c) = (-1)^{[\text{"not" or "never"} \in c]} \sum_{w \in c} \operatorname{pol}_d(w), $$
#
# intensifiers ("very", "really") change nothing, and in "$A$ but $B$" only $B$ counts. The label
# is positive when $s > 0$. `tasks.sentiment_label` applies these rules, and every generated
# label is checked against it by the tests.

# %%
examples = [
    ("the plot was dull", "movies"),
    ("the plot was not dull", "movies"),
    ("the plot was very dull", "movies"),
    ("the soup was bland but the steak was delicious", "restaurants"),
    ("the soup was delicious but the steak was bland", "restaurants"),
    ("the battery was long", "electronics"),
    ("the flight was long", "travel"),
]
for text, domain in examples:
    print(f"{domain:12} {text!r:52} -> {tasks.sentiment_label(text, domain)}")

# %% [markdown]
# ## 3. The four kinds of task, with their shapes
#
# | kind | $x$ | $y$ | generated by |
# | --- | --- | --- | --- |
# | classification | a sentence | one label from $\mathcal{Y}$ | `sentiment_family`, `topic_task` |
# | tagging | $T$ tokens | $T$ tags (BIO: B-PER, I-PER, …, O) | `ner_task` |
# | translation | an English sentence | a sentence in a toy language | `translation_family` |
# | regression | a vector in $\mathbb{R}^{d}$ | a vector in $\mathbb{R}^{k}$ | written by hand (notebook 02) |
#
# In tagging, the output is a sequence as long as the input: $y = (t_1, \dots, t_T)$ with one
# tag per token. In translation, both sides are sequences, and their lengths and word orders
# differ. A regression task is the same abstraction with numbers: `task.tensors()` gives
# $X \in \mathbb{R}^{n \times d}$ and $Y \in \mathbb{R}^{n \times k}$.

# %%
sentiment = sentiment_family(n_per_task=n_task, relatedness=RELATEDNESS, seed=SEED)
topic = topic_task(n_per_class=n_task // 4, seed=SEED)
ner = ner_task(n_task, seed=SEED)
translation = translation_family(n_per_task=n_task, seed=SEED)
line = MappingTask("line y = 2x + 1", "regression",
                   [((x / 10,), (2 * x / 10 + 1,)) for x in range(-10, 11)])

four = [sentiment["movies"], topic, ner, translation["lumo"], line]
for task in four:
    x, y = task[0]
    shapes = task.shapes()
    print(f"{task.kind:14} {task.name:20} n={len(task):4}  x: {shapes['x']}")
    print(f"{'':14} {'':20} {'':6}  y: {shapes['y']}")
    print(textwrap.fill(f"{'':14} example: {x!r} -> {y!r}", 100, subsequent_indent=" " * 24))
X, Y = line.tensors()
print("regression tensors: X", tuple(X.shape), "Y", tuple(Y.shape))

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
for task, ax in zip([sentiment["movies"], topic, ner, translation["lumo"]], axes):
    course.plot_task_summary(task, ax=ax)
fig.tight_layout()
plt.show()

# %% [markdown]
# Each toy language has its own invented words and its own word order. Names of people and places
# are copied unchanged, as real translation systems mostly do.

# %%
for lang in tasks.ALL_LANGUAGES:
    print(textwrap.fill(tasks.describe_language(lang), 100, subsequent_indent="    "))
    en, target = tasks.translation_examples(lang, 1, seed=SEED + 3)[0]
    print(f"    {en}  ->  {target}")

# %% [markdown]
# ## 4. Browse the tasks
#
# Run this cell to enable the widget. Pick a family, a domain (or a language) and a seed; the
# browser generates that task and shows its kind, its output space, a few examples and a picture
# of its outputs. **Try:** the same domain with two seeds (same rules, new sentences); a held-out
# domain such as *music*; and `relatedness` 0 and 1 for one domain — which words change?
#
# Before the cell runs, it shows a picture of the browser's result for the parameters above.

# %%
browser = course.task_browser(family="sentiment", domain="movies", seed=SEED, relatedness=RELATEDNESS)
display(browser)

# %% [markdown]
# ## 5. Few-shot splits and N-way K-shot episodes
#
# Meta-learning trains on many small problems. A task is split into a **support** set
# $\mathcal{S}$, with $K$ examples of each class (the "shots"), and a disjoint **query** set
# $\mathcal{Q}$ on which the adapted model is scored:
#
# $$ \mathcal{S} = \bigcup_{c=1}^{N} \{(x, c)\}^{K}, \qquad \mathcal{Q} = \bigcup_{c=1}^{N} \{(x, c)\}^{Q}, \qquad \mathcal{S} \cap \mathcal{Q} = \emptyset . $$
#
# An **episode** picks $N$ classes (from one many-class task such as topic, or from a task drawn
# out of a family) and then such a pair of sets.

# %%
support, query = sentiment["movies"].split(k_shot=5, n_query=10, seed=SEED)
print("support:", support.class_counts(), "| query:", query.class_counts())
print("shared examples:", len(set(support.examples) & set(query.examples)))

episode = sample_episode(topic, n_way=3, k_shot=2, n_query=3, seed=SEED)
print("\n3-way 2-shot episode from the topic task, classes:", episode.classes)
for x, y in episode.support:
    print(f"  support  {y:12} {x}")

episode = sample_episode(sentiment, n_way=2, k_shot=2, n_query=3, seed=SEED)
print("\n2-way 2-shot episode drawn from the sentiment family: task", episode.task_name)

# %% [markdown]
# ## 6. The relatedness knob
#
# A family of tasks is only useful for meta-learning if its tasks have something in common. In
# the sentiment family, each sentiment word is drawn from one of three sources, with probabilities
# set by the relatedness $r \in [0, 1]$:
#
# $$ P(\text{the domain's own word}) = 1 - r, \qquad P(\text{domain-dependent word}) = r(1 - r), \qquad P(\text{shared word}) = r^2 . $$
#
# We measure two things for each $r$. The **vocabulary overlap** of two tasks is the Jaccard
# index of their word sets,
#
# $$ J(V_a, V_b) = \frac{|V_a \cap V_b|}{|V_a \cup V_b|}, $$
#
# averaged over all pairs of tasks; the **conflict rate** is the share of sentiment words whose
# polarity disagrees between the family's domains.

# %%
grid = [0.0, 0.5, 1.0] if FAST else [0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 1.0]
overlaps, conflicts = [], []
for r in grid:
    family = sentiment_family(n_per_task=n_task, relatedness=r, seed=SEED)
    overlaps.append(family.mean_overlap())
    conflicts.append(polarity_conflict_rate(family))
print(" r     overlap  conflicts  (r(1-r))")
for r, o, c in zip(grid, overlaps, conflicts):
    print(f"{r:4.2f}   {o:7.3f}  {c:9.3f}  {r * (1 - r):9.3f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.6))
course.plot_relatedness_overlap(grid, overlaps, conflicts, ax=ax1)
course.plot_overlap_matrix(sentiment.overlap_matrix(), [t.metadata["domain"] for t in sentiment], ax=ax2,
                        title=f"overlap between the tasks at r = {RELATEDNESS:g}")
fig.tight_layout()
plt.show()

# %% [markdown]
# The overlap grows steadily with $r$: at $r = 0$ the tasks share only function words, names and
# places; at $r = 1$ they share all their sentiment words *and* their polarity. The conflicts are
# a different story: none at either end, most at $r = 0.5$. That middle is the interesting case —
# tasks that look alike but disagree on some words. Notebook 03 trains on them one after another
# and watches the model forget.

# %% [markdown]
# ## 7. Held-out domains and unlabeled text
#
# The domains in `HELD_OUT_DOMAINS` never appear in a labeled family unless you ask for them by
# name: `sentiment_family()` puts them in `.held_out`, to test adaptation to a new task. The
# unlabeled corpus, used for pretraining in notebook 06, *does* include them.

# %%
print("labeled tasks: ", ", ".join(t.metadata["domain"] for t in sentiment))
print("held out:      ", ", ".join(t.metadata["domain"] for t in sentiment.held_out))
held_nouns = {w for d in tasks.HELD_OUT_DOMAINS for w in tasks.LEXICON[d].nouns}
labeled_words = {w for task in sentiment for x in task.inputs for w in x.split()}
texts = tasks.corpus(2000 if FAST else 20000, seed=SEED)
corpus_words = {w for s in texts for w in s.split()}
print("held-out nouns in the labeled tasks:", len(held_nouns & labeled_words))
print(f"held-out nouns in the unlabeled corpus: {len(held_nouns & corpus_words)} of {len(held_nouns)}")
for s in texts[:5]:
    print("  ", s)

# %% [markdown]
# ## 8. Your own data
#
# The same abstraction reads your files: `load_classification` (CSV, TSV or JSON lines, with the
# text and label columns named), `load_conll` (tagging), `load_parallel` (translation) and
# `from_hf_dataset` (a Hugging Face dataset, if that optional package is installed). Loaders only
# parse text, never run it, and a bad file gives a message that names the line and the problem.

# %%
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "reviews.csv"
    path.write_text("review,stars\n\"great food, friendly staff\",good\ncold soup,bad\n"
                    "slow service,bad\nlovely view,good\n", encoding="utf-8")
    mine = load_classification(path, text_column="review", label_column="stars")
    print(mine.name, "|", mine.kind, "|", len(mine), "examples | labels", mine.labels)
    path.write_text("review,stars\ncold soup,bad\nlovely view,\n", encoding="utf-8")
    try:
        load_classification(path, text_column="review", label_column="stars")
    except ValueError as err:
        print("ValueError:", str(err).replace(str(path), path.name))  # the file name, not the temporary path

# %% [markdown]
# ## 9. Exercises
#
# Write your answer where the `...` are, then run the check below it; until you do, the check says
# **Not attempted yet**. A short explanation hides under each exercise, and the notebook with every
# answer written in is `solutions/01_tasks_as_mappings.ipynb`, in the `solutions` folder next to this one.
#
# **Exercise 1.** Predict the label the grammar gives each sentence of
# `course.SENTIMENT_QUIZ` (print it first), as a list of `"positive"`/`"negative"`.

# %%
for i, (text, domain) in enumerate(course.SENTIMENT_QUIZ, start=1):
    print(f"{i}. [{domain}] {text}")

# %% tags=["solution"]
quiz_answers = ["positive", "negative", "positive", "negative", "positive"]

# %%
passed = course.check_sentiment_quiz(quiz_answers)

# %% [markdown]
# <details><summary>Solution</summary>
#
# positive ("not" flips "dull"), negative (after "but", a slow waiter is bad in restaurants),
# positive (a long battery), negative (a long flight), positive (after "but", "never" flips
# "dirty").
# </details>
#
# **Exercise 2.** Define a classification task of your own: for example, the *intent* of a
# request to a restaurant (booking, opening hours, complaint). Give it at least two classes with
# at least two examples each, and make sure that no input has two different labels — a mapping
# gives each $x$ exactly one $y$.

# %% tags=["solution"]
my_task = MappingTask(
    name="restaurant intents",
    kind="classification",
    examples=[
        ("book a table for two tonight", "booking"),
        ("can we reserve a table on friday", "booking"),
        ("what time do you open", "hours"),
        ("are you open on sunday", "hours"),
        ("the soup was cold and nobody came", "complaint"),
        ("we waited an hour for the bill", "complaint"),
    ],
)

# %%
passed = course.check_mapping_task(my_task, kind="classification")

# %% [markdown]
# <details><summary>Solution</summary>
#
# The cell above is one solution. What the check looks for: a `MappingTask` of kind
# `"classification"`; at least 6 examples; each class with 2 or more examples (one for the
# support set, one for the query set); no input repeated or mapped to two labels. Try breaking
# each rule to see its message, e.g. add `("what time do you open", "booking")`.
# </details>

# %% [markdown]
# ## Summary
#
# - Every task of the course is a `MappingTask`: a sample $\{(x_i, y_i)\}$ of a mapping
#   $f: \mathcal{X} \to \mathcal{Y}$ of one of four kinds — classification, tagging,
#   translation, regression.
# - Tasks are generated from a seeded language with domains, shared and domain-dependent
#   sentiment words, negation and contrast; the same seed gives the same tasks on every machine.
# - `task.split(k_shot, n_query)` and `sample_episode(source, n_way, k_shot, n_query)` give the
#   support and query sets that few-shot learning and meta-learning use.
# - `relatedness` sets how much vocabulary a family's tasks share; polarity conflicts peak at
#   $r = 0.5$, which is what makes sequential training forget (notebook 03).
# - Held-out domains are new tasks for later; the unlabeled corpus already contains them.
#
# **Questions.** (1) Why does the conflict rate follow $r(1-r)$? (2) What would a model that only
# counts shared words score on a held-out domain at $r = 0$? (3) Which kind of task has an output
# space that grows with the data?
#
# <details><summary>Answer</summary>
#
# (1) Only one of the three sources of sentiment words can disagree between domains. A domain's own
# words (probability $1-r$) appear in no other domain, and shared words (probability $r^2$) carry the
# same polarity everywhere; the domain-dependent words, drawn with probability $r(1-r)$, are the ones
# whose polarity changes with the domain. So conflicts rise and fall with $r(1-r)$: none at $r = 0$
# or $r = 1$, most at $r = 0.5$.
# (2) Chance, about half right on two balanced classes. At $r = 0$ every sentiment word is a domain's
# own, so a held-out domain shares only function words, names and places with the others, and none
# of them says anything about polarity.
# (3) Translation. Its outputs are whole sentences, and each new sentence is a new output; a
# classification task keeps its set of labels and a tagging task its set of tags, however many
# examples arrive.
# </details>
#
# **Next:** 02 · learning one mapping — formula 1, $\theta' = \theta - \alpha \nabla_\theta L_t$,
# by hand.
