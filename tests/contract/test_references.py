"""Every dotted name ``metamap_edu.x.y`` that the package's docstrings, the notebook sources, the
benchmarks, the README and the docs mention resolves to a module or an attribute: a reader who
follows a reference finds the thing, even after a module is split or a name moves."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.joinpath("metamap_edu").rglob("*.py"), *ROOT.joinpath("notebooks", "src").glob("*.py"),
                *ROOT.joinpath("bench").glob("*.py"), *ROOT.joinpath("docs").glob("*.md"), ROOT / "README.md"])
FILE_ENDINGS = {"json", "py", "ipynb", "md", "yaml", "toml", "cfg", "txt"}
REFERENCE = re.compile(r"(?<![\w/])metamap_edu(?:\.[A-Za-z_]\w*)+")


def unresolved(text: str) -> list[str]:
    """The references in ``text`` that name no module and no attribute."""
    bad = []
    for ref in sorted(set(REFERENCE.findall(text))):
        parts = ref.split(".")
        if parts[-1] in FILE_ENDINGS:  # a file name such as metamap_edu.json, not a dotted name
            continue
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            try:
                for name in parts[i:]:
                    obj = getattr(obj, name)
            except AttributeError:
                bad.append(ref)
            break
    return bad


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_reference_resolves(path):
    bad = unresolved(path.read_text(encoding="utf-8"))
    assert not bad, f"{path.relative_to(ROOT)} names what does not exist: {bad}"


def test_the_check_catches_a_moved_name():
    """Positive control: a module that does not exist and an attribute that does not exist."""
    assert unresolved("see metamap_edu.learn.train.fit and metamap_edu.learn.no_such_thing, "
                      "and metamap_edu.learn.fit") == ["metamap_edu.learn.no_such_thing", "metamap_edu.learn.train.fit"]
