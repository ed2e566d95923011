"""The whole pipeline of notebook 07 (metamap_edu.experiments.pipeline): data, runs, ablation, paired differences."""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from metamap_edu import noise  # noqa: E402
from metamap_edu import course  # noqa: E402
from metamap_edu.experiments import pipeline
from metamap_edu.experiments import checkpoints as pretrained

TINY = pipeline.PipelineBudget(rounds=2, visit_steps=(1, 1, 1, 1), late_pretrain_steps=2)


@pytest.fixture(scope="module")
def data():
    return pipeline.pipeline_data(0, n_test=8, scale=0.05)


def test_pipeline_data_holds_four_kinds_with_test_sentences_never_trained_on(data):
    assert tuple(data) == pipeline.KINDS
    kinds = {k: train.kind for k, (train, _) in data.items()}
    assert kinds == {"topic": "classification", "sentiment": "classification", "ner": "tagging",
                     "translation": "translation"}
    checkpoint_saw = {x for train, _ in pretrained.text2text_splits(0).values() for x in train.inputs}
    for train, test in data.values():
        assert 0 < len(test) <= 8 and len(train) > len(test)
        assert not set(test.inputs) & set(train.inputs)
        assert not set(test.inputs) & checkpoint_saw  # the pretrained start never trained on them either
    assert len({y for _, y in data["topic"][0].examples}) == 8  # eight domains: chance is 1/8
    assert pipeline.CHANCE["topic"] == pytest.approx(1 / 8)


def test_pipeline_data_is_a_function_of_its_seed():
    a, b, c = (pipeline.pipeline_data(s, n_test=5, scale=0.05) for s in (0, 0, 1))
    assert a["translation"][0].examples == b["translation"][0].examples
    assert a["translation"][0].examples != c["translation"][0].examples


def test_output_loss_equals_the_models_loss(data):
    model = pipeline.starting_model(True)
    for train, _ in data.values():
        batch = model.collate(train.examples[:6], train.kind)
        with torch.no_grad():
            assert float(pipeline.output_loss(model, batch)) == pytest.approx(float(model.loss(batch)), rel=1e-5)


def test_pretrained_and_fresh_start_share_tokenizer_and_shape_but_not_weights():
    t2t, fresh = pipeline.starting_model(True), pipeline.starting_model(False)
    assert t2t.tokenizer.itos == fresh.tokenizer.itos
    assert [p.shape for p in t2t.parameters()] == [p.shape for p in fresh.parameters()]
    assert not torch.equal(t2t.token_embedding.weight, fresh.token_embedding.weight)
    shipped = pretrained.load_pretrained("text2text")
    assert all(torch.equal(p, q) for p, q in zip(t2t.parameters(), shipped.parameters()))


def test_label_choices_pick_the_label_token_with_the_highest_logit_after_sep(data):
    model = pipeline.starting_model(True)
    test = data["topic"][1]
    labels = list(test.output_space)
    got = pipeline.label_choices(model, test.inputs, labels)
    label_ids = [model.tokenizer.encode(" " + y)[0] for y in labels]
    for x, y in zip(test.inputs, got):
        prompt = model.prompt_ids(x, "classification")
        with torch.no_grad():
            logits = model(torch.tensor([prompt]))[0, -1]  # (V,) next token after <sep>
        assert y == labels[int(logits[label_ids].argmax())]
    # the trained checkpoint mostly agrees with the full ranking of "label <eos>" by model.predict
    agree = sum(a == b for a, b in zip(got, model.predict(test.inputs, "classification")))
    assert agree >= len(got) - 1
    scored = pipeline.scores(model, data)["topic"]
    assert scored == pytest.approx(sum(a == b for a, b in zip(got, test.outputs)) / len(got))


def test_run_pipeline_is_deterministic_and_training_moves_the_scores(data):
    a = pipeline.run_pipeline(data, budget=TINY, seed=0)
    b = pipeline.run_pipeline(data, budget=TINY, seed=0)
    assert a == b and tuple(a) == pipeline.KINDS
    assert all(0.0 <= v <= 1.0 for v in a.values())
    last = pipeline.run_pipeline(data, pretrained=False, pretrain_last=True, budget=TINY, seed=0)
    assert tuple(last) == pipeline.KINDS


def test_the_pull_keeps_the_model_closer_to_where_each_visit_started(data):
    """β = 0.5 halves every step back toward the visit's start: the weights move less than without it."""
    start = pipeline.starting_model(True)
    budget = pipeline.PipelineBudget(rounds=1, visit_steps=(3, 3, 3, 3), beta=0.5)
    moved = {}
    for pull in (False, True):
        model = pipeline.train_pipeline(data, True, pull, budget, seed=0, base=start)
        moved[pull] = sum(float((p - q).norm()) for p, q in zip(model.parameters(), start.parameters()))
    assert moved[True] < 0.8 * moved[False]


def test_ablation_rows_share_seeds_and_contributions_are_paired(data):
    table = pipeline.ablation(seeds=(0, 1), budget=TINY, n_test=6, scale=0.05, progress=False)
    assert list(table) == list(pipeline.ROWS)
    assert all(len(table[r][k]) == 2 for r in table for k in pipeline.KINDS)
    diffs = pipeline.contributions(table)
    assert list(diffs) == list(pipeline.CONTRIBUTIONS)
    for name, (a, b) in pipeline.CONTRIBUTIONS.items():
        for kind in pipeline.KINDS:
            want = noise.paired_difference(table[a][kind], table[b][kind])
            assert diffs[name][kind] == want
    # "pretraining last" continues a copy of the "full" model: the full row alone is reproduced
    assert pipeline.ROWS["pretraining last"] == (True, True, True)
    again = pipeline.ablation(seeds=(0,), budget=TINY, rows=("full",), n_test=6, scale=0.05, progress=False)
    assert again["full"] == {k: v[:1] for k, v in table["full"].items()}


def test_contributions_skip_missing_rows_and_need_paired_seeds():
    table = {"full": {k: [0.5, 0.6] for k in pipeline.KINDS}, "no pull": {k: [0.4, 0.5] for k in pipeline.KINDS}}
    diffs = pipeline.contributions(table)
    assert list(diffs) == ["the pull (full - no pull)"]
    assert diffs["the pull (full - no pull)"]["ner"].mean == pytest.approx(0.1)
    table["no pull"]["ner"] = [0.4]
    with pytest.raises(ValueError, match="same number"):
        pipeline.contributions(table)


@pytest.mark.parametrize("kwargs, match", [
    ({"rounds": 0}, "rounds"),
    ({"visit_steps": (1, 2)}, "visit_steps"),
    ({"visit_steps": (1, 2, 0, 1)}, "visit_steps"),
    ({"lr": -1.0}, "lr"),
    ({"beta": 1.0}, "beta"),
    ({"schedule": "linear"}, "schedule"),
    ({"late_pretrain_steps": 0}, "late_pretrain_steps"),
])
def test_budget_refuses_bad_values_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pipeline.PipelineBudget(**kwargs)


def test_bad_inputs_get_clear_errors(data):
    with pytest.raises(ValueError, match="missing"):
        pipeline.run_pipeline({"topic": data["topic"]}, budget=TINY)
    with pytest.raises(TypeError, match="data"):
        pipeline.run_pipeline([1, 2], budget=TINY)
    with pytest.raises(TypeError, match="pretrained"):
        pipeline.starting_model("yes")
    with pytest.raises(TypeError, match="budget"):
        pipeline.run_pipeline(data, budget={"rounds": 1})
    with pytest.raises(ValueError, match="rows"):
        pipeline.ablation(seeds=(0, 1), rows=("everything",), budget=TINY, progress=False)
    with pytest.raises(ValueError, match="different"):
        pipeline.ablation(seeds=(0, 0), budget=TINY, progress=False)
    with pytest.raises(ValueError, match="n_test"):
        pipeline.pipeline_data(0, n_test=0)
    with pytest.raises(ValueError, match="batch"):
        pipeline.output_loss(pipeline.starting_model(False), {"ids": torch.zeros(1, 2, dtype=torch.long)})
    with pytest.raises(ValueError, match="one token"):
        pipeline.label_choices(pipeline.starting_model(True), ["<topic> the film"], ["movies", "unbelievably"])
    with pytest.raises(ValueError, match="inputs"):
        pipeline.label_choices(pipeline.starting_model(True), [], ["movies", "books"])


def test_ablation_view_and_plot_draw_chance_lines():
    table = {"full": {k: [0.8, 0.9, 0.85] for k in pipeline.KINDS},
             "no pretraining": {k: [0.2, 0.3, 0.25] for k in pipeline.KINDS}}
    view = course.ablation_view("no pretraining", table, chance=pipeline.CHANCE)
    assert view.text == ("full - no pretraining, per task: topic: helps; sentiment: helps; ner: helps; "
                         "translation: helps")
    ax = view.figure.axes[0]
    assert "chance" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlabel() and ax.get_ylabel() == "score on held-out examples"
    assert "which component" not in course.plot_ablation({"a": {"x": 0.5}}).axes[0].get_title()
    with pytest.raises(ValueError, match="row must be one of"):
        course.ablation_view("full", table)
    with pytest.raises(ValueError, match="full"):
        course.ablation_view("no pull", {"no pull": table["full"]})
    with pytest.raises(ValueError, match="row must be one of"):
        course.ablation_widget(table, row="nothing")
    plt.close("all")
    assert math.isfinite(pipeline.PipelineBudget().task_steps)
