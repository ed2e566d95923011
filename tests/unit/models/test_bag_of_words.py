"""models.bag_of_words: logistic regression on a bag of words, its options, bad inputs."""
import pytest
import torch

from metamap_edu.models.bag_of_words import BagOfWordsClassifier
from metamap_edu.models.tokenizers import WordVocab
from metamap_edu.tasks import MappingTask

CLS = [("the food was great", "positive"), ("the food was not great", "negative"), ("awful wait", "negative")]


def test_bag_of_words_is_logistic_regression():
    task = MappingTask("c", "classification", CLS)
    m = BagOfWordsClassifier.for_tasks([task])
    assert m.labels == ("negative", "positive") and m.kinds == ("classification",)
    batch = m.collate(CLS, "classification")
    logits = m(batch["ids"], batch["offsets"])  # (B, C)
    assert logits.shape == (3, 2)
    # logits = W φ(x) + b with φ(x) the mean one-hot of the words
    ids = m.vocab.encode(CLS[0][0])
    phi = torch.zeros(len(m.vocab))
    for i in ids:
        phi[i] += 1 / len(ids)
    expected = m.bag.weight.T @ phi + m.bias
    assert torch.allclose(logits[0], expected, atol=1e-6)
    assert m.loss(batch).shape == ()
    assert m.predict(["great food"]) [0] in m.labels


def test_bag_of_words_options():
    task = MappingTask("c", "classification", CLS)
    m = BagOfWordsClassifier.for_tasks([task], ngrams=2, mark_scope=True)
    assert "not:great" in m.vocab and "was not" in m.vocab
    assert BagOfWordsClassifier.features("was not good but fine", True) == ["but:was", "but:not", "but:not:good", "but", "fine"]
    low = BagOfWordsClassifier.for_tasks([task], embed_dim=4)
    assert low.predict_proba(["great"]).shape == (1, 2)


def test_bad_inputs():
    vocab = WordVocab(["good", "bad"])
    with pytest.raises(TypeError, match="vocab"):
        BagOfWordsClassifier(["good"], ("a", "b"))
    with pytest.raises(ValueError, match="labels"):
        BagOfWordsClassifier(vocab, ("only",))
    with pytest.raises(ValueError, match="not one of this model's labels"):
        BagOfWordsClassifier(vocab, ("a", "b")).collate([("good", "c")], "classification")
