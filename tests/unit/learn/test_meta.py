"""Tests for metamap_edu.learn.meta: meta-gradients against independent computations, vmap vs loop,
Reptile == the article's pull, and clear errors on bad input."""
from __future__ import annotations

import random
import warnings

import pytest
import torch
from torch import nn

from metamap_edu.learn import meta
from metamap_edu.learn.meta import MAML, ProtoNet, Reptile, adapt, evaluate_adaptation, meta_train, parameters_of, reptile_update
from metamap_edu.models import SinusoidMLP
from metamap_edu.tasks.sinusoid import SinusoidSampler




class TinyTanh(nn.Module):
    """A float64 1-3-1 tanh net following the model contract (smooth: finite differences work)."""

    kinds = ("regression",)

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.w1 = nn.Parameter(torch.randn(1, 3, generator=g, dtype=torch.float64))
        self.b1 = nn.Parameter(torch.randn(3, generator=g, dtype=torch.float64) * 0.1)
        self.w2 = nn.Parameter(torch.randn(3, 1, generator=g, dtype=torch.float64))

    def collate(self, examples, kind="regression"):
        return {"x": torch.tensor([list(x) for x, _ in examples], dtype=torch.float64),
                "y": torch.tensor([list(y) for _, y in examples], dtype=torch.float64)}

    def loss(self, batch):
        return ((torch.tanh(batch["x"] @ self.w1 + self.b1) @ self.w2 - batch["y"]) ** 2).mean()


class LinReg(nn.Module):
    """y = X w, loss (1/n)‖Xw − y‖²: Hessian 2XᵀX/n, known by hand."""

    kinds = ("regression",)

    def __init__(self, d=3):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([0.3, -0.2, 0.5][:d], dtype=torch.float64))

    def collate(self, examples, kind="regression"):
        return {"x": torch.tensor([list(x) for x, _ in examples], dtype=torch.float64),
                "y": torch.tensor([y[0] for _, y in examples], dtype=torch.float64)}

    def loss(self, batch):
        return ((batch["x"] @ self.w - batch["y"]) ** 2).mean()


def _batch(n, d=1, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=dtype)
    return {"x": x, "y": torch.sin(x.sum(1, keepdim=True) * 1.3)}


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


def test_maml_meta_gradient_matches_finite_differences():
    model = TinyTanh()
    episodes = [(_batch(6, seed=i), _batch(6, seed=100 + i)) for i in range(3)]
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


def test_first_vs_second_order_differ_by_the_hessian_factor():
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


def test_adapt_is_pure_and_matches_manual_sgd():
    model = TinyTanh()
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    b = _batch(5)
    out = adapt(parameters_of(model), model, b, steps=3, lr=0.1)
    for k, v in model.named_parameters():
        assert torch.equal(v.detach(), before[k])
    manual = TinyTanh()
    opt = torch.optim.SGD(manual.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        manual.loss(b).backward()
        opt.step()
    for k, v in manual.named_parameters():
        assert torch.allclose(out[k], v, atol=1e-12)
    assert adapt(parameters_of(model), model, b, steps=0)["w1"] is not None


def test_reptile_is_the_article_pull_once_per_task():
    """metamap_edu.learn.train.ArticlePull(β), applied once after training on a task (task granularity),
    gives exactly Reptile(ε = 1 − β) with meta-batch 1 and the same inner SGD steps."""
    from metamap_edu.tasks.families import MappingTask
    from metamap_edu.learn.train import ArticlePull, fit

    for beta in (0.01, 0.3, 0.9):
        torch.manual_seed(0)
        model = SinusoidMLP()
        episode = SinusoidSampler(k_shot=10).episodes(1, seed=5)[0]
        task = MappingTask(name="wave", kind="regression",
                           examples=[((float(x),), (float(y),)) for x, y in zip(episode.support["x"][:, 0], episode.support["y"][:, 0])])
        theta = {k: v.detach().clone() for k, v in parameters_of(model).items()}
        article = SinusoidMLP()
        article.load_state_dict(model.state_dict())
        pull = ArticlePull(beta)
        pull.start_task(article, 1)  # anchor θ_prev = θ
        fit(article, task, optimizer="sgd", lr=0.02, steps=4, batch_size=10, progress=False)
        pull.after_step(article)  # the pull, once, at task granularity
        Reptile(model, epsilon=1 - beta, inner_lr=0.02, inner_steps=4).step([episode])
        for (k, v), a in zip(parameters_of(model).items(), article.parameters()):
            assert torch.allclose(v, a.detach(), atol=1e-6), (beta, k)
        # and by the formula: θ + (1 − β)(φ − θ)
        phi = adapt(theta, model, episode.support, steps=4, lr=0.02)
        expected = reptile_update(theta, phi, 1 - beta)
        for k, v in parameters_of(model).items():
            assert torch.allclose(v, expected[k], atol=1e-6), (beta, k)


def test_reptile_adapts_on_the_support_set_only():
    """Changing an episode's query set changes the reported loss but not Reptile's update."""
    import dataclasses

    episode = SinusoidSampler(k_shot=5, n_query=10).episodes(1, seed=3)[0]
    other_query = {k: v.flip(0) * 3.0 + 1.0 for k, v in episode.query.items()}
    swapped = dataclasses.replace(episode, query=other_query)
    results = []
    for ep in (episode, swapped):
        torch.manual_seed(0)
        model = SinusoidMLP()
        loss = Reptile(model, epsilon=0.5, inner_lr=0.02, inner_steps=3).step([ep])
        results.append((loss, {k: v.detach().clone() for k, v in parameters_of(model).items()}))
    (loss_a, theta_a), (loss_b, theta_b) = results
    assert loss_a != loss_b  # the query set is what the loss reports on
    for k in theta_a:
        assert torch.equal(theta_a[k], theta_b[k]), k


def test_meta_train_reduces_loss_and_evaluate_adaptation_has_cis():
    torch.manual_seed(0)
    model = SinusoidMLP()
    ev = SinusoidSampler(k_shot=5, n_query=20).episodes(40, seed=9)
    before = evaluate_adaptation(model, ev, steps=3, lr=0.01)
    hist = meta_train(MAML(model), SinusoidSampler(), meta_batch_size=5, iterations=60, progress=False)
    after = evaluate_adaptation(model, ev, steps=3, lr=0.01)
    assert len(hist.losses) == 60 and hist.algorithm == "MAML"
    assert after.mean[3] < before.mean[3]
    assert after.steps == [0, 1, 2, 3] and all(c > 0 for c in after.ci95)
    assert tuple(after.per_task.shape) == (40, 4)


def test_protonet_learns_a_simple_episode():
    class Enc(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 4)

        def embed(self, xs):
            return self.lin(torch.tensor([list(x) for x in xs], dtype=torch.float32))

    class T(list):  # a minimal classification task
        kind = "classification"

    rng = random.Random(0)

    def sampler(r):
        pts = lambda c, n: [((c + r.gauss(0, 0.3), -c + r.gauss(0, 0.3)), str(c)) for _ in range(n)]  # noqa: E731
        return T(pts(0, 3) + pts(2, 3)), T(pts(0, 4) + pts(2, 4))

    torch.manual_seed(0)
    alg = ProtoNet(Enc(), outer_lr=1e-2)
    meta_train(alg, sampler, meta_batch_size=4, iterations=20, progress=False)
    assert alg.accuracy(sampler(rng)) >= 0.75


def test_loop_fallback_warns_once():
    class NoVmap(TinyTanh):
        def loss(self, batch):
            if float(batch["x"].sum()) > 1e9:  # data-dependent Python control flow: not vmappable
                return batch["x"].sum()
            return super().loss(batch)

    meta._WARNED.discard("NoVmap")
    model = NoVmap()
    episodes = [(_batch(4, seed=i), _batch(4, seed=50 + i)) for i in range(3)]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        alg = MAML(model)
        alg.meta_gradient(episodes)
        alg.meta_gradient(episodes)
    assert sum("cannot be vmapped" in str(w.message) for w in rec) == 1
    assert alg.last_vmapped is False


# ------------------------------------------------------------------ bad input
def test_bad_inputs_raise_clear_errors():
    model = TinyTanh()
    b = _batch(4)
    with pytest.raises(ValueError, match="steps"):
        adapt(parameters_of(model), model, b, steps=-1)
    with pytest.raises(ValueError, match="lr"):
        adapt(parameters_of(model), model, b, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="inner_lr"):
        MAML(model, inner_lr=-0.1)
    with pytest.raises(ValueError, match="inner_steps"):
        MAML(model, inner_steps=-2)
    for eps in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError, match="epsilon"):
            Reptile(model, epsilon=eps)
    with pytest.raises(ValueError, match="epsilon"):
        reptile_update({"a": torch.zeros(1)}, {"a": torch.ones(1)}, 0.0)

    class Empty(nn.Module):
        def collate(self, examples, kind):
            return {}

        def loss(self, batch):
            return torch.tensor(0.0)

    with pytest.raises(ValueError, match="no trainable parameters"):
        MAML(Empty())
    with pytest.raises(ValueError, match="no trainable parameters"):
        Reptile(Empty())
    with pytest.raises(TypeError, match="model contract"):
        MAML(nn.Linear(1, 1))
    with pytest.raises(ValueError, match="meta_batch_size"):
        meta_train(MAML(model), SinusoidSampler(), meta_batch_size=0, iterations=1, progress=False)


def test_bad_episodes_raise_clear_errors():
    from metamap_edu.learn.meta import RelabelledSampler, relabel_episode
    from metamap_edu.tasks.families import EpisodeSampler, topic_task

    t = topic_task(domains=["movies", "books"], n_per_class=10, seed=0)
    with pytest.raises(ValueError, match="n_way"):  # fewer classes than n_way
        EpisodeSampler(t, n_way=3, k_shot=1, n_query=1)
    with pytest.raises(ValueError, match="k_shot"):  # K larger than available
        EpisodeSampler(t, n_way=2, k_shot=20, n_query=1)
    ep = EpisodeSampler(t, n_way=2, k_shot=2, n_query=2).sample(0)
    s, q = relabel_episode(ep)
    assert {y for _, y in s} == {"0", "1"} and len(q) == 4
    with pytest.raises(ValueError, match="not among its classes"):
        relabel_episode(type("E", (), {"support": list(ep.support), "query": [("x", "cars")], "classes": ep.classes})())
    with pytest.raises(TypeError, match="sample"):
        RelabelledSampler(object())

    class T(list):
        kind = "classification"

    enc = type("Enc", (nn.Module,), {"__init__": lambda self: (nn.Module.__init__(self), setattr(self, "lin", nn.Linear(1, 2)))[0],
                                     "embed": lambda self, xs: self.lin(torch.tensor([[float(x)] for x in xs]))})()
    with pytest.raises(ValueError, match="no support examples"):
        ProtoNet(enc).episode_loss((T([(1, "a"), (2, "b")]), T([(3, "c")])))
    with pytest.raises(ValueError, match="classification"):
        ProtoNet(enc).episode_loss(([((1.0,), (1.0,))], [((1.0,), (1.0,))]).__class__((type("R", (list,), {"kind": "regression"})([(1, 2)]), T([(1, "a")]))))


# ------------------------------------------------------------------ notebook 05 helpers
def test_notebook05_widget_callback():
    from metamap_edu import course

    torch.manual_seed(0)
    model = SinusoidMLP()
    ep = SinusoidSampler(k_shot=40, n_query=40).episodes(1, seed=2)[0]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    d0 = course.sinusoid_adaptation({"m": model}, ep, steps=0, lr=0.01)
    d = course.sinusoid_adaptation({"m": model}, ep, steps=20, lr=0.01)
    assert d0["models"]["m"]["before"] == d0["models"]["m"]["after"]
    assert d["models"]["m"]["mse"] < d0["models"]["m"]["mse"]  # adapting to the wave lowers the query MSE
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="steps"):
        course.sinusoid_adaptation({"m": model}, ep, steps=-1)
    view = course.sinusoid_adaptation_view(3, 0.01, {"m": model}, ep)
    assert "query MSE" in view.text and view.figure is not None
    import matplotlib.pyplot as plt

    plt.close("all")
    fig = course.plot_pull_vs_reptile([1, 5], {0.1: [0.9, 0.7]})
    plt.close(fig)
