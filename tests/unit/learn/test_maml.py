"""maml: meta-gradients against finite differences and the Hessian factor, vmap against the loop."""

import pytest
import torch

from metamap_edu.learn import MAML
from metamap_edu.models import SinusoidMLP
from metamap_edu.tasks import SinusoidSampler


def _manual_meta_loss(model, theta_flat, episodes, steps, lr):
    """Independent MAML objective: unflatten θ, plain autograd inner loop (no torch.func)."""
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    theta_flat = theta_flat.detach().clone().requires_grad_(True)
    total = 0.0
    for s, q in episodes:
        chunks, off = [], 0
        for sh in shapes:
            k = int(torch.tensor(sh).prod()) if len(sh) else 1
            chunks.append(theta_flat[off : off + k].reshape(sh))
            off += k
        w1, b1, w2 = chunks
        f = lambda b, w1, b1, w2: ((torch.tanh(b["x"] @ w1 + b1) @ w2 - b["y"]) ** 2).mean()  # noqa: E731
        for _ in range(steps):
            g = torch.autograd.grad(f(s, w1, b1, w2), (w1, b1, w2), create_graph=True)
            w1, b1, w2 = w1 - lr * g[0], b1 - lr * g[1], w2 - lr * g[2]
        total = total + f(q, w1, b1, w2)
    assert names == ["w1", "b1", "w2"]
    return total / len(episodes)


def test_maml_meta_gradient_matches_finite_differences(TinyTanh, sine_batch):
    model = TinyTanh()
    episodes = [(sine_batch(6, seed=i), sine_batch(6, seed=100 + i)) for i in range(3)]
    alg = MAML(model, inner_lr=0.1, inner_steps=2, vmap=False)
    loss, grads = alg.meta_gradient(episodes)
    ours = torch.cat([grads[k].reshape(-1) for k in ("w1", "b1", "w2")])
    theta = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    h = 1e-6
    fd = torch.zeros_like(theta)
    for i in range(theta.numel()):
        e = torch.zeros_like(theta)
        e[i] = h
        fd[i] = (_manual_meta_loss(model, theta + e, episodes, 2, 0.1) - _manual_meta_loss(model, theta - e, episodes, 2, 0.1)) / (2 * h)
    assert torch.allclose(ours, fd, atol=1e-7, rtol=1e-6), (ours, fd)
    # and the independent autograd implementation agrees on the value
    assert abs(loss - float(_manual_meta_loss(model, theta, episodes, 2, 0.1).detach())) < 1e-12


def test_first_vs_second_order_differ_by_the_hessian_factor(LinReg):
    torch.manual_seed(0)
    Xs, Xq = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, 3, dtype=torch.float64)
    ys, yq = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    episode = ({"x": Xs, "y": ys}, {"x": Xq, "y": yq})
    alpha = 0.05
    _, g2 = MAML(LinReg(), inner_lr=alpha, first_order=False).meta_gradient([episode])
    _, g1 = MAML(LinReg(), inner_lr=alpha, first_order=True).meta_gradient([episode])
    H = 2 * Xs.T @ Xs / 8
    expected = (torch.eye(3, dtype=torch.float64) - alpha * H) @ g1["w"]
    assert torch.allclose(g2["w"], expected, atol=1e-12)
    assert not torch.allclose(g1["w"], g2["w"], atol=1e-6)
    # first order by hand: ∇L_Q(φ) with φ = w − α ∇L_S(w)
    w = LinReg().w.detach()
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / 8
    assert torch.allclose(g1["w"], 2 * Xq.T @ (Xq @ phi - yq) / 8, atol=1e-12)


@pytest.mark.parametrize("first_order", [False, True])
def test_vmapped_and_looped_meta_gradients_agree(first_order):
    torch.manual_seed(0)
    model = SinusoidMLP()
    episodes = SinusoidSampler(k_shot=10).episodes(6, seed=3)
    _, gv = MAML(model, inner_steps=2, first_order=first_order, vmap=True).meta_gradient(episodes)
    _, gl = MAML(model, inner_steps=2, first_order=first_order, vmap=False).meta_gradient(episodes)
    for k in gv:
        assert torch.allclose(gv[k], gl[k], atol=1e-5, rtol=1e-5), k
