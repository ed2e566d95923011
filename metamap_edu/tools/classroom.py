"""The course on a JupyterHub: start a hub, add students, run a notebook in a student's server.

An instructor serves the course to a class from one JupyterHub (``classroom/jupyterhub_config.py``,
see the README's instructor notes). This module drives such a hub the way a class uses it, with
nothing but the hub's REST API and each student's own Jupyter server API:

* :class:`LocalHub` starts ``jupyterhub`` on 127.0.0.1 from the course's configuration (free
  ports, a shared password, every home under one folder) and always stops it together with
  every process it started;
* :meth:`LocalHub.add_users` (``POST /hub/api/users``) and :meth:`LocalHub.start_server`
  (``POST /hub/api/users/{name}/server``) make the students and their servers;
* :func:`run_in_server` opens a notebook from the student's home (contents API), starts a
  kernel there (``POST /user/{name}/api/kernels``) and runs every code cell through the kernel's
  websocket, as JupyterLab does; ``fast=True`` runs ``FAST = True`` right after the
  ``parameters`` cell, as papermill does.

``tests/unit/tools/test_classroom_hub.py`` runs two students on a real hub; ``bench/classroom_load.py``
runs a whole class at once.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from .._checks import check_float, check_nonempty, check_path

__all__ = [
    "PROXY_COMMAND",
    "PROXY_INSTALL",
    "CONFIG",
    "HubError",
    "find_proxy",
    "free_port",
    "LocalHub",
]


PROXY_COMMAND = "configurable-http-proxy"


PROXY_INSTALL = "npm install -g configurable-http-proxy"


# the course's hub configuration, next to the package in a source checkout
CONFIG = Path(__file__).resolve().parents[2] / "classroom" / "jupyterhub_config.py"


_ADMIN_SERVICE = "classroom-admin"


class HubError(RuntimeError):
    """The hub, a student's server or a kernel did not do what was asked; the message says which."""


def find_proxy() -> str | None:
    """Path of ``configurable-http-proxy`` (JupyterHub's proxy, an npm package), or None."""
    return shutil.which(PROXY_COMMAND)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


class LocalHub:
    """A JupyterHub on 127.0.0.1 run from the course's configuration, for tests and benchmarks.

    ``workdir`` holds the hub's database, log and the students' homes (``workdir/homes/NAME``);
    ``env`` adds environment variables the configuration reads (``METAMAP_HUB_CULL_TIMEOUT``, ...).
    Use it as a context manager: leaving the block stops every server and the hub, and kills any
    process the hub started that is still alive (servers, kernels, the proxy, the idle culler).
    """

    def __init__(self, workdir: str | os.PathLike, *, config: str | os.PathLike = CONFIG,
                 start_timeout: float = 90.0, env: dict[str, str] | None = None):
        check_path("workdir", workdir)
        if env is not None and not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                                  for k, v in env.items())):
            raise TypeError(f"env must be None or a dict of str -> str environment variables; got {env!r}")
        self.env = dict(env or {})
        self.workdir = Path(workdir)
        self.config = Path(config)
        self.start_timeout = check_float("start_timeout", start_timeout, min=1.0)
        if not self.config.is_file():
            raise FileNotFoundError(f"config {str(self.config)!r} does not exist")
        self.homes = self.workdir / "homes"
        self.password = secrets.token_hex(8)
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "jupyterhub.log"
        self.process: subprocess.Popen | None = None
        self._known: dict[int, object] = {}

    # ---- the hub process ----
    def start(self) -> "LocalHub":
        if find_proxy() is None:
            raise HubError(f"JupyterHub needs its proxy, {PROXY_COMMAND!r}, which is not on PATH: "
                           f"install it with `{PROXY_INSTALL}` (Node.js's npm; .ci/run does this)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.homes.mkdir(exist_ok=True)
        overlay = self.workdir / "jupyterhub_config.py"
        # The course's configuration, then only what a throw-away hub on a shared machine needs:
        # free ports, homes in workdir, and a service token with which this module drives it.
        overlay.write_text(
            "c = get_config()  # noqa\n"
            f"load_subconfig({str(self.config)!r})  # noqa\n"
            "c.JupyterHub.ip = '127.0.0.1'\n"
            f"c.JupyterHub.port = {self.port}\n"
            f"c.JupyterHub.hub_port = {free_port()}\n"
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'\n"
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(self.homes / '{username}')!r}\n"
            f"c.JupyterHub.services.append({{'name': {_ADMIN_SERVICE!r}, 'api_token': {self.token!r}}})\n"
            f"c.JupyterHub.load_roles.append({{'name': {_ADMIN_SERVICE!r}, 'services': [{_ADMIN_SERVICE!r}],\n"
            "    'scopes': ['admin:users', 'admin:servers', 'access:servers', 'list:users', 'read:users', 'shutdown']})\n"
        )
        env = dict(os.environ)
        env.update(self.env)
        env["METAMAP_HUB_PASSWORD"] = self.password
        log = open(self.log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(overlay)],
                                        cwd=self.workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while True:
            self._remember()
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()   # the proxy or a service it had started may still run
                raise HubError(f"jupyterhub exited with code {code} while starting:\n{self.log_tail()}")
            try:
                self.api("GET", "/hub/api/")
                return self
            except (OSError, HubError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise HubError(f"jupyterhub did not answer within {self.start_timeout:g} s:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _remember(self) -> None:
        """Note every live descendant of the hub: they are killed at stop() if still alive."""
        if self.process is not None:
            for p in _descendants(self.process.pid):
                self._known.setdefault(p.pid, p)

    def processes(self) -> list:
        """The hub's live descendant processes (psutil): proxy, culler, servers, kernels."""
        return [] if self.process is None else _descendants(self.process.pid)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every server and the hub; kill whatever it started that is still running."""
        if self.process is None:
            return
        self._remember()
        if self.process.poll() is None:
            try:
                self.api("POST", "/hub/api/shutdown", {"servers": True, "proxy": True}, timeout=10)
            except (OSError, HubError):
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        for proc in [self.process] + list(self._known.values()):
            pid = proc.pid
            try:
                os.killpg(pid, signal.SIGKILL) if proc is self.process else psutil.Process(pid).kill()
            except (ProcessLookupError, PermissionError, psutil.Error):
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        psutil.wait_procs(list(self._known.values()), timeout=10)
        for proc in self.leftovers():  # anything else still working in a student's home
            try:
                proc.kill()
            except psutil.Error:
                pass
        self.process = None

    def leftovers(self) -> list:
        """Live processes the hub started, or whose working folder is in ``workdir`` (psutil)."""
        root = str(self.workdir.resolve())
        alive = {}
        for proc in list(self._known.values()) + list(psutil.process_iter()):
            try:
                if proc.pid in alive or not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                if proc.pid in self._known or proc.cwd() == root or proc.cwd().startswith(root + os.sep):
                    alive[proc.pid] = proc
            except psutil.Error:
                pass
        return list(alive.values())

    def __enter__(self) -> "LocalHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- the REST API ----
    def api(self, method: str, path: str, body: dict | None = None, *, timeout: float = 60.0):
        """One request to the hub (``/hub/api/...``) or a student's server (``/user/NAME/api/...``)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")[:300]
            raise HubError(f"{method} {path} answered {err.code}: {detail}") from None
        return json.loads(raw) if raw.strip() else None

    def add_users(self, names: list[str]) -> None:
        """Create the students ``names`` (``POST /hub/api/users``)."""
        check_nonempty("names", names)
        self.api("POST", "/hub/api/users", {"usernames": list(names)})

    def start_server(self, name: str, *, timeout: float = 120.0) -> str:
        """Start ``name``'s server and wait until it answers; return its URL path ``/user/NAME/``."""
        self.api("POST", f"/hub/api/users/{name}/server")
        asked = time.monotonic()
        deadline = asked + timeout
        while True:
            self._remember()
            server = (self.api("GET", f"/hub/api/users/{name}").get("servers") or {}).get("")
            if server and server.get("ready"):
                return server["url"]
            if server is None and time.monotonic() > asked + 5:
                raise HubError(f"the server of {name!r} stopped while starting:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise HubError(f"the server of {name!r} was not ready within {timeout:g} s:\n{self.log_tail()}")
            time.sleep(0.5)

    def stop_server(self, name: str, *, timeout: float = 60.0) -> None:
        """Stop ``name``'s server (``DELETE /hub/api/users/{name}/server``) and wait until it is gone."""
        self.api("DELETE", f"/hub/api/users/{name}/server")
        deadline = time.monotonic() + timeout
        while (self.api("GET", f"/hub/api/users/{name}").get("servers") or {}).get(""):
            if time.monotonic() > deadline:
                raise HubError(f"the server of {name!r} did not stop within {timeout:g} s")
            time.sleep(0.5)
