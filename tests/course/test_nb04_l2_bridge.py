"""The claims notebooks 03, 04 and 04b make about formula 2, asserted on the function the notebooks call.

``metamap_edu.experiments.run_sentiment_stream`` trains a bag-of-words classifier over the generated
sentiment domains (defaults: ``STREAM_DEFAULTS``) and returns the accuracy matrix and its metrics.
"""
import numpy as np
import pytest

from metamap_edu.experiments import run_sentiment_stream

SEEDS = (0, 1, 2)
MODERATE_LAM = 3e-4  # moderate for this model: see run_sentiment_stream's note on the scale of λ
HUGE_LAM = 1e-2


@pytest.fixture(scope="module")
def plain():
    return {s: run_sentiment_stream(None, seed=s).metrics() for s in SEEDS}


def test_stream_forgets_without_regularizer(plain):
    assert np.mean([m["bwt"] for m in plain.values()]) < -0.015
    assert all(m["last"] > 0.7 for m in plain.values())  # each new task is learned


def test_moderate_l2_reduces_forgetting(plain):
    l2 = {s: run_sentiment_stream("l2", MODERATE_LAM, seed=s).metrics() for s in SEEDS}
    for s in SEEDS:  # on every seed, not only on average
        assert l2[s]["bwt"] > plain[s]["bwt"]
    assert np.mean([l2[s]["bwt"] - plain[s]["bwt"] for s in SEEDS]) > 0.02


def test_huge_l2_loses_plasticity(plain):
    for s in SEEDS[:2]:
        huge = run_sentiment_stream("l2", HUGE_LAM, seed=s).metrics()
        assert huge["last"] < plain[s]["last"] - 0.15


def test_article_pull_at_article_settings_is_within_noise():
    """The article's settings: plain SGD, lr = 0.01, pull β = 0.01 after every step."""
    article = dict(optimizer="sgd", lr=0.01)
    for s in SEEDS[:2]:
        none = run_sentiment_stream(None, seed=s, **article)
        pull = run_sentiment_stream("pull", 0.01, seed=s, **article)
        # noise: one accuracy on 100 test sentences has a standard error of about 0.05
        assert np.abs(pull.R - none.R).max() <= 0.1
        assert abs(pull.acc - none.acc) <= 0.03 and abs(pull.bwt - none.bwt) <= 0.03
