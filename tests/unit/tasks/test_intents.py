"""The intent world (metamap_edu.tasks.intents) and the transfer measurements (metamap_edu.experiments.transfer)."""
from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from collections import Counter

import pytest
import torch

from metamap_edu import experiments
from metamap_edu.tasks import intents as I
from metamap_edu.experiments import transfer
from metamap_edu.tasks.splits import ClassSplit
from metamap_edu.models import word_tokenize
from metamap_edu.models import TinyTransformer, TransformerConfig, build_tokenizer, save_checkpoint


def _concept_words():
    out = {}
    for head, words in I.ACTIONS.items():
        for w in words:
            out[w] = ("action", head)
    for spec in I.INTENT_DOMAINS.values():
        for head, words in spec["objects"].items():
            for w in words:
                out[w] = ("object", head)
    return out


def test_the_world_has_many_classes_over_many_domains_with_disjoint_synonym_sets():
    assert len(I.INTENT_LABELS) >= 40
    assert len(I.INTENT_DOMAINS) >= 8
    words = Counter(w for ws in I.ACTIONS.values() for w in ws)
    words.update(w for spec in I.INTENT_DOMAINS.values() for ws in spec["objects"].values() for w in ws)
    assert max(words.values()) == 1, [w for w, c in words.items() if c > 1]  # no word in two concepts
    assert all(len(ws) >= 5 for ws in I.ACTIONS.values())
    assert I.synonyms_of("scrap") == I.ACTIONS["cancel"]
    with pytest.raises(ValueError, match="word"):
        I.synonyms_of("zebra")


def test_no_template_or_filler_word_is_a_concept_word():
    concept = _concept_words()
    fillers = I.TEMPLATES + I._WHEN + I._OPENERS + I._CLOSERS + I._CONTEXT
    clashes = {w for text in fillers for w in word_tokenize(text.format(a="", o="", w="")) if w in concept}
    assert not clashes


def test_every_utterance_names_its_intent_with_one_action_and_one_object_word():
    concept = _concept_words()
    for text, label in I.intent_examples(n_per_class=6, seed=3):
        intent = I.INTENTS[label]
        found = [concept[w] for w in word_tokenize(text) if w in concept]
        assert sorted(found) == sorted([("action", intent.action), ("object", intent.object)]), (text, label)


def test_support_and_query_of_one_intent_rarely_share_a_content_word():
    """The synonym sets make word overlap rare: what TF-IDF relies on is mostly absent."""
    concept = _concept_words()
    shared = total = 0
    examples = I.intent_examples(n_per_class=20, seed=0)
    for label in I.INTENT_LABELS[:10]:
        texts = [x for x, y in examples if y == label]
        for a, b in zip(texts[::2], texts[1::2]):
            wa = {w for w in word_tokenize(a) if w in concept}
            wb = {w for w in word_tokenize(b) if w in concept}
            shared += len(wa & wb)
            total += 2
    assert shared / total < 0.3


def test_documents_keep_one_intent_and_the_corpus_covers_held_out_domains():
    concept = _concept_words()
    docs = I.intent_corpus(300, seed=0)
    seen_objects = set()
    for doc in docs:
        heads = {concept[w] for w in word_tokenize(doc) if w in concept}
        actions = {h for kind, h in heads if kind == "action"}
        objects = {h for kind, h in heads if kind == "object"}
        assert len(actions) == 1 and len(objects) == 1, doc  # coherent: one intent per document
        assert doc.count(" . ") >= 3
        seen_objects |= objects
    for domain in I.TEST_DOMAINS + I.VAL_DOMAINS:
        assert set(I.INTENT_DOMAINS[domain]["objects"]) <= seen_objects


def test_split_holds_out_whole_domains_by_class():
    task = I.intent_task(n_per_class=4, seed=0)
    split = I.intent_split(task)
    assert isinstance(split.classes, ClassSplit)
    domains = {part: {I.INTENTS[y].domain for y in getattr(split.classes, part)} for part in ("train", "val", "test")}
    assert domains["test"] == set(I.TEST_DOMAINS) and domains["val"] == set(I.VAL_DOMAINS)
    assert not domains["train"] & (domains["test"] | domains["val"])
    assert set(split.test.labels) == set(split.classes.test) and len(split.test.labels) >= 10
    assert len(split.train.labels) + len(split.val.labels) + len(split.test.labels) == len(I.INTENT_LABELS)
    # object words of the test domains never occur in a labelled meta-train utterance
    test_objects = {w for d in I.TEST_DOMAINS for ws in I.INTENT_DOMAINS[d]["objects"].values() for w in ws}
    assert not test_objects & {w for x in split.train.inputs for w in word_tokenize(x)}


def test_split_and_generators_reject_bad_arguments():
    task = I.intent_task(n_per_class=2, seed=0)
    with pytest.raises(ValueError, match="test_domains"):
        I.intent_split(task, test_domains=("atlantis",))
    with pytest.raises(ValueError, match="disjoint"):
        I.intent_split(task, val_domains=("travel",), test_domains=("travel",))
    with pytest.raises(ValueError, match="n_per_class"):
        I.intent_examples(n_per_class=0)
    with pytest.raises(ValueError, match="labels"):
        I.intent_examples(2, labels=["fly_to_the_moon"])
    with pytest.raises(ValueError, match="n"):
        I.intent_corpus(0)


def test_a_class_keeps_its_examples_when_other_classes_are_dropped():
    some = I.INTENT_LABELS[5:8]
    assert I.intent_examples(5, seed=2, labels=some) == [e for e in I.intent_examples(5, seed=2) if e[1] in some]


_DIGEST = (
    "import hashlib; from metamap_edu.tasks import intents as I;"
    "t = repr(I.intent_examples(3, seed=5)) + repr(I.intent_corpus(50, seed=5)) + repr(I.intent_split(I.intent_task(3)).classes);"
    "print(hashlib.sha256(t.encode()).hexdigest())"
)


def test_generators_are_deterministic_under_different_hash_seeds():
    digests = set()
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", _DIGEST], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    local = repr(I.intent_examples(3, seed=5)) + repr(I.intent_corpus(50, seed=5)) + repr(I.intent_split(I.intent_task(3)).classes)
    digests.add(hashlib.sha256(local.encode()).hexdigest())
    assert len(digests) == 1


# ------------------------------------------------------------------------------------------------
# transfer.py
# ------------------------------------------------------------------------------------------------
def test_tfidf_follows_scikit_learns_idf_and_ignores_unseen_words():
    corpus = ["cancel my flight", "book my hotel", "cancel my hotel"]
    tf = transfer.VocabularyTfidf(corpus, bigrams=False)
    n = len(corpus)
    for word, df in (("my", 3), ("cancel", 2), ("flight", 1)):
        assert tf.idf[tf.vocab[word]] == pytest.approx(math.log((1 + n) / (1 + df)) + 1)
    X = tf.transform(["scrap the jet", "cancel cancel flight zebra"])
    assert not X[0].any()  # no word of it is in the vocabulary: no weight at all
    row = {w: X[1, j] for w, j in tf.vocab.items()}
    expected = {"cancel": 2 * (math.log(4 / 3) + 1), "flight": math.log(4 / 2) + 1}
    norm = math.sqrt(sum(v * v for v in expected.values()))
    assert row["cancel"] == pytest.approx(expected["cancel"] / norm)
    assert row["flight"] == pytest.approx(expected["flight"] / norm)
    assert sum(v != 0 for v in row.values()) == 2


def _tiny_model(seed=0):
    corpus = I.intent_corpus(200, seed=0)
    tok = build_tokenizer(corpus, vocab_size=400)
    torch.manual_seed(seed)
    return TinyTransformer(tok, TransformerConfig(width=32, depth=1, heads=2))


def test_prototype_head_starts_as_the_protonet_classifier():
    """2 c_k·z − ‖c_k‖² ranks classes as −‖z − c_k‖² does: step 0 of fine-tuning is the frozen probe."""
    model = _tiny_model()
    world = I.intent_split(I.intent_task(n_per_class=12, seed=1))
    episodes = transfer.held_out_episodes(world.test, 5, 2, 4, 6, seed=0)
    frozen = transfer.protonet_scores(model, episodes)
    assert experiments.finetune_scores(model, episodes, steps=0) == frozen
    tuned = experiments.finetune_scores(model, episodes[:2], steps=3)
    assert all(0.0 <= a <= 1.0 for a in tuned)


def test_finetuning_leaves_the_model_unchanged_and_checks_its_arguments():
    model = _tiny_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    world = I.intent_split(I.intent_task(n_per_class=12, seed=1))
    episodes = transfer.held_out_episodes(world.test, 3, 1, 2, 2, seed=0)
    experiments.finetune_scores(model, episodes, steps=2, regularizer="pull", strength=0.01)
    experiments.finetune_scores(model, episodes, steps=2, regularizer="l2", strength=0.1)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    with pytest.raises(ValueError, match="regularizer"):
        experiments.finetune_scores(model, episodes, regularizer="ewc-ish", strength=1.0)
    with pytest.raises(ValueError, match="steps"):
        experiments.finetune_scores(model, episodes, steps=-1)


def test_scratch_copy_shares_tokenizer_and_config_but_not_weights():
    model = _tiny_model()
    fresh = transfer.scratch_copy(model, seed=7)
    assert fresh.tokenizer == model.tokenizer and fresh.config == model.config
    assert torch.equal(transfer.scratch_copy(model, seed=7).token_embedding.weight, fresh.token_embedding.weight)
    assert not torch.equal(transfer.scratch_copy(model, seed=8).token_embedding.weight, fresh.token_embedding.weight)


def test_a_tied_embedding_is_stored_once(tmp_path):
    model = _tiny_model()
    save_checkpoint(model, tmp_path / "m.pt")
    data = torch.load(tmp_path / "m.pt", weights_only=True)
    sd = data["state_dict"]
    assert sd["head.weight"].data_ptr() == sd["token_embedding.weight"].data_ptr()
    untied = TinyTransformer(model.tokenizer, TransformerConfig(width=32, depth=1, heads=2, tie_embeddings=False))
    save_checkpoint(untied, tmp_path / "u.pt")
    extra = model.token_embedding.weight.numel() * 4
    assert (tmp_path / "u.pt").stat().st_size - (tmp_path / "m.pt").stat().st_size > 0.9 * extra


def test_pretrain_encoder_lowers_the_loss_on_its_unlabeled_texts():
    from metamap_edu.learn.pretraining import lm_loss

    texts = [x for x, _ in I.intent_examples(n_per_class=4, seed=0)]
    model = transfer.pretrain_encoder(texts, steps=30, vocab_size=400, seed=0)
    fresh = transfer.scratch_copy(model, seed=0)
    assert lm_loss(model, texts[:50]) < lm_loss(fresh, texts[:50]) - 1.0
    with pytest.raises(ValueError, match="texts"):
        transfer.pretrain_encoder([], steps=1)


def test_truncate_episode_fits_long_texts_into_the_context():
    model = _tiny_model()
    long_text = " ".join(["please cancel my flight"] * 40)
    support, query = transfer.truncate_episode(([(long_text, "a"), ("book a hotel", "b")], [(long_text, "a")]), model)
    assert support[1] == ("book a hotel", "b")
    for text, _ in support + query:
        assert len(model.tokenizer.encode(" " + text)) <= model.config.context - 3
    assert transfer.protonet_scores(model, [(support, query)]) in ([0.0], [1.0])
