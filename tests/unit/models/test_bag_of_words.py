"""models: the contract (kinds, collate, loss, predict), shapes, equations, bad inputs."""
import pytest
import torch

from metamap_edu.models.base import MLP, BagOfWordsClassifier, LinearMap, TokenTagger, check_kind, flat_params, set_flat_params
from metamap_edu.tasks.families import MappingTask
from metamap_edu.models.tokenizers import WordVocab

CLS = [("the food was great", "positive"), ("the food was not great", "negative"), ("awful wait", "negative")]
TAG = [("Ada flew to Paris", ("B-PER", "O", "O", "B-LOC")), ("the Acme Corp office", ("O", "B-ORG", "I-ORG", "O"))]



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


def test_token_tagger_shapes_and_learning():
    task = MappingTask("n", "tagging", TAG)
    m = TokenTagger.for_tasks([task])
    batch = m.collate(TAG, "tagging")
    assert batch["ids"].shape == (2, 4) and batch["tags"].shape == (2, 4)
    assert m(batch["ids"], batch["caps"]).shape == (2, 4, len(m.tags))  # (B, T, C)
    opt = torch.optim.Adam(m.parameters(), lr=0.1)
    for _ in range(40):
        opt.zero_grad()
        m.loss(batch).backward()
        opt.step()
    assert m.predict([x for x, _ in TAG]) == [y for _, y in TAG]


def test_mlp_contract():
    m = MLP(3, (8,), 2)
    assert m.predict([(0.0, 1.0, 2.0)])[0].__len__() == 2
    assert MLP(128, (1024, 768), 10).num_parameters() > 900_000


def test_kind_errors_name_model_and_kind():
    m = LinearMap(2)
    with pytest.raises(ValueError, match=r"(?s)LinearMap.*'tagging'"):
        m.collate([((1.0, 2.0), (1.0,))], "tagging")
    with pytest.raises(ValueError, match="classification"):
        check_kind(TokenTagger(WordVocab(["a"]), ("O", "B-PER")), "classification")


def test_bad_inputs():
    vocab = WordVocab(["good", "bad"])
    with pytest.raises(TypeError, match="vocab"):
        BagOfWordsClassifier(["good"], ("a", "b"))
    with pytest.raises(ValueError, match="labels"):
        BagOfWordsClassifier(vocab, ("only",))
    with pytest.raises(ValueError, match="in_features"):
        LinearMap(0)
    with pytest.raises(ValueError, match="not one of this model's labels"):
        BagOfWordsClassifier(vocab, ("a", "b")).collate([("good", "c")], "classification")
    with pytest.raises(ValueError, match="in_features"):
        LinearMap(2).predict([(1.0,)])
    with pytest.raises(ValueError, match="tags"):
        TokenTagger(vocab, ("O", "B-PER")).collate([("good bad", ("O",))], "tagging")
    with pytest.raises(ValueError, match="theta"):
        set_flat_params(LinearMap(2), torch.zeros(5))
