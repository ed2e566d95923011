"""Turning text into token ids: a word-level vocabulary (and, later, a small BPE tokenizer).

The word-level vocabulary is what the bag-of-words and tagging models of notebooks 02-04 read.
Tokenization is deliberately simple and visible: lower-case, split off punctuation, split on
whitespace.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ._checks import check_int, check_nonempty, check_type

__all__ = ["SPECIAL_TOKENS", "word_tokenize", "WordVocab"]

#: Special tokens, always the first ids in this order (pad is id 0).
SPECIAL_TOKENS = ("<pad>", "<unk>", "<bos>", "<eos>", "<sep>", "<mask>")

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]", re.IGNORECASE)


def word_tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Split ``text`` into words and single punctuation marks: ``"Not bad!" -> ['not', 'bad', '!']``."""
    check_type("text", text, str)
    if lowercase:
        text = text.lower()
    return _WORD.findall(text)


class WordVocab:
    """A mapping word <-> id with special tokens first; unknown words map to ``<unk>``.

    Build it with :meth:`build`; ids are assigned by decreasing frequency, ties broken
    alphabetically, so the same texts always give the same ids.
    """

    def __init__(self, tokens: Sequence[str], extra_specials: Sequence[str] = ()):
        check_nonempty("tokens", tokens)
        specials = list(SPECIAL_TOKENS) + [t for t in extra_specials if t not in SPECIAL_TOKENS]
        seen: dict[str, int] = {}
        for tok in specials + list(tokens):
            check_type("tokens", tok, str, "a sequence of str")
            if tok not in seen:
                seen[tok] = len(seen)
        self.itos: list[str] = list(seen)
        self.stoi: dict[str, int] = seen
        self.specials: tuple[str, ...] = tuple(specials)

    @classmethod
    def build(
        cls,
        texts: Iterable[str],
        min_freq: int = 1,
        max_size: int | None = None,
        extra_specials: Sequence[str] = (),
        lowercase: bool = True,
    ) -> "WordVocab":
        """Count words over ``texts`` and keep those seen at least ``min_freq`` times."""
        min_freq = check_int("min_freq", min_freq, min=1)
        if max_size is not None:
            max_size = check_int("max_size", max_size, min=1)
        texts = list(texts)
        check_nonempty("texts", texts, "at least one text")
        counts = Counter(tok for text in texts for tok in word_tokenize(text, lowercase))
        words = sorted((w for w, c in counts.items() if c >= min_freq), key=lambda w: (-counts[w], w))
        if max_size is not None:
            words = words[:max_size]
        if not words:
            raise ValueError(f"min_freq={min_freq} leaves no word in the vocabulary; lower it")
        vocab = cls(words, extra_specials)
        vocab.lowercase = lowercase
        return vocab

    lowercase = True

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    @property
    def pad_id(self) -> int:
        return self.stoi["<pad>"]

    @property
    def unk_id(self) -> int:
        return self.stoi["<unk>"]

    def token_to_id(self, token: str) -> int:
        return self.stoi.get(token, self.unk_id)

    def encode(self, text: str) -> list[int]:
        """Word ids of ``text`` (unknown words become ``<unk>``)."""
        return [self.token_to_id(t) for t in word_tokenize(text, self.lowercase)]

    def decode(self, ids: Iterable[int]) -> str:
        """Join the words of ``ids`` with spaces (special tokens included)."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"ids must be in [0, {len(self.itos) - 1}]; got {i}")
            out.append(self.itos[i])
        return " ".join(out)

    def __repr__(self) -> str:
        return f"WordVocab(size={len(self)})"
