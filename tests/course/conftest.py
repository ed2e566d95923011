"""Shared by the exercise-check tests (tests/course/test_nb*_exercises.py): what a check printed."""
import pytest


@pytest.fixture
def said(capsys):
    """``said(text)``: ``text`` was printed since the last read; returns all that was printed."""
    def said(text):
        out = capsys.readouterr().out
        assert text in out, out
        return out
    return said


@pytest.fixture
def said_words(capsys):
    """``said_words(text)``: ``text`` was printed (feedback is wrapped at word boundaries, so
    compare words, not line breaks); returns all that was printed."""
    def said_words(text):
        out = capsys.readouterr().out
        assert " ".join(text.split()) in " ".join(out.split()), out
        return out
    return said_words
