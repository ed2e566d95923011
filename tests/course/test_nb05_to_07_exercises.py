"""Exercise checks of notebooks 05-07: each accepts a right function and explains a wrong one."""
from collections import Counter

import pytest
import torch

from metamap_edu.course import exercises as ex
from metamap_edu.models.tokenizers import pretokenize


def _said(capsys, text):
    """``text`` was printed (feedback is wrapped at word boundaries, so compare words, not line breaks)."""
    out = capsys.readouterr().out
    assert " ".join(text.split()) in " ".join(out.split()), out
    return out


def _stub(*args):
    raise NotImplementedError


# ---- notebook 05 -----------------------------------------------------------------------------
def maml_gradient(w, Xs, ys, Xq, yq, alpha):
    n_s, n_q = Xs.shape[0], Xq.shape[0]
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / n_s
    grad_q = 2 * Xq.T @ (Xq @ phi - yq) / n_q
    return (torch.eye(len(w), dtype=w.dtype) - alpha * 2 * Xs.T @ Xs / n_s) @ grad_q


def test_maml_gradient_right(capsys):
    assert ex.check_maml_gradient(maml_gradient) is True
    _said(capsys, "Correct!")


def _first_order(w, Xs, ys, Xq, yq, alpha):
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / Xs.shape[0]
    return 2 * Xq.T @ (Xq @ phi - yq) / Xq.shape[0]


def _support_size_for_query(w, Xs, ys, Xq, yq, alpha):
    n = Xs.shape[0]
    phi = w - alpha * 2 * Xs.T @ (Xs @ w - ys) / n
    return (torch.eye(len(w), dtype=w.dtype) - alpha * 2 * Xs.T @ Xs / n) @ (2 * Xq.T @ (Xq @ phi - yq) / n)


@pytest.mark.parametrize("fn, message", [
    (_first_order, "first-order (FOMAML)"),
    (_support_size_for_query, "divided by the support size"),
    (lambda w, *rest: 2 * maml_gradient(w, *rest), "differs from metamap_edu.learn.MAML"),
    (lambda w, *rest: maml_gradient(w, *rest)[:1], "expected"),
    (lambda *args: "gradient", "not a vector"),
    (_stub, "NotImplementedError"),
])
def test_maml_gradient_wrong(capsys, fn, message):
    assert ex.check_maml_gradient(fn) is False
    _said(capsys, message)


def test_maml_reference_is_the_formula():
    g = torch.Generator().manual_seed(0)
    Xs, Xq = torch.randn(5, 3, generator=g, dtype=torch.float64), torch.randn(7, 3, generator=g, dtype=torch.float64)
    ys, yq = torch.randn(5, generator=g, dtype=torch.float64), torch.randn(7, generator=g, dtype=torch.float64)
    w = torch.randn(3, generator=g, dtype=torch.float64)
    second, first = ex._library_maml_gradients(w, {"x": Xs, "y": ys}, {"x": Xq, "y": yq}, 0.2)
    assert torch.allclose(second, maml_gradient(w, Xs, ys, Xq, yq, 0.2), atol=1e-12)
    assert torch.allclose(first, _first_order(w, Xs, ys, Xq, yq, 0.2), atol=1e-12)


def _exact_eff(beta, k):
    return sum((1 - beta) ** (k - j + 1) for j in range(1, k + 1)) / k


def test_pull_epsilons_right(capsys):
    assert ex.check_pull_epsilons(lambda beta: 1 - beta, _exact_eff) is True
    _said(capsys, "ε_eff = 0.9466")


@pytest.mark.parametrize("once, every, message", [
    (lambda beta: beta, _exact_eff, "β itself"),
    (lambda beta: 0.5, _exact_eff, "one pull after the task keeps"),
    (lambda beta: 1 - beta, lambda beta, k: 1 - beta * (k + 1) / 2, "first-order approximation"),
    (lambda beta: 1 - beta, lambda beta, k: 1 - beta, "once-per-task answer"),
    (lambda beta: 1 - beta, lambda beta, k: (1 - beta) ** k, "shrinks every step k times"),
    (lambda beta: 1 - beta, lambda beta, k: 0.5, "ArticlePull measures"),
    (lambda beta: ..., _exact_eff, "still empty"),
    (_stub, _exact_eff, "NotImplementedError"),
    (lambda beta: 1 - beta, _stub, "NotImplementedError"),
])
def test_pull_epsilons_wrong(capsys, once, every, message):
    assert ex.check_pull_epsilons(once, every) is False
    _said(capsys, message)


@pytest.mark.parametrize("beta, k", [(0.01, 10), (0.05, 20), (0.3, 3), (0.5, 1)])
def test_pull_reference_is_the_discounted_sum(beta, k):
    assert ex._library_pull_fraction(beta, k, every_step=True) == pytest.approx(_exact_eff(beta, k), rel=1e-12)
    assert ex._library_pull_fraction(beta, k, every_step=False) == pytest.approx(1 - beta, rel=1e-12)


def test_checks_leave_the_global_seed_alone():
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    ex.check_pull_epsilons(lambda beta: 1 - beta, _exact_eff)
    ex.check_maml_gradient(maml_gradient)
    assert torch.equal(torch.rand(2), expected)


# ---- notebook 06 -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_model():
    from metamap_edu.tasks import language
    from metamap_edu.learn.pretraining import new_pretraining_model
    from metamap_edu.models.transformer import TransformerConfig

    corpus = language.corpus(300, seed=0)
    model = new_pretraining_model(corpus, config=TransformerConfig(context=40, width=32, depth=1, heads=2),
                                  vocab_size=700, seed=0)
    return model, corpus[:10]


def n_predictions(n_tokens, objective, n_masked=0):
    return n_tokens + 1 if objective == "causal" else n_masked + 1


def test_prediction_count_right(capsys, small_model):
    model, sentences = small_model
    assert ex.check_prediction_count(n_predictions, model, sentences) is True
    _said(capsys, "causal LM predicts")


@pytest.mark.parametrize("fn, message", [
    (lambda n, objective, n_masked=0: n if objective == "causal" else n_masked + 1, "One short"),
    (lambda n, objective, n_masked=0: n + 1, "visible tokens are in the prompt"),
    (lambda n, objective, n_masked=0: n_masked if objective == "masked" else n + 1, "One short"),
    (lambda n, objective, n_masked=0: 2 * n, "count what is not −100"),
    (lambda n, objective, n_masked=0: "n + 1", "single number"),
    (_stub, "NotImplementedError"),
])
def test_prediction_count_wrong(capsys, small_model, fn, message):
    model, sentences = small_model
    assert ex.check_prediction_count(fn, model, sentences) is False
    _said(capsys, message)


def test_prediction_count_refuses_bad_references(small_model):
    model, sentences = small_model
    with pytest.raises(TypeError, match="model"):
        ex.check_prediction_count(n_predictions, "model", sentences)
    with pytest.raises(TypeError, match="sentences"):
        ex.check_prediction_count(n_predictions, model, "one sentence")
    with pytest.raises(ValueError, match="at most"):
        ex.check_prediction_count(n_predictions, model, ["word " * 200])


def first_merge(texts):
    counts = Counter()
    for text in texts:
        for chunk in pretokenize(text):
            counts.update(zip(chunk, chunk[1:]))
    return min(counts, key=lambda pair: (-counts[pair], pair))


def test_bpe_first_merge_right(capsys):
    assert ex.check_bpe_first_merge(first_merge) is True
    _said(capsys, "you match train_bpe")
    assert ex.check_bpe_first_merge(lambda texts: list(first_merge(texts))) is True  # a list is fine


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
def test_bpe_first_merge_wrong(capsys, fn, message):
    assert ex.check_bpe_first_merge(fn) is False
    _said(capsys, message)


# ---- notebook 07 -----------------------------------------------------------------------------
def seed_differences(table, row, kind):
    return [a - b for a, b in zip(table["full"][kind], table[row][kind])]


def test_seed_differences_right(capsys):
    assert ex.check_seed_differences(seed_differences) is True
    _said(capsys, "pairing removes what the seeds share")
    # a tuple or a tensor of differences is fine too
    assert ex.check_seed_differences(lambda t, r, k: tuple(seed_differences(t, r, k))) is True
    assert ex.check_seed_differences(lambda t, r, k: torch.tensor(seed_differences(t, r, k), dtype=torch.float64)) is True


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
def test_seed_differences_wrong(capsys, fn, message):
    assert ex.check_seed_differences(fn) is False
    _said(capsys, message)


# ---- notebook 05b ----------------------------------------------------------------------------
def prototype_predict(zs, ys, zq):
    classes = sorted(set(ys))
    protos = torch.stack([zs[[i for i, y in enumerate(ys) if y == c]].mean(0) for c in classes])
    return [classes[i] for i in torch.cdist(zq, protos).argmin(1).tolist()]


def _prototype_sums(zs, ys, zq):
    classes = sorted(set(ys))
    protos = torch.stack([zs[[i for i, y in enumerate(ys) if y == c]].sum(0) for c in classes])
    return [classes[i] for i in torch.cdist(zq, protos).argmin(1).tolist()]


def _farthest(zs, ys, zq):
    classes = sorted(set(ys))
    protos = torch.stack([zs[[i for i, y in enumerate(ys) if y == c]].mean(0) for c in classes])
    return [classes[i] for i in torch.cdist(zq, protos).argmax(1).tolist()]


def _indices(zs, ys, zq):
    classes = sorted(set(ys))
    protos = torch.stack([zs[[i for i, y in enumerate(ys) if y == c]].mean(0) for c in classes])
    return torch.cdist(zq, protos).argmin(1).tolist()


def test_prototype_predict_right(capsys):
    assert ex.check_prototype_predict(prototype_predict) is True
    _said(capsys, "Correct!")


@pytest.mark.parametrize("fn, said", [
    (_prototype_sums, "your prototypes are sums, not means"),
    (_farthest, "you picked the farthest prototype"),
    (_indices, "you returned class indices"),
    (_stub, "Not attempted yet"),
])
def test_prototype_predict_explains_a_wrong_answer(capsys, fn, said):
    assert ex.check_prototype_predict(fn) is False
    _said(capsys, said)
