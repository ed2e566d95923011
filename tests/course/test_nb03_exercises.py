"""Exercise checks of notebooks/03_a_stream_of_tasks (course.nb03):
each accepts the right answer and explains a wrong one."""
import numpy as np
import pytest

from metamap_edu import course


# ---- notebook 03 -----------------------------------------------------------------------------
R = np.array([[0.50, 0.48, 0.52],
              [0.90, 0.60, 0.40],
              [0.70, 0.95, 0.55],
              [0.60, 0.70, 0.90]])


ACC = (0.60 + 0.70 + 0.90) / 3


BWT = ((0.60 - 0.90) + (0.70 - 0.95)) / 2


FWT = ((0.60 - 0.48) + (0.55 - 0.52)) / 2


def test_acc(capsys, said):
    assert course.check_acc(ACC, R) is True
    assert course.check_acc(round(ACC, 3), R[1:]) is True
    assert course.check_acc((0.9 + 0.95 + 0.9) / 3, R) is False
    said("diagonal")


def test_bwt(capsys, said):
    assert course.check_bwt(BWT, R) is True
    assert course.check_bwt(np.float64(BWT), R) is True
    assert course.check_bwt(-BWT, R) is False
    said("sign is flipped")
    assert course.check_bwt(BWT * 2 / 3, R) is False
    said("divided by T")
    assert course.check_bwt(0.3, R) is False
    said("is not BWT")


def test_fwt(capsys, said):
    assert course.check_fwt(FWT, R) is True
    assert course.check_fwt(-FWT, R) is False
    said("sign is flipped")
    assert course.check_fwt(((0.95 - 0.48) + (0.90 - 0.52)) / 2, R) is False
    said("diagonal")
    with pytest.raises(ValueError, match="before-training row"):
        course.check_fwt(FWT, R[1:])


def test_bad_reference_matrix_raises():
    with pytest.raises(ValueError, match="accuracy matrix"):
        course.check_bwt(0.0, np.ones((2, 5)))


def test_metric_checks_agree_with_the_library():
    from metamap_edu.learn import average_accuracy, backward_transfer, forward_transfer

    assert course.check_acc(average_accuracy(R), R) is True
    assert course.check_bwt(backward_transfer(R), R) is True
    assert course.check_fwt(forward_transfer(R), R) is True
