"""Parameter fuzzing of the notebooks.

For every notebook, each parameter of its ``parameters`` cell gets tiny, zero/empty, wrong-type
and very large values. Each run must either go on normally or stop in the FIRST cell after the
parameters with one ``ValueError``/``TypeError`` naming the bad parameter -- never hang, never
show an unexplained traceback, and never accept a value that would run for hours.

Two tiers keep CI time sane:

* **setup tier** (always): one subprocess runs, for every (notebook, parameter, bad value), the
  parameters cell, the override (as papermill's injected cell does) and the first cell after the
  parameters, under a per-case alarm. Bad values stop there, so hundreds of cases cost one
  Python start-up. Very large values must be refused by that cell (e.g. "between 1 and 1000");
  a notebook without an upper bound fails, naming the notebook and the parameter.
* **papermill tier** (``@pytest.mark.notebook``): per stored notebook, one real papermill run
  with a bad value (the error must be the only one and sit in the first cell after papermill's
  injected parameters, with per-cell and whole-run timeouts) and one complete ``FAST`` run with
  the tiny values the setup tier accepted.
"""
from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from metamap_edu.tools import runner as nr

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = nr.find_sources(NOTEBOOKS)
STORED = nr.find_notebooks(NOTEBOOKS)

CASE_TIMEOUT = 60         # seconds for one setup-tier case (imports included)
SETUP_TIER_TIMEOUT = 900  # the whole setup tier
CELL_TIMEOUT = int(os.environ.get("METAMAP_FUZZ_CELL_TIMEOUT", "180"))
RUN_TIMEOUT = float(os.environ.get("METAMAP_FUZZ_RUN_TIMEOUT", "480"))

REJECT, EITHER, LARGE = "reject", "either", "large"



def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def notebook_parameters(cells) -> tuple[int, dict, str, str]:
    """(index of the parameters cell, {name: default}, its source, the next code cell's source)."""
    code = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    for pos, (i, c) in enumerate(code):
        if "parameters" in c.get("metadata", {}).get("tags", []):
            source = _text(c["source"])
            params = {}
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    params[node.targets[0].id] = ast.literal_eval(node.value)
            following = _text(code[pos + 1][1]["source"]) if pos + 1 < len(code) else ""
            return i, params, source, following
    raise AssertionError("no cell tagged 'parameters'")


# Free-text parameters: any column name is acceptable (it only matters once DATA_PATH names a
# file, and then the loader refuses a missing column with a clear message).
FREE_TEXT = {"TEXT_COLUMN", "LABEL_COLUMN"}


def bad_values(name: str, default) -> list[tuple[str, object, str]]:
    """(label, value, expectation) for one parameter, from its name and the type of its default."""
    if name.endswith("_PATH"):
        return [("empty", "", REJECT), ("missing", "no/such/file.csv", REJECT), ("number", 5, REJECT)]
    if name in FREE_TEXT:
        return [("empty", "", EITHER), ("none", None, EITHER), ("large", "x" * 10_000, EITHER)]
    if isinstance(default, bool):
        return [("zero", 0, REJECT), ("empty", "", REJECT), ("none", None, REJECT), ("string", "yes", REJECT)]
    if isinstance(default, int):
        values = [("tiny", 1, EITHER), ("zero", 0, EITHER), ("negative", -1, REJECT), ("none", None, REJECT),
                  ("float", 2.5, REJECT), ("string", "10", REJECT)]
        if name == "SEED":  # any seed runs equally fast; only impossible ones must be refused
            return values + [("large", 2**31, EITHER), ("huge", 2**70, REJECT)]
        return values + [("large", 10**9, LARGE)]
    if isinstance(default, float):
        return [("tiny", 1e-6, EITHER), ("zero", 0.0, EITHER), ("negative", -1.0, REJECT), ("nan", math.nan, REJECT),
                ("inf", math.inf, REJECT), ("none", None, REJECT), ("string", "0.5", REJECT), ("large", 1e9, LARGE)]
    if isinstance(default, str):
        return [("empty", "", REJECT), ("none", None, REJECT), ("unknown", "no-such-choice", REJECT),
                ("large", "x" * 10_000, REJECT)]
    return [("none", None, EITHER)]


def _literal(value) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    return repr(value)


def _notebook_cases():
    out = []
    for source in SOURCES:
        nb = nr.read_source(source)
        _, params, params_src, setup_src = notebook_parameters(nb.cells)
        for name, default in params.items():
            for label, value, expect in bad_values(name, default):
                out.append({"notebook": source.stem, "param": name, "label": label, "expect": expect,
                            "params": params_src, "override": f"{name} = {_literal(value)}\n", "setup": setup_src})
    return out


CASES = _notebook_cases() if SOURCES else []

HARNESS = textwrap.dedent(r'''
    import json, os, signal, sys, traceback
    import matplotlib
    matplotlib.use("Agg")
    cases = json.load(open(sys.argv[1]))
    timeout = int(sys.argv[2])

    class CaseTimeout(BaseException):
        pass

    def on_alarm(*_):
        raise CaseTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    here = os.getcwd()
    results = []
    for case in cases:
        ns = {"__name__": "__main__"}
        signal.alarm(timeout)
        try:
            exec(compile(case["params"], "<parameters>", "exec"), ns)
            exec(compile(case["override"], "<injected-parameters>", "exec"), ns)
            exec(compile(case["setup"], "<first cell after the parameters>", "exec"), ns)
            result = {"status": "accepted"}
        except CaseTimeout:
            result = {"status": "timeout"}
        except Exception as err:
            result = {"status": "raised", "type": type(err).__name__, "message": str(err),
                      "where": traceback.extract_tb(err.__traceback__)[-1].filename}
        finally:
            signal.alarm(0)
            os.chdir(here)
        results.append(result)
    print("RESULTS " + json.dumps(results))
''')


@pytest.fixture(scope="module")
def setup_outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "cases.json").write_text(json.dumps(CASES), encoding="utf-8")
    (folder / "harness.py").write_text(HARNESS, encoding="utf-8")
    env = nr.kernel_env({"MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"})
    proc = subprocess.run([sys.executable, str(folder / "harness.py"), str(folder / "cases.json"), str(CASE_TIMEOUT)],
                          cwd=NOTEBOOKS, env=env, capture_output=True, text=True, timeout=SETUP_TIER_TIMEOUT)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULTS ")), None)
    assert line, f"the setup tier crashed:\n{proc.stderr[-3000:]}"
    results = json.loads(line[len("RESULTS "):])
    return {(c["notebook"], c["param"], c["label"]): r for c, r in zip(CASES, results)}


def test_every_notebook_has_literal_parameters():
    assert SOURCES
    for source in SOURCES:
        _, params, _, setup = notebook_parameters(nr.read_source(source).cells)
        assert {"FAST", "SEED"} <= set(params), f"{source.name}: parameters {sorted(params)}"
        assert setup.strip(), f"{source.name}: no cell after the parameters"


@pytest.mark.parametrize("case", CASES, ids=[f"{c['notebook'].split('_')[0]}-{c['param']}-{c['label']}" for c in CASES])
def test_bad_parameter_stops_in_the_first_cell_with_one_clear_message(setup_outcomes, case):
    result = setup_outcomes[(case["notebook"], case["param"], case["label"])]
    where = f"{case['notebook']}: {case['override'].strip()}"
    assert result["status"] != "timeout", f"{where}: the first cell after the parameters hung (> {CASE_TIMEOUT} s)"
    if result["status"] == "raised":
        assert result["type"] in ("ValueError", "TypeError"), \
            f"{where}: unexplained {result['type']}: {result['message']}"
        assert case["param"].lower() in result["message"].lower(), \
            f"{where}: the message does not name {case['param']}: {result['message']}"
        return
    if case["expect"] == REJECT:
        pytest.fail(f"{where}: accepted, but it cannot work; validate {case['param']} right after the parameters")
    if case["expect"] == LARGE:
        pytest.fail(f"{where}: no upper bound on {case['param']} -- a learner's huge value would run for hours; "
                    f"the notebook should refuse it, e.g. mm.check_parameters({case['param']}=({case['param']}, low, high))")


# ---------------------------------------------------------------------------------------------
# papermill tier
# ---------------------------------------------------------------------------------------------
PAPERMILL = textwrap.dedent(r'''
    import json, sys
    import papermill
    from metamap_edu.tools._kernel import KERNEL_NAME, current_env_kernel_manager
    inp, out, params, cell_timeout = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
    try:
        papermill.execute_notebook(inp, out, parameters=params, kernel_name=KERNEL_NAME, cwd=sys.argv[5],
                                   execution_timeout=cell_timeout, progress_bar=False, start_timeout=120,
                                   kernel_manager_class=current_env_kernel_manager())
    except papermill.PapermillExecutionError as err:
        print("EXECUTION_ERROR", err.ename)
        sys.exit(3)
''')


def _papermill(notebook: Path, params: dict, tmp_path: Path) -> tuple[int, dict, str]:
    out = tmp_path / notebook.name
    script = tmp_path / "run_papermill.py"
    script.write_text(PAPERMILL, encoding="utf-8")
    cmd = [sys.executable, str(script), str(notebook), str(out), json.dumps(params), str(CELL_TIMEOUT), str(NOTEBOOKS)]
    proc = subprocess.Popen(cmd, env=nr.kernel_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        pytest.fail(f"{notebook.name} with {params}: whole run timed out after {RUN_TIMEOUT:g} s")
    nb = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"cells": []}
    return proc.returncode, nb, stdout + stderr


def _stored_params(notebook: Path) -> dict:
    return notebook_parameters(json.loads(notebook.read_text(encoding="utf-8"))["cells"])[1]


def _bad_choice(notebook: Path) -> tuple[str, object]:
    """The last parameter (the notebook's own knob when it has one) with a wrong-type value."""
    name, default = list(_stored_params(notebook).items())[-1]
    return name, ("not a number" if not isinstance(default, str) else "")


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", STORED, ids=[p.stem for p in STORED])
def test_papermill_bad_parameter_fails_once_right_after_the_parameters(notebook, tmp_path):
    name, value = _bad_choice(notebook)
    code, nb, output = _papermill(notebook, {name: value}, tmp_path)
    assert code == 3, f"{notebook.name} with {name}={value!r}: expected a clean execution error, got {code}:\n{output[-2000:]}"
    cells = nb["cells"]
    injected = next(i for i, c in enumerate(cells) if "injected-parameters" in c.get("metadata", {}).get("tags", []))
    first_after = next(i for i, c in enumerate(cells) if i > injected and c["cell_type"] == "code")
    errors = [(i, o) for i, c in enumerate(cells) if c["cell_type"] == "code" for o in c.get("outputs", [])
              if o["output_type"] == "error"]
    assert len(errors) == 1, f"{notebook.name}: {len(errors)} error outputs"
    index, error = errors[0]
    assert index == first_after, f"{notebook.name}: the error is in cell {index}, not the first after the parameters"
    assert error["ename"] in ("ValueError", "TypeError"), error
    assert name.lower() in error["evalue"].lower(), error["evalue"]
    later = [c for c in cells[first_after + 1:] if c["cell_type"] == "code" and c.get("execution_count")]
    assert not later, f"{notebook.name}: cells ran after the error"


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", STORED, ids=[p.stem for p in STORED])
def test_papermill_tiny_accepted_values_run_to_the_end(notebook, tmp_path, setup_outcomes):
    params = {"FAST": True}
    for name, default in _stored_params(notebook).items():
        if name in ("FAST", "SEED"):
            continue
        for label, value, _ in bad_values(name, default):
            if label in ("tiny", "zero") and setup_outcomes.get((notebook.stem, name, label), {}).get("status") == "accepted":
                params[name] = value
                break
    code, nb, output = _papermill(notebook, params, tmp_path)
    assert code == 0, f"{notebook.name} with {params} failed:\n{output[-3000:]}"
