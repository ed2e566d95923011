"""Exercise checks of notebooks/05b_few_shot_text (course.nb05b):
each accepts the right answer and explains a wrong one."""
import pytest
import torch

from metamap_edu import course


def _said(capsys, text):
    """``text`` was printed (feedback is wrapped at word boundaries, so compare words, not line breaks)."""
    out = capsys.readouterr().out
    assert " ".join(text.split()) in " ".join(out.split()), out
    return out


def _stub(*args):
    raise NotImplementedError


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
    assert course.check_prototype_predict(prototype_predict) is True
    _said(capsys, "Correct!")


@pytest.mark.parametrize("fn, said", [
    (_prototype_sums, "your prototypes are sums, not means"),
    (_farthest, "you picked the farthest prototype"),
    (_indices, "you returned class indices"),
    (_stub, "Not attempted yet"),
])
def test_prototype_predict_explains_a_wrong_answer(capsys, fn, said):
    assert course.check_prototype_predict(fn) is False
    _said(capsys, said)
