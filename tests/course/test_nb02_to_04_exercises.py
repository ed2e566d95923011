"""Exercise checks of notebooks 02-04: each accepts the right answer and explains a wrong one."""
import numpy as np
import pytest
import torch

from metamap_edu.course import exercises as ex


def _said(capsys, text):
    out = capsys.readouterr().out
    assert text in out, out
    return out


# ---- notebook 02 -----------------------------------------------------------------------------
def test_sgd_step_right(capsys):
    assert ex.check_sgd_step(lambda theta, grad, lr: theta - lr * grad) is True
    _said(capsys, "Correct!")


@pytest.mark.parametrize(
    "fn, message",
    [
        (lambda theta, grad, lr: theta + lr * grad, "uphill"),
        (lambda theta, grad, lr: theta - grad, "learning rate is missing"),
        (lambda theta, grad, lr: -lr * grad, "only the step"),
        (lambda theta, grad, lr: [theta.sub_(lr * grad)] and None, "in place but returned None"),
        (lambda theta, grad, lr: theta[:2], "shape"),
        (lambda theta, grad, lr: theta - 0.5 * lr * grad, "differs from torch.optim.SGD"),
        ("theta - lr * grad", "expected a function"),
    ],
)
def test_sgd_step_wrong(capsys, fn, message):
    assert ex.check_sgd_step(fn) is False
    _said(capsys, message)


def test_sgd_step_stub_and_crash(capsys):
    def stub(theta, grad, lr):
        raise NotImplementedError

    assert ex.check_sgd_step(stub) is False
    _said(capsys, "NotImplementedError")
    assert ex.check_sgd_step(lambda theta, grad, lr: theta @ torch.ones(7)) is False
    _said(capsys, "raised RuntimeError")


def test_max_stable_lr(capsys):
    X = np.c_[np.linspace(-2, 2, 21), np.ones(21)]
    top = np.linalg.eigvalsh(X.T @ X / 21).max()
    assert ex.check_max_stable_lr(1 / top, X) is True
    assert ex.check_max_stable_lr(2 / top, X) is False
    _said(capsys, "twice the answer")
    assert ex.check_max_stable_lr(0.5 / top, X) is False
    _said(capsys, "converges above it")
    assert ex.check_max_stable_lr(None, X) is False
    _said(capsys, "still empty")
    assert ex.check_max_stable_lr("0.3", X) is False
    _said(capsys, "single number")


# ---- notebook 03 -----------------------------------------------------------------------------
R = np.array([[0.50, 0.48, 0.52],
              [0.90, 0.60, 0.40],
              [0.70, 0.95, 0.55],
              [0.60, 0.70, 0.90]])
ACC = (0.60 + 0.70 + 0.90) / 3
BWT = ((0.60 - 0.90) + (0.70 - 0.95)) / 2
FWT = ((0.60 - 0.48) + (0.55 - 0.52)) / 2


def test_acc(capsys):
    assert ex.check_acc(ACC, R) is True
    assert ex.check_acc(round(ACC, 3), R[1:]) is True
    assert ex.check_acc((0.9 + 0.95 + 0.9) / 3, R) is False
    _said(capsys, "diagonal")


def test_bwt(capsys):
    assert ex.check_bwt(BWT, R) is True
    assert ex.check_bwt(np.float64(BWT), R) is True
    assert ex.check_bwt(-BWT, R) is False
    _said(capsys, "sign is flipped")
    assert ex.check_bwt(BWT * 2 / 3, R) is False
    _said(capsys, "divided by T")
    assert ex.check_bwt(0.3, R) is False
    _said(capsys, "is not BWT")


def test_fwt(capsys):
    assert ex.check_fwt(FWT, R) is True
    assert ex.check_fwt(-FWT, R) is False
    _said(capsys, "sign is flipped")
    assert ex.check_fwt(((0.95 - 0.48) + (0.90 - 0.52)) / 2, R) is False
    _said(capsys, "diagonal")
    with pytest.raises(ValueError, match="before-training row"):
        ex.check_fwt(FWT, R[1:])


def test_bad_reference_matrix_raises():
    with pytest.raises(ValueError, match="accuracy matrix"):
        ex.check_bwt(0.0, np.ones((2, 5)))


# ---- notebook 04 -----------------------------------------------------------------------------
def test_lambda_mapping_number_and_function(capsys):
    assert ex.check_lambda_mapping(0.01 / (2 * 0.01 * 0.99), alpha=0.01, beta=0.01) is True
    assert ex.check_lambda_mapping(lambda beta, alpha: beta / (2 * alpha * (1 - beta))) is True
    assert ex.check_lambda_mapping(lambda beta, alpha: beta / (alpha * (1 - beta))) is False
    _said(capsys, "factor 2")
    assert ex.check_lambda_mapping(lambda beta, alpha: beta / (2 * alpha)) is False
    _said(capsys, "(1 - beta) is missing")
    assert ex.check_lambda_mapping(0.5, alpha=0.01, beta=0.01) is False
    _said(capsys, "(1 - beta) is missing")
    assert ex.check_lambda_mapping(7.0) is False
    _said(capsys, "not the mapping")
    with pytest.raises(ValueError, match="beta"):
        ex.check_lambda_mapping(1.0, beta=1.0)


def test_effective_lr(capsys):
    assert ex.check_effective_lr(0.01 * 0.99) is True
    assert ex.check_effective_lr(0.01) is False
    _said(capsys, "original rate")
    assert ex.check_effective_lr(0.0001) is False
    _said(capsys, "(1 - beta) of the move")


def test_ridge_toward(capsys):
    def right(X, y, theta_prev, lam):
        n, d = X.shape
        return torch.linalg.solve(X.T @ X / n + lam * torch.eye(d, dtype=X.dtype), X.T @ y / n + lam * theta_prev)

    def no_n(X, y, theta_prev, lam):
        d = X.shape[1]
        return torch.linalg.solve(X.T @ X + lam * torch.eye(d, dtype=X.dtype), X.T @ y + lam * theta_prev)

    def toward_zero(X, y, theta_prev, lam):
        n, d = X.shape
        return torch.linalg.solve(X.T @ X / n + lam * torch.eye(d, dtype=X.dtype), X.T @ y / n)

    assert ex.check_ridge_toward(right) is True
    assert ex.check_ridge_toward(no_n) is False
    _said(capsys, "1/n is missing")
    assert ex.check_ridge_toward(toward_zero) is False
    _said(capsys, "ridge toward 0")
    assert ex.check_ridge_toward(lambda X, y, p, lam: p) is False
    _said(capsys, "wrong for lam")


def test_ridge_toward_agrees_with_the_library():
    from metamap_edu.learn.closed_form import ridge_toward

    assert ex.check_ridge_toward(lambda X, y, p, lam: ridge_toward(X, y, p, lam)) is True


def test_metric_checks_agree_with_the_library():
    from metamap_edu.learn.metrics import average_accuracy, backward_transfer, forward_transfer

    assert ex.check_acc(average_accuracy(R), R) is True
    assert ex.check_bwt(backward_transfer(R), R) is True
    assert ex.check_fwt(forward_transfer(R), R) is True


def test_lambda_mapping_agrees_with_the_library():
    from metamap_edu.learn import pull_as_l2

    lam, lr = pull_as_l2(0.2, 0.05)
    assert ex.check_lambda_mapping(lam, alpha=0.05, beta=0.2) is True
    assert ex.check_effective_lr(lr, alpha=0.05, beta=0.2) is True
