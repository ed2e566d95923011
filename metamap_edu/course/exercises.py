"""Checks for the notebooks' exercises: specific feedback instead of a bare "wrong".

Every ``check_...`` function prints what it found and returns ``True`` when the answer is right.
A wrong answer prints what is wrong and a hint, and returns ``False``; it never raises, so a
notebook keeps running while a learner is still working. (A bad *reference* argument -- one the
notebook supplies, not the learner -- still raises ``ValueError``/``TypeError``.)

An untouched exercise is not a wrong one. The notebooks a learner opens hold stubs (see
``metamap_edu/tools/student.py``): an answer ``name = ...`` or a function whose body raises
``NotImplementedError``. Every ``check_...`` function, reached as ``exercises.check_...``, first
looks for such a stub: when an argument is ``...`` or the learner's function raises
``NotImplementedError``, it prints "Not attempted yet" and returns ``False``, with no traceback.
That guard is applied to every public ``check_`` name of this module, so a new check gets it
without writing anything.
Each helper of the course adds its checks in a section headed ``# ---- notebook NN: topic ----``.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from .._checks import _show

__all__: list[str] = []  # each section below appends its public names


#: printed feedback is wrapped at word boundaries to this width, so a notebook's output area never
#: breaks a line in the middle of a word
WIDTH = 100


def _say(text: str) -> None:
    import textwrap

    for line in text.splitlines() or [""]:
        print(textwrap.fill(line, WIDTH, subsequent_indent="  ", break_long_words=False,
                            break_on_hyphens=False) if len(line) > WIDTH else line)


#: the first words a check prints for a stub nobody has filled in yet
NOT_ATTEMPTED = "Not attempted yet"


def _not_attempted(what: str = "the answer above", raises: bool = False) -> bool:
    state = "still raises NotImplementedError" if raises else "is still empty (...)"
    _say(f"{NOT_ATTEMPTED}: {what} {state}; write it, then run this cell again.")
    return False


def _passed(message: str) -> bool:
    _say(f"Correct! {message}")
    return True


def _failed(message: str, hint: str | None = None) -> bool:
    _say(f"Not yet: {message}")
    if hint:
        _say(f"Hint: {hint}")
    return False


def _close(a: float, b: float, rel: float = 1e-3, abs_: float = 1e-3) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def _as_number(name: str, answer):
    """``answer`` as a float, or ``None`` after printing why it is not a number."""
    if answer is Ellipsis:
        _not_attempted(name)
        return None
    if answer is None:
        _failed(f"{name} is still empty (None).", "replace the None with your answer.")
        return None
    if hasattr(answer, "item") and getattr(answer, "ndim", 0) == 0:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        _failed(f"{name} must be a single number; got a {type(answer).__name__}.")
        return None
    if not math.isfinite(answer):
        _failed(f"{name} is {answer}, not a finite number.")
        return None
    return float(answer)


def _call_learner(fn: Callable, *args):
    """Call the learner's function; return ``(ok, result)`` after printing feedback on a crash."""
    if not callable(fn):
        return False, _failed(f"expected a function, got a {type(fn).__name__}.",
                              "pass the function itself (no parentheses after its name).")
    try:
        return True, fn(*args)
    except NotImplementedError:
        return False, _not_attempted(getattr(fn, "__name__", "your function"), raises=True)
    except Exception as err:  # a learner's bug: report it, keep the notebook alive
        return False, _failed(f"calling your function raised {type(err).__name__}: {err}")


def _guard(check: Callable) -> Callable:
    """``check`` that answers "Not attempted yet" for an untouched stub instead of judging it."""
    import functools

    @functools.wraps(check)
    def guarded(*args, **kwargs):
        if any(value is Ellipsis for value in (*args, *kwargs.values())):
            return _not_attempted()
        try:
            return check(*args, **kwargs)
        except NotImplementedError:
            return _not_attempted("your function", raises=True)

    return guarded


class _ChecksModule(type(math)):
    """This module, whose public ``check_...`` functions come wrapped by :func:`_guard`."""

    def __getattribute__(self, name: str):
        value = super().__getattribute__(name)
        if name.startswith("check_") and callable(value):
            cache = super().__getattribute__("_GUARDED")
            if value not in cache:
                cache[value] = _guard(value)
            return cache[value]
        return value


_GUARDED: dict = {}
__import__("sys").modules[__name__].__class__ = _ChecksModule


__all__ += ["NOT_ATTEMPTED", "must_pass"]


def must_pass(result) -> bool:
    """``True`` when a check returned ``True``; otherwise raise ``AssertionError`` (graded test cells).

    The graded versions of the notebooks (``metamap-edu nbgrader``) wrap each ``check_...`` call in
    it, because nbgrader scores a test cell by whether it raises.
    """
    if not isinstance(result, bool):
        raise TypeError(f"result must be what a check_... function returns, True or False; "
                        f"got {result!r:.80} of type {type(result).__name__}")
    if not result:
        raise AssertionError("this exercise's check did not pass; its feedback above says why")
    return True


# ---- notebook 02-04: formula 1, a stream of tasks, the L2 bridge ----
__all__ += [
    "check_sgd_step",
    "check_max_stable_lr",
    "check_acc",
    "check_bwt",
    "check_fwt",
    "check_lambda_mapping",
    "check_effective_lr",
    "check_ridge_toward",
]


def check_sgd_step(fn: Callable) -> bool:
    r"""Check a hand-written SGD step ``fn(theta, grad, lr) -> new theta`` against ``torch.optim.SGD``.

    The step is formula 1, :math:`\theta' = \theta - \alpha\nabla_\theta L`. The check computes the
    gradient of a small least-squares loss, lets ``torch.optim.SGD`` take one step, and compares.
    Exercise of ``notebooks/02_learning_one_mapping``.
    """
    import torch

    gen = torch.Generator().manual_seed(1234)
    X = torch.randn(16, 3, generator=gen)
    y = torch.randn(16, generator=gen)
    lr = 0.1
    param = torch.nn.Parameter(torch.randn(3, generator=gen))
    loss = ((X @ param - y) ** 2).mean()
    loss.backward()
    theta, grad = param.detach().clone(), param.grad.detach().clone()
    opt = torch.optim.SGD([param], lr=lr)
    opt.step()
    expected = param.detach().clone()

    theta_in = theta.clone()
    with torch.no_grad():
        ok, result = _call_learner(fn, theta_in, grad.clone(), lr)
    if not ok:
        return False
    if result is None:
        if torch.allclose(theta_in, expected, atol=1e-6):
            return _failed("your function changed theta in place but returned None.",
                           "end the function with `return` and the new parameters.")
        return _failed("your function returned None.", "return the new parameter tensor.")
    if not isinstance(result, torch.Tensor):
        try:
            result = torch.as_tensor(result, dtype=theta.dtype)
        except (TypeError, ValueError):
            return _failed(f"your function returned a {type(result).__name__}, not a tensor.")
    if result.shape != theta.shape:
        return _failed(f"the result has shape {tuple(result.shape)}; theta has shape {tuple(theta.shape)}.",
                       "one step changes every parameter but keeps the shape: theta - lr * grad.")
    result = result.detach().to(theta.dtype)
    if torch.allclose(result, expected, atol=1e-6):
        return _passed("one step of theta - lr * grad matches torch.optim.SGD exactly.")
    if torch.allclose(result, theta + lr * grad, atol=1e-6):
        return _failed("you stepped uphill: the loss grows along the gradient.",
                       "subtract the gradient, theta - lr * grad.")
    if torch.allclose(result, theta - grad, atol=1e-6):
        return _failed("the learning rate is missing: you took the full gradient as the step.",
                       "multiply the gradient by lr before subtracting.")
    if torch.allclose(result, theta, atol=1e-9):
        return _failed("the parameters did not change.", "the new theta is theta - lr * grad.")
    if torch.allclose(result, -lr * grad, atol=1e-6):
        return _failed("you returned only the step -lr * grad, not the new parameters.",
                       "add the step to theta.")
    gap = float((result - expected).abs().max())
    return _failed(f"your step differs from torch.optim.SGD by up to {gap:.3g}.",
                   "formula 1: theta_new = theta - lr * grad, element by element.")


def _gram_eig_range(X) -> float:
    import torch

    X = torch.as_tensor(X, dtype=torch.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D (n, d) array; got shape {tuple(X.shape)}")
    eig = torch.linalg.eigvalsh(X.T @ X / X.shape[0])
    return float(eig.max()), float(eig.min())


def check_max_stable_lr(answer, X) -> bool:
    r"""Check the largest learning rate for which gradient descent on :math:`\frac1n\|X\theta-y\|^2` converges.

    The Hessian is :math:`H = \frac{2}{n}X^\top X`; along its eigenvector with eigenvalue :math:`h`
    the error is multiplied by :math:`(1-\alpha h)` each step, so every direction shrinks only when
    :math:`\alpha < 2/h_{\max} = 1/\lambda_{\max}(X^\top X/n)`.
    Exercise of ``notebooks/02_learning_one_mapping``.
    """
    value = _as_number("your learning rate", answer)
    if value is None:
        return False
    from ..learn import max_stable_lr  # inside: this module keeps torch out of its import

    s_max, s_min = _gram_eig_range(X)
    right = max_stable_lr(X)  # 2 / h_max = 1 / s_max
    if _close(value, right, rel=0.02, abs_=0.0):
        return _passed(f"alpha < {right:.4g}: above it the stiffest direction's error grows by |1 - alpha*h| > 1 each step.")
    if _close(value, 2.0 * right, rel=0.02, abs_=0.0):
        return _failed("that is twice the answer: the Hessian of (1/n)||X theta - y||^2 is 2 X^T X / n.",
                       "the loss has no 1/2 in front, so differentiating twice brings down a factor 2.")
    if _close(value, 0.5 * right, rel=0.02, abs_=0.0):
        return _failed("that rate is 1/h_max, the one that removes the stiffest direction's error in one step; "
                       "gradient descent still converges above it.",
                       "the error is multiplied by (1 - alpha*h); find where |1 - alpha*h| reaches 1.")
    if _close(value, 1.0 / s_min, rel=0.02, abs_=0.0) or _close(value, 0.5 / s_min, rel=0.02, abs_=0.0):
        return _failed("you used the smallest eigenvalue; the flattest direction is the safest one.",
                       "the largest eigenvalue (the stiffest direction) sets the limit.")
    return _failed(f"{value:.4g} is not the threshold.",
                   "compute the eigenvalues of X^T X / n; the Hessian is twice that; use 2 / (largest Hessian eigenvalue).")


def _split_R(R):
    """``(initial row or None, trained rows (T, T))`` from a ``(T, T)`` or ``(T + 1, T)`` matrix."""
    try:
        import numpy as _np

        _np.asarray(R.detach().cpu().numpy() if hasattr(R, "detach") else R, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"R must be an accuracy matrix of numbers (a list of rows, an array or a tensor); got {_show(R)}") from None
    import numpy as np

    if hasattr(R, "detach"):
        R = R.detach().cpu().numpy()
    R = np.asarray(R, dtype=float)
    if R.ndim != 2 or R.shape[0] not in (R.shape[1], R.shape[1] + 1) or R.shape[1] < 2:
        raise ValueError(f"R must be a (T, T) or (T + 1, T) accuracy matrix with T >= 2; got shape {R.shape}")
    if R.shape[0] == R.shape[1] + 1:
        return R[0], R[1:]
    return None, R


def check_acc(answer, R) -> bool:
    r"""Check ACC :math:`= \frac1T\sum_{i=1}^{T} R_{T,i}` (mean score on all tasks after the last one).

    ``R`` is the accuracy matrix, ``(T, T)`` or ``(T + 1, T)`` with the before-training row first.
    Exercise of ``notebooks/03_a_stream_of_tasks``.
    """
    _, M = _split_R(R)
    value = _as_number("your ACC", answer)
    if value is None:
        return False
    T = M.shape[0]
    right = M[-1].mean()
    if _close(value, right):
        return _passed(f"ACC = {right:.3f}, the mean of the last row of R.")
    if _close(value, M.diagonal().mean()):
        return _failed("that is the mean of the diagonal: each task scored right after learning it, before any forgetting.",
                       "ACC reads the LAST row: every task, scored after training on the final task.")
    if _close(value, M[-1, :-1].mean()):
        return _failed("you left out the last task.", f"average all {T} entries of the last row.")
    if _close(value, M.mean()):
        return _failed("you averaged the whole matrix.", "ACC uses only the last row.")
    return _failed(f"{value:.3f} is not ACC.", "ACC = (1/T) * sum over tasks i of R[T, i] (the last row).")


def check_bwt(answer, R) -> bool:
    r"""Check BWT :math:`= \frac{1}{T-1}\sum_{i=1}^{T-1} (R_{T,i} - R_{i,i})` (Lopez-Paz & Ranzato, 2017).

    Negative BWT is forgetting: a task's final score is below the score it had just after it was learned.
    Exercise of ``notebooks/03_a_stream_of_tasks``.
    """
    _, M = _split_R(R)
    value = _as_number("your BWT", answer)
    if value is None:
        return False
    T = M.shape[0]
    diffs = M[-1, :-1] - M.diagonal()[:-1]
    right = diffs.sum() / (T - 1)
    if _close(value, right):
        return _passed(f"BWT = {right:.3f}; negative means the stream forgot earlier tasks.")
    if _close(value, -right):
        return _failed("the sign is flipped.", "final score minus just-learned score: R[T, i] - R[i, i].")
    if _close(value, diffs.sum() / T):
        return _failed("you divided by T.", "the last task cannot be forgotten yet, so there are T - 1 terms: divide by T - 1.")
    if _close(value, diffs.sum()):
        return _failed("that is the sum; BWT is an average.", "divide by T - 1.")
    return _failed(f"{value:.3f} is not BWT.",
                   "for each task i except the last: R[T, i] - R[i, i]; average these T - 1 numbers.")


def check_fwt(answer, R) -> bool:
    r"""Check FWT :math:`= \frac{1}{T-1}\sum_{i=2}^{T} (R_{i-1,i} - \bar b_i)`, with :math:`\bar b_i = R_{0,i}`.

    ``R`` must have the before-training row (shape ``(T + 1, T)``): :math:`\bar b_i` is the score of
    the untrained model on task *i*. Positive FWT: earlier tasks helped a task before it was seen.
    Exercise of ``notebooks/03_a_stream_of_tasks``.
    """
    b, M = _split_R(R)
    if b is None:
        raise ValueError("R must include the before-training row (shape (T + 1, T)) to compute FWT")
    value = _as_number("your FWT", answer)
    if value is None:
        return False
    T = M.shape[0]
    before_seen = M[[i - 1 for i in range(1, T)], list(range(1, T))]   # R[i-1, i] for tasks 2..T
    diffs = before_seen - b[1:]
    right = diffs.sum() / (T - 1)
    if _close(value, right):
        return _passed(f"FWT = {right:.3f}: how much earlier tasks helped each task before it was trained on.")
    if _close(value, -right):
        return _failed("the sign is flipped.", "score before training on task i (after task i-1) MINUS the untrained score.")
    if _close(value, diffs.sum() / T):
        return _failed("you divided by T.", "task 1 has no earlier task, so there are T - 1 terms.")
    if _close(value, (M.diagonal()[1:] - b[1:]).mean()):
        return _failed("you used the diagonal R[i, i], the score AFTER training on task i.",
                       "forward transfer looks one row up: R[i-1, i], just before task i is trained.")
    return _failed(f"{value:.3f} is not FWT.",
                   "for tasks i = 2..T: R[i-1, i] - R[0, i]; average these T - 1 numbers.")


def _lambda_of(beta: float, alpha: float) -> float:
    return beta / (2 * alpha * (1 - beta))


def check_lambda_mapping(answer, alpha: float = 0.01, beta: float = 0.01) -> bool:
    r"""Check :math:`\lambda = \beta / (2\alpha(1-\beta))`, the coupled L2 equal to the article's pull under SGD.

    ``answer`` is a number (for the given ``alpha`` and ``beta``) or a function ``(beta, alpha) -> lam``,
    tried on several pairs. SGD then a pull, :math:`\theta \leftarrow \theta - \alpha g` and
    :math:`\theta \leftarrow \theta - \beta(\theta-\theta_{t-1})`, equals one SGD step with rate
    :math:`\alpha(1-\beta)` on :math:`L + \lambda\|\theta-\theta_{t-1}\|^2`: match
    :math:`2\lambda\alpha(1-\beta) = \beta`. Exercise of ``notebooks/04b_the_articles_pull_repaired``.
    """
    from .._checks import check_float

    alpha = check_float("alpha", alpha, min=0.0, min_inclusive=False)
    beta = check_float("beta", beta, min=0.0, max=1.0, max_inclusive=False)
    if callable(answer):
        pairs = [(0.01, 0.01), (0.2, 0.05), (0.5, 0.1), (0.9, 0.3)]
        got = []
        for b_, a_ in pairs:
            ok, value = _call_learner(answer, b_, a_)
            if not ok:
                return False
            value = _as_number(f"your function's value for beta={b_}, alpha={a_}", value)
            if value is None:
                return False
            got.append(value)
        cases = [(g, b_, a_) for g, (b_, a_) in zip(got, pairs)]
    else:
        value = _as_number("your lambda", answer)
        if value is None:
            return False
        cases = [(value, beta, alpha)]

    def all_match(formula):
        return all(math.isclose(g, formula(b_, a_), rel_tol=2e-3) for g, b_, a_ in cases)

    if all_match(_lambda_of):
        g, b_, a_ = cases[0]
        return _passed(f"lambda = beta / (2 alpha (1 - beta)) = {_lambda_of(b_, a_):.4g} for beta={b_:g}, alpha={a_:g}.")
    if all_match(lambda b_, a_: b_ / (a_ * (1 - b_))):
        return _failed("you are off by a factor 2.",
                       "the gradient of lambda * ||theta - theta_prev||^2 is 2 * lambda * (theta - theta_prev): there is no 1/2.")
    if all_match(lambda b_, a_: b_ / (2 * a_)):
        return _failed("the factor (1 - beta) is missing.",
                       "the pull also shrinks the gradient step: the matching learning rate is alpha * (1 - beta), not alpha.")
    if all_match(lambda b_, a_: b_ / a_):
        return _failed("both the factor 2 and the (1 - beta) are missing.",
                       "write both updates out and match the coefficient of (theta - theta_prev).")
    if all_match(lambda b_, a_: b_ / (2 * (1 - b_))) or all_match(lambda b_, a_: b_ / (1 - b_)):
        return _failed("the learning rate alpha is missing.",
                       "the penalty's gradient is multiplied by the learning rate before it moves theta.")
    return _failed("that is not the mapping.",
                   "expand (1 - beta)(theta - alpha g) + beta theta_prev and compare it with "
                   "theta - eta (g + 2 lambda (theta - theta_prev)).")


def check_effective_lr(answer, alpha: float = 0.01, beta: float = 0.01) -> bool:
    r"""Check the learning rate of plain SGD that one SGD step followed by the pull equals: :math:`\alpha(1-\beta)`.

    With ONE step per task (the article's loop) the pull starts from :math:`\theta=\theta_{t-1}`, so
    :math:`\theta_t = \theta_{t-1} - \alpha(1-\beta)\nabla L_t(\theta_{t-1})`: the "regularizer" only
    scales the learning rate. Exercise of ``notebooks/04b_the_articles_pull_repaired``.
    """
    from .._checks import check_float

    alpha = check_float("alpha", alpha, min=0.0, min_inclusive=False)
    beta = check_float("beta", beta, min=0.0, max=1.0, max_inclusive=False)
    value = _as_number("your learning rate", answer)
    if value is None:
        return False
    right = alpha * (1 - beta)
    if math.isclose(value, right, rel_tol=1e-4):
        return _passed(f"alpha (1 - beta) = {right:.6g}: one step plus the pull is plain SGD with a {beta:.0%} smaller rate.")
    if math.isclose(value, alpha, rel_tol=1e-4):
        return _failed("that is the original rate; the pull does change the step.",
                       "start from theta = theta_prev, take the SGD step, then apply the pull to the result.")
    if math.isclose(value, alpha * beta, rel_tol=1e-4):
        return _failed("the pull keeps (1 - beta) of the move, not beta of it.",
                       "theta - beta (theta - theta_prev) = theta_prev + (1 - beta)(theta - theta_prev).")
    if math.isclose(value, alpha * (1 + beta), rel_tol=1e-4):
        return _failed("the pull goes back TOWARD theta_prev, so the step gets smaller, not larger.")
    return _failed(f"{value:.6g} is not it.",
                   "one step from theta_prev moves by -alpha g; the pull keeps a fraction (1 - beta) of that move.")


def check_ridge_toward(fn: Callable) -> bool:
    r"""Check a learner's closed form ``fn(X, y, theta_prev, lam)`` for
    :math:`\arg\min_\theta \frac1n\|X\theta-y\|^2 + \lambda\|\theta-\theta_{prev}\|^2
    = (X^\top X/n + \lambda I)^{-1}(X^\top y/n + \lambda\theta_{prev})`.

    Tried on a few random problems and λ values; compared in float64.
    Exercise of ``notebooks/04_staying_close_the_l2_bridge``.
    """
    import torch

    gen = torch.Generator().manual_seed(4321)
    n, d = 20, 3
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.randn(n, generator=gen, dtype=torch.float64)
    theta_prev = torch.randn(d, generator=gen, dtype=torch.float64)
    eye = torch.eye(d, dtype=torch.float64)

    def solve(A, b):
        return torch.linalg.solve(A, b)

    wrong = {
        "the 1/n is missing: (X^T X + lam I)^-1 (X^T y + lam theta_prev) solves a problem whose data term is n times larger.":
            lambda lam: solve(X.T @ X + lam * eye, X.T @ y + lam * theta_prev),
        "the lam * theta_prev term is missing: that is ridge toward 0, not toward theta_prev.":
            lambda lam: solve(X.T @ X / n + lam * eye, X.T @ y / n),
        "lam is doubled: both terms are squared norms without 1/2, so the factor 2 cancels on both sides.":
            lambda lam: solve(X.T @ X / n + 2 * lam * eye, X.T @ y / n + 2 * lam * theta_prev),
    }
    lams = (0.0, 0.1, 1.0, 10.0)
    results = []
    for lam in lams:
        ok, out = _call_learner(fn, X.clone(), y.clone(), theta_prev.clone(), lam)
        if not ok:
            return False
        if out is None:
            return _failed("your function returned None.", "return the minimiser theta (a tensor of shape (d,)).")
        try:
            out = torch.as_tensor(out, dtype=torch.float64).reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            return _failed(f"your function returned a {type(out).__name__}, not a vector.")
        if out.shape != (d,):
            return _failed(f"your result has {out.numel()} numbers; theta has {d}.")
        results.append(out)
    right = [solve(X.T @ X / n + lam * eye, X.T @ y / n + lam * theta_prev) for lam in lams]
    if all(torch.allclose(r, e, atol=1e-6) for r, e in zip(results, right)):
        return _passed("your closed form matches for lam = 0, 0.1, 1 and 10.")
    for message, formula in wrong.items():
        if all(torch.allclose(r, formula(lam), atol=1e-6) for r, lam in zip(results, lams)):
            return _failed(message, "set the gradient (2/n) X^T (X theta - y) + 2 lam (theta - theta_prev) to zero.")
    bad = [lam for r, e, lam in zip(results, right, lams) if not torch.allclose(r, e, atol=1e-6)]
    return _failed(f"your answer is wrong for lam in {bad}.",
                   "theta* = (X^T X / n + lam I)^-1 (X^T y / n + lam theta_prev); use torch.linalg.solve.")


# ---- notebook 00: start here ----
__all__ += ["GLOSSARY", "PIPELINE_STAGES", "thread_summands", "check_formula2_step", "check_thread_sums"]

#: The article's four steps, in order (the pipeline diagram of ``00_start_here``; 07's exercise).
PIPELINE_STAGES: tuple[str, ...] = ("generate", "train", "meta-learn", "pretrain")

#: English term -> Chinese term, as the source article uses them (taught in ``00_start_here``).
GLOSSARY: dict[str, str] = {
    "meta-learning": "元学习",
    "learning to learn": "学习的学习",
    "mapping": "映射",
    "task": "任务",
    "task generation": "任务生成",
    "pretraining": "预训练",
    "fine-tuning": "微调",
    "unlabeled data": "无标签数据",
    "unsupervised learning": "无监督学习",
    "text classification": "文本分类",
    "sentiment analysis": "情感分析",
    "named entity recognition": "命名实体识别",
    "machine translation": "机器翻译",
    "loss function": "损失函数",
    "gradient descent": "梯度下降",
    "learning rate": "学习率",
    "regularization": "正则化",
    "catastrophic forgetting": "灾难性遗忘",
    "transfer learning": "迁移学习",
    "few-shot learning": "少样本学习",
}


def check_formula2_step(fn: Callable) -> bool:
    r"""Check one gradient-descent step on formula 2, ``fn(theta, grad, theta_prev, alpha, lam)``.

    The objective of task :math:`t` is :math:`L_t(\theta) + \lambda\lVert\theta-\theta_{t-1}\rVert^2`;
    its gradient is :math:`\nabla L_t + 2\lambda(\theta-\theta_{t-1})`, so the step is
    :math:`\theta' = \theta - \alpha\big(\nabla L_t + 2\lambda(\theta-\theta_{t-1})\big)`:
    formula 1's step followed by a pull of strength :math:`2\alpha\lambda` towards
    :math:`\theta_{t-1}`. The check compares with that on random tensors, for several
    :math:`(\alpha, \lambda)`, and names the usual slips. Exercise of ``notebooks/00_start_here``.
    """
    import torch

    gen = torch.Generator().manual_seed(7)
    cases = [(0.1, 0.5), (0.01, 2.0), (0.3, 0.05)]
    theta = torch.randn(5, generator=gen, dtype=torch.float64)
    grad = torch.randn(5, generator=gen, dtype=torch.float64)
    prev = torch.randn(5, generator=gen, dtype=torch.float64)
    results = []
    for alpha, lam in cases:
        ok, result = _call_learner(fn, theta.clone(), grad.clone(), prev.clone(), alpha, lam)
        if not ok:
            return False
        if result is None:
            return _failed("your function returned None.", "return the new parameters theta'.")
        try:
            result = torch.as_tensor(result, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            return _failed(f"your function returned a {type(result).__name__}, not numbers.")
        if result.shape != theta.shape:
            return _failed(f"the result has shape {tuple(result.shape)}; theta has shape {tuple(theta.shape)}.")
        results.append(result)

    def matches(rule) -> bool:
        return all(torch.allclose(r, rule(a, lam), atol=1e-9) for r, (a, lam) in zip(results, cases))

    pull = theta - prev
    if matches(lambda a, lam: theta - a * (grad + 2 * lam * pull)):
        a, lam = cases[0]
        return _passed(f"theta' = theta - alpha (grad + 2 lam (theta - theta_prev)). It is formula 1's step "
                       f"plus a pull towards theta_prev of strength 2 alpha lam (= {2 * a * lam:g} for "
                       f"alpha = {a:g}, lam = {lam:g}): notebook 04 meets the same pull in the article's code.")
    slips = {
        "the penalty's gradient is missing a factor 2.":
            (lambda a, lam: theta - a * (grad + lam * pull),
             "the derivative of lam * (theta - theta_prev)^2 is 2 lam (theta - theta_prev)."),
        "the pull pushes away from theta_prev.":
            (lambda a, lam: theta - a * (grad - 2 * lam * pull),
             "the penalty grows as theta leaves theta_prev, so its gradient step brings theta back."),
        "the penalty is missing: that is formula 1 alone.":
            (lambda a, lam: theta - a * grad, "add the gradient of lam ||theta - theta_prev||^2."),
        "the learning rate does not multiply the penalty's gradient.":
            (lambda a, lam: theta - a * grad - 2 * lam * pull,
             "gradient descent moves by alpha times the WHOLE gradient, penalty included."),
        "you stepped uphill.":
            (lambda a, lam: theta + a * (grad + 2 * lam * pull), "subtract the gradient."),
    }
    for message, (rule, hint) in slips.items():
        if matches(rule):
            return _failed(message, hint)
    return _failed("that is not one gradient step on L + lam ||theta - theta_prev||^2.",
                   "write the gradient of the whole objective, then theta - alpha * gradient.")


def thread_summands(n: int = 1000, seed: int = 0):
    """``n`` float32 numbers of very different sizes, for the summation-order exercise of notebook 00."""
    import torch

    from .._checks import check_int

    n = check_int("n", n, min=2)
    seed = check_int("seed", seed, min=0)
    gen = torch.Generator().manual_seed(seed)
    scale = 10.0 ** torch.randint(-3, 4, (n,), generator=gen).to(torch.float32)
    return torch.randn(n, generator=gen, dtype=torch.float32) * scale


def _sum_in_order(values) -> float:
    import torch

    total = torch.tensor(0.0, dtype=torch.float32)
    for v in values:
        total = total + v
    return float(total)


def check_thread_sums(one_thread, two_threads, xs) -> bool:
    r"""Check two float32 sums of ``xs``: left to right, and as two threads would (each half, then both).

    Floating-point addition is not associative: :math:`(a+b)+c` and :math:`a+(b+c)` can differ in the
    last digits, so a sum split over threads changes with the thread count. That is why every
    notebook fixes it with ``mm.set_threads(1)``. Exercise of ``notebooks/00_start_here``.
    """
    import torch

    if not isinstance(xs, torch.Tensor) or xs.ndim != 1 or xs.dtype != torch.float32 or len(xs) < 2:
        raise ValueError(f"xs must be a 1-D float32 tensor of at least 2 numbers (exercises.thread_summands()); got {_show(xs)}")
    half = len(xs) // 2
    left_to_right = _sum_in_order(xs)
    two = float(torch.tensor(_sum_in_order(xs[:half]), dtype=torch.float32)
                + torch.tensor(_sum_in_order(xs[half:]), dtype=torch.float32))
    exact = float(xs.double().sum())
    answers = {}
    for name, value in (("one_thread", one_thread), ("two_threads", two_threads)):
        answers[name] = _as_number(name, value)
        if answers[name] is None:
            return False
    for name, want in (("one_thread", left_to_right), ("two_threads", two)):
        got = answers[name]
        if got == want:
            continue
        if name == "two_threads" and got == left_to_right:
            return _failed("two_threads is the left-to-right sum again.",
                           "add xs[:half] and xs[half:] each on its own, then add the two partial sums.")
        if got == float(xs.sum()):
            return _failed(f"{name} is xs.sum(), which adds in an order torch chooses (in blocks).",
                           "add the numbers one by one in a loop, starting from torch.tensor(0.0).")
        if math.isclose(got, exact, rel_tol=1e-12, abs_tol=1e-12):
            return _failed(f"{name} was added in float64 (Python floats), not float32.",
                           "keep the running total a float32 tensor: start from torch.tensor(0.0).")
        if math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-3):
            return _failed(f"{name} is close ({got:.7g}) but not the float32 sum in the order asked ({want:.7g}).",
                           "the last digits depend on the order: follow it exactly.")
        return _failed(f"{name} = {got:.7g} is not a sum of xs (expected about {want:.7g}).")
    gap = abs(left_to_right - two)
    if gap == 0:
        return _passed("both orders give the same float32 sum for these numbers; try another seed "
                       "(exercises.thread_summands(seed=1)) to see them differ.")
    return _passed(f"one thread: {left_to_right:.9g}; two threads: {two:.9g}. Same numbers, another order, "
                   f"a difference of {gap:.2g} (float32 keeps about 7 digits). That is why every notebook "
                   f"fixes the thread count.")


# ---- notebook 01: tasks as mappings ----
__all__ += ["check_mapping_task", "SENTIMENT_QUIZ", "check_sentiment_quiz"]


def check_mapping_task(task, kind: str | None = None, min_examples: int = 6) -> bool:
    """Check a learner's own :class:`~metamap_edu.tasks.families.MappingTask`.

    It must be a ``MappingTask`` (of ``kind`` when given) with at least ``min_examples`` examples;
    every input must have exactly one output (a mapping is a function); no example may be
    repeated; and ``task.split(k_shot=1, n_query=1)`` must work (for classification: at least two
    examples of every class). Taught in ``notebooks/01_tasks_as_mappings``.
    """
    from ..tasks.families import KINDS, MappingTask

    if task is None or task is Ellipsis:
        return _failed("your task is still empty.",
                       "build it with MappingTask(name=..., kind=..., examples=[(x, y), ...]).")
    if not isinstance(task, MappingTask):
        if isinstance(task, (list, tuple)):
            return _failed("you passed a list of examples, not a task.",
                           "wrap it: MappingTask(name='my_task', kind='classification', examples=your_list).")
        return _failed(f"expected a MappingTask, got a {type(task).__name__}.",
                       "build it with MappingTask(name=..., kind=..., examples=[(x, y), ...]).")
    if kind is not None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
        if task.kind != kind:
            return _failed(f"this exercise asks for a {kind} task; yours has kind {task.kind!r}.",
                           f"pass kind={kind!r} and outputs of the matching form.")
    if len(task) < min_examples:
        return _failed(f"your task has {len(task)} examples; give at least {min_examples}.",
                       "a few-shot split needs examples for the support set AND the query set.")
    outputs_of: dict = {}
    for x, y in task.examples:
        outputs_of.setdefault(x, []).append(y)
    for x, ys in outputs_of.items():
        distinct = list(dict.fromkeys(ys))
        if len(distinct) > 1:
            return _failed(f"the input {x!r} is mapped to {len(distinct)} different outputs: {distinct}.",
                           "a mapping gives each input exactly one output; fix or drop the conflicting example.")
        if len(ys) > 1:
            return _failed(f"the example {x!r} -> {ys[0]!r} appears {len(ys)} times.",
                           "a repeated example can land in both the support and the query set; keep one copy.")
    if task.kind == "classification":
        thin = {label: c for label, c in task.class_counts().items() if c < 2}
        if thin:
            return _failed(f"the classes {sorted(thin)} have fewer than 2 examples.",
                           "split(k_shot=1, n_query=1) needs 2 examples of every class: one to learn from, one to test on.")
    try:
        support, query = task.split(k_shot=1, n_query=1, seed=0)
    except (ValueError, TypeError) as err:
        return _failed(f"task.split(k_shot=1, n_query=1) fails: {err}")
    space = task.output_space
    shown = (f"{len(space)} outputs" if len(space) > 6 else str(list(space))) if space else "vectors"
    return _passed(f"{task.name!r} is a {task.kind} task with {len(task)} examples, output space {shown}; "
                   f"split(k_shot=1, n_query=1) gives {len(support)} support and {len(query)} query examples.")


#: Sentences (with their domain) whose sentiment a learner predicts in notebook 01.
SENTIMENT_QUIZ: tuple[tuple[str, str], ...] = (
    ("the plot was not dull", "movies"),
    ("the soup was delicious but the waiter was slow", "restaurants"),
    ("the battery was long", "electronics"),
    ("the flight was long", "travel"),
    ("i did not love the pool but the room was never dirty", "hotels"),
)


def check_sentiment_quiz(answers) -> bool:
    """Check predicted labels (``"positive"``/``"negative"``), one per sentence of :data:`SENTIMENT_QUIZ`.

    The reference is :func:`metamap_edu.tasks.language.sentiment_label`, the grammar's own rule.
    """
    from ..tasks import language

    truth = [language.sentiment_label(text, domain) for text, domain in SENTIMENT_QUIZ]
    if isinstance(answers, str) or not isinstance(answers, (list, tuple)):
        return _failed(f"answers must be a list of {len(truth)} labels; got a {type(answers).__name__}.")
    if len(answers) != len(truth):
        return _failed(f"give one label per sentence: {len(truth)} labels; you gave {len(answers)}.")
    norm = [str(a).strip().lower() if a is not None and a is not Ellipsis else "" for a in answers]
    if any(a not in ("positive", "negative") for a in norm):
        return _failed("each answer must be 'positive' or 'negative'.", "replace every ... with one of the two.")
    why = {
        0: "'not' flips the negative word 'dull'.",
        1: "the clause after 'but' decides, and a slow waiter is bad.",
        2: "'long' is good for a battery: its polarity depends on the domain.",
        3: "'long' is bad for a flight: the same word flips between domains.",
        4: "after 'but', 'never' flips the negative word 'dirty'.",
    }
    wrong = [i for i, (a, t) in enumerate(zip(norm, truth)) if a != t]
    if wrong:
        details = "; ".join(f"sentence {i + 1} is {truth[i]} ({why.get(i, '')})" for i in wrong)
        return _failed(f"{len(wrong)} of {len(truth)} wrong: {details}")
    return _passed(f"all {len(truth)} labels match the grammar's rules.")


# ---- notebook 05: meta-learning proper ----
# The exercises of notebook 05 as functions a learner writes (solution cells; see student.py).
__all__ += ["check_maml_gradient", "check_pull_epsilons"]


def _library_maml_gradients(w, support: dict, query: dict, alpha: float):
    """(second-order, first-order) meta-gradients of :class:`metamap_edu.learn.MAML` for
    L(w) = mean((Xw − y)²) with one inner step of size ``alpha``."""
    import torch

    from ..learn import MAML

    class LinearRegression(torch.nn.Module):
        kinds = ("regression",)

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(w.clone())

        def collate(self, examples, kind="regression"):
            raise NotImplementedError("the check passes ready-made batches")

        def loss(self, batch):
            return ((batch["x"] @ self.w - batch["y"]) ** 2).mean()

        def predict(self, inputs, kind="regression"):
            with torch.no_grad():
                return (torch.as_tensor(inputs, dtype=self.w.dtype) @ self.w).tolist()

    grads = []
    for first_order in (False, True):
        maml = MAML(LinearRegression(), inner_lr=alpha, first_order=first_order, vmap=False)
        grads.append(maml.meta_gradient([(support, query)])[1]["w"])
    return grads


def check_maml_gradient(fn: Callable) -> bool:
    r"""``fn(w, Xs, ys, Xq, yq, alpha)`` -> the MAML meta-gradient of one inner step on linear regression.

    With :math:`L(w) = \frac1n\lVert Xw - y\rVert^2` and :math:`\phi = w - \alpha\nabla L_S(w)`, the
    answer is :math:`(I - \alpha\nabla^2 L_S)\,\nabla L_Q(\phi)`. The reference is
    :class:`metamap_edu.learn.MAML` (second order) on three fresh tasks with different sizes of
    support and query set. Exercise of ``notebooks/05_meta_learning_proper``.
    """
    import torch

    g = torch.Generator().manual_seed(2017)
    for n_s, n_q, d, alpha in ((6, 4, 3, 0.1), (5, 9, 2, 0.3), (8, 8, 4, 0.05)):
        f64 = dict(generator=g, dtype=torch.float64)
        Xs, Xq, w = torch.randn(n_s, d, **f64), torch.randn(n_q, d, **f64), torch.randn(d, **f64)
        ys, yq = torch.randn(n_s, **f64), torch.randn(n_q, **f64)
        second, first = _library_maml_gradients(w, {"x": Xs, "y": ys}, {"x": Xq, "y": yq}, alpha)
        ok, got = _call_learner(fn, w.clone(), Xs.clone(), ys.clone(), Xq.clone(), yq.clone(), alpha)
        if not ok:
            return False
        try:
            got = torch.as_tensor(got, dtype=torch.float64).detach().reshape(-1)
        except Exception:  # noqa: BLE001 - any conversion error is the learner's
            return _failed(f"your function returned a {type(got).__name__}, not a vector of {d} numbers.")
        if got.numel() != d:
            return _failed(f"expected {d} numbers (one per weight, w has {d}); got {got.numel()}.")
        if torch.allclose(got, second, atol=1e-8):
            continue
        where = f"On a task with {n_s} support and {n_q} query examples (alpha = {alpha}):"
        if torch.allclose(got, first, atol=1e-8):
            return _failed(f"{where} you returned the first-order (FOMAML) gradient ∇L_Q(φ).",
                           "multiply it by (I − α·2XsᵀXs/n_s), the Jacobian of φ with respect to w.")
        phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / n_s
        jacobian = torch.eye(d, dtype=torch.float64) - alpha * 2 * Xs.T @ Xs / n_s
        if n_s != n_q and torch.allclose(got, jacobian @ (2 * Xq.T @ (Xq @ phi - yq) / n_s), atol=1e-8):
            return _failed(f"{where} your query gradient is divided by the support size.",
                           "L_Q is a mean over the query set: divide by Xq.shape[0].")
        gap = float((got - second).abs().max())
        return _failed(f"{where} your gradient differs from metamap_edu.learn.MAML by up to {gap:.3g}.",
                       "compute φ = w − α·2Xsᵀ(Xs w − ys)/n_s, then ∇L_Q(φ), then multiply by (I − α·2XsᵀXs/n_s).")
    return _passed("your gradient matches metamap_edu.learn.MAML on 3 fresh tasks: the query gradient at φ, "
                   "bent by (I − αH_S). Drop that factor and you have FOMAML.")


def _library_pull_fraction(beta: float, k: int, every_step: bool) -> float:
    """How far θ moves after k equal SGD steps with :class:`metamap_edu.learn.ArticlePull`, as a
    fraction of the move without it; the pull follows every step, or (``every_step=False``) comes
    once after the task."""
    import torch

    from ..learn import ArticlePull

    gen = torch.Generator().manual_seed(0)  # its own generator: a check never moves the notebook's seed
    model = torch.nn.Module()
    model.weight = torch.nn.Parameter(torch.randn(2, 3, generator=gen, dtype=torch.float64))
    model.bias = torch.nn.Parameter(torch.randn(2, generator=gen, dtype=torch.float64))
    theta = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    step = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in model.parameters()]  # -α g, the same each time
    pull = ArticlePull(beta)
    pull.start_task(model, 1)  # the anchor: θ before the task
    for _ in range(k):
        with torch.no_grad():
            for p, s in zip(model.parameters(), step):
                p.add_(s)
        if every_step:
            pull.after_step(model)
    if not every_step:
        pull.after_step(model)
    moved = torch.cat([p.detach().flatten() for p in model.parameters()]) - theta
    plain = k * torch.cat([s.flatten() for s in step])
    return float(moved @ plain / (plain @ plain))


def check_pull_epsilons(pull_epsilon: Callable, effective_epsilon: Callable) -> bool:
    r"""Check ``pull_epsilon(beta)`` (the article's pull once per task is Reptile with ε = 1 − β) and
    ``effective_epsilon(beta, k)`` (the pull after each of k equal steps keeps the fraction
    :math:`\frac1k\sum_{j=1}^{k}(1-\beta)^{k-j+1}` of plain fine-tuning's move).

    The reference is :class:`metamap_edu.learn.ArticlePull` itself, run on a small model for fresh
    β and k. Exercise of ``notebooks/05_meta_learning_proper``.
    """
    for beta in (0.01, 0.3, 0.75):
        right = _library_pull_fraction(beta, 5, every_step=False)
        ok, got = _call_learner(pull_epsilon, beta)
        if not ok:
            return False
        value = _as_number(f"pull_epsilon({beta})", got)
        if value is None:
            return False
        if _close(value, right, rel=1e-6, abs_=1e-9):
            continue
        if _close(value, beta, rel=1e-6, abs_=1e-9):
            return _failed(f"pull_epsilon({beta}) returned β itself.",
                           "write θ_prev + ε(φ − θ_prev) and expand φ − β(φ − θ_prev).")
        return _failed(f"pull_epsilon({beta}) returned {value:g}; one pull after the task keeps {right:g} of its move.",
                       "expand φ − β(φ − θ_prev) and collect the terms in φ and θ_prev.")
    for beta, k in ((0.01, 10), (0.05, 20), (0.3, 3), (0.5, 1)):
        right = _library_pull_fraction(beta, k, every_step=True)
        ok, got = _call_learner(effective_epsilon, beta, k)
        if not ok:
            return False
        value = _as_number(f"effective_epsilon({beta}, {k})", got)
        if value is None:
            return False
        if _close(value, right, rel=1e-6, abs_=1e-9):
            continue
        call = f"effective_epsilon({beta}, {k}) returned {value:.4f}; ArticlePull measures {right:.4f}."
        if _close(value, 1 - beta * (k + 1) / 2, rel=1e-6, abs_=1e-9):
            return _failed(f"{call} 1 − β(k+1)/2 is the first-order approximation, close only while βk is small.",
                           "return the exact average over j of (1 − β)^(k − j + 1).")
        if _close(value, 1 - beta, rel=1e-6, abs_=1e-9) and k > 1:
            return _failed(f"{call} 1 − β is the once-per-task answer.",
                           "the pull now follows every one of the k steps, and step j is pulled k − j + 1 times.")
        if _close(value, (1 - beta) ** k, rel=1e-6, abs_=1e-9):
            return _failed(f"{call} (1 − β)^k shrinks every step k times.",
                           "step j is pulled only by the pulls that come after it: k − j + 1 times.")
        return _failed(call, "step j of k is multiplied by (1 − β)^(k − j + 1); average those factors over j.")
    eps, eff = _library_pull_fraction(0.01, 10, every_step=False), _library_pull_fraction(0.01, 10, every_step=True)
    return _passed(f"both match ArticlePull. With the article's β = 0.01: once per task ε = {eps:.2f}; after each "
                   f"of k = 10 steps ε_eff = {eff:.4f} (≈ 1 − β(k+1)/2 = {1 - 0.01 * 11 / 2:.3f}), almost plain fine-tuning.")


# ---- notebook 05b: few-shot text ----
__all__ += ["check_prototype_predict"]


def check_prototype_predict(fn: Callable) -> bool:
    r"""``fn(zs, ys, zq)`` -> the class of each query row by the nearest prototype.

    ``zs`` is an (S, C) tensor of support features with labels ``ys`` (a list of S class names),
    ``zq`` a (Q, C) tensor of query features. The prototype of class k is the mean of its support
    rows, :math:`c_k = \frac{1}{|S_k|}\sum_{i: y_i = k} z_i`, and a query goes to
    :math:`\arg\min_k \lVert z - c_k\rVert^2`. The reference is the classifier of
    :func:`metamap_edu.experiments.transfer.protonet_scores`, on fresh features with unequal class sizes.
    Exercise of ``notebooks/05b_few_shot_text``.
    """
    import torch

    from ..experiments.transfer import _prototype_predict

    g = torch.Generator().manual_seed(2017)
    for sizes, dim in (((3, 1, 2), 4), ((1, 1, 1, 1, 1), 8), ((5, 2), 3)):
        names = [f"intent_{chr(97 + i)}" for i in range(len(sizes))]
        centres = 2.0 * torch.randn(len(sizes), dim, generator=g, dtype=torch.float64)
        ys = [names[i] for i, n in enumerate(sizes) for _ in range(n)]
        zs = torch.stack([centres[names.index(y)] + torch.randn(dim, generator=g, dtype=torch.float64) for y in ys])
        zq = torch.randn(12, dim, generator=g, dtype=torch.float64) * 2.0
        right = _prototype_predict(zs, ys, zq)
        ok, got = _call_learner(fn, zs.clone(), list(ys), zq.clone())
        if not ok:
            return False
        try:
            got = [str(v) for v in list(got)]
        except TypeError:
            return _failed(f"your function returned a {type(got).__name__}, not a list of class names.")
        if len(got) != len(right):
            return _failed(f"expected one class name per query row ({len(right)}); got {len(got)}.")
        if got == right:
            continue
        if set(got) <= set(range(len(names))) or all(v.isdigit() for v in got):
            return _failed("you returned class indices; return the class names (the values in ys).")
        sums = torch.stack([zs[[i for i, y in enumerate(ys) if y == n]].sum(0) for n in names])
        by_sum = [names[i] for i in torch.cdist(zq, sums).argmin(1).tolist()]
        if got == by_sum and by_sum != right:
            return _failed(f"with support sizes {sizes} your prototypes are sums, not means.",
                           "divide each class's sum by its number of support rows (or use .mean(0)).")
        far = [names[i] for i in torch.cdist(zq, torch.stack([zs[[i for i, y in enumerate(ys) if y == n]].mean(0)
                                                               for n in names])).argmax(1).tolist()]
        if got == far:
            return _failed("you picked the farthest prototype.", "use argmin of the distances, not argmax.")
        wrong = sum(a != b for a, b in zip(got, right))
        return _failed(f"with support sizes {sizes}, {wrong} of {len(right)} queries went to another class than "
                       "the nearest prototype.", "c_k = mean of class k's support rows; pick argmin_k ||z - c_k||.")
    return _passed("your classifier matches ProtoNet's on 3 fresh episodes, with classes of unequal size.")


# ---- notebook 06/07: pretraining, the whole pipeline ----
# The exercises of notebooks 06 and 07 as functions a learner writes (solution cells; see student.py).
__all__ += ["check_prediction_count", "check_bpe_first_merge", "check_seed_differences"]


def check_prediction_count(fn: Callable, model, sentences) -> bool:
    """``fn(n_tokens, objective, n_masked=0)`` -> how many predictions one sentence adds to the loss.

    The reference is :func:`metamap_edu.learn.pretraining.lm_batch`: for each of a few ``sentences`` (that
    fit ``model``'s context) and each objective, the check builds the batch and counts the
    positions whose target is not −100 (causal: every token and ``<eos>``; masked: the hidden
    tokens and ``<eos>``). Exercise of ``notebooks/06_pretraining_on_unlabeled_text``.
    """
    import random

    from .._checks import check_nonempty, check_type
    from ..learn import lm_batch
    from ..models.transformer import TinyTransformer

    check_type("model", model, TinyTransformer)
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of sentences, not one string")
    sentences = list(sentences)
    check_nonempty("sentences", sentences, "at least one sentence")
    tok, rng = model.tokenizer, random.Random(0)
    room = int((model.config.context - 3) / 1.3)  # lm_batch cuts longer sentences (masked, mask_prob 0.3)
    fitting = [s for s in sentences if 0 < len(tok.encode(" " + s)) <= room][:6]
    if not fitting:
        raise ValueError(f"sentences must hold a sentence of at most {room} tokens (the model's context)")
    example = None  # (sentence, n_tokens, causal targets) for the message
    for sentence in fitting:
        n = len(tok.encode(" " + sentence))
        for objective in ("causal", "masked"):
            batch = lm_batch(model, [sentence], objective, mask_prob=0.3, rng=rng)
            right = int((batch["targets"][0] != -100).sum())
            n_masked = int((batch["ids"][0] == tok.mask_id).sum()) if objective == "masked" else 0
            if example is None:
                example = (sentence, n, right)
            ok, got = _call_learner(fn, n, objective, n_masked)
            if not ok:
                return False
            value = _as_number(f"n_predictions({n}, {objective!r}, {n_masked})", got)
            if value is None:
                return False
            if value == right:
                continue
            call = f"n_predictions({n}, {objective!r}, n_masked={n_masked}) returned {value:g}; lm_batch has {right} targets."
            if value == right - 1:
                return _failed(f"{call} One short.", "the model also learns where the sentence stops: <eos>.")
            if objective == "masked" and value in (n, n + 1):
                return _failed(f"{call} In masked LM the visible tokens are in the prompt; they are not predicted.",
                               "only the hidden tokens are written after <sep>, then <eos>.")
            return _failed(call, "print lm_batch(model, [sentence], objective)['targets'] and count what is not −100.")
    sentence, n, right = example
    return _passed(f"your counts match lm_batch on {len(fitting)} sentences and both objectives. E.g. "
                   f"{sentence!r} has {n} tokens: causal LM predicts {right} (each token, then <eos>); "
                   "masked LM predicts only the hidden tokens and <eos>.")


#: Text sets the BPE check uses: the notebook's, one where pairs across chunks would win, one tie.
_BPE_CASES = (
    ("low lower lowest", "slow slower", "newer wider"),
    ("x! x! x!",),
    ("ba ab",),
    ("the cat sat", "the hat", "that mat"),
)


def check_bpe_first_merge(fn: Callable) -> bool:
    """``fn(texts)`` -> the pair of symbols BPE merges first, as a tuple of two strings.

    The reference is :func:`metamap_edu.models.tokenizers.train_bpe` (its first ``history`` entry) on a few text
    sets, including one where counting pairs across chunks gives another answer and one with a tie
    (ties go to the pair that sorts first). Exercise of ``notebooks/06_pretraining_on_unlabeled_text``.
    """
    from collections import Counter

    from ..models.tokenizers import pretokenize, train_bpe

    for texts in _BPE_CASES:
        history: list = []
        train_bpe(list(texts), vocab_size=10_000, history=history, min_frequency=1)
        (a, b), count = history[0]
        ok, got = _call_learner(fn, list(texts))
        if not ok:
            return False
        if isinstance(got, list):
            got = tuple(got)
        if not (isinstance(got, tuple) and len(got) == 2 and all(isinstance(s, str) for s in got)):
            return _failed(f"first_merge({list(texts)}) returned {got!r}; return a tuple of two strings, e.g. ('t', 'h').")
        if got == (a, b):
            continue
        call = f"on {list(texts)} you returned {got!r}; train_bpe merges {(a, b)!r} first ({count} time{'s' * (count != 1)})."
        in_chunks = Counter(p for t in texts for chunk in pretokenize(t) for p in zip(chunk, chunk[1:]))
        whole = Counter(p for t in texts for p in zip(t, t[1:]))
        if got == (b, a):
            return _failed(f"{call} Right characters, wrong order.", "pairs are read left to right inside a chunk.")
        if in_chunks.get(got) == count:
            return _failed(f"{call} Both pairs occur equally often: a tie.",
                           "ties go to the pair that sorts first, as tuples of strings: (' ', 'a') < ('a', 'b') < ('b', 'a').")
        if got not in in_chunks and got in whole:
            return _failed(f"{call} {got!r} crosses a chunk boundary.",
                           "count pairs inside the chunks of metamap_edu.models.tokenizers.pretokenize, never across them.")
        return _failed(call, "remember the space that starts every word after the first: ' t' is a pair too.")
    return _passed(f"you match train_bpe on {len(_BPE_CASES)} text sets: count pairs inside chunks, take the most "
                   "frequent, break ties by sort order.")


def _seed_table(shift: float, seeds: int, rng) -> dict:
    """A made-up ablation table ``{row: {kind: [score per seed]}}`` whose seeds differ a lot."""
    kinds = ("topic", "NER")
    base = {k: [rng.uniform(0.2, 0.9) for _ in range(seeds)] for k in kinds}
    return {"full": {k: [min(1.0, x + shift + rng.uniform(-0.03, 0.03)) for x in base[k]] for k in kinds},
            "no pull": {k: list(base[k]) for k in kinds},
            "no pretraining": {k: [x * 0.5 for x in base[k]] for k in kinds}}


def check_seed_differences(fn: Callable) -> bool:
    r"""``fn(table, row, kind)`` -> the per-seed differences ``full − row`` for task ``kind``.

    ``table`` has :func:`metamap_edu.experiments.pipeline.ablation`'s layout ``{row: {kind: [score per seed]}}``.
    The paired difference of the noise rule starts here: :math:`d_s = a_s - b_s` for each seed s,
    then their mean and Student-t interval (:func:`metamap_edu.noise.paired_difference`).
    Exercise of ``notebooks/07_the_whole_pipeline``.
    """
    import random

    from ..noise import paired_difference

    rng = random.Random(11)
    for seeds, row, kind in ((3, "no pull", "topic"), (5, "no pretraining", "NER"), (4, "no pull", "NER")):
        table = _seed_table(0.05, seeds, rng)
        right = [a - b for a, b in zip(table["full"][kind], table[row][kind])]
        ok, got = _call_learner(fn, table, row, kind)
        if not ok:
            return False
        call = f"seed_differences(table, {row!r}, {kind!r})"
        if isinstance(got, (int, float)):
            if _close(got, sum(right) / len(right)):
                return _failed(f"{call} returned one number, the mean difference.",
                               "return one difference per seed; the interval needs all of them.")
            return _failed(f"{call} returned a number; return a list with one difference per seed.")
        try:
            got = [float(x) for x in got]
        except (TypeError, ValueError):
            return _failed(f"{call} returned {got!r:.80}; return a list of numbers, one per seed.")
        if len(got) != len(right):
            return _failed(f"{call} returned {len(got)} numbers for {len(right)} seeds.")
        if all(_close(g, -r, abs_=1e-9) for g, r in zip(got, right)):
            return _failed(f"{call}: every sign is reversed.", "the question is what 'full' adds: full − row.")
        if all(_close(g, r, abs_=1e-9) for g, r in zip(got, right)):
            continue
        unpaired = [a - b for a, b in zip(sorted(table["full"][kind]), sorted(table[row][kind]))]
        if all(_close(g, r, abs_=1e-9) for g, r in zip(got, unpaired)):
            return _failed(f"{call} subtracted the scores after sorting them, which pairs different seeds.",
                           "seed s of one row goes with seed s of the other: same data, same minibatches.")
        return _failed(f"{call} returned {[round(g, 3) for g in got]}; expected {[round(r, 3) for r in right]}.")
    # why pairing matters, on the last table: seeds differ far more than the rows do
    d = paired_difference(table["full"]["NER"], table["no pull"]["NER"])
    return _passed(f"one difference per seed. On the last made-up table the scores vary by "
                   f"{max(table['full']['NER']) - min(table['full']['NER']):.2f} across seeds, yet the paired "
                   f"difference is {d.format(2)}: pairing removes what the seeds share.")


# ---- notebook 08/09: real models and real data, where it stands ----
__all__ += ["check_class_split", "check_prototype_head"]


def check_class_split(fn: Callable) -> bool:
    """``fn(labels, n_test, seed) -> (train_labels, test_labels)`` must split *classes*, disjointly."""
    labels = [f"intent_{i:02d}" for i in range(12)]
    ok, out = _call_learner(fn, list(labels), 3, 0)
    if not ok:
        return False
    try:
        train, test = (list(part) for part in out)
    except Exception:  # noqa: BLE001 - any shape error is the learner's
        return _failed("return two lists: (train_labels, test_labels).")
    if len(test) != 3:
        return _failed(f"asked for 3 test classes, got {len(test)}.")
    leak = sorted(set(train) & set(test))
    if leak:
        return _failed(f"{leak} are in both parts: a test class leaked into meta-training.",
                       "pick the test classes first, then give every *other* label to training.")
    if sorted(set(train) | set(test)) != labels:
        missing = sorted(set(labels) - set(train) - set(test))
        return _failed(f"labels {missing} are in neither part.", "every label goes to exactly one part.")
    ok2, again = _call_learner(fn, list(reversed(labels)), 3, 0)
    if not ok2 or sorted(list(again)[1]) != sorted(test):
        return _failed("the split depends on the order of the input labels.",
                       "sort the labels before shuffling them with random.Random(seed).")
    return _passed("disjoint, complete and reproducible: no test class can be seen in meta-training.")


def check_prototype_head(W, b, protos) -> bool:
    """A ProtoNet written as a linear layer: W = 2 c_k, b = -||c_k||^2 (so logits = -||x - c_k||^2 + ||x||^2)."""
    import numpy as np

    protos = np.asarray(protos, dtype=float)
    try:
        W = np.asarray(W, dtype=float)
        b = np.asarray(b, dtype=float)
    except Exception:  # noqa: BLE001
        return _failed("W and b must be arrays of numbers.")
    if W.shape != protos.shape or b.shape != (protos.shape[0],):
        return _failed(f"W must have shape {protos.shape} and b shape ({protos.shape[0]},); got {W.shape} and {b.shape}.")
    if np.allclose(W, protos) and np.allclose(b, -0.5 * (protos**2).sum(1)):
        return _passed("that is the same classifier at half scale (s = 1); ProtoNet's logits use s = 2: W = 2c, b = -||c||^2.")
    if np.allclose(W, 2 * protos) and np.allclose(b, -(protos**2).sum(1)):
        return _passed("-||x - c_k||^2 = 2 c_k.x - ||c_k||^2 - ||x||^2, and ||x||^2 is the same for every class.")
    if np.allclose(W, 2 * protos):
        return _failed("W is right; b is not.", "expand -||x - c||^2 and keep the term that depends on c only.")
    return _failed("W is not 2 c_k.", "expand -||x - c||^2 = -||x||^2 + 2 c.x - ||c||^2; the part linear in x gives W.")


# ---- notebook 09: where it stands ----
__all__ += ["check_route_interaction"]


def _interval_of(answer):
    """``(mean, low, high)`` from a PairedDifference-like object or a 3-sequence, else ``None``."""
    if all(hasattr(answer, a) for a in ("mean", "low", "high")):
        answer = (answer.mean, answer.low, answer.high)
    try:
        values = [float(v) for v in answer]
    except Exception:  # noqa: BLE001 - any shape error is the learner's
        return None
    return tuple(values) if len(values) == 3 and all(math.isfinite(v) for v in values) else None


def _interaction_cases(scores=None):
    """Synthetic 2 x 2 route scores (one case with only 4 units), then the notebook's own ``scores``."""
    import random

    rng = random.Random(9)
    cases = []
    for n, gains in ((4, (0.3, 0.3, 0.1)), (40, (0.35, 0.3, 0.05)), (60, (0.2, 0.1, 0.25))):
        base = [rng.uniform(0.15, 0.3) for _ in range(n)]
        pre = [b + gains[0] + rng.gauss(0, 0.08) for b in base]
        meta = [b + gains[1] + rng.gauss(0, 0.08) for b in base]
        both = [p + gains[2] + rng.gauss(0, 0.05) for p in pre]
        cases.append({"scratch": base, "pretraining only": pre, "meta-learning only": meta, "both": both})
    if scores is not None:
        cases.append({name: list(scores[name]) for name in ("scratch", "pretraining only", "meta-learning only", "both")})
    return cases


def check_route_interaction(fn: Callable, scores=None) -> bool:
    """``fn(scratch, pretrained, meta, both)`` -> (mean, low, high) of the 2 x 2 interaction.

    The reference is :func:`metamap_edu.experiments.routes.route_interaction`: meta-training's gain on top of
    pretraining minus its gain from scratch, unit by unit, with the course's paired 95% interval
    (:func:`metamap_edu.noise.paired_difference`). The check tries synthetic scores (one set
    with only 4 units, where Student's t and 1.96 differ) and, when given, the notebook's ``scores``
    (one entry of :func:`metamap_edu.experiments.routes.route_scores`). Exercise of ``notebooks/09_where_it_stands``.
    """
    from ..noise import _Z975, t_quantile_975
    from ..experiments.routes import route_interaction

    for case in _interaction_cases(scores):
        want = route_interaction(case)
        args = [case[name] for name in ("scratch", "pretraining only", "meta-learning only", "both")]
        ok, got = _call_learner(fn, *(list(a) for a in args))
        if not ok:
            return False
        got = _interval_of(got)
        n = len(args[0])
        if got is None:
            return _failed("return three numbers (mean, low, high), or what noise.paired_difference returns.")
        mean, low, high = got
        if _close(mean, -want.mean, 1e-6, 1e-9) and not _close(mean, want.mean, 1e-6, 1e-9):
            return _failed(f"on {n} units your mean is {mean:+.4f}; the interaction is {want.mean:+.4f}: the sign is reversed.",
                           "subtract meta-learning's gain from scratch from its gain on top of pretraining.")
        if not _close(mean, want.mean, 1e-6, 1e-9):
            return _failed(f"on {n} units your mean is {mean:+.4f}; the interaction is {want.mean:+.4f}.",
                           "per unit i: (both[i] - pretrained[i]) - (meta[i] - scratch[i]), then the mean.")
        if _close(low, want.low, 1e-6, 1e-9) and _close(high, want.high, 1e-6, 1e-9):
            continue
        half, want_half = (high - low) / 2, (want.high - want.low) / 2
        if _close(half, want_half * _Z975 / t_quantile_975(n - 1), 1e-3, 1e-9):
            return _failed(f"on {n} units your interval is ±{half:.4f}; the paired 95% interval is ±{want_half:.4f}.",
                           "use Student's t with n - 1 degrees of freedom (noise.t_quantile_975), not 1.96: "
                           "with few units they differ.")
        if half > want_half:
            return _failed(f"on {n} units your interval is ±{half:.4f}, wider than the paired ±{want_half:.4f}.",
                           "take the interval of the per-unit interactions themselves (noise.paired_difference of "
                           "the two per-unit gains): pairing removes what a unit's episode does to every route.")
        return _failed(f"on {n} units your interval is [{low:+.4f}, {high:+.4f}]; the paired 95% interval is "
                       f"[{want.low:+.4f}, {want.high:+.4f}].",
                       "mean ± t · s / √n, with s the sample standard deviation (n - 1) of the per-unit interactions.")
    extra = " and on this notebook's scores" if scores is not None else ""
    return _passed(f"you match route_interaction on {len(_interaction_cases())} synthetic sets{extra}: per-unit "
                   "gains, paired, with Student's t.")
