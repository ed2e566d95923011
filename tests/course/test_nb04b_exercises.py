"""Exercise checks of notebooks/04b_the_articles_pull_repaired (course.nb04b):
each accepts the right answer and explains a wrong one."""
import pytest

from metamap_edu import course


# ---- notebook 04 -----------------------------------------------------------------------------
def test_lambda_mapping_number_and_function(capsys, said):
    assert course.check_lambda_mapping(0.01 / (2 * 0.01 * 0.99), alpha=0.01, beta=0.01) is True
    assert course.check_lambda_mapping(lambda beta, alpha: beta / (2 * alpha * (1 - beta))) is True
    assert course.check_lambda_mapping(lambda beta, alpha: beta / (alpha * (1 - beta))) is False
    said("factor 2")
    assert course.check_lambda_mapping(lambda beta, alpha: beta / (2 * alpha)) is False
    said("(1 - beta) is missing")
    assert course.check_lambda_mapping(0.5, alpha=0.01, beta=0.01) is False
    said("(1 - beta) is missing")
    assert course.check_lambda_mapping(7.0) is False
    said("not the mapping")
    with pytest.raises(ValueError, match="beta"):
        course.check_lambda_mapping(1.0, beta=1.0)


def test_effective_lr(capsys, said):
    assert course.check_effective_lr(0.01 * 0.99) is True
    assert course.check_effective_lr(0.01) is False
    said("original rate")
    assert course.check_effective_lr(0.0001) is False
    said("(1 - beta) of the move")


def test_lambda_mapping_agrees_with_the_library():
    from metamap_edu.learn import pull_as_l2

    lam, lr = pull_as_l2(0.2, 0.05)
    assert course.check_lambda_mapping(lam, alpha=0.05, beta=0.2) is True
    assert course.check_effective_lr(lr, alpha=0.05, beta=0.2) is True
