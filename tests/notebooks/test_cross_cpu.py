"""The stored notebooks and the claim tests hold on other CPUs, not only on this one.

PyTorch picks its vectorised kernels by CPU when it starts (AVX-512, AVX2 or none), and
``ATEN_CPU_CAPABILITY`` overrides that choice. Each kernel family rounds differently, so a number
that comes out of hundreds of training steps can change in its last digits -- or, when an effect
sits at noise level, in its sign. A learner's laptop, a JupyterHub node, Binder or Colab each has
another CPU than the machine that stored the notebooks.

This module re-runs nbval over every stored notebook, and the claim tests, in a fresh process for
each capability this CPU has besides the one the suite runs under (``default`` everywhere; ``avx2``
as well on an AVX-512 machine). Thread counts need no such check: every notebook and every claim
test pins one thread (``mm.set_threads(1)``). The runs go side by side, one thread each, so the
check costs about one extra pass over the notebooks on a 2-core machine.

Reproduce one by hand: ``ATEN_CPU_CAPABILITY=default .venv/bin/python -m pytest notebooks tests/course/test_nb*.py``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = ("default", "avx2", "avx512")            # x86 capabilities, weakest first
RUN_TIMEOUT = float(os.environ.get("METAMAP_CROSS_CPU_TIMEOUT", "2400"))
CLAIM_TESTS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "course").glob("test_nb*.py")
                     if not p.stem.endswith("_exercises"))


def _capability(env: dict[str, str]) -> str:
    code = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    return out.stdout.strip().lower()


def other_capabilities() -> tuple[str, list[str]]:
    """(the capability this suite runs under, the others this CPU can emulate)."""
    native_env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    native = _capability(native_env)
    current = _capability(dict(os.environ))
    if native not in ORDER:                          # not x86: only the plain kernels to compare
        return current, [c for c in ("default",) if c != current]
    supported = ORDER[: ORDER.index(native) + 1]
    return current, [c for c in supported if c != current]


CURRENT, OTHERS = other_capabilities()


def _command(capability: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-rf",
            "-o", "addopts=", *_nbval_options(), "notebooks", *CLAIM_TESTS]


def _nbval_options() -> list[str]:
    # the same nbval options as the suite (pyproject's addopts), restated because "-o addopts="
    # clears them: the child must not pick up options given to this run on the command line.
    # (pyproject's norecursedirs, which "-o addopts=" keeps, leaves notebooks/solutions/ out: nbval
    # checks the exercise versions a learner opens; tests/notebooks/test_notebooks.py runs the solutions)
    return ["-ra", "--nbval", "--nbval-current-env", "--nbval-cell-timeout=300",
            "--nbval-kernel-startup-timeout=120",
            f"--nbval-sanitize-with={ROOT / 'notebooks' / 'nbval_sanitize.cfg'}"]


_STARTED: dict[str, tuple] = {}


def start_runs() -> dict[str, tuple]:
    """Start one child pytest per capability, side by side (once per session).

    ``tests/conftest.py`` calls this as soon as the browser tests are done, so the children run
    beside the rest of the suite -- which uses about one core of two -- and this module's tests,
    which the conftest moves to the end, only collect their results.
    """
    if _STARTED or not OTHERS:
        return _STARTED
    logs = Path(tempfile.mkdtemp(prefix="metamap-cross-cpu-"))
    for capability in OTHERS:
        env = dict(os.environ, ATEN_CPU_CAPABILITY=capability, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
        log = logs / f"{capability}.log"
        handle = open(log, "w", encoding="utf-8")
        proc = subprocess.Popen(_command(capability), cwd=ROOT, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _STARTED[capability] = (proc, handle, log, time.monotonic())
    return _STARTED


def stop_runs() -> None:
    """Kill any child still running (the session ended early) and close the logs."""
    for proc, handle, *_ in _STARTED.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        handle.close()


@pytest.fixture(scope="module")
def runs():
    return start_runs()


def test_this_cpu_has_another_capability_to_compare_with():
    assert OTHERS, f"no other CPU capability than {CURRENT!r} to compare with"


@pytest.mark.notebook
@pytest.mark.parametrize("capability", OTHERS)
def test_notebooks_and_claims_hold_under_another_cpu_capability(runs, capability):
    proc, handle, log, start = runs[capability]
    remaining = RUN_TIMEOUT - (time.monotonic() - start)
    try:
        proc.wait(timeout=max(remaining, 1))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"ATEN_CPU_CAPABILITY={capability}: nbval and claim tests did not finish within "
                    f"{RUN_TIMEOUT:g} s (METAMAP_CROSS_CPU_TIMEOUT)", pytrace=False)
    handle.flush()
    text = log.read_text(encoding="utf-8", errors="replace")
    summary = [line for line in text.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert proc.returncode == 0, (
        f"under ATEN_CPU_CAPABILITY={capability} these differ from the stored outputs or fail "
        f"(reproduce: ATEN_CPU_CAPABILITY={capability} "
        f".venv/bin/python -m pytest notebooks {' '.join(CLAIM_TESTS)}):\n"
        + "\n".join(summary[:40]) + "\n--- last lines ---\n" + "\n".join(text.splitlines()[-15:]))
