"""probing: nearest words in embedding space and the neighbour-agreement count (notebook 06)."""
import pytest

from metamap_edu.learn import nearest_tokens, neighbour_agreement


def test_nearest_tokens(model):
    near = nearest_tokens(model, "good", k=3)
    assert len(near) == 3 and all(w != "good" for w, _ in near)
    assert near == sorted(near, key=lambda p: -p[1])


def test_neighbour_agreement_counts_what_nearest_tokens_returns(model):
    words, cands = ["good", "bad"], ["great", "awful", "fine", "poor", "nice"]
    counts = neighbour_agreement(model, words, cands, lambda w, n: n.startswith(("g", "a")), k=3)
    expected = [sum(n.startswith(("g", "a")) for n, _ in nearest_tokens(model, w, k=3, candidates=cands))
                for w in words]
    assert counts == expected and all(0 <= c <= 3 for c in counts)
    with pytest.raises(TypeError, match="same must be a function"):
        neighbour_agreement(model, words, cands, "music")
    with pytest.raises(ValueError, match="words"):
        neighbour_agreement(model, [], cands, lambda w, n: True)
