"""The generated language: English-like sentences over real English words, from a seeded grammar.

Every task of the course is generated from this module (taught in ``notebooks/01_tasks_as_mappings``):

* **domains** -- each with its own nouns and its own positive / negative adjectives
  (``DOMAINS`` are used for labeled tasks, ``HELD_OUT_DOMAINS`` only when asked for explicitly and
  in the unlabeled :func:`corpus`);
* **sentiment** -- shared sentiment words, domain-specific adjectives, and a pool of
  *domain-dependent* adjectives whose polarity flips between domains (a ``long`` battery is good, a
  ``long`` flight is bad); negation (``not``, ``never``) flips a clause's sentiment, intensifiers
  (``very``, ...) do not, and in ``A but B`` the clause ``B`` decides;
* **named entities** -- people, places and organizations (for NER);
* **toy target languages** -- each with its own invented lexicon and a word order that differs
  from English (for translation).

The knob ``relatedness`` r in [0, 1] decides where each sentiment word of a domain comes from::

    P(own domain word) = 1 - r,   P(domain-dependent word) = r (1 - r),   P(shared word) = r**2

so r = 0 gives each domain only its own words (no overlap between tasks), r = 1 gives every domain
the same words with the same polarity rules, and intermediate r shares surface words whose polarity
*disagrees* between domains -- the setting in which training on one task after another forgets.

Determinism: every random choice comes from ``random.Random(seed)`` over lists in a fixed order,
and derived seeds come from :func:`derive_seed` (a hash of the text of its parts), never from
Python's per-process ``hash()`` or from the iteration order of a ``set``. The same seed gives the
same bytes in every process.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from .._checks import check_choice, check_int, check_probability, check_seed, check_type

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
    "TARGET_LANGUAGES",
    "HELD_OUT_LANGUAGES",
    "ALL_LANGUAGES",
    "LANGUAGE_RULES",
    "derive_seed",
    "polarity",
    "sentiment_lexicon",
    "sentiment_label",
    "sentiment_examples",
    "domain_sentences",
    "ner_examples",
    "translation_examples",
    "target_lexicon",
    "describe_language",
    "corpus",
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
# Toy target languages
# --------------------------------------------------------------------------------------------

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
