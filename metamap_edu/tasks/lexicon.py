"""The words of the generated language: domains, sentiment words, named entities, and their polarity.

Every task of the course is generated from these words (taught in ``notebooks/01_tasks_as_mappings``);
the sentences are made by :mod:`metamap_edu.tasks.grammar`, the toy target languages by
:mod:`metamap_edu.tasks.toy_languages`.

* **domains** -- each with its own nouns and its own positive / negative adjectives
  (``DOMAINS`` are used for labeled tasks, ``HELD_OUT_DOMAINS`` only when asked for explicitly and
  in the unlabeled :func:`~metamap_edu.tasks.grammar.corpus`);
* **sentiment** -- shared sentiment words, domain-specific adjectives, and a pool of
  *domain-dependent* adjectives whose polarity flips between domains (a ``long`` battery is good, a
  ``long`` flight is bad): :func:`polarity`, :func:`sentiment_lexicon`; negation (``not``,
  ``never``) flips a clause's sentiment, intensifiers (``very``, ...) do not, and in ``A but B``
  the clause ``B`` decides (:func:`sentiment_label`);
* **named entities** -- people, places and organizations (for NER).

Determinism: every random choice of the generators comes from ``random.Random(seed)`` over lists
in a fixed order, and derived seeds come from :func:`derive_seed` (a hash of the text of its
parts), never from Python's per-process ``hash()`` or from the iteration order of a ``set``. The
same seed gives the same bytes in every process.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from .._checks import check_choice, check_seed, check_type

__all__ = [
    "DOMAINS",
    "HELD_OUT_DOMAINS",
    "ALL_DOMAINS",
    "LABELS",
    "Domain",
    "LEXICON",
    "SHARED_POSITIVE",
    "SHARED_NEGATIVE",
    "SENTIMENT_VERBS",
    "DOMAIN_DEPENDENT",
    "INTENSIFIERS",
    "NEGATIONS",
    "PEOPLE",
    "PLACES",
    "ORGANIZATIONS",
    "ENTITY_TYPES",
    "derive_seed",
    "polarity",
    "sentiment_lexicon",
    "sentiment_label",
]

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """One domain's own words: nouns (what the domain talks about) and sentiment adjectives."""

    name: str
    nouns: tuple[str, ...]
    positive: tuple[str, ...]
    negative: tuple[str, ...]


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LEXICON: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain(
            "movies",
            _w("plot script actor actress director film movie scene ending soundtrack cast dialogue "
               "sequel villain hero cinematography trailer screenplay premiere performance"),
            _w("gripping moving witty suspenseful cinematic heartfelt riveting poignant hilarious "
               "masterful captivating touching"),
            _w("dull cliched wooden overacted boring forgettable incoherent melodramatic pretentious "
               "tedious unwatchable overlong"),
        ),
        Domain(
            "restaurants",
            _w("food waiter waitress menu dessert soup steak pasta salad chef wine bread service "
               "table dish pizza burger sauce kitchen appetizer"),
            _w("delicious tasty flavorful succulent juicy savory fragrant appetizing scrumptious "
               "crispy tender generous"),
            _w("bland greasy stale soggy overcooked undercooked burnt salty tasteless rancid chewy "
               "watery"),
        ),
        Domain(
            "hotels",
            _w("room bed lobby receptionist pool bathroom suite balcony breakfast staff shower towel "
               "pillow concierge elevator view carpet minibar sauna hallway"),
            _w("spotless spacious cozy luxurious welcoming comfortable roomy immaculate tidy restful "
               "elegant charming"),
            _w("dirty cramped shabby moldy stuffy filthy musty dingy smelly grimy damp drafty"),
        ),
        Domain(
            "electronics",
            _w("battery screen laptop phone keyboard charger camera speaker headset tablet "
               "processor display cable printer router mouse monitor remote microphone firmware"),
            _w("responsive durable sleek reliable intuitive powerful crisp sturdy efficient "
               "lightweight speedy seamless"),
            _w("glitchy laggy flimsy defective buggy unresponsive overpriced clunky faulty sluggish "
               "unreliable fragile"),
        ),
        Domain(
            "books",
            _w("novel author chapter story character prose narrator poem biography memoir page cover "
               "book paragraph epilogue protagonist anthology writer essay preface"),
            _w("engrossing insightful eloquent lyrical compelling thoughtful profound enchanting vivid "
               "absorbing readable inspiring"),
            _w("shallow clumsy verbose confusing preachy unreadable dry rambling tiresome repetitive "
               "trite muddled"),
        ),
        Domain(
            "travel",
            _w("flight trip tour guide airport train bus ticket luggage journey cruise itinerary "
               "beach museum island airline ferry excursion layover boarding"),
            _w("scenic breathtaking punctual memorable adventurous relaxing picturesque exotic "
               "unforgettable stunning organized affordable"),
            _w("delayed exhausting chaotic overcrowded disorganized canceled stressful touristy bumpy "
               "overbooked hectic uncomfortable"),
        ),
        Domain(
            "sports",
            _w("team match coach player referee goal stadium season striker defense tournament "
               "league goalkeeper final halftime pitch umpire championship athlete lineup"),
            _w("thrilling dominant athletic skillful clinical tenacious electric victorious "
               "disciplined energetic spirited inspired"),
            _w("sloppy lackluster lethargic unfit toothless hapless outclassed listless undisciplined "
               "timid erratic woeful"),
        ),
        Domain(
            "cars",
            _w("engine brake steering tire dashboard seat transmission trunk headlight gearbox "
               "sedan truck dealer suspension exhaust windshield clutch radiator horn mileage"),
            _w("nimble zippy refined peppy economical precise agile robust plush composed frugal "
               "grippy"),
            _w("rusty underpowered sputtering leaky jerky thirsty squeaky wobbly noisy numb vague "
               "unstable"),
        ),
        # ---- held out: never in a labeled family unless asked for by name ----
        Domain(
            "music",
            _w("album song singer band concert guitar drummer chorus refrain melody track vocalist "
               "orchestra bassist setlist rhythm piano violin encore ballad"),
            _w("catchy soulful melodic harmonious groovy uplifting haunting rousing mellow infectious "
               "tuneful virtuosic"),
            _w("tuneless grating shrill monotonous derivative screechy discordant muffled lifeless "
               "overproduced droning jarring"),
        ),
        Domain(
            "games",
            _w("level boss controller arena multiplayer quest puzzle console gameplay map weapon "
               "dungeon avatar checkpoint inventory sidequest cutscene leaderboard tutorial campaign"),
            _w("addictive immersive rewarding polished replayable inventive strategic satisfying "
               "balanced fluid expansive atmospheric"),
            _w("grindy unbalanced frustrating janky broken unplayable pointless choppy unfair bloated "
               "uninspired stuttery"),
        ),
    )
}

#: Labeled domains: sentiment and topic tasks are built from these.
DOMAINS: tuple[str, ...] = ("movies", "restaurants", "hotels", "electronics", "books", "travel", "sports", "cars")
#: Held-out domains: only in the unlabeled corpus, or in a family when named explicitly.
HELD_OUT_DOMAINS: tuple[str, ...] = ("music", "games")
ALL_DOMAINS: tuple[str, ...] = DOMAINS + HELD_OUT_DOMAINS
#: Sentiment labels, sorted (index 0 = negative).
LABELS: tuple[str, str] = ("negative", "positive")

SHARED_POSITIVE: tuple[str, ...] = _w(
    "good great excellent wonderful fantastic superb lovely pleasant brilliant perfect amazing "
    "outstanding nice terrific"
)
SHARED_NEGATIVE: tuple[str, ...] = _w(
    "bad terrible awful poor horrible dreadful disappointing mediocre lousy unpleasant miserable "
    "abysmal atrocious pathetic"
)
#: Shared sentiment verbs as (past, base) pairs, by polarity.
SENTIMENT_VERBS: dict[str, tuple[tuple[str, str], ...]] = {
    "positive": (("loved", "love"), ("liked", "like"), ("enjoyed", "enjoy"), ("adored", "adore"),
                 ("appreciated", "appreciate"), ("praised", "praise")),
    "negative": (("hated", "hate"), ("disliked", "dislike"), ("regretted", "regret"),
                 ("despised", "despise"), ("loathed", "loathe"), ("resented", "resent")),
}

#: Domain-dependent adjectives: word -> the domains in which it is *positive*; in every other
#: domain it is negative. A long battery life is good, a long flight is not.
DOMAIN_DEPENDENT: dict[str, tuple[str, ...]] = {
    "long": ("electronics", "cars", "games"),
    "short": ("restaurants", "hotels", "travel", "movies"),
    "predictable": ("electronics", "travel", "hotels", "restaurants", "cars"),
    "unpredictable": ("movies", "books", "sports", "music", "games"),
    "quiet": ("hotels", "electronics", "cars", "books", "restaurants", "travel"),
    "loud": ("sports", "music", "movies", "games"),
    "cold": ("electronics", "cars"),
    "hot": ("restaurants", "sports", "music"),
    "cheap": ("travel", "hotels", "restaurants", "books"),
    "light": ("electronics", "travel", "books", "music"),
    "heavy": ("music", "cars"),
    "slow": ("music", "books"),
    "fast": ("electronics", "travel", "sports", "cars", "games", "restaurants", "hotels"),
    "dark": ("movies", "books", "music", "games"),
    "simple": ("electronics", "travel", "restaurants", "cars"),
    "small": ("electronics", "cars"),
    "soft": ("hotels", "music"),
    "crowded": ("sports", "music", "restaurants"),
}

INTENSIFIERS: tuple[str, ...] = _w("very really extremely truly incredibly remarkably quite so rather absolutely")
NEGATIONS: tuple[str, ...] = ("not", "never")
_ATTRIBUTIVE_INTENSIFIERS = _w("very really extremely truly incredibly remarkably")

PEOPLE: tuple[str, ...] = (
    "anna", "maria lopez", "james", "li wei", "omar haddad", "sofia", "kenji sato", "amara okafor",
    "lucas", "emma", "noah", "fatima", "ivan petrov", "priya sharma", "chen jing", "david", "sara",
    "mateo garcia", "hannah", "yusuf", "elena", "tom baker", "aisha", "pedro", "lena fischer",
    "kofi mensah", "mei", "olga", "samuel", "nadia", "jonas berg", "ravi", "grace", "hugo", "leila",
)
PLACES: tuple[str, ...] = (
    "paris", "london", "tokyo", "new york", "cairo", "lima", "berlin", "madrid", "rome", "oslo",
    "seoul", "delhi", "nairobi", "sydney", "toronto", "mexico city", "cape town", "buenos aires",
    "lagos", "dublin", "vienna", "prague", "lisbon", "athens", "istanbul", "bangkok", "hanoi",
    "moscow", "chicago", "boston", "rio de janeiro", "kyoto", "shanghai", "manila",
)
ORGANIZATIONS: tuple[str, ...] = (
    "acme", "globex", "initech", "united nations", "red cross", "world bank", "nasa", "unicef",
    "oxfam", "siemens", "toyota", "nokia", "ikea", "unesco", "interpol", "greenpeace", "bbc",
    "reuters", "fifa", "stark industries", "wayne enterprises", "umbrella corporation", "cyberdyne",
    "hooli", "pied piper", "bank of spain", "royal society", "open university", "city council",
    "north star airlines", "sunrise bakery", "blue river clinic",
)
#: NER entity types with their entity lists.
ENTITY_TYPES: dict[str, tuple[str, ...]] = {"PER": PEOPLE, "LOC": PLACES, "ORG": ORGANIZATIONS}


def derive_seed(seed: int, *parts: object) -> int:
    """A new seed from ``seed`` and some labels, identical in every process.

    ``derive_seed(0, "sentiment", "movies")`` hashes the *text* ``"0/sentiment/movies"`` with
    BLAKE2b; unlike Python's ``hash()`` it does not change with ``PYTHONHASHSEED``.
    """
    seed = check_seed("seed", seed)
    text = "/".join([str(seed)] + [str(p) for p in parts])
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _check_domain(name: str, value: object, allowed: Sequence[str] = ALL_DOMAINS) -> str:
    check_type(name, value, str)
    return check_choice(name, value, allowed)


def polarity(word: str, domain: str) -> int:
    """+1 if ``word`` is positive in ``domain``, -1 if negative, 0 if it carries no sentiment there.

    Domain-dependent words answer differently per domain: ``polarity("long", "electronics") == 1``
    but ``polarity("long", "travel") == -1``.
    """
    check_type("word", word, str)
    domain = _check_domain("domain", domain)
    return sentiment_lexicon(domain).get(word, 0)


_LEXICON_CACHE: dict[str, dict[str, int]] = {}


def sentiment_lexicon(domain: str) -> dict[str, int]:
    """Every sentiment word usable in ``domain`` mapped to +1 / -1 (a fresh dict, keys sorted)."""
    domain = _check_domain("domain", domain)
    if domain not in _LEXICON_CACHE:
        lex: dict[str, int] = {}
        d = LEXICON[domain]
        for w in d.positive + SHARED_POSITIVE:
            lex[w] = 1
        for w in d.negative + SHARED_NEGATIVE:
            lex[w] = -1
        for label, sign in (("positive", 1), ("negative", -1)):
            for past, base in SENTIMENT_VERBS[label]:
                lex[past] = sign
                lex[base] = sign
        for w in sorted(DOMAIN_DEPENDENT):
            lex[w] = 1 if domain in DOMAIN_DEPENDENT[w] else -1
        _LEXICON_CACHE[domain] = dict(sorted(lex.items()))
    return dict(_LEXICON_CACHE[domain])


def sentiment_label(text: str, domain: str) -> str:
    """The sentiment the grammar's rules give ``text`` in ``domain``: ``"positive"``/``"negative"``.

    The rules, applied to the lower-cased words:

    1. in ``A but B`` only ``B`` counts (the last ``but`` wins); clauses joined by ``and`` agree,
       so the last one is used;
    2. the clause's polarity is the polarity of its sentiment word(s) in ``domain``
       (:func:`polarity`), summed;
    3. ``not`` or ``never`` in the clause flips it: s -> -s. Intensifiers change nothing.

    Raises ``ValueError`` when the deciding clause has no sentiment word.
    """
    check_type("text", text, str)
    domain = _check_domain("domain", domain)
    words = text.lower().split()
    if "but" in words:
        cut = len(words) - 1 - words[::-1].index("but")
        words = words[cut + 1:]
    if "and" in words:
        cut = len(words) - 1 - words[::-1].index("and")
        words = words[cut + 1:]
    if domain not in _LEXICON_CACHE:
        sentiment_lexicon(domain)
    lex = _LEXICON_CACHE[domain]
    score = sum(lex.get(w, 0) for w in words)
    if score == 0:
        raise ValueError(
            f"text has no sentiment word of domain {domain!r} in its deciding clause; got {text!r}"
        )
    if any(w in NEGATIONS for w in words):
        score = -score
    return "positive" if score > 0 else "negative"

