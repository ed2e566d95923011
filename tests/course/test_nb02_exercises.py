"""Exercise checks of notebooks/02_learning_one_mapping (course.nb02):
each accepts the right answer and explains a wrong one."""
import numpy as np
import pytest
import torch

from metamap_edu import course


# ---- notebook 02 -----------------------------------------------------------------------------
def test_sgd_step_right(capsys, said):
    assert course.check_sgd_step(lambda theta, grad, lr: theta - lr * grad) is True
    said("Correct!")


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
def test_sgd_step_wrong(capsys, fn, message, said):
    assert course.check_sgd_step(fn) is False
    said(message)


def test_sgd_step_stub_and_crash(capsys, said):
    def stub(theta, grad, lr):
        raise NotImplementedError

    assert course.check_sgd_step(stub) is False
    said("NotImplementedError")
    assert course.check_sgd_step(lambda theta, grad, lr: theta @ torch.ones(7)) is False
    said("raised RuntimeError")


def test_max_stable_lr(capsys, said):
    X = np.c_[np.linspace(-2, 2, 21), np.ones(21)]
    top = np.linalg.eigvalsh(X.T @ X / 21).max()
    assert course.check_max_stable_lr(1 / top, X) is True
    assert course.check_max_stable_lr(2 / top, X) is False
    said("twice the answer")
    assert course.check_max_stable_lr(0.5 / top, X) is False
    said("converges above it")
    assert course.check_max_stable_lr(None, X) is False
    said("still empty")
    assert course.check_max_stable_lr("0.3", X) is False
    said("single number")
