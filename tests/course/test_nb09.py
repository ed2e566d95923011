"""Claims of notebook 09 ("where it stands"), asserted on the code the notebook runs, at its
default parameters and under the course's one noise rule (paired 95% intervals)."""
import pytest
import torch

from metamap_edu import noise
from metamap_edu.tasks import intents
from metamap_edu.experiments import checkpoints as pretrained
from metamap_edu.experiments import transfer
from metamap_edu.tasks import restrict_to_classes
from metamap_edu.experiments import compare_few_shot
from metamap_edu.experiments import route_accuracies, route_interaction, route_scores_on
from metamap_edu.experiments import run_sentiment_stream

# the notebook's defaults (FAST = False, SEED = 0)
SEEDS = (0, 1, 2)
META_ITERATIONS = 100
EPISODES = 40
DOMAIN_EPISODES = 20


@pytest.fixture(scope="module")
def world():
    """Section 2 at the notebook's defaults: the comparison, with its trained models kept."""
    torch.set_num_threads(1)
    split = intents.intent_split(intents.intent_task(n_per_class=80, seed=1))
    encoder = pretrained.load_pretrained("intents")
    corpus = pretrained.pretraining_corpus(pretrained.RECIPES["intents"])[:5000]
    comparison = compare_few_shot(encoder, split, seeds=SEEDS, episodes=EPISODES, k_shots=(1, 5),
                                  methods=("scratch", "pretrained", "meta_scratch", "meta", "tfidf"), corpus=corpus,
                                  meta_iterations=META_ITERATIONS, keep_models=True, progress=False)
    return split, encoder, comparison, transfer.VocabularyTfidf(corpus)


@pytest.fixture(scope="module")
def scores(world):
    return {k: route_accuracies(world[2], k) for k in (1, 5)}


def _verdict(scores, a, b):
    return noise.paired_difference(scores[a], scores[b])


@pytest.mark.parametrize("k", [1, 5])
@pytest.mark.parametrize("route", ["pretraining only", "meta-learning only"])
def test_each_route_alone_beats_the_untrained_model(scores, k, route):
    """Section 2: pretraining alone and meta-learning alone each beat scratch on held-out intents."""
    d = _verdict(scores[k], route, "scratch")
    assert d.verdict == noise.HELPS, d


@pytest.mark.parametrize("k", [1, 5])
@pytest.mark.parametrize("alone", ["pretraining only", "meta-learning only"])
def test_both_routes_together_beat_each_alone(scores, k, alone):
    """Section 2: the model that is pretrained and then meta-trained beats each route alone."""
    d = _verdict(scores[k], "both", alone)
    assert d.verdict == noise.HELPS, d


@pytest.mark.parametrize("k", [1, 5])
def test_meta_learning_alone_is_ahead_of_pretraining_alone_at_this_budget(scores, k):
    """Section 2: at 100 meta-training steps, meta-learning alone is ahead of pretraining alone."""
    assert _verdict(scores[k], "meta-learning only", "pretraining only").verdict == noise.HELPS


@pytest.mark.parametrize("k", [1, 5])
def test_both_routes_beat_tfidf(scores, k):
    """Section 2: "both" beats the TF-IDF centroid on the same episodes."""
    assert _verdict(scores[k], "both", "TF-IDF centroid").verdict == noise.HELPS


@pytest.mark.parametrize("k", [1, 5])
def test_the_two_gains_overlap(scores, k):
    """Section 2: meta-training gains less on top of pretraining than from scratch (negative interaction)."""
    d = route_interaction(scores[k])
    assert d.verdict == noise.HURTS, d


def test_interaction_is_more_negative_at_five_shots_where_both_is_near_the_ceiling(scores):
    """Section 2 and question 2: at 5 shots "both" is close to 1.0 and the interaction is more negative."""
    both5 = noise.mean_interval(scores[5]["both"])
    assert both5.low > 0.95, both5
    one, five = route_interaction(scores[1]), route_interaction(scores[5])
    assert five.high < one.low, (one, five)


def test_every_route_is_scored_on_the_same_units(scores):
    """The pairing the notebook relies on: every route has one score per (seed, episode)."""
    for k in (1, 5):
        assert {len(v) for v in scores[k].values()} == {len(SEEDS) * EPISODES}


@pytest.fixture(scope="module")
def by_domain(world):
    split, encoder, comparison, tfidf = world
    out = {}
    for dom in sorted({intents.INTENTS[y].domain for y in split.test.labels}):
        labels = [y for y in split.test.labels if intents.INTENTS[y].domain == dom]
        out[dom] = route_scores_on(comparison, encoder, restrict_to_classes(split.test, labels, name=dom), 1,
                                   episodes=DOMAIN_EPISODES, tfidf=tfidf)
    return out


def test_section3_tests_three_held_out_domains_of_five_intents(world, by_domain):
    split = world[0]
    assert len(by_domain) == 3
    for dom in by_domain:
        assert sum(intents.INTENTS[y].domain == dom for y in split.test.labels) == 5


@pytest.mark.parametrize("a, b", [("pretraining only", "scratch"), ("meta-learning only", "scratch"),
                                  ("both", "pretraining only"), ("both", "TF-IDF centroid")])
def test_every_comparison_holds_inside_each_held_out_domain(by_domain, a, b):
    """Section 3: inside each new domain, each comparison gets the same verdict as in section 2."""
    for dom, sc in by_domain.items():
        assert noise.paired_difference(sc[a], sc[b]).verdict == noise.HELPS, dom


def test_the_tiny_transformer_weights_take_under_one_megabyte():
    """Question 1's answer: the intents TinyTransformer's float32 weights take under 1 MB."""
    n = sum(p.numel() for p in pretrained.load_pretrained("intents").parameters())
    assert 4 * n / 2**20 < 1.0


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
    """Section 4: on ACC neither L2 (λ = 1e-4) nor the article's pull (β = 0.01) is measurably
    different from no regularizer at any relatedness, over three seeds."""
    assert _diff(streams, r, name, "acc").verdict == noise.NO_DIFFERENCE


@pytest.mark.parametrize("name", ["l2", "pull"])
def test_stream_pulls_reduce_forgetting_where_tasks_conflict(streams, name):
    """Section 4: at relatedness 0.5 (shared words flip polarity) both pulls measurably raise BWT;
    this is also the positive control for the "no measurable difference" verdicts on ACC."""
    assert _diff(streams, 0.5, name, "bwt").verdict == noise.HELPS


@pytest.mark.parametrize("r", [0.0, 1.0])
@pytest.mark.parametrize("name", ["l2", "pull"])
def test_stream_pulls_make_no_measurable_difference_where_nothing_conflicts(streams, r, name):
    """Section 4: with nothing shared (r = 0) or nothing conflicting (r = 1) the pulls make no
    measurable difference to BWT either."""
    assert _diff(streams, r, name, "bwt").verdict == noise.NO_DIFFERENCE
