"""classroom/values.yaml, the Zero to JupyterHub (Helm chart) values for a large class.

It cannot be installed here (no Kubernetes), so it is checked as YAML against the keys the
chart documents, with their types, and against the one-server configuration
(classroom/jupyterhub_config.py): the same choices for memory, threads, CPU, culling and the
first notebook.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from metamap_edu.tools import classroom

VALUES = Path(__file__).resolve().parents[3] / "classroom" / "values.yaml"

# Key paths the chart documents (its jupyterhub/values.schema.yaml, the source of the
# configuration reference at z2jh.jupyter.org), with the types it allows. A path ending in
# ".*" is an open mapping the chart passes through (traitlets config, environment variables,
# Kubernetes lifecycle handlers).
DOCUMENTED = {
    "hub.config.*": None,
    "singleuser.image.name": str,
    "singleuser.image.tag": str,
    "singleuser.image.pullPolicy": (str, type(None)),
    "singleuser.cmd": (list, str, type(None)),
    "singleuser.defaultUrl": (str, type(None)),
    "singleuser.extraEnv.*": None,
    "singleuser.memory.limit": (int, float, str, type(None)),
    "singleuser.memory.guarantee": (int, float, str, type(None)),
    "singleuser.cpu.limit": (int, float, type(None)),
    "singleuser.cpu.guarantee": (int, float, type(None)),
    "singleuser.lifecycleHooks.postStart.*": None,
    "singleuser.lifecycleHooks.preStop.*": None,
    "singleuser.storage.capacity": (str, type(None)),
    "singleuser.storage.type": str,
    "singleuser.startTimeout": (int, type(None)),
    "cull.enabled": bool,
    "cull.users": (bool, type(None)),
    "cull.adminUsers": (bool, type(None)),
    "cull.removeNamedServers": (bool, type(None)),
    "cull.timeout": (int, type(None)),
    "cull.every": (int, type(None)),
    "cull.concurrency": (int, type(None)),
    "cull.maxAge": (int, type(None)),
}


def _leaves(tree, prefix=""):
    """Every (dotted key path, value), stopping at a documented open mapping."""
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if f"{path}.*" in DOCUMENTED:
            yield f"{path}.*", value
        elif isinstance(value, dict):
            yield from _leaves(value, path + ".")
        else:
            yield path, value


def _bytes(spec) -> float:
    """A Kubernetes / JupyterHub memory figure ("1.5G", "1G", 2**30) in bytes."""
    if isinstance(spec, (int, float)):
        return float(spec)
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    spec = spec.rstrip("i")
    return float(spec[:-1]) * units[spec[-1]] if spec[-1] in units else float(spec)


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


@pytest.fixture
def one_server(monkeypatch):
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("METAMAP_HUB_PASSWORD", "a-class-password")
    monkeypatch.delenv("METAMAP_HUB_CULL_TIMEOUT", raising=False)
    return PyFileConfigLoader(classroom.CONFIG.name, path=str(classroom.CONFIG.parent)).load_config()


def test_every_key_is_one_the_chart_documents_with_its_type(values):
    leaves = list(_leaves(values))
    assert len(leaves) >= 10
    for path, value in leaves:
        assert path in DOCUMENTED, f"{path} is not a key the Zero to JupyterHub chart documents"
        allowed = DOCUMENTED[path]
        if allowed is None:
            assert isinstance(value, dict), f"{path} must be a mapping; got {value!r}"
        else:
            assert isinstance(value, allowed), f"{path} = {value!r} has a type the chart does not allow"


def test_the_check_catches_a_misspelt_key(values):
    wrong = {**values, "singleuser": {**values["singleuser"], "memmory": {"limit": "1G"}}}
    bad = [path for path, _ in _leaves(wrong) if path not in DOCUMENTED]
    assert bad == ["singleuser.memmory.limit"]


def test_the_same_choices_as_the_one_server_configuration(values, one_server):
    user = values["singleuser"]
    assert _bytes(user["memory"]["limit"]) == _bytes(one_server.Spawner.mem_limit)
    assert _bytes(user["memory"]["guarantee"]) == _bytes(one_server.Spawner.mem_guarantee)
    assert user["cpu"]["limit"] == one_server.Spawner.cpu_limit
    assert 0 < user["cpu"]["guarantee"] <= user["cpu"]["limit"]
    env = one_server.Spawner.environment
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        assert user["extraEnv"][name] == env[name] == "1"
    assert user["defaultUrl"] == one_server.Spawner.default_url
    culler = next(s for s in one_server.JupyterHub.services if s["name"] == "idle-culler")
    assert values["cull"]["enabled"] is True
    assert f"--timeout={values['cull']['timeout']}" in culler["command"]
    assert f"--cull-every={values['cull']['every']}" in culler["command"]
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == one_server.JupyterHub.authenticator_class


def test_new_homes_get_the_notebooks_without_overwriting(values):
    command = " ".join(values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"])
    assert "cp -n" in command and "notebooks" in command and "notebooks/solutions" in command
    # no password in the file: it is set at install time (helm --set)

    def keys(tree):
        for key, value in tree.items():
            yield key
            if isinstance(value, dict):
                yield from keys(value)

    assert not [key for key in keys(values) if "password" in key.lower()]
