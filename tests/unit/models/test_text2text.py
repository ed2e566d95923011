"""models.text2text: the format <prefix> x <sep> y <eos>, task prefixes, the loss mask, the encoder
view (embed), greedy decoding and bad inputs, on the small TinyTransformer of conftest.py."""
import pytest
import torch

from metamap_edu.learn import metrics
from metamap_edu.models.text2text import KIND_PREFIXES, build_tokenizer, task_prefix, with_task_prefix
from metamap_edu import tasks as tasks


def test_text_to_text_format_and_loss_mask(model, small_tasks):
    tok = model.tokenizer
    x, y = small_tasks["classification"].examples[0]
    batch = model.collate([(x, y)], "classification")
    ids, targets = batch["ids"][0].tolist(), batch["targets"][0].tolist()
    assert ids[0] == tok.stoi["<sentiment>"] and tok.sep_id in ids and ids[-1] == tok.eos_id
    sep = ids.index(tok.sep_id)
    # the loss sees only the output tokens (after <sep>) and <eos>
    assert all(t == -100 for t in targets[:sep])
    assert [t for t in targets if t != -100] == ids[sep + 1 :]
    assert tok.decode(ids[sep + 1 : -1]).strip() == y
    # tagging uses the generic prefix and writes the tags
    nx, ny = small_tasks["tagging"].examples[0]
    ids = model.collate([(nx, ny)], "tagging")["ids"][0].tolist()
    assert ids[0] == tok.stoi[KIND_PREFIXES["tagging"]]
    assert tok.decode(ids[ids.index(tok.sep_id) + 1 : -1]).split() == list(ny)


def test_task_prefixes(small_tasks):
    assert task_prefix(small_tasks["classification"]) == "<sentiment>"
    assert task_prefix(tasks.topic_task(n_per_class=2)) == "<topic>"
    assert task_prefix(small_tasks["translation"]).startswith("<to-")
    assert with_task_prefix(small_tasks["tagging"]) is small_tasks["tagging"]


def test_embed_pools_the_prompt_of_raw_inputs(model, small_tasks):
    xs = small_tasks["classification"].inputs[:3]
    batch = model.prompt_batch(xs, "classification")
    assert batch["ids"].shape == batch["input_mask"].shape and batch["ids"].shape[0] == 3
    z = model.embed(xs)  # the contract's embed(inputs, kind="classification")
    assert z.shape == (3, model.config.width) and z.requires_grad
    assert torch.equal(z, model.pooled(batch))
    assert not torch.equal(model.embed(xs, layers=0), z)  # after 0 blocks: the embeddings themselves
    with pytest.raises(ValueError, match="'regression'"):
        model.embed(xs, "regression")


def test_generate_respects_max_length(model):
    out = model.generate([[model.tokenizer.stoi["<lm>"]]] * 2, max_new_tokens=5)
    assert all(len(o) <= 5 for o in out)


def test_bad_input(model, small_tasks):
    reg = tasks.MappingTask("r", "regression", [((1.0,), (2.0,)), ((2.0,), (3.0,))])
    with pytest.raises(ValueError, match="TinyTransformer cannot serve tasks of kind 'regression'"):
        model.collate(reg.examples, "regression")
    with pytest.raises(ValueError, match="cannot serve"):
        metrics.score(model, reg)
    long_x = " ".join(["the food was good"] * 20)
    with pytest.raises(ValueError, match="config.context=48"):
        model.collate([(long_x, "positive")], "classification")
    with pytest.raises(ValueError, match="config.context=48"):
        model.predict([long_x], "classification")
    with pytest.raises(ValueError, match="no output vocabulary"):
        build_tokenizer(["a b"], [reg], vocab_size=500)
