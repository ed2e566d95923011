"""The course on a real JupyterHub (classroom/jupyterhub_config.py), as a class of two uses it.

A hub on 127.0.0.1 with the course's configuration: two students made through the hub's REST
API, their servers started, a notebook run in fast mode in each student's own server through
that server's API (a kernel and its websocket), at the same time. Every run must complete with
no error output, each student's files must stay in their own home, and stopping the hub must
leave no process behind. A second hub, whose idle culler waits 10 s, must stop an idle server. JupyterHub's proxy is an npm package: without it the tests fail and
say how to install it (.ci/run installs it).
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import types
from pathlib import Path

import psutil
import pytest

from metamap_edu.tools import classroom, server_run

ROOT = Path(__file__).resolve().parents[3]
STUDENTS = ["ada", "grace"]
NOTEBOOK = "notebooks/03_a_stream_of_tasks.ipynb"   # torch, training loops, figures: a typical notebook


def _load_config(monkeypatch, **env) -> "object":
    """classroom/jupyterhub_config.py read the way JupyterHub reads it (a traitlets config file)."""
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("METAMAP_HUB_PASSWORD", "a-class-password")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader(classroom.CONFIG.name, path=str(classroom.CONFIG.parent)).load_config()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if classroom.find_proxy() is None:
        pytest.fail(f"JupyterHub's proxy {classroom.PROXY_COMMAND!r} is not installed: install it with "
                    f"`{classroom.PROXY_INSTALL}` (Node.js's npm; .ci/run does this)", pytrace=False)
    running = classroom.LocalHub(tmp_path_factory.mktemp("hub"))
    try:
        running.start()
        yield running
    finally:
        running.stop()
        assert not running.leftovers(), f"processes left running: {[p.pid for p in running.leftovers()]}"


@pytest.fixture(scope="module")
def runs(hub):
    """Both students created, their servers started, the notebook run in both at once."""
    hub.add_users(STUDENTS)
    for name in STUDENTS:
        hub.start_server(name)
    results, failures = {}, {}

    def run(name):
        try:
            results[name] = server_run.run_in_server(hub, name, NOTEBOOK, fast=True, cell_timeout=300, run_timeout=600,
                                                    save_as=NOTEBOOK.replace(".ipynb", f".{name}.ipynb"))
        except Exception as err:  # reported by the test below, with the hub's log
            failures[name] = err

    threads = [threading.Thread(target=run, args=(name,)) for name in STUDENTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, f"{failures}\n{hub.log_tail()}"
    return results


def test_students_are_made_through_the_rest_api_and_their_servers_answer(hub, runs):
    users = {u["name"]: u for u in hub.api("GET", "/hub/api/users")}
    for name in STUDENTS:
        assert users[name]["servers"][""]["ready"], users[name]
        # each server answers its own API (JupyterLab's server, from the course's environment)
        assert "version" in hub.api("GET", f"/user/{name}/api/")


def _log_in(hub, name: str, password: str) -> tuple[int, str | None]:
    """Log in on the hub's page as a student would (the form, with its XSRF field); no redirect followed."""
    import http.cookiejar
    import re
    import urllib.error
    import urllib.parse
    import urllib.request

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Stay())
    page = opener.open(hub.url + "/hub/login").read().decode()
    form = {"username": name, "password": password}
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)
    if xsrf:
        form["_xsrf"] = xsrf.group(1)
    try:
        answer = opener.open(hub.url + "/hub/login", data=urllib.parse.urlencode(form).encode())
        return answer.status, answer.headers.get("Location")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location")


def test_a_student_logs_in_with_the_class_password_and_only_with_it(hub, runs):
    assert _log_in(hub, "margaret", "not-the-class-password")[0] == 403
    status, location = _log_in(hub, "margaret", hub.password)
    assert status == 302 and location.endswith("/hub/spawn"), (status, location)
    assert "margaret" in {u["name"] for u in hub.api("GET", "/hub/api/users")}


def test_fast_notebook_completes_in_every_students_server(hub, runs):
    for name in STUDENTS:
        run = runs[name]
        assert run.ok, f"{name}: {run.errors}"
        # the executed copy, read back from the student's own server: every code cell ran, none failed
        nb = hub.api("GET", f"/user/{name}/api/contents/{run.output_path}?content=1")["content"]
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert any("FAST = True" in c["source"] for c in code), "fast mode was not injected"
        assert all(c["execution_count"] for c in code), f"{name}: a code cell did not run"
        errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, f"{name}: error outputs {errors}"
        assert any(o["output_type"] == "display_data" and "image/png" in o["data"] for c in code for o in c["outputs"]), \
            f"{name}: the notebook drew no figure"


def test_each_students_files_stay_in_their_own_home(hub, runs):
    homes = {name: hub.homes / name for name in STUDENTS}
    for name, home in homes.items():
        other = homes[next(n for n in STUDENTS if n != name)]
        # what the student's server saved (the executed notebook) is in their home, not the other's
        assert (home / runs[name].output_path).is_file()
        assert not (other / runs[name].output_path).exists()
        # a file the student's kernel writes lands in their home, which is HOME and holds the working folder
        with server_run.ServerKernel(hub, name, "notebooks") as kernel:
            outputs, _ = kernel.execute(
                "import json, os\n"
                f"open('mine.txt', 'w').write({name!r})\n"
                "print(json.dumps({'cwd': os.getcwd(), 'home': os.path.expanduser('~')}))")
        where = json.loads(outputs[0]["text"])
        assert Path(where["home"]) == home
        assert Path(where["cwd"]) == home / "notebooks"
    for name, home in homes.items():
        assert (home / "notebooks" / "mine.txt").read_text() == name
        # nothing of the other student's run is in this home
        assert {p.name for p in (home / "notebooks").glob("*.ipynb") if p.name.count(".") > 1} == \
            {Path(runs[name].output_path).name}


def test_each_kernel_runs_the_course_environment_with_one_thread_and_the_memory_limit(hub, runs, monkeypatch):
    from jupyterhub.traitlets import ByteSpecification

    limit = ByteSpecification().validate(None, _load_config(monkeypatch).Spawner.mem_limit)
    assert 2**30 <= limit <= 2 * 2**30      # about 1 GB per student, as the README's instructor notes say
    for name in STUDENTS:
        with server_run.ServerKernel(hub, name, "notebooks") as kernel:
            outputs, _ = kernel.execute(
                "import json, os, sys, torch, metamap_edu\n"
                "print(json.dumps({'python': sys.executable, 'omp': os.environ.get('OMP_NUM_THREADS'),\n"
                "  'mkl': os.environ.get('MKL_NUM_THREADS'), 'torch_threads': torch.get_num_threads(),\n"
                "  'mem_limit': os.environ.get('MEM_LIMIT'), 'package': metamap_edu.__file__}))")
        seen = json.loads(outputs[0]["text"])
        assert Path(seen["python"]).resolve() == Path(sys.executable).resolve()
        assert Path(seen["package"]).resolve().is_relative_to(ROOT)
        assert seen["omp"] == seen["mkl"] == "1"
        assert seen["torch_threads"] == 1
        assert int(seen["mem_limit"]) == limit


def test_the_notebooks_were_copied_into_every_new_home(hub, runs):
    course = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    assert len(course) >= 10
    for name in STUDENTS:
        copied = sorted(p.name for p in (hub.homes / name / "notebooks").glob("[0-9][0-9]*_*.ipynb")
                        if p.name.count(".") == 1)   # not the executed copies the runs saved
        assert copied == course
        solutions = sorted(p.name for p in (ROOT / "notebooks" / "solutions").glob("[0-9][0-9]*_*.ipynb"))
        assert solutions, "no notebooks/solutions: run `metamap-edu build`"
        assert sorted(p.name for p in (hub.homes / name / "notebooks" / "solutions").glob("*.ipynb")) == solutions


def test_the_idle_culler_runs_as_a_hub_service(hub, runs):
    commands = [" ".join(p.cmdline()) for p in hub.processes() if p.is_running()]
    culler = [c for c in commands if "jupyterhub_idle_culler" in c]
    assert culler, commands
    assert "--timeout=3600" in culler[0]


def test_the_idle_culler_stops_an_idle_server_and_keeps_the_home(tmp_path):
    """A hub whose culler's timeout is 10 s: a server nobody uses is stopped, its home stays."""
    if classroom.find_proxy() is None:
        pytest.fail(f"JupyterHub's proxy is not installed: `{classroom.PROXY_INSTALL}`", pytrace=False)
    with classroom.LocalHub(tmp_path, env={"METAMAP_HUB_CULL_TIMEOUT": "10"}) as short:
        short.add_users(["ada"])
        short.start_server("ada")
        started = [p for p in short.processes() if "jupyterhub-singleuser" in " ".join(p.cmdline())]
        assert len(started) == 1
        deadline = time.monotonic() + 90
        while (short.api("GET", "/hub/api/users/ada").get("servers") or {}).get(""):
            assert time.monotonic() < deadline, f"the idle server was not stopped:\n{short.log_tail()}"
            time.sleep(1)
        psutil.wait_procs(started, timeout=10)
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in started)
        assert (tmp_path / "homes" / "ada" / "notebooks" / "00_start_here.ipynb").is_file()
        log = short.log_path.read_text(encoding="utf-8", errors="replace")
        assert "Culling server ada" in log, "the server stopped, but not by the idle culler"
    assert not short.leftovers()


def test_stopping_the_hub_leaves_no_process_behind(hub, runs):
    started = hub.processes()
    assert len([p for p in started if "jupyterhub-singleuser" in " ".join(p.cmdline())]) == len(STUDENTS)
    port = hub.port
    hub.stop()
    assert not hub.leftovers(), [p.cmdline()[:3] for p in hub.leftovers()]
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in started)
    assert not any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
                   for c in psutil.net_connections("tcp"))


# ---- without a hub: the configuration and the error messages ----

def test_a_missing_proxy_fails_with_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(classroom.HubError, match=r"npm install -g configurable-http-proxy"):
        classroom.LocalHub(tmp_path / "hub").start()


def test_the_configuration_refuses_to_start_without_a_class_password(monkeypatch):
    monkeypatch.setenv("METAMAP_HUB_PASSWORD", "")
    from traitlets.config.loader import PyFileConfigLoader

    with pytest.raises(SystemExit, match="METAMAP_HUB_PASSWORD"):
        PyFileConfigLoader(classroom.CONFIG.name, path=str(classroom.CONFIG.parent)).load_config()


def test_the_configuration_makes_the_documented_choices(monkeypatch):
    c = _load_config(monkeypatch, METAMAP_HUB_CULL_TIMEOUT="1800")
    env = c.Spawner.environment
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert c.Spawner.cmd == [str(Path(sys.prefix) / "bin" / "jupyterhub-singleuser")]
    assert ("--ServerApp.allow_root=True" in c.Spawner.args) == (os.geteuid() == 0)
    assert c.Spawner.mem_limit == "1.5G" and c.Spawner.mem_guarantee == "1G"
    culler = next(s for s in c.JupyterHub.services if s["name"] == "idle-culler")
    assert "--timeout=1800" in culler["command"]
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "idle-culler")
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}


def test_the_copy_hook_fills_a_new_home_and_keeps_a_students_work(tmp_path, monkeypatch):
    c = _load_config(monkeypatch)
    spawner = types.SimpleNamespace(home_dir=str(tmp_path / "ada"), user=types.SimpleNamespace(name="ada"))
    c.Spawner.pre_spawn_hook(spawner)
    copied = tmp_path / "ada" / "notebooks"
    first = sorted(copied.glob("*.ipynb"))
    assert [p.name for p in first] == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    (copied / first[0].name).write_text("my own work")
    (copied / first[1].name).unlink()
    c.Spawner.pre_spawn_hook(spawner)
    assert (copied / first[0].name).read_text() == "my own work"      # never overwritten
    assert (copied / first[1].name).is_file()                           # a missing one comes back


def test_bad_arguments_name_the_argument(tmp_path):
    with pytest.raises(TypeError, match="workdir"):
        classroom.LocalHub(3)
    with pytest.raises(FileNotFoundError, match="config"):
        classroom.LocalHub(tmp_path, config=tmp_path / "missing.py")
    with pytest.raises(ValueError, match="start_timeout"):
        classroom.LocalHub(tmp_path, start_timeout=0)
    with pytest.raises(TypeError, match="env"):
        classroom.LocalHub(tmp_path, env={"METAMAP_HUB_CULL_TIMEOUT": 10})
    with pytest.raises(TypeError, match="hub"):
        server_run.run_in_server(None, "ada", NOTEBOOK)
    hub = classroom.LocalHub(tmp_path)
    with pytest.raises(TypeError, match="fast"):
        server_run.run_in_server(hub, "ada", NOTEBOOK, fast="yes")
    with pytest.raises(ValueError, match="notebook"):
        server_run.run_in_server(hub, "ada", "notebooks/03.py")
    with pytest.raises(TypeError, match="user"):
        server_run.ServerKernel(hub, 7)


def test_the_load_benchmark_refuses_class_sizes_it_cannot_use(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("classroom_load_bench", ROOT / "bench" / "classroom_load.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for bad in ("1,2", "4,2", "two"):
        with pytest.raises(SystemExit) as stopped:
            bench.main(["--students", bad])
        assert stopped.value.code == 2
        assert "--students" in capsys.readouterr().err


def test_a_hub_that_cannot_start_says_why_and_leaves_nothing_running(tmp_path):
    if classroom.find_proxy() is None:
        pytest.fail(f"JupyterHub's proxy is not installed: `{classroom.PROXY_INSTALL}`", pytrace=False)
    broken = tmp_path / "broken_config.py"
    broken.write_text("c = get_config()  # noqa\nc.JupyterHub.spawner_class = 'no.such.Spawner'\n")
    hub = classroom.LocalHub(tmp_path / "hub", config=broken, start_timeout=60)
    with pytest.raises(classroom.HubError, match="jupyterhub exited with code"):
        hub.start()
    assert not hub.leftovers()
