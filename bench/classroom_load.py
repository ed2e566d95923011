"""How many students can run the course at the same time on one JupyterHub server?

Run:  python bench/classroom_load.py [--notebook notebooks/03_a_stream_of_tasks.ipynb]
                                     [--students 2,3,4,6,8,12,16,24,32] [--json PATH]

A real hub from classroom/jupyterhub_config.py on 127.0.0.1 (metamap_edu.tools.classroom.LocalHub;
JupyterHub's proxy must be installed: `npm install -g configurable-http-proxy`). First one
student runs the notebook alone, in fast mode, through their own server's API (a kernel and its
websocket, as JupyterLab does): that is the single-student time. Then N students, for each N
in --students, open the notebook and run it at the same time, each in their own server. A
class of N "holds" when every student finished, with no error, within 3x the single-student
time; the climb stops at the first N that does not hold (or when the machine's free memory
would not hold the next N).

Prints, per N: the per-student run time (median, max, max over single), the peak memory of one
kernel and of everything the hub runs (servers, kernels, proxy, culler) together, and failures;
the load average before and after (on a shared machine every time grows with it). The last line
is the headline ``classroom_max_students: N``. ``--json PATH`` writes every figure.

On a machine shared with other jobs the single-student time is already inflated by them, so the
ratios grow more slowly than on a machine that serves the class alone: record the load average
with the figures (bench/results/classroom_load.json keeps the last run's).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from metamap_edu.tools import classroom, server_run

SLOWDOWN_LIMIT = 3.0           # a class holds while every student finishes within 3x the time alone
DEFAULT_STUDENTS = "2,3,4,6,8,12,16,24,32"
MEMORY_PER_STUDENT_GB = 1.0    # the next N is tried only if this much memory per student is free


class MemorySampler:
    """Peak total resident memory (MB) of the hub and everything it started, sampled every 0.25 s."""

    def __init__(self, hub: classroom.LocalHub):
        self.hub, self.peak_mb = hub, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> float:
        procs = [psutil.Process(self.hub.process.pid)] + self.hub.processes()
        total = 0.0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._total())
            self._stop.wait(0.25)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def server_rss_mb(hub: classroom.LocalHub) -> list[float]:
    """Resident memory (MB) of each student's idle Jupyter server."""
    out = []
    for proc in hub.processes():
        try:
            if "jupyterhub-singleuser" in " ".join(proc.cmdline()):
                out.append(proc.memory_info().rss / 2**20)
        except psutil.Error:
            pass
    return out


def run_class(hub: classroom.LocalHub, names: list[str], notebook: str, tag: str) -> dict:
    """Every student in ``names`` runs ``notebook`` in fast mode at the same time."""
    results: dict[str, server_run.ServerRun | str] = {}
    barrier = threading.Barrier(len(names))

    def student(name: str) -> None:
        barrier.wait()
        try:
            results[name] = server_run.run_in_server(hub, name, notebook, fast=True, cell_timeout=600,
                                                    run_timeout=1800, save_as=notebook.replace(".ipynb", f".{tag}.ipynb"))
        except Exception as err:  # counted as a failure, with its reason
            results[name] = f"{type(err).__name__}: {err}"

    threads = [threading.Thread(target=student, args=(name,)) for name in names]
    with MemorySampler(hub) as memory:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    runs = [r for r in results.values() if isinstance(r, server_run.ServerRun)]
    failures = [r if isinstance(r, str) else f"{r.user}: {r.errors[0]}" for r in results.values()
                if isinstance(r, str) or not r.ok]
    seconds = [r.seconds for r in runs]
    kernels = [r.peak_rss_mb for r in runs if r.peak_rss_mb]
    return {"students": len(names), "seconds": seconds,
            "median_seconds": statistics.median(seconds) if seconds else None,
            "max_seconds": max(seconds) if seconds else None,
            "peak_kernel_mb": max(kernels) if kernels else None,
            "peak_total_mb": memory.peak_mb, "failures": failures}


def start_servers(hub: classroom.LocalHub, names: list[str]) -> float:
    """Create and start the servers of ``names`` not running yet; return the seconds it took."""
    start = time.monotonic()
    users = {u["name"]: u for u in hub.api("GET", "/hub/api/users")}
    new = [n for n in names if n not in users]
    if new:
        hub.add_users(new)
    for name in names:
        if not (users.get(name, {}).get("servers") or {}).get(""):
            hub.start_server(name, timeout=300)
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", default="notebooks/03_a_stream_of_tasks.ipynb",
                        help="the notebook every student runs, as a path in their home")
    parser.add_argument("--students", default=DEFAULT_STUDENTS, help="class sizes to try, in order")
    parser.add_argument("--json", default=None, help="write every figure to this JSON file")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.students.split(",")]
    except ValueError:
        parser.error(f"--students must be whole numbers separated by commas, e.g. {DEFAULT_STUDENTS}; got {args.students!r}")
    if not sizes or min(sizes) < 2 or sizes != sorted(sizes):
        parser.error(f"--students must be increasing class sizes of at least 2; got {args.students!r}")
    if classroom.find_proxy() is None:
        sys.exit(f"JupyterHub's proxy is not installed: `{classroom.PROXY_INSTALL}`")

    cores = psutil.cpu_count(logical=True) or 1
    load_before = os.getloadavg()
    print(f"classroom load: {Path(args.notebook).name} in fast mode; {cores} cores, "
          f"{psutil.virtual_memory().total / 2**30:.1f} GB; load average {load_before[0]:.2f} (1 min), "
          f"{load_before[1]:.2f} (5 min) before", flush=True)
    steps = []
    with tempfile.TemporaryDirectory(prefix="metamap-classroom-") as work, classroom.LocalHub(work) as hub:
        start_servers(hub, ["s01"])
        idle_server = server_rss_mb(hub)
        single = run_class(hub, ["s01"], args.notebook, "n1")
        if single["failures"]:
            sys.exit(f"the single-student run failed: {single['failures']}")
        t1 = single["max_seconds"]
        print(f"single student: {t1:.1f} s, kernel peak {single['peak_kernel_mb']:.0f} MB, "
              f"idle server {max(idle_server):.0f} MB", flush=True)
        print(f"{'N':>3} | {'median s':>8} | {'max s':>6} | {'max/single':>10} | {'kernel MB':>9} | "
              f"{'total MB':>8} | {'MB/student':>10} | {'start s':>7} | failures", flush=True)
        running = 1
        for n in sizes:
            free_gb = psutil.virtual_memory().available / 2**30
            if free_gb < MEMORY_PER_STUDENT_GB * (n - running):
                print(f"{n:>3} | not tried: {free_gb:.1f} GB free", flush=True)
                break
            running = n
            names = [f"s{i:02d}" for i in range(1, n + 1)]
            started = start_servers(hub, names)
            step = run_class(hub, names, args.notebook, f"n{n}")
            step["server_start_seconds"] = started
            step["slowdown"] = None if step["max_seconds"] is None else step["max_seconds"] / t1
            step["holds"] = not step["failures"] and step["slowdown"] is not None and step["slowdown"] <= SLOWDOWN_LIMIT
            steps.append(step)
            print(f"{n:>3} | {step['median_seconds']:>8.1f} | {step['max_seconds']:>6.1f} | {step['slowdown']:>10.2f} | "
                  f"{step['peak_kernel_mb']:>9.0f} | {step['peak_total_mb']:>8.0f} | {step['peak_total_mb'] / n:>10.0f} | "
                  f"{started:>7.1f} | {len(step['failures'])}" + ("" if step["holds"] else "  <- does not hold"),
                  flush=True)
            for failure in step["failures"][:3]:
                print(f"      {failure}", flush=True)
            if not step["holds"]:
                break
        servers = server_rss_mb(hub)
    load_after = os.getloadavg()
    held = [s["students"] for s in steps if s["holds"]]
    max_students = max(held) if held else 1
    best = next((s for s in steps if s["students"] == max_students), single)
    print(f"load average {load_after[0]:.2f} (1 min), {load_after[1]:.2f} (5 min) after")
    print(f"students per core: {max_students / cores:.1f}; memory per student at N={max_students}: "
          f"{best['peak_total_mb'] / max_students / 1024:.2f} GB (all servers, kernels, hub and proxy / N)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "notebook": args.notebook, "mode": "fast", "cores": cores,
            "memory_gb": psutil.virtual_memory().total / 2**30,
            "load_average_before": load_before, "load_average_after": load_after,
            "single": single, "idle_server_mb": idle_server, "server_mb_after": servers,
            "steps": steps, "slowdown_limit": SLOWDOWN_LIMIT,
            "students_per_core": max_students / cores, "classroom_max_students": max_students,
        }, indent=2))
    print(f"classroom_max_students: {max_students}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
