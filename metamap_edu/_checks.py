"""Argument validation shared by the whole package.

Every public function checks its arguments with these helpers so that a learner who passes a bad
value sees one clear sentence -- the argument's name, the value received and what is allowed --
instead of a traceback from deep inside torch (scikit-learn's habit, see ``STYLE.md``).
"""
from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "check_int",
    "check_float",
    "check_choice",
    "check_type",
    "check_seed",
    "check_nonempty",
    "check_probability",
    "check_parameters",
    "check_sequence",
    "check_path",
]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_type(name: str, value: Any, types: type | tuple[type, ...], what: str | None = None) -> Any:
    """Raise ``TypeError`` unless ``isinstance(value, types)``."""
    if not isinstance(value, types):
        if what is None:
            names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
            what = f"a {names}"
        raise TypeError(f"{name} must be {what}; got {_show(value)} of type {type(value).__name__}")
    return value


def check_int(name: str, value: Any, *, min: int | None = None, max: int | None = None) -> int:
    """Return ``value`` as an int, or raise naming ``name``, the value and the allowed range.

    Booleans are refused: ``True`` is an int in Python but never a sensible count.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {_show(value)} of type {type(value).__name__}")
    value = int(value)
    if min is not None and value < min:
        allowed = f">= {min}" if max is None else f"between {min} and {max}"
        raise ValueError(f"{name} must be {allowed}; got {value}")
    if max is not None and value > max:
        allowed = f"<= {max}" if min is None else f"between {min} and {max}"
        raise ValueError(f"{name} must be {allowed}; got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    min: float | None = None,
    max: float | None = None,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite float inside the given interval, or raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {_show(value)} of type {type(value).__name__}")
    value = float(value)
    lo = "-inf" if min is None else f"{min:g}"
    hi = "inf" if max is None else f"{max:g}"
    interval = f"{'[' if min_inclusive and min is not None else '('}{lo}, {hi}{']' if max_inclusive and max is not None else ')'}"
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in {interval}; got {value}")
    if min is not None and (value < min or (not min_inclusive and value == min)):
        raise ValueError(f"{name} must be in {interval}; got {value:g}")
    if max is not None and (value > max or (not max_inclusive and value == max)):
        raise ValueError(f"{name} must be in {interval}; got {value:g}")
    return value


def check_probability(name: str, value: Any) -> float:
    """A float in [0, 1]."""
    return check_float(name, value, min=0.0, max=1.0)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``choices`` (listed in the message)."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {_show(value)}")
    return value


def check_seed(name: str, value: Any) -> int:
    """Seeds are plain non-negative ints so that runs are reproducible across processes."""
    return check_int(name, value, min=0, max=2**64 - 1)  # torch.manual_seed's range


def check_nonempty(name: str, value: Sequence[Any] | Any, what: str = "at least one item") -> Any:
    """Raise ``ValueError`` when a sequence is empty."""
    try:
        n = len(value)
    except TypeError:
        raise TypeError(f"{name} must be a sequence; got {_show(value)} of type {type(value).__name__}") from None
    if n == 0:
        raise ValueError(f"{name} must contain {what}; got an empty {type(value).__name__}")
    return value


# ---- notebook parameters ----
def check_parameters(**parameters: Any) -> dict[str, Any]:
    """Validate a notebook's papermill parameters; one clear error naming the first bad one.

    ``FAST`` must be ``True``/``False`` and ``SEED`` a whole number between 0 and 2**32 - 1.
    Any other parameter is passed as ``NAME=(value, low, high)``: an int in [low, high] when both
    bounds are ints (``None`` = unbounded), else a finite number in [low, high] -- write float
    bounds (``0.0``) for a float parameter. The upper bound keeps a learner's ``STEPS = 10**9``
    from running for hours: it is refused at once with "must be between ... and ...".
    Returns the values by name. Called by the cell right after every notebook's parameters::

        mm.check_parameters(FAST=FAST, SEED=SEED, ALPHA=(ALPHA, 1e-4, 10.0), STEPS=(STEPS, 1, 5000))
    """
    out: dict[str, Any] = {}
    for name, spec in parameters.items():
        if name == "FAST":
            out[name] = check_type(name, spec, bool, "True or False")
        elif name == "SEED":
            out[name] = check_int(name, spec, min=0, max=2**32 - 1)
        elif isinstance(spec, tuple) and len(spec) == 3:
            value, low, high = spec
            bounds = [b for b in (low, high) if b is not None]
            if bounds and all(isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in bounds):
                out[name] = check_int(name, value, min=low, max=high)
            else:
                out[name] = check_float(name, value, min=low, max=high)
        else:
            raise TypeError(f"check_parameters: give {name} as ({name}, low, high); got {_show(spec)}")
    return out


def check_sequence(name: str, value: Any, what: str = "a list") -> list:
    """Return ``list(value)`` for a list-like ``value``; a string, a mapping or a non-iterable raises
    ``TypeError`` naming ``name`` (a string is iterable, but never meant as a list of items)."""
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be {what}; got {_show(value)} of type {type(value).__name__}")
    return list(value)


def check_path(name: str, value: Any) -> Path:
    """Return ``value`` as a ``pathlib.Path``; anything but a str or an ``os.PathLike`` raises ``TypeError``."""

    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (a str or a pathlib.Path); got {_show(value)} of type {type(value).__name__}")
    return Path(value)
