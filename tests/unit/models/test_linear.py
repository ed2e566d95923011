"""models.linear: y = Wx + b and its loss, the MLPs (SinusoidMLP is the paper's 1-40-40-1), bad inputs."""
import random

import pytest
import torch

from metamap_edu.models.contract import flat_params, set_flat_params
from metamap_edu.models.linear import MLP, LinearMap, SinusoidMLP
from metamap_edu.tasks.sinusoid import SinusoidSampler, sinusoid_task


def test_linear_map_equation_and_loss():
    m = LinearMap(2, 1)
    set_flat_params(m, torch.tensor([2.0, -1.0, 0.5]))  # θ = [w1, w2, b]
    assert m.predict([(1.0, 1.0)]) == [(1.5,)]
    batch = m.collate([((1.0, 1.0), (1.0,)), ((0.0, 0.0), (0.0,))], "regression")
    assert batch["x"].shape == (2, 2) and batch["y"].shape == (2, 1)
    assert m.loss(batch).item() == pytest.approx((0.5**2 + 0.5**2) / 2)  # (1/n)||Xθ - y||²
    assert torch.equal(flat_params(m), torch.tensor([2.0, -1.0, 0.5]))


def test_linear_map_multi_output_loss_sums_outputs():
    m = LinearMap(1, 2)
    batch = m.collate([((1.0,), (1.0, 2.0))], "regression")
    assert m.loss(batch).item() == pytest.approx(1.0 + 4.0)


def test_mlp_contract():
    m = MLP(3, (8,), 2)
    assert m.predict([(0.0, 1.0, 2.0)])[0].__len__() == 2
    assert MLP(128, (1024, 768), 10).num_parameters() > 900_000


def test_sinusoid_mlp_is_the_papers_mlp():
    m = SinusoidMLP()
    assert [tuple(p.shape) for p in m.parameters()] == [(40, 1), (40,), (40, 40), (40,), (1, 40), (1,)]
    torch.manual_seed(0)
    a = SinusoidMLP((8, 8))
    torch.manual_seed(0)
    b = MLP(1, (8, 8), 1)
    assert list(a.state_dict()) == list(b.state_dict())  # same layers, same names, same order
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())  # same initial weights
    x = torch.linspace(-5, 5, 7).unsqueeze(1)
    assert torch.equal(a(x), b(x))


def test_sinusoid_mlp_contract():
    m = SinusoidMLP()
    t = sinusoid_task(1.0, 0.0, n=8)
    batch = m.collate(list(t), "regression")
    loss = m.loss(batch)
    assert loss.dim() == 0 and loss.requires_grad
    pred = m.predict(t.inputs, "regression")
    assert len(pred) == 8 and len(pred[0]) == 1
    with pytest.raises(ValueError, match="classification"):
        m.collate(list(t), "classification")


def test_sinusoid_mlp_runs_in_its_parameters_dtype():
    """Table 2 of notebook 05 runs in float64: inputs are cast to the parameters' dtype."""
    m = SinusoidMLP((4,)).double()
    support, _ = SinusoidSampler(k_shot=5, as_tensors=False).sample(random.Random(0))
    batch = m.collate(list(support), "regression")
    assert batch["x"].dtype == torch.float64 and m.loss(batch).dtype == torch.float64
    assert m(torch.zeros(2, 1)).dtype == torch.float64


def test_bad_inputs():
    with pytest.raises(ValueError, match="in_features"):
        LinearMap(0)
    with pytest.raises(ValueError, match="in_features"):
        LinearMap(2).predict([(1.0,)])
    with pytest.raises(ValueError, match="theta"):
        set_flat_params(LinearMap(2), torch.zeros(5))
    with pytest.raises(ValueError, match="hidden"):
        SinusoidMLP(hidden=(0,))
    with pytest.raises(ValueError, match="one number to one number"):
        SinusoidMLP().collate([((1.0, 2.0), (1.0,))], "regression")
