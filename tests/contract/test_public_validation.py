"""Every public name of ``metamap_edu`` refuses bad input with one clear sentence.

``CASES`` lists documented bad inputs for the names in ``metamap_edu.__all__``: each must raise
``ValueError`` or ``TypeError`` (as listed) whose message names the argument and shows the bad
value (the ``needles``, matched case-insensitively). ``EXEMPT`` lists the names that take no
input, with the reason. The second half checks numeric trouble: an exploding learning rate,
inf/NaN inputs and empty data stop training with a message saying what to change, and the α
widget shows that message instead of crashing.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

import metamap_edu as mm

NAN, INF = float("nan"), float("inf")


class Fixtures:
    """Small objects the cases need, built once per test session (a few ms each)."""

    def __init__(self, tmp: Path):
        self._tmp = tmp
        self.fam = mm.sentiment_family(domains=["movies", "books"], n_per_task=24, seed=0)
        self.task = self.fam[0]
        self.vocab = mm.WordVocab([w for x in self.task.inputs for w in mm.word_tokenize(x)])
        self.reg = mm.MappingTask("line", "regression", [((float(i),), (2.0 * i,)) for i in range(8)])

    def bow(self):
        return mm.BagOfWordsClassifier(self.vocab, self.task.labels)

    def lin(self):
        return mm.LinearMap(1, 1)

    def tmp(self, name: str, text: str) -> str:
        path = self._tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture(scope="module")
def f(tmp_path_factory):
    return Fixtures(tmp_path_factory.mktemp("validation"))


CASES: list[tuple] = []


def case(name, fn, exc, *needles):
    """``name`` (a public name), ``fn(f)`` (the bad call), the exception type, message needles."""
    CASES.append((name, fn, exc, needles))


# reproducibility
case("set_seed", lambda f: mm.set_seed(-1), ValueError, "seed", "-1")
case("set_seed", lambda f: mm.set_seed(2**70), ValueError, "seed", str(2**70))
case("set_seed", lambda f: mm.set_seed(1.5), TypeError, "seed", "1.5")
case("set_seed", lambda f: mm.set_seed("0"), TypeError, "seed", "'0'")
case("set_threads", lambda f: mm.set_threads(0), ValueError, "n", "0")
case("set_threads", lambda f: mm.set_threads(True), TypeError, "n", "True")
case("check_parameters", lambda f: mm.check_parameters(FAST="yes"), TypeError, "FAST", "'yes'")
case("check_parameters", lambda f: mm.check_parameters(SEED=-3), ValueError, "SEED", "-3")
case("check_parameters", lambda f: mm.check_parameters(STEPS=(10**9, 1, 5000)), ValueError, "STEPS", "1000000000", "5000")
case("check_parameters", lambda f: mm.check_parameters(ALPHA=(NAN, 0.0, 10.0)), ValueError, "ALPHA", "nan")
# language
case("corpus", lambda f: mm.corpus(-5), ValueError, "n", "-5")
case("corpus", lambda f: mm.corpus(3, domains=["atlantis"]), ValueError, "atlantis")
case("corpus", lambda f: mm.corpus(3, seed=-1), ValueError, "seed", "-1")
# tasks
case("MappingTask", lambda f: mm.MappingTask("t", "poetry", [("a", "b")]), ValueError, "kind", "poetry")
case("MappingTask", lambda f: mm.MappingTask("t", "classification", []), ValueError, "examples")
case("MappingTask", lambda f: mm.MappingTask("t", "tagging", [("a b c", ("O",))]), ValueError, "tag")
case("MappingTask", lambda f: mm.MappingTask("t", "regression", [((NAN,), (1.0,))]), ValueError, "nan")
case("MappingTask", lambda f: mm.MappingTask(3, "classification", [("a", "b")]), TypeError, "name", "3")
case("TaskFamily", lambda f: mm.TaskFamily("fam", []), ValueError, "tasks")
case("TaskFamily", lambda f: mm.TaskFamily("fam", [f.task], relatedness=1.5), ValueError, "relatedness", "1.5")
case("Episode", lambda f: mm.Episode("support", f.task), TypeError, "support", "'support'")
case("EpisodeSampler", lambda f: mm.EpisodeSampler(f.task, n_way=2, k_shot=0, n_query=1), ValueError, "k_shot", "0")
case("sample_episode", lambda f: mm.sample_episode(f.task, n_way=5, k_shot=1, n_query=1), ValueError, "n_way", "5")
case("sample_episode", lambda f: mm.sample_episode(f.task, n_way=2, k_shot=1000, n_query=1), ValueError, "k_shot", "1000")
case("sentiment_family", lambda f: mm.sentiment_family(n_per_task=0), ValueError, "n_per_task", "0")
case("sentiment_family", lambda f: mm.sentiment_family(relatedness=-0.1), ValueError, "relatedness", "-0.1")
case("sentiment_family", lambda f: mm.sentiment_family(domains=["movies", "moon"]), ValueError, "moon")
case("sentiment_family", lambda f: mm.sentiment_family(domains="movies"), TypeError, "domains", "'movies'")
case("topic_task", lambda f: mm.topic_task(n_per_class=-2), ValueError, "n_per_class", "-2")
case("ner_task", lambda f: mm.ner_task(n=0), ValueError, "n", "0")
case("ner_task", lambda f: mm.ner_task(n=10, seed=2.5), TypeError, "seed", "2.5")
case("translation_family", lambda f: mm.translation_family(languages=["klingon"]), ValueError, "klingon")
case("translation_family", lambda f: mm.translation_family(n_per_task=0), ValueError, "n_per_task", "0")
case("load_classification", lambda f: mm.load_classification(f.tmp("bad.csv", "text,label\n")), ValueError, "bad.csv")
case("load_classification", lambda f: mm.load_classification(f.tmp("c.csv", "a,b\nx,y\n")), ValueError, "text")
case("load_classification", lambda f: mm.load_classification(f.tmp("c.json", "[]"), format="xml"), ValueError, "format", "xml")
case("load_conll", lambda f: mm.load_conll(f.tmp("e.conll", "")), ValueError, "e.conll")
case("load_parallel", lambda f: mm.load_parallel(f.tmp("p.tsv", "only one side\n")), ValueError, "p.tsv")
# text
case("word_tokenize", lambda f: mm.word_tokenize(None), TypeError, "text", "None")
case("word_tokenize", lambda f: mm.word_tokenize(["a"]), TypeError, "text", "['a']")
case("WordVocab", lambda f: mm.WordVocab("abc"), TypeError, "tokens", "'abc'")
case("train_bpe", lambda f: mm.train_bpe(["a b"], vocab_size=0), ValueError, "vocab_size", "0")
case("train_bpe", lambda f: mm.train_bpe([]), ValueError, "texts")
case("BPETokenizer", lambda f: mm.BPETokenizer(5, []), TypeError, "alphabet", "5")
case("BPETokenizer", lambda f: mm.BPETokenizer(["a", "b"], [("a",)]), ValueError, "merges", "('a',)")
# models
case("LinearMap", lambda f: mm.LinearMap(0), ValueError, "in_features", "0")
case("LinearMap", lambda f: mm.LinearMap(2, init="magic"), ValueError, "init", "magic")
case("BagOfWordsClassifier", lambda f: mm.BagOfWordsClassifier(f.vocab, []), ValueError, "labels")
case("BagOfWordsClassifier", lambda f: mm.BagOfWordsClassifier(f.vocab, ["a", "b"], mode="median"), ValueError, "mode", "median")
case("BagOfWordsClassifier", lambda f: mm.BagOfWordsClassifier(["the"], ["a", "b"]), TypeError, "vocab")
case("TokenTagger", lambda f: mm.TokenTagger(f.vocab, ["O", "B-PER"], window=-1), ValueError, "window", "-1")
case("MLP", lambda f: mm.MLP(1, hidden=(0,)), ValueError, "hidden", "0")
# train
case("fit", lambda f: mm.fit(f.lin(), f.reg, lr=0), ValueError, "lr", "0")
case("fit", lambda f: mm.fit(f.lin(), f.reg, lr=NAN), ValueError, "lr", "nan")
case("fit", lambda f: mm.fit(f.lin(), f.reg, steps=0), ValueError, "steps", "0")
case("fit", lambda f: mm.fit(f.lin(), f.reg, batch_size=-1), ValueError, "batch_size", "-1")
case("fit", lambda f: mm.fit(f.lin(), f.reg, optimizer="rmsprop"), ValueError, "optimizer", "rmsprop")
case("fit", lambda f: mm.fit(f.lin(), f.task, progress=False), ValueError, "classification")
case("fit", lambda f: mm.fit(f.lin(), "task"), TypeError, "task", "'task'")
case("fit", lambda f: mm.fit("model", f.reg), TypeError, "model", "'model'")
case("fit", lambda f: mm.fit(f.lin(), f.reg, regularizer="l2"), TypeError, "regularizer", "'l2'")
case("sgd_step", lambda f: mm.sgd_step([torch.zeros(2)], [torch.ones(2)], lr=-1), ValueError, "lr", "-1")
case("sgd_step", lambda f: mm.sgd_step([torch.zeros(2)], [], lr=0.1), ValueError, "params", "grads")
case("SequentialTrainer", lambda f: mm.SequentialTrainer(f.lin(), steps_per_task=0), ValueError, "steps_per_task", "0")
case("SequentialTrainer", lambda f: mm.SequentialTrainer(f.lin(), regularizer=0.5), TypeError, "regularizer", "0.5")
case("SequentialTrainer", lambda f: mm.SequentialTrainer(f.lin(), progress=False).run([]), ValueError, "tasks")
case("L2ToPrevious", lambda f: mm.L2ToPrevious(-1.0), ValueError, "lam", "-1")
case("L2ToPrevious", lambda f: mm.L2ToPrevious(INF), ValueError, "lam", "inf")
case("ArticlePull", lambda f: mm.ArticlePull(1.5), ValueError, "beta", "1.5")
case("EWC", lambda f: mm.EWC(1.0, fisher_samples=0), ValueError, "fisher_samples", "0")
case("make_regularizer", lambda f: mm.make_regularizer("elastic"), ValueError, "elastic")
# closed form
case("least_squares", lambda f: mm.least_squares(torch.ones(4, 2), torch.ones(3)), ValueError, "X", "y")
case("least_squares", lambda f: mm.least_squares("X", torch.ones(3)), TypeError, "X")
case("ridge_toward", lambda f: mm.ridge_toward(torch.ones(4, 2), torch.ones(4), torch.zeros(2), lam=-1.0), ValueError, "lam", "-1")
case("ridge_toward", lambda f: mm.ridge_toward(torch.ones(4, 2), torch.ones(4), torch.zeros(3), lam=1.0), ValueError, "theta_prev")
# metrics
case("accuracy", lambda f: mm.accuracy(["a"], ["a", "b"]), ValueError, "y_true", "y_pred")
case("accuracy", lambda f: mm.accuracy([], []), ValueError, "y_true")
case("macro_f1", lambda f: mm.macro_f1(["a", "b"], ["a"]), ValueError, "y_true", "y_pred")
case("entity_f1", lambda f: mm.entity_f1([["O"]], [["O", "O"]]), ValueError, "y_true", "y_pred")
case("continual_metrics", lambda f: mm.continual_metrics([[1.0, 2.0]]), ValueError, "R")
case("score", lambda f: mm.score(f.lin(), f.task), ValueError, "classification")
case("score", lambda f: mm.score(f.lin(), "task"), TypeError, "task")
# meta
case("MAML", lambda f: mm.MAML(f.lin(), inner_lr=0), ValueError, "inner_lr", "0")
case("MAML", lambda f: mm.MAML(f.lin(), inner_steps=-1), ValueError, "inner_steps", "-1")
case("MAML", lambda f: mm.MAML(f.lin(), first_order="yes"), TypeError, "first_order", "'yes'")
case("MAML", lambda f: mm.MAML("net"), TypeError, "model", "'net'")
case("Reptile", lambda f: mm.Reptile(f.lin(), epsilon=0), ValueError, "epsilon", "0")
case("Reptile", lambda f: mm.Reptile(f.lin(), epsilon=2.0), ValueError, "epsilon", "2")
case("ProtoNet", lambda f: mm.ProtoNet(f.lin(), outer_lr=-0.1), ValueError, "outer_lr", "-0.1")
case("meta_train", lambda f: mm.meta_train(mm.Reptile(f.lin()), None, meta_batch_size=0), ValueError, "meta_batch_size", "0")
case("meta_train", lambda f: mm.meta_train(object(), None), TypeError, "algorithm")
case("meta_train", lambda f: mm.meta_train(mm.Reptile(f.lin()), None, lr_schedule="step"), ValueError, "lr_schedule", "step")
case("adapt", lambda f: mm.adapt({}, f.lin(), {}, steps=-1), ValueError, "steps", "-1")
case("evaluate_adaptation", lambda f: mm.evaluate_adaptation(f.lin(), [], steps=1), ValueError, "episodes")
# transformer / pretrain
case("TransformerConfig", lambda f: mm.TransformerConfig(width=30, heads=4), ValueError, "width", "30")
case("TransformerConfig", lambda f: mm.TransformerConfig(depth=0), ValueError, "depth", "0")
case("TransformerConfig", lambda f: mm.TransformerConfig(dropout=1.5), ValueError, "dropout", "1.5")
case("TinyTransformer", lambda f: mm.TinyTransformer("tok"), TypeError, "tokenizer", "'tok'")
case("save_checkpoint", lambda f: mm.save_checkpoint(f.lin(), f.tmp("x.pt", "")), TypeError, "model")
case("load_checkpoint", lambda f: mm.load_checkpoint(f.tmp("junk.pt", "not a checkpoint")), ValueError, "junk.pt")
case("new_pretraining_model", lambda f: mm.new_pretraining_model([]), ValueError, "corpus")
case("new_pretraining_model", lambda f: mm.new_pretraining_model(["a b c"], vocab_size=-1), ValueError, "vocab_size", "-1")
case("load_pretrained", lambda f: mm.load_pretrained("gpt2"), ValueError, "name", "gpt2", "lm", "text2text")
case("load_pretrained", lambda f: mm.load_pretrained(3), TypeError, "name", "3")
case("paired_difference", lambda f: mm.paired_difference([0.1, NAN], [0.2, 0.3]), ValueError, "a[1]", "nan")
case("paired_difference", lambda f: mm.paired_difference([0.1, 0.2], [0.2]), ValueError, "same length", "2", "1")
case("t_quantile_975", lambda f: mm.t_quantile_975(0), ValueError, "df", "0")
case("mean_interval", lambda f: mm.mean_interval([1.0]), ValueError, "values", "at least 2")
case("mean_interval", lambda f: mm.mean_interval("ab"), TypeError, "values", "'ab'")
case("report_threads", lambda f: mm.report_threads(5), TypeError, "where", "5")


# Names in __all__ that take no input a learner could get wrong.
EXEMPT = {
    "__version__": "a version string, not callable",
    "default_threads": "takes no arguments (reads OMP_NUM_THREADS; tested in test_offline.py)",
    "DOMAINS": "a constant tuple of domain names",
    "HELD_OUT_DOMAINS": "a constant tuple of domain names",
    "TARGET_LANGUAGES": "a constant tuple of toy language names",
    "KINDS": "a constant tuple of task kinds",
    "DivergenceError": "an exception class the trainers raise; learners catch it, never build it",
    "HELPS": "a constant verdict string of the noise rule",
    "HURTS": "a constant verdict string of the noise rule",
    "NO_DIFFERENCE": "a constant verdict string of the noise rule",
    "PairedDifference": "the record paired_difference returns; learners read it, never build it",
    "free_cores": "takes no arguments (reads the machine's core count)",
}


def _case_id(i_case):
    i, (name, _, exc, needles) = i_case
    return f"{i:03d}-{name}"


@pytest.mark.parametrize("name,fn,exc,needles", CASES, ids=[_case_id(c) for c in enumerate(CASES)])
def test_bad_input_is_refused_with_a_clear_message(f, name, fn, exc, needles):
    assert exc in (ValueError, TypeError)
    with pytest.raises((ValueError, TypeError)) as info:
        fn(f)
    err = info.value
    assert isinstance(err, exc), f"{name}: expected {exc.__name__}, got {type(err).__name__}: {err}"
    message = str(err).lower()
    missing = [n for n in needles if n.lower() not in message]
    assert not missing, f"{name}: the message does not mention {missing}: {err}"


def test_there_are_at_least_40_distinct_bad_input_cases():
    assert len(CASES) >= 40
    assert len({(name, needles) for name, _, _, needles in CASES}) == len(CASES), "duplicate cases"


def test_every_public_name_is_covered_or_exempt():
    covered = {name for name, *_ in CASES}
    public = set(mm.__all__)
    assert not (covered - public), f"cases for names not in __all__: {sorted(covered - public)}"
    assert not (set(EXEMPT) - public), f"exempt names not in __all__: {sorted(set(EXEMPT) - public)}"
    assert not (covered & set(EXEMPT)), f"names both covered and exempt: {sorted(covered & set(EXEMPT))}"
    uncovered = sorted(public - covered - set(EXEMPT))
    assert not uncovered, f"public names without a bad-input case or an exemption: {uncovered}"


def test_every_public_name_resolves():
    for name in mm.__all__:
        assert getattr(mm, name) is not None, name


# ---------------------------------------------------------------------------------------------
# Divergence and numeric trouble
# ---------------------------------------------------------------------------------------------
def _finite(model) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def test_exploding_learning_rate_stops_fit_with_advice_and_finite_weights(f):
    model = f.lin()
    with pytest.raises(mm.DivergenceError, match=r"(?s)diverged.*lr=1e\+06.*smaller") as info:
        mm.fit(model, f.reg, lr=1e6, steps=30, progress=False)
    assert isinstance(info.value, ValueError)
    assert _finite(model), "the parameters must be restored to finite values"


def test_exploding_learning_rate_stops_the_sequential_trainer(f):
    trainer = mm.SequentialTrainer(f.lin(), regularizer=mm.L2ToPrevious(0.1), lr=1e6, steps_per_task=30,
                                   progress=False)
    with pytest.raises(mm.DivergenceError, match=r"(?s)diverged.*task 1 of 2"):
        trainer.run([f.reg, f.reg])
    assert _finite(trainer.model)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_inf_and_nan_inputs_are_refused_when_the_task_is_built(bad):
    with pytest.raises(ValueError, match="finite"):
        mm.MappingTask("bad x", "regression", [((bad,), (1.0,))])
    with pytest.raises(ValueError, match="finite"):
        mm.MappingTask("bad y", "regression", [((1.0,), (bad,))])


def test_nan_weights_stop_training_before_any_update_and_say_why(f):
    model = f.lin()
    with torch.no_grad():
        model.weight.fill_(NAN) if hasattr(model, "weight") else next(model.parameters()).fill_(NAN)
    with pytest.raises(mm.DivergenceError, match="before any update") as info:
        mm.fit(model, f.reg, lr=0.01, steps=3, progress=False)
    assert "learning rate will not help" in str(info.value)


def test_empty_data_is_refused(f):
    with pytest.raises(ValueError, match="indices"):
        f.reg.subset([])
    with pytest.raises(ValueError, match="examples"):
        mm.MappingTask("empty", "regression", [])
    with pytest.raises(ValueError, match="batch_size"):
        mm.fit(f.lin(), f.reg, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="tasks"):
        mm.SequentialTrainer(f.lin(), progress=False).run([])


def test_exploding_learning_rate_stops_meta_training(f):
    sampler = mm.EpisodeSampler(f.reg, n_way=None, k_shot=3, n_query=3, seed=0)
    reptile = mm.Reptile(mm.LinearMap(1, 1), epsilon=1.0, inner_lr=1e8, inner_steps=5)
    with pytest.raises(mm.DivergenceError, match=r"(?s)diverged.*inner_lr=1e\+08"):
        mm.meta_train(reptile, sampler, meta_batch_size=2, iterations=20, progress=False)


def test_alpha_widget_shows_the_divergence_message(f):
    from metamap_edu import course

    view = course.alpha_view(50.0, f.reg, steps=30)
    try:
        assert "DIVERGED" in view.text and "smaller" in view.text, view.text
    finally:
        import matplotlib.pyplot as plt

        plt.close(view.figure)


def test_widget_errors_are_shown_in_the_output_area_not_raised():
    pytest.importorskip("ipywidgets")
    import ipywidgets as w

    from metamap_edu.course import widgets

    def view(alpha):
        raise ValueError(f"diverged: try alpha <= 0.5; got {alpha}")

    box = widgets.interactive_view(view, {"alpha": w.FloatSlider(value=9.0, min=0.0, max=10.0)})
    out = box.children[-1]
    text = "".join(o.get("text", "") for o in out.outputs)
    assert "ValueError: diverged: try alpha <= 0.5; got 9.0" in text


def test_exploding_learning_rate_stops_pretraining_with_finite_weights():
    from metamap_edu.learn import pretraining as pretrain

    texts = mm.corpus(40, seed=0)
    config = mm.TransformerConfig(context=32, width=16, depth=1, heads=2, mlp_ratio=2)
    lm = mm.new_pretraining_model(texts, config=config, vocab_size=450)
    with pytest.raises(mm.DivergenceError, match=r"(?s)diverged.*lower lr"):
        pretrain.pretrain(lm, texts, steps=30, batch_size=4, lr=1e4, progress=False)
    assert _finite(lm)


# ---------------------------------------------------------------------------------------------
# Beyond __all__: named bad inputs of module functions, and a walk over every public module
# ---------------------------------------------------------------------------------------------
import importlib  # noqa: E402
import inspect  # noqa: E402
import pkgutil  # noqa: E402
import warnings  # noqa: E402

MODULE_CASES: list[tuple] = []


def module_case(name, fn, exc, *needles):
    """Like :func:`case`, for ``module.name`` functions outside ``metamap_edu.__all__``."""
    MODULE_CASES.append((name, fn, exc, needles))


module_case("real.realdata.load_real_task", lambda f: __import__("metamap_edu.real.realdata").real.realdata.load_real_task(
    f.tmp("ok.csv", "text,label\na,x\nb,y\n"), min_per_class="a"), TypeError, "min_per_class", "'a'")
module_case("real.realdata.load_real_task", lambda f: __import__("metamap_edu.real.realdata").real.realdata.load_real_task(
    f.tmp("ok.csv", "text,label\na,x\nb,y\n"), min_per_class=-3), ValueError, "min_per_class", "-3")
module_case("real.realdata.load_real_task", lambda f: __import__("metamap_edu.real.realdata").real.realdata.load_real_task(
    f.tmp("ok.csv", "text,label\na,x\nb,y\n"), max_per_class=0), ValueError, "max_per_class", "0")
module_case("sgd_step", lambda f: mm.sgd_step([torch.zeros(2, 3)], [torch.ones(3, 2)], lr=0.1), ValueError,
            "grads[0]", "(2, 3)", "(3, 2)")
module_case("sgd_step", lambda f: mm.sgd_step([1.0, 2.0], [0.5, 0.5], lr=0.1), TypeError, "params[0]", "1.0")
module_case("sgd_step", lambda f: mm.sgd_step([torch.zeros(2)], [0.5], lr=0.1), TypeError, "grads[0]", "0.5")
module_case("sgd_step", lambda f: mm.sgd_step(torch.zeros(2), torch.zeros(2), lr=0.1), TypeError, "params")
module_case("continual_metrics", lambda f: mm.continual_metrics([[0.5, NAN], [0.9, 0.5], [0.8, 0.9]]), ValueError,
            "R", "nan", "R[0, 1]")
module_case("continual_metrics", lambda f: mm.continual_metrics([[0.5, 0.5], [INF, 0.5], [0.8, 0.9]]), ValueError,
            "R", "inf")
module_case("continual_metrics", lambda f: mm.continual_metrics([["a", "b"], [1, 2], [3, 4]]), TypeError, "R")
module_case("learn.metrics.corpus_bleu", lambda f: mm.learn.metrics.corpus_bleu(["a b"], ["a b"], max_order=0), ValueError,
            "max_order", "0")
module_case("learn.metrics.corpus_bleu", lambda f: mm.learn.metrics.corpus_bleu(["a b"], ["a b"], max_order=-2), ValueError,
            "max_order", "-2")
module_case("learn.metrics.corpus_bleu", lambda f: mm.learn.metrics.corpus_bleu(["a b"], [3], max_order=2), TypeError,
            "predictions", "3")
module_case("learn.pretraining.learning_rate", lambda f: mm.learn.pretraining.learning_rate(0, 0, 0.1, schedule="cosine"), ValueError,
            "steps", "0")
module_case("learn.pretraining.learning_rate", lambda f: mm.learn.pretraining.learning_rate(0, 10, 0.1, schedule="cosin"), ValueError,
            "schedule", "cosin", "cosine")
module_case("learn.pretraining.learning_rate", lambda f: mm.learn.pretraining.learning_rate(0, 10, -0.1), ValueError, "lr", "-0.1")
module_case("learn.pretraining.learning_rate", lambda f: mm.learn.pretraining.learning_rate(10, 10, 0.1), ValueError, "step", "10")
module_case("learn.pretraining.learning_rate", lambda f: mm.learn.pretraining.learning_rate(0, 10, 0.1, warmup=-1), ValueError,
            "warmup", "-1")
module_case("tasks.splits.ClassSplit", lambda f: mm.tasks.splits.ClassSplit(train="ab", val=[], test=["c", "d"]), TypeError,
            "train", "'ab'")
module_case("real.tfidf.summarize", lambda f: mm.real.tfidf.summarize([0.5, NAN]), ValueError, "scores[1]", "nan")
module_case("experiments.table2.reproduce_maml_sinusoid", lambda f: mm.experiments.table2.reproduce_maml_sinusoid(config="quick"),
            TypeError, "config", "'quick'")
module_case("tasks.sinusoid.SinusoidConfig", lambda f: mm.tasks.sinusoid.SinusoidConfig(inner_lr=-1.0), ValueError, "inner_lr", "-1")
module_case("tasks.sinusoid.SinusoidConfig", lambda f: mm.tasks.sinusoid.SinusoidConfig(amplitude=(5.0, 0.1)), ValueError,
            "amplitude", "low <= high")


@pytest.mark.parametrize("name,fn,exc,needles", MODULE_CASES, ids=[_case_id(c) for c in enumerate(MODULE_CASES)])
def test_module_functions_refuse_bad_input_with_a_clear_message(f, name, fn, exc, needles):
    test_bad_input_is_refused_with_a_clear_message(f, name, fn, exc, needles)


def test_the_minibatcher_uses_every_example_equally_over_epochs():
    """Full batches only: each epoch skips n mod B examples, but a fresh shuffle draws them next time."""
    from metamap_edu.learn.fit import _Batches

    class Model:
        def collate(self, examples, kind):
            return [x[0] for x, _ in examples]

    task = mm.MappingTask("line", "regression", [((float(i),), (0.0,)) for i in range(10)])
    batches = _Batches(Model(), task, batch_size=4, seed=0)
    drawn = [batches.next() for _ in range(300)]
    assert all(len(b) == 4 for b in drawn)  # never a short batch of the n mod B = 2 leftovers
    counts = [sum(b.count(float(i)) for b in drawn) for i in range(10)]
    assert sum(counts) == 1200 and min(counts) > 90 and max(counts) < 150, counts  # 120 each on average


class _Nonsense:
    """A value no function accepts; its repr is what a clear message shows."""

    def __repr__(self) -> str:
        return "<nonsense>"


# Classes the package fills in itself and hands back: results, records and plain containers.
# Learners read them; building one by hand is not part of the course, so they take any field.
RECORDS = {
    "tasks.lexicon.Domain": "one domain's word lists, built from the module's own tables",
    "learn.fit.History": "what fit returns",
    "learn.sequential.SequentialResult": "what SequentialTrainer.run returns",
    "learn.meta_training.AdaptationResult": "what evaluate_adaptation returns",
    "learn.meta_training.MetaHistory": "what meta_train returns",
    "tasks.sinusoid.TensorEpisode": "what SinusoidSampler.sample returns",
    "learn.pretraining.PretrainResult": "what pretrain returns",
    "course.widgets.View": "what a widget's view function returns (a figure and a text)",
    "tools.doctor.Check": "one line of the doctor's report",
    "tools.run_report.RunResult": "what run_notebook returns",
    "tools.site.NotebookInfo": "one notebook's entry on the site's index",
    "tools.exercise_cells.Exercise": "one exercise found in a notebook",
    "experiments.checkpoints.Recipe": "a shipped checkpoint's recipe, read from the package's own JSON",
    "noise.PairedDifference": "what paired_difference returns",
    "tools.server_run.ServerRun": "what run_in_server returns",
    "experiments.few_shot.FewShotComparison": "what compare_few_shot returns",
}
# The command handlers take the argparse Namespace that cli.build_parser makes; cli.main(argv),
# which validates argv and parses it, is walked.
COMMAND_HANDLERS = {"tools.cli.cmd_build", "tools.cli.cmd_doctor", "tools.cli.cmd_lab_settings", "tools.cli.cmd_pretrain", "tools.cli.cmd_reproduce", "tools.cli.cmd_run",
                    "tools.cli.cmd_site", "tools.cli.cmd_student", "tools.cli.cmd_nbgrader"}


def _public_modules() -> list[str]:
    """Every public module of the package, dotted from ``metamap_edu`` (``learn.fit``, ``noise`` ...)."""
    found = pkgutil.walk_packages(mm.__path__, "metamap_edu.")
    names = [m.name.removeprefix("metamap_edu.") for m in found if not m.ispkg]
    return sorted(n for n in names if not any(part.startswith("_") for part in n.split(".")))


def _public_callables():
    for module_name in _public_modules():
        module = importlib.import_module(f"metamap_edu.{module_name}")
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue  # exceptions are raised by the package, not called by learners
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module_name}.{name}", obj


WALKED = [(q, obj) for q, obj in _public_callables() if q not in RECORDS and q not in COMMAND_HANDLERS]


def test_the_walk_covers_every_public_module_of_the_package():
    package = Path(mm.__file__).parent
    files = {".".join(p.relative_to(package).with_suffix("").parts) for p in package.rglob("*.py")}
    files = {f for f in files if not any(part.startswith("_") for part in f.split("."))}
    assert files == set(_public_modules()), f"modules the walk would miss: {sorted(files - set(_public_modules()))}"
    walked_modules = {q.rsplit(".", 1)[0] for q, _ in WALKED}
    assert len(walked_modules) >= 25 and len(TAKES_ARGUMENTS) > 250
    known = {q for q, _ in _public_callables()}
    assert not (set(RECORDS) | COMMAND_HANDLERS) - known, "stale exemptions"


def _nonsense_call(obj):
    """Call ``obj`` with nonsense for every required argument (or for its first, when none is required)."""
    params = [p for p in inspect.signature(obj).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    required = [p for p in params if p.default is p.empty] or params[:1]
    args = [_Nonsense() for p in required if p.kind != p.KEYWORD_ONLY]
    kwargs = {p.name: _Nonsense() for p in required if p.kind == p.KEYWORD_ONLY}
    return obj(*args, **kwargs), [p.name for p in params]


def _takes_arguments(obj) -> bool:
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return any(p.kind not in kinds for p in inspect.signature(obj).parameters.values())


TAKES_ARGUMENTS = [(q, obj) for q, obj in WALKED if _takes_arguments(obj)]


def _verdict(qualname, obj, read_stdout) -> str | None:
    """None when ``obj`` refuses nonsense clearly, else what went wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result, names = _nonsense_call(obj)
        except (TypeError, ValueError) as err:
            names = list(inspect.signature(obj).parameters)
            message = str(err)
            if any(n in message for n in names) or "<nonsense>" in message:
                return None
            return f"{qualname}: {type(err).__name__} names no argument ({names}): {message}"
        except ImportError as err:
            return None if "install" in str(err) else f"{qualname}: {err}"
        except Exception as err:  # AttributeError, RuntimeError, ... from deep inside
            return f"{qualname}: raw {type(err).__name__}: {err}"
    if qualname.startswith("course.") and qualname.rsplit(".", 1)[1].startswith("check_"):
        return None if result is False and "Not yet" in read_stdout() else f"{qualname} accepted nonsense"
    return f"{qualname} accepted nonsense for {names} and returned {type(result).__name__}"


@pytest.mark.parametrize("qualname,obj", TAKES_ARGUMENTS, ids=[q for q, _ in TAKES_ARGUMENTS])
def test_every_public_function_of_every_module_refuses_nonsense_clearly(qualname, obj, capsys):
    """A clear ``TypeError``/``ValueError`` naming an argument (or showing the value); exercise
    checkers answer with feedback instead (``False`` and "Not yet"); a missing optional extra says
    how to install it. Never an ``AttributeError`` from deep inside, never a silent result."""
    problem = _verdict(qualname, obj, lambda: capsys.readouterr().out)
    assert problem is None, problem


def test_the_walk_flags_raw_errors_vague_messages_and_silent_acceptance(capsys):
    def raw(model):
        return model.parameters()

    def vague(texts):
        return list(texts)

    def silent(value):
        return value

    def clear(texts):
        raise TypeError(f"texts must be a list of str; got {texts!r}")

    read = lambda: capsys.readouterr().out  # noqa: E731
    assert "raw AttributeError" in _verdict("m.raw", raw, read)
    assert "names no argument" in _verdict("m.vague", vague, read)
    assert "accepted nonsense" in _verdict("m.silent", silent, read)
    assert "accepted nonsense" in _verdict("course.nb00.check_x", silent, read)
    assert _verdict("m.clear", clear, read) is None
