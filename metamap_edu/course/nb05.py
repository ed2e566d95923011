r"""Notebook 05, meta-learning proper: MAML's gradient through the inner step, the pull, Reptile.

The checks, adaptation explorer and figures of ``notebooks/05_meta_learning_proper``: the MAML
meta-gradient :math:`\nabla_\theta L_q(\theta - \alpha\nabla_\theta L_s(\theta))`, the pull's effective
:math:`\varepsilon`, sinusoid adaptation curves and the pull against Reptile.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch

from .._checks import check_float, check_int, check_sequence, check_type
from ..learn import adapt, ArticlePull, loss_at, MAML, parameters_of
from .feedback import _as_number, _call_learner, _close, _failed, _guard_checks, _passed
from .viz import _finish, _new_axes
from .widgets import interactive_view, View

__all__ = [
    "check_maml_gradient",
    "check_pull_epsilons",
    "sinusoid_adaptation",
    "sinusoid_adaptation_view",
    "sinusoid_adaptation_widget",
    "plot_adaptation_curves",
    "plot_sinusoid_adaptation",
    "plot_pull_vs_reptile",
]


def _library_maml_gradients(w, support: dict, query: dict, alpha: float):
    """(second-order, first-order) meta-gradients of :class:`metamap_edu.learn.MAML` for
    L(w) = mean((Xw − y)²) with one inner step of size ``alpha``."""
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


def sinusoid_adaptation(models: dict, episode, steps: int = 5, lr: float = 0.01, grid: int = 200) -> dict:
    """Adapt each model to one sine episode with ``steps`` SGD steps of size ``lr`` (formula 1).

    ``models``: name -> :class:`~metamap_edu.models.SinusoidMLP`; ``episode``: a sinusoid
    episode (``.support`` / ``.query`` tensors, ``.amplitude``, ``.phase``). Returns the curves on
    a grid of x, before and after adaptation, and each model's query MSE after adaptation. The
    models themselves are not changed (adaptation is a pure function of their parameters).
    """
    check_type("models", models, dict, "a dict name -> model")
    steps = check_int("steps", steps, min=0, max=1000)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    if not models:
        raise ValueError("models must contain at least one model")
    x = torch.linspace(-5, 5, check_int("grid", grid, min=2)).unsqueeze(1)  # (G, 1)
    out = {"x": x.squeeze(1).tolist(), "steps": steps, "lr": lr, "models": {},
           "truth": [episode.amplitude * math.sin(v - episode.phase) for v in x.squeeze(1).tolist()],
           "support_x": episode.support["x"].squeeze(1).tolist(), "support_y": episode.support["y"].squeeze(1).tolist()}
    for name, model in models.items():
        theta = {k: v.detach() for k, v in parameters_of(model).items()}
        phi = adapt(theta, model, episode.support, steps=steps, lr=lr) if steps else theta
        with torch.no_grad():
            before = torch.func.functional_call(model, theta, (x,)).squeeze(1).tolist()
            after = torch.func.functional_call(model, phi, (x,)).squeeze(1).tolist()
            mse = float(loss_at(phi, model, episode.query))
        if not math.isfinite(mse):
            mse = float("inf")
        out["models"][name] = {"before": before, "after": after, "mse": mse}
    return out


def sinusoid_adaptation_view(steps: int, lr: float, models: dict, episode) -> View:
    """The widget's view: the picture of :func:`sinusoid_adaptation` and one line per model."""
    demo = sinusoid_adaptation(models, episode, steps=steps, lr=lr)
    fig = plot_sinusoid_adaptation(demo)
    text = "; ".join(f"{n}: query MSE {c['mse']:.3f}" for n, c in demo["models"].items())
    return View(fig, f"after {steps} steps of size {lr:.3g} -> {text}")


def sinusoid_adaptation_widget(models: dict, episode, steps: int = 5, lr: float = 0.01):
    """Sliders for inner steps (0-50) and inner lr (log scale, 1e-3 to 0.3) on one sine episode."""
    check_type("models", models, dict, "a dict name -> model")
    import ipywidgets as w  # optional front end: only a builder needs it

    controls = {
        "steps": w.IntSlider(value=steps, min=0, max=50, description="inner steps", continuous_update=False),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=-0.5, step=0.1, description="inner lr",
                             readout_format=".3g", continuous_update=False),
    }
    return interactive_view(sinusoid_adaptation_view, controls, models=models, episode=episode)


def plot_adaptation_curves(result: Mapping, paper: Mapping | None = None, ax=None, title: str | None = None):
    """MSE against inner steps for every row of a Table 2 reproduction (``result["curves"]``).

    ``paper`` (row -> (mse_1, mse_5, mse_10)) adds the paper's numbers as hollow markers.
    Taught in notebooks/05_meta_learning_proper.
    """
    check_type("result", result, Mapping, "a dict")
    curves = result["curves"]
    fig, ax = _new_axes(ax, figsize=(10, 4.5))
    for i, (row, vals) in enumerate(curves.items()):
        color = f"C{i % 10}"
        ax.plot(range(len(vals)), vals, "-", color=color, label=row, lw=2 if row == "MAML" else 1.3)
        if paper and row in paper:
            ax.plot([1, 5, 10], paper[row], "o", mfc="none", color=color, ms=7)
    ax.set_xlabel("gradient steps on the K = 5 support points")
    ax.set_ylabel("MSE on new sine waves")
    ax.set_title(title or "adapting to a new wave (circles: the paper's numbers)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # outside: never on a curve
    ax.grid(alpha=0.3)
    return _finish(fig)


def plot_sinusoid_adaptation(demo: Mapping, ax=None, title: str | None = None):
    """The true wave, the support points and each model's curve before and after adaptation.

    ``demo`` is what :func:`sinusoid_adaptation` returns.
    """
    check_type("demo", demo, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(10, 4.2))
    x = np.asarray(demo["x"])
    ax.plot(x, demo["truth"], "k-", lw=2, label="true wave")
    ax.plot(demo["support_x"], demo["support_y"], "k^", ms=9, label=f"K = {len(demo['support_x'])} points")
    for i, (name, curves) in enumerate(demo["models"].items()):
        ax.plot(x, curves["before"], ":", color=f"C{i}", label=f"{name}: start")
        ax.plot(x, curves["after"], "-", color=f"C{i}", label=f"{name}: after {demo['steps']} steps (MSE {curves['mse']:.2f})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_ylim(-6, 6)
    ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # outside the curves
    ax.set_title(title or f"inner steps = {demo['steps']}, inner lr = {demo['lr']:.3g}")
    return _finish(fig)


def plot_pull_vs_reptile(ks: Sequence[int], measured: Mapping, ax=None, title: str | None = None):
    """Effective Reptile ε of the article's per-step pull against k, measured vs 1 − β(k+1)/2.

    ``measured``: β -> list of measured ε_eff (one per k).
    """
    ks = check_sequence("ks", ks, "a list of ints")
    check_type("measured", measured, Mapping, "a dict")
    fig, ax = _new_axes(ax, figsize=(6, 4))
    ks = np.asarray(list(ks))
    for i, (beta, eps) in enumerate(measured.items()):
        ax.plot(ks, eps, "o", color=f"C{i}", label=f"measured, β = {beta:g}")
        ax.plot(ks, 1 - beta * (ks + 1) / 2, "-", color=f"C{i}", alpha=0.6, label=f"1 − β(k+1)/2, β = {beta:g}")
    ax.set_xlabel("k: steps on the task, each followed by the pull")
    ax.set_ylabel("effective Reptile ε")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title or "the per-step pull is a discounted Reptile step")
    return _finish(fig)


_guard_checks(__name__)  # course.check_... answers "Not attempted yet" for an untouched stub
