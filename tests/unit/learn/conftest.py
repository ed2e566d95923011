"""Small tasks the unit tests of the learn layer share: toy regressions, toy text, tiny meta-learning models."""
import pytest
import torch
from torch import nn

from metamap_edu.learn import new_pretraining_model
from metamap_edu.models import TransformerConfig
from metamap_edu import tasks as language
from metamap_edu.tasks import MappingTask


def _regression_task(X, y, name="toy/regression"):
    Y = y.reshape(len(y), -1)
    return MappingTask(name, "regression", [(tuple(map(float, a)), tuple(map(float, b))) for a, b in zip(X.tolist(), Y.tolist())])


def _linear_tasks(T=3, n=24, seed=0):
    g = torch.Generator().manual_seed(seed)
    tasks = []
    for t in range(T):
        X = torch.randn(n, 2, generator=g)
        w = torch.randn(2, generator=g) * 2
        tasks.append(_regression_task(X, X @ w + 0.1 * torch.randn(n, generator=g), f"line/{t}"))
    return tasks


@pytest.fixture
def regression_task():
    """``regression_task(X, y, name)``: a regression MappingTask from tensors."""
    return _regression_task


@pytest.fixture
def linear_tasks():
    """``linear_tasks(T, n, seed)``: T noisy 2-d linear regressions."""
    return _linear_tasks


TEXTS = {
    "a": [("good film", "pos"), ("bad film", "neg"), ("great plot", "pos"), ("awful plot", "neg")] * 3,
    "b": [("long battery", "pos"), ("short battery", "neg"), ("good screen", "pos"), ("bad screen", "neg")] * 3,
    "c": [("long wait", "neg"), ("short wait", "pos"), ("good food", "pos"), ("awful food", "neg")] * 3,
}


@pytest.fixture(scope="module")
def text_tasks():
    return [MappingTask(f"toy/{k}", "classification", v) for k, v in TEXTS.items()]


#: A one-layer transformer small enough for unit tests of pretraining and its probes.
SMALL = TransformerConfig(context=40, width=32, depth=1, heads=2)


@pytest.fixture
def small_config():
    return SMALL


@pytest.fixture(scope="module")
def corpus():
    return language.corpus(600, seed=0)


@pytest.fixture()
def model(corpus):
    return new_pretraining_model(corpus, config=SMALL, vocab_size=800, seed=0)


# ---- tiny meta-learning models (the model contract, float64 so finite differences work) ------
class _TinyTanh(nn.Module):
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

    def predict(self, inputs, kind="regression"):
        with torch.no_grad():
            x = torch.tensor([list(x) for x in inputs], dtype=torch.float64)
            return (torch.tanh(x @ self.w1 + self.b1) @ self.w2).tolist()


class _LinReg(nn.Module):
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

    def predict(self, inputs, kind="regression"):
        with torch.no_grad():
            return (torch.tensor([list(x) for x in inputs], dtype=torch.float64) @ self.w).tolist()


def _sine_batch(n, d=1, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=dtype)
    return {"x": x, "y": torch.sin(x.sum(1, keepdim=True) * 1.3)}


@pytest.fixture
def TinyTanh():  # noqa: N802 - the fixture is the class
    return _TinyTanh


@pytest.fixture
def LinReg():  # noqa: N802 - the fixture is the class
    return _LinReg


@pytest.fixture
def sine_batch():
    """``sine_batch(n, d, seed)``: a regression batch {"x", "y"} with y = sin(1.3 Σx)."""
    return _sine_batch
