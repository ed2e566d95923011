"""Meta-learning versus pretraining: two routes to fast adaptation, run on the same held-out intents.

One TinyTransformer architecture, four starting points -- neither route, causal-LM pretraining on
the meta-train sentences, ProtoNet meta-training on the meta-train classes, both -- and the same
5-way 1-shot episodes over intents never trained on, scored by the ProtoNet rule (nearest class
mean of pooled features). A TF-IDF centroid (scikit-learn's rule, :data:`metamap_edu.realdata.TFIDF_RULE`;
fitted on the meta-train utterances) and, when installed, frozen MiniLM on the same
episodes put the numbers in context. Each method's accuracy is kept *per episode*, so two methods
are compared by the course's one noise rule, paired over episodes
(:func:`metamap_edu.noise.paired_difference`).

Taught in notebooks/09_where_it_stands (section 2).
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import torch

from . import realdata
from ._checks import check_int, check_seed
from .meta import ProtoNet, meta_train
from .pretrain import pretrain
from .transformer import TinyTransformer, TransformerConfig, build_tokenizer

__all__ = ["COURSE_ROUTES", "intent_routes"]

#: The four starting points of the course model: name -> (pretrained, meta-trained).
COURSE_ROUTES = {"neither": (False, False), "pretraining only": (True, False),
                 "meta-learning only": (False, True), "both": (True, True)}


def intent_routes(n_per_class: int = 40, pretrain_steps: int = 200, meta_iterations: int = 120,
                  episodes: int = 80, seed: int = 0, minilm: Any = None) -> dict[str, list[float]]:
    """Per-episode 5-way 1-shot accuracy of every route on held-out generated intents.

    The intents are :func:`metamap_edu.realdata.write_demo_csv`'s (``n_per_class`` utterances per
    intent), split by class 50/20/30 into meta-train / validation / test. Returns
    ``{"TinyTransformer: <route>": [...], "TF-IDF centroid": [...],
    "MiniLM frozen (pretrained at scale)": [...]}`` (the last only when ``minilm``, a loaded
    sentence-transformers model, is given), one accuracy per test episode, the same episodes for all.
    """
    n_per_class = check_int("n_per_class", n_per_class, min=4, max=10_000)
    pretrain_steps = check_int("pretrain_steps", pretrain_steps, min=1, max=100_000)
    meta_iterations = check_int("meta_iterations", meta_iterations, min=1, max=100_000)
    episodes = check_int("episodes", episodes, min=2, max=100_000)
    seed = check_seed("seed", seed)
    with tempfile.TemporaryDirectory(prefix="metamap_routes_") as work:
        path = realdata.write_demo_csv(os.path.join(work, "intents.csv"), n_per_class=n_per_class, seed=seed)
        task = realdata.load_real_task(path)
    split = realdata.split_task_by_class(task, 0.2, 0.3, seed=seed)
    test_eps = realdata.episode_sampler(split.test, 5, 1, 5, seed=seed).take(episodes)
    tokenizer = build_tokenizer(split.train.inputs, vocab_size=600)
    train_sampler = realdata.episode_sampler(split.train, 5, 2, 5, seed=seed)

    def course_model(pretrained: bool, meta: bool) -> ProtoNet:
        torch.manual_seed(seed)
        model = TinyTransformer(tokenizer, TransformerConfig(context=64, width=64, depth=2, heads=4))
        if pretrained:
            pretrain(model, split.train.inputs, objective="causal", steps=pretrain_steps, seed=seed, progress=False)
        learner = ProtoNet(model, outer_lr=1e-3)
        if meta:
            meta_train(learner, train_sampler, meta_batch_size=2, iterations=meta_iterations, seed=seed,
                       progress=False)
        model.eval()
        return learner

    scores = {f"TinyTransformer: {name}": realdata.episode_scores(course_model(*how).accuracy, test_eps)
              for name, how in COURSE_ROUTES.items()}
    scores["TF-IDF centroid"] = realdata.episode_scores(realdata.TfidfCentroid(split.train.inputs).accuracy,
                                                        test_eps)
    if minilm is not None:
        from . import encoders  # optional extra (sentence-transformers)

        vectors = dict(zip(split.test.inputs, encoders.SentenceEncoder(minilm).encode(split.test.inputs)))

        def minilm_accuracy(episode) -> float:
            s_x, s_y = zip(*episode.support)
            q_x, q_y = zip(*episode.query)
            pred = encoders.protonet_predict(np.stack([vectors[x] for x in s_x]), s_y,
                                             np.stack([vectors[x] for x in q_x]))
            return float(np.mean([p == y for p, y in zip(pred, q_y)]))

        scores["MiniLM frozen (pretrained at scale)"] = realdata.episode_scores(minilm_accuracy, test_eps)
    return scores
