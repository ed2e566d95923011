"""What a run leaves (metamap_edu.tools.run_report): the JSON and Markdown reports."""
from __future__ import annotations

import json


from metamap_edu.tools import run_report


def test_report_files(tmp_path):
    results = [run_report.RunResult("00_a.ipynb", "fast", True, 1.234, 88.04),
               run_report.RunResult("01_b.ipynb", "fast", False, 2.0, None, "01_b.ipynb: boom in cell 2", 2, "x")]
    json_path, md_path = run_report.write_report(results, tmp_path / "rep")
    data = json.loads(json_path.read_text())
    assert data["passed"] is False
    assert data["results"][0] == {"notebook": "00_a.ipynb", "mode": "fast", "passed": True, "seconds": 1.23,
                                  "peak_rss_mb": 88.0, "error": "", "cell_index": None, "cell_source": ""}
    md = md_path.read_text()
    assert "| 00_a.ipynb | fast | 1.2 | 88 | pass |" in md
    assert "| 01_b.ipynb | fast | 2.0 | n/a | FAIL |" in md and "boom in cell 2" in md
