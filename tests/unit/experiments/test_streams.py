"""streams: the sentiment stream of notebooks 03-04 is deterministic, and formula 2 trades plasticity for stability."""
import numpy as np
import pytest

from metamap_edu.experiments import STREAM_DEFAULTS, STREAM_DOMAINS, run_sentiment_stream, stability_plasticity
from metamap_edu.learn import L2ToPrevious

SMALL = dict(n_per_task=80, steps_per_task=20)


def test_the_stream_is_deterministic_and_fills_the_accuracy_matrix():
    a = run_sentiment_stream(seed=1, **SMALL)
    b = run_sentiment_stream(seed=1, **SMALL)
    T = len(STREAM_DOMAINS)
    assert a.R.shape == (T + 1, T) and a.task_names == b.task_names
    assert np.array_equal(a.R, b.R)
    assert a.regularizer == "none" and STREAM_DEFAULTS["optimizer"] == "adam"


def test_a_huge_l2_strength_freezes_the_model_after_the_first_task():
    free = run_sentiment_stream(seed=0, **SMALL)
    frozen = run_sentiment_stream("l2", 10.0, seed=0, **SMALL)
    assert frozen.regularizer == repr(L2ToPrevious(10.0))
    moved = lambda r: [float((r.params[t + 1] - r.params[t]).norm()) for t in range(1, len(r.params) - 1)]  # noqa: E731
    assert max(moved(frozen)) < 0.2 * min(moved(free))  # later tasks barely move θ


def test_stability_plasticity_returns_one_value_per_strength_and_seed():
    out = stability_plasticity([0.0, 1e-3], "l2", seeds=(0, 1), **SMALL)
    assert list(out["values"]) == [0.0, 1e-3]
    for name in ("acc", "bwt", "fwt", "forgetting", "last"):
        assert out[name].shape == (2,) and out[name + "_per_seed"].shape == (2, 2)
        assert np.allclose(out[name], out[name + "_per_seed"].mean(axis=0))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="strength"):
        run_sentiment_stream("l2", None, **SMALL)
    with pytest.raises(ValueError, match="regularizer"):
        run_sentiment_stream("dropout", 1.0, **SMALL)
    with pytest.raises(ValueError, match="values"):
        stability_plasticity([], "l2")
