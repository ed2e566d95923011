"""The shipped checkpoints: within budget, made by the code's recipes, and as good as the course needs.

The course ships small pretrained checkpoints inside the package only if ``metamap-edu pretrain``
reproduces each one from its seed and a test re-creates a fast version and checks its loss. Here:

* every shipped file loads with ``weights_only=True`` and records the fingerprint of the recipe in
  :data:`metamap_edu.experiments.checkpoints.RECIPES` (a changed recipe without a rebuilt file fails);
* the first steps of each recipe, re-run here, give the losses the file recorded (so the file
  came from this code and this seed), and the fast recipe lowers its loss;
* the learning goals, asserted on the shipped models with the code the notebooks use.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from metamap_edu.tools import cli
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.models import TinyTransformer, load_checkpoint, save_checkpoint

ROOT = Path(__file__).resolve().parents[3]


def test_checkpoints_are_shipped_within_the_budget():
    sizes = {name: pretrained.checkpoint_path(name).stat().st_size for name in pretrained.NAMES}
    assert sum(sizes.values()) <= pretrained.MAX_TOTAL_BYTES, sizes
    extra = {p.name for p in pretrained.CHECKPOINT_DIR.iterdir() if p.suffix == ".pt"} - {f"{n}.pt" for n in pretrained.NAMES}
    assert not extra, f"files in checkpoints/ that no recipe makes: {extra}"


def test_checkpoints_are_package_data():
    text = (ROOT / "pyproject.toml").read_text()  # (tomllib is Python >= 3.11; the course supports 3.10)
    section = text.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    globs = re.findall(r'"([^"]+)"', re.search(r"^metamap_edu\s*=\s*\[(.*?)\]", section, re.M | re.S).group(1))
    for name in pretrained.NAMES:
        rel = pretrained.checkpoint_path(name).relative_to(ROOT / "metamap_edu")
        assert any(rel.match(g) for g in globs), f"{rel} is not in [tool.setuptools.package-data]"


@pytest.mark.parametrize("name", pretrained.NAMES)
def test_shipped_checkpoint_loads_and_matches_its_recipe(name):
    model = pretrained.load_pretrained(name)
    assert isinstance(model, TinyTransformer)
    info = pretrained.checkpoint_info(name)
    assert info["fingerprint"] == pretrained.recipe_fingerprint(pretrained.RECIPES[name])
    assert info["steps"] == pretrained.RECIPES[name].steps
    assert len(info["first_losses"]) == pretrained.RECORDED_STEPS
    assert info["final_loss"] < 0.5 * info["first_losses"][0]
    # the untrained model with the same recipe starts from the same tokenizer and config
    fresh = pretrained.fresh_model(pretrained.RECIPES[name])
    assert fresh.tokenizer == model.tokenizer and fresh.config == model.config


@pytest.mark.parametrize("name", pretrained.NAMES)
def test_first_steps_of_the_recipe_reproduce_the_recorded_losses(name):
    """Re-run the recipe's first steps from its seed: the losses must be the ones the file recorded."""
    recorded = pretrained.checkpoint_info(name)["first_losses"]
    _, losses = pretrained.build(name, stop_after=len(recorded), progress=False)
    assert losses == pytest.approx(recorded, rel=1e-3, abs=1e-3)


def test_fast_recipe_lowers_the_loss_and_writes_a_loadable_checkpoint(tmp_path, capsys):
    assert cli.main(["pretrain", "lm", "--fast", "--out", str(tmp_path)]) == 0
    info = pretrained.checkpoint_info("lm", tmp_path / "lm.pt")
    assert info["steps"] == pretrained.RECIPES["lm"].fast().steps
    assert info["final_loss"] < 0.7 * info["first_losses"][0]
    model = load_checkpoint(tmp_path / "lm.pt")
    assert model.config == pretrained.load_pretrained("lm").config
    assert "lm: loss" in capsys.readouterr().out


def test_fast_intents_recipe_pretrains_on_the_intent_documents(tmp_path, capsys):
    assert cli.main(["pretrain", "intents", "--fast", "--out", str(tmp_path)]) == 0
    model = load_checkpoint(tmp_path / "intents.pt")
    shipped = pretrained.load_pretrained("intents")
    assert model.config == shipped.config and model.tokenizer == shipped.tokenizer
    assert shipped.tokenizer != pretrained.load_pretrained("lm").tokenizer  # its own whole-word vocabulary
    info = pretrained.checkpoint_info("intents", tmp_path / "intents.pt")
    # the same θ₀ and the same first batch as the shipped recipe (the schedules differ after that)
    assert info["first_losses"][0] == pytest.approx(pretrained.checkpoint_info("intents")["first_losses"][0], rel=1e-4)
    assert info["final_loss"] < 0.8 * info["first_losses"][0]
    assert "intents: loss" in capsys.readouterr().out


def test_pretrain_command_refuses_an_unknown_name(capsys):
    assert cli.main(["pretrain", "gpt5"]) == 2
    err = capsys.readouterr().err
    assert "gpt5" in err and "lm" in err and "text2text" in err


def test_a_checkpoint_from_another_recipe_is_refused(tmp_path, monkeypatch):
    model = pretrained.load_pretrained("lm")
    save_checkpoint(model, tmp_path / "lm.pt", meta={"fingerprint": "0123456789abcdef"})
    monkeypatch.setattr(pretrained, "CHECKPOINT_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"another recipe.*metamap-edu pretrain lm"):
        pretrained.load_pretrained("lm")
    with pytest.raises(FileNotFoundError, match="metamap-edu pretrain text2text"):
        pretrained.load_pretrained("text2text")
    with pytest.raises(ValueError, match="name"):
        pretrained.load_pretrained("bert")


def test_text2text_scores_well_on_held_out_examples_of_every_kind():
    """One model, four kinds: topic and sentiment accuracy >= 0.9, NER F1 >= 0.8, BLEU >= 50."""
    scores = pretrained.held_out_scores(pretrained.load_pretrained("text2text"))
    for task, target in pretrained.TEXT2TEXT_TARGETS.items():
        assert scores[task] >= target, (task, scores[task], target)
    # ... and the test halves were never trained on
    for train, test in pretrained.text2text_splits().values():
        assert not set(train.inputs) & set(test.inputs)


def test_k5_on_the_held_out_domain_as_notebook06_reports():
    """Notebook 06, section 6, K = 5 with its seeds: unlabeled pretraining alone does NOT reach the
    +15 points over scratch that a clear win would need (the notebook says so and section 8 shows why); the model that
    also learned labelled sentiment in the other domains is well ahead, yet short of +15 too."""
    starts = {"from scratch": pretrained.fresh_model(), "pretrained": pretrained.load_pretrained("lm"),
              "pretrained + labels of other domains": pretrained.load_pretrained("text2text")}
    curves = pretrained.k_shot_curves(starts, ks=(5,), seeds=(0, 1), seed=0, progress=False)
    scratch = curves["from scratch"][0]
    print({name: round(accs[0], 3) for name, accs in curves.items()})
    assert curves["pretrained"][0] - scratch < 0.15
    both = max(scratch, curves["pretrained"][0])
    assert 0.05 <= curves["pretrained + labels of other domains"][0] - both
    assert curves["pretrained + labels of other domains"][0] - scratch < 0.15
