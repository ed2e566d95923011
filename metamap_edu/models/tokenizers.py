"""Turning text into token ids: a word-level vocabulary and a small byte-pair-encoding tokenizer.

The word-level vocabulary is what the bag-of-words and tagging models of notebooks 02-04 read.
Tokenization is deliberately simple and visible: lower-case, split off punctuation, split on
whitespace.

The byte-pair-encoding (BPE) tokenizer is what the transformer of notebooks 06-07 reads. It starts
from single characters and learns, one merge at a time, to glue the most frequent neighbouring pair
into a new symbol, so frequent words become one token and a word it has never seen still splits
into known pieces. Any character outside its alphabet falls back to UTF-8 byte tokens, so
``decode(encode(text)) == text`` for every string (taught in ``notebooks/06_pretraining_on_unlabeled_text``).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .._checks import check_int, check_nonempty, check_sequence, check_type

__all__ = ["SPECIAL_TOKENS", "word_tokenize", "WordVocab", "pretokenize", "BPETokenizer", "train_bpe"]

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
        if isinstance(tokens, str):  # a str is a sequence of characters, never what was meant
            raise TypeError(f"tokens must be a sequence of str such as ['the', 'plot']; got the single str {tokens!r:.80}")
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


# --------------------------------------------------------------------------------------------
# Byte-pair encoding (taught in notebooks/06_pretraining_on_unlabeled_text)
# --------------------------------------------------------------------------------------------

# Pre-tokenization cuts text into chunks that BPE never merges across. A chunk keeps the space in
# front of it (" great"), so joining the chunks gives back the text exactly. Letters (with inner
# hyphens or apostrophes, "B-PER", "don't"), single digits, runs of punctuation, and whitespace.
_CHUNK = re.compile(r" ?[^\W\d_]+(?:[-'][^\W\d_]+)*| ?\d| ?[^\s\w]+| ?_+|\s+(?!\S)|\s+")
_PRINTABLE_ASCII = tuple(chr(c) for c in range(32, 127))


def pretokenize(text: str) -> list[str]:
    """Split ``text`` into the chunks BPE works inside: ``"Not bad!" -> ['Not', ' bad', '!']``.

    ``"".join(pretokenize(text)) == text`` always holds.
    """
    check_type("text", text, str)
    return _CHUNK.findall(text)


def _byte_token(b: int) -> str:
    return f"<0x{b:02X}>"


class BPETokenizer:
    """A trained byte-pair-encoding tokenizer: ``encode(text) -> ids`` and ``decode(ids) -> text``.

    The vocabulary is, in id order: special tokens (``<pad>`` = 0, ``<unk>``, ``<bos>``, ``<eos>``,
    ``<sep>``, ``<mask>`` and any extra ones such as task prefixes), optional UTF-8 byte tokens
    ``<0x00>``..``<0xFF>``, the base characters, then one token per merge in the order learned.
    Special tokens written literally in the text (``"<sep>"``) are encoded as one token.
    Build one with :func:`train_bpe`; save it with :meth:`to_dict` (plain lists and strings, safe
    for ``torch.load(weights_only=True)``).
    """

    def __init__(
        self,
        alphabet: Sequence[str],
        merges: Sequence[tuple[str, str]],
        specials: Sequence[str] = SPECIAL_TOKENS,
        byte_fallback: bool = True,
    ):
        specials = list(specials)
        if list(specials[: len(SPECIAL_TOKENS)]) != list(SPECIAL_TOKENS):
            raise ValueError(f"specials must start with {SPECIAL_TOKENS}; got {tuple(specials[:6])}")
        self.specials: tuple[str, ...] = tuple(dict.fromkeys(specials))
        # validation: an alphabet of str, merges as (str, str) pairs
        check_type("alphabet", alphabet, (list, tuple, str), "a sequence of str symbols")
        for m in check_type("merges", merges, (list, tuple), "a sequence of (str, str) pairs"):
            if not (isinstance(m, (list, tuple)) and len(m) == 2 and all(isinstance(s, str) for s in m)):
                raise ValueError(f"merges must contain (str, str) pairs; got {m!r:.80}")
        self.alphabet: tuple[str, ...] = tuple(alphabet)
        self.merges: tuple[tuple[str, str], ...] = tuple((str(a), str(b)) for a, b in merges)
        self.byte_fallback = bool(byte_fallback)
        itos = list(self.specials)
        if self.byte_fallback:
            itos += [_byte_token(b) for b in range(256)]
        itos += [c for c in self.alphabet if c not in itos]
        itos += [a + b for a, b in self.merges if a + b not in itos]
        self.itos: list[str] = itos
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(itos)}
        self._rank = {pair: r for r, pair in enumerate(self.merges)}
        self._alphabet_set = set(self.alphabet)
        self._cache: dict[str, tuple[int, ...]] = {}
        # Specials written in the text are cut out before pre-tokenization (longest first).
        pattern = "|".join(re.escape(t) for t in sorted(self.specials, key=len, reverse=True))
        self._special_re = re.compile(f"({pattern})")

    # -- sizes and ids ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.itos)

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def token_to_id(self, token: str) -> int:
        """Id of one vocabulary entry (``KeyError``-free: unknown -> ``<unk>``)."""
        return self.stoi.get(token, self.stoi["<unk>"])

    @property
    def pad_id(self) -> int:
        return self.stoi["<pad>"]

    @property
    def unk_id(self) -> int:
        return self.stoi["<unk>"]

    @property
    def bos_id(self) -> int:
        return self.stoi["<bos>"]

    @property
    def eos_id(self) -> int:
        return self.stoi["<eos>"]

    @property
    def sep_id(self) -> int:
        return self.stoi["<sep>"]

    @property
    def mask_id(self) -> int:
        return self.stoi["<mask>"]

    # -- encoding ---------------------------------------------------------------------------
    def _split_chunk(self, chunk: str) -> list[str]:
        """Apply the learned merges to one chunk, lowest rank (earliest learned) first."""
        symbols: list[str] = []
        for ch in chunk:
            if ch in self._alphabet_set:
                symbols.append(ch)
            elif self.byte_fallback:
                symbols.extend(_byte_token(b) for b in ch.encode("utf-8"))
            else:
                symbols.append("<unk>")
        while len(symbols) > 1:
            ranks = [self._rank.get(pair, len(self._rank)) for pair in zip(symbols, symbols[1:])]
            best = min(range(len(ranks)), key=ranks.__getitem__)
            if ranks[best] == len(self._rank):
                break
            a, b = symbols[best], symbols[best + 1]
            merged: list[str] = []
            i = 0
            while i < len(symbols):  # merge every occurrence of the pair (a, b), left to right
                if i < len(symbols) - 1 and symbols[i] == a and symbols[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return symbols

    def tokenize(self, text: str) -> list[str]:
        """The token strings of ``text`` (what :meth:`encode` returns ids for)."""
        return [self.itos[i] for i in self.encode(text)]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; ``decode(encode(text)) == text`` for every string."""
        check_type("text", text, str)
        ids: list[int] = []
        cache, stoi = self._cache, self.stoi
        pieces = self._special_re.split(text) if len(self.specials) else [text]
        for k, piece in enumerate(pieces):
            if k % 2 == 1:  # a special token written in the text
                ids.append(stoi[piece])
                continue
            for chunk in _CHUNK.findall(piece):
                found = cache.get(chunk)
                if found is None:
                    found = tuple(stoi[s] for s in self._split_chunk(chunk))
                    if len(cache) < 200_000:
                        cache[chunk] = found
                ids.extend(found)
        return ids

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def decode(self, ids: Iterable[int], skip_specials: bool = False) -> str:
        """Text of ``ids``: token strings joined, byte tokens turned back into UTF-8 characters."""
        out = bytearray()
        n = len(self.itos)
        n_specials = len(self.specials)
        for i in ids:
            i = int(i)
            if not 0 <= i < n:
                raise ValueError(f"ids must be in [0, {n - 1}]; got {i}")
            tok = self.itos[i]
            if self.byte_fallback and n_specials <= i < n_specials + 256:
                out.append(i - n_specials)
            elif i < n_specials and skip_specials:
                continue
            else:
                out.extend(tok.encode("utf-8"))
        return out.decode("utf-8", errors="replace")

    # -- saving -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain data (lists of str) that :meth:`from_dict` turns back into the same tokenizer."""
        return {
            "alphabet": list(self.alphabet),
            "merges": [[a, b] for a, b in self.merges],
            "specials": list(self.specials),
            "byte_fallback": self.byte_fallback,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "BPETokenizer":
        check_type("data", data, dict)
        missing = {"alphabet", "merges", "specials", "byte_fallback"} - set(data)
        if missing:
            raise ValueError(f"data is not a saved BPETokenizer: missing keys {sorted(missing)}")
        return cls(data["alphabet"], [tuple(m) for m in data["merges"]], data["specials"], data["byte_fallback"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BPETokenizer) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={len(self)}, merges={len(self.merges)})"


def train_bpe(
    texts: Iterable[str],
    vocab_size: int = 1000,
    extra_specials: Sequence[str] = (),
    byte_fallback: bool = True,
    min_frequency: int = 2,
    history: list | None = None,
) -> BPETokenizer:
    """Learn byte-pair merges from ``texts`` until the vocabulary holds ``vocab_size`` tokens.

    The algorithm (Sennrich et al., 2016): split the texts into chunks (:func:`pretokenize`), each
    chunk into characters, count every adjacent pair of symbols weighted by how often its chunk
    occurs, merge the most frequent pair ``(a, b) -> ab`` everywhere, and repeat. Ties go to the
    pair that sorts first, so the same texts always give the same tokenizer. Training stops early
    when no pair occurs ``min_frequency`` times. Pass a list as ``history`` to receive
    ``(pair, count)`` for every merge, in order.

    Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    texts = check_sequence("texts", texts, "a list of str")
    vocab_size = check_int("vocab_size", vocab_size, min=1)
    min_frequency = check_int("min_frequency", min_frequency, min=1)
    texts = list(texts)
    check_nonempty("texts", texts, "at least one text (the corpus is empty)")
    for t in texts:
        check_type("texts", t, str, "a sequence of str")
    chunk_counts = Counter(chunk for text in texts for chunk in _CHUNK.findall(text))
    if not chunk_counts:
        raise ValueError("texts must contain some characters; every text is empty")
    specials = list(dict.fromkeys(list(SPECIAL_TOKENS) + [s for s in extra_specials]))
    alphabet = sorted(set(_PRINTABLE_ASCII) | {ch for chunk in chunk_counts for ch in chunk})
    base = len(specials) + (256 if byte_fallback else 0) + len(alphabet)
    if vocab_size < base:
        raise ValueError(
            f"vocab_size must be at least {base} for these texts ({len(specials)} special tokens"
            f"{' + 256 byte tokens' if byte_fallback else ''} + {len(alphabet)} characters); got {vocab_size}"
        )

    # words[i] is chunk i as a list of symbols; freq[i] how often it occurs.
    words = [list(chunk) for chunk in sorted(chunk_counts)]
    freq = [chunk_counts[chunk] for chunk in sorted(chunk_counts)]
    pair_counts: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = {}  # pair -> indices of the words containing it
    for i, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_counts[pair] += freq[i]
            where.setdefault(pair, set()).add(i)

    merges: list[tuple[str, str]] = []
    known = set(specials) | set(alphabet)
    while base + len(merges) < vocab_size and pair_counts:
        best = min(pair_counts, key=lambda p: (-pair_counts[p], p))  # most frequent, ties: sort order
        if pair_counts[best] < min_frequency:
            break
        a, b = best
        if history is not None:
            history.append((best, pair_counts[best]))
        for i in sorted(where.pop(best, ())):
            w = words[i]
            for pair in zip(w, w[1:]):  # forget the old pairs of this word ...
                pair_counts[pair] -= freq[i]
                if pair_counts[pair] <= 0:
                    del pair_counts[pair]
            merged, j = [], 0
            while j < len(w):
                if j < len(w) - 1 and w[j] == a and w[j + 1] == b:
                    merged.append(a + b)
                    j += 2
                else:
                    merged.append(w[j])
                    j += 1
            words[i] = merged
            for pair in zip(merged, merged[1:]):  # ... and count the new ones
                pair_counts[pair] += freq[i]
                where.setdefault(pair, set()).add(i)
        pair_counts.pop(best, None)
        if a + b not in known:
            known.add(a + b)
            merges.append(best)
    return BPETokenizer(alphabet, merges, specials, byte_fallback)
