"""What a run of the notebooks leaves: one :class:`RunResult` per notebook, a table and a report.

:func:`metamap_edu.tools.runner.run_notebook` returns a :class:`RunResult` (seconds, the kernel's
peak memory, where it failed); ``metamap-edu run`` prints :func:`format_table` of them and
:func:`write_report` writes ``run-report.json`` and ``run-report.md``.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._checks import check_path, check_sequence, check_type

__all__ = ["RunResult", "write_report", "format_table"]


@dataclass
class RunResult:
    """One notebook's execution by :func:`run_notebook`."""

    notebook: str
    mode: str  # "fast" or "default"
    passed: bool
    seconds: float
    peak_rss_mb: float | None
    error: str = ""
    cell_index: int | None = None
    cell_source: str = ""
    output_path: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("output_path")
        data["seconds"] = round(self.seconds, 2)
        data["peak_rss_mb"] = None if self.peak_rss_mb is None else round(self.peak_rss_mb, 1)
        return data


def format_table(results: list[RunResult]) -> str:
    """A Markdown table: notebook, mode, seconds, peak kernel memory, pass/fail."""
    for i, r in enumerate(check_sequence("results", results, "a list of RunResult")):
        check_type(f"results[{i}]", r, RunResult)
    lines = ["| notebook | mode | seconds | peak kernel memory (MB) | result |",
             "| --- | --- | ---: | ---: | --- |"]
    for r in results:
        mem = "n/a" if r.peak_rss_mb is None else f"{r.peak_rss_mb:.0f}"
        verdict = "pass" if r.passed else "FAIL"
        lines.append(f"| {r.notebook} | {r.mode} | {r.seconds:.1f} | {mem} | {verdict} |")
    failures = [r for r in results if not r.passed]
    if failures:
        lines.append("")
        lines.append("Failures:")
        for r in failures:
            lines.append(f"- {r.error.splitlines()[0] if r.error else r.notebook}")
    return "\n".join(lines)


def write_report(results: list[RunResult], report_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``run-report.json`` and ``run-report.md`` into ``report_dir``; return both paths."""
    for i, r in enumerate(check_sequence("results", results, "a list of RunResult")):
        check_type(f"results[{i}]", r, RunResult)
    check_path("report_dir", report_dir)
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "python": platform.python_version(),
        "threads": os.environ.get("OMP_NUM_THREADS", ""),
        "results": [r.to_dict() for r in results],
        "passed": all(r.passed for r in results),
    }
    json_path = report_dir / "run-report.json"
    md_path = report_dir / "run-report.md"
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    md_path.write_text("# metamap-edu run report\n\n" + format_table(results) + "\n", encoding="utf-8")
    return json_path, md_path
