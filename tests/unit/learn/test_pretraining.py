"""Pretraining objectives and loop (notebook 06)."""
import copy
import math

import pytest
import torch

from metamap_edu import tasks as language
from metamap_edu.learn import OBJECTIVES, DivergenceError, lm_batch, lm_loss, new_pretraining_model, pretrain


def test_causal_batch_predicts_every_sentence_token(model, corpus):
    tok = model.tokenizer
    batch = lm_batch(model, corpus[:3], "causal")
    ids, targets = batch["ids"][0].tolist(), batch["targets"][0].tolist()
    assert ids[0] == tok.stoi["<lm>"]
    n = len(tok.encode(" " + corpus[0]))
    assert [t for t in targets if t != -100] == ids[1 : n + 2]  # the sentence and <eos>


def test_masked_batch_writes_the_hidden_tokens(model, corpus):
    import random

    tok = model.tokenizer
    batch = lm_batch(model, corpus[:4], "masked", mask_prob=0.3, rng=random.Random(1))
    for row, sentence in zip(batch["ids"].tolist(), corpus[:4]):
        original = tok.encode(" " + sentence)
        sep = row.index(tok.sep_id)
        corrupted, written = row[1:sep], row[sep + 1 : row.index(tok.eos_id)]
        hidden = [t for t, c in zip(original, corrupted) if c == tok.mask_id]
        assert row[0] == tok.stoi["<mlm>"] and len(corrupted) == len(original)
        assert written == hidden and len(hidden) >= 1


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_pretraining_lowers_held_out_loss(model, corpus, objective):
    held_out = language.corpus(100, seed=99)
    before = lm_loss(model, held_out, objective)
    result = pretrain(model, corpus, objective=objective, steps=40, batch_size=16, lr=5e-3, seed=0, progress=False)
    assert len(result.losses) == 40 and result.tokens_seen > 0
    after = lm_loss(model, held_out, objective)
    assert after < before - 1.0
    assert math.isfinite(result.final_loss)


def test_pretraining_is_deterministic(corpus, small_config):
    runs = []
    for _ in range(2):
        m = new_pretraining_model(corpus, config=small_config, vocab_size=800, seed=3)
        runs.append(pretrain(m, corpus, steps=5, batch_size=8, seed=1, progress=False).losses)
    assert runs[0] == runs[1]


def test_divergence_stops_with_a_message(model, corpus):
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(DivergenceError, match="diverged"):
        pretrain(model, corpus, steps=30, batch_size=8, lr=1e6, max_grad_norm=1e9, progress=False)
    for k, v in model.state_dict().items():
        assert torch.isfinite(v).all(), k
    assert before.keys() == model.state_dict().keys()


def test_bad_input(model, corpus):
    with pytest.raises(ValueError, match="objective must be one of 'causal', 'masked'"):
        pretrain(model, corpus, objective="denoising", steps=1)
    with pytest.raises(ValueError, match="corpus is empty"):
        pretrain(model, [], steps=1)
    with pytest.raises(ValueError, match="corpus is empty"):
        new_pretraining_model([])
    with pytest.raises(ValueError, match="steps"):
        pretrain(model, corpus, steps=0)


def test_notebook06_07_views_and_plots(model, small_config):
    import matplotlib.pyplot as plt

    from metamap_edu import course

    view = course.nearest_words_view("good", model, k=3, polarity_of=lambda w: 1)
    assert view.text.startswith("good: ") and view.figure is not None
    view = course.attention_view("the food was good", 0, 1, model)
    assert "reads most from" in view.text
    tokens, maps = model.attention_maps("the food was good")
    assert maps.shape == (small_config.depth, small_config.heads, len(tokens), len(tokens))
    assert torch.allclose(maps.sum(-1), torch.ones(maps.shape[:-1]), atol=1e-5)
    assert float(maps[0, 0].triu(1).abs().sum()) == 0.0  # causal: nothing above the diagonal
    with pytest.raises(ValueError, match="layer must be in"):
        course.attention_view("the food", 5, 0, model)
    table = {frozenset(): {"a": 0.1, "b": 0.2}, frozenset({"l2"}): {"a": 0.3, "b": 0.4}}
    view = course.pipeline_view(table, l2=True, pull=False)
    assert view.text == "l2 -> a: 0.300; b: 0.400"
    with pytest.raises(ValueError, match="no run with components"):
        course.pipeline_view(table, pull=True)
    course.plot_pretraining_loss({"causal": [3.0, 2.0, 1.5]})
    course.plot_sample_efficiency((1, 5), {"a": [0.5, 0.6]}, chance=0.5)
    plt.close("all")
