r"""How well a model does a task, and how a stream of tasks went.

Per-task metrics: :func:`accuracy`, :func:`macro_f1`, entity-level :func:`entity_f1` for BIO
tags (the CoNLL convention, agreeing with ``seqeval``'s default mode), and :func:`score`, the one
number per task that trainers use (higher is better).

Continual-learning metrics from an accuracy matrix R of shape (T+1, T): row 0 holds each task's
score before any training (the random-init baseline b_j), row i ≥ 1 the scores after training
on tasks 1..i. Following Lopez-Paz & Ranzato (2017, GEM), with tasks numbered 1..T:

.. math::

    \text{ACC} = \frac{1}{T}\sum_{j=1}^{T} R_{T,j}, \qquad
    \text{BWT} = \frac{1}{T-1}\sum_{j=1}^{T-1} (R_{T,j} - R_{j,j}), \qquad
    \text{FWT} = \frac{1}{T-1}\sum_{j=2}^{T} (R_{j-1,j} - b_j)

BWT < 0 is forgetting; FWT > 0 means earlier tasks helped a task before it was trained on. Both
divide by T−1, the number of terms, as in the paper. Forgetting (Chaudhry et al. 2018) is the
average drop from the best score a task ever had after being learned to its final score:
:math:`\frac{1}{T-1}\sum_{j=1}^{T-1} \max_{l \in \{j..T-1\}} R_{l,j} - R_{T,j}`.
With a single task (T = 1) BWT, FWT and forgetting are undefined and returned as NaN.

Taught in notebooks/02_learning_one_mapping (accuracy), 03_a_stream_of_tasks (R, ACC/BWT/FWT).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import _show, check_int, check_nonempty, check_sequence, check_type

__all__ = [
    "accuracy",
    "macro_f1",
    "bio_entities",
    "entity_f1",
    "average_accuracy",
    "backward_transfer",
    "forward_transfer",
    "forgetting",
    "continual_metrics",
    "score",
]


def _pair(y_true: Sequence[Any], y_pred: Sequence[Any]) -> tuple[list, list]:
    y_true = check_sequence("y_true", y_true, "a list of labels")
    y_pred = check_sequence("y_pred", y_pred, "a list of labels")
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length; got {len(y_true)} and {len(y_pred)}")
    check_nonempty("y_true", y_true, "at least one item")
    return y_true, y_pred


def accuracy(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float:
    r"""Fraction of exact matches: :math:`\frac{1}{n}\sum_i [\hat y_i = y_i]`."""
    y_true, y_pred = _pair(y_true, y_pred)
    return sum(a == b for a, b in zip(y_true, y_pred)) / len(y_true)


def macro_f1(y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any] | None = None) -> float:
    r"""Unweighted mean over classes of :math:`F_1 = 2TP / (2TP + FP + FN)` (0 for a class never seen).

    ``labels`` defaults to every class in ``y_true`` or ``y_pred`` (scikit-learn's convention).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    labels = sorted(set(y_true) | set(y_pred), key=str) if labels is None else list(labels)
    check_nonempty("labels", labels, "at least one class")
    scores = []
    for c in labels:
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred))
        denom = 2 * tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))


def _split_tag(tag: str) -> tuple[str, str]:
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tags must be non-empty strings like 'B-PER', 'I-PER' or 'O'; got {tag!r}")
    if tag == "O":
        return "O", "_"
    prefix, _, kind = tag.partition("-")
    if prefix not in ("B", "I") or not kind:
        raise ValueError(f"tags must follow the BIO scheme ('B-TYPE', 'I-TYPE', 'O'); got {tag!r}")
    return prefix, kind


def bio_entities(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities of one BIO tag sequence as ``(type, start, end)`` with ``end`` inclusive.

    CoNLL convention (as ``seqeval``'s default mode): an entity starts at ``B-X``, or at ``I-X``
    that does not continue an entity of type X; it ends before ``O``, ``B-*`` or a change of type.
    ``["B-PER", "I-PER", "O", "I-LOC"]`` -> ``[("PER", 0, 1), ("LOC", 3, 3)]``.
    """
    tags = check_sequence("tags", tags, "a list of BIO tags")
    out: list[tuple[str, int, int]] = []
    prev_tag, prev_type, begin = "O", "_", 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = _split_tag(tag)
        ends = prev_tag != "O" and (prefix in ("B", "O") or prev_type != kind)
        if ends:
            out.append((prev_type, begin, i - 1))
        starts = prefix == "B" or (prefix == "I" and (prev_tag == "O" or prev_type != kind))
        if starts:
            begin = i
        prev_tag, prev_type = prefix, kind
    return out


def entity_f1(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> float:
    r"""Entity-level micro F1 over sentences of BIO tags: an entity counts only if type and span match.

    :math:`P = |\text{pred} \cap \text{true}| / |\text{pred}|`, :math:`R = |\text{pred} \cap \text{true}| / |\text{true}|`,
    :math:`F_1 = 2PR/(P+R)`; 0 when there is nothing to match (as ``seqeval``). Taught in notebooks/07.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_set, pred_set = set(), set()
    for s, (t, p) in enumerate(zip(y_true, y_pred)):
        t, p = list(t), list(p)
        if len(t) != len(p):
            raise ValueError(f"y_true and y_pred must have the same number of tags per sentence; sentence {s}: "
                             f"{len(t)} true tags but {len(p)} predicted tags")  # names the arguments
        true_set.update((s,) + e for e in bio_entities(t))
        pred_set.update((s,) + e for e in bio_entities(p))
    hit = len(true_set & pred_set)
    if not hit:
        return 0.0
    precision, recall = hit / len(pred_set), hit / len(true_set)
    return 2 * precision * recall / (precision + recall)


# ---------------------------------------------------------------------------------------------
# Continual-learning metrics (GEM, Lopez-Paz & Ranzato 2017)
# ---------------------------------------------------------------------------------------------
def _check_R(R: Any) -> np.ndarray:
    try:
        R = np.asarray(R, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"R must be a (T+1, T) matrix of numbers (a list of rows or an array); got {_show(R)}") from None
    if R.ndim != 2 or R.shape[1] < 1 or R.shape[0] != R.shape[1] + 1:
        raise ValueError(
            "R must be the (T+1, T) accuracy matrix: row 0 before any training, row i after task i; "
            f"got shape {R.shape}"
        )
    bad = np.argwhere(~np.isfinite(R))
    if len(bad):
        i, j = (int(v) for v in bad[0])
        raise ValueError(f"R must hold finite scores; got {R[i, j]} at R[{i}, {j}] ({len(bad)} non-finite entries): "
                         "a task that was never scored, or a training run that diverged")
    return R


def average_accuracy(R: Any) -> float:
    """ACC: the mean final score over all tasks, (1/T) Σ_j R[T, j]."""
    R = _check_R(R)
    return float(R[-1].mean())


def backward_transfer(R: Any) -> float:
    """BWT: (1/(T−1)) Σ_{j<T} (R[T, j] − R[j, j]) -- negative means forgetting. NaN when T = 1."""
    R = _check_R(R)
    T = R.shape[1]
    if T < 2:
        return float("nan")
    return float(np.mean([R[T, j] - R[j + 1, j] for j in range(T - 1)]))


def forward_transfer(R: Any) -> float:
    """FWT: (1/(T−1)) Σ_{j≥2} (R[j−1, j] − b_j), b = row 0 (random init). NaN when T = 1."""
    R = _check_R(R)
    T = R.shape[1]
    if T < 2:
        return float("nan")
    return float(np.mean([R[j, j] - R[0, j] for j in range(1, T)]))


def forgetting(R: Any) -> float:
    """Average forgetting (Chaudhry et al. 2018): mean over j < T of max_{l ≥ j} R[l, j] − R[T, j]."""
    R = _check_R(R)
    T = R.shape[1]
    if T < 2:
        return float("nan")
    return float(np.mean([R[j + 1 : T, j].max() - R[T, j] for j in range(T - 1)]))


def continual_metrics(R: Any) -> dict[str, float]:
    """``{"acc": ..., "bwt": ..., "fwt": ..., "forgetting": ...}`` from the (T+1, T) matrix R."""
    return {
        "acc": average_accuracy(R),
        "bwt": backward_transfer(R),
        "fwt": forward_transfer(R),
        "forgetting": forgetting(R),
    }


# ---------------------------------------------------------------------------------------------
# One number per task
# ---------------------------------------------------------------------------------------------
def score(model: Any, task: Any) -> float:
    """The task's primary metric for ``model``'s predictions, higher is better.

    classification -> accuracy; tagging -> entity-level F1; translation -> corpus BLEU / 100;
    regression -> negative mean squared error, −(1/n) Σ_i ‖ŷ_i − y_i‖².
    A model that cannot serve the task's kind raises ``ValueError`` naming both.
    """
    kind = getattr(task, "kind", None)
    if kind is None or not hasattr(task, "inputs"):
        raise TypeError(f"task must be a MappingTask; got {type(task).__name__}")
    kinds = tuple(getattr(model, "kinds", ()))
    if kind not in kinds:
        raise ValueError(
            f"{type(model).__name__} cannot serve tasks of kind {kind!r} (task {getattr(task, 'name', '?')!r}); "
            f"it serves {', '.join(map(repr, kinds)) or 'no kind at all'}"
        )
    inputs, outputs = list(task.inputs), list(task.outputs)
    check_nonempty("task", inputs, "at least one example")
    pred = model.predict(inputs, kind)
    if kind == "classification":
        return accuracy(outputs, pred)
    if kind == "tagging":
        return entity_f1(outputs, pred)
    if kind == "regression":
        y = np.asarray(outputs, dtype=float)
        yhat = np.asarray(pred, dtype=float)
        return -float(((yhat - y) ** 2).reshape(len(y), -1).sum(axis=1).mean())
    if kind == "translation":
        return translation_score(outputs, pred)
    raise ValueError(f"task kind {kind!r} has no metric; known kinds: classification, tagging, translation, regression")


# ---- BLEU / exact match ----
# Taught in notebooks/07_the_whole_pipeline. Written to agree with sacrebleu's default corpus BLEU
# (13a tokenization, n = 1..4, exponential smoothing of zero counts, brevity penalty);
# tests/unit/models/test_transformer.py checks the agreement.
import math as _math  # noqa: E402
import re as _re  # noqa: E402
from collections import Counter as _Counter  # noqa: E402

__all__ += ["exact_match", "bleu_tokenize", "corpus_bleu", "translation_score"]

_BLEU_RULES = (
    (_re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),  # split off punctuation and symbols
    (_re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),  # a period or comma not after a digit
    (_re.compile(r"([\.,])([^0-9])"), r" \1 \2"),  # a period or comma not before a digit
    (_re.compile(r"([0-9])(-)"), r"\1 \2 "),  # a dash after a digit
)


def exact_match(references: Sequence[str], predictions: Sequence[str]) -> float:
    """Fraction of predictions equal to their reference after stripping outer whitespace."""
    refs, preds = _pair(references, predictions)
    return float(np.mean([str(r).strip() == str(p).strip() for r, p in zip(refs, preds)]))


def bleu_tokenize(text: str) -> list[str]:
    """The '13a' tokenization of WMT's mteval script, as sacrebleu applies it by default."""
    check_type("text", text, str)
    line = str(text).replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in _BLEU_RULES:
        line = pattern.sub(repl, line)
    return line.split()


def corpus_bleu(references: Sequence[str], predictions: Sequence[str], max_order: int = 4) -> float:
    r"""Corpus BLEU on sacrebleu's 0-100 scale (one reference per prediction).

    .. math:: \text{BLEU} = 100 \cdot \text{BP} \cdot \exp\Big(\tfrac{1}{N}\sum_{n=1}^{N} \log p_n\Big),
        \qquad \text{BP} = \min\big(1, e^{1 - r/c}\big)

    p_n is the clipped n-gram precision summed over the whole corpus (matches / predicted n-grams),
    c the total predicted length and r the total reference length. A zero match count at order n
    is smoothed to 1 / (2^k · total_n), k counting the zero orders so far (sacrebleu's "exp").
    """
    max_order = check_int("max_order", max_order, min=1, max=10)
    refs, preds = _pair(references, predictions)
    for name, texts in (("references", refs), ("predictions", preds)):
        for t in texts:
            check_type(name, t, str, "a sequence of str")
    correct, total = [0] * max_order, [0] * max_order
    sys_len = ref_len = 0
    for ref, pred in zip(refs, preds):
        r, h = bleu_tokenize(ref), bleu_tokenize(pred)
        sys_len, ref_len = sys_len + len(h), ref_len + len(r)
        for n in range(1, max_order + 1):
            h_grams = _Counter(tuple(h[i : i + n]) for i in range(len(h) - n + 1))
            r_grams = _Counter(tuple(r[i : i + n]) for i in range(len(r) - n + 1))
            correct[n - 1] += sum(min(c, r_grams[g]) for g, c in h_grams.items())
            total[n - 1] += max(len(h) - n + 1, 0)
    if not any(correct):
        return 0.0
    bp = 1.0 if sys_len >= ref_len else (_math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0)
    log_p, smooth = [], 1.0
    for n in range(max_order):
        if total[n] == 0:  # predictions too short to have n-grams of this order
            log_p.append(-9999999999.0)
            continue
        if correct[n] == 0:
            smooth *= 2
            log_p.append(_math.log(100.0 / (smooth * total[n])))
        else:
            log_p.append(_math.log(100.0 * correct[n] / total[n]))
    return float(bp * _math.exp(sum(log_p) / max_order))


def translation_score(references: Sequence[str], predictions: Sequence[str]) -> float:
    """Primary translation metric in [0, 1]: corpus BLEU / 100 (higher is better)."""
    return corpus_bleu(references, predictions) / 100.0
