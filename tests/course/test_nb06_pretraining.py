"""Claims of notebook 06 about pretraining, asserted on the same code the notebooks run.

These check the claims that hold at the notebooks' small budgets (notebook 07's claims are in
``tests/course/test_nb07.py``). The scores required of the shipped
checkpoints (per-kind scores of ``text2text``, the K = 5 held-out-domain comparison) are asserted
in ``tests/unit/experiments/test_checkpoints.py`` and measured by ``bench/pretraining_targets.py``.
"""
import copy
import math

import pytest
import torch

from metamap_edu import noise
from metamap_edu import tasks as language
from metamap_edu.learn import metrics
from metamap_edu import tasks as tasks
from metamap_edu.experiments import antonym_experiment, verdict_sentences
from metamap_edu.learn import fit_multitask, lm_loss, new_pretraining_model, pretrain
from metamap_edu.models import TransformerConfig, with_task_prefix


def test_pretraining_learns_text_of_domains_never_labelled():
    """Notebook 06: the unlabeled corpus covers held-out domains, and pretraining learns them."""
    torch.set_num_threads(1)
    corpus = language.corpus(3000, seed=0)
    model = new_pretraining_model(corpus, config=TransformerConfig(width=48, depth=1, heads=4), vocab_size=2400, seed=0)
    scratch = copy.deepcopy(model)
    held_out_domain = language.corpus(200, seed=7, domains=list(language.HELD_OUT_DOMAINS))
    pretrain(model, corpus, steps=80, batch_size=32, lr=5e-3, seed=0, progress=False)
    before, after = lm_loss(scratch, held_out_domain), lm_loss(model, held_out_domain)
    print(f"causal LM loss on music/games sentences: {before:.3f} -> {after:.3f} (log V = {math.log(len(model.tokenizer)):.3f})")
    assert after < before - 3.0


def test_text_to_text_model_beats_chance_on_every_kind_after_short_training():
    """Notebook 07, step 2: one model, one θ, learns all three kinds (short budget). Topic and NER
    improve over the untrained model by a paired 95% interval over three training seeds;
    translation's BLEU only leaves zero at this budget (test_checkpoints.py measures it trained long)."""
    torch.set_num_threads(1)
    topic = with_task_prefix(tasks.topic_task(domains=["movies", "restaurants", "hotels"], n_per_class=40, seed=0))
    ner = tasks.ner_task(n=160, seed=0)
    trans = with_task_prefix(tasks.translation_family(n_per_task=160, seed=0)[0])
    splits = [t.train_test_split(0.25, seed=0) for t in (topic, ner, trans)]
    corpus = language.corpus(500, seed=0)
    base = new_pretraining_model(corpus, [a for a, _ in splits], config=TransformerConfig(width=48, depth=2, heads=4),
                                 vocab_size=2400, seed=0)
    untrained = {b.name: metrics.score(base, b) for _, b in splits}
    trained = {b.name: [] for _, b in splits}
    for seed in (0, 1, 2):
        model = copy.deepcopy(base)
        fit_multitask(model, [a for a, _ in splits], steps=240, lr=3e-3, seed=seed, progress=False)
        for _, b in splits:
            trained[b.name].append(metrics.score(model, b))
    print("held-out scores, untrained -> trained:", untrained, trained)
    for kind in ("topic", "ner"):
        gain = noise.paired_difference(trained[kind], [untrained[kind]] * 3)
        assert gain.verdict == noise.HELPS, (kind, gain)
    assert min(trained["topic"]) > 0.5  # chance is 1/3
    assert sum(trained["translation/lumo"]) / 3 > untrained["translation/lumo"]


def test_untied_embeddings_separate_antonyms_that_tied_ones_do_not_yet():
    """Notebook 06, section 8, at its default 300 steps: untied separates great/superb from
    terrible/awful, tied cannot tell them apart yet."""
    torch.set_num_threads(1)
    tied = antonym_experiment(True, steps=300, progress=False)
    untied = antonym_experiment(False, steps=300, progress=False)
    print("tied", tied, "untied", untied)
    assert min(untied["great"], untied["superb"]) > 1.0
    assert max(untied["terrible"], untied["awful"]) < -1.0
    assert max(tied.values()) - min(tied.values()) < 0.5


def test_tied_embeddings_separate_antonyms_given_five_times_the_steps():
    """Notebook 06, section 8: tied embeddings are slower, not unable (1,500 steps)."""
    torch.set_num_threads(1)
    tied = antonym_experiment(True, steps=1500, progress=False)
    print("tied, 1500 steps", tied)
    assert min(tied["great"], tied["superb"]) > 1.0
    assert max(tied["terrible"], tied["awful"]) < -1.0


def test_verdict_gap_and_sentences_validate_their_input():
    with pytest.raises(ValueError, match="n"):
        verdict_sentences(0)
    with pytest.raises(TypeError, match="tie_embeddings"):
        antonym_experiment("yes", steps=1)
    s = verdict_sentences(50, seed=3)
    assert s == verdict_sentences(50, seed=3) and all(x.split()[-4:-1] == ["overall", "it", "was"] for x in s)


def test_notebook06_pretraining_groups_music_words_but_not_their_polarity():
    """Notebook 06, section 4, with the shipped `lm` checkpoint against its untrained starting
    point, word by word over music's adjectives: pretraining puts measurably more music words among
    a word's five nearest neighbours (the positive control), and makes no measurable difference to
    how many share its polarity."""
    from metamap_edu import noise
    from metamap_edu.experiments import checkpoints as pretrained
    from metamap_edu.learn import neighbour_agreement

    music = language.LEXICON["music"]
    words = sorted(set(music.positive) | set(music.negative))
    sign = {w: +1 for w in language.SHARED_POSITIVE} | {w: -1 for w in language.SHARED_NEGATIVE}
    for d in language.ALL_DOMAINS:
        sign |= {w: +1 for w in language.LEXICON[d].positive} | {w: -1 for w in language.LEXICON[d].negative}
    adjectives = sorted(sign)
    fresh, lm = pretrained.fresh_model(), pretrained.load_pretrained("lm")
    in_music = lambda w, n: n in words                      # noqa: E731
    same_sign = lambda w, n: sign.get(n, 0) == sign[w]      # noqa: E731
    topic = noise.paired_difference(neighbour_agreement(lm, words, adjectives, in_music),
                                    neighbour_agreement(fresh, words, adjectives, in_music))
    polarity = noise.paired_difference(neighbour_agreement(lm, words, adjectives, same_sign),
                                       neighbour_agreement(fresh, words, adjectives, same_sign))
    assert topic.verdict == noise.HELPS and topic.low > 1.0, topic
    assert polarity.verdict == noise.NO_DIFFERENCE, polarity
