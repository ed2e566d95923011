r"""Notebook 00, start here: the pipeline diagram, the seed explorer, formula 2 and two threads' sums.

The checks of ``notebooks/00_start_here``: one step of formula 2 (the L2 pull toward the previous
task's parameters, :math:`\theta' = \theta - \alpha(\nabla L + 2\lambda(\theta - \theta_{t-1}))`) and why a
float sum depends on its order; the glossary, the article's pipeline as a figure and the seed explorer.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .._checks import check_int, check_seed, _show
from ..reproducibility import set_seed
from .feedback import _as_number, _call_learner, _failed, _guard_checks, _passed
from .viz import _new_axes
from .widgets import interactive_view, View

__all__ = [
    "GLOSSARY",
    "PIPELINE_STAGES",
    "thread_summands",
    "check_formula2_step",
    "check_thread_sums",
    "seed_view",
    "seed_explorer",
    "PIPELINE",
    "plot_pipeline",
]


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
    n = check_int("n", n, min=2)
    seed = check_int("seed", seed, min=0)
    gen = torch.Generator().manual_seed(seed)
    scale = 10.0 ** torch.randint(-3, 4, (n,), generator=gen).to(torch.float32)
    return torch.randn(n, generator=gen, dtype=torch.float32) * scale


def _sum_in_order(values) -> float:
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
    if not isinstance(xs, torch.Tensor) or xs.ndim != 1 or xs.dtype != torch.float32 or len(xs) < 2:
        raise ValueError(f"xs must be a 1-D float32 tensor of at least 2 numbers (course.thread_summands()); got {_show(xs)}")
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
                       "(course.thread_summands(seed=1)) to see them differ.")
    return _passed(f"one thread: {left_to_right:.9g}; two threads: {two:.9g}. Same numbers, another order, "
                   f"a difference of {gap:.2g} (float32 keeps about 7 digits). That is why every notebook "
                   f"fixes the thread count.")


def seed_view(seed: int, n: int = 6) -> View:
    """Draw ``n`` random numbers twice after :func:`metamap_edu.set_seed` with the same ``seed``.

    The two draws coincide exactly: a seed fixes every "random" number the course uses. The text
    prints the first draw rounded to 3 decimals and whether the draws are identical.
    Taught in ``notebooks/00_start_here``.
    """
    seed = check_int("seed", seed, min=0)
    n = check_int("n", n, min=1, max=100)
    set_seed(seed)
    first = torch.randn(n)
    set_seed(seed)
    second = torch.randn(n)
    same = bool(torch.equal(first, second))
    fig, ax = plt.subplots(figsize=(6, 3))
    idx = np.arange(n)
    ax.bar(idx - 0.2, first.numpy(), width=0.4, label="first draw")
    ax.bar(idx + 0.2, second.numpy(), width=0.4, label="second draw, same seed")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("draw number")
    ax.set_ylabel("value")
    ax.set_title(f"torch.randn({n}) after set_seed({seed})")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    values = ", ".join(f"{v:.3f}" for v in first.tolist())
    text = f"seed {seed}: [{values}]  identical on the second draw: {same}"
    return View(fig, text)


def seed_explorer(seed: int = 0, max_seed: int = 20):
    """A slider over the seed showing :func:`seed_view`. Taught in ``notebooks/00_start_here``."""
    seed = check_seed("seed", seed)
    max_seed = check_int("max_seed", max_seed, min=1, max=10**6)
    import ipywidgets as w  # optional front end: only a builder needs it

    slider = w.IntSlider(value=seed, min=0, max=max_seed, step=1, description="seed",
                         continuous_update=False)
    return interactive_view(seed_view, {"seed": slider})


#: (title, what it does, the maths or method, notebooks) for each of the article's four steps.
PIPELINE: tuple[tuple[str, str, str, str], ...] = (
    ("1. generate", "a seeded language\nand many tasks x -> y", r"$\mathcal{T}=\{t_1,\dots,t_n\}$", "01"),
    ("2. train", "one task at a time\n(formula 1)", r"$\theta' = \theta - \alpha\nabla_\theta L_t$", "02, 03"),
    ("3. meta-learn", "stay close to what\nearlier tasks learned", r"$+\,\lambda\Vert\theta_t-\theta_{t-1}\Vert^2$", "04, 05, 05b"),
    ("4. pretrain", "a tiny transformer on\nunlabeled text", r"$-\sum_i \log p_\theta(w_i \mid w_{<i})$", "06"),
)


def plot_pipeline(ax=None, highlight: int | None = None) -> Figure:
    """Draw the article's pipeline as four boxes joined by arrows, with the notebooks under each.

    ``highlight`` (0-3) fills one step in colour. Notebook 07 runs the whole pipeline; 08 swaps in
    real data and models. Taught in ``notebooks/00_start_here``.
    """
    if highlight is not None:
        highlight = check_int("highlight", highlight, min=0, max=len(PIPELINE) - 1)
    fig, ax = _new_axes(ax, figsize=(11, 3.6))
    n = len(PIPELINE)
    width, gap, height = 2.3, 0.55, 1.9
    for i, (title, what, maths, notebooks) in enumerate(PIPELINE):
        x = i * (width + gap)
        colour = "#f6c85f" if highlight == i else "#dbe9f6"
        ax.add_patch(FancyBboxPatch((x, 0), width, height, boxstyle="round,pad=0.04,rounding_size=0.15",
                                    facecolor=colour, edgecolor="#2b4c7e", linewidth=1.5))
        ax.text(x + width / 2, height - 0.28, title, ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(x + width / 2, height / 2 + 0.05, what, ha="center", va="center", fontsize=9.5)
        ax.text(x + width / 2, 0.32, maths, ha="center", va="center", fontsize=10)
        ax.text(x + width / 2, -0.3, f"notebook {notebooks}", ha="center", va="center", fontsize=9, color="#555555")
        if i < n - 1:
            ax.add_patch(FancyArrowPatch((x + width + 0.05, height / 2), (x + width + gap - 0.05, height / 2),
                                         arrowstyle="-|>", mutation_scale=18, linewidth=1.5, color="#2b4c7e"))
    total = n * width + (n - 1) * gap
    ax.annotate("", xy=(0, -0.75), xytext=(total, -0.75),
                arrowprops={"arrowstyle": "<->", "color": "#7a7a7a", "linewidth": 1.2})
    ax.text(total / 2, -0.98, "notebook 07: the whole pipeline, all four task kinds   |   08: real data and models"
            "   |   09: where it stands", ha="center", va="center", fontsize=9, color="#555555")
    ax.set_xlim(-0.2, total + 0.2)
    ax.set_ylim(-1.2, height + 0.2)
    ax.set_axis_off()
    ax.set_title("The article's pipeline, and where the course teaches each step")
    fig.tight_layout()
    return fig


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
