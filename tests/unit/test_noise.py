"""The course's one noise rule (metamap_edu.noise): paired 95% t-interval, verdicts."""
import math

import numpy as np
import pytest

from metamap_edu import noise


def test_t_quantile_matches_tables_and_tends_to_normal():
    assert noise.t_quantile_975(1) == pytest.approx(12.706, abs=1e-3)
    assert noise.t_quantile_975(2) == pytest.approx(4.303, abs=1e-3)
    # the expansion used past the table continues it smoothly (t_{0.975,40} = 2.021, 120 -> 1.980)
    assert noise.t_quantile_975(40) == pytest.approx(2.021, abs=2e-3)
    assert noise.t_quantile_975(120) == pytest.approx(1.980, abs=1e-3)
    assert noise.t_quantile_975(31) < noise.t_quantile_975(30)
    assert noise.t_quantile_975(10**6) == pytest.approx(1.95996, abs=1e-4)


def test_interval_is_mean_plus_minus_t_times_standard_error():
    a, b = [0.9, 0.8, 0.85, 0.95], [0.5, 0.6, 0.55, 0.5]
    d = np.subtract(a, b)
    half = noise.t_quantile_975(3) * d.std(ddof=1) / math.sqrt(4)
    r = noise.paired_difference(a, b)
    assert r.mean == pytest.approx(d.mean())
    assert (r.low, r.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert r.verdict == noise.HELPS and r.excludes_zero
    assert noise.paired_difference(b, a).verdict == noise.HURTS


def test_pairing_finds_a_consistent_small_effect_that_unpaired_spread_hides():
    base = np.array([0.2, 0.9, 0.5, 0.7, 0.3])      # seeds differ a lot
    better = base + np.array([0.02, 0.03, 0.02, 0.025, 0.03])
    assert noise.paired_difference(better, base).verdict == noise.HELPS
    unpaired = noise.mean_interval(better)            # either score alone is far noisier
    assert unpaired.high - unpaired.low > 20 * (noise.paired_difference(better, base).high
                                                 - noise.paired_difference(better, base).low)


def test_noisy_difference_is_no_measurable_difference():
    r = noise.paired_difference([0.5, 0.7, 0.4], [0.6, 0.5, 0.45])
    assert r.low < 0 < r.high and r.verdict == noise.NO_DIFFERENCE
    assert r.format(2).startswith("+0.02 [")


@pytest.mark.parametrize("a, b, exc, words", [
    ([1.0], [0.0], ValueError, "at least 2 pairs"),
    ([1.0, 2.0], [0.0], ValueError, "same length"),
    ([1.0, float("nan")], [0.0, 0.0], ValueError, "a[1]"),
    ("ab", [0.0, 1.0], TypeError, "sequence of numbers"),
    ([], [], ValueError, "at least one number"),
])
def test_bad_input_is_named(a, b, exc, words):
    with pytest.raises(exc, match=None) as info:
        noise.paired_difference(a, b)
    assert words in str(info.value)


def test_t_quantile_rejects_bad_df():
    with pytest.raises(ValueError, match="df must be an int >= 1"):
        noise.t_quantile_975(0)


def test_format_never_shows_minus_zero():
    r = noise.PairedDifference(mean=-0.001, low=-0.004, high=0.002, n=3)
    assert r.format(2) == "+0.00 [+0.00, +0.00]"
    assert noise.PairedDifference(mean=0.25, low=-0.5, high=1.0, n=3).format(1) == "+0.2 [-0.5, +1.0]"
