"""Exercise checks of notebooks/07_the_whole_pipeline (course.nb07):
each accepts the right answer and explains a wrong one."""
import pytest
import torch

from metamap_edu import course


def _stub(*args):
    raise NotImplementedError


# ---- notebook 07 -----------------------------------------------------------------------------
def seed_differences(table, row, kind):
    return [a - b for a, b in zip(table["full"][kind], table[row][kind])]


def test_seed_differences_right(capsys, said_words):
    assert course.check_seed_differences(seed_differences) is True
    said_words("pairing removes what the seeds share")
    # a tuple or a tensor of differences is fine too
    assert course.check_seed_differences(lambda t, r, k: tuple(seed_differences(t, r, k))) is True
    assert course.check_seed_differences(lambda t, r, k: torch.tensor(seed_differences(t, r, k), dtype=torch.float64)) is True


def test_seed_differences_agree_with_the_noise_rule_on_a_real_ablation_layout():
    from metamap_edu.noise import paired_difference

    table = {"full": {"topic": [0.9, 0.5, 0.7]}, "no pull": {"topic": [0.8, 0.45, 0.6]}}
    d = seed_differences(table, "no pull", "topic")
    assert paired_difference(table["full"]["topic"], table["no pull"]["topic"]).mean == pytest.approx(sum(d) / 3)


@pytest.mark.parametrize("fn, message", [
    (lambda t, r, k: [b - a for a, b in zip(t["full"][k], t[r][k])], "every sign is reversed"),
    (lambda t, r, k: sum(seed_differences(t, r, k)) / len(t["full"][k]), "the mean difference"),
    (lambda t, r, k: [a - b for a, b in zip(sorted(t["full"][k]), sorted(t[r][k]))], "pairs different seeds"),
    (lambda t, r, k: seed_differences(t, r, k)[:-1], "numbers for"),
    (lambda t, r, k: [a - b for a, b in zip(t["full"][k], t["no pull"][k])], "expected"),
    (lambda t, r, k: "full minus row", "return a list of numbers"),
    (_stub, "Not attempted yet"),
])
def test_seed_differences_wrong(capsys, fn, message, said_words):
    assert course.check_seed_differences(fn) is False
    said_words(message)
