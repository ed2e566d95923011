"""Where the badges point (metamap_edu.tools.colab.REPOSITORY): pyproject.toml's Repository URL, read
from the installed package's metadata, with a fallback for installs that predate it."""
import importlib
import sys
from pathlib import Path

import pytest

from metamap_edu.tools import colab

REPO = Path(__file__).resolve().parents[3]


def _fake_install(where: Path, *urls: str) -> None:
    """A dist-info folder for metamap-edu whose metadata lists ``urls`` (``label, url``)."""
    info = where / "metamap_edu-9.9.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.1", "Name: metamap-edu", "Version: 9.9"]
    lines += [f"Project-URL: {url}" for url in urls]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_repository_comes_from_the_metadata(tmp_path, monkeypatch):
    _fake_install(tmp_path, "Homepage, https://example.org", "Repository, https://github.com/someone/course.git")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert colab.repository_from_metadata() == "someone/course"


def test_no_repository_url_or_no_install_gives_none(tmp_path, monkeypatch):
    _fake_install(tmp_path, "Homepage, https://example.org")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert colab.repository_from_metadata() is None
    assert colab.repository_from_metadata("no-such-distribution-metamap") is None


def test_a_repository_off_github_warns_and_falls_back(tmp_path, monkeypatch):
    _fake_install(tmp_path, "Repository, https://gitlab.com/someone/course")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(UserWarning, match="github.com/owner/name"):
        assert colab.repository_from_metadata() is None


def test_the_badges_and_install_cell_follow_the_metadata(tmp_path, monkeypatch):
    _fake_install(tmp_path, "Repository, https://github.com/someone/course")
    try:
        with monkeypatch.context() as m:
            m.syspath_prepend(str(tmp_path))
            importlib.reload(colab)  # REPOSITORY is read once, when the module is imported
            assert colab.REPOSITORY == "someone/course"
            assert colab.REPOSITORY_URL == "https://github.com/someone/course"
            assert "/gh/someone/course/" in colab.binder_url("02_x")
            assert "/github/someone/course/" in colab.colab_url("02_x")
            assert "git+https://github.com/someone/course@" in colab.INSTALL_CELL
    finally:
        importlib.reload(colab)  # back to the real install, for the tests that follow
    assert colab.REPOSITORY != "someone/course"


def test_repository_is_the_metadata_or_the_fallback():
    assert colab.REPOSITORY == (colab.repository_from_metadata() or colab.FALLBACK_REPOSITORY)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is Python 3.11+")
def test_pyproject_names_a_github_repository():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    url = project["urls"]["Repository"]
    assert colab._GITHUB.fullmatch(url), f"[project.urls] Repository must be https://github.com/owner/name; got {url!r}"
    assert project["name"] == colab.DISTRIBUTION
