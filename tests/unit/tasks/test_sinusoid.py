"""Tests for metamap_edu.tasks.sinusoid: the paper's defaults and the task contract (its model: tests/unit/models/test_linear.py)."""
from __future__ import annotations

import math
import random

import pytest
import torch

from metamap_edu.models import SinusoidMLP
from metamap_edu.tasks.sinusoid import (SINUSOID_DEFAULTS, SinusoidConfig, SinusoidSampler, sinusoid_family, sinusoid_task,
                                        task_agnostic_mse)




def test_paper_defaults():
    c = SINUSOID_DEFAULTS
    assert c.amplitude == (0.1, 5.0) and c.phase == (0.0, math.pi) and c.x_range == (-5.0, 5.0)
    assert c.hidden == (40, 40) and c.k_shot_train == 10 and c.k_shot_eval == 5
    assert c.inner_lr == 0.01 and c.inner_steps == 1 and c.meta_batch_size == 25
    m = SinusoidMLP()
    assert [tuple(p.shape) for p in m.parameters()] == [(40, 1), (40,), (40, 40), (40,), (1, 40), (1,)]


def test_task_is_a_regression_mapping_task():
    t = sinusoid_task(2.0, 0.5, n=30, seed=1)
    assert t.kind == "regression" and len(t) == 30
    for (x,), (y,) in t:
        assert -5 <= x <= 5 and abs(y - 2.0 * math.sin(x - 0.5)) < 1e-9
    X, Y = t.tensors()
    assert X.shape == (30, 1) and Y.shape == (30, 1)
    assert sinusoid_task(2.0, 0.5, n=30, seed=1) == t
    fam = sinusoid_family(n_tasks=5, n_per_task=10, seed=0)
    assert len(fam) == 5 and all(0.1 <= f.metadata["amplitude"] <= 5.0 for f in fam)


def test_sampler_tensor_and_task_paths_agree():
    fast = SinusoidSampler(k_shot=5, n_query=7).sample(random.Random(3))
    slow = SinusoidSampler(k_shot=5, n_query=7, as_tensors=False).sample(random.Random(3))
    m = SinusoidMLP()
    b = m.collate(list(slow[0]), "regression")
    assert fast.support["x"].shape == (5, 1) and fast.query["y"].shape == (7, 1)
    assert torch.allclose(b["x"], fast.support["x"]) and torch.allclose(b["y"], fast.support["y"], atol=1e-5)


def test_task_agnostic_mse_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    A = 0.1 + 4.9 * torch.rand(200_000, generator=g, dtype=torch.float64)
    P = math.pi * torch.rand(200_000, generator=g, dtype=torch.float64)
    x = -5 + 10 * torch.rand(200_000, generator=g, dtype=torch.float64)
    mean_wave = -(2 / math.pi) * 2.55 * torch.cos(x)  # E[y | x]
    mc = float(((A * torch.sin(x - P) - mean_wave) ** 2).mean())
    assert abs(task_agnostic_mse() - mc) < 0.03 and 2.8 < task_agnostic_mse() < 3.1


def test_bad_inputs():
    with pytest.raises(ValueError, match="k_shot"):
        SinusoidSampler(k_shot=0)
    with pytest.raises(ValueError, match="n"):
        sinusoid_task(1.0, 0.0, n=0)
    with pytest.raises(ValueError, match="x_range"):
        sinusoid_task(1.0, 0.0, x_range=(5.0, -5.0))
    with pytest.raises(TypeError, match="config"):
        SinusoidSampler(config={"amplitude": (0, 1)})
