"""The public face is what the notebooks use.

A notebook imports ``metamap_edu`` (as ``mm``), its subpackages (``from metamap_edu import tasks,
course``) and names from a subpackage's ``__all__`` (``from metamap_edu.learn import fit``), and
every attribute it reads from them is exported. It never reaches into a module
(``metamap_edu.learn.fit``) or a private name. The test parses each source in ``notebooks/src/``.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import metamap_edu

SOURCES = sorted((Path(__file__).resolve().parents[2] / "notebooks" / "src").glob("[0-9][0-9]*_*.py"))
SUBPACKAGES = ("tasks", "models", "learn", "real", "experiments", "course", "tools")


def _exports(name: str) -> set[str]:
    module = metamap_edu if name == "" else importlib.import_module(f"metamap_edu.{name}")
    return set(module.__all__)


def face_problems(source: str) -> list[str]:
    """Every use of the package in ``source`` that is not part of the public face."""
    tree = ast.parse(source)
    problems: list[str] = []
    bound: dict[str, str] = {}  # local name -> "" (metamap_edu) or subpackage name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "metamap_edu":
                    bound[a.asname or a.name] = ""
                elif a.name.startswith("metamap_edu."):
                    problems.append(f"line {node.lineno}: import {a.name} (import a subpackage from metamap_edu instead)")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "metamap_edu":
            parts = node.module.split(".")[1:]
            if len(parts) > 1 or (parts and parts[0] not in SUBPACKAGES):
                problems.append(f"line {node.lineno}: from {node.module} import ... reaches into a module")
                continue
            where = parts[0] if parts else ""
            for a in node.names:
                if where == "" and a.name in SUBPACKAGES:
                    bound[a.asname or a.name] = a.name
                elif a.name not in _exports(where):
                    problems.append(f"line {node.lineno}: {a.name} is not in metamap_edu{'.' + where if where else ''}.__all__")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
            where = bound[node.value.id]
            if where == "" and node.attr in SUBPACKAGES:
                continue
            if node.attr not in _exports(where):
                problems.append(f"line {node.lineno}: {node.value.id}.{node.attr} is not exported")
    return problems


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_notebooks_use_only_the_public_face(path):
    problems = face_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_check_catches_a_module_reach_and_a_private_name():
    """Positive control: the three ways past the face are each reported."""
    source = ("import metamap_edu as mm\nfrom metamap_edu import learn\nfrom metamap_edu.learn.fit import fit\n"
              "learn._private_helper\nmm.no_such_name\n")
    problems = face_problems(source)
    assert len(problems) == 3, problems
    assert "reaches into a module" in problems[0] or "reaches into a module" in " ".join(problems)


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_each_subpackage_exports_its_modules_names_once(name):
    package = importlib.import_module(f"metamap_edu.{name}")
    exported = list(package.__all__)
    assert len(exported) == len(set(exported)), sorted({n for n in exported if exported.count(n) > 1})
    for n in exported:
        assert hasattr(package, n), f"metamap_edu.{name}.__all__ names {n!r}, which it does not define"
        assert not n.startswith("_"), n


def test_the_top_level_face_resolves_every_name_and_subpackage():
    for n in metamap_edu.__all__:
        assert getattr(metamap_edu, n) is not None, n
    for n in SUBPACKAGES:
        assert getattr(metamap_edu, n).__name__ == f"metamap_edu.{n}"
