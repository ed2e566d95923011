"""Real data: your own labelled utterances as one tidy classification task, and a demo set.

Taught in ``notebooks/08_real_models_and_real_data`` (and ``docs/your_own_data.md``).

A CSV, TSV or JSON-lines file of labelled utterances is read by
:func:`metamap_edu.tasks.loaders.load_classification` into one classification ``MappingTask``;
:func:`load_real_task` then tidies it for few-shot episodes:

* classes too small for an episode are dropped (:func:`drop_rare_classes`);
* texts that carry two labels are found (:func:`label_conflicts`) and kept, dropped or refused
  (:func:`resolve_conflicts`), each reported with a count;
* texts too long for a small model's context are cut (:func:`trim_to_context`), with a count;
* :func:`bpe_stats` shows how a tokenizer trained on the generated language cuts real text.

The split by class and the episodes are in :mod:`metamap_edu.tasks.splits`; the TF-IDF baseline
every encoder is held against is in :mod:`metamap_edu.real.tfidf`. A small generated **intent
data set** (:func:`demo_intents`, :func:`write_demo_csv`) lets the notebook run offline for
everyone; point it at your own file instead with its ``DATA_PATH``.

Nothing here reads the network, and nothing here ships third-party data: the demo utterances
come from templates written for this course.
"""
from __future__ import annotations

import csv
import os
import random
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .._checks import check_choice, check_int, check_nonempty, check_seed, check_sequence, check_type
from ..tasks import MappingTask, derive_seed, load_classification, restrict_to_classes

__all__ = [
    "drop_rare_classes",
    "label_conflicts",
    "resolve_conflicts",
    "load_real_task",
    "trim_to_context",
    "DEMO_INTENTS",
    "DEMO_GROUPS",
    "demo_intents",
    "write_demo_csv",
    "bpe_stats",
]


def drop_rare_classes(task: MappingTask, min_count: int) -> MappingTask:
    """Drop the classes with fewer than ``min_count`` examples (real data is long-tailed).

    The dropped labels are listed in ``metadata["dropped_classes"]``; dropping all but one class
    raises ``ValueError``.
    """
    check_type("task", task, MappingTask)
    min_count = check_int("min_count", min_count, min=1)
    counts = Counter(task.outputs)
    keep = sorted(c for c in task.labels if counts[c] >= min_count)
    if len(keep) < 2:
        raise ValueError(f"min_count={min_count} leaves {len(keep)} class(es) of {task.name!r}; at least 2 are needed")
    out = restrict_to_classes(task, keep)
    if len(keep) == len(task.labels):
        return out
    md = out.metadata
    md["dropped_classes"] = tuple(c for c in task.labels if counts[c] < min_count)
    return MappingTask(out.name, "classification", out.examples, output_space=out.output_space, metadata=md)


def label_conflicts(task: MappingTask) -> dict[str, tuple[str, ...]]:
    """The texts of ``task`` that carry more than one label: ``{text: (label, label, ...)}``.

    Real files often hold the same utterance twice with two labels (an annotation slip, or two
    intents that overlap). Such a text cannot be classified right both times, and when its copies
    fall on both sides of a class split, the test classes leak into meta-training.
    """
    check_type("task", task, MappingTask)
    if task.kind != "classification":
        raise ValueError(f"task must be a classification task; got kind={task.kind!r}")
    by: dict[str, set] = {}
    for x, y in task.examples:
        by.setdefault(x, set()).add(y)
    return {x: tuple(sorted(ys)) for x, ys in by.items() if len(ys) > 1}


ON_CONFLICT = ("keep", "drop", "error")


def resolve_conflicts(task: MappingTask, on_conflict: str = "keep") -> MappingTask:
    """Handle texts with two or more labels (:func:`label_conflicts`) as ``on_conflict`` says.

    ``"keep"`` keeps every example and warns once with the count and the first examples;
    ``"drop"`` removes every example of such a text, with the same warning; ``"error"`` raises
    ``ValueError`` listing them. A task without conflicts comes back unchanged, silently.
    """
    check_type("task", task, MappingTask)
    check_choice("on_conflict", on_conflict, ON_CONFLICT)
    conflicts = label_conflicts(task)
    if not conflicts:
        return task
    shown = "; ".join(f"{x!r} -> {list(ys)}" for x, ys in list(conflicts.items())[:3])
    message = f"{len(conflicts)} text(s) of {task.name!r} carry more than one label, e.g. {shown}"
    if on_conflict == "error":
        raise ValueError(f"{message}; fix the file, or pass on_conflict='keep' or 'drop'")
    if on_conflict == "keep":
        warnings.warn(f"{message}; they are kept (on_conflict='drop' removes them, 'error' refuses the file)", stacklevel=3)
        return task
    keep = [i for i, (x, _) in enumerate(task.examples) if x not in conflicts]
    warnings.warn(f"{message}; their {len(task) - len(keep)} examples are dropped (on_conflict='drop')", stacklevel=3)
    if len({task.examples[i][1] for i in keep}) < 2:
        raise ValueError(f"on_conflict='drop' leaves fewer than two classes of {task.name!r}")
    md = task.metadata
    md["conflicting_texts"] = len(conflicts)
    return MappingTask(task.name, "classification", [task.examples[i] for i in keep], metadata=md)


def load_real_task(
    path: str | os.PathLike,
    text_column: str = "text",
    label_column: str = "label",
    *,
    min_per_class: int = 1,
    max_per_class: int | None = None,
    seed: int = 0,
    on_conflict: str = "keep",
    **loader_kwargs,
) -> MappingTask:
    """Read a file with :func:`metamap_edu.tasks.loaders.load_classification`, then tidy it for episodes.

    Any layout the loader reads works: CSV, TSV, JSON lines, a JSON array of records, or a JSON
    object of named lists of ``[text, label]`` pairs (pick the list with ``key=``). Texts that
    carry two different labels are handled by :func:`resolve_conflicts` (``on_conflict``:
    ``"keep"`` with a warning, ``"drop"`` or ``"error"``). Classes with fewer than
    ``min_per_class`` examples are then dropped (:func:`drop_rare_classes`); ``max_per_class``
    keeps a seeded random subset of each class (to bound CPU time). Malformed files (missing
    column, empty label, bad encoding, ragged rows) fail in the loader with a message naming the
    file, the line and the fix.
    """
    min_per_class = check_int("min_per_class", min_per_class, min=1)
    if max_per_class is not None:
        max_per_class = check_int("max_per_class", max_per_class, min=1)
    seed = check_seed("seed", seed)
    check_choice("on_conflict", on_conflict, ON_CONFLICT)
    task = load_classification(path, text_column, label_column, **loader_kwargs)
    task = resolve_conflicts(task, on_conflict)
    task = drop_rare_classes(task, min_per_class) if min_per_class > 1 else task
    if max_per_class is not None:
        rng = random.Random(derive_seed(seed, "max-per-class"))
        by: dict[str, list[int]] = {}
        for i, y in enumerate(task.outputs):
            by.setdefault(y, []).append(i)
        keep = sorted(i for y in task.labels for i in (rng.sample(by[y], max_per_class) if len(by[y]) > max_per_class else by[y]))
        task = task.subset(keep)
    return task


def trim_to_context(texts: Sequence[str], tokenizer, max_tokens: int) -> list[str]:
    """Each text cut to its first ``max_tokens`` tokens of ``tokenizer``; warns with the count cut.

    A model with a context of C positions reads at most C tokens; a longer real utterance must be
    cut, and a learner should know how many were. Texts that fit come back unchanged.
    """
    texts = check_nonempty("texts", check_sequence("texts", texts, "a list of str"), "at least one text")
    for t in texts:
        check_type("texts", t, str, "a sequence of str")
    max_tokens = check_int("max_tokens", max_tokens, min=1)
    if not callable(getattr(tokenizer, "encode", None)) or not callable(getattr(tokenizer, "decode", None)):
        raise TypeError(f"tokenizer must have encode() and decode() (a BPETokenizer); got {type(tokenizer).__name__}")
    out, cut = [], 0
    for t in texts:
        ids = tokenizer.encode(" " + t)
        if len(ids) > max_tokens:
            cut += 1
            t = tokenizer.decode(ids[:max_tokens]).strip() or t
        out.append(t)
    if cut:
        longest = max(len(tokenizer.encode(" " + t)) for t in texts)
        warnings.warn(f"{cut} of {len(texts)} texts are longer than {max_tokens} tokens (the longest has {longest}) "
                      f"and were cut to their first {max_tokens}", stacklevel=2)
    return out


# ------------------------------------------------------------------------------------------------
# A small generated intent data set (so the notebook runs offline for everyone)
# ------------------------------------------------------------------------------------------------
_SLOTS = {
    "card": ("card", "debit card", "credit card", "bank card", "new card"),
    "money": ("money", "funds", "cash", "my salary", "50 euros", "100 dollars"),
    "place": ("paris", "madrid", "tokyo", "berlin", "lisbon", "new york", "rome"),
    "day": ("today", "tomorrow", "on friday", "this weekend", "next week"),
    "song": ("some jazz", "my playlist", "something relaxing", "the radio", "rock music"),
    "food": ("pizza", "sushi", "a burger", "noodles", "a salad", "tacos"),
    "item": ("milk", "eggs", "bread", "coffee", "batteries", "apples"),
    "time": ("7 am", "6:30", "noon", "8 in the morning", "half past six"),
    "room": ("kitchen", "living room", "bedroom", "office", "hallway"),
}

#: The generated intents: label -> templates. Slots in braces come from a fixed list of fillers.
DEMO_INTENTS: dict[str, tuple[str, ...]] = {
    "card_lost": ("i lost my {card}", "my {card} is missing", "i can't find my {card} anywhere",
                  "someone stole my {card}", "please block my {card}, it was stolen"),
    "card_arrival": ("when will my {card} arrive", "my {card} still hasn't come in the post",
                     "how long does delivery of a {card} take", "is my {card} on its way",
                     "i'm still waiting for my {card}"),
    "card_declined": ("my {card} was declined", "why did the shop reject my {card}",
                      "payment with my {card} keeps failing", "the terminal refused my {card}",
                      "my {card} doesn't work in stores"),
    "change_pin": ("how do i change my pin", "i want a new pin for my {card}", "can i reset the pin",
                   "i forgot my pin", "where can i update my pin code"),
    "top_up_failed": ("my top up failed", "i tried to add {money} but it didn't work",
                      "topping up with my {card} was rejected", "why can't i top up",
                      "the top up of {money} never showed"),
    "exchange_rate": ("what is the exchange rate {day}", "how much will i get if i convert {money}",
                      "which rate do you use for currency exchange", "is the exchange rate fair",
                      "what rate applies when i pay abroad"),
    "transfer_pending": ("my transfer is still pending", "i sent {money} but it hasn't arrived",
                         "how long does a transfer take", "why is my transfer not complete",
                         "the transfer of {money} is stuck"),
    "refund": ("i want a refund", "how do i get my {money} back", "the merchant owes me a refund",
               "my refund hasn't appeared", "can you help me request a refund"),
    "close_account": ("i want to close my account", "how do i delete my account",
                      "please cancel my account", "i no longer need this account", "close everything for me"),
    "balance": ("what is my balance", "how much money do i have", "show me my balance",
                "tell me what is left in my account", "check my balance {day}"),
    "flight_status": ("is my flight to {place} delayed", "what time does my flight leave {day}",
                      "has the flight to {place} been cancelled", "check the status of my flight",
                      "when does my plane land in {place}"),
    "book_hotel": ("book a hotel in {place}", "i need a room in {place} {day}", "find me a hotel near the station",
                   "reserve a double room in {place}", "any cheap hotels in {place}"),
    "cancel_booking": ("cancel my booking", "i can't make the trip to {place}, cancel it",
                       "please cancel the reservation {day}", "how do i cancel my hotel",
                       "drop my booking for {place}"),
    "lost_luggage": ("my luggage didn't arrive", "the airline lost my bag",
                     "my suitcase is missing after the flight to {place}", "where is my baggage",
                     "i need to report lost luggage"),
    "weather": ("what's the weather {day}", "will it rain in {place} {day}", "how hot is it in {place}",
                "do i need an umbrella {day}", "weather forecast for {place}"),
    "set_alarm": ("set an alarm for {time}", "wake me up at {time}", "i need an alarm at {time} {day}",
                  "alarm at {time} please", "can you wake me at {time}"),
    "play_music": ("play {song}", "put on {song}", "i want to listen to {song}", "start {song} in the {room}",
                   "could you play {song}"),
    "order_food": ("order {food} for dinner", "i'd like {food} delivered", "get me {food} from the usual place",
                   "can you order {food}", "i'm hungry, order {food}"),
    "shopping_list": ("add {item} to my shopping list", "put {item} on the list", "we are out of {item}",
                      "remember to buy {item}", "what's on my shopping list"),
    "lights": ("turn off the lights in the {room}", "switch on the {room} lights", "dim the lights in the {room}",
               "make the {room} brighter", "are the lights in the {room} on"),
}

#: The domain of each generated intent: a label -> group mapping for :func:`split_by_groups`.
DEMO_GROUPS: dict[str, str] = {
    **{y: "banking" for y in ("card_lost", "card_arrival", "card_declined", "change_pin", "top_up_failed",
                              "exchange_rate", "transfer_pending", "refund", "close_account", "balance")},
    **{y: "travel" for y in ("flight_status", "book_hotel", "cancel_booking", "lost_luggage", "weather")},
    **{y: "home" for y in ("set_alarm", "play_music", "order_food", "shopping_list", "lights")},
}

_OPENERS = ("", "", "", "hi, ", "hello, ", "hey, ", "excuse me, ", "quick question: ")
_CLOSERS = ("", "", "", "?", ".", " please", " thanks", " asap", "!")


def demo_intents(n_per_class: int = 40, seed: int = 0, intents: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Generated utterances for the intents of :data:`DEMO_INTENTS`: ``[(text, label), ...]``.

    Each utterance is a template with its slots filled, an optional opener and closer, and an
    occasional capital letter -- short, varied, customer-service-like text. Deterministic for a
    given ``seed`` (byte-identical across processes); duplicates within a class are avoided when
    the templates allow.
    """
    n_per_class = check_int("n_per_class", n_per_class, min=1, max=10_000)
    seed = check_seed("seed", seed)
    names = list(DEMO_INTENTS) if intents is None else list(intents)
    check_nonempty("intents", names, "at least one intent")
    for name in names:
        if name not in DEMO_INTENTS:
            raise ValueError(f"intents must be names from DEMO_INTENTS ({', '.join(DEMO_INTENTS)}); got {name!r}")
    out: list[tuple[str, str]] = []
    for label in names:
        rng = random.Random(derive_seed(seed, "intent", label))
        seen: set[str] = set()
        for _ in range(n_per_class):
            for _attempt in range(20):
                template = rng.choice(DEMO_INTENTS[label])
                text = template
                for slot, fillers in _SLOTS.items():
                    while "{" + slot + "}" in text:
                        text = text.replace("{" + slot + "}", rng.choice(fillers), 1)
                text = rng.choice(_OPENERS) + text + rng.choice(_CLOSERS)
                if rng.random() < 0.5:
                    text = text[0].upper() + text[1:]
                if text not in seen:
                    break
            seen.add(text)
            out.append((text, label))
    return out


def write_demo_csv(path: str | os.PathLike, n_per_class: int = 40, seed: int = 0) -> Path:
    """Write :func:`demo_intents` as a CSV with columns ``text,label``; return the path."""
    check_type("path", path, (str, os.PathLike))
    rows = demo_intents(n_per_class, seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path



def bpe_stats(tokenizer, texts: Sequence[str]) -> dict[str, float]:
    """How a BPE tokenizer cuts real text: tokens per word and the share of byte-fallback tokens.

    Real utterances carry words, digits and punctuation that a tokenizer trained on the generated
    language never saw; they fall apart into characters or raw bytes. Returns
    ``{"tokens_per_word", "byte_fraction", "words"}``.
    """
    texts = check_nonempty("texts", check_sequence("texts", texts, "a list of str"), "at least one text")
    for t in texts:
        check_type("texts", t, str, "a list of str")
    n_words = sum(len(t.split()) for t in texts)
    pieces = [p for t in texts for p in tokenizer.tokenize(" " + t)]
    n_bytes = sum(1 for p in pieces if p.startswith("<0x") or p.startswith("<byte"))
    return {
        "tokens_per_word": len(pieces) / max(1, n_words),
        "byte_fraction": n_bytes / max(1, len(pieces)),
        "words": float(n_words),
    }
