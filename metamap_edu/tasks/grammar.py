"""The grammar of the generated language: labeled sentiment sentences, NER sentences, the corpus.

Taught in ``notebooks/01_tasks_as_mappings``; the words come from :mod:`metamap_edu.tasks.lexicon`.
The knob ``relatedness`` r in [0, 1] decides where each sentiment word of a domain comes from::

    P(own domain word) = 1 - r,   P(domain-dependent word) = r (1 - r),   P(shared word) = r**2

so r = 0 gives each domain only its own words (no overlap between tasks), r = 1 gives every domain
the same words with the same polarity rules, and intermediate r shares surface words whose polarity
*disagrees* between domains -- the setting in which training on one task after another forgets.
The unlabeled :func:`corpus` (pretraining, ``notebooks/06_pretraining_on_unlabeled_text``) mixes
all of these sentences with the simple sentences of :mod:`metamap_edu.tasks.toy_languages`.
Every random choice comes from ``random.Random(seed)`` over lists in a fixed order (see
:func:`~metamap_edu.tasks.lexicon.derive_seed`).
"""
from __future__ import annotations

import random
from collections.abc import Sequence

from .._checks import check_int, check_probability, check_seed, check_type
from .lexicon import (
    ALL_DOMAINS,
    DOMAIN_DEPENDENT,
    DOMAINS,
    ENTITY_TYPES,
    INTENSIFIERS,
    LEXICON,
    NEGATIONS,
    ORGANIZATIONS,
    PEOPLE,
    PLACES,
    SENTIMENT_VERBS,
    SHARED_NEGATIVE,
    SHARED_POSITIVE,
    _ATTRIBUTIVE_INTENSIFIERS,
    _check_domain,
    derive_seed,
)
from .toy_languages import _english, _translation_parts

__all__ = [
    "sentiment_examples",
    "domain_sentences",
    "ner_examples",
    "corpus",
]

# --------------------------------------------------------------------------------------------
# Sentiment sentences
# --------------------------------------------------------------------------------------------

_SUBJECTS = ("i", "we", "my friend", "my family", "everyone")
_VERBS_BY_SIGN = {1: SENTIMENT_VERBS["positive"], -1: SENTIMENT_VERBS["negative"]}
_NEUTRAL_TEMPLATES = (
    "{person} talked about the {noun}",
    "{person} asked about the {noun} in {place}",
    "we wrote about the {noun}",
    "there was a new {noun} in {place}",
    "{person} saw the {noun} with {other}",
    "the {noun} was in {place}",
    "{org} announced a new {noun}",
    "{person} told us about the {noun}",
)


class _SentimentGrammar:
    """Precomputed word lists for one (domain, relatedness); ``sentence`` draws one example."""

    p_negate = 0.3
    p_contrast = 0.25
    p_and = 0.1
    p_intens = 0.3
    p_verb = 0.35
    p_said = 0.1

    def __init__(self, domain: str, relatedness: float):
        d = LEXICON[domain]
        self.domain = domain
        self.nouns = d.nouns
        # thresholds on one uniform draw: own | domain-dependent | shared
        self.t_own = 1.0 - relatedness
        self.t_flip = self.t_own + relatedness * (1.0 - relatedness)
        flip_pos = tuple(w for w in sorted(DOMAIN_DEPENDENT) if domain in DOMAIN_DEPENDENT[w])
        flip_neg = tuple(w for w in sorted(DOMAIN_DEPENDENT) if domain not in DOMAIN_DEPENDENT[w])
        self.adjs = {
            "own": {1: d.positive, -1: d.negative},
            "flip": {1: flip_pos, -1: flip_neg},
            "shared": {1: SHARED_POSITIVE, -1: SHARED_NEGATIVE},
        }

    def noun_phrase(self, rng: random.Random) -> str:
        u = rng.random()
        noun = self.nouns[int(rng.random() * len(self.nouns))]
        if u < 0.6:
            return "the " + noun
        if u < 0.75:
            return "this " + noun
        if u < 0.85:
            return "our " + noun
        return f"the {noun} in {PLACES[int(rng.random() * len(PLACES))]}"

    def clause(self, rng: random.Random, sign: int) -> str:
        u = rng.random()
        source = "own" if u < self.t_own else ("flip" if u < self.t_flip else "shared")
        negate = rng.random() < self.p_negate
        word_sign = -sign if negate else sign
        neg_word = NEGATIONS[int(rng.random() * 2)] if negate else ""
        if source == "shared" and rng.random() < self.p_verb:
            past, base = _VERBS_BY_SIGN[word_sign][int(rng.random() * 6)]
            subj = _SUBJECTS[int(rng.random() * len(_SUBJECTS))]
            if not negate:
                verb = past
            elif neg_word == "not":
                verb = "did not " + base
            else:
                verb = "never " + past
            return f"{subj} {verb} {self.noun_phrase(rng)}"
        words = self.adjs[source][word_sign]
        adj = words[int(rng.random() * len(words))]
        intens = ""
        if rng.random() < self.p_intens and neg_word != "never":
            intens = INTENSIFIERS[int(rng.random() * len(INTENSIFIERS))]
        if rng.random() < 0.7:
            verb = "was" if rng.random() < 0.7 else "is"
            adj = f"{intens} {adj}" if intens else adj
            text = f"{self.noun_phrase(rng)} {verb}{' ' + neg_word if negate else ''} {adj}"
        else:
            noun = self.nouns[int(rng.random() * len(self.nouns))]
            if intens:  # "a so dull film" is not English: use an intensifier that fits after "a"
                adj = _ATTRIBUTIVE_INTENSIFIERS[INTENSIFIERS.index(intens) % len(_ATTRIBUTIVE_INTENSIFIERS)] + " " + adj
            article = "an" if adj[0] in "aeiou" else "a"
            text = f"it was{' ' + neg_word if negate else ''} {article} {adj} {noun}"
        if rng.random() < self.p_said:
            text = f"{PEOPLE[int(rng.random() * len(PEOPLE))]} said {text}"
        return text

    def sentence(self, rng: random.Random, sign: int) -> str:
        u = rng.random()
        if u < self.p_contrast:
            return f"{self.clause(rng, -sign)} but {self.clause(rng, sign)}"
        if u < self.p_contrast + self.p_and:
            return f"{self.clause(rng, sign)} and {self.clause(rng, sign)}"
        return self.clause(rng, sign)

    def neutral(self, rng: random.Random) -> str:
        template = _NEUTRAL_TEMPLATES[int(rng.random() * len(_NEUTRAL_TEMPLATES))]
        return template.format(
            person=PEOPLE[int(rng.random() * len(PEOPLE))],
            other=PEOPLE[int(rng.random() * len(PEOPLE))],
            place=PLACES[int(rng.random() * len(PLACES))],
            org=ORGANIZATIONS[int(rng.random() * len(ORGANIZATIONS))],
            noun=self.nouns[int(rng.random() * len(self.nouns))],
        )


_GRAMMARS: dict[tuple[str, float], _SentimentGrammar] = {}


def _grammar(domain: str, relatedness: float) -> _SentimentGrammar:
    key = (domain, relatedness)
    if key not in _GRAMMARS:
        _GRAMMARS[key] = _SentimentGrammar(domain, relatedness)
    return _GRAMMARS[key]


def sentiment_examples(
    domain: str, n: int, relatedness: float = 0.5, seed: int = 0, unique: bool = True
) -> list[tuple[str, str]]:
    """``n`` labeled sentences ``(text, "positive" | "negative")`` from ``domain``, half of each label.

    Labels alternate and the list is then shuffled, so every label count is ``n // 2`` or
    ``n // 2 + 1``. With ``unique=True`` repeated sentences are redrawn (up to a limit), so a
    train/test split does not leak. Each label equals :func:`sentiment_label` of its text.
    """
    domain = _check_domain("domain", domain)
    n = check_int("n", n, min=1)
    relatedness = check_probability("relatedness", relatedness)
    seed = check_seed("seed", seed)
    check_type("unique", unique, bool)
    grammar = _grammar(domain, relatedness)
    rng = random.Random(derive_seed(seed, "sentiment", domain))
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n:
        sign = 1 if len(out) % 2 else -1
        text = grammar.sentence(rng, sign)
        attempts += 1
        if unique and text in seen and attempts < 20 * n:
            continue
        seen.add(text)
        out.append((text, "positive" if sign > 0 else "negative"))
    rng.shuffle(out)
    return out


def domain_sentences(domain: str, n: int, seed: int = 0, relatedness: float = 0.5) -> list[str]:
    """``n`` unlabeled sentences about ``domain``: opinions (any polarity) and neutral statements."""
    domain = _check_domain("domain", domain)
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    relatedness = check_probability("relatedness", relatedness)
    grammar = _grammar(domain, relatedness)
    rng = random.Random(derive_seed(seed, "domain", domain))
    out = []
    for _ in range(n):
        if rng.random() < 0.25:
            out.append(grammar.neutral(rng))
        else:
            out.append(grammar.sentence(rng, 1 if rng.random() < 0.5 else -1))
    return out


# --------------------------------------------------------------------------------------------
# Named entities
# --------------------------------------------------------------------------------------------

_NER_TEMPLATES = tuple(
    t.split()
    for t in (
        "PER visited LOC",
        "PER works for ORG",
        "PER flew from LOC to LOC",
        "ORG opened an office in LOC",
        "PER met PER in LOC",
        "yesterday PER left ORG",
        "ORG hired PER last year",
        "PER and PER moved to LOC",
        "ORG and ORG signed a deal in LOC",
        "the NOUN at LOC was ADJ",
        "PER said the NOUN from ORG was ADJ",
        "PER bought a NOUN in LOC",
        "a reporter from ORG interviewed PER",
        "PER lives in LOC and works at ORG",
        "the NOUN was ADJ",
        "we met PER at the NOUN",
        "ORG is based in LOC",
        "PER wrote to ORG about the NOUN",
    )
)
_ENTITY_TOKENS = {k: tuple(tuple(e.split()) for e in v) for k, v in ENTITY_TYPES.items()}
_LABELED_NOUNS = tuple(n for d in DOMAINS for n in LEXICON[d].nouns)
_PLAIN_ADJS = SHARED_POSITIVE + SHARED_NEGATIVE


def _ner_sentence(rng: random.Random, nouns: tuple[str, ...] = _LABELED_NOUNS) -> tuple[list[str], list[str]]:
    template = _NER_TEMPLATES[int(rng.random() * len(_NER_TEMPLATES))]
    words: list[str] = []
    tags: list[str] = []
    for slot in template:
        if slot in _ENTITY_TOKENS:
            options = _ENTITY_TOKENS[slot]
            entity = options[int(rng.random() * len(options))]
            words.extend(entity)
            tags.append("B-" + slot)
            tags.extend(["I-" + slot] * (len(entity) - 1))
        elif slot == "NOUN":
            words.append(nouns[int(rng.random() * len(nouns))])
            tags.append("O")
        elif slot == "ADJ":
            words.append(_PLAIN_ADJS[int(rng.random() * len(_PLAIN_ADJS))])
            tags.append("O")
        else:
            words.append(slot)
            tags.append("O")
    return words, tags


def ner_examples(n: int, seed: int = 0) -> list[tuple[str, tuple[str, ...]]]:
    """``n`` sentences with BIO tags: ``("anna visited new york", ("B-PER","O","B-LOC","I-LOC"))``.

    Entity types are ``PER`` (people), ``LOC`` (places) and ``ORG`` (organizations); a multi-word
    entity starts with ``B-`` and continues with ``I-``; every other word is ``O``.
    """
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words, tags = _ner_sentence(rng)
        out.append((" ".join(words), tuple(tags)))
    return out


# --------------------------------------------------------------------------------------------
# Unlabeled corpus
# --------------------------------------------------------------------------------------------


def corpus(n: int, seed: int = 0, domains: Sequence[str] | None = None) -> list[str]:
    """``n`` unlabeled English-like sentences for pretraining.

    A mix of opinions from ``domains`` (default: all of ``ALL_DOMAINS``, *including* the held-out
    ones, so pretraining can carry knowledge into tasks never seen with labels), neutral
    statements, sentences with named entities, and the simple sentences of the translation
    grammar. Roughly: 55 % opinions, 15 % neutral, 15 % entities, 15 % translation-style. Only
    the translation-style sentences (a small everyday vocabulary) are shared by every choice of
    ``domains``; every other sentence uses the nouns and adjectives of ``domains`` only.
    """
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    if domains is None:
        domains = ALL_DOMAINS
    else:
        check_type("domains", domains, (list, tuple), "a list or tuple of domain names")
        if len(domains) == 0:
            raise ValueError(f"domains must name at least one of {', '.join(ALL_DOMAINS)}; got an empty {type(domains).__name__}")
        for d in domains:
            _check_domain("domains", d)
    grammars = [_grammar(d, 0.5) for d in domains]
    n_gram = len(grammars)
    nouns = tuple(n for d in domains for n in LEXICON[d].nouns)
    rng = random.Random(seed)
    rand = rng.random
    out: list[str] = []
    append = out.append
    for _ in range(n):
        u = rand()
        if u < 0.70:
            g = grammars[int(rand() * n_gram)]
            if u < 0.55:
                append(g.sentence(rng, 1 if rand() < 0.5 else -1))
            else:
                append(g.neutral(rng))
        elif u < 0.85:
            append(" ".join(_ner_sentence(rng, nouns)[0]))
        else:
            append(_english(_translation_parts(rng)))
    return out
