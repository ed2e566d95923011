"""Exercise checks of notebooks/04_staying_close_the_l2_bridge (course.nb04):
each accepts the right answer and explains a wrong one."""
import torch

from metamap_edu import course


def test_ridge_toward(capsys, said):
    def right(X, y, theta_prev, lam):
        n, d = X.shape
        return torch.linalg.solve(X.T @ X / n + lam * torch.eye(d, dtype=X.dtype), X.T @ y / n + lam * theta_prev)

    def no_n(X, y, theta_prev, lam):
        d = X.shape[1]
        return torch.linalg.solve(X.T @ X + lam * torch.eye(d, dtype=X.dtype), X.T @ y + lam * theta_prev)

    def toward_zero(X, y, theta_prev, lam):
        n, d = X.shape
        return torch.linalg.solve(X.T @ X / n + lam * torch.eye(d, dtype=X.dtype), X.T @ y / n)

    assert course.check_ridge_toward(right) is True
    assert course.check_ridge_toward(no_n) is False
    said("1/n is missing")
    assert course.check_ridge_toward(toward_zero) is False
    said("ridge toward 0")
    assert course.check_ridge_toward(lambda X, y, p, lam: p) is False
    said("wrong for lam")


def test_ridge_toward_agrees_with_the_library():
    from metamap_edu.learn import ridge_toward

    assert course.check_ridge_toward(lambda X, y, p, lam: ridge_toward(X, y, p, lam)) is True
