"""dense_bag_of_words: a contract model whose batches have one shape, so meta-batches stack."""
import pytest
import torch

from metamap_edu.models import CourseModel, DenseBagOfWords, WordVocab, check_model


def _model():
    torch.manual_seed(0)
    return DenseBagOfWords(WordVocab("good bad film plot".split()), ("0", "1"), embed_dim=4)


def test_follows_the_contract_and_a_batch_is_word_frequencies():
    model = _model()
    assert isinstance(model, CourseModel) and check_model(model, "classification") is model
    batch = model.collate([("good film", "0"), ("bad bad plot", "1")], "classification")
    assert batch["bow"].shape == (2, len(model.vocab)) and batch["y"].tolist() == [0, 1]
    assert torch.allclose(batch["bow"].sum(1), torch.ones(2))  # mean over the sentence's words
    assert model.loss(batch).dim() == 0
    assert model.predict(["good film", "bad plot"]) in (["0", "0"], ["0", "1"], ["1", "0"], ["1", "1"])
    assert model.embed(["good"]).shape == (1, 4)


def test_loss_is_the_cross_entropy():
    model = _model()
    batch = model.collate([("good film", "0"), ("bad plot", "1")], "classification")
    expected = torch.nn.functional.cross_entropy(model.logits(batch), batch["y"])
    assert torch.allclose(model.loss(batch), expected, atol=1e-6)


def test_bad_input_is_refused():
    model = _model()
    with pytest.raises(ValueError, match="regression"):
        model.collate([("good", "0")], "regression")
    with pytest.raises(ValueError, match="'2'"):
        model.collate([("good", "2")], "classification")
    with pytest.raises(ValueError, match="labels"):
        DenseBagOfWords(WordVocab(["a"]), ("0",))
    with pytest.raises(TypeError, match="vocab"):
        DenseBagOfWords(["a"], ("0", "1"))
