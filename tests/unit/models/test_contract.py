"""models.contract: check_model, check_kind, flat_params and set_flat_params."""
import pytest
import torch
from torch import nn

from metamap_edu.models.contract import CONTRACT, CourseModel, check_kind, check_model, flat_params, set_flat_params
from metamap_edu.models.linear import LinearMap
from metamap_edu.models.tagger import TokenTagger
from metamap_edu.models.tokenizers import WordVocab


def test_kind_errors_name_model_and_kind():
    m = LinearMap(2)
    with pytest.raises(ValueError, match=r"(?s)LinearMap.*'tagging'"):
        m.collate([((1.0, 2.0), (1.0,))], "tagging")
    with pytest.raises(ValueError, match="classification"):
        check_kind(TokenTagger(WordVocab(["a"]), ("O", "B-PER")), "classification")
    assert check_kind(m, "regression") == "regression"


def test_check_model_accepts_a_course_model_and_the_kinds_it_serves():
    m = LinearMap(2)
    assert check_model(m) is m and check_model(m, "regression") is m
    with pytest.raises(ValueError, match="'translation'"):
        check_model(m, "translation")


def test_check_model_refuses_what_is_not_a_course_model():
    with pytest.raises(TypeError, match="learner"):
        check_model(nn.Linear(2, 1), name="learner")
    with pytest.raises(TypeError, match="nn.Module"):
        check_model("a model")

    class NoLoss(nn.Module):
        kinds = ("regression",)

        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def collate(self, examples, kind):
            return {}

        def predict(self, inputs, kind):
            return []

    with pytest.raises(TypeError, match="lacks loss"):
        check_model(NoLoss())
    frozen = LinearMap(2)
    frozen.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        check_model(frozen)
    assert set(CONTRACT) == {"kinds", "collate", "loss", "predict"}


def test_course_model_leaves_the_contract_to_subclasses():
    with pytest.raises(NotImplementedError):
        CourseModel().loss({})
    with pytest.raises(ValueError, match="no kind at all"):
        CourseModel().check_kind("regression")


def test_flat_params_round_trip_in_parameter_order():
    m = LinearMap(3, 1)
    theta = torch.tensor([1.0, 2.0, 3.0, -4.0])  # [w1, w2, w3, b]
    set_flat_params(m, theta)
    assert torch.equal(flat_params(m), theta)
    assert torch.equal(m.linear.bias.detach(), torch.tensor([-4.0]))
    with pytest.raises(TypeError, match="model"):
        flat_params([1.0])
    with pytest.raises(ValueError, match="theta"):
        set_flat_params(m, torch.zeros(2, 2))
