"""The small models of notebooks 02-04, and the contract every course model follows.

Every course model is an ``nn.Module`` with four extra members, so that one trainer
(:func:`metamap_edu.learn.fit`, :class:`metamap_edu.learn.SequentialTrainer`) and one scorer
(:func:`metamap_edu.learn.metrics.score`) work unchanged on all of them::

    model.kinds                        # tuple of task kinds it can serve, e.g. ("classification",)
    model.collate(examples, kind)      # list of (x, y) pairs -> dict of tensors (no autograd)
    model.loss(batch)                  # dict of tensors -> scalar mean loss, differentiable
    model.predict(inputs, kind)        # list of x -> list of y, in the task's y format

A model asked for a kind it cannot serve raises ``ValueError`` naming both.

The models here are linear in their parameters' features -- the maths is exact and the pictures
are small:

* :class:`LinearMap` -- the article's linear model, y = W x + b (regression).
* :class:`BagOfWordsClassifier` -- logistic regression on a bag of words.
* :class:`TokenTagger` -- a per-token linear tagger over a window of words (NER).
* :class:`MLP` -- a plain multi-layer perceptron, used by ``bench/trainer_overhead.py``.

Taught in notebooks/02_learning_one_mapping (LinearMap, BagOfWordsClassifier) and
notebooks/03_a_stream_of_tasks.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import _show, check_int, check_nonempty, check_type
from .tokenizers import WordVocab, word_tokenize

__all__ = [
    "CourseModel",
    "CONTRACT",
    "check_model",
    "check_kind",
    "flat_params",
    "set_flat_params",
    "LinearMap",
    "BagOfWordsClassifier",
    "TokenTagger",
    "MLP",
]

_PREDICT_CHUNK = 512  # inputs scored per forward pass in predict()
_NEGATIONS = frozenset({"not", "never", "no", "n't"})
_CLAUSE_ENDS = frozenset({"but", "and", ",", ".", ";", ":", "!", "?"})


#: The members every course model has (see the module docstring).
CONTRACT = ("kinds", "collate", "loss", "predict")


def check_model(model: Any, kind: str | None = None, name: str = "model") -> Any:
    """Return ``model`` if it follows the course model contract -- an ``nn.Module`` with
    :data:`CONTRACT` and at least one trainable parameter -- and, when ``kind`` is given, serves
    it; else raise ``TypeError`` (not a contract model) or ``ValueError`` (nothing to train, or a
    kind it does not serve) naming ``name``. Every trainer checks its model with this one function."""
    check_type(name, model, nn.Module, "a torch.nn.Module following the course model contract")
    missing = [m for m in CONTRACT if not hasattr(model, m) or (m != "kinds" and not callable(getattr(model, m)))]
    if missing:
        raise TypeError(
            f"{name} must follow the course model contract ({', '.join(CONTRACT)}); "
            f"{type(model).__name__} lacks {', '.join(missing)}"
        )
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(f"{name} {type(model).__name__} has no trainable parameters")
    if kind is not None:
        check_kind(model, kind)
    return model


def check_kind(model: Any, kind: str) -> str:
    """Return ``kind`` if ``model.kinds`` contains it, else raise ``ValueError`` naming both."""
    kinds = tuple(getattr(model, "kinds", ()))
    if kind not in kinds:
        served = ", ".join(repr(k) for k in kinds) or "no kind at all"
        raise ValueError(
            f"{type(model).__name__} cannot serve tasks of kind {kind!r}; it serves {served}. "
            "Pick a model built for this kind of task."
        )
    return kind


def flat_params(model: nn.Module) -> torch.Tensor:
    """All trainable parameters as one detached flat vector θ (a copy), in ``model.parameters()`` order.

    For a :class:`LinearMap` with one output this is ``[w_1, ..., w_d, b]``, the same order as
    :func:`metamap_edu.learn.closed_form.add_bias_column` uses, so closed-form answers compare directly.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_show(model)} of type {type(model).__name__}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        return torch.zeros(0)
    return torch.cat([p.detach().reshape(-1) for p in params]).clone()


def set_flat_params(model: nn.Module, theta: torch.Tensor) -> None:
    """Write the flat vector ``theta`` (as returned by :func:`flat_params`) into the model, in place."""
    check_type("theta", theta, torch.Tensor)
    params = [p for p in model.parameters() if p.requires_grad]
    n = sum(p.numel() for p in params)
    if theta.dim() != 1 or theta.numel() != n:
        raise ValueError(f"theta must be a flat vector of {n} numbers for this model; got shape {tuple(theta.shape)}")
    with torch.no_grad():
        offset = 0
        for p in params:
            p.copy_(theta[offset : offset + p.numel()].view_as(p))
            offset += p.numel()


class CourseModel(nn.Module):
    """Base class documenting the model contract (subclassing it is optional: trainers duck-type).

    Subclasses set ``kinds`` and implement :meth:`collate`, :meth:`loss` and :meth:`predict`.
    """

    kinds: tuple[str, ...] = ()

    def check_kind(self, kind: str) -> str:
        return check_kind(self, kind)

    def collate(self, examples: Sequence[tuple[Any, Any]], kind: str) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def predict(self, inputs: Sequence[Any], kind: str) -> list:
        raise NotImplementedError

    def num_parameters(self) -> int:
        """Number of trainable numbers in θ."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def _examples(examples: Any) -> list[tuple[Any, Any]]:
    examples = list(examples)
    check_nonempty("examples", examples, "at least one (x, y) pair")
    for ex in examples[:1]:
        if not (isinstance(ex, tuple) and len(ex) == 2):
            raise TypeError(f"examples must be (x, y) pairs; got {ex!r}")
    return examples


class _NoGradEval:
    """Context: eval mode + no_grad, restoring the training flag afterwards."""

    def __init__(self, model: nn.Module):
        self.model = model

    def __enter__(self):
        self.was_training = self.model.training
        self.model.eval()
        self.grad = torch.no_grad()
        self.grad.__enter__()

    def __exit__(self, *exc):
        self.grad.__exit__(*exc)
        self.model.train(self.was_training)


# ---------------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------------
class LinearMap(CourseModel):
    r"""The article's linear model: :math:`\hat y = W x + b`.

    Shapes: ``x`` (B, d_in) -> ``ŷ`` (B, d_out); ``W`` (d_out, d_in), ``b`` (d_out,).

    Loss (mean over the batch of the squared error, summed over outputs):

    .. math:: L(\theta) = \frac{1}{n} \sum_{i=1}^{n} \lVert W x_i + b - y_i \rVert^2

    With one output this is exactly the ``(1/n)‖Xθ − y‖²`` of
    :func:`metamap_edu.learn.closed_form.ridge_toward`, where θ = [w, b] and X carries a column of ones.

    Parameters
    ----------
    in_features, out_features : sizes of x and y.
    bias : learn b (default True).
    init : ``"zeros"`` (θ = 0, the natural start for a convex problem) or ``"random"`` (PyTorch's
        default ``nn.Linear`` init).

    Taught in notebooks/02_learning_one_mapping.
    """

    kinds = ("regression",)

    def __init__(self, in_features: int, out_features: int = 1, bias: bool = True, init: str = "zeros"):
        super().__init__()
        in_features = check_int("in_features", in_features, min=1)
        out_features = check_int("out_features", out_features, min=1)
        if init not in ("zeros", "random"):
            raise ValueError(f"init must be one of 'zeros', 'random'; got {init!r}")
        self.linear = nn.Linear(in_features, out_features, bias=bool(bias))
        if init == "zeros":
            with torch.no_grad():
                for p in self.linear.parameters():
                    p.zero_()
        self.in_features, self.out_features = in_features, out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)  # (B, d_in) -> (B, d_out)

    def _x(self, inputs: Sequence[Any]) -> torch.Tensor:
        X = torch.as_tensor([tuple(x) for x in inputs], dtype=torch.float32)  # (B, d_in)
        if X.dim() != 2 or X.shape[1] != self.in_features:
            raise ValueError(f"inputs must be vectors of length in_features={self.in_features}; got shape {tuple(X.shape)}")
        return X

    def collate(self, examples, kind: str = "regression") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = _examples(examples)
        X = self._x([x for x, _ in examples])
        Y = torch.as_tensor([tuple(y) for _, y in examples], dtype=torch.float32)  # (B, d_out)
        if Y.dim() != 2 or Y.shape[1] != self.out_features:
            raise ValueError(f"targets must be vectors of length out_features={self.out_features}; got shape {tuple(Y.shape)}")
        return {"x": X, "y": Y}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        err = self(batch["x"]) - batch["y"]  # (B, d_out)
        return err.pow(2).sum(dim=1).mean()

    def predict(self, inputs, kind: str = "regression") -> list[tuple[float, ...]]:
        self.check_kind(kind)
        inputs = list(inputs)
        if not inputs:
            return []
        with _NoGradEval(self):
            out = self(self._x(inputs))
        return [tuple(float(v) for v in row) for row in out]


class MLP(CourseModel):
    r"""A multi-layer perceptron for regression: ``Linear -> ReLU -> ... -> Linear``.

    Shapes: ``x`` (B, d_in) -> ``ŷ`` (B, d_out). Loss as :class:`LinearMap`. Used by the trainer
    benchmark (about 1M parameters with ``MLP(128, (1024, 768), 10)``).
    """

    kinds = ("regression",)

    def __init__(self, in_features: int, hidden: Sequence[int] = (64,), out_features: int = 1):
        super().__init__()
        in_features = check_int("in_features", in_features, min=1)
        out_features = check_int("out_features", out_features, min=1)
        sizes = [in_features] + [check_int("hidden", h, min=1) for h in hidden] + [out_features]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        self.in_features, self.out_features = in_features, out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (B, d_in) -> (B, d_out)

    _x = LinearMap._x
    collate = LinearMap.collate
    loss = LinearMap.loss
    predict = LinearMap.predict


# ---------------------------------------------------------------------------------------------
# Text classification
# ---------------------------------------------------------------------------------------------
class BagOfWordsClassifier(CourseModel):
    r"""Logistic regression on a bag of words: an ``EmbeddingBag`` followed by a bias.

    A sentence x with word ids :math:`w_1..w_m` becomes the average of one-hot vectors,
    :math:`\phi(x) = \frac{1}{m}\sum_k e_{w_k}` (a vector of word frequencies), and

    .. math:: p(y = c \mid x) = \operatorname{softmax}_c (W \phi(x) + b), \qquad
              L = -\frac{1}{n}\sum_i \log p(y_i \mid x_i).

    ``W`` (C, V) is stored transposed as the ``EmbeddingBag`` table (V, C), so computing
    :math:`W\phi(x)` is a lookup-and-average of m rows -- no V-sized one-hot vector is built.
    With ``embed_dim=D`` a low-rank version is used instead: ``EmbeddingBag(V, D)`` then
    ``Linear(D, C)`` (still linear in φ(x), but no longer convex).

    Shapes: ``ids`` (N,) all word ids of the batch concatenated, ``offsets`` (B,) where each
    sentence starts -> logits (B, C).

    Parameters
    ----------
    vocab : :class:`metamap_edu.models.tokenizers.WordVocab` (unknown words map to ``<unk>``).
    labels : the class names, in output order (e.g. ``("negative", "positive")``).
    embed_dim : None for plain logistic regression, or an int D for the low-rank variant.
    mode : ``"mean"`` (word frequencies, default) or ``"sum"`` (word counts).
    ngrams : 1 for words only; 2 adds adjacent word pairs ("not dull") found in the vocabulary as
        extra features -- still logistic regression, but negation next to a word becomes visible.
        Pairs are stored in the vocabulary as ``"w1 w2"`` tokens (see :meth:`for_tasks`).
    mark_scope : rewrite the words before counting them (a classic sentiment trick, Das & Chen
        2001; Pang et al. 2002): a word after "not"/"never" in the same clause becomes
        ``"not:word"``, and a word before the last "but" becomes ``"but:word"``. Still a bag of
        words -- but "not dull" and "dull" are now different features, and the clause that
        "but" overrides gets its own weights. See :meth:`features`.
    init_std : standard deviation of the random initial weights (small: starts near chance).

    Build one for a list of tasks with :meth:`for_tasks`. Taught in notebooks/02_learning_one_mapping.
    """

    kinds = ("classification",)

    def __init__(
        self,
        vocab: WordVocab,
        labels: Sequence[str],
        embed_dim: int | None = None,
        mode: str = "mean",
        ngrams: int = 1,
        mark_scope: bool = False,
        init_std: float = 0.01,
    ):
        super().__init__()
        check_type("vocab", vocab, WordVocab, "a metamap_edu.models.tokenizers.WordVocab")
        labels = tuple(labels)
        check_nonempty("labels", labels, "at least two class names")
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be at least two distinct class names; got {labels!r}")
        if mode not in ("mean", "sum"):
            raise ValueError(f"mode must be one of 'mean', 'sum'; got {mode!r}")
        self.vocab, self.labels, self.mode = vocab, labels, mode
        self.ngrams = check_int("ngrams", ngrams, min=1, max=2)
        self.mark_scope = bool(check_type("mark_scope", mark_scope, bool))
        self.label_to_id = {lab: i for i, lab in enumerate(labels)}
        C, V = len(labels), len(vocab)
        if embed_dim is None:
            self.bag = nn.EmbeddingBag(V, C, mode=mode)  # table (V, C) = Wᵀ
            self.proj = None
        else:
            embed_dim = check_int("embed_dim", embed_dim, min=1)
            self.bag = nn.EmbeddingBag(V, embed_dim, mode=mode)  # (V, D)
            self.proj = nn.Linear(embed_dim, C, bias=False)  # (C, D)
        self.bias = nn.Parameter(torch.zeros(C))  # (C,)
        with torch.no_grad():
            self.bag.weight.normal_(0.0, float(init_std))
            if self.proj is not None:
                self.proj.weight.normal_(0.0, float(init_std) * 10)
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def for_tasks(
        cls, tasks: Iterable[Any], min_freq: int = 1, ngrams: int = 1, mark_scope: bool = False, **kwargs
    ) -> "BagOfWordsClassifier":
        """A classifier whose vocabulary and labels cover every task in ``tasks`` (sorted labels).

        The vocabulary holds the words seen at least ``min_freq`` times and, with ``ngrams=2``,
        the adjacent word pairs seen at least ``min_freq`` times (as ``"w1 w2"`` tokens).
        """
        tasks = list(tasks)
        check_nonempty("tasks", tasks, "at least one task")
        ngrams = check_int("ngrams", ngrams, min=1, max=2)
        texts = [x for t in tasks for x in t.inputs]
        labels = sorted({y for t in tasks for y in t.outputs})
        counts: Counter[str] = Counter()
        pair_counts: Counter[str] = Counter()
        for text in texts:
            w = cls.features(text, mark_scope)
            counts.update(w)
            if ngrams == 2:
                pair_counts.update(f"{x} {y}" for x, y in zip(w, w[1:]))
        words = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        pairs = sorted((p for p, c in pair_counts.items() if c >= min_freq), key=lambda p: (-pair_counts[p], p))
        if not words:
            raise ValueError(f"min_freq={min_freq} leaves no word in the vocabulary; lower it")
        return cls(WordVocab(words + pairs), labels, ngrams=ngrams, mark_scope=mark_scope, **kwargs)

    @staticmethod
    def features(text: str, mark_scope: bool = False) -> list[str]:
        """The tokens of ``text`` the model counts (lower-cased words, scope-marked if asked).

        ``features("the plot was not dull but the cast was great", mark_scope=True)`` ->
        ``['but:the', 'but:plot', 'but:was', 'but:not', 'but:not:dull', 'but', 'the', 'cast', 'was', 'great']``
        """
        words = word_tokenize(text)
        if not mark_scope:
            return words
        last_but = max((i for i, w in enumerate(words) if w == "but"), default=-1)
        out, negated = [], False
        for i, w in enumerate(words):
            tok = w
            if w in _CLAUSE_ENDS:
                negated = False
            elif w in _NEGATIONS:
                negated = True
            elif negated:
                tok = "not:" + w
            out.append("but:" + tok if i < last_but else tok)
        return out

    def _encode(self, text: str) -> list[int]:
        ids = self._cache.get(text)
        if ids is None:
            check_type("x", text, str, "a str (a sentence)")
            words = self.features(text, self.mark_scope)
            ids = [self.vocab.token_to_id(w) for w in words]
            if self.ngrams == 2:  # known pairs only: an unseen pair is simply absent
                stoi = self.vocab.stoi
                ids += [stoi[p] for p in (f"{a} {b}" for a, b in zip(words, words[1:])) if p in stoi]
            if len(self._cache) < 200_000:
                self._cache[text] = ids
        return ids

    def _bags(self, inputs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        ids: list[int] = []
        offsets: list[int] = []
        for x in inputs:
            offsets.append(len(ids))
            ids.extend(self._encode(x))
        return torch.tensor(ids, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        h = self.bag(ids, offsets)  # (B, C), or (B, D) in the low-rank variant
        if self.proj is not None:
            h = self.proj(h)  # (B, C)
        return h + self.bias  # (B, C) logits

    def collate(self, examples, kind: str = "classification") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = _examples(examples)
        ids, offsets = self._bags([x for x, _ in examples])
        try:
            y = torch.tensor([self.label_to_id[lab] for _, lab in examples], dtype=torch.long)  # (B,)
        except KeyError as err:
            raise ValueError(f"label {err.args[0]!r} is not one of this model's labels {self.labels!r}") from None
        return {"ids": ids, "offsets": offsets, "y": y}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return F.cross_entropy(self(batch["ids"], batch["offsets"]), batch["y"])

    def predict_proba(self, inputs: Sequence[str]) -> torch.Tensor:
        """p(y | x) for each input: a (B, C) tensor, columns in ``self.labels`` order."""
        inputs = list(inputs)
        out = []
        with _NoGradEval(self):
            for i in range(0, len(inputs), _PREDICT_CHUNK):
                out.append(torch.softmax(self(*self._bags(inputs[i : i + _PREDICT_CHUNK])), dim=-1))
        return torch.cat(out) if out else torch.zeros(0, len(self.labels))

    def predict(self, inputs, kind: str = "classification") -> list[str]:
        self.check_kind(kind)
        proba = self.predict_proba(inputs)
        return [self.labels[i] for i in proba.argmax(dim=-1).tolist()]


# ---------------------------------------------------------------------------------------------
# Tagging
# ---------------------------------------------------------------------------------------------
class TokenTagger(CourseModel):
    r"""A per-token linear tagger: each tag is a linear function of a window of words.

    For token t with word ids :math:`w_{t-k}..w_{t+k}` (k = ``window``; pads outside the sentence)
    and capitalisation flag :math:`c_t \in \{0, 1\}`:

    .. math:: s_t = \sum_{j=-k}^{k} E_j[w_{t+j}] + U[c_t] + b, \qquad
              p(\text{tag}_t = c) = \operatorname{softmax}_c(s_t)

    i.e. multinomial logistic regression on one-hot window features -- no interaction between
    tags, so no CRF. ``E_j`` (V, C) per offset, ``U`` (2, C), ``b`` (C,). The capitalisation flag
    matters because the vocabulary lower-cases words and names are capitalised.
    Loss: mean cross-entropy over real (non-pad) tokens.

    Shapes: ``ids`` (B, T), ``caps`` (B, T), ``tags`` (B, T) with -100 at padding -> logits (B, T, C).
    Inputs are strings of space-separated tokens (one tag per token), as in the task contract.
    """

    kinds = ("tagging",)

    def __init__(self, vocab: WordVocab, tags: Sequence[str], window: int = 1, init_std: float = 0.01):
        super().__init__()
        check_type("vocab", vocab, WordVocab, "a metamap_edu.models.tokenizers.WordVocab")
        tags = tuple(tags)
        if len(tags) < 2 or len(set(tags)) != len(tags):
            raise ValueError(f"tags must be at least two distinct tag names; got {tags!r}")
        self.window = check_int("window", window, min=0, max=5)
        self.vocab, self.tags = vocab, tags
        self.tag_to_id = {t: i for i, t in enumerate(tags)}
        C, V, K = len(tags), len(vocab), 2 * self.window + 1
        self.words = nn.Embedding(V, K * C, padding_idx=vocab.pad_id)  # (V, K*C): E_j stacked
        self.caps = nn.Embedding(2, C)  # (2, C) = U
        self.bias = nn.Parameter(torch.zeros(C))  # (C,)
        with torch.no_grad():
            self.words.weight.normal_(0.0, float(init_std))
            self.words.weight[vocab.pad_id].zero_()
            self.caps.weight.normal_(0.0, float(init_std))

    @classmethod
    def for_tasks(cls, tasks: Iterable[Any], min_freq: int = 1, **kwargs) -> "TokenTagger":
        """A tagger whose vocabulary and tag set cover every task in ``tasks``."""
        tasks = list(tasks)
        check_nonempty("tasks", tasks, "at least one task")
        texts = [x for t in tasks for x in t.inputs]
        tags = sorted({tag for t in tasks for y in t.outputs for tag in y})
        return cls(WordVocab.build(texts, min_freq=min_freq), tags, **kwargs)

    def _tokens(self, inputs: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
        seqs = []
        for x in inputs:
            check_type("x", x, str, "a str of space-separated tokens")
            seqs.append(x.split())
        lengths = [len(s) for s in seqs]
        T = max(lengths + [1])
        ids = torch.full((len(seqs), T), self.vocab.pad_id, dtype=torch.long)  # (B, T)
        caps = torch.zeros((len(seqs), T), dtype=torch.long)  # (B, T)
        low = self.vocab.lowercase
        for i, toks in enumerate(seqs):
            if toks:
                ids[i, : len(toks)] = torch.tensor([self.vocab.token_to_id(t.lower() if low else t) for t in toks])
                caps[i, : len(toks)] = torch.tensor([int(t[:1].isupper()) for t in toks])
        return ids, caps, lengths

    def forward(self, ids: torch.Tensor, caps: torch.Tensor) -> torch.Tensor:
        B, T = ids.shape
        k, C = self.window, len(self.tags)
        padded = F.pad(ids, (k, k), value=self.vocab.pad_id)  # (B, T + 2k)
        table = self.words(padded).view(B, T + 2 * k, 2 * k + 1, C)  # (B, T+2k, K, C)
        scores = self.caps(caps) + self.bias  # (B, T, C)
        for j in range(2 * k + 1):  # slot j holds E for offset j - k: the word at t + j - k
            scores = scores + table[:, j : j + T, j, :]
        return scores  # (B, T, C)

    def collate(self, examples, kind: str = "tagging") -> dict[str, torch.Tensor]:
        self.check_kind(kind)
        examples = _examples(examples)
        ids, caps, lengths = self._tokens([x for x, _ in examples])
        tags = torch.full(ids.shape, -100, dtype=torch.long)  # (B, T)
        for i, (x, y) in enumerate(examples):
            y = tuple(y)
            if len(y) != lengths[i]:
                raise ValueError(f"example {i}: {lengths[i]} tokens but {len(y)} tags in {x!r}")
            try:
                tags[i, : len(y)] = torch.tensor([self.tag_to_id[t] for t in y], dtype=torch.long)
            except KeyError as err:
                raise ValueError(f"tag {err.args[0]!r} is not one of this model's tags {self.tags!r}") from None
        return {"ids": ids, "caps": caps, "tags": tags}

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = self(batch["ids"], batch["caps"])  # (B, T, C)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["tags"].reshape(-1), ignore_index=-100)

    def predict(self, inputs, kind: str = "tagging") -> list[tuple[str, ...]]:
        self.check_kind(kind)
        inputs = list(inputs)
        out: list[tuple[str, ...]] = []
        with _NoGradEval(self):
            for i in range(0, len(inputs), _PREDICT_CHUNK):
                ids, caps, lengths = self._tokens(inputs[i : i + _PREDICT_CHUNK])
                best = self(ids, caps).argmax(dim=-1)  # (B, T)
                for row, n in zip(best.tolist(), lengths):
                    out.append(tuple(self.tags[j] for j in row[:n]))
        return out
