r"""Few-shot use of a frozen sentence encoder: a ProtoNet head, and fine-tuning on a support set.

Taught in ``notebooks/08_real_models_and_real_data``; the encoder itself (all-MiniLM-L6-v2,
verified, offline, cached) is loaded by :mod:`metamap_edu.real.minilm`. On top of the frozen
encoder f sits a ProtoNet head: class prototypes are mean embeddings,

.. math::  c_k = \frac{1}{|S_k|} \sum_{x \in S_k} f(x), \qquad
           \hat y(x) = \arg\min_k \lVert f(x) - c_k \rVert^2

(:func:`prototypes`, :func:`protonet_predict`, :func:`protonet_accuracy`). Few-shot fine-tuning
(:func:`finetune_fewshot`) starts from that head written as a linear layer
(:math:`W_k = s\,c_k`, :math:`b_k = -\tfrac{s}{2}\lVert c_k\rVert^2`, s = 2 by default:
:class:`SentenceClassifier`, a course model) and trains the encoder (word-embedding table
frozen) on the support set with the course's ``fit``, optionally with the L2-SP anchor
``L2ToInit`` at the pretrained weights :math:`\theta_0`:

.. math::  \mathcal L(\theta) = \mathrm{CE}_{\text{support}}(\theta)
           + \lambda \lVert \theta - \theta_0 \rVert^2 .
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from .._checks import _show, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .._progress import progress_bar
from ..learn import L2ToInit, fit
from ..models import CourseModel, check_kind
from ..tasks import MappingTask

__all__ = [
    "prototypes",
    "protonet_predict",
    "protonet_accuracy",
    "SentenceClassifier",
    "finetune_fewshot",
    "finetune_episodes",
]


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
class SentenceClassifier(CourseModel):
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

    @torch.no_grad()
    def init_head_from_prototypes(self, protos: np.ndarray) -> None:
        """Set :math:`W_k = s c_k` and :math:`b_k = -\\tfrac{s}{2}\\lVert c_k\\rVert^2` (rows in ``self.labels`` order)."""
        c = torch.as_tensor(np.asarray(protos), dtype=torch.float32)  # (K, D)
        if c.shape != self.head.weight.shape:
            raise ValueError(f"protos must have shape {tuple(self.head.weight.shape)}; got {tuple(c.shape)}")
        self.head.weight.copy_(self.scale * c)
        self.head.bias.copy_(-0.5 * self.scale * (c * c).sum(-1))

    def collate(self, examples, kind: str = "classification") -> dict[str, torch.Tensor]:
        check_kind(self, kind)
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

    def _embed_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        features = {k: v for k, v in batch.items() if k != "labels"}
        return self.body(features)["sentence_embedding"]  # (B, D)

    def embed(self, inputs: Sequence[str], kind: str = "classification") -> torch.Tensor:
        """The sentence embeddings f(x) of raw ``inputs`` (differentiable), as every course model's ``embed``."""
        check_kind(self, kind)
        return self._embed_batch(self._tokenize(list(inputs)))  # (N, D)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(self._embed_batch(batch))  # (B, K)

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return nn.functional.cross_entropy(self(batch), batch["labels"])

    @torch.no_grad()
    def predict(self, inputs, kind: str = "classification") -> list[str]:
        check_kind(self, kind)
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
