"""What every benchmark in ``bench/`` ends with: its figures as ``name: value`` lines, the last one
its headline, and all of them as JSON when ``--json PATH`` is given (README, "Benchmarks")."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from .._checks import check_type

__all__ = ["write_figures", "print_figures"]


def write_figures(figures: Mapping, path: str | None) -> None:
    """Write ``figures`` to ``path`` as indented JSON; do nothing when ``path`` is ``None``."""
    check_type("figures", figures, Mapping)
    if path is None:
        return
    check_type("path", path, (str, Path))
    Path(path).write_text(json.dumps(dict(figures), indent=2) + "\n", encoding="utf-8")


def print_figures(figures: Mapping, path: str | None = None) -> None:
    """Print one ``name: value`` line per figure (the last is the headline), then :func:`write_figures`."""
    check_type("figures", figures, Mapping)
    for name, value in figures.items():
        print(f"{name}: {value}")
    write_figures(figures, path)
