r"""Notebook 04b, the article's pull repaired: the pull's :math:`\beta` as an L2 :math:`\lambda` and an effective step size.

The checks and figure of ``notebooks/04b_the_articles_pull_repaired``: the :math:`\lambda` a pull of
strength :math:`\beta` amounts to, the effective learning rate of one step, and coupled versus
decoupled regularization across curvatures.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._checks import check_float
from .feedback import _as_number, _call_learner, _failed, _guard_checks, _passed
from .viz import _as_array

__all__ = ["check_lambda_mapping", "check_effective_lr", "plot_coupled_vs_decoupled"]


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


def plot_coupled_vs_decoupled(
    curvatures: Sequence[float],
    results: Mapping[str, Mapping[str, Sequence[float]]] | Mapping[str, Sequence[float]],
    *,
    ylabel: str = "share of the move to the task optimum kept",
    title: str | None = None,
) -> Figure:
    """Per-coordinate outcome of each regularized form, one bar group per curvature.

    ``results`` maps a form (e.g. ``"exact ridge"``, ``"coupled L2"``, ``"decoupled pull"``) to one
    value per coordinate; or maps an optimizer name (``"SGD"``, ``"momentum"``, ``"Adam"``) to such a
    mapping, giving one panel per optimizer. The usual value is
    :math:`(\\theta_i - \\theta_{prev,i}) / (\\theta^*_i - \\theta_{prev,i})`: 1 means the coordinate
    moved all the way to the new task's optimum, 0 means it stayed at :math:`\\theta_{t-1}`.
    Taught in ``notebooks/04b_the_articles_pull_repaired``.
    """
    h = _as_array("curvatures", curvatures).reshape(-1)
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping")
    first = next(iter(results.values()))
    panels = dict(results) if isinstance(first, Mapping) else {"": results}
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 0.6, 3.8), sharey=True, squeeze=False)
    for ax, (panel, forms) in zip(axes[0], panels.items()):
        width = 0.8 / max(len(forms), 1)
        for k, (form, values) in enumerate(forms.items()):
            v = _as_array(f"results[{panel!r}][{form!r}]", values).reshape(-1)
            if v.shape != h.shape:
                raise ValueError(f"results[{panel!r}][{form!r}] must have one value per curvature ({h.size}); got {v.size}")
            ax.bar(np.arange(h.size) + (k - (len(forms) - 1) / 2) * width, v, width, label=form, color=f"C{k}")
        ax.set_xticks(range(h.size), [f"h = {c:g}" for c in h])
        ax.axhline(0.0, color="gray", linewidth=0.8)
        ax.axhline(1.0, color="gray", linewidth=0.8, linestyle=":")
        if panel:
            ax.set_title(panel)
    axes[0, 0].set_ylabel(ylabel)
    axes[0, -1].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
