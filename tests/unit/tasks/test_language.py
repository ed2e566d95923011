"""The generated language: vocabulary, sentiment rules, entities, toy languages, corpus, determinism."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import pytest

from metamap_edu.tasks import language as L

# ---------------------------------------------------------------- vocabulary


def test_domain_counts_and_sizes():
    assert len(L.DOMAINS) >= 7
    assert len(L.HELD_OUT_DOMAINS) >= 2
    assert not set(L.DOMAINS) & set(L.HELD_OUT_DOMAINS)
    for d in L.ALL_DOMAINS:
        lex = L.LEXICON[d]
        assert lex.name == d
        assert len(lex.nouns) >= 20 and len(set(lex.nouns)) == len(lex.nouns)
        assert len(lex.positive) >= 10 and len(lex.negative) >= 10


def test_word_lists_are_disjoint():
    own = [w for d in L.ALL_DOMAINS for w in L.LEXICON[d].positive + L.LEXICON[d].negative]
    nouns = [w for d in L.ALL_DOMAINS for w in L.LEXICON[d].nouns]
    shared = L.SHARED_POSITIVE + L.SHARED_NEGATIVE
    verbs = [w for pairs in L.SENTIMENT_VERBS.values() for pair in pairs for w in pair]
    flip = list(L.DOMAIN_DEPENDENT)
    # each domain-specific adjective belongs to exactly one domain; nouns to one domain
    assert len(own) == len(set(own))
    assert len(nouns) == len(set(nouns))
    groups = {"own": set(own), "nouns": set(nouns), "shared": set(shared), "verbs": set(verbs), "flip": set(flip)}
    names = sorted(groups)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not groups[a] & groups[b], (a, b, sorted(groups[a] & groups[b]))
    assert not set(L.INTENSIFIERS) & (set(own) | set(shared) | set(flip))


def test_domain_dependent_words_flip_between_labeled_domains():
    assert len(L.DOMAIN_DEPENDENT) >= 8
    for word, positive_in in L.DOMAIN_DEPENDENT.items():
        assert set(positive_in) <= set(L.ALL_DOMAINS), word
        signs = {L.polarity(word, d) for d in L.DOMAINS}
        assert signs == {-1, 1}, word
    assert L.polarity("long", "electronics") == 1
    assert L.polarity("long", "travel") == -1
    assert L.polarity("plot", "movies") == 0


def test_entities():
    for group in (L.PEOPLE, L.PLACES, L.ORGANIZATIONS):
        assert len(group) >= 30
        assert len(set(group)) == len(group)
    assert set(L.ENTITY_TYPES) == {"PER", "LOC", "ORG"}
    reserved = set(L.NEGATIONS) | {"but", "and"}
    for d in L.ALL_DOMAINS:
        reserved |= set(L.sentiment_lexicon(d))
    for name in L.PEOPLE + L.PLACES + L.ORGANIZATIONS:
        assert not set(name.split()) & reserved, name
    assert any(" " in p for p in L.PEOPLE) and any(" " in p for p in L.PLACES)


# ---------------------------------------------------------------- sentiment rules


@pytest.mark.parametrize(
    "text, domain, label",
    [
        ("the plot was gripping", "movies", "positive"),
        ("the plot was not gripping", "movies", "negative"),
        ("the plot was never gripping", "movies", "negative"),
        ("the plot was very gripping", "movies", "positive"),
        ("the plot was not very gripping", "movies", "negative"),
        ("the plot was dull", "movies", "negative"),
        ("the plot was not dull", "movies", "positive"),
        ("i loved the soup", "restaurants", "positive"),
        ("i did not love the soup", "restaurants", "negative"),
        ("we never enjoyed the soup", "restaurants", "negative"),
        ("the soup was bland but the steak was delicious", "restaurants", "positive"),
        ("the soup was delicious but the steak was bland", "restaurants", "negative"),
        ("the soup was delicious but the steak was not bland", "restaurants", "positive"),
        ("the battery was long", "electronics", "positive"),
        ("the flight was long", "travel", "negative"),
        ("the flight was not long", "travel", "positive"),
    ],
)
def test_sentiment_label_rules(text, domain, label):
    assert L.sentiment_label(text, domain) == label


@pytest.mark.parametrize("relatedness", [0.0, 0.3, 0.7, 1.0])
def test_generated_labels_follow_the_rules(relatedness):
    for d in L.ALL_DOMAINS:
        examples = L.sentiment_examples(d, 200, relatedness, seed=1)
        labels = [y for _, y in examples]
        assert abs(labels.count("positive") - labels.count("negative")) <= 1
        for text, y in examples:
            assert L.sentiment_label(text, d) == y, text


def _deciding_clause(text):
    words = text.split()
    for sep in ("but", "and"):
        if sep in words:
            words = words[len(words) - words[::-1].index(sep):]
    return words


def test_negation_flips_the_label():
    """In the deciding clause, a negation means the sentiment word has the opposite polarity."""
    n_negated = 0
    for d in L.DOMAINS:
        lex = L.sentiment_lexicon(d)
        for text, y in L.sentiment_examples(d, 300, 0.5, seed=2):
            clause = _deciding_clause(text)
            word_sign = sum(lex.get(w, 0) for w in clause)
            label_sign = 1 if y == "positive" else -1
            if any(w in L.NEGATIONS for w in clause):
                n_negated += 1
                assert word_sign == -label_sign, text
            else:
                assert word_sign == label_sign, text
    assert n_negated > 0.15 * 300 * len(L.DOMAINS)


def test_contrast_clause_after_but_decides():
    n_but = 0
    for d in L.DOMAINS:
        for text, y in L.sentiment_examples(d, 300, 0.5, seed=3):
            if " but " in text:
                n_but += 1
                first = text.split(" but ")[0]
                assert L.sentiment_label(first, d) != y, text
    assert n_but > 0.15 * 300 * len(L.DOMAINS)


def test_intensifiers_appear_and_do_not_change_labels():
    texts = [t for t, _ in L.sentiment_examples("hotels", 300, 0.5, seed=4)]
    assert sum(any(i in t.split() for i in L.INTENSIFIERS) for t in texts) > 30
    for t in texts:
        stripped = " ".join(w for w in t.split() if w not in L.INTENSIFIERS)
        assert L.sentiment_label(stripped, "hotels") == L.sentiment_label(t, "hotels")


def _words(texts):
    return {w for t in texts for w in t.split()}


def test_relatedness_zero_uses_only_own_words_and_one_only_shared():
    shared = set(L.SHARED_POSITIVE + L.SHARED_NEGATIVE)
    verbs = {w for pairs in L.SENTIMENT_VERBS.values() for pair in pairs for w in pair}
    flip = set(L.DOMAIN_DEPENDENT)
    for d in ("movies", "cars"):
        own = set(L.LEXICON[d].positive + L.LEXICON[d].negative)
        w0 = _words(t for t, _ in L.sentiment_examples(d, 300, 0.0, seed=5))
        assert not w0 & (shared | verbs | flip)
        assert len(w0 & own) >= 15
        w1 = _words(t for t, _ in L.sentiment_examples(d, 300, 1.0, seed=5))
        assert not w1 & (own | flip)
        wm = _words(t for t, _ in L.sentiment_examples(d, 300, 0.5, seed=5))
        assert wm & own and wm & flip and wm & shared


def test_unique_examples():
    texts = [t for t, _ in L.sentiment_examples("books", 300, 0.5, seed=0)]
    assert len(set(texts)) == len(texts)


# ---------------------------------------------------------------- NER and translation


def test_ner_examples_are_valid_bio():
    for text, tags in L.ner_examples(300, seed=0):
        words = text.split()
        assert len(words) == len(tags)
        for i, tag in enumerate(tags):
            assert tag == "O" or tag[:2] in ("B-", "I-") and tag[2:] in L.ENTITY_TYPES
            if tag.startswith("I-"):
                assert tags[i - 1][2:] == tag[2:] and tags[i - 1] != "O"
        # every entity span is a known entity of its type
        i = 0
        while i < len(tags):
            if tags[i].startswith("B-"):
                kind = tags[i][2:]
                j = i + 1
                while j < len(tags) and tags[j] == "I-" + kind:
                    j += 1
                assert " ".join(words[i:j]) in L.ENTITY_TYPES[kind]
                i = j
            else:
                i += 1


def test_target_languages():
    assert len(L.TARGET_LANGUAGES) >= 3
    lexicons = {lang: L.target_lexicon(lang) for lang in L.ALL_LANGUAGES}
    for lang, lex in lexicons.items():
        assert len(set(lex.values())) == len(lex), lang  # one invented word per English word
        assert not set(lex.values()) & set(lex), lang  # invented words are not English words
        assert L.target_lexicon(lang) == lex  # stable
        assert lang in L.describe_language(lang)
    langs = list(lexicons)
    for i, a in enumerate(langs):
        for b in langs[i + 1:]:
            same = sum(lexicons[a][w] == lexicons[b][w] for w in lexicons[a])
            assert same <= 2, (a, b)


@pytest.mark.parametrize("language", L.ALL_LANGUAGES)
def test_word_order_differs_from_english(language):
    lex = L.target_lexicon(language)
    dropped = L.LANGUAGE_RULES[language]["article"] == "dropped"
    pairs = L.translation_examples(language, 200, seed=0)
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
    english = {w for lang in L.ALL_LANGUAGES for en, _ in L.translation_examples(lang, 200, seed=0) for w in en.split()}
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
    assert L._english(_PARTS) == "the red dog never saw a cat in paris"
    lex = L.target_lexicon(language)
    expected = " ".join(lex.get(w, w) for w in order.split())
    assert L._render(_PARTS, language, lex) == expected


# ---------------------------------------------------------------- corpus


def test_corpus_covers_held_out_domains_and_respects_domains():
    texts = L.corpus(4000, seed=0)
    words = _words(texts)
    for d in L.HELD_OUT_DOMAINS:
        assert words & set(L.LEXICON[d].nouns), d
    only = _words(L.corpus(500, seed=0, domains=["music"]))
    for d in L.DOMAINS:
        assert not only & set(L.LEXICON[d].nouns + L.LEXICON[d].positive + L.LEXICON[d].negative), d
    assert only & set(L.LEXICON["music"].nouns)


def test_corpus_is_seeded():
    assert L.corpus(300, seed=1) == L.corpus(300, seed=1)
    assert L.corpus(300, seed=1) != L.corpus(300, seed=2)
    assert all(isinstance(s, str) and s.strip() for s in L.corpus(300, seed=1))


def test_corpus_speed():
    start = time.perf_counter()
    L.corpus(20_000, seed=0)
    # the requirement is 100,000 sentences in <= 5 s; this leaves room for a busy machine
    assert time.perf_counter() - start < 4.0


_FINGERPRINT = """
import hashlib, sys, types
# Load metamap_edu.tasks.language/.tasks without the package __init__ (which imports torch): faster.
pkg = types.ModuleType("metamap_edu")
pkg.__path__ = [sys.argv[1]]
sys.modules["metamap_edu"] = pkg
from metamap_edu.tasks import language as L
from metamap_edu.tasks import families as T
h = hashlib.sha256()
for s in L.corpus(3000, seed=7):
    h.update(s.encode())
for task in T.sentiment_family(n_per_task=40, relatedness=0.4, seed=3):
    for x, y in task:
        h.update((x + y).encode())
for x, y in T.ner_task(50, seed=2):
    h.update((x + " ".join(y)).encode())
for task in T.translation_family(n_per_task=30, seed=1):
    for x, y in task:
        h.update((x + y).encode())
for x, y in T.topic_task(n_per_class=20, seed=5):
    h.update((x + y).encode())
ep = T.sample_episode(T.topic_task(n_per_class=20, seed=5), 4, 2, 3, seed=9)
h.update(repr((ep.support.examples, ep.query.examples, ep.classes)).encode())
for lang in L.ALL_LANGUAGES:
    h.update(repr(sorted(L.target_lexicon(lang).items())).encode())
print(h.hexdigest())
"""


def test_identical_output_across_processes_with_different_hash_seeds():
    package_dir = os.path.dirname(os.path.dirname(L.__file__))  # metamap_edu/, above tasks/
    procs = [
        subprocess.Popen([sys.executable, "-c", _FINGERPRINT, package_dir],
                         env=dict(os.environ, PYTHONHASHSEED=hashseed),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for hashseed in ("0", "12345")
    ]
    digests = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        digests.append(out.strip())
    assert digests[0] == digests[1]
    assert len(digests[0]) == 64


def test_derive_seed_is_stable():
    assert L.derive_seed(0, "a", 1) == L.derive_seed(0, "a", 1)
    assert L.derive_seed(0, "a", 1) != L.derive_seed(1, "a", 1)
    # a fixed value: must never change between Python versions or processes
    expected = int.from_bytes(hashlib.blake2b(b"0/a/1", digest_size=8).digest(), "big")
    assert L.derive_seed(0, "a", 1) == expected


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "call, exc, arg",
    [
        (lambda: L.corpus(0), ValueError, "n"),
        (lambda: L.corpus(2.5), TypeError, "n"),
        (lambda: L.corpus(10, seed="1"), TypeError, "seed"),
        (lambda: L.corpus(10, seed=-1), ValueError, "seed"),
        (lambda: L.corpus(10, domains=["mars"]), ValueError, "domains"),
        (lambda: L.corpus(10, domains="movies"), TypeError, "domains"),
        (lambda: L.corpus(10, domains=[]), ValueError, "domains"),
        (lambda: L.sentiment_examples("mars", 10), ValueError, "domain"),
        (lambda: L.sentiment_examples("movies", 10, relatedness=1.5), ValueError, "relatedness"),
        (lambda: L.sentiment_examples("movies", 10, seed=1.0), TypeError, "seed"),
        (lambda: L.sentiment_examples("movies", 0), ValueError, "n"),
        (lambda: L.domain_sentences("movies", 5, seed="x"), TypeError, "seed"),
        (lambda: L.sentiment_label("the plot was there", "movies"), ValueError, "text"),
        (lambda: L.sentiment_label(3, "movies"), TypeError, "text"),
        (lambda: L.sentiment_label("the plot was dull", "opera"), ValueError, "domain"),
        (lambda: L.polarity("long", "opera"), ValueError, "domain"),
        (lambda: L.ner_examples(-3), ValueError, "n"),
        (lambda: L.translation_examples("klingon", 5), ValueError, "language"),
        (lambda: L.translation_examples("lumo", 5, seed=None), TypeError, "seed"),
        (lambda: L.target_lexicon("klingon"), ValueError, "language"),
        (lambda: L.derive_seed("0", "x"), TypeError, "seed"),
    ],
)
def test_errors_name_the_argument(call, exc, arg):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert message.startswith(arg + " ") or message.startswith(arg + "="), message
