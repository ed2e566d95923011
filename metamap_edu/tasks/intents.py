"""A many-class intent world: 50 intents over 10 domains, said with synonyms and paraphrases.

Taught in ``notebooks/06_pretraining_on_unlabeled_text`` (section 7: where unlabeled text helps);
``bench/world_effects.py`` measures every few-shot effect on it, and the ``intents`` checkpoint
(:mod:`metamap_edu.experiments.checkpoints`) is pretrained on its :func:`intent_corpus`.

An **intent** is an action on an object of one domain, ``cancel_flight`` or ``renew_loan``. Every
concept comes with a synonym set of eight words (*cancel, scrap, revoke, annul, void, ...*;
*flight, plane, airfare, jet, route, ...*), and an utterance picks one word from each set and puts them in one of many
paraphrase templates::

    "hi , could you scrap our jet tomorrow"        -> cancel_flight
    "i need to revoke my airfare"                  -> cancel_flight

Two utterances of the same intent share a given content word only with probability 1/8, so a
method that matches *words* (TF-IDF) finds little in common between a support example and a
query. What tells *scrap* and *revoke* apart from *book* is not their contexts inside one
sentence (every action word fills the same template slot) but the **documents** of the
unlabeled :func:`intent_corpus`: a document is a few requests about the *same* intent, each
said with freshly drawn synonyms,

.. math::  P(w_{s+1} \\in S_a \\mid w_s \\in S_a) = 1 \\quad\\text{(the same concept throughout a document)},

so a language model that predicts the next sentence learns that the words of one synonym set are
interchangeable -- distributional learning of synonymy. The corpus covers every domain, also
those whose intents are never seen with a label.

The classes are split **by domain** (:func:`intent_split`): meta-train, meta-validation and
meta-test classes come from disjoint domains, so a test episode asks about intents (and object
words) that no labelled example contained, as :mod:`metamap_edu.real.realdata` does for real data.

Polarity stays the counter-example (:func:`metamap_edu.experiments.antonym_experiment`): *great* and
*awful* share every context, so no amount of co-occurrence separates them.

Determinism: every random choice comes from ``random.Random`` seeded by
:func:`metamap_edu.tasks.lexicon.derive_seed`, over tuples in a fixed order.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from .._checks import check_choice, check_int, check_seed, check_type
from .lexicon import derive_seed
from .mapping import MappingTask
from .splits import ClassSplit, MetaSplit, restrict_to_classes

__all__ = [
    "ACTIONS",
    "INTENT_DOMAINS",
    "Intent",
    "INTENTS",
    "INTENT_LABELS",
    "TEMPLATES",
    "utterance",
    "intent_examples",
    "intent_task",
    "intent_document",
    "intent_corpus",
    "intent_split",
    "synonyms_of",
]

#: Action concepts (head word -> synonym set of 8). Every domain uses some of them.
ACTIONS: dict[str, tuple[str, ...]] = {
    "cancel": ("cancel", "scrap", "revoke", "annul", "void", "withdraw", "abort", "drop"),
    "book": ("book", "reserve", "arrange", "schedule", "secure", "organise", "prebook", "hold"),
    "change": ("change", "modify", "alter", "adjust", "amend", "update", "edit", "rework"),
    "check": ("check", "verify", "inspect", "review", "examine", "audit", "assess", "confirm"),
    "pay": ("pay", "settle", "cover", "fund", "clear", "repay", "finance", "remit"),
    "find": ("find", "locate", "track", "trace", "retrieve", "recover", "seek", "pinpoint"),
    "renew": ("renew", "extend", "prolong", "refresh", "continue", "reactivate", "restore", "reinstate"),
    "report": ("report", "flag", "dispute", "contest", "challenge", "query", "protest", "question"),
}

#: Domains: three object concepts each (head word -> synonym set of 8), and five intents (action, object).
INTENT_DOMAINS: dict[str, dict] = {
    "banking": {
        "objects": {"payment": ("payment", "transfer", "transaction", "remittance", "deposit", "wire", "instalment", "charge"),
                    "card": ("card", "debit", "visa", "mastercard", "plastic", "chipcard", "cashcard", "amex"),
                    "loan": ("loan", "mortgage", "credit", "advance", "overdraft", "lending", "borrowing", "financing")},
        "intents": (("report", "payment"), ("find", "payment"), ("cancel", "card"), ("renew", "card"), ("pay", "loan")),
    },
    "travel": {
        "objects": {"flight": ("flight", "plane", "airfare", "jet", "route", "airline", "departure", "connection"),
                    "hotel": ("hotel", "room", "lodging", "suite", "accommodation", "hostel", "inn", "motel"),
                    "luggage": ("luggage", "baggage", "suitcase", "bag", "trunk", "backpack", "holdall", "carryon")},
        "intents": (("cancel", "flight"), ("change", "flight"), ("book", "hotel"), ("cancel", "hotel"), ("find", "luggage")),
    },
    "dining": {
        "objects": {"table": ("table", "booth", "seating", "spot", "place", "reservation", "sitting", "setting"),
                    "order": ("order", "meal", "dinner", "takeaway", "food", "lunch", "dish", "starter"),
                    "bill": ("bill", "tab", "receipt", "invoice", "total", "cheque", "statement", "amount")},
        "intents": (("book", "table"), ("cancel", "table"), ("change", "order"), ("check", "bill"), ("pay", "bill")),
    },
    "health": {
        "objects": {"appointment": ("appointment", "visit", "consultation", "checkup", "session", "slot", "screening", "meeting"),
                    "prescription": ("prescription", "medication", "medicine", "pills", "refill", "tablets", "drugs", "dosage"),
                    "insurance": ("insurance", "coverage", "policy", "plan", "claim", "premium", "benefits", "insurer")},
        "intents": (("book", "appointment"), ("cancel", "appointment"), ("renew", "prescription"),
                    ("check", "insurance"), ("report", "insurance")),
    },
    "home": {
        "objects": {"heating": ("heating", "thermostat", "boiler", "radiator", "furnace", "heater", "hvac", "warmth"),
                    "lights": ("lights", "lamps", "bulbs", "lighting", "fixtures", "chandelier", "spotlights", "dimmer"),
                    "alarm": ("alarm", "siren", "sensor", "security", "camera", "detector", "doorbell", "cctv")},
        "intents": (("check", "heating"), ("change", "heating"), ("change", "lights"), ("check", "alarm"), ("report", "alarm")),
    },
    "shopping": {
        "objects": {"parcel": ("parcel", "package", "shipment", "consignment", "box", "delivery", "courier", "freight"),
                    "purchase": ("purchase", "item", "product", "goods", "merchandise", "buy", "article", "commodity"),
                    "voucher": ("voucher", "coupon", "giftcard", "discount", "promo", "rebate", "token", "offer")},
        "intents": (("find", "parcel"), ("change", "parcel"), ("report", "purchase"), ("cancel", "purchase"), ("renew", "voucher")),
    },
    "motoring": {
        "objects": {"car": ("car", "vehicle", "auto", "sedan", "motor", "hatchback", "van", "suv"),
                    "tyres": ("tyres", "tires", "wheels", "rims", "treads", "tyre", "hubcaps", "spare"),
                    "parking": ("parking", "garage", "permit", "space", "lot", "carpark", "bay", "meter")},
        "intents": (("book", "car"), ("check", "car"), ("change", "tyres"), ("pay", "parking"), ("renew", "parking")),
    },
    "telecom": {
        "objects": {"phone": ("phone", "mobile", "handset", "smartphone", "cellphone", "device", "iphone", "android"),
                    "data": ("data", "internet", "broadband", "bandwidth", "wifi", "fibre", "hotspot", "roaming"),
                    "contract": ("contract", "subscription", "tariff", "bundle", "agreement", "deal", "line", "account")},
        "intents": (("find", "phone"), ("check", "data"), ("pay", "data"), ("renew", "contract"), ("cancel", "contract")),
    },
    "education": {
        "objects": {"course": ("course", "class", "module", "lecture", "seminar", "workshop", "tutorial", "program"),
                    "exam": ("exam", "test", "quiz", "assessment", "midterm", "final", "paper", "oral"),
                    "tuition": ("tuition", "fees", "enrolment", "registration", "scholarship", "bursary", "grant", "stipend")},
        "intents": (("book", "course"), ("cancel", "course"), ("change", "exam"), ("report", "exam"), ("pay", "tuition")),
    },
    "events": {
        "objects": {"concert": ("concert", "gig", "show", "performance", "festival", "recital", "opera", "musical"),
                    "venue": ("venue", "hall", "arena", "stadium", "theatre", "auditorium", "club", "amphitheatre"),
                    "pass": ("pass", "wristband", "badge", "entry", "admission", "lanyard", "ticket", "invitation")},
        "intents": (("book", "concert"), ("find", "venue"), ("change", "venue"), ("renew", "pass"), ("report", "pass")),
    },
}


@dataclass(frozen=True)
class Intent:
    """One class of the world: ``label = f"{action}_{object}"`` in ``domain``."""

    label: str
    domain: str
    action: str
    object: str

    def __post_init__(self) -> None:
        for name in ("label", "domain", "action", "object"):
            check_type(name, getattr(self, name), str)

    @property
    def action_words(self) -> tuple[str, ...]:
        return ACTIONS[self.action]

    @property
    def object_words(self) -> tuple[str, ...]:
        return INTENT_DOMAINS[self.domain]["objects"][self.object]


#: Every intent, by label (50: ten domains of five).
INTENTS: dict[str, Intent] = {
    f"{a}_{o}": Intent(f"{a}_{o}", d, a, o) for d, spec in INTENT_DOMAINS.items() for a, o in spec["intents"]
}
#: The labels in a fixed order.
INTENT_LABELS: tuple[str, ...] = tuple(INTENTS)

#: Paraphrase templates: ``{a}`` an action word, ``{o}`` an object word, ``{w}`` an optional time.
TEMPLATES: tuple[str, ...] = (
    "{a} my {o} {w}",
    "please {a} the {o} {w}",
    "i need to {a} my {o} {w}",
    "can you {a} the {o}",
    "i want to {a} my {o} {w}",
    "help me {a} this {o}",
    "could you {a} our {o} {w}",
    "how do i {a} a {o}",
    "the {o} , {a} it {w}",
    "about my {o} , {a} it {w}",
    "we must {a} the {o}",
    "time to {a} my {o}",
)
_WHEN = ("", "", "", "", "", "today", "tomorrow", "soon", "this week", "right now")
_OPENERS = ("", "", "", "", "", "hi ,", "hello ,", "excuse me ,")
_CLOSERS = ("", "", "", "", "", "please", "thanks", "thank you")
# Sentences a document adds around its requests: they name the object (not the action).
_CONTEXT = ("the {o} is important to me", "it is about the {o}", "my {o} was fine until now",
            "i looked at the {o} again", "this {o} matters to us")


def _check_label(name: str, label: object) -> str:
    check_type(name, label, str)
    return check_choice(name, label, INTENT_LABELS)


def synonyms_of(word: str) -> tuple[str, ...]:
    """The synonym set (action or object concept) that ``word`` belongs to."""
    check_type("word", word, str)
    for words in ACTIONS.values():
        if word in words:
            return words
    for spec in INTENT_DOMAINS.values():
        for words in spec["objects"].values():
            if word in words:
                return words
    raise ValueError(f"word must be an action or object word of the intent world; got {word!r}")


def utterance(label: str, rng: random.Random) -> str:
    """One request of intent ``label``: random synonyms in a random template, with an optional
    opener, time and closer."""
    intent = INTENTS[_check_label("label", label)]
    template = rng.choice(TEMPLATES)
    text = template.format(a=rng.choice(intent.action_words), o=rng.choice(intent.object_words), w=rng.choice(_WHEN))
    return " ".join(p for p in (rng.choice(_OPENERS), text, rng.choice(_CLOSERS)) if p).replace("  ", " ").strip()


def intent_examples(n_per_class: int = 40, seed: int = 0, labels: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """``[(utterance, label), ...]``: ``n_per_class`` requests of every intent (default: all 50).

    Each class draws from its own ``random.Random(derive_seed(seed, "intent", label))``, so
    asking for fewer classes does not change the examples of the others.
    """
    n_per_class = check_int("n_per_class", n_per_class, min=1, max=100_000)
    seed = check_seed("seed", seed)
    labels = INTENT_LABELS if labels is None else tuple(_check_label("labels", y) for y in labels)
    out = []
    for label in labels:
        rng = random.Random(derive_seed(seed, "intent", label))
        out.extend((utterance(label, rng), label) for _ in range(n_per_class))
    return out


def intent_task(n_per_class: int = 40, seed: int = 0, labels: Sequence[str] | None = None) -> MappingTask:
    """:func:`intent_examples` as one classification ``MappingTask`` named ``"intents"``."""
    examples = intent_examples(n_per_class, seed, labels)
    classes = tuple(sorted({y for _, y in examples}))
    domains = sorted({INTENTS[y].domain for y in classes})
    return MappingTask("intents", "classification", examples, output_space=classes,
                       metadata={"family": "intents", "domains": tuple(domains)})


def intent_document(label: str, rng: random.Random, sentences: int = 4) -> str:
    """A coherent unlabeled document: ``sentences`` requests of the same intent (fresh synonyms
    each time), sometimes with a sentence that names the object, joined by ``" . "``."""
    intent = INTENTS[_check_label("label", label)]
    sentences = check_int("sentences", sentences, min=1, max=10)
    parts = [utterance(label, rng) for _ in range(sentences)]
    if rng.random() < 0.5:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(_CONTEXT).format(o=rng.choice(intent.object_words)))
    return " . ".join(parts)


def intent_corpus(n: int, seed: int = 0, sentences: int = 4, labels: Sequence[str] | None = None) -> list[str]:
    """``n`` unlabeled documents over every intent (default: all 50, held-out domains included).

    Document i picks its intent uniformly with ``random.Random(derive_seed(seed, "intent-corpus"))``
    and is written by :func:`intent_document`. Nothing says which intent a document is about.
    """
    n = check_int("n", n, min=1)
    seed = check_seed("seed", seed)
    labels = INTENT_LABELS if labels is None else tuple(_check_label("labels", y) for y in labels)
    rng = random.Random(derive_seed(seed, "intent-corpus"))
    return [intent_document(labels[int(rng.random() * len(labels))], rng, sentences) for _ in range(n)]


#: The default held-out domains: meta-validation and meta-test classes come from these only.
VAL_DOMAINS = ("health", "home")
TEST_DOMAINS = ("telecom", "education", "events")


def intent_split(
    task: MappingTask,
    val_domains: Sequence[str] = VAL_DOMAINS,
    test_domains: Sequence[str] = TEST_DOMAINS,
) -> MetaSplit:
    """Cut an intent task by class, whole domains at a time: meta-train / meta-val / meta-test.

    The intents of ``test_domains`` form the meta-test task, those of ``val_domains`` the
    meta-validation task, and every other domain's intents the meta-train task. Returned as a
    :class:`metamap_edu.tasks.splits.MetaSplit` with its :class:`~metamap_edu.tasks.splits.ClassSplit`.
    """
    check_type("task", task, MappingTask)
    for name, domains in (("val_domains", val_domains), ("test_domains", test_domains)):
        check_type(name, domains, (list, tuple), "a list or tuple of domain names")
        for d in domains:
            check_choice(name, d, tuple(INTENT_DOMAINS))
    overlap = sorted(set(val_domains) & set(test_domains))
    if overlap:
        raise ValueError(f"val_domains and test_domains must be disjoint; both hold {overlap}")
    if not test_domains:
        raise ValueError("test_domains must name at least one domain: held-out classes are the point of the split")
    labels = task.labels
    unknown = [y for y in labels if y not in INTENTS]
    if unknown:
        raise ValueError(f"task must hold intent labels of this world; got {unknown[:5]}")
    part = {y: ("test" if INTENTS[y].domain in test_domains else "val" if INTENTS[y].domain in val_domains else "train")
            for y in labels}
    split = ClassSplit(*(tuple(sorted(y for y in labels if part[y] == p)) for p in ("train", "val", "test")))
    for p, n in split.sizes.items():
        if n < 2 and (p != "val" or val_domains):
            raise ValueError(f"the {p} part of the split has {n} classes of {task.name!r}; it needs at least 2")
    return MetaSplit(
        train=restrict_to_classes(task, split.train, f"{task.name}/meta-train"),
        val=restrict_to_classes(task, split.val, f"{task.name}/meta-val") if split.val else None,
        test=restrict_to_classes(task, split.test, f"{task.name}/meta-test"),
        classes=split,
    )
