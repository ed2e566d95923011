"""Fixtures for the browser test: a private JupyterLab server and a headless system Chromium.

Why a real browser: nbval and papermill run notebooks headless, so they cannot tell whether a
slider actually appears and responds in JupyterLab. This test drives the real client.

Nothing is downloaded. Chromium comes from the system package manager (`apt-get install -y
chromium` on Debian/Ubuntu) and Playwright only drives it (`executable_path`); never run
`playwright install`. The JupyterLab server listens on 127.0.0.1 on a random free port with a
random token, serves a temporary copy of the notebooks (the stored ones are never modified) and is
always stopped, even when a test fails.

Environment knobs (all optional):
    METAMAP_CHROMIUM            path to the Chromium executable (default: first of chromium,
                                chromium-browser, google-chrome on PATH)
    METAMAP_REQUIRE_BROWSER=1   fail instead of skip when Chromium or Playwright is missing (CI)
    METAMAP_BROWSER_NB_TIMEOUT  seconds allowed per notebook (default 420)
    METAMAP_BROWSER_TIMEOUT     seconds allowed for the whole browser test (default 2400)
    METAMAP_BROWSER_FAST=0      run notebooks at default parameters instead of FAST = True
    METAMAP_BROWSER_NOTEBOOKS   folder of notebooks to test (default <repo>/notebooks)
    METAMAP_ARTIFACTS           where screenshots go (default <repo>/test-artifacts/browser)
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
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("METAMAP_BROWSER_NOTEBOOKS") or REPO / "notebooks")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # keep a closed network quiet
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
]

NB_TIMEOUT = float(os.environ.get("METAMAP_BROWSER_NB_TIMEOUT", "420"))
TOTAL_TIMEOUT = float(os.environ.get("METAMAP_BROWSER_TIMEOUT", "2400"))
SERVER_START_TIMEOUT = 180.0
SERVER_STOP_TIMEOUT = 30.0
REQUIRE = os.environ.get("METAMAP_REQUIRE_BROWSER", "") not in ("", "0")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (slow)")


def _missing(reason: str):
    """Skip locally, fail in CI (METAMAP_REQUIRE_BROWSER=1)."""
    if REQUIRE:
        pytest.fail(f"browser test cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser test skipped: {reason}")


def chromium_path() -> str | None:
    explicit = os.environ.get("METAMAP_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


@dataclass
class LabServer:
    url: str          # http://127.0.0.1:PORT
    token: str
    root: Path        # the server's root_dir (a temporary folder)
    log: Path
    process: subprocess.Popen

    def api(self, method: str, path: str, timeout: float = 20.0):
        req = urllib.request.Request(
            f"{self.url}{path}", method=method,
            headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_all_kernels(self) -> None:
        """Free memory between notebooks (the machine may be small and shared)."""
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}")
        except (OSError, urllib.error.URLError, ValueError):
            pass

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and its kernels: SIGTERM to its process group, then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=SERVER_STOP_TIMEOUT)


@pytest.fixture(scope="session")
def browser_deadline():
    """Monotonic time by which the whole browser test must be done."""
    return time.monotonic() + TOTAL_TIMEOUT


# Module scope, not session: Playwright's sync API runs an event loop in this thread while it is
# open, and nbclient/papermill in later test modules call asyncio.run(), which refuses to start
# inside a running loop. Closing both when the browser module ends keeps the rest of the suite clean.
@pytest.fixture(scope="module")
def lab_server(tmp_path_factory, browser_deadline):
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        _missing("jupyterlab is not installed")
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    # a copy of the notebooks folder (so relative paths work); the tests overwrite each notebook
    # with a prepared copy, and the stored notebooks are never touched
    if NOTEBOOKS.is_dir():
        shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(
            ".ipynb_checkpoints", "__pycache__", "*.ipynb"))
    else:
        root.mkdir()
    settings = base / "settings"
    # no news, no update check, no toast over the notebook
    _write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    # attach every cell to the DOM so each cell's outputs can be inspected
    _write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
                {"windowingMode": "none"})
    # the environment's default settings, as `metamap-edu lab-settings` (the README's set-up)
    # writes them: widget state is saved with a notebook. A private folder, so the course's .venv
    # is never written to by a test.
    from metamap_edu.tools.doctor import lab_settings_dir, save_widget_state_by_default

    save_widget_state_by_default(base / "prefix")
    app_settings = lab_settings_dir(base / "prefix")
    config = base / "config"
    _write_json(config / "jupyter_server_config.json", {
        "LabApp": {"news_url": None,
                   "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                   "expose_app_in_browser": True},
    })
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # kernels then pick the inline backend and show figures
    env.update({
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        "TQDM_DISABLE": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    })
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--ServerApp.terminals_enabled=False",
           f"--LabApp.app_settings_dir={app_settings}"]
    log = base / "server.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                   cwd=root, start_new_session=True)
    server = LabServer(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log,
                       process=process)
    try:
        limit = time.monotonic() + min(SERVER_START_TIMEOUT, browser_deadline - time.monotonic())
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode}:\n"
                            f"{server.log_tail()}", pytrace=False)
            try:
                server.api("GET", "/api/status", timeout=5)
                break
            except (OSError, urllib.error.URLError, ValueError):
                if time.monotonic() > limit:
                    pytest.fail(f"JupyterLab did not answer within {SERVER_START_TIMEOUT:.0f} s:\n"
                                f"{server.log_tail()}", pytrace=False)
                time.sleep(0.5)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def chromium():
    """A headless system Chromium driven by Playwright (nothing is downloaded)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    exe = chromium_path()
    if exe is None:
        _missing("no system Chromium found (apt-get install -y chromium, or set METAMAP_CHROMIUM)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS,
                                    timeout=120_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def artifacts_dir():
    path = Path(os.environ.get("METAMAP_ARTIFACTS", REPO / "test-artifacts" / "browser"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_terminal_summary(terminalreporter):
    """Report the slider update latencies the browser test measured (also in each notebook's JSON)."""
    module = next((m for name, m in sys.modules.items() if name.endswith("test_notebooks_in_jupyterlab")), None)
    latencies = getattr(module, "LATENCIES", None)
    if not latencies:
        return
    terminalreporter.section("widget update latency (slider moved -> output changed)")
    for name, values in latencies.items():
        median = sorted(values)[len(values) // 2]
        terminalreporter.write_line(f"{name}: median {median:.2f} s; moves: "
                                    + ", ".join(f"{v:.2f}" for v in values))
