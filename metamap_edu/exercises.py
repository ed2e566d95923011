"""Checks for the notebooks' exercises: specific feedback instead of a bare "wrong".

Every ``check_...`` function prints what it found and returns ``True`` when the answer is right.
A wrong answer prints what is wrong and a hint, and returns ``False``; it never raises, so a
notebook keeps running while a learner is still working. (A bad *reference* argument -- one the
notebook supplies, not the learner -- still raises ``ValueError``/``TypeError``.)
Each helper of the course adds its checks in a section headed ``# ---- notebook NN: topic ----``.
"""
from __future__ import annotations

import math
from collections.abc import Callable

__all__: list[str] = []  # each section below appends its public names


def _passed(message: str) -> bool:
    print(f"Correct! {message}")
    return True


def _failed(message: str, hint: str | None = None) -> bool:
    print(f"Not yet: {message}")
    if hint:
        print(f"Hint: {hint}")
    return False


def _close(a: float, b: float, rel: float = 1e-3, abs_: float = 1e-3) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def _as_number(name: str, answer):
    """``answer`` as a float, or ``None`` after printing why it is not a number."""
    if answer is None or answer is Ellipsis:
        _failed(f"{name} is still empty.", "replace the ... (or None) with your answer.")
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
        return False, _failed("the function still raises NotImplementedError.",
                              "replace the `raise NotImplementedError` line with your code.")
    except Exception as err:  # a learner's bug: report it, keep the notebook alive
        return False, _failed(f"calling your function raised {type(err).__name__}: {err}")


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
    s_max, s_min = _gram_eig_range(X)
    right = 1.0 / s_max
    if _close(value, right, rel=0.02, abs_=0.0):
        return _passed(f"alpha < {right:.4g}: above it the stiffest direction's error grows by |1 - alpha*h| > 1 each step.")
    if _close(value, 2.0 / s_max, rel=0.02, abs_=0.0):
        return _failed("that is twice the answer: the Hessian of (1/n)||X theta - y||^2 is 2 X^T X / n.",
                       "the loss has no 1/2 in front, so differentiating twice brings down a factor 2.")
    if _close(value, 0.5 / s_max, rel=0.02, abs_=0.0):
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
    :math:`2\lambda\alpha(1-\beta) = \beta`. Exercise of ``notebooks/04_staying_close_the_l2_bridge``.
    """
    from ._checks import check_float

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
    scales the learning rate. Exercise of ``notebooks/04_staying_close_the_l2_bridge``.
    """
    from ._checks import check_float

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
__all__ += ["GLOSSARY", "PIPELINE_STAGES", "check_glossary", "check_step_order"]

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

#: The article's four steps, in order (the pipeline diagram of ``00_start_here``).
PIPELINE_STAGES: tuple[str, ...] = ("generate", "train", "meta-learn", "pretrain")


def _norm_term(text) -> str:
    return " ".join(str(text).strip().lower().replace("_", " ").replace("-", " ").split())


def check_glossary(answers) -> bool:
    """Check a dict ``{Chinese term: English term}`` against :data:`GLOSSARY`.

    Case, hyphens and extra spaces do not matter ("Meta Learning" = "meta-learning"). Every entry
    is checked; the feedback names each wrong one. Taught in ``notebooks/00_start_here``.
    """
    if not isinstance(answers, dict):
        return _failed(f"answers must be a dict {{Chinese term: English term}}; got a {type(answers).__name__}.")
    if not answers:
        return _failed("answers is empty.", "add at least one pair such as '元学习': 'meta-learning'.")
    english_of = {zh: en for en, zh in GLOSSARY.items()}
    wrong, unknown, empty = [], [], []
    for zh, en in answers.items():
        if zh not in english_of:
            unknown.append(str(zh))
        elif en is None or en is Ellipsis or str(en).strip() == "":
            empty.append(zh)
        elif _norm_term(en) != _norm_term(english_of[zh]):
            wrong.append(f"{zh} is not {en!r}")
    if unknown:
        return _failed(f"{', '.join(unknown)} is not in the glossary.",
                       "use the Chinese terms from the glossary table above as the keys.")
    if empty:
        return _failed(f"you have not answered {', '.join(empty)} yet.", "replace each ... with an English term.")
    if wrong:
        return _failed("; ".join(wrong) + ".", "look the term up in the glossary table above.")
    return _passed(f"all {len(answers)} terms match the glossary.")


def check_step_order(order) -> bool:
    """Check the order of the article's four steps: generate, train, meta-learn, pretrain.

    ``order`` is a list of the four stage names (case and hyphens do not matter). Taught in
    ``notebooks/00_start_here``.
    """
    if isinstance(order, str) or not isinstance(order, (list, tuple)):
        return _failed(f"order must be a list of stage names; got a {type(order).__name__}.",
                       f"for example {list(PIPELINE_STAGES[::-1])} (in some order).")
    given = [_norm_term(s) for s in order]
    expected = [_norm_term(s) for s in PIPELINE_STAGES]
    if sorted(given) != sorted(expected):
        missing = [s for s, n in zip(PIPELINE_STAGES, expected) if n not in given]
        extra = [str(s) for s, n in zip(order, given) if n not in expected]
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unknown {extra}")
        return _failed("the list must hold each of the four stages once: " + (", ".join(parts) or "a stage is repeated") + ".",
                       f"the stages are {sorted(PIPELINE_STAGES)}.")
    for position, (g, e) in enumerate(zip(given, expected), start=1):
        if g != e:
            return _failed(f"step {position} should not be {order[position - 1]!r}.",
                           "tasks must exist before a model can train on them, and the article pretrains last.")
    return _passed("generate -> train -> meta-learn -> pretrain, as in the article.")


# ---- notebook 01: tasks as mappings ----
__all__ += ["check_mapping_task", "SENTIMENT_QUIZ", "check_sentiment_quiz"]


def check_mapping_task(task, kind: str | None = None, min_examples: int = 6) -> bool:
    """Check a learner's own :class:`~metamap_edu.tasks.MappingTask`.

    It must be a ``MappingTask`` (of ``kind`` when given) with at least ``min_examples`` examples;
    every input must have exactly one output (a mapping is a function); no example may be
    repeated; and ``task.split(k_shot=1, n_query=1)`` must work (for classification: at least two
    examples of every class). Taught in ``notebooks/01_tasks_as_mappings``.
    """
    from .tasks import KINDS, MappingTask

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

    The reference is :func:`metamap_edu.language.sentiment_label`, the grammar's own rule.
    """
    from . import language

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
__all__ += ["check_reptile_epsilon", "check_effective_epsilon", "check_maml_linear_gradient"]


def check_reptile_epsilon(answer, beta: float = 0.01) -> bool:
    """The article's pull with β, applied once per task, is Reptile with ε = 1 − β."""
    from ._checks import check_float

    beta = check_float("beta", beta, min=0.0, max=1.0, max_inclusive=False)
    value = _as_number("epsilon", answer)
    if value is None:
        return False
    if _close(value, 1 - beta, rel=1e-6, abs_=1e-9):
        return _passed(f"ε = 1 − β = {1 - beta:g}: the pull keeps {1 - beta:.0%} of the step the task took.")
    if _close(value, beta, rel=1e-6, abs_=1e-9):
        return _failed(f"{value:g} is β itself.", "write θ_prev + ε(φ − θ_prev) and expand φ − β(φ − θ_prev).")
    return _failed(f"{value:g} is not it.", "expand φ − β(φ − θ_prev) and collect the terms in φ and θ_prev.")


def _effective_epsilon_exact(beta: float, k: int) -> float:
    # pull after each of k equal steps: d_k = −α g Σ_{j=1..k} (1−β)^{k−j+1}; plain fine-tuning: −α g k
    return sum((1 - beta) ** (k - j + 1) for j in range(1, k + 1)) / k


def check_effective_epsilon(answer, beta: float = 0.01, k: int = 10) -> bool:
    """ε_eff of the pull applied after each of k steps (equal gradients): ≈ 1 − β(k+1)/2."""
    from ._checks import check_float, check_int

    beta = check_float("beta", beta, min=0.0, max=1.0, max_inclusive=False)
    k = check_int("k", k, min=1)
    value = _as_number("eps_eff", answer)
    if value is None:
        return False
    exact, approx = _effective_epsilon_exact(beta, k), 1 - beta * (k + 1) / 2
    if _close(value, exact, rel=1e-4, abs_=1e-6) or _close(value, approx, rel=1e-4, abs_=1e-6):
        return _passed(f"exact {exact:.5f}, first-order approximation {approx:.5f}: with β = {beta:g} the task "
                       f"keeps about {exact:.1%} of plain fine-tuning's step.")
    if _close(value, 1 - beta, rel=1e-4, abs_=1e-6):
        return _failed("1 − β is the once-per-task answer.", "the pull now follows every one of the k steps, and "
                       "step j is pulled k − j + 1 times.")
    return _failed(f"{value:g} is neither the exact {exact:.5f} nor ≈ 1 − β(k+1)/2.",
                   "step j of k is multiplied by (1 − β)^(k − j + 1); average those factors over j.")


def check_maml_linear_gradient(fn: Callable) -> bool:
    """``fn(w, Xs, ys, Xq, yq, alpha)`` -> the second-order MAML meta-gradient for linear regression
    with L(w) = mean((Xw − y)²) and one inner step: (I − α·2XsᵀXs/n)·∇L_Q(w − α∇L_S(w))."""
    import torch

    g = torch.Generator().manual_seed(5)
    Xs, Xq = torch.randn(6, 3, generator=g, dtype=torch.float64), torch.randn(6, 3, generator=g, dtype=torch.float64)
    ys, yq = torch.randn(6, generator=g, dtype=torch.float64), torch.randn(6, generator=g, dtype=torch.float64)
    w = torch.randn(3, generator=g, dtype=torch.float64)
    alpha = 0.1
    grad_s = 2 * Xs.T @ (Xs @ w - ys) / 6
    phi = w - alpha * grad_s
    first = 2 * Xq.T @ (Xq @ phi - yq) / 6
    truth = (torch.eye(3, dtype=torch.float64) - alpha * 2 * Xs.T @ Xs / 6) @ first
    ok, got = _call_learner(fn, w.clone(), Xs, ys, Xq, yq, alpha)
    if not ok:
        return False
    try:
        got = torch.as_tensor(got, dtype=torch.float64).reshape(-1)
    except Exception:
        return _failed(f"your function returned a {type(got).__name__}, not a vector of 3 numbers.")
    if got.numel() != 3:
        return _failed(f"expected 3 numbers (one per weight); got {got.numel()}.")
    if torch.allclose(got, truth, atol=1e-8):
        return _passed("that is second-order MAML: the query gradient at φ, multiplied by (I − αH_S).")
    if torch.allclose(got, first, atol=1e-8):
        return _failed("you returned the first-order (FOMAML) gradient ∇L_Q(φ).",
                       "multiply it by (I − α·2XsᵀXs/n), the Jacobian of φ with respect to w.")
    return _failed("the numbers do not match.", "compute φ = w − α·2Xsᵀ(Xs w − ys)/n first, then ∇L_Q(φ), then the factor.")


# ---- notebook 06/07: pretraining, the whole pipeline ----
__all__ += ["check_first_merge", "check_predicted_tokens", "check_pipeline_order"]


def check_first_merge(answer, texts) -> bool:
    """The first BPE merge on ``texts``: the most frequent adjacent pair of characters (ties: sort order)."""
    from .text import train_bpe

    history: list = []
    train_bpe(list(texts), vocab_size=10_000, history=history, min_frequency=1)
    if not history:
        raise ValueError("texts must contain at least one pair of characters")
    (a, b), count = history[0]
    if answer is None or answer is Ellipsis:
        return _failed("answer is still empty.", "write the pair as a tuple of two strings, e.g. ('t', 'h').")
    if not (isinstance(answer, tuple) and len(answer) == 2 and all(isinstance(s, str) for s in answer)):
        return _failed(f"answer must be a tuple of two strings; got {answer!r}.")
    if tuple(answer) == (a, b):
        return _passed(f"({a!r}, {b!r}) occurs {count} times, more than any other pair; it becomes the token {a + b!r}.")
    if tuple(answer) == (b, a):
        return _failed("right characters, wrong order.", "pairs are read left to right inside a chunk.")
    return _failed(f"{answer!r} is not the most frequent pair.",
                   "remember the space that starts every word after the first: ' t' is a pair too.")


def check_predicted_tokens(answer, n_tokens: int, objective: str, n_masked: int | None = None) -> bool:
    """How many tokens does one sentence of ``n_tokens`` tokens contribute to the loss?

    causal: every token plus ``<eos>`` (n + 1); masked: the masked tokens plus ``<eos>``.
    """
    from ._checks import check_choice, check_int

    n_tokens = check_int("n_tokens", n_tokens, min=1)
    check_choice("objective", objective, ("causal", "masked"))
    value = _as_number("answer", answer)
    if value is None:
        return False
    right = n_tokens + 1 if objective == "causal" else check_int("n_masked", n_masked, min=1) + 1
    if value == right:
        return _passed(f"{right} predictions: {'each token and <eos>' if objective == 'causal' else 'the hidden tokens and <eos>'}.")
    if value == right - 1:
        return _failed(f"{value:g} is one short.", "the model also learns where the sentence stops: <eos>.")
    return _failed(f"{value:g} is not it.", "count the positions whose target is not −100 in the batch.")


def check_pipeline_order(answer) -> bool:
    """The article's four steps in its order: generate, train, meta-learn, pretrain."""
    right = ["generate", "train", "meta-learn", "pretrain"]
    if not isinstance(answer, (list, tuple)) or not all(isinstance(s, str) for s in answer):
        return _failed("answer must be a list of step names (strings).")
    got = [s.strip().lower() for s in answer]
    if got == right:
        return _passed("the article pretrains last; section 3 of notebook 07 asks whether first is better.")
    if sorted(got) == sorted(right):
        return _failed("the right steps in a different order.", "look again at the article's numbered list (section 1).")
    return _failed(f"use the step names {right} (in some order).")


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
