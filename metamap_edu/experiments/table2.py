"""Reproduce Table 2 of the MAML paper (Finn et al., 2017, appendix C.1) on a 2-core CPU.

Taught in ``notebooks/05_meta_learning_proper``. Run it with
``metamap-edu reproduce maml-sinusoid [--quick] [--json PATH]``.

Every row starts from an MLP 1-40-40-1, is adapted to *new* sine tasks from K = 5 points with
plain gradient steps (formula 1), and is scored by the MSE on 100 query points of the same wave
after 1, 5 and 10 steps. The rows differ only in how the starting point θ was obtained:

==========================================  ===================================================
row                                         θ is ...
==========================================  ===================================================
multi-task, no regularization               the average of M regressors, each trained alone
                                            from its own random init on one task
multi-task, l2 weight decay                 same, each trained with λ‖θ‖²
multi-task, l2 to the mean theta so far     same, each trained with λ‖θ − θ̄‖², θ̄ = mean so far
pretrain on all tasks                       one net trained with Adam on the mixture of tasks
MAML                                        second-order MAML: α = 0.01, 1 inner step, K = 10
article: L2ToPrevious stream                one net trained on a stream of tasks with
                                            λ‖θ − θ_{t−1}‖² (formula 2, coupled)
article: ArticlePull(beta=0.01)             the same stream with the article's pull
Reptile                                     Reptile, ε-interpolation toward adapted weights
==========================================  ===================================================

Deviations from the paper, all forced by the CPU budget and all stated in the output:
MAML takes 10 000 meta-iterations (the paper: 70 000) with Adam at 3e-3 (the paper: 1e-3);
the multi-task rows average 100 regressors (the paper: 500), and "the mean θ so far" is
updated after each round of 11 regressors trained in parallel rather than after every one
(the first round is a single regressor, so the first anchor is a trained net).
Fine-tuning step sizes of every row but MAML are tuned on separate validation tasks ("a tuned
step size", as in the paper); MAML uses its meta-training α = 0.01.
"""
from __future__ import annotations

import contextlib
import json
import math
import random
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
from torch.func import stack_module_state

from .._checks import check_float, check_int, check_path, check_seed, check_type
from .._progress import progress_bar
from ..learn import MAML, ArticlePull, L2ToPrevious, Reptile, evaluate_adaptation, fit, meta_train
from ..reproducibility import set_seed
from ..tasks import SINUSOID_DEFAULTS, SinusoidSampler, sinusoid_task
from ..models import SinusoidMLP

__all__ = [
    "PAPER_TABLE2",
    "TABLE2_ROWS",
    "ReproConfig",
    "FULL",
    "QUICK",
    "reproduce_maml_sinusoid",
    "format_table",
    "write_json",
]

#: MSE after 1, 5 and 10 gradient steps, 5-shot sinusoid regression (MAML paper, Table 2).
PAPER_TABLE2: dict[str, tuple[float, float, float]] = {
    "multi-task, no regularization": (4.19, 3.85, 3.69),
    "multi-task, l2 weight decay": (7.18, 5.69, 5.60),
    "multi-task, l2 to the mean theta so far": (2.91, 2.72, 2.71),
    "pretrain on all tasks": (2.41, 2.23, 2.19),
    "MAML": (0.67, 0.38, 0.35),
}

#: Every row we run, in print order (the paper's rows first, then the article's and Reptile).
TABLE2_ROWS: tuple[str, ...] = tuple(PAPER_TABLE2) + (
    "article: L2ToPrevious stream",
    "article: ArticlePull(beta=0.01)",
    "Reptile",
)

EVAL_STEPS = (1, 5, 10)


@dataclass(frozen=True)
class ReproConfig:
    """Every knob of the reproduction, with the full run's values as defaults."""

    seed: int = 0
    # MAML (paper: 70 000 iterations, Adam 1e-3)
    maml_iterations: int = 10000
    maml_outer_lr: float = 3e-3
    # pretrain on all tasks: Adam on batches of 25 tasks x 10 points
    pretrain_steps: int = 3000
    pretrain_lr: float = 1e-3
    # multi-task: M regressors, each trained alone (Adam) on fresh points of its own wave
    multitask_models: int = 100
    multitask_steps: int = 1000
    multitask_lr: float = 1e-2
    multitask_points: int = 25
    multitask_rounds: int = 10  # 1 regressor, then 9 rounds; "the mean so far" is refreshed per round
    weight_decay: float = 1e-2  # λ of ‖θ‖²
    l2_to_mean: float = 0.1  # λ of ‖θ − θ̄‖²
    # the article's stream (formula 2): SGD on K = 10 points per task
    stream_tasks: int = 500
    stream_steps_per_task: int = 10
    stream_lr: float = 0.02
    stream_lam: float = 1.0  # λ of L2ToPrevious
    stream_beta: float = 0.01  # β of ArticlePull
    # Reptile
    reptile_iterations: int = 2000
    reptile_epsilon: float = 1.0
    reptile_inner_steps: int = 5
    reptile_inner_lr: float = 0.02
    # evaluation
    eval_tasks: int = 600
    val_tasks: int = 100
    n_query: int = 100
    lr_grid: tuple[float, ...] = (0.001, 0.003, 0.01, 0.02, 0.05, 0.1)

    def __post_init__(self):
        check_seed("seed", self.seed)
        for name in ("maml_iterations", "pretrain_steps", "multitask_models", "multitask_steps", "multitask_points",
                     "multitask_rounds", "stream_tasks", "stream_steps_per_task", "reptile_iterations",
                     "reptile_inner_steps", "eval_tasks", "val_tasks", "n_query"):
            check_int(name, getattr(self, name), min=1)
        for name in ("maml_outer_lr", "pretrain_lr", "multitask_lr", "stream_lr", "reptile_inner_lr"):
            check_float(name, getattr(self, name), min=0.0, min_inclusive=False)
        check_float("reptile_epsilon", self.reptile_epsilon, min=0.0, max=1.0, min_inclusive=False)
        check_float("stream_beta", self.stream_beta, min=0.0, max=1.0, max_inclusive=False)


FULL = ReproConfig()
QUICK = replace(
    FULL,
    maml_iterations=1200,
    pretrain_steps=600,
    multitask_models=21,
    multitask_steps=400,
    multitask_rounds=5,
    stream_tasks=100,
    reptile_iterations=300,
    eval_tasks=200,
    val_tasks=50,
)


# ---------------------------------------------------------------------------------------------
# How each row obtains its starting point θ
# ---------------------------------------------------------------------------------------------


def _train_maml(cfg: ReproConfig, progress: bool) -> SinusoidMLP:
    torch.manual_seed(cfg.seed)
    model = SinusoidMLP()
    c = SINUSOID_DEFAULTS
    alg = MAML(model, inner_lr=c.inner_lr, inner_steps=c.inner_steps, outer_lr=cfg.maml_outer_lr)
    meta_train(alg, SinusoidSampler(k_shot=c.k_shot_train), c.meta_batch_size, cfg.maml_iterations,
               seed=cfg.seed, progress=progress)
    return model


def _train_reptile(cfg: ReproConfig, progress: bool) -> SinusoidMLP:
    torch.manual_seed(cfg.seed)
    model = SinusoidMLP()
    alg = Reptile(model, epsilon=cfg.reptile_epsilon, inner_lr=cfg.reptile_inner_lr,
                  inner_steps=cfg.reptile_inner_steps)
    c = SINUSOID_DEFAULTS
    meta_train(alg, SinusoidSampler(k_shot=c.k_shot_train), c.meta_batch_size, cfg.reptile_iterations,
               seed=cfg.seed + 1, progress=progress)
    return model


def _train_pretrain(cfg: ReproConfig, progress: bool) -> SinusoidMLP:
    """"Pretrain on all tasks": ordinary regression on the mixture of waves (Adam)."""
    torch.manual_seed(cfg.seed)
    model = SinusoidMLP()
    opt = torch.optim.Adam(model.parameters(), lr=cfg.pretrain_lr)
    sampler, rng = SinusoidSampler(k_shot=SINUSOID_DEFAULTS.k_shot_train, n_query=1), random.Random(cfg.seed + 2)
    for _ in progress_bar(range(cfg.pretrain_steps), "pretrain", progress):
        eps = [sampler.sample(rng) for _ in range(SINUSOID_DEFAULTS.meta_batch_size)]
        batch = {k: torch.cat([e.support[k] for e in eps]) for k in ("x", "y")}  # (25*K, 1)
        opt.zero_grad(set_to_none=True)
        model.loss(batch).backward()
        opt.step()
    return model


def _batched_mlp(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """M independent SinusoidMLPs at once: stacked parameters (M, ...) and inputs (M, N, 1) -> (M, N, 1).

    The same function as ``vmap(functional_call(SinusoidMLP()))`` written with ``baddbmm``, which
    has less per-call overhead for these tiny layers.
    """
    h = x
    for i in (0, 2, 4):
        w, b = params[f"net.{i}.weight"], params[f"net.{i}.bias"]  # (M, out, in), (M, out)
        h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))  # (M, N, out)
        if i < 4:
            h = torch.relu(h)
    return h


def _train_multitask(cfg: ReproConfig, penalty: str, progress: bool) -> SinusoidMLP:
    """Average of ``multitask_models`` regressors, each trained alone on its own wave.

    ``penalty``: ``"none"``, ``"weight_decay"`` (λ‖θ‖²) or ``"mean"`` (λ‖θ − θ̄‖², θ̄ = mean of the
    regressors of earlier rounds; the first round is unregularized). Each round trains
    ``multitask_models / multitask_rounds`` regressors in parallel (``vmap`` over stacked
    parameters; summing their losses gives each its own Adam update).
    """
    gen = torch.Generator().manual_seed(cfg.seed + 3)
    torch.manual_seed(cfg.seed + 3)
    c = SINUSOID_DEFAULTS
    # round sizes: 1 regressor first (so "the mean so far" starts as a trained net), then equal rounds
    rest = cfg.multitask_models - 1
    k = max(1, cfg.multitask_rounds - 1)
    sizes = [1] + [rest // k + (1 if i < rest % k else 0) for i in range(k)]
    sizes = [s for s in sizes if s > 0]
    total: dict[str, torch.Tensor] | None = None
    done = 0
    for per_round in progress_bar(sizes, f"multi-task ({penalty})", progress):
        params, _ = stack_module_state([SinusoidMLP() for _ in range(per_round)])
        params = {k: v.detach().requires_grad_(True) for k, v in params.items()}
        amp = c.amplitude[0] + (c.amplitude[1] - c.amplitude[0]) * torch.rand(per_round, 1, 1, generator=gen)
        phase = c.phase[0] + (c.phase[1] - c.phase[0]) * torch.rand(per_round, 1, 1, generator=gen)
        anchor = None
        if penalty == "mean" and total is not None:
            anchor = {k: v / done for k, v in total.items()}
        opt = torch.optim.Adam(params.values(), lr=cfg.multitask_lr)
        lo, hi = c.x_range
        for _ in range(cfg.multitask_steps):
            x = lo + (hi - lo) * torch.rand(per_round, cfg.multitask_points, 1, generator=gen)  # (M, N, 1)
            y = amp * torch.sin(x - phase)
            loss = ((_batched_mlp(params, x) - y) ** 2).mean(dim=(1, 2))  # (M,)
            if penalty == "weight_decay":
                loss = loss + cfg.weight_decay * sum((v**2).flatten(1).sum(1) for v in params.values())
            elif anchor is not None:
                loss = loss + cfg.l2_to_mean * sum(((v - anchor[k]) ** 2).flatten(1).sum(1) for k, v in params.items())
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
        with torch.no_grad():
            sums = {k: v.detach().sum(0) for k, v in params.items()}
        total = sums if total is None else {k: total[k] + sums[k] for k in total}
        done += per_round
    model = SinusoidMLP()
    with torch.no_grad():
        for k, p in model.named_parameters():
            p.copy_(total[k] / done)
    return model


def _train_stream(cfg: ReproConfig, which: str, progress: bool) -> SinusoidMLP:
    """The article's recipe on a stream of sine tasks, with the regularizers of ``metamap_edu.learn``.

    ``which="l2"``: :class:`~metamap_edu.learn.L2ToPrevious` (λ = ``stream_lam``);
    ``which="pull"``: :class:`~metamap_edu.learn.ArticlePull` (β = ``stream_beta``).
    Each task: ``stream_steps_per_task`` SGD steps (lr ``stream_lr``) on its K = 10 points.
    """
    torch.manual_seed(cfg.seed + 4)
    model = SinusoidMLP()
    reg = L2ToPrevious(cfg.stream_lam) if which == "l2" else ArticlePull(cfg.stream_beta)
    rng = random.Random(cfg.seed + 4)
    c = SINUSOID_DEFAULTS
    for t in progress_bar(range(cfg.stream_tasks), f"stream ({which})", progress):
        task = sinusoid_task(rng.uniform(*c.amplitude), rng.uniform(*c.phase), n=c.k_shot_train,
                             seed=cfg.seed * 1_000_003 + t)
        reg.start_task(model, t)
        fit(model, task, optimizer="sgd", lr=cfg.stream_lr, steps=cfg.stream_steps_per_task,
            batch_size=c.k_shot_train, seed=t, regularizer=reg, progress=False)
    return model


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def _curve(model: SinusoidMLP, episodes: list, lr: float, steps: int = 10) -> list[float]:
    return evaluate_adaptation(model, episodes, steps=steps, lr=lr).mean


def _tuned_lr(model: SinusoidMLP, val: list, grid: tuple[float, ...]) -> float:
    """The step size from ``grid`` with the lowest mean validation MSE after 1, 5 and 10 steps."""
    best, best_lr = math.inf, grid[0]
    for lr in grid:
        c = _curve(model, val, lr)
        value = sum(c[s] for s in EVAL_STEPS) / len(EVAL_STEPS)
        if math.isfinite(value) and value < best:
            best, best_lr = value, lr
    return best_lr


def reproduce_maml_sinusoid(
    quick: bool = False,
    config: ReproConfig | None = None,
    rows: tuple[str, ...] | None = None,
    progress: bool = True,
    keep_models: bool = False,
) -> dict[str, Any]:
    """Run the rows of Table 2 (and the article's rows and Reptile); return the results.

    Returns ``{"rows": {row: [mse_1, mse_5, mse_10]}, "curves": {row: [mse_0..mse_10]},
    "ci95": {row: [...]}, "lr": {row: fine-tuning step size}, "per_task": {row: the MSE of every
    evaluation wave after 10 steps, the same waves for every row, so rows compare paired},
    "paper": PAPER_TABLE2 (as lists),
    "config": dict, "quick": bool, "seconds": {row: float}}`` (plus ``"models": {row: SinusoidMLP}``
    with ``keep_models=True``).
    """
    check_type("quick", quick, bool)
    if config is not None:
        check_type("config", config, ReproConfig)
    check_type("progress", progress, bool)
    cfg = config if config is not None else (QUICK if quick else FULL)
    if not isinstance(cfg, ReproConfig):
        raise TypeError(f"config must be a ReproConfig; got {type(cfg).__name__}")
    rows = TABLE2_ROWS if rows is None else tuple(rows)
    unknown = [r for r in rows if r not in TABLE2_ROWS]
    if unknown:
        raise ValueError(f"rows must be among {list(TABLE2_ROWS)}; got unknown {unknown}")
    with _float64():
        return _reproduce(cfg, rows, progress, keep_models)


@contextlib.contextmanager
def _float64():
    """Run the reproduction in double precision, then restore the default dtype.

    MAML's 1,200+ second-order meta-steps amplify rounding: in float32 the vectorised kernels of
    another CPU (AVX-512, AVX2 or none) end at a visibly different network (MAML's MSE after 10
    steps 0.9 on one, 2.1 on another). In float64 the same runs agree to four decimals, at about
    the same speed for these 1-40-40-1 networks.
    """
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _reproduce(cfg: ReproConfig, rows: tuple[str, ...], progress: bool, keep_models: bool) -> dict[str, Any]:
    set_seed(cfg.seed)
    c = SINUSOID_DEFAULTS
    ev_sampler = SinusoidSampler(k_shot=c.k_shot_eval, n_query=cfg.n_query)
    test = ev_sampler.episodes(cfg.eval_tasks, seed=cfg.seed + 1000)
    val = ev_sampler.episodes(cfg.val_tasks, seed=cfg.seed + 2000)
    builders = {
        "multi-task, no regularization": lambda: _train_multitask(cfg, "none", progress),
        "multi-task, l2 weight decay": lambda: _train_multitask(cfg, "weight_decay", progress),
        "multi-task, l2 to the mean theta so far": lambda: _train_multitask(cfg, "mean", progress),
        "pretrain on all tasks": lambda: _train_pretrain(cfg, progress),
        "MAML": lambda: _train_maml(cfg, progress),
        "article: L2ToPrevious stream": lambda: _train_stream(cfg, "l2", progress),
        "article: ArticlePull(beta=0.01)": lambda: _train_stream(cfg, "pull", progress),
        "Reptile": lambda: _train_reptile(cfg, progress),
    }
    out: dict[str, Any] = {"rows": {}, "curves": {}, "ci95": {}, "lr": {}, "seconds": {}, "per_task": {},
                           "paper": {k: list(v) for k, v in PAPER_TABLE2.items()},
                           "config": asdict(cfg), "quick": cfg == QUICK}
    for row in rows:
        start = time.perf_counter()
        model = builders[row]()
        lr = c.inner_lr if row == "MAML" else _tuned_lr(model, val, cfg.lr_grid)
        res = evaluate_adaptation(model, test, steps=max(EVAL_STEPS), lr=lr)
        out["curves"][row] = [round(v, 4) for v in res.mean]
        out["ci95"][row] = [round(v, 4) for v in res.ci95]
        out["rows"][row] = [round(res.mean[s], 4) for s in EVAL_STEPS]
        out["per_task"][row] = [round(v, 6) for v in res.per_task[:, max(EVAL_STEPS)].tolist()]
        out["lr"][row] = lr
        out["seconds"][row] = round(time.perf_counter() - start, 1)
        if keep_models:
            out.setdefault("models", {})[row] = model
    return out


def format_table(result: dict[str, Any], digits: int = 2) -> str:
    """Ours beside the paper's, one line per row, with the fine-tuning step size each row chose.

    ``digits`` decimals per MSE: notebook 05 prints one, the digits that stay the same on other
    CPUs (a few hundred training steps leave differences in the second decimal).
    """
    check_type("result", result, dict, "the dict reproduce_maml_sinusoid returns")
    digits = check_int("digits", digits, min=0, max=6)
    head = f"{'row':42s} {'ours: 1':>8s} {'5':>6s} {'10':>6s}   {'paper: 1':>8s} {'5':>6s} {'10':>6s}   {'step':>5s}"
    lines = [head, "-" * len(head)]
    for row, ours in result["rows"].items():
        paper = PAPER_TABLE2.get(row)
        p = (f"{paper[0]:8.{digits}f} {paper[1]:6.{digits}f} {paper[2]:6.{digits}f}" if paper
             else f"{'-':>8s} {'-':>6s} {'-':>6s}")
        lines.append(f"{row:42s} {ours[0]:8.{digits}f} {ours[1]:6.{digits}f} {ours[2]:6.{digits}f}   {p}   "
                     f"{result['lr'][row]:5g}")
    lines.append("MSE on 100 query points of new waves after 1, 5, 10 steps from K = 5 points "
                 f"({result['config']['eval_tasks']} tasks); step = fine-tuning step size.")
    return "\n".join(lines)


def write_json(result: dict[str, Any], path: str) -> None:
    """``{row: [mse_after_1, mse_after_5, mse_after_10]}`` -- the paper's Table 2 layout."""
    check_type("result", result, dict)
    check_path("path", path)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(result["rows"], fh, indent=2)
        fh.write("\n")
