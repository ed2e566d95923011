"""Every claim of notebook 08's prose, asserted with the calls the notebook makes.

Default parameters: the generated intents (40 utterances per class, ``SEED = 0``), a random class
split, 5-way 1-shot episodes with 5 queries per class, 100 test episodes; the tiny model
pretrained 250 steps and meta-trained 150 iterations; MiniLM frozen, then fine-tuned on 4
episodes; the Hugging Face BERT on three groups of five labels, 40 steps each. Comparisons
between learners are paired over the same episodes under the course's noise rule
(:func:`metamap_edu.noise.paired_difference`); no expected figure is copied from a run. The
TF-IDF rule itself is tested by hand-computed values in tests/unit/real/test_tfidf.py.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import metamap_edu as mm
from metamap_edu.tasks import splits
from metamap_edu.real import minilm as encoders
from metamap_edu.real import minilm_fewshot
from metamap_edu.real import hf_bridge
from metamap_edu.real import realdata, tfidf
from metamap_edu.tasks import corpus
from metamap_edu.learn import ProtoNet, meta_train
from metamap_edu.noise import HELPS, HURTS, paired_difference
from metamap_edu.learn import pretrain
from metamap_edu.learn import L2ToPrevious, SequentialTrainer
from metamap_edu.models import TinyTransformer, TransformerConfig, build_tokenizer

SEED, N_WAY, K_SHOT, N_QUERY, N_EPISODES, MAX_TOKENS = 0, 5, 1, 5, 100, 48


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@functools.lru_cache(maxsize=None)
def _setup(tmp):
    path = realdata.write_demo_csv(f"{tmp}/intents.csv", n_per_class=40, seed=SEED)
    task = realdata.load_real_task(path, min_per_class=K_SHOT + N_QUERY)
    split = splits.split_task_by_class(task, val_fraction=0.2, test_fraction=0.3, seed=SEED)
    n_way = min(N_WAY, len(split.test.labels))
    episodes = splits.episode_sampler(split.test, n_way, K_SHOT, N_QUERY, seed=SEED).take(N_EPISODES)
    tok_real = build_tokenizer(split.train.inputs, vocab_size=600)
    return task, split, n_way, episodes, tok_real


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    return _setup(str(tmp_path_factory.mktemp("nb08")))


def test_08_section4_a_tokenizer_trained_on_meta_train_text_cuts_test_text_into_fewer_pieces(setup):
    """08 §4: BPE trained on the meta-train utterances needs fewer tokens per word on meta-test
    text than BPE trained on the generated language."""
    _, split, _, _, tok_real = setup
    tok_generated = build_tokenizer(corpus(3000, seed=SEED), vocab_size=600)
    real = realdata.bpe_stats(tok_real, split.test.inputs)["tokens_per_word"]
    generated = realdata.bpe_stats(tok_generated, split.test.inputs)["tokens_per_word"]
    assert real < generated


@pytest.fixture(scope="module")
def scores(setup):
    """Section 5-7: per-episode accuracies of TF-IDF, the course model and frozen MiniLM."""
    task, split, n_way, episodes, tok_real = setup
    out = {"tfidf": tfidf.episode_scores(tfidf.TfidfCentroid(split.train.inputs).accuracy, episodes)}
    short = dict(zip(task.inputs, realdata.trim_to_context(task.inputs, tok_real, MAX_TOKENS)))

    def shortened(t):
        return mm.MappingTask(t.name, "classification", [(short[x], y) for x, y in t.examples],
                              output_space=t.output_space)

    torch.manual_seed(SEED)
    tiny = TinyTransformer(tok_real, TransformerConfig(context=64, width=64, depth=2, heads=4))
    pretrain(tiny, [short[x] for x in split.train.inputs], objective="causal", steps=250, batch_size=32, seed=SEED,
             progress=False)
    sampler = splits.episode_sampler(shortened(split.train), min(N_WAY, len(split.train.labels)), max(K_SHOT, 2),
                                       N_QUERY, seed=SEED)
    proto = ProtoNet(tiny, outer_lr=1e-3)
    meta_train(proto, sampler, meta_batch_size=2, iterations=150, seed=SEED, progress=False)
    tiny.eval()
    out["course"] = tfidf.episode_scores(lambda ep: proto.accuracy((shortened(ep.support), shortened(ep.query))),
                                            episodes)
    minilm = encoders.load_minilm()
    encoder = encoders.SentenceEncoder(minilm)
    vectors = dict(zip(split.test.inputs, encoder.encode(split.test.inputs)))

    def minilm_accuracy(ep):
        s_x, s_y = zip(*ep.support)
        q_x, q_y = zip(*ep.query)
        pred = minilm_fewshot.protonet_predict(np.stack([vectors[x] for x in s_x]), s_y, np.stack([vectors[x] for x in q_x]))
        return float(np.mean([p == y for p, y in zip(pred, q_y)]))

    out["minilm"] = tfidf.episode_scores(minilm_accuracy, episodes)
    out["_minilm_model"] = minilm
    return out


def test_08_section7_minilm_is_far_ahead_and_the_course_model_beats_tfidf(scores):
    """08 §7 and the summary, paired over the 100 episodes: MiniLM − TF-IDF, MiniLM − course model
    and course model − TF-IDF all 'help'; MiniLM's lead over the course model is the larger gap."""
    far = paired_difference(scores["minilm"], scores["course"])
    assert paired_difference(scores["minilm"], scores["tfidf"]).verdict == HELPS
    assert far.verdict == HELPS
    d = paired_difference(scores["course"], scores["tfidf"])
    assert d.verdict == HELPS, d
    assert far.low > d.high  # "far ahead" against "by a few points"


def test_08_section7_tfidf_cannot_see_the_words_of_the_meta_test_intents(setup):
    """08 §7: exchange, rate, alarm, weather and luggage never occur in the meta-train utterances,
    and over a third of the words of the meta-test utterances are outside TF-IDF's vocabulary."""
    from metamap_edu.models import word_tokenize
    _, split, _, _, _ = setup
    vocab = tfidf.TfidfCentroid(split.train.inputs).vocab
    assert not {"exchange", "rate", "alarm", "weather", "luggage"} & set(vocab)
    words = [w for x in split.test.inputs for w in word_tokenize(x)]
    assert sum(w not in vocab for w in words) > len(words) / 3


def test_08_section5_the_interval_printed_as_plus_minus_is_the_course_t_interval(scores):
    """08 §5: '±' is the half-width of noise.mean_interval over the episodes."""
    from metamap_edu.noise import mean_interval
    mean, half = tfidf.summarize(scores["tfidf"])
    r = mean_interval(scores["tfidf"])
    assert mean == pytest.approx(r.mean) and half == pytest.approx(r.high - r.mean)


def test_08_section8_the_l2sp_anchor_keeps_theta_closer_to_the_pretrained_weights(setup, scores):
    """08 §8: on the same 4 episodes, L2-SP (λ = 1) ends closer to θ0 than plain fine-tuning (paired)."""
    episodes = setup[3][:4]
    dist = {}
    for name, lam in (("plain", 0.0), ("l2sp", 1.0)):
        runs = minilm_fewshot.finetune_episodes(scores["_minilm_model"], episodes, desc=name, steps=5, lr=0.05,
                                          optimizer="sgd", anchor=lam, seed=SEED, progress=False)
        dist[name] = [r["distance"] for r in runs]
    d = paired_difference(dist["l2sp"], dist["plain"])
    assert d.verdict == HURTS and d.high < 0, d  # "hurts" here means: the distance is smaller


def test_08_section9_class_incremental_stream_forgets_almost_everything_with_or_without_the_pull(setup):
    """08 §9: three groups of five new labels, Adam 3e-3, 40 steps each: BWT near −1 (below −0.9)
    without a regularizer and with L2ToPrevious(0.1); the earlier groups are not learned back."""
    task, _, _, _, tok_real = setup
    family = splits.label_group_family(task, group_size=5, n_held_out=0, seed=SEED)
    parts = [t.train_test_split(0.25, seed=SEED) for t in family]
    stream, held = [p[0] for p in parts][:3], [p[1] for p in parts][:3]
    for reg in (None, L2ToPrevious(0.1)):
        torch.manual_seed(SEED)
        bert = hf_bridge.HFClassifier(tok_real, task.labels, hf_bridge.tiny_bert_config(len(tok_real)))
        run = SequentialTrainer(bert, regularizer=reg, optimizer="adam", lr=3e-3, steps_per_task=40, batch_size=16,
                                seed=SEED, progress=False, record_params=False).run(stream, held)
        assert run.bwt < -0.9, (reg, run.bwt)
