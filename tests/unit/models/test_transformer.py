"""models.transformer: shapes, causality, learning all three kinds, checkpoints, and the course's trainers,
meta-learners and metrics working unchanged on TinyTransformer (notebooks 06-07). Fixtures: conftest.py."""
import copy
import warnings

import pytest
import torch

from metamap_edu import learn
from metamap_edu.learn import metrics
from metamap_edu import tasks as tasks
from metamap_edu.models.transformer import TinyTransformer, TransformerConfig, load_checkpoint, save_checkpoint


def test_config_validation():
    with pytest.raises(ValueError, match="divisible by heads"):
        TransformerConfig(width=30, heads=4)
    with pytest.raises(ValueError, match="context"):
        TransformerConfig(context=2)


def test_forward_shapes_and_causality(model):
    ids = torch.randint(6, len(model.tokenizer), (3, 10))
    logits = model(ids)
    assert logits.shape == (3, 10, len(model.tokenizer))
    changed = ids.clone()
    changed[:, 7:] = 7  # changing the future must not change the past
    assert torch.allclose(model(changed)[:, :7], logits[:, :7], atol=1e-5)
    assert model.embed(["the food was good", "a plot"]).shape == (2, model.config.width)


def test_learns_all_three_kinds_and_predicts_their_formats(model, small_tasks):
    data = {k: t.subset(range(4)) for k, t in small_tasks.items()}
    batches = [model.collate(t.examples, k) for k, t in data.items()]
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    for _ in range(90):
        loss = sum(model.loss(b) for b in batches)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.6
    cls, tag, tr = data["classification"], data["tagging"], data["translation"]
    assert model.predict(cls.inputs, "classification") == cls.outputs
    pred = model.predict(tag.inputs, "tagging")
    assert all(isinstance(p, tuple) and len(p) == len(x.split()) for p, x in zip(pred, tag.inputs))
    assert metrics.score(model, tag) > 0.7
    assert metrics.score(model, tr) > 0.7


def test_checkpoints(model, tmp_path):
    path = tmp_path / "tiny.pt"
    save_checkpoint(model, path)
    data = torch.load(path, weights_only=True)  # plain tensors, lists and strings
    assert data["config"]["width"] == model.config.width == 32
    again = load_checkpoint(path, like=model)
    for (k, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), k
    assert again.tokenizer == model.tokenizer
    other = TinyTransformer(model.tokenizer, TransformerConfig(context=48, width=16, depth=1, heads=2))
    with pytest.raises(ValueError, match="different config.*width"):
        load_checkpoint(path, like=other)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="not a readable TinyTransformer checkpoint"):
        load_checkpoint(bad)
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a TinyTransformer checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_double_backward_through_attention(model, small_tasks):
    batch = model.collate(small_tasks["classification"].examples[:4], "classification")
    params = [p for p in model.parameters()]
    grads = torch.autograd.grad(model.loss(batch), params, create_graph=True)
    gnorm = sum(g.pow(2).sum() for g in grads)
    second = torch.autograd.grad(gnorm, params, allow_unused=True)
    assert any(s is not None and float(s.abs().sum()) > 0 for s in second)


@pytest.mark.parametrize("use_vmap", [False, True])
def test_second_order_maml_on_the_transformer(model, small_tasks, use_vmap):
    sampler = tasks.EpisodeSampler([small_tasks["classification"]], n_way=2, k_shot=2, n_query=2, seed=0)
    maml = learn.MAML(model, inner_lr=0.05, inner_steps=1, first_order=False, outer_lr=1e-3, vmap=use_vmap)
    before = copy.deepcopy(model.state_dict())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss = maml.step(sampler.take(2))
    assert loss == loss and loss > 0
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert maml.last_vmapped is use_vmap


def test_reptile_protonet_and_sequential_trainer_run_unchanged(model, small_tasks):
    sampler = tasks.EpisodeSampler([small_tasks["classification"]], n_way=2, k_shot=2, n_query=2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert learn.Reptile(model, epsilon=0.1, inner_lr=0.01, inner_steps=2).step(sampler.take(2)) > 0
    assert learn.ProtoNet(model, outer_lr=1e-3).step(sampler.take(2)) > 0
    stream = [small_tasks["classification"].subset(range(8)), small_tasks["tagging"].subset(range(8)),
              small_tasks["translation"].subset(range(8))]
    for reg in (None, learn.L2ToPrevious(0.1), learn.ArticlePull(0.1), learn.EWC(1.0, fisher_samples=4), learn.L2ToInit(0.1)):
        result = learn.SequentialTrainer(model, reg, optimizer="adam", lr=1e-3, steps_per_task=2, batch_size=4,
                                         record_params=False, progress=False).run(stream, [t.subset(range(2)) for t in stream])
        assert result.R.shape == (4, 3)


def test_bleu_and_exact_match_agree_with_sacrebleu():
    sacrebleu = pytest.importorskip("sacrebleu")
    refs = ["the cat sat on the mat .", "mato mukanu napa", "a b c d e", "It's 3.5 well-known, isn't it?"]
    hyps = ["the cat sat on a mat .", "mato napa", "a b c d e", "it's 3.5 well known, is it?"]
    assert metrics.corpus_bleu(refs, hyps) == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score, abs=1e-9)
    assert metrics.corpus_bleu(refs, refs) == pytest.approx(100.0)
    assert metrics.corpus_bleu(refs, ["x"] * 4) == 0.0
    assert metrics.translation_score(refs, refs) == pytest.approx(1.0)
    assert metrics.exact_match(refs, hyps) == 0.25
    with pytest.raises(ValueError, match="same length"):
        metrics.corpus_bleu(refs, hyps[:2])
