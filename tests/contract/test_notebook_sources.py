"""Every notebook source in ``notebooks/src`` is valid Python, so editors, linters and
``python -m py_compile`` can read it: markdown lines carry their ``# `` and code cells parse."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[2] / "notebooks" / "src").glob("*.py"))


def test_there_are_notebook_sources():
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_source_is_valid_python(path):
    source = path.read_text(encoding="utf-8")
    try:
        ast.parse(source, filename=path.name)
    except SyntaxError as err:  # name the line a reader must fix
        pytest.fail(f"{path.name}, line {err.lineno}: not valid Python ({err.msg}): {err.text!r}")
