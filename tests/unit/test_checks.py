"""The shared validators: every message names the argument, the value and what is allowed."""
import math

import pytest
import torch

from metamap_edu import _checks as c
from metamap_edu.reproducibility import default_threads, set_seed, set_threads


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: c.check_int("steps", 2.5), TypeError, ["steps", "2.5", "int"]),
        (lambda: c.check_int("steps", True), TypeError, ["steps", "True"]),
        (lambda: c.check_int("steps", 0, min=1), ValueError, ["steps", ">= 1", "0"]),
        (lambda: c.check_int("k", 9, min=1, max=5), ValueError, ["k", "between 1 and 5", "9"]),
        (lambda: c.check_float("lr", -1.0, min=0.0, min_inclusive=False), ValueError, ["lr", "(0", "-1"]),
        (lambda: c.check_float("lr", math.nan, min=0.0), ValueError, ["lr", "finite", "nan"]),
        (lambda: c.check_float("lr", "fast"), TypeError, ["lr", "'fast'", "number"]),
        (lambda: c.check_float("beta", 1.0, min=0.0, max=1.0, max_inclusive=False), ValueError, ["beta", "[0, 1)", "1"]),
        (lambda: c.check_choice("kind", "poetry", ["a", "b"]), ValueError, ["kind", "'poetry'", "'a', 'b'"]),
        (lambda: c.check_nonempty("tasks", []), ValueError, ["tasks", "empty"]),
        (lambda: c.check_seed("seed", "1"), TypeError, ["seed", "'1'"]),
        (lambda: c.check_seed("seed", -3), ValueError, ["seed", "-3"]),
        (lambda: c.check_type("model", 3, torch.nn.Module), TypeError, ["model", "Module", "int"]),
    ],
)
def test_messages_name_argument_value_and_allowed(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_valid_values_pass_through():
    assert c.check_int("n", 3, min=1) == 3
    assert c.check_float("lr", 1, min=0.0) == 1.0
    assert c.check_choice("kind", "a", ["a"]) == "a"


def test_set_seed_makes_torch_repeatable():
    set_seed(7)
    a = torch.randn(3)
    set_seed(7)
    assert torch.equal(a, torch.randn(3))


def test_threads_follow_omp_num_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert default_threads() == 2
        monkeypatch.delenv("OMP_NUM_THREADS")
        assert default_threads() == 1
        assert set_threads(1) == 1 and torch.get_num_threads() == 1
        with pytest.raises(ValueError, match="n must be"):
            set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_progress_bars_follow_progress_flag_and_tqdm_disable(monkeypatch):
    from metamap_edu._progress import bars_disabled

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert bars_disabled(True) is False and bars_disabled(False) is True
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert bars_disabled(True) is True
