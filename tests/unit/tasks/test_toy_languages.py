"""The toy target languages: invented lexicons and word orders that differ from English."""
from __future__ import annotations

import pytest

from metamap_edu.tasks import lexicon as L
from metamap_edu.tasks import toy_languages as toy


def test_target_languages():
    assert len(toy.TARGET_LANGUAGES) >= 3
    lexicons = {lang: toy.target_lexicon(lang) for lang in toy.ALL_LANGUAGES}
    for lang, lex in lexicons.items():
        assert len(set(lex.values())) == len(lex), lang  # one invented word per English word
        assert not set(lex.values()) & set(lex), lang  # invented words are not English words
        assert toy.target_lexicon(lang) == lex  # stable
        assert lang in toy.describe_language(lang)
    langs = list(lexicons)
    for i, a in enumerate(langs):
        for b in langs[i + 1:]:
            same = sum(lexicons[a][w] == lexicons[b][w] for w in lexicons[a])
            assert same <= 2, (a, b)


@pytest.mark.parametrize("language", toy.ALL_LANGUAGES)
def test_word_order_differs_from_english(language):
    lex = toy.target_lexicon(language)
    dropped = toy.LANGUAGE_RULES[language]["article"] == "dropped"
    pairs = toy.translation_examples(language, 200, seed=0)
    differs = 0
    for en, tgt in pairs:
        word_by_word = [lex["a" if w == "an" else w] if w in lex or w == "an" else w
                        for w in en.split() if not (w in ("the", "a", "an") and dropped)]
        differs += word_by_word != tgt.split()
        # same words, reordered: each English content word appears in the target
        for w in en.split():
            if w not in ("the", "a", "an"):
                assert lex.get(w, w) in tgt.split(), (en, tgt)
    assert differs >= 0.75 * len(pairs)


def test_translation_vocabulary_is_domain_neutral():
    domain_words = {w for d in L.ALL_DOMAINS for w in L.LEXICON[d].nouns}
    for d in L.ALL_DOMAINS:
        domain_words |= set(L.sentiment_lexicon(d))
    english = {w for lang in toy.ALL_LANGUAGES for en, _ in toy.translation_examples(lang, 200, seed=0) for w in en.split()}
    assert not english & domain_words


_PARTS = {"subj": {"det": "the", "adjs": ["red"], "noun": "dog"}, "verb": "saw",
          "obj": {"det": "a", "adjs": [], "noun": "cat"}, "neg": True, "place": "paris"}


@pytest.mark.parametrize(
    "language, order",
    [
        ("lumo", "paris in dog red cat never saw"),          # SOV, adjective after noun, no article
        ("vesh", "never saw red dog the cat a in paris"),     # VSO, article after noun
        ("tarei", "the dog red saw a cat paris in never"),    # SVO, adjective after noun, negation last
        ("okra", "in paris cat red dog saw never"),           # OSV
    ],
)
def test_word_order_rules(language, order):
    assert toy._english(_PARTS) == "the red dog never saw a cat in paris"
    lex = toy.target_lexicon(language)
    expected = " ".join(lex.get(w, w) for w in order.split())
    assert toy._render(_PARTS, language, lex) == expected



# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "call, exc, arg",
    [
        (lambda: toy.translation_examples("klingon", 5), ValueError, "language"),
        (lambda: toy.translation_examples("lumo", 5, seed=None), TypeError, "seed"),
        (lambda: toy.target_lexicon("klingon"), ValueError, "language"),
    ],
)
def test_errors_name_the_argument(call, exc, arg):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert message.startswith(arg + " ") or message.startswith(arg + "="), message
