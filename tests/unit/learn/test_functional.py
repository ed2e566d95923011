"""functional: the pure inner loop, the loop fallback of vmap, episodes relabelled to slots."""
import warnings

import pytest
import torch
from torch import nn

from metamap_edu.learn import MAML, ProtoNet, RelabelledSampler, adapt, functional, parameters_of, relabel_episode
from metamap_edu.tasks import EpisodeSampler, SinusoidSampler, topic_task
from metamap_edu.models import SinusoidMLP
from metamap_edu import course


def test_adapt_is_pure_and_matches_manual_sgd(TinyTanh, sine_batch):
    model = TinyTanh()
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    b = sine_batch(5)
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


def test_loop_fallback_warns_once(TinyTanh, sine_batch):
    class NoVmap(TinyTanh):
        def loss(self, batch):
            if float(batch["x"].sum()) > 1e9:  # data-dependent Python control flow: not vmappable
                return batch["x"].sum()
            return super().loss(batch)

    functional._WARNED.discard("NoVmap")
    model = NoVmap()
    episodes = [(sine_batch(4, seed=i), sine_batch(4, seed=50 + i)) for i in range(3)]
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        alg = MAML(model)
        alg.meta_gradient(episodes)
        alg.meta_gradient(episodes)
    assert sum("cannot be vmapped" in str(w.message) for w in rec) == 1
    assert alg.last_vmapped is False


def test_bad_episodes_raise_clear_errors():
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


def test_notebook05_widget_callback():
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
