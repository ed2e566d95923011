"""models.tagger: the per-token linear tagger, its shapes, learning and bad inputs."""
import pytest
import torch

from metamap_edu.models.tagger import TokenTagger
from metamap_edu.models.tokenizers import WordVocab
from metamap_edu.tasks import MappingTask

TAG = [("Ada flew to Paris", ("B-PER", "O", "O", "B-LOC")), ("the Acme Corp office", ("O", "B-ORG", "I-ORG", "O"))]


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


def test_bad_inputs():
    vocab = WordVocab(["good", "bad"])
    with pytest.raises(ValueError, match="tags"):
        TokenTagger(vocab, ("O", "B-PER")).collate([("good bad", ("O",))], "tagging")
    with pytest.raises(ValueError, match="tag 'B-ORG' is not one of"):
        TokenTagger(vocab, ("O", "B-PER")).collate([("good", ("B-ORG",))], "tagging")
