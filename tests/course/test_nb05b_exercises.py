"""Exercise checks of notebooks/05b_few_shot_text (course.nb05b):
each accepts the right answer and explains a wrong one."""
import pytest
import torch

from metamap_edu import course


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


def test_prototype_predict_right(capsys, said_words):
    assert course.check_prototype_predict(prototype_predict) is True
    said_words("Correct!")


@pytest.mark.parametrize("fn, said", [
    (_prototype_sums, "your prototypes are sums, not means"),
    (_farthest, "you picked the farthest prototype"),
    (_indices, "you returned class indices"),
    (_stub, "Not attempted yet"),
])
def test_prototype_predict_explains_a_wrong_answer(capsys, fn, said, said_words):
    assert course.check_prototype_predict(fn) is False
    said_words(said)
