"""Tokenizers: the word vocabulary and the byte-pair-encoding trainer/tokenizer (notebook 06)."""
import pickle

import pytest

from metamap_edu import tasks as language
from metamap_edu.models.tokenizers import SPECIAL_TOKENS, BPETokenizer, WordVocab, pretokenize, train_bpe, word_tokenize

REAL_TEXT = [
    "The Battery lasted 10 hours -- not bad!!",
    "It's 3.14159, isn't it?  Two  spaces,\ttabs\nand newlines.",
    "Café déjà vu: naïve façade; 東京 and emoji 😀 too.",
    "   leading and trailing whitespace   ",
    "C3PO & R2-D2 @ 09:45 (UTC+1) [ok] {x_y} ~$100~",
    "",
]


@pytest.fixture(scope="module")
def corpus():
    return language.corpus(2000, seed=0)


@pytest.fixture(scope="module")
def bpe(corpus):
    return train_bpe(corpus, vocab_size=700)


def test_word_tokenize_and_vocab():
    assert word_tokenize("Not bad!") == ["not", "bad", "!"]
    vocab = WordVocab.build(["a b b", "c b"])
    assert vocab.itos[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert vocab.decode(vocab.encode("b a")) == "b a"
    assert vocab.encode("zzz") == [vocab.unk_id]


def test_pretokenize_joins_back():
    for text in REAL_TEXT:
        assert "".join(pretokenize(text)) == text
    assert pretokenize("Not bad!") == ["Not", " bad", "!"]
    assert pretokenize(" B-PER I-PER") == [" B-PER", " I-PER"]


def test_bpe_round_trips_generated_and_real_text(bpe, corpus):
    for text in corpus[:300] + REAL_TEXT:
        assert bpe.decode(bpe.encode(text)) == text


def test_bpe_is_deterministic(corpus):
    a = train_bpe(corpus, vocab_size=500)
    b = train_bpe(list(corpus), vocab_size=500)
    assert a == b and a.merges == b.merges
    assert a.encode(corpus[0]) == b.encode(corpus[0])


def test_bpe_vocabulary_layout_and_size(bpe):
    assert len(bpe) == 700
    assert bpe.itos[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    assert bpe.pad_id == 0
    # frequent words of the generated language end up as single tokens
    assert len(bpe.encode(" the")) == 1


def test_bpe_merges_follow_history(corpus):
    history = []
    tok = train_bpe(corpus[:200], vocab_size=420, history=history)
    assert [pair for pair, _ in history] == list(tok.merges)
    counts = [c for _, c in history]
    assert counts[0] == max(counts)  # the first merge is the most frequent pair


def test_bpe_handles_unseen_words_and_characters(bpe):
    ids = bpe.encode(" zyxwvutsrq Ωmega")
    assert bpe.decode(ids) == " zyxwvutsrq Ωmega"
    assert bpe.unk_id not in ids  # byte fallback, never <unk>


def test_bpe_without_byte_fallback_uses_unk(corpus):
    tok = train_bpe(corpus[:100], vocab_size=300, byte_fallback=False)
    assert tok.unk_id in tok.encode("Ω")


def test_special_tokens_are_atomic(corpus):
    tok = train_bpe(corpus[:200], vocab_size=420, extra_specials=["<topic>"])
    ids = tok.encode("<topic> hi<sep>")
    assert ids[0] == tok.stoi["<topic>"] and ids[-1] == tok.sep_id
    assert tok.decode(ids) == "<topic> hi<sep>"
    assert tok.decode(ids, skip_specials=True) == " hi"


def test_bpe_save_and_load(bpe):
    again = BPETokenizer.from_dict(bpe.to_dict())
    assert again == bpe
    assert pickle.loads(pickle.dumps(bpe.to_dict())) == bpe.to_dict()
    with pytest.raises(ValueError, match="missing keys"):
        BPETokenizer.from_dict({"merges": []})


def test_bpe_bad_input(corpus):
    with pytest.raises(ValueError, match="vocab_size must be at least"):
        train_bpe(corpus[:50], vocab_size=100)
    with pytest.raises(ValueError, match="empty"):
        train_bpe([], vocab_size=1000)
    with pytest.raises(ValueError, match="every text is empty"):
        train_bpe(["", ""], vocab_size=1000)
    with pytest.raises(TypeError, match="texts"):
        train_bpe([1, 2], vocab_size=1000)
    with pytest.raises(ValueError, match="ids must be in"):
        train_bpe(corpus[:50], vocab_size=400).decode([10**6])
