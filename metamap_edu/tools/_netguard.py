"""The offline guarantee, enforced: refuse outbound network connections, allow loopback.

The course must run with no network (DESIGN.md section 5). The test-suite proves it by running
the package and the notebooks with this guard switched on:

* :func:`install` patches ``socket.socket.connect`` / ``connect_ex`` / ``sendto``,
  ``socket.create_connection`` and ``socket.getaddrinfo`` so that any connection to a
  non-loopback address raises :class:`NetworkBlockedError` (an ``OSError``, which is how code
  normally sees "no network"). Unix sockets and 127.0.0.0/8, ::1 and ``localhost`` stay allowed:
  a Jupyter kernel talks to its client over loopback.
* Kernels are separate processes, so the guard reaches them through the environment:
  :func:`guard_env` sets ``METAMAP_EDU_BLOCK_NETWORK=1`` and puts a folder holding a
  ``sitecustomize.py`` first on ``PYTHONPATH``; every Python started with that environment
  installs the guard before running anything else (``import metamap_edu`` also installs it
  when the variable is set). ``tests/conftest.py`` does this for the whole test session.

This file imports nothing from the package (the ``sitecustomize`` loads it by path, so a
child process does not pay for importing torch).
"""
from __future__ import annotations

import ipaddress
import os
import socket
import sys
import tempfile

ENV_VAR = "METAMAP_EDU_BLOCK_NETWORK"

__all__ = ["ENV_VAR", "NetworkBlockedError", "is_loopback", "install", "uninstall", "installed",
           "sitecustomize_dir", "guard_env"]


class NetworkBlockedError(ConnectionRefusedError):
    """Raised instead of opening an outbound connection while the guard is installed."""


_ORIGINAL: dict[str, object] = {}
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback(address: object) -> bool:
    """True for a Unix-socket path, a loopback IP (127.0.0.0/8, ::1) or ``localhost``."""
    if isinstance(address, (str, bytes, bytearray)):  # AF_UNIX path (or abstract socket)
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip().lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already touch the network


def _refuse(what: str, address: object) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"network access blocked: {what} {address!r} is not a loopback address. metamap_edu runs "
        f"offline and must not reach the network ({ENV_VAR}=1 is set, e.g. by the test-suite)."
    )


def _is_unix(sock: socket.socket) -> bool:
    return getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX


def install() -> None:
    """Patch :mod:`socket` so that only loopback and Unix-socket connections are allowed (idempotent)."""
    if _ORIGINAL:
        return
    orig_connect, orig_connect_ex = socket.socket.connect, socket.socket.connect_ex
    orig_sendto, orig_create = socket.socket.sendto, socket.create_connection
    orig_getaddrinfo = socket.getaddrinfo
    _ORIGINAL.update(connect=orig_connect, connect_ex=orig_connect_ex, sendto=orig_sendto,
                     create_connection=orig_create, getaddrinfo=orig_getaddrinfo)

    def connect(self, address):
        if not (_is_unix(self) or is_loopback(address)):
            raise _refuse("connection to", address)
        return orig_connect(self, address)

    def connect_ex(self, address):
        if not (_is_unix(self) or is_loopback(address)):
            raise _refuse("connection to", address)
        return orig_connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1] if args else None
        if not (_is_unix(self) or is_loopback(address)):
            raise _refuse("datagram to", address)
        return orig_sendto(self, data, *args)

    def create_connection(address, *args, **kwargs):
        if not is_loopback(address):
            raise _refuse("connection to", address)
        return orig_create(address, *args, **kwargs)

    def getaddrinfo(host, port, *args, **kwargs):
        if host is not None and not is_loopback((host, port)) and host != socket.gethostname():
            try:
                ipaddress.ip_address(str(host).split("%", 1)[0])  # numeric: no lookup, connect() decides
            except ValueError:
                raise _refuse("name lookup of", host) from None
        return orig_getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.create_connection = create_connection
    socket.getaddrinfo = getaddrinfo


def uninstall() -> None:
    """Undo :func:`install`."""
    if not _ORIGINAL:
        return
    socket.socket.connect = _ORIGINAL["connect"]
    socket.socket.connect_ex = _ORIGINAL["connect_ex"]
    socket.socket.sendto = _ORIGINAL["sendto"]
    socket.create_connection = _ORIGINAL["create_connection"]
    socket.getaddrinfo = _ORIGINAL["getaddrinfo"]
    _ORIGINAL.clear()


def installed() -> bool:
    return bool(_ORIGINAL)


_SITECUSTOMIZE = '''\
# Written by metamap_edu.tools._netguard: block outbound network in this Python process.
import os, sys
if os.environ.get({env!r}) == "1":
    import importlib.util as _u
    _spec = _u.spec_from_file_location("metamap_edu_netguard", {path!r})
    _mod = _u.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    _mod.install()
# chain to any other sitecustomize further down the path
_here = os.path.dirname(os.path.abspath(__file__))
_saved = list(sys.path)
_me = sys.modules.pop("sitecustomize", None)
try:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    import sitecustomize  # noqa: F401
except ImportError:
    pass
finally:
    sys.path[:] = _saved
    if _me is not None:
        sys.modules["sitecustomize"] = _me
'''

_DIR: list[str] = []


def sitecustomize_dir() -> str:
    """A folder (created once per process) holding the ``sitecustomize.py`` that installs the guard."""
    if not _DIR:
        folder = tempfile.mkdtemp(prefix="metamap-netguard-")
        with open(os.path.join(folder, "sitecustomize.py"), "w", encoding="utf-8") as f:
            f.write(_SITECUSTOMIZE.format(env=ENV_VAR, path=os.path.abspath(__file__)))
        _DIR.append(folder)
    return _DIR[0]


def guard_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: a copy of ``os.environ``) with the guard switched on for child processes."""
    env = dict(os.environ if env is None else env)
    env[ENV_VAR] = "1"
    folder = sitecustomize_dir()
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if folder not in parts:
        env["PYTHONPATH"] = os.pathsep.join([folder, *parts])
    return env


if __name__ == "__main__":  # pragma: no cover - manual check
    install()
    print("guard installed:", installed(), file=sys.stderr)
