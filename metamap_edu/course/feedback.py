"""The feedback protocol of every exercise check: "Correct!", "Not yet" with a hint, or "Not attempted yet".

Every ``check_...`` function of the notebook modules (``nb00`` ... ``nb09``) prints what it found and
returns ``True`` when the answer is right. A wrong answer prints what is wrong and a hint, and returns
``False``; it never raises, so a notebook keeps running while a learner is still working. (A bad
*reference* argument -- one the notebook supplies, not the learner -- still raises
``ValueError``/``TypeError``.)

An untouched exercise is not a wrong one. The notebooks a learner opens hold stubs (see
:mod:`metamap_edu.tools.student`): an answer ``name = ...`` or a function whose body raises
``NotImplementedError``. Every public ``check_...`` function of a module that calls
:func:`_guard_checks` (each ``nbNN`` module does, on its last line), reached as ``course.check_...``,
first looks for such a stub: when an argument is ``...`` or the learner's function raises
``NotImplementedError``, it prints "Not attempted yet" and returns ``False``, with no traceback.
A new check gets that guard without writing anything.

:func:`must_pass` turns a check's ``False`` into an ``AssertionError`` for the graded notebooks.
Used by every notebook with exercises, from ``notebooks/00_start_here`` on.
"""
from __future__ import annotations

import functools
import math
import sys
import textwrap
from collections.abc import Callable

__all__ = ["NOT_ATTEMPTED", "must_pass"]


#: printed feedback is wrapped at word boundaries to this width, so a notebook's output area never
#: breaks a line in the middle of a word
WIDTH = 100


def _say(text: str) -> None:
    for line in text.splitlines() or [""]:
        print(textwrap.fill(line, WIDTH, subsequent_indent="  ", break_long_words=False,
                            break_on_hyphens=False) if len(line) > WIDTH else line)


#: the first words a check prints for a stub nobody has filled in yet
NOT_ATTEMPTED = "Not attempted yet"


def _not_attempted(what: str = "the answer above", raises: bool = False) -> bool:
    state = "still raises NotImplementedError" if raises else "is still empty (...)"
    _say(f"{NOT_ATTEMPTED}: {what} {state}; write it, then run this cell again.")
    return False


def _passed(message: str) -> bool:
    _say(f"Correct! {message}")
    return True


def _failed(message: str, hint: str | None = None) -> bool:
    _say(f"Not yet: {message}")
    if hint:
        _say(f"Hint: {hint}")
    return False


def _close(a: float, b: float, rel: float = 1e-3, abs_: float = 1e-3) -> bool:
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def _as_number(name: str, answer):
    """``answer`` as a float, or ``None`` after printing why it is not a number."""
    if answer is Ellipsis:
        _not_attempted(name)
        return None
    if answer is None:
        _failed(f"{name} is still empty (None).", "replace the None with your answer.")
        return None
    if hasattr(answer, "item") and getattr(answer, "ndim", 0) == 0:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        _failed(f"{name} must be a single number; got a {type(answer).__name__}.")
        return None
    if not math.isfinite(answer):
        _failed(f"{name} is {answer}, not a finite number.")
        return None
    return float(answer)


def _call_learner(fn: Callable, *args):
    """Call the learner's function; return ``(ok, result)`` after printing feedback on a crash."""
    if not callable(fn):
        return False, _failed(f"expected a function, got a {type(fn).__name__}.",
                              "pass the function itself (no parentheses after its name).")
    try:
        return True, fn(*args)
    except NotImplementedError:
        return False, _not_attempted(getattr(fn, "__name__", "your function"), raises=True)
    except Exception as err:  # a learner's bug: report it, keep the notebook alive
        return False, _failed(f"calling your function raised {type(err).__name__}: {err}")


def must_pass(result) -> bool:
    """``True`` when a check returned ``True``; otherwise raise ``AssertionError`` (graded test cells).

    The graded versions of the notebooks (``metamap-edu nbgrader``) wrap each ``check_...`` call in
    it, because nbgrader scores a test cell by whether it raises.
    """
    if not isinstance(result, bool):
        raise TypeError(f"result must be what a check_... function returns, True or False; "
                        f"got {result!r:.80} of type {type(result).__name__}")
    if not result:
        raise AssertionError("this exercise's check did not pass; its feedback above says why")
    return True


def _guard(check: Callable) -> Callable:
    """``check`` that answers "Not attempted yet" for an untouched stub instead of judging it."""

    @functools.wraps(check)
    def guarded(*args, **kwargs):
        if any(value is Ellipsis for value in (*args, *kwargs.values())):
            return _not_attempted()
        try:
            return check(*args, **kwargs)
        except NotImplementedError:
            return _not_attempted("your function", raises=True)

    return guarded


class _ChecksModule(type(math)):
    """A module whose public ``check_...`` functions come wrapped by :func:`_guard`."""

    def __getattribute__(self, name: str):
        value = super().__getattribute__(name)
        if name.startswith("check_") and callable(value):
            if value not in _GUARDED:
                _GUARDED[value] = _guard(value)
            return _GUARDED[value]
        return value


#: check function -> its guarded version (one per function, so ``course.check_x is course.check_x``)
_GUARDED: dict = {}


def _guard_checks(module_name: str) -> None:
    """Make the module ``module_name`` hand out its ``check_...`` functions guarded (its last line)."""
    sys.modules[module_name].__class__ = _ChecksModule
