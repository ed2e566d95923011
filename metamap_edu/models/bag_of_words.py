r"""Logistic regression on a bag of words: the text classifier of notebooks 02-04.

A sentence x with word ids :math:`w_1..w_m` becomes its vector of word frequencies
:math:`\phi(x) = \frac1m\sum_k e_{w_k}`, and

.. math:: p(y = c \mid x) = \operatorname{softmax}_c (W \phi(x) + b), \qquad
          L = -\frac{1}{n}\sum_i \log p(y_i \mid x_i),

convex in θ = (W, b). Follows the model contract (:mod:`metamap_edu.models.contract`) for the
``"classification"`` kind. Taught in notebooks/02_learning_one_mapping, 03_a_stream_of_tasks and
04_staying_close_the_l2_bridge.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int, check_nonempty, check_type
from .contract import _PREDICT_CHUNK, CourseModel, _examples, _NoGradEval
from .tokenizers import WordVocab, word_tokenize

__all__ = ["BagOfWordsClassifier"]

_NEGATIONS = frozenset({"not", "never", "no", "n't"})
_CLAUSE_ENDS = frozenset({"but", "and", ",", ".", ";", ":", "!", "?"})


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
