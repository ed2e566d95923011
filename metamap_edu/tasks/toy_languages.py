"""The toy target languages: invented lexicons and word orders that differ from English.

Taught in ``notebooks/01_tasks_as_mappings`` (the translation tasks) and used by pretraining
(``notebooks/06_pretraining_on_unlabeled_text``). Each language has its own consonants and
vowels, from which :func:`target_lexicon` draws one invented word per English word, and its own
word-order rules (:data:`LANGUAGE_RULES`); :func:`translation_examples` renders English
sentences of a small everyday vocabulary into it. Names of people and places are copied unchanged.
"""
from __future__ import annotations

import random

from .._checks import check_choice, check_int, check_seed, check_type
from .lexicon import (
    DOMAIN_DEPENDENT,
    INTENSIFIERS,
    LEXICON,
    ORGANIZATIONS,
    PEOPLE,
    PLACES,
    SHARED_NEGATIVE,
    SHARED_POSITIVE,
    _w,
    derive_seed,
)

__all__ = [
    "TARGET_LANGUAGES",
    "HELD_OUT_LANGUAGES",
    "ALL_LANGUAGES",
    "LANGUAGE_RULES",
    "translation_examples",
    "target_lexicon",
    "describe_language",
]

_T_NOUNS = _w("man woman child dog cat bird horse car house letter city river tree apple cup door "
              "window teacher doctor farmer friend boat garden chair key ball lamp cake shoe box")
_T_ADJS = _w("big little old young red blue green happy tired tall new warm round yellow")
_T_VERBS = _w("saw found took made bought sold opened painted carried washed followed visited "
              "helped called watched fixed")
_T_PEOPLE = tuple(p for p in PEOPLE if " " not in p)[:12]
_T_PLACES = tuple(p for p in PLACES if " " not in p)[:12]
_T_FUNCTION = ("the", "a", "never", "in")
_T_WORDS = _T_FUNCTION + _T_NOUNS + _T_ADJS + _T_VERBS

#: Word-order rules of each toy language (English is S V O, adjective before noun,
#: article before noun, ``never`` before the verb, preposition ``in`` before the place at the end).
LANGUAGE_RULES: dict[str, dict[str, object]] = {
    "lumo": {"order": "SOV", "adjective": "after noun", "article": "dropped",
             "negation": "before verb", "place": "start, postposition",
             "consonants": ("l", "m", "n", "k", "t", "p"), "vowels": ("a", "o", "u")},
    "vesh": {"order": "VSO", "adjective": "before noun", "article": "after noun",
             "negation": "sentence start", "place": "end, preposition",
             "consonants": ("v", "s", "sh", "z", "r", "d"), "vowels": ("e", "i")},
    "tarei": {"order": "SVO", "adjective": "after noun", "article": "before noun",
              "negation": "sentence end", "place": "end, postposition",
              "consonants": ("t", "r", "k", "h", "y", "n"), "vowels": ("a", "e", "i")},
    "okra": {"order": "OSV", "adjective": "before noun", "article": "dropped",
             "negation": "after verb", "place": "start, preposition",
             "consonants": ("g", "b", "d", "r", "w"), "vowels": ("o", "a", "u")},
}
#: Languages of the translation family.
TARGET_LANGUAGES: tuple[str, ...] = ("lumo", "vesh", "tarei")
#: A language kept out of the translation family's tasks (its ``.held_out``).
HELD_OUT_LANGUAGES: tuple[str, ...] = ("okra",)
ALL_LANGUAGES: tuple[str, ...] = TARGET_LANGUAGES + HELD_OUT_LANGUAGES

_ENGLISH_WORDS = frozenset(
    _T_WORDS
    + tuple(w for d in LEXICON.values() for w in d.nouns + d.positive + d.negative)
    + tuple(DOMAIN_DEPENDENT) + SHARED_POSITIVE + SHARED_NEGATIVE + INTENSIFIERS
    + tuple(w for names in (PEOPLE, PLACES, ORGANIZATIONS) for name in names for w in name.split())
)
_TARGET_LEXICONS: dict[str, dict[str, str]] = {}


def target_lexicon(language: str) -> dict[str, str]:
    """English word -> invented word of ``language`` (a fresh dict; names are copied unchanged).

    The words are drawn syllable by syllable from the language's own consonants and vowels with a
    seed derived from the language's name, so every process builds the same lexicon.
    """
    check_type("language", language, str)
    language = check_choice("language", language, ALL_LANGUAGES)
    if language not in _TARGET_LEXICONS:
        rules = LANGUAGE_RULES[language]
        cons, vows = rules["consonants"], rules["vowels"]
        rng = random.Random(derive_seed(0, "lexicon", language))
        used: set[str] = set()
        lex = {}
        for english in _T_WORDS:
            while True:
                n_syll = 1 if english in _T_FUNCTION else rng.choice((2, 2, 3))
                word = "".join(rng.choice(cons) + rng.choice(vows) for _ in range(n_syll))
                if english in _T_FUNCTION and rng.random() < 0.5:
                    word = rng.choice(vows) + word
                if word not in used and word not in _ENGLISH_WORDS:
                    break
            used.add(word)
            lex[english] = word
        _TARGET_LEXICONS[language] = lex
    return dict(_TARGET_LEXICONS[language])


def describe_language(language: str) -> str:
    """One line summarizing a toy language's word order, e.g. for a notebook table."""
    language = check_choice("language", language, ALL_LANGUAGES)
    r = LANGUAGE_RULES[language]
    return (f"{language}: order {r['order']}, adjective {r['adjective']}, article {r['article']}, "
            f"negation {r['negation']}, place phrase at {r['place']}")


def _translation_parts(rng: random.Random) -> dict:
    def np() -> dict:
        if rng.random() < 0.2:
            return {"name": _T_PEOPLE[int(rng.random() * len(_T_PEOPLE))]}
        adjs = []
        if rng.random() < 0.5:
            adjs.append(_T_ADJS[int(rng.random() * len(_T_ADJS))])
            if rng.random() < 0.2:
                second = _T_ADJS[int(rng.random() * len(_T_ADJS))]
                if second != adjs[0]:
                    adjs.append(second)
        return {"det": "the" if rng.random() < 0.65 else "a", "adjs": adjs,
                "noun": _T_NOUNS[int(rng.random() * len(_T_NOUNS))]}

    return {
        "subj": np(),
        "verb": _T_VERBS[int(rng.random() * len(_T_VERBS))],
        "obj": np(),
        "neg": rng.random() < 0.2,
        "place": _T_PLACES[int(rng.random() * len(_T_PLACES))] if rng.random() < 0.3 else None,
    }


def _english(p: dict) -> str:
    def np(x: dict) -> list[str]:
        if "name" in x:
            return [x["name"]]
        rest = [*x["adjs"], x["noun"]]
        det = "an" if x["det"] == "a" and rest[0][0] in "aeiou" else x["det"]
        return [det, *rest]

    words = np(p["subj"]) + (["never"] if p["neg"] else []) + [p["verb"]] + np(p["obj"])
    if p["place"]:
        words += ["in", p["place"]]
    return " ".join(words)


def _render(p: dict, language: str, lex: dict[str, str]) -> str:
    r = LANGUAGE_RULES[language]

    def np(x: dict) -> list[str]:
        if "name" in x:
            return [x["name"]]
        adjs = [lex[a] for a in x["adjs"]]
        noun = [lex[x["noun"]]]
        core = noun + adjs if r["adjective"] == "after noun" else adjs + noun
        if r["article"] == "before noun":
            return [lex[x["det"]]] + core
        if r["article"] == "after noun":
            return core + [lex[x["det"]]]
        return core

    verb = [lex[p["verb"]]]
    neg = [lex["never"]] if p["neg"] else []
    if r["negation"] == "before verb":
        verb = neg + verb
    elif r["negation"] == "after verb":
        verb = verb + neg
    s, o = np(p["subj"]), np(p["obj"])
    parts = {"S": s, "V": verb, "O": o}
    words = [w for key in r["order"] for w in parts[key]]
    if p["place"]:
        pp = [p["place"], lex["in"]] if "postposition" in r["place"] else [lex["in"], p["place"]]
        words = pp + words if r["place"].startswith("start") else words + pp
    if r["negation"] == "sentence start":
        words = neg + words
    elif r["negation"] == "sentence end":
        words = words + neg
    return " ".join(words)


def translation_examples(language: str, n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` pairs ``(english, target)``: ``("the red car never saw anna", ...)`` -> toy language.

    English is ``S [never] V O [in PLACE]`` with ``NP = the|a ADJ* NOUN | NAME``; each toy language
    reorders that structure by its :data:`LANGUAGE_RULES` and replaces every word through its
    :func:`target_lexicon`. Names of people and places are copied unchanged.
    """
    check_type("language", language, str)
    language = check_choice("language", language, ALL_LANGUAGES)
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    if language not in _TARGET_LEXICONS:
        target_lexicon(language)
    lex = _TARGET_LEXICONS[language]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = _translation_parts(rng)
        out.append((_english(parts), _render(parts, language, lex)))
    return out

