"""Exercise checks of notebooks/06_pretraining_on_unlabeled_text (course.nb06):
each accepts the right answer and explains a wrong one."""
from collections import Counter

import pytest

from metamap_edu import course
from metamap_edu.models import pretokenize


def _stub(*args):
    raise NotImplementedError


# ---- notebook 06 -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_model():
    from metamap_edu import tasks as language
    from metamap_edu.learn import new_pretraining_model
    from metamap_edu.models import TransformerConfig

    corpus = language.corpus(300, seed=0)
    model = new_pretraining_model(corpus, config=TransformerConfig(context=40, width=32, depth=1, heads=2),
                                  vocab_size=700, seed=0)
    return model, corpus[:10]


def n_predictions(n_tokens, objective, n_masked=0):
    return n_tokens + 1 if objective == "causal" else n_masked + 1


def test_prediction_count_right(capsys, small_model, said_words):
    model, sentences = small_model
    assert course.check_prediction_count(n_predictions, model, sentences) is True
    said_words("causal LM predicts")


@pytest.mark.parametrize("fn, message", [
    (lambda n, objective, n_masked=0: n if objective == "causal" else n_masked + 1, "One short"),
    (lambda n, objective, n_masked=0: n + 1, "visible tokens are in the prompt"),
    (lambda n, objective, n_masked=0: n_masked if objective == "masked" else n + 1, "One short"),
    (lambda n, objective, n_masked=0: 2 * n, "count what is not −100"),
    (lambda n, objective, n_masked=0: "n + 1", "single number"),
    (_stub, "NotImplementedError"),
])
def test_prediction_count_wrong(capsys, small_model, fn, message, said_words):
    model, sentences = small_model
    assert course.check_prediction_count(fn, model, sentences) is False
    said_words(message)


def test_prediction_count_refuses_bad_references(small_model):
    model, sentences = small_model
    with pytest.raises(TypeError, match="model"):
        course.check_prediction_count(n_predictions, "model", sentences)
    with pytest.raises(TypeError, match="sentences"):
        course.check_prediction_count(n_predictions, model, "one sentence")
    with pytest.raises(ValueError, match="at most"):
        course.check_prediction_count(n_predictions, model, ["word " * 200])


def first_merge(texts):
    counts = Counter()
    for text in texts:
        for chunk in pretokenize(text):
            counts.update(zip(chunk, chunk[1:]))
    return min(counts, key=lambda pair: (-counts[pair], pair))


def test_bpe_first_merge_right(capsys, said_words):
    assert course.check_bpe_first_merge(first_merge) is True
    said_words("you match train_bpe")
    assert course.check_bpe_first_merge(lambda texts: list(first_merge(texts))) is True  # a list is fine


def _most_common(texts):
    counts = Counter(p for t in texts for chunk in pretokenize(t) for p in zip(chunk, chunk[1:]))
    return counts.most_common(1)[0][0]


def _across_chunks(texts):
    counts = Counter(p for t in texts for p in zip(t, t[1:]))
    return min(counts, key=lambda pair: (-counts[pair], pair))


@pytest.mark.parametrize("fn, message", [
    (_most_common, "a tie"),
    (_across_chunks, "crosses a chunk boundary"),
    (lambda texts: first_merge(texts)[::-1], "wrong order"),
    (lambda texts: ("q", "z"), "the space that starts every word"),
    (lambda texts: "lo", "tuple of two strings"),
    (_stub, "NotImplementedError"),
])
def test_bpe_first_merge_wrong(capsys, fn, message, said_words):
    assert course.check_bpe_first_merge(fn) is False
    said_words(message)
