"""The words of the generated language: domains, sentiment words, entities, polarity, derived seeds."""
from __future__ import annotations

import hashlib

import pytest

from metamap_edu.tasks import lexicon as L

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
        (lambda: L.sentiment_label("the plot was there", "movies"), ValueError, "text"),
        (lambda: L.sentiment_label(3, "movies"), TypeError, "text"),
        (lambda: L.sentiment_label("the plot was dull", "opera"), ValueError, "domain"),
        (lambda: L.polarity("long", "opera"), ValueError, "domain"),
        (lambda: L.derive_seed("0", "x"), TypeError, "seed"),
    ],
)
def test_errors_name_the_argument(call, exc, arg):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    assert message.startswith(arg + " ") or message.startswith(arg + "="), message
