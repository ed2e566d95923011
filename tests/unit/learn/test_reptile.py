"""reptile: the article's pull once per task, and inner steps on the support set only."""
import dataclasses

import torch

from metamap_edu.learn import ArticlePull, Reptile, adapt, fit, parameters_of, reptile_update
from metamap_edu.tasks import MappingTask, SinusoidSampler
from metamap_edu.models import SinusoidMLP


def test_reptile_is_the_article_pull_once_per_task():
    """metamap_edu.learn.ArticlePull(β), applied once after training on a task (task granularity),
    gives exactly Reptile(ε = 1 − β) with meta-batch 1 and the same inner SGD steps."""
    for beta in (0.01, 0.3, 0.9):
        torch.manual_seed(0)
        model = SinusoidMLP()
        episode = SinusoidSampler(k_shot=10).episodes(1, seed=5)[0]
        task = MappingTask(name="wave", kind="regression",
                           examples=[((float(x),), (float(y),)) for x, y in zip(episode.support["x"][:, 0], episode.support["y"][:, 0])])
        theta = {k: v.detach().clone() for k, v in parameters_of(model).items()}
        article = SinusoidMLP()
        article.load_state_dict(model.state_dict())
        pull = ArticlePull(beta)
        pull.start_task(article, 1)  # anchor θ_prev = θ
        fit(article, task, optimizer="sgd", lr=0.02, steps=4, batch_size=10, progress=False)
        pull.after_step(article)  # the pull, once, at task granularity
        Reptile(model, epsilon=1 - beta, inner_lr=0.02, inner_steps=4).step([episode])
        for (k, v), a in zip(parameters_of(model).items(), article.parameters()):
            assert torch.allclose(v, a.detach(), atol=1e-6), (beta, k)
        # and by the formula: θ + (1 − β)(φ − θ)
        phi = adapt(theta, model, episode.support, steps=4, lr=0.02)
        expected = reptile_update(theta, phi, 1 - beta)
        for k, v in parameters_of(model).items():
            assert torch.allclose(v, expected[k], atol=1e-6), (beta, k)


def test_reptile_adapts_on_the_support_set_only():
    """Changing an episode's query set changes the reported loss but not Reptile's update."""
    episode = SinusoidSampler(k_shot=5, n_query=10).episodes(1, seed=3)[0]
    other_query = {k: v.flip(0) * 3.0 + 1.0 for k, v in episode.query.items()}
    swapped = dataclasses.replace(episode, query=other_query)
    results = []
    for ep in (episode, swapped):
        torch.manual_seed(0)
        model = SinusoidMLP()
        loss = Reptile(model, epsilon=0.5, inner_lr=0.02, inner_steps=3).step([ep])
        results.append((loss, {k: v.detach().clone() for k, v in parameters_of(model).items()}))
    (loss_a, theta_a), (loss_b, theta_b) = results
    assert loss_a != loss_b  # the query set is what the loss reports on
    for k in theta_a:
        assert torch.equal(theta_a[k], theta_b[k]), k
