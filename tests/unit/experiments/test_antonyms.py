"""antonyms: the verdict sentences and the verdict gap of notebook 06's antonym experiment."""
import pytest

from metamap_edu.experiments import antonym_experiment, verdict_gap, verdict_sentences
from metamap_edu.learn import new_pretraining_model
from metamap_edu.tasks import SHARED_NEGATIVE, SHARED_POSITIVE


def test_verdict_sentences_pair_two_adjectives_of_one_polarity():
    sentences = verdict_sentences(200, seed=4)
    assert sentences == verdict_sentences(200, seed=4)
    signs = []
    for s in sentences:
        words = s.split()
        assert words[0] == "the" and words[2] == "was" and words[4:7] == ["overall", "it", "was"]
        first, last = words[3], words[7]
        assert (first in SHARED_POSITIVE) == (last in SHARED_POSITIVE)
        assert first in SHARED_POSITIVE or first in SHARED_NEGATIVE
        signs.append(first in SHARED_POSITIVE)
    assert 60 < sum(signs) < 140  # about half positive


def test_verdict_gap_is_a_finite_log_ratio_and_inputs_are_checked():
    model = new_pretraining_model(verdict_sentences(300), vocab_size=400, seed=0)
    gap = verdict_gap(model, "great")
    assert isinstance(gap, float) and abs(gap) < 50
    with pytest.raises(TypeError, match="model"):
        verdict_gap("model", "great")
    with pytest.raises(TypeError, match="tie_embeddings"):
        antonym_experiment("yes", steps=1)
    with pytest.raises(ValueError, match="n"):
        verdict_sentences(0)
