"""Running a notebook in a student's server on the hub, cell by cell over the kernel's websocket.

:func:`run_in_server` opens a notebook from the student's home (contents API), starts a kernel
there (``POST /user/{name}/api/kernels``, :class:`ServerKernel`) and runs every code cell through
the kernel's websocket, as JupyterLab does; ``fast=True`` runs ``FAST = True`` right after the
``parameters`` cell, as papermill does. It returns a :class:`ServerRun`. The hub is a
:class:`metamap_edu.tools.classroom.LocalHub`; ``tests/unit/tools/test_classroom_hub.py`` runs two
students on a real one and ``bench/classroom_load.py`` a whole class.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import psutil

from .._checks import check_float, check_type
from .classroom import HubError, LocalHub

__all__ = ["ServerKernel", "ServerRun", "run_in_server"]


def _kernel_process(kernel_id: str):
    """The local process of kernel ``kernel_id`` (its connection file names the id), or None."""
    needle = f"kernel-{kernel_id}.json"
    for proc in psutil.process_iter(["cmdline"]):
        if any(needle in part for part in (proc.info.get("cmdline") or [])):
            return proc
    return None


class ServerKernel:
    """A kernel in a student's server, driven through its websocket (the Jupyter messaging protocol).

    ``cwd`` is the kernel's working folder, relative to the student's home. The kernel's peak
    resident memory is sampled while cells run (when the server runs on this machine).
    """

    def __init__(self, hub: LocalHub, user: str, cwd: str = "", *, start_timeout: float = 120.0):
        check_type("hub", hub, LocalHub)
        check_type("user", user, str)
        check_type("cwd", cwd, str)
        start_timeout = check_float("start_timeout", start_timeout, min=0.1)
        self.hub, self.user = hub, user
        self.base = f"/user/{user}/api"
        model = hub.api("POST", f"{self.base}/kernels", {"name": "python3", "path": cwd}, timeout=start_timeout)
        self.id = model["id"]
        self.client_id = uuid.uuid4().hex
        self.peak_rss_mb = 0.0
        self._proc = _kernel_process(self.id)
        import websocket  # optional: websocket-client comes with the classroom extra

        ws_url = hub.url.replace("http://", "ws://") + f"{self.base}/kernels/{self.id}/channels?session_id={self.client_id}"
        try:
            self.ws = websocket.create_connection(ws_url, header=[f"Authorization: token {hub.token}"],
                                                  timeout=start_timeout)
        except Exception:
            self.shutdown()
            raise
        self.ws.settimeout(0.5)

    def _sample(self) -> None:
        if self._proc is None:
            self._proc = _kernel_process(self.id)
        if self._proc is not None:
            try:
                self.peak_rss_mb = max(self.peak_rss_mb, self._proc.memory_info().rss / 2**20)
            except psutil.Error:
                pass

    def execute(self, code: str, *, timeout: float = 300.0) -> tuple[list[dict], int | None]:
        """Run ``code``; return its outputs (nbformat dicts) and execution count.

        Raises :class:`HubError` when the cell does not finish within ``timeout`` seconds.
        """
        import websocket  # optional: websocket-client comes with the classroom extra

        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.user, "session": self.client_id,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        outputs: list[dict] = []
        count = None
        idle = replied = False
        deadline = time.monotonic() + timeout
        while not (idle and replied):
            self._sample()
            if time.monotonic() > deadline:
                raise HubError(f"a cell of {self.user!r} did not finish within {timeout:g} s (per-cell timeout)")
            try:
                raw = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            if not isinstance(raw, str):
                continue  # binary frames carry widget buffers: not outputs
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if msg.get("channel") == "shell" and kind == "execute_reply":
                replied = True
                count = content.get("execution_count")
                if content.get("status") == "error" and not any(o["output_type"] == "error" for o in outputs):
                    outputs.append({"output_type": "error", "ename": content.get("ename", ""),
                                    "evalue": content.get("evalue", ""), "traceback": content.get("traceback", [])})
            elif kind == "status":
                idle = content.get("execution_state") == "idle"
            elif kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                out = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
                if kind == "execute_result":
                    out["execution_count"] = content.get("execution_count")
                outputs.append(out)
            elif kind == "error":
                outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"],
                                "traceback": content["traceback"]})
            elif kind == "clear_output":
                outputs.clear()
        self._sample()
        return outputs, count

    def shutdown(self) -> None:
        """Close the websocket and delete the kernel (``DELETE /user/NAME/api/kernels/ID``)."""
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                ws.close()
            except Exception:
                pass
        try:
            self.hub.api("DELETE", f"{self.base}/kernels/{self.id}")
        except (OSError, HubError):
            pass

    def __enter__(self) -> "ServerKernel":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


@dataclass
class ServerRun:
    """One notebook run in a student's server: seconds (kernel start to last cell), errors, memory."""

    user: str
    notebook: str
    seconds: float
    errors: list[str] = field(default_factory=list)
    peak_rss_mb: float | None = None
    output_path: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def run_in_server(hub: LocalHub, user: str, notebook: str, *, fast: bool = True, cell_timeout: float = 300.0,
                  run_timeout: float = 900.0, save_as: str | None = None) -> ServerRun:
    """Run ``notebook`` (a path in ``user``'s home) top to bottom in a new kernel of their server.

    The notebook is read through the contents API, its code cells run in order through the
    kernel's websocket (``FAST = True`` right after the ``parameters`` cell when ``fast``), and the
    executed copy is saved back to the home as ``save_as`` (default ``NAME.run.ipynb`` beside it).
    A cell that raises stops the run; the error is in ``errors``. ``run_timeout`` bounds the whole run.
    """
    check_type("hub", hub, LocalHub)
    check_type("user", user, str)
    check_type("notebook", notebook, str)
    if not notebook.endswith(".ipynb"):
        raise ValueError(f"notebook must be the path of a .ipynb file in the student's home; got {notebook!r}")
    check_type("fast", fast, bool)
    if save_as is not None and not (isinstance(save_as, str) and save_as.endswith(".ipynb")):
        raise ValueError(f"save_as must be None or the path of a .ipynb file; got {save_as!r}")
    cell_timeout = check_float("cell_timeout", cell_timeout, min=0.1)
    run_timeout = check_float("run_timeout", run_timeout, min=0.1)
    quoted = urllib.request.quote(notebook)
    nb = hub.api("GET", f"/user/{user}/api/contents/{quoted}?content=1&type=notebook")["content"]
    folder = os.path.dirname(notebook)
    start = time.monotonic()
    errors: list[str] = []
    kernel = ServerKernel(hub, user, folder)
    try:
        cells = nb["cells"]
        index = 0
        while index < len(cells):
            cell = cells[index]
            index += 1
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            left = run_timeout - (time.monotonic() - start)
            if left <= 0:
                errors.append(f"cell {index - 1}: whole run timed out after {run_timeout:g} s (whole-run timeout)")
                break
            try:
                cell["outputs"], cell["execution_count"] = kernel.execute(source, timeout=min(cell_timeout, left))
            except HubError as err:
                errors.append(f"cell {index - 1}: {err}")
                break
            failed = [o for o in cell["outputs"] if o["output_type"] == "error"]
            if failed:
                errors.append(f"cell {index - 1}: {failed[0]['ename']}: {failed[0]['evalue']}")
                break
            if fast and "parameters" in cell.get("metadata", {}).get("tags", []):
                cells.insert(index, {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]},
                                     "source": "FAST = True", "outputs": [], "execution_count": None})
    finally:
        kernel.shutdown()
    seconds = time.monotonic() - start
    save_as = save_as or notebook[: -len(".ipynb")] + ".run.ipynb"
    hub.api("PUT", f"/user/{user}/api/contents/{urllib.request.quote(save_as)}",
            {"type": "notebook", "format": "json", "content": nb})
    return ServerRun(user, notebook, seconds, errors, kernel.peak_rss_mb or None, save_as)
