"""Exercise checks of notebooks/05_meta_learning_proper (course.nb05):
each accepts the right answer and explains a wrong one."""
import pytest
import torch

from metamap_edu import course


def _stub(*args):
    raise NotImplementedError


# ---- notebook 05 -----------------------------------------------------------------------------
def maml_gradient(w, Xs, ys, Xq, yq, alpha):
    n_s, n_q = Xs.shape[0], Xq.shape[0]
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / n_s
    grad_q = 2 * Xq.T @ (Xq @ phi - yq) / n_q
    return (torch.eye(len(w), dtype=w.dtype) - alpha * 2 * Xs.T @ Xs / n_s) @ grad_q


def test_maml_gradient_right(capsys, said_words):
    assert course.check_maml_gradient(maml_gradient) is True
    said_words("Correct!")


def _first_order(w, Xs, ys, Xq, yq, alpha):
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / Xs.shape[0]
    return 2 * Xq.T @ (Xq @ phi - yq) / Xq.shape[0]


def _support_size_for_query(w, Xs, ys, Xq, yq, alpha):
    n = Xs.shape[0]
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / n
    return (torch.eye(len(w), dtype=w.dtype) - alpha * 2 * Xs.T @ Xs / n) @ (2 * Xq.T @ (Xq @ phi - yq) / n)


@pytest.mark.parametrize("fn, message", [
    (_first_order, "first-order (FOMAML)"),
    (_support_size_for_query, "divided by the support size"),
    (lambda w, *rest: 2 * maml_gradient(w, *rest), "differs from metamap_edu.learn.MAML"),
    (lambda w, *rest: maml_gradient(w, *rest)[:1], "expected"),
    (lambda *args: "gradient", "not a vector"),
    (_stub, "NotImplementedError"),
])
def test_maml_gradient_wrong(capsys, fn, message, said_words):
    assert course.check_maml_gradient(fn) is False
    said_words(message)


def test_maml_reference_is_the_formula():
    g = torch.Generator().manual_seed(0)
    Xs, Xq = torch.randn(5, 3, generator=g, dtype=torch.float64), torch.randn(7, 3, generator=g, dtype=torch.float64)
    ys, yq = torch.randn(5, generator=g, dtype=torch.float64), torch.randn(7, generator=g, dtype=torch.float64)
    w = torch.randn(3, generator=g, dtype=torch.float64)
    second, first = course.nb05._library_maml_gradients(w, {"x": Xs, "y": ys}, {"x": Xq, "y": yq}, 0.2)
    assert torch.allclose(second, maml_gradient(w, Xs, ys, Xq, yq, 0.2), atol=1e-12)
    assert torch.allclose(first, _first_order(w, Xs, ys, Xq, yq, 0.2), atol=1e-12)


def _exact_eff(beta, k):
    return sum((1 - beta) ** (k - j + 1) for j in range(1, k + 1)) / k


def test_pull_epsilons_right(capsys, said_words):
    assert course.check_pull_epsilons(lambda beta: 1 - beta, _exact_eff) is True
    said_words("ε_eff = 0.9466")


@pytest.mark.parametrize("once, every, message", [
    (lambda beta: beta, _exact_eff, "β itself"),
    (lambda beta: 0.5, _exact_eff, "one pull after the task keeps"),
    (lambda beta: 1 - beta, lambda beta, k: 1 - beta * (k + 1) / 2, "first-order approximation"),
    (lambda beta: 1 - beta, lambda beta, k: 1 - beta, "once-per-task answer"),
    (lambda beta: 1 - beta, lambda beta, k: (1 - beta) ** k, "shrinks every step k times"),
    (lambda beta: 1 - beta, lambda beta, k: 0.5, "ArticlePull measures"),
    (lambda beta: ..., _exact_eff, "still empty"),
    (_stub, _exact_eff, "NotImplementedError"),
    (lambda beta: 1 - beta, _stub, "NotImplementedError"),
])
def test_pull_epsilons_wrong(capsys, once, every, message, said_words):
    assert course.check_pull_epsilons(once, every) is False
    said_words(message)


@pytest.mark.parametrize("beta, k", [(0.01, 10), (0.05, 20), (0.3, 3), (0.5, 1)])
def test_pull_reference_is_the_discounted_sum(beta, k):
    assert course.nb05._library_pull_fraction(beta, k, every_step=True) == pytest.approx(_exact_eff(beta, k), rel=1e-12)
    assert course.nb05._library_pull_fraction(beta, k, every_step=False) == pytest.approx(1 - beta, rel=1e-12)


def test_checks_leave_the_global_seed_alone():
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    course.check_pull_epsilons(lambda beta: 1 - beta, _exact_eff)
    course.check_maml_gradient(maml_gradient)
    assert torch.equal(torch.rand(2), expected)
