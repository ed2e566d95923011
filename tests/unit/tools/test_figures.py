"""How every benchmark reports: name: value lines, the headline last, and the JSON file."""
import json

import pytest

from metamap_edu.tools import print_figures, write_figures


def test_print_figures_prints_every_figure_in_order_and_writes_json(tmp_path, capsys):
    path = tmp_path / "f.json"
    print_figures({"a": 1, "ratio": 0.5, "headline": 2.25}, str(path))
    assert capsys.readouterr().out.splitlines() == ["a: 1", "ratio: 0.5", "headline: 2.25"]
    assert json.loads(path.read_text()) == {"a": 1, "ratio": 0.5, "headline": 2.25}


def test_write_figures_without_a_path_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_figures({"a": 1}, None)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("figures, path, name", [([1, 2], None, "figures"), ({"a": 1}, 3, "path")])
def test_bad_input_names_the_argument(figures, path, name):
    with pytest.raises(TypeError, match=name):
        write_figures(figures, path)
