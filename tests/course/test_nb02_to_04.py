"""Every claim the prose of notebooks 02-04b makes, asserted on the package code the notebooks call.

Each test names the notebook section whose sentence it checks and rebuilds the data with the same
calls and arguments as the notebook (default parameters, ``SEED = 0``; the cheap ones also on
seeds 1 and 2). No expected figure is hard-coded: computed quantities are compared with each
other, with exact answers (least squares, the closed form of formula 2, h/(h + λ)), or with the
chance level 0.5 and the standard error sqrt(0.25 / n) of an accuracy measured on n sentences.

Claims asserted elsewhere (not repeated here): the α-slider classes on another line and the
divergence message (tests/unit/course/test_nb02_views.py); the exercise checkers (tests/course/test_nb02_exercises.py,
test_nb03_exercises.py, test_nb04_exercises.py, test_nb04b_exercises.py);
ridge limits and h/(h + λ) (tests/unit/learn/test_closed_form.py); moderate λ lowers forgetting on every
seed, a huge λ loses plasticity, the article's pull per seed (tests/course/test_nb04_l2_bridge.py); Adam's
coupled form on curvatures (100, 1, 0.01) with other settings (tests/unit/learn/test_train.py).
"""
from __future__ import annotations

import functools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import metamap_edu as mm  # noqa: E402
from metamap_edu import course  # noqa: E402
from metamap_edu.learn import add_bias_column, least_squares, ridge_toward, shrink_fractions  # noqa: E402
from metamap_edu.tasks import PEOPLE, PLACES, polarity  # noqa: E402
from metamap_edu.learn import score  # noqa: E402
from metamap_edu.models import BagOfWordsClassifier, LinearMap, flat_params, set_flat_params  # noqa: E402
from metamap_edu.noise import HELPS, NO_DIFFERENCE, paired_difference  # noqa: E402
from metamap_edu.tasks import MappingTask, sentiment_family  # noqa: E402
from metamap_edu.experiments import STREAM_DEFAULTS, STREAM_DOMAINS, run_sentiment_stream, stability_plasticity  # noqa: E402
from metamap_edu.learn import (  # noqa: E402
    ArticlePull,
    L2ToPrevious,
    SequentialTrainer,
    fit,
    pull_as_l2,
    sgd_step,
)

SEEDS = (0, 1, 2)
# notebook 04's constants (section 4)
MODERATE, HUGE = 3e-4, 1e-2
LAMS = [1e-4, MODERATE, 1e-3, 3e-3, HUGE]  # the notebook's sweep without λ = 0 (= the plain run)
BETAS = [0.01, 0.03, 0.1, 0.3]  # the β sweep of notebook 04b, section 5 from 0.01 on (the notebook also has 0.001)


def standard_error(n: int) -> float:
    """Standard error of an accuracy near 0.5 measured on n examples: sqrt(0.25 / n)."""
    return math.sqrt(0.25 / n)


N_TEST_PER_DOMAIN = round(0.25 * STREAM_DEFAULTS["n_per_task"])  # the stream's test split per domain
SE_TASK = standard_error(N_TEST_PER_DOMAIN)  # one domain's accuracy
SE_ACC = standard_error(len(STREAM_DOMAINS) * N_TEST_PER_DOMAIN)  # one stream's ACC


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@functools.lru_cache(maxsize=None)
def plain_stream(seed: int):
    """Notebook 03 section 2 (= notebook 04's λ = 0 and 04b's β = 0 runs): no regularizer, package defaults."""
    family = sentiment_family(domains=list(STREAM_DOMAINS), n_per_task=STREAM_DEFAULTS["n_per_task"],
                              relatedness=STREAM_DEFAULTS["relatedness"], seed=seed)
    return run_sentiment_stream(family=family, steps_per_task=100, seed=seed)


@functools.lru_cache(maxsize=None)
def lambda_sweep(seed: int):
    """Notebook 04 section 4: ``stability_plasticity(lams, "l2")`` (λ = 0 is the plain run)."""
    return stability_plasticity(LAMS, "l2", seeds=(seed,))


# ---- notebook 02 ----------------------------------------------------------------------------------
def notebook02_line(seed: int) -> MappingTask:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(32, generator=gen) * 4 - 2
    y = 1.5 * x - 0.5 + 0.1 * torch.randn(32, generator=gen)
    return MappingTask(name="line", kind="regression", examples=[((float(a),), (float(b),)) for a, b in zip(x, y)])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("steps", [30, 60])  # FAST and default
def test_02_gradient_descent_reaches_the_least_squares_answer(seed, steps):
    """02 §1: after `steps` steps with α = 0.2, θ is the least-squares solution (to 3 printed decimals)."""
    mm.set_seed(seed)
    line = notebook02_line(seed)
    model = LinearMap(1, 1)
    fit(model, line, optimizer="sgd", lr=0.2, steps=steps, batch_size=len(line), progress=False)
    X, Y = line.tensors()
    exact = least_squares(add_bias_column(X), Y.double().reshape(-1))
    assert (flat_params(model).double() - exact).abs().max() < 5e-4


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("steps", [30, 60])
def test_02_formula_1_written_out_equals_fit(seed, steps):
    """02 §1: the loop by hand (MSE, autograd, `sgd_step` with α = 0.2) ends at fit's parameters."""
    line = notebook02_line(seed)
    model = LinearMap(1, 1)
    fit(model, line, optimizer="sgd", lr=0.2, steps=steps, batch_size=len(line), progress=False)
    X, Y = line.tensors()
    by_hand = LinearMap(1, 1)
    for _ in range(steps):
        loss = ((by_hand(X) - Y) ** 2).mean()
        grads = torch.autograd.grad(loss, list(by_hand.parameters()))
        sgd_step(by_hand.parameters(), grads, lr=0.2)
    assert torch.allclose(flat_params(by_hand), flat_params(model), atol=1e-5)
    # and it is not trivially equal: one step fewer is measurably elsewhere for the first steps
    assert not torch.allclose(flat_params(LinearMap(1, 1)), flat_params(model), atol=1e-2)


def test_02_confidently_wrong_squared_error_gradient_vanishes_but_cross_entropy_does_not():
    """02 §3: scores (4, −4), right label the second: ‖∇ squared error‖ is tiny, ‖∇ cross-entropy‖ is large."""
    z = torch.tensor([4.0, -4.0], requires_grad=True)
    onehot = torch.tensor([0.0, 1.0])
    g_se, = torch.autograd.grad(((torch.softmax(z, 0) - onehot) ** 2).sum(), z)
    g_ce, = torch.autograd.grad(-torch.log_softmax(z, 0)[1], z)
    assert float(g_ce.norm()) > 1.0 > 100 * float(g_se.norm())
    assert torch.allclose(g_ce, torch.softmax(z, 0).detach() - onehot)  # the gradient p − y
    # the course's classifier trains on the cross-entropy of the prose: −mean log p(y_i | x_i)
    movies = sentiment_family(domains=["movies"], n_per_task=40, seed=0)[0]
    mm.set_seed(0)
    clf = BagOfWordsClassifier.for_tasks([movies], mode="sum")
    torch.nn.init.normal_(clf.bag.weight)
    examples = movies.examples[:16]
    p = clf.predict_proba([x for x, _ in examples])
    expected = -torch.stack([torch.log(p[i, clf.labels.index(y)]) for i, (_, y) in enumerate(examples)]).mean()
    assert float(clf.loss(clf.collate(examples)).detach()) == pytest.approx(float(expected.detach()), rel=1e-5)


def test_02_hessian_eigenvalues_are_twice_those_of_notebook_04s_matrix():
    """02 §2 / 04 §1: h of 02 (eigenvalue of 2XᵀX/n) = 2 × h of 04 (of XᵀX/n); h02/(h02 + 2λ) = h04/(h04 + λ)."""
    X, _ = notebook02_line(0).tensors()
    X1 = add_bias_column(X.double())
    n = X1.shape[0]
    h02 = torch.linalg.eigvalsh(2 * X1.T @ X1 / n)
    h04 = torch.linalg.eigvalsh(X1.T @ X1 / n)
    assert torch.allclose(h02, 2 * h04)
    for lam in (0.1, 1.0, 10.0):
        assert torch.allclose(h02 / (h02 + 2 * lam), h04 / (h04 + lam))


def test_02_error_is_multiplied_by_one_minus_alpha_h_per_step():
    """02 §2: e ← (I − αH) e with H = (2/n) XᵀX: k steps of `fit` equal the exact linear recursion."""
    line = notebook02_line(0)
    X, Y = line.tensors()
    X1, y = add_bias_column(X.double()), Y.double().reshape(-1)
    H = 2 * X1.T @ X1 / len(y)
    star = least_squares(X1, y)
    start = torch.tensor([-2.0, 3.0], dtype=torch.float64)
    for alpha in (0.01, 0.3):
        model = LinearMap(1, 1)
        set_flat_params(model, start.float())
        fit(model, line, optimizer="sgd", lr=alpha, steps=10, batch_size=len(line), progress=False)
        e = start - star
        for _ in range(10):
            e = e - alpha * H @ e
        assert torch.allclose(flat_params(model).double(), star + e, atol=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_02_the_three_learning_rates_crawl_converge_and_diverge(seed):
    """02 §2: α = 0.01 crawls, 0.3 converges, 3.0 diverges (a message, not a crash); the limit 2/h_max lies between."""
    line = notebook02_line(seed)
    X, _ = line.tensors()
    X1 = add_bias_column(X.double())
    limit = float(2 / torch.linalg.eigvalsh(2 * X1.T @ X1 / len(line)).max())
    assert 0.01 < 0.3 < limit < 3.0
    texts = {a: course.alpha_view(a, line, steps=40, start=(-2.0, 3.0)).text for a in (0.01, 0.3, 3.0)}
    assert texts[0.01].splitlines()[1].startswith("TOO SMALL")
    assert texts[0.3].splitlines()[1].startswith("GOOD")
    assert texts[3.0].splitlines()[1].startswith("DIVERGED") and "learning rate" in texts[3.0]
    # §1: the notebook's ALPHA = 0.2 for 60 steps is a good rate
    assert course.alpha_view(0.2, line, steps=60, start=(-2.0, 3.0)).text.splitlines()[1].startswith("GOOD")
    # "Try it": between the limit and overflow the loss grows but stays finite -> "diverging"
    assert course.alpha_view(1.1 * limit, line, steps=40, start=(-2.0, 3.0)).text.splitlines()[1].startswith("DIVERGING")


@functools.lru_cache(maxsize=None)
def notebook02_text_runs(seed: int):
    """02 §3 at default parameters: SGD on 900 movie sentences, α in (0.05, 0.5, 2.0), 600 steps."""
    movies = sentiment_family(domains=["movies"], n_per_task=1200, seed=seed)[0]
    train, test = movies.train_test_split(test_fraction=0.25, seed=seed)
    runs = {}
    for lr in (0.05, 0.5, 2.0):
        mm.set_seed(seed)
        clf = BagOfWordsClassifier.for_tasks([train], mode="sum")
        before = score(clf, train)
        h = fit(clf, train, optimizer="sgd", lr=lr, steps=600, batch_size=32, eval_task=test, eval_every=200,
                progress=False)
        runs[lr] = (clf, h, before, score(clf, train))
    return runs, len(test)


def test_02_bag_of_words_learns_its_training_sentences_better_than_new_ones():
    """02 §3 at SEED = 0: the training loss falls and training accuracy beats test accuracy, which stays
    near a coin (within 3 standard errors of 0.5). On seeds 1 and 2 the α = 0.5 / 2.0 runs reach 0.59,
    just above that band (0.587): reported to the lead with a proposed rewording."""
    runs, n_test = notebook02_text_runs(0)
    for lr, (clf, h, train_before, train_acc) in runs.items():
        assert np.mean(h.loss[-50:]) < np.mean(h.loss[:50]), lr
        assert train_acc > train_before, lr
        assert train_acc > h.final_metric, lr
        assert h.final_metric < 0.5 + 3 * standard_error(n_test), lr  # "barely better than a coin"



def test_02_bag_of_words_also_underfits():
    """02 §3: underfitting as well: the training accuracy stays below three quarters at every α."""
    runs, _ = notebook02_text_runs(0)
    for lr, (clf, h, train_before, train_acc) in runs.items():
        assert train_acc < 0.75, (lr, train_acc)


def test_02_names_and_places_are_among_the_largest_weights():
    """02 §3: among the 8 most negative and 8 most positive words are names or places (no sentiment)."""
    runs, _ = notebook02_text_runs(0)
    clf = runs[2.0][0]  # the notebook inspects the last model (α = 2)
    pos, neg = clf.labels.index("positive"), clf.labels.index("negative")
    weights = (clf.bag.weight[:, pos] - clf.bag.weight[:, neg]).detach()
    order = weights.argsort()
    extremes = {clf.vocab.itos[i] for i in order[:8].tolist() + order[-8:].tolist()}
    entity_words = {w for name in PEOPLE + PLACES for w in name.split()}
    assert extremes & entity_words


def test_02_negation_adds_the_same_amount_for_every_adjective():
    """02 §3: adding "not" changes log p(pos)/p(neg) by W_pos[not] − W_neg[not], whatever the adjective."""
    runs, _ = notebook02_text_runs(0)
    clf = runs[2.0][0]
    pos, neg = clf.labels.index("positive"), clf.labels.index("negative")

    def positive_score(sentence):
        p = clf.predict_proba([sentence])[0]
        return float(torch.log(p[pos] / p[neg]))

    W = clf.bag.weight.detach().double()
    exact = float(W[clf.vocab.stoi["not"], pos] - W[clf.vocab.stoi["not"], neg])
    for adjective in ("dull", "superb", "bad", "great", "boring"):
        diff = positive_score(f"the plot was not {adjective}") - positive_score(f"the plot was {adjective}")
        assert diff == pytest.approx(exact, abs=1e-5), adjective


# ---- notebook 03 ----------------------------------------------------------------------------------
def test_03_consecutive_domains_disagree_about_some_word():
    """03 §1: some adjectives change sign from one domain of the stream to the next."""
    words = ("long", "short", "quiet", "fast", "light", "cold")
    for a, b in zip(STREAM_DOMAINS, STREAM_DOMAINS[1:]):
        assert any(polarity(w, a) != polarity(w, b) for w in words), (a, b)
    assert all(len({polarity(w, d) for d in STREAM_DOMAINS}) == 2 for w in words)  # no word is right everywhere


@pytest.mark.parametrize("seed", SEEDS)
def test_03_accuracy_matrix_reads_as_the_notebook_says(seed):
    """03 §2: row 0 is about chance; some task falls below its score right after it was learned."""
    R = plain_stream(seed).R
    T = R.shape[1]
    assert np.abs(R[0] - 0.5).max() <= 3 * SE_TASK
    assert min(R[T, j] - R[j + 1, j] for j in range(T - 1)) < 0


@pytest.mark.parametrize("seed", SEEDS)
def test_03_loss_drops_within_each_task_and_jumps_at_each_new_one(seed):
    """03 §2: the training loss drops within each task and jumps when a new task begins."""
    losses = plain_stream(seed).losses
    for t, curve in enumerate(losses):
        assert np.mean(curve[-10:]) < np.mean(curve[:10]), t
        if t > 0:
            assert np.mean(curve[:10]) > np.mean(losses[t - 1][-10:]), t


def test_03_the_loop_written_out_fills_the_same_matrix_as_the_helper():
    """03 §2: the loop of the notebook (mark_scope, mean pooling, a fresh Adam per task, seed + t)
    gives exactly run_sentiment_stream's R; and those are the stream's settings, not notebook 02's."""
    assert STREAM_DEFAULTS["optimizer"] == "adam" and STREAM_DEFAULTS["lr"] == 0.05
    assert STREAM_DEFAULTS["mark_scope"] is True and STREAM_DEFAULTS["batch_size"] == 32
    family = sentiment_family(domains=list(STREAM_DOMAINS), n_per_task=200, relatedness=STREAM_DEFAULTS["relatedness"],
                              seed=0)
    steps = 20
    splits = [task.train_test_split(test_fraction=0.25, seed=0) for task in family]
    train_tasks, test_tasks = [s[0] for s in splits], [s[1] for s in splits]
    mm.set_seed(0)
    model = BagOfWordsClassifier.for_tasks(train_tasks, mark_scope=True)
    assert model.bag.mode == "mean"  # mean pooling (02 used mode="sum")
    R = np.zeros((len(family) + 1, len(family)))
    R[0] = [score(model, t) for t in test_tasks]
    for i, train in enumerate(train_tasks, start=1):
        fit(model, train, optimizer="adam", lr=0.05, steps=steps, batch_size=32, seed=i - 1, progress=False)
        R[i] = [score(model, t) for t in test_tasks]
    helper = run_sentiment_stream(family=family, steps_per_task=steps, seed=0).R
    assert np.array_equal(R, helper)
    assert BagOfWordsClassifier.features("the plot was not dull", True)[-1] == "not:dull"


def test_03_more_steps_per_task_raise_last_and_bwt_stays_negative():
    """03 §4 at the notebook's SEED = 0: `last` rises with steps per task (plasticity); BWT is not
    monotone in the steps (lower at 10 and at 300 than at 50 steps); BWT < 0 in every row.

    BWT < 0 in every row does NOT hold on seed 1 (steps 10 / 50 / 300 give BWT +0.030 / 0.000 /
    −0.007); reported to the lead with a proposed rewording. The other two hold on seeds 0, 1, 2.
    """
    family = sentiment_family(domains=list(STREAM_DOMAINS), n_per_task=STREAM_DEFAULTS["n_per_task"],
                              relatedness=STREAM_DEFAULTS["relatedness"], seed=0)
    rows = [run_sentiment_stream(family=family, steps_per_task=s, seed=0).metrics() for s in (10, 50, 300)]
    lasts = [m["last"] for m in rows]
    assert lasts == sorted(lasts) and lasts[0] < lasts[-1]
    assert rows[2]["bwt"] < rows[1]["bwt"]
    assert rows[0]["bwt"] < rows[1]["bwt"]  # the 10-step row forgets more than the 50-step row
    assert all(m["bwt"] < 0 for m in rows)


# ---- notebook 04: the 2-D regression tasks ------------------------------------------------------------
MIX = torch.tensor([[2.0, 0.0], [1.5, 0.5]])
TRUE_THETAS = [(1.0, -1.0), (-1.5, 1.0), (0.5, 2.0)]
LAM = 1.0
STEPS = 1000  # default parameters


@functools.lru_cache(maxsize=None)
def notebook04_tasks(seed: int):
    gen = torch.Generator().manual_seed(seed)
    tasks = []
    for i, theta in enumerate(TRUE_THETAS):
        X = torch.randn(40, 2, generator=gen) @ MIX
        y = X @ torch.tensor(theta) + 0.05 * torch.randn(40, generator=gen)
        tasks.append(MappingTask(name=f"regression {i + 1}", kind="regression",
                                 examples=[(tuple(map(float, a)), (float(b),)) for a, b in zip(X, y)]))
    data = [(t.tensors()[0].double(), t.tensors()[1].double().reshape(-1)) for t in tasks]
    return tasks, data


def test_04_the_closed_form_moves_each_eigendirection_by_h_over_h_plus_lambda():
    """04 §1-2: in the eigenbasis of XᵀX/n, θ_t moves h/(h + λ) of the way; the stiff direction first."""
    _, data = notebook04_tasks(0)
    theta_prev = least_squares(*data[0])
    X2, y2 = data[1]
    h, V = torch.linalg.eigh(X2.T @ X2 / len(y2))
    star = least_squares(X2, y2)
    for lam in (0.1, LAM, 10.0):
        moved = V.T @ (ridge_toward(X2, y2, theta_prev, lam) - theta_prev)
        full = V.T @ (star - theta_prev)
        assert torch.allclose(moved / full, shrink_fractions(h, lam), atol=1e-9)
        fractions = moved / full
        assert fractions[h.argmax()] > fractions[h.argmin()]  # the stiff direction is learned first
    # the path λ -> θ_t is not a straight line between θ_{t-1} and the new optimum
    a = ridge_toward(X2, y2, theta_prev, LAM) - theta_prev
    b = star - theta_prev
    assert abs(float(a[0] * b[1] - a[1] * b[0])) > 1e-3 * float(a.norm() * b.norm())


@pytest.mark.parametrize("seed", SEEDS)
def test_04_gradient_descent_and_adam_land_on_the_closed_form(seed):
    """04 §2: L2ToPrevious(LAM) trained with SGD (0.05) and Adam (0.01), 1000 steps, reaches ridge_toward to 1e-3."""
    tasks, data = notebook04_tasks(seed)
    theta_prev = least_squares(*data[0])
    exact = ridge_toward(*data[1], theta_prev, LAM)
    for optimizer, lr in (("sgd", 0.05), ("adam", 0.01)):
        model = LinearMap(2, 1, bias=False)
        set_flat_params(model, theta_prev.float())
        reg = L2ToPrevious(LAM)
        reg.start_task(model, 1)
        fit(model, tasks[1], optimizer=optimizer, lr=lr, steps=STEPS, batch_size=len(tasks[1]), regularizer=reg,
            progress=False)
        assert (flat_params(model).double() - exact).abs().max() < 1e-3, optimizer


@pytest.mark.parametrize("seed", SEEDS)
def test_04_stream_of_three_tasks_follows_the_chained_closed_form(seed):
    """04 §3: without a spring θ jumps to each optimum; with it the chained closed form predicts every point."""
    tasks, data = notebook04_tasks(seed)
    runs = {}
    for label, reg in (("none", None), ("l2", L2ToPrevious(LAM))):
        trainer = SequentialTrainer(LinearMap(2, 1, bias=False), reg, optimizer="sgd", lr=0.05, steps_per_task=STEPS,
                                    batch_size=40, progress=False)
        runs[label] = torch.stack(trainer.run(tasks).params).double()
    for i, (X, y) in enumerate(data):
        assert (runs["none"][i + 1] - least_squares(X, y)).abs().max() < 1e-3
    chained = [torch.zeros(2, dtype=torch.float64), least_squares(*data[0])]
    for X, y in data[1:]:
        chained.append(ridge_toward(X, y, chained[-1], LAM))
    assert (runs["l2"] - torch.stack(chained)).abs().max() < 1e-3
    # "moves only part of the way": strictly between θ_{t-1} and the new optimum
    for t in (2, 3):
        to_opt = float((least_squares(*data[t - 1]) - runs["l2"][t - 1]).norm())
        assert 0 < float((runs["l2"][t] - runs["l2"][t - 1]).norm()) < to_opt


def test_04b_repaired_article_loop_is_the_trainer_with_article_pull():
    """04b §1: the hand-written repaired loop equals SequentialTrainer + ArticlePull(0.1) to 1e-5."""
    tasks, _ = notebook04_tasks(0)
    beta, lr = 0.1, 0.05
    model = LinearMap(tasks[0].tensors()[0].shape[1], 1, bias=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    params = list(model.parameters())
    thetas = [flat_params(model)]
    for t, task in enumerate(tasks):
        anchor = [p.detach().clone() for p in params]
        batch = model.collate(task.examples, task.kind)
        for _ in range(STEPS):
            optimizer.zero_grad()
            model.loss(batch).backward()
            optimizer.step()
            if t > 0:
                with torch.no_grad():
                    for p, a in zip(params, anchor):
                        p.sub_(beta * (p - a))
        thetas.append(flat_params(model))
    trainer = SequentialTrainer(LinearMap(2, 1, bias=False), ArticlePull(beta), optimizer="sgd", lr=lr,
                                steps_per_task=STEPS, batch_size=40, progress=False)
    assert (torch.stack(thetas) - torch.stack(trainer.run(tasks).params)).abs().max() < 1e-5


def test_04b_exercise_numbers_in_the_prose():
    """04b §1-2: one step + pull = SGD with α(1−β); at α = β = 0.01 the mapping gives λ ≈ 0.505, rate 0.0099."""
    lam, lr = pull_as_l2(0.01, 0.01)
    assert lr == pytest.approx(0.01 * (1 - 0.01))
    assert f"{lam:.3f}" == "0.505" and f"{lr:.4f}" == "0.0099"


@pytest.mark.parametrize("seed", SEEDS)
def test_04b_under_sgd_the_pull_is_formula_2(seed):
    """04b §2: ArticlePull(0.1) at α = 0.05 and L2ToPrevious(pull_as_l2) give the same θ after 50 steps (1e-5)."""
    tasks, data = notebook04_tasks(seed)
    theta_prev = least_squares(*data[0])
    alpha, beta = 0.05, 0.1
    lam_equiv, lr_equiv = pull_as_l2(beta, alpha)
    out = {}
    for label, reg, lr in (("pull", ArticlePull(beta), alpha), ("L2", L2ToPrevious(lam_equiv), lr_equiv)):
        model = LinearMap(2, 1, bias=False)
        set_flat_params(model, theta_prev.float())
        reg.start_task(model, 1)
        fit(model, tasks[1], optimizer="sgd", lr=lr, steps=50, batch_size=40, regularizer=reg, progress=False)
        out[label] = flat_params(model)
    assert (out["pull"] - out["L2"]).abs().max() < 1e-5
    assert (out["pull"].double() - theta_prev).abs().max() > 0.1  # the check is not vacuous: θ moved


def test_04b_coupled_vs_decoupled_under_sgd_momentum_and_adam():
    """04b §3: curvatures (100, 1, 0.01), λ = 1 and the β matching it under SGD, 2000 steps.

    SGD: all three agree. Coupled: the exact h/(h + λ) under every optimizer. Momentum 0.9: the pull
    is formula 2 with λ/10. Adam: the pull moves every coordinate the same amount, about α/β.
    """
    h = torch.tensor([100.0, 1.0, 0.01])
    quad = MappingTask(name="quadratic", kind="regression",
                       examples=[(tuple(float(v) for v in row), (float(row.sum()),))
                                 for row in torch.diag((3 * h).sqrt())])
    lam, alpha = 1.0, 0.004
    beta = 2 * alpha * lam / (1 + 2 * alpha * lam)
    exact = shrink_fractions(h, lam)
    moved = {}
    for optimizer in ("sgd", "momentum", "adam"):
        for label, reg, lr in (("coupled", L2ToPrevious(lam), alpha * (1 - beta)), ("pull", ArticlePull(beta), alpha)):
            model = LinearMap(3, 1, bias=False)
            reg.start_task(model, 1)
            fit(model, quad, optimizer=optimizer, lr=lr, steps=2000, batch_size=3, regularizer=reg, progress=False)
            moved[optimizer, label] = flat_params(model).double()
    for optimizer in ("sgd", "momentum", "adam"):
        assert (moved[optimizer, "coupled"] - exact).abs().max() < 1e-4, optimizer
    assert (moved["sgd", "pull"] - exact).abs().max() < 1e-4
    assert (moved["momentum", "pull"] - shrink_fractions(h, lam * (1 - 0.9))).abs().max() < 1e-3
    adam_pull = moved["adam", "pull"]
    assert float(adam_pull.max() - adam_pull.min()) < 1e-4  # every coordinate alike
    assert float(adam_pull.mean()) == pytest.approx(alpha / beta, rel=0.1)  # |θ_i − a_i| ≈ α/β
    assert float((adam_pull - exact).abs().max()) > 0.1  # and not formula 2's answer


# ---- notebook 04: the sentiment stream --------------------------------------------------------------
def test_04_stability_plasticity_curve():
    """04 §4 at SEED = 0: λ trades plasticity for stability.

    - every λ > 0 has a higher BWT than no spring, and the moderate λ removes the forgetting (BWT ≥ 0);
    - last-task accuracy falls as λ grows, to within noise of chance at the largest λ;
    - ACC barely changes at the smallest λ, then falls.
    """
    plain = plain_stream(0).metrics()
    curve = lambda_sweep(0)
    acc = [plain["acc"], *curve["acc"]]
    bwt = [plain["bwt"], *curve["bwt"]]
    last = [plain["last"], *curve["last"]]
    assert all(b > bwt[0] for b in bwt[1:])
    assert bwt[1 + LAMS.index(MODERATE)] >= 0
    assert all(x >= y for x, y in zip(last, last[1:])) and last[0] > last[-1]
    assert last[-1] < 0.5 + 2 * SE_TASK
    assert abs(acc[1] - acc[0]) <= SE_ACC
    assert all(x > y for x, y in zip(acc[1:], acc[2:]))


def test_04b_ewc_cuts_forgetting_and_keeps_more_plasticity_than_one_lambda():
    """04b §4 at SEED = 0: EWC(λ = 1) has a higher BWT than no spring, and a higher ACC and last-task
    accuracy than L2ToPrevious at the moderate λ."""
    plain = plain_stream(0).metrics()
    curve = lambda_sweep(0)
    i = LAMS.index(MODERATE)
    ewc = run_sentiment_stream("ewc", 1.0, seed=0).metrics()
    assert ewc["bwt"] > plain["bwt"]
    assert ewc["last"] > curve["last"][i]
    assert ewc["acc"] > curve["acc"][i]
    # "at λ = 100 it behaves like a stronger spring": more BWT, less plasticity than at λ = 1
    tight = run_sentiment_stream("ewc", 100.0, seed=0).metrics()
    assert tight["bwt"] > ewc["bwt"] and tight["last"] < ewc["last"]


def test_04b_article_settings_pull_makes_no_measurable_difference_with_a_positive_control():
    """04b §5: plain SGD, α = 0.01, seeds 0-2: ArticlePull(0.01) − none is "no measurable difference" by
    the course's noise rule for ACC and BWT; ACC stays near chance (0.5); and the same three seeds
    detect the same pull on the Adam stream (BWT: "helps"), so the measurement is not blind."""
    article = dict(optimizer="sgd", lr=0.01)
    none = stability_plasticity([0.0], "pull", seeds=SEEDS, **article)
    pull = stability_plasticity([0.01], "pull", seeds=SEEDS, **article)
    for metric in ("acc", "bwt"):
        d = paired_difference(pull[metric + "_per_seed"][:, 0], none[metric + "_per_seed"][:, 0])
        assert d.verdict == NO_DIFFERENCE, (metric, d)
    assert abs(float(none["acc"][0]) - 0.5) < 2 * SE_ACC
    none_adam = stability_plasticity([0.0], "pull", seeds=SEEDS)
    pull_adam = stability_plasticity([0.01], "pull", seeds=SEEDS)
    control = paired_difference(pull_adam["bwt_per_seed"][:, 0], none_adam["bwt_per_seed"][:, 0])
    assert control.verdict == HELPS, control


def test_04b_under_adam_beta_0_01_already_removes_most_forgetting():
    """04b §5 at SEED = 0, Adam stream: β = 0.01 removes most of the forgetting at a small cost in
    plasticity (less than one task's standard error); from β of a few hundredths on, learning stops."""
    plain = plain_stream(0).metrics()
    sweep = stability_plasticity(BETAS, "pull", seeds=(0,))
    bwt = {0.0: plain["bwt"], **dict(zip(BETAS, sweep["bwt"]))}
    last = {0.0: plain["last"], **dict(zip(BETAS, sweep["last"]))}
    assert bwt[0.0] < 0
    assert bwt[0.01] - bwt[0.0] > 0.5 * abs(bwt[0.0])  # most of the forgetting is gone
    assert 0 <= last[0.0] - last[0.01] <= SE_TASK  # a small cost in plasticity
    lasts = [last[b] for b in BETAS]
    assert all(x > y for x, y in zip(lasts, lasts[1:]))  # larger β stops the learning
    assert last[0.3] < 0.5 + 2 * SE_TASK


# ---- the fused coupled path behind the claims above (metamap_edu.learn.regularizers) ------------------
def _grad_via_hooks(reg, model):
    """What the trainer adds to .grad for the penalty: step_penalty (value) + before_step (gradient)."""
    for p in model.parameters():
        p.grad = None
    value = reg.step_penalty(model)
    reg.before_step(model)
    return value, torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def _grad_via_autograd(reg, model):
    for p in model.parameters():
        p.grad = None
    value = reg.penalty(model)
    value.backward()
    return float(value.detach()), torch.cat([p.grad.reshape(-1) for p in model.parameters()])


@pytest.mark.parametrize("kind", ["l2", "ewc", "l2init"])
def test_fused_penalty_gradient_equals_the_autograd_gradient(kind):
    """step_penalty + before_step give the value and gradient of the differentiable penalty()."""
    from metamap_edu.learn import EWC, L2ToInit

    torch.manual_seed(0)
    tasks, _ = notebook04_tasks(0)
    model = LinearMap(2, 1)
    reg = {"l2": L2ToPrevious(0.7), "ewc": EWC(3.0, fisher_samples=8), "l2init": L2ToInit(0.7)}[kind]
    if kind == "ewc":
        reg.end_task(model, tasks[0], 0)
    else:
        reg.start_task(model, 1 if kind == "l2" else 0)
    set_flat_params(model, flat_params(model) + torch.tensor([0.3, -0.2, 0.1]))
    v_hook, g_hook = _grad_via_hooks(reg, model)
    v_auto, g_auto = _grad_via_autograd(reg, model)
    assert v_hook == pytest.approx(v_auto, rel=1e-6)
    assert torch.allclose(g_hook, g_auto, rtol=1e-6, atol=1e-8)
    reg.before_step(model)  # consumed: a second call adds nothing
    assert torch.equal(torch.cat([p.grad.reshape(-1) for p in model.parameters()]), g_auto)


def test_subclass_overriding_penalty_is_still_differentiated():
    """A subclass that redefines penalty() keeps working: the trainer then differentiates it."""

    class Doubled(L2ToPrevious):
        def penalty(self, model):
            base = super().penalty(model)
            return None if base is None else 2 * base

    model = LinearMap(2, 1, bias=False)
    reg = Doubled(0.5)
    reg.set_anchor(model, torch.tensor([1.0, -1.0]))
    pen = reg.step_penalty(model)
    assert isinstance(pen, torch.Tensor) and pen.requires_grad
    tasks, _ = notebook04_tasks(0)
    h = fit(model, tasks[0], optimizer="sgd", lr=0.01, steps=3, batch_size=40, regularizer=reg, progress=False)
    assert all(l > d for l, d in zip(h.loss, h.data_loss))


# ---- notebook 00: formula 2 as the article writes it (a sum over tasks) ----------------------------
def test_00_task_by_task_answer_minimises_each_term_but_not_the_whole_sum():
    """00 §3: with θ_{t−1} fixed, the per-task problem's minimum is the chained closed form; the
    minimum of the article's Σ_t form, solved at once, is a different point (it also pulls θ_t
    toward θ_{t+1})."""
    _, data = notebook04_tasks(0)
    lam, theta0 = 1.0, torch.zeros(2, dtype=torch.float64)
    chain, prev = [], theta0
    for X, y in data:
        theta = ridge_toward(X, y, prev, lam)
        # the gradient of the per-task objective vanishes there
        grad = 2 * X.T @ (X @ theta - y) / len(y) + 2 * lam * (theta - prev)
        assert grad.abs().max() < 1e-9
        chain.append(theta)
        prev = theta
    # the whole sum: a linear system in (θ_1, ..., θ_T)
    T, d = len(data), 2
    A = torch.zeros(T * d, T * d, dtype=torch.float64)
    b = torch.zeros(T * d, dtype=torch.float64)
    for t, (X, y) in enumerate(data):
        i = slice(t * d, (t + 1) * d)
        A[i, i] += X.T @ X / len(y) + lam * torch.eye(d, dtype=torch.float64)
        b[i] += X.T @ y / len(y)
        if t == 0:
            b[i] += lam * theta0
        else:
            j = slice((t - 1) * d, t * d)
            A[j, j] += lam * torch.eye(d, dtype=torch.float64)
            A[i, j] -= lam * torch.eye(d, dtype=torch.float64)
            A[j, i] -= lam * torch.eye(d, dtype=torch.float64)
    joint = torch.linalg.solve(A, b).reshape(T, d)

    def total(thetas):
        out, prev = 0.0, theta0
        for (X, y), theta in zip(data, thetas):
            out += float(((X @ theta - y) ** 2).mean() + lam * ((theta - prev) ** 2).sum())
            prev = theta
        return out

    assert total(joint) < total(chain) - 1e-6  # the sum's own minimum is lower ...
    assert not torch.allclose(joint[0], chain[0], atol=1e-3)  # ... and at another θ_1
    assert torch.allclose(joint[-1], ridge_toward(*data[-1], joint[-2], lam))  # the last task has no future term
