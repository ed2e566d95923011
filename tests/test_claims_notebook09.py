"""Claims of notebook 09 ("where it stands"), asserted on the code the notebook runs, at its
default parameters and under the course's one noise rule (paired 95% intervals)."""
import numpy as np
import pytest
import torch

from metamap_edu import noise
from metamap_edu.routes import intent_routes
from metamap_edu.train import run_sentiment_stream


@pytest.fixture(scope="module")
def routes():
    """Section 2 at the notebook's default parameters (with MiniLM when the extra is installed)."""
    from metamap_edu import encoders

    torch.set_num_threads(1)
    minilm = encoders.load_minilm() if encoders.is_available() else None
    return intent_routes(n_per_class=40, pretrain_steps=200, meta_iterations=120, episodes=80, seed=0,
                         minilm=minilm)


def test_routes_pretraining_helps_on_held_out_intents(routes):
    """Section 2: causal-LM pretraining on the meta-train sentences helps the course model on new
    intents (this detected effect is also the positive control for the next test)."""
    d = noise.paired_difference(routes["TinyTransformer: pretraining only"], routes["TinyTransformer: neither"])
    assert d.verdict == noise.HELPS, d


def test_routes_meta_training_alone_makes_no_measurable_difference(routes):
    """Section 2: ProtoNet meta-training on ten meta-train intents makes no measurable difference
    on new intents, alone or on top of pretraining -- with the same 80 episodes that resolve the
    pretraining effect above."""
    neither = routes["TinyTransformer: neither"]
    for route in ("meta-learning only", "both"):
        d = noise.paired_difference(routes[f"TinyTransformer: {route}"], neither)
        assert d.verdict == noise.NO_DIFFERENCE, (route, d)


def test_routes_tfidf_beats_every_course_model(routes):
    """Section 2: at this scale the TF-IDF centroid beats every TinyTransformer route."""
    for name, scores in routes.items():
        if name.startswith("TinyTransformer"):
            assert noise.paired_difference(routes["TF-IDF centroid"], scores).verdict == noise.HELPS, name


STREAM_SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def streams():
    torch.set_num_threads(1)
    methods = {"none": (None, None), "l2": ("l2", 1e-4), "pull": ("pull", 0.01)}
    return {(r, name): [run_sentiment_stream(reg, lam, relatedness=r, steps_per_task=100, n_per_task=400,
                                             seed=s).metrics() for s in STREAM_SEEDS]
            for r in (0.0, 0.5, 1.0) for name, (reg, lam) in methods.items()}


def _diff(streams, r, name, key):
    return noise.paired_difference([m[key] for m in streams[r, name]], [m[key] for m in streams[r, "none"]])


@pytest.mark.parametrize("r", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("name", ["l2", "pull"])
def test_stream_pulls_make_no_measurable_difference_to_accuracy(streams, r, name):
    """Section 3: on ACC neither L2 (λ = 1e-4) nor the article's pull (β = 0.01) is measurably
    different from no regularizer at any relatedness, over three seeds."""
    assert _diff(streams, r, name, "acc").verdict == noise.NO_DIFFERENCE


@pytest.mark.parametrize("name", ["l2", "pull"])
def test_stream_pulls_reduce_forgetting_where_tasks_conflict(streams, name):
    """Section 3: at relatedness 0.5 (shared words flip polarity) both pulls measurably raise BWT;
    this is also the positive control for the "no measurable difference" verdicts on ACC."""
    assert _diff(streams, 0.5, name, "bwt").verdict == noise.HELPS


@pytest.mark.parametrize("r", [0.0, 1.0])
@pytest.mark.parametrize("name", ["l2", "pull"])
def test_stream_pulls_make_no_measurable_difference_where_nothing_conflicts(streams, r, name):
    """Section 3: with nothing shared (r = 0) or nothing conflicting (r = 1) the pulls make no
    measurable difference to BWT either."""
    assert _diff(streams, r, name, "bwt").verdict == noise.NO_DIFFERENCE


def test_minilm_beats_the_best_course_model(routes):
    """Section 2: frozen MiniLM beats the best TinyTransformer route on the same episodes."""
    if "MiniLM frozen (pretrained at scale)" not in routes:
        pytest.skip("the MiniLM extra is not installed (the README's test command installs it)")
    course = [k for k in routes if k.startswith("TinyTransformer")]
    best = max(course, key=lambda k: np.mean(routes[k]))
    d = noise.paired_difference(routes["MiniLM frozen (pretrained at scale)"], routes[best])
    assert d.verdict == noise.HELPS and d.low > 0.3, d
