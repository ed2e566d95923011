"""Meta-learning proper: MAML (second and first order), Reptile and ProtoNet on ``torch.func``.

Taught in ``notebooks/05_meta_learning_proper`` (MAML, Reptile) and ``notebooks/05b_few_shot_text``
(ProtoNet on text).

Meta-learning optimizes the *starting point* θ for fast adaptation to new tasks. With one inner
gradient step on a task's support set S and evaluation on its query set Q, MAML minimizes

    L_meta(θ) = E_task[ L_Q(θ − α ∇L_S(θ)) ],

whose gradient, by the chain rule, is

    ∇L_meta(θ) = E_task[ (I − α ∇²L_S(θ)) ∇L_Q(φ) ],   φ = θ − α ∇L_S(θ).

Second-order MAML keeps the Hessian term; first-order MAML (FOMAML) drops it and uses ∇L_Q(φ).
Reptile moves θ toward the adapted parameters, θ ← θ + ε (φ − θ); the article's "pull"
``p -= β (p − p_prev)`` applied once per task is exactly Reptile with ε = 1 − β (see
:func:`reptile_update`). ProtoNet learns an embedding and classifies a query by its nearest
class mean ("prototype") in that embedding.

Everything works through the model contract of ``metamap_edu.models.base`` (``collate``/``loss``):
a tiny wrapper module whose ``forward(batch)`` returns ``model.loss(batch)`` lets
``torch.func.functional_call`` evaluate the loss at any parameter dictionary, so :func:`adapt`
is a pure function of the parameters. The tasks of a meta-batch are adapted in parallel with
``torch.func.vmap``; a model that cannot be vmapped falls back to a loop, with a one-time warning.
No module is ever cloned.
"""
from __future__ import annotations

import contextlib
import math
import random
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from .._checks import _show, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .._progress import bars_disabled

__all__ = [
    "parameters_of",
    "adapt",
    "collate_episodes",
    "MAML",
    "Reptile",
    "ProtoNet",
    "reptile_update",
    "meta_train",
    "MetaHistory",
    "evaluate_adaptation",
    "AdaptationResult",
    "mean_ci95",
    "DenseBagOfWords",
    "slot_labels",
    "relabel_episode",
    "RelabelledSampler",
]

Params = dict[str, torch.Tensor]
Batch = dict[str, torch.Tensor]

# ---------------------------------------------------------------------------------------------
# The functional core
# ---------------------------------------------------------------------------------------------


class _LossOf(nn.Module):
    """``forward(batch) = model.loss(batch)``, so that ``functional_call`` can evaluate a loss."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.model.loss(batch)


def _check_model(model: Any) -> nn.Module:
    check_type("model", model, nn.Module, "an nn.Module following the model contract (collate/loss)")
    for attr in ("loss", "collate"):
        if not callable(getattr(model, attr, None)):
            raise TypeError(f"model must define {attr}(...) (the model contract); {type(model).__name__} does not")
    return model


def parameters_of(model: nn.Module) -> Params:
    """The model's trainable parameters as a ``{name: tensor}`` dict (the θ that meta-learning moves).

    Raises ``ValueError`` for a model with no trainable parameters: there is nothing to adapt.
    """
    check_type("model", model, nn.Module)
    params = {name: p for name, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError(
            f"model {type(model).__name__} has no trainable parameters; meta-learning needs at least one"
        )
    return params


def loss_at(params: Mapping[str, torch.Tensor], model: nn.Module, batch: Batch) -> torch.Tensor:
    """L(θ; batch): ``model.loss(batch)`` evaluated with the parameters ``params`` (a pure function)."""
    check_type("params", params, Mapping, "a dict name -> tensor (dict(model.named_parameters()))")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_show(model)} of type {type(model).__name__}")
    wrapper = _LossOf(model)
    return functional_call(wrapper, {"model." + k: v for k, v in params.items()}, (batch,), strict=False)


def adapt(
    params: Mapping[str, torch.Tensor],
    model: nn.Module,
    support_batch: Batch,
    steps: int = 1,
    lr: float = 0.01,
    create_graph: bool = False,
) -> Params:
    """Formula 1, ``steps`` times: φ ← φ − lr ∇L_S(φ), starting from φ = θ = ``params``.

    A pure function: it returns new tensors and never touches ``model``'s own parameters.
    ``support_batch`` is a collated batch (``model.collate(examples, kind)``).

    ``create_graph=True`` keeps the graph through the inner gradients, so differentiating the
    result w.r.t. ``params`` gives second-order MAML's (I − α∇²L_S) factor. With ``False`` every
    inner gradient is detached: φ still depends on θ through the identity path, which gives the
    first-order (FOMAML) meta-gradient ∇L_Q(φ). Works inside ``torch.func.vmap``.
    """
    check_type("params", params, Mapping, "a dict name -> tensor (dict(model.named_parameters()))")
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {_show(model)} of type {type(model).__name__}")
    steps = check_int("steps", steps, min=0)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    check_type("create_graph", create_graph, bool)
    params = dict(params)
    if not params:
        raise ValueError("params must contain at least one tensor; got an empty dict")
    grad_fn = grad(loss_at)
    for _ in range(steps):
        grads = grad_fn(params, model, support_batch)
        if not create_graph:
            grads = {k: g.detach() for k, g in grads.items()}
        params = {k: params[k] - lr * grads[k] for k in params}
    return params


@contextlib.contextmanager
def _math_attention():
    """Second-order MAML differentiates through attention twice; on CPU only the math SDPA
    backend supports that, so meta-steps select it (a no-op for models without attention)."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError:  # pragma: no cover - old torch
        yield
        return
    with sdpa_kernel(SDPBackend.MATH):
        yield


# ---------------------------------------------------------------------------------------------
# Episodes -> stacked batches
# ---------------------------------------------------------------------------------------------


def _support_query(episode: Any) -> tuple[Any, Any]:
    if hasattr(episode, "support") and hasattr(episode, "query"):
        return episode.support, episode.query
    if isinstance(episode, (tuple, list)) and len(episode) == 2:
        return episode[0], episode[1]
    raise TypeError(
        "each episode must have .support and .query (a tasks.Episode) or be a (support, query) pair; "
        f"got {type(episode).__name__}"
    )


def _examples_and_kind(task: Any) -> tuple[list, str]:
    kind = getattr(task, "kind", None)
    if kind is None:
        raise TypeError(f"support/query sets must be MappingTasks (with .kind); got {type(task).__name__}")
    return list(task), kind


def _stack_batches(batches: Sequence[Batch]) -> Batch | None:
    keys = list(batches[0])
    if any(list(b) != keys for b in batches):
        return None
    out = {}
    for k in keys:
        shapes = {tuple(b[k].shape) for b in batches}
        if len(shapes) != 1:
            return None
        out[k] = torch.stack([b[k] for b in batches])
    return out


def _collate_group(model: nn.Module, tasks: Sequence[Any]) -> tuple[Batch | None, list[Batch]]:
    """Collate each task's examples; also return a stacked (T, ...) batch when shapes allow it.

    All tasks are first collated *together* (one padding length for text), then split back into
    tasks; this works when every task has the same number of examples and every tensor has the
    example axis first. Otherwise each task is collated alone and stacked when shapes match.
    """
    if isinstance(tasks[0], Mapping):  # already collated
        per_task = [dict(t) for t in tasks]
        return _stack_batches(per_task), per_task
    pairs = [_examples_and_kind(t) for t in tasks]
    kind = pairs[0][1]
    sizes = [len(ex) for ex, _ in pairs]
    if min(sizes) == 0:
        raise ValueError("every support and query set must contain at least one example; got an empty one")
    n, T = sizes[0], len(pairs)
    if all(s == n for s in sizes) and all(k == kind for _, k in pairs):
        joint = model.collate([e for ex, _ in pairs for e in ex], kind)
        if all(v.shape[0] == n * T for v in joint.values()):
            stacked = {k: v.reshape(T, n, *v.shape[1:]) for k, v in joint.items()}
            per_task = [{k: v[i] for k, v in stacked.items()} for i in range(T)]
            return stacked, per_task
    per_task = [model.collate(ex, k) for ex, k in pairs]
    return _stack_batches(per_task), per_task


def collate_episodes(model: nn.Module, episodes: Sequence[Any]) -> tuple[Batch | None, Batch | None, list, list]:
    """Collate a meta-batch of episodes for ``model``.

    Returns ``(support_stacked, query_stacked, support_list, query_list)``: the stacked batches have
    a leading task axis ``(T, ...)`` for ``vmap`` (``None`` when the tasks cannot be stacked),
    the lists hold one batch per task for the looped path.
    """
    check_nonempty("episodes", episodes, "at least one episode")
    sq = [_support_query(e) for e in episodes]
    s_stack, s_list = _collate_group(model, [s for s, _ in sq])
    q_stack, q_list = _collate_group(model, [q for _, q in sq])
    if s_stack is None or q_stack is None:
        s_stack = q_stack = None
    return s_stack, q_stack, s_list, q_list


_WARNED: set[str] = set()


def _warn_loop_once(model: nn.Module, reason: str) -> None:
    name = type(model).__name__
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(
            f"{name} cannot be vmapped over tasks ({reason}); adapting the tasks of each meta-batch "
            "one by one instead (same result, slower). This warning is shown once.",
            RuntimeWarning,
            stacklevel=3,
        )


def _per_task(
    fn: Callable[[Batch, Batch], Any],
    model: nn.Module,
    s_stack: Batch | None,
    q_stack: Batch | None,
    s_list: list,
    q_list: list,
    use_vmap: bool | None,
) -> tuple[Any, bool]:
    """Apply ``fn(support, query)`` to every task: vmapped when possible, else a loop.

    Returns ``(stacked results, vmapped?)``.
    """
    if use_vmap is True and s_stack is None:
        raise ValueError(
            f"vmap=True, but the tasks' collated batches for {type(model).__name__} have different shapes "
            "and cannot be stacked; use vmap=None (auto) to fall back to a loop"
        )
    if use_vmap is not False and s_stack is not None:
        try:
            return vmap(fn)(s_stack, q_stack), True
        except Exception as err:  # noqa: BLE001 - any vmap failure falls back to the loop
            if use_vmap is True:
                raise
            _warn_loop_once(model, f"{type(err).__name__}: {str(err).splitlines()[0][:120]}")
    elif use_vmap is None and s_stack is None:
        _warn_loop_once(model, "its collated tasks have different shapes")
    results = [fn(s, q) for s, q in zip(s_list, q_list)]
    if isinstance(results[0], dict):
        return {k: torch.stack([r[k] for r in results]) for k in results[0]}, False
    if isinstance(results[0], tuple):  # e.g. Reptile's (adapted params dict, loss)
        return tuple({k: torch.stack([p[k] for p in parts]) for k in parts[0]} if isinstance(parts[0], dict)
                     else torch.stack(parts) for parts in zip(*results)), False
    return torch.stack(results), False


# ---------------------------------------------------------------------------------------------
# Algorithms
# ---------------------------------------------------------------------------------------------


class MAML:
    """Model-Agnostic Meta-Learning (Finn et al., 2017); ``first_order=True`` is FOMAML.

    Meta-objective: L_meta(θ) = mean over tasks of L_Q(adapt(θ, S)), minimized with Adam
    (learning rate ``outer_lr``). ``inner_steps`` steps of size ``inner_lr`` adapt θ to each task.

    Second order (default) back-propagates through the inner gradients, i.e. through the Hessian
    ∇²L_S; first order treats the inner gradient as a constant. ``vmap=None`` adapts the tasks in
    parallel with ``torch.func.vmap`` and falls back to a loop (one warning) when the model can't
    be vmapped; ``True`` insists on vmap, ``False`` always loops.
    """

    def __init__(
        self,
        model: nn.Module,
        inner_lr: float = 0.01,
        inner_steps: int = 1,
        first_order: bool = False,
        outer_lr: float = 1e-3,
        vmap: bool | None = None,
    ):
        self.model = _check_model(model)
        parameters_of(model)
        self.inner_lr = check_float("inner_lr", inner_lr, min=0.0, min_inclusive=False)
        self.inner_steps = check_int("inner_steps", inner_steps, min=0)
        self.first_order = check_type("first_order", first_order, bool)
        self.outer_lr = check_float("outer_lr", outer_lr, min=0.0, min_inclusive=False)
        if vmap not in (None, True, False):
            raise ValueError(f"vmap must be None (auto), True or False; got {vmap!r}")
        self.vmap = vmap
        self.optimizer = torch.optim.Adam(list(parameters_of(model).values()), lr=self.outer_lr)
        self.last_vmapped: bool | None = None

    @property
    def name(self) -> str:
        return "FOMAML" if self.first_order else "MAML"

    def task_losses(self, episodes: Sequence[Any]) -> torch.Tensor:
        """Query losses L_Q(adapt(θ, S)) of every episode, shape (T,), differentiable w.r.t. θ."""
        params = parameters_of(self.model)
        model, steps, lr, second = self.model, self.inner_steps, self.inner_lr, not self.first_order

        def one(support: Batch, query: Batch) -> torch.Tensor:
            adapted = adapt(params, model, support, steps, lr, create_graph=second)
            return loss_at(adapted, model, query)

        s, q, sl, ql = collate_episodes(model, episodes)
        with _math_attention():
            losses, self.last_vmapped = _per_task(one, model, s, q, sl, ql, self.vmap)
        return losses

    def meta_gradient(self, episodes: Sequence[Any]) -> tuple[float, Params]:
        """(meta-loss, ∇θ meta-loss) for one meta-batch, without updating the model."""
        params = parameters_of(self.model)
        with _math_attention():
            loss = self.task_losses(episodes).mean()
            grads = torch.autograd.grad(loss, list(params.values()), allow_unused=True)
        out = {k: (torch.zeros_like(p) if g is None else g) for (k, p), g in zip(params.items(), grads)}
        return float(loss.detach()), out

    def step(self, episodes: Sequence[Any]) -> float:
        """One outer (meta) update on a meta-batch; returns the mean query loss after adaptation."""
        self.optimizer.zero_grad(set_to_none=True)
        with _math_attention():
            loss = self.task_losses(episodes).mean()
            loss.backward()
        self.optimizer.step()
        return float(loss.detach())


def reptile_update(theta: Mapping[str, torch.Tensor], adapted: Mapping[str, torch.Tensor], epsilon: float) -> Params:
    """Reptile's outer step θ ← θ + ε (φ − θ) = (1 − ε) θ + ε φ, for ε in (0, 1].

    The article's pull p ← p − β (p − p_prev), applied once after training on a task with
    p = φ and p_prev = θ, gives φ − β(φ − θ) = θ + (1 − β)(φ − θ): Reptile with ε = 1 − β.
    """
    epsilon = check_float("epsilon", epsilon, min=0.0, max=1.0, min_inclusive=False)
    return {k: theta[k] + epsilon * (adapted[k] - theta[k]) for k in theta}


class Reptile:
    """Reptile (Nichol et al., 2018): adapt with ``inner_steps`` SGD steps, then θ ← θ + ε (mean φ − θ).

    ε = ``epsilon`` in (0, 1]; ε = 1 jumps to the adapted parameters (plain sequential fine-tuning),
    small ε moves a little toward every task. The article's pull with β is Reptile with ε = 1 − β.
    The inner steps see the task's support examples only; the query examples never move the
    parameters and serve to report the loss after adaptation. (Nichol et al. adapt on all of a
    task's data; in a few-shot episode the support set is all the data a learner gets.)
    """

    def __init__(
        self,
        model: nn.Module,
        epsilon: float = 0.1,
        inner_lr: float = 0.01,
        inner_steps: int = 5,
        vmap: bool | None = None,
    ):
        self.model = _check_model(model)
        parameters_of(model)
        self.epsilon = check_float("epsilon", epsilon, min=0.0, max=1.0, min_inclusive=False)
        self.inner_lr = check_float("inner_lr", inner_lr, min=0.0, min_inclusive=False)
        self.inner_steps = check_int("inner_steps", inner_steps, min=0)
        if vmap not in (None, True, False):
            raise ValueError(f"vmap must be None (auto), True or False; got {vmap!r}")
        self.vmap = vmap
        self.last_vmapped: bool | None = None

    name = "Reptile"

    def step(self, episodes: Sequence[Any]) -> float:
        params = {k: p.detach() for k, p in parameters_of(self.model).items()}
        model, steps, lr = self.model, self.inner_steps, self.inner_lr

        def one(support: Batch, query: Batch):
            adapted = adapt(params, model, support, steps, lr, create_graph=False)
            return adapted, loss_at(adapted, model, query).detach()

        s, q, sl, ql = collate_episodes(model, episodes)
        with _math_attention():
            (adapted, losses), self.last_vmapped = _per_task(one, model, s, q, sl, ql, self.vmap)
        mean_phi = {k: v.mean(0) for k, v in adapted.items()}
        new = reptile_update(params, mean_phi, self.epsilon)
        with torch.no_grad():
            for k, p in parameters_of(self.model).items():
                p.copy_(new[k])
        return float(losses.mean())


class ProtoNet:
    """Prototypical networks (Snell et al., 2017) on any encoder, for classification episodes.

    Each class c gets a prototype, the mean embedding of its support examples,
    c_k = mean_{x in S_k} f(x); a query x is classified by softmax(−‖f(x) − c_k‖²) over classes.
    Equivalently a linear layer with weights 2c_k and biases −‖c_k‖² (notebooks 05b and 08).

    ``encoder`` is an ``nn.Module``; ``embed(encoder, inputs) -> (B, D)`` turns a list of raw
    inputs into embeddings. By default ``encoder.embed(inputs)`` is used if it exists, else
    ``encoder(inputs)``. Trained with Adam at ``outer_lr`` on the query cross-entropy.
    """

    name = "ProtoNet"

    def __init__(self, encoder: nn.Module, outer_lr: float = 1e-3, embed: Callable | None = None):
        check_type("encoder", encoder, nn.Module)
        params = [p for p in encoder.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"encoder {type(encoder).__name__} has no trainable parameters")
        self.model = self.encoder = encoder
        self.outer_lr = check_float("outer_lr", outer_lr, min=0.0, min_inclusive=False)
        if embed is None:
            embed = (lambda enc, xs: enc.embed(xs)) if callable(getattr(encoder, "embed", None)) else (lambda enc, xs: enc(xs))
        self.embed = embed
        self.optimizer = torch.optim.Adam(params, lr=self.outer_lr)

    def _embed(self, inputs: list) -> torch.Tensor:
        z = self.embed(self.encoder, inputs)
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[0] != len(inputs):
            raise ValueError(f"embed must return a (batch, dim) tensor with one row per input; got {getattr(z, 'shape', z)}")
        return z

    @staticmethod
    def _labels(task: Any) -> tuple[list, list]:
        ex, kind = _examples_and_kind(task)
        if kind != "classification":
            raise ValueError(f"ProtoNet needs classification episodes; got kind={kind!r}")
        return [x for x, _ in ex], [y for _, y in ex]

    def logits(self, support: Any, query_inputs: list) -> tuple[torch.Tensor, list]:
        """(logits (Q, N), class list) for query inputs given a support MappingTask."""
        xs, ys = self._labels(support)
        classes = sorted(set(ys))
        zs = self._embed(xs)  # (S, D)
        idx = torch.tensor([classes.index(y) for y in ys])
        protos = torch.stack([zs[idx == c].mean(0) for c in range(len(classes))])  # (N, D)
        zq = self._embed(list(query_inputs))  # (Q, D)
        return -torch.cdist(zq, protos).pow(2), classes

    def episode_loss(self, episode: Any) -> torch.Tensor:
        support, query = _support_query(episode)
        logits, classes = self.logits(support, [x for x, _ in query])
        missing = sorted({y for _, y in query} - set(classes))
        if missing:
            raise ValueError(f"query labels {missing} have no support examples (support classes: {classes})")
        target = torch.tensor([classes.index(y) for _, y in query])
        return nn.functional.cross_entropy(logits, target)

    def predict(self, support: Any, query_inputs: list) -> list:
        with torch.no_grad():
            logits, classes = self.logits(support, query_inputs)
        return [classes[i] for i in logits.argmax(1).tolist()]

    def accuracy(self, episode: Any) -> float:
        support, query = _support_query(episode)
        pred = self.predict(support, [x for x, _ in query])
        return sum(p == y for p, (_, y) in zip(pred, query)) / max(1, len(pred))

    def step(self, episodes: Sequence[Any]) -> float:
        check_nonempty("episodes", episodes, "at least one episode")
        self.optimizer.zero_grad(set_to_none=True)
        loss = torch.stack([self.episode_loss(e) for e in episodes]).mean()
        loss.backward()
        self.optimizer.step()
        return float(loss.detach())


# ---------------------------------------------------------------------------------------------
# A text model that vmaps, and N-way episodes relabelled to output slots
# ---------------------------------------------------------------------------------------------


class DenseBagOfWords(nn.Module):
    r"""A bag-of-words classifier whose batches have a fixed shape, so meta-batches stack and ``vmap``.

    :class:`metamap_edu.models.base.BagOfWordsClassifier` concatenates a batch's words (``EmbeddingBag``
    with offsets), so two tasks' batches have different shapes and MAML must loop over them. Here
    a sentence is its dense word-frequency vector φ(x) ∈ R^V (the same φ as that model), and

    .. math:: h(x) = \phi(x)\, E \in \mathbb R^D, \qquad p(y \mid x) = \operatorname{softmax}(W h(x) + b)

    -- the mean of the sentence's word embeddings, computed as one matrix product, which batches
    over tasks as a ``bmm``. ``embed(inputs)`` returns h(x), the encoder ProtoNet uses.
    Follows the model contract. Shapes: ``bow`` (B, V) -> logits (B, C).
    """

    kinds = ("classification",)

    def __init__(self, vocab: Any, labels: Sequence[str], embed_dim: int = 32, init_std: float = 0.1):
        super().__init__()
        from ..models.tokenizers import WordVocab

        check_type("vocab", vocab, WordVocab, "a metamap_edu.models.tokenizers.WordVocab")
        labels = tuple(labels)
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be at least two distinct class names; got {labels!r}")
        embed_dim = check_int("embed_dim", embed_dim, min=1)
        self.vocab, self.labels = vocab, labels
        self.label_to_id = {lab: i for i, lab in enumerate(labels)}
        self.emb = nn.Parameter(torch.randn(len(vocab), embed_dim) * float(init_std))  # (V, D) = E
        self.out = nn.Linear(embed_dim, len(labels))  # (C, D)

    def bow(self, inputs: Sequence[str]) -> torch.Tensor:
        """φ(x): word frequencies, one row per sentence, (B, V)."""
        rows, cols, vals = [], [], []
        for i, x in enumerate(inputs):
            ids = self.vocab.encode(check_type("x", x, str, "a str (a sentence)")) or [self.vocab.unk_id]
            rows += [i] * len(ids)
            cols += ids
            vals += [1.0 / len(ids)] * len(ids)
        out = torch.zeros(len(inputs), len(self.vocab))  # (B, V)
        out.index_put_((torch.tensor(rows), torch.tensor(cols)), torch.tensor(vals), accumulate=True)
        return out

    def features(self, bow: torch.Tensor) -> torch.Tensor:
        return bow @ self.emb  # (B, V) @ (V, D) -> (B, D)

    def forward(self, bow: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(bow))  # (B, C)

    def embed(self, inputs: Sequence[str]) -> torch.Tensor:
        return self.features(self.bow(list(inputs)))  # (B, D)

    def collate(self, examples, kind: str = "classification") -> dict[str, torch.Tensor]:
        if kind not in self.kinds:
            raise ValueError(f"DenseBagOfWords cannot serve tasks of kind {kind!r}; it serves 'classification'")
        examples = list(examples)
        check_nonempty("examples", examples, "at least one (x, y) pair")
        try:
            y = torch.tensor([self.label_to_id[lab] for _, lab in examples], dtype=torch.long)  # (B,)
        except KeyError as err:
            raise ValueError(f"label {err.args[0]!r} is not one of this model's labels {self.labels!r}") from None
        return {"bow": self.bow([x for x, _ in examples]), "y": y}

    def logits(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["bow"])

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        # cross-entropy written out, −mean log p(y|x), with a one-hot mask: under vmap this is
        # much faster than F.cross_entropy or gather (whose batched backward is slow on CPU)
        logp = torch.log_softmax(self(batch["bow"]), dim=-1)  # (B, C)
        classes = torch.arange(len(self.labels), device=logp.device)  # (C,)
        onehot = (batch["y"].unsqueeze(-1) == classes).to(logp.dtype)  # (B, C)
        return -(logp * onehot).sum(-1).mean()

    def predict(self, inputs, kind: str = "classification") -> list[str]:
        if kind not in self.kinds:
            raise ValueError(f"DenseBagOfWords cannot serve tasks of kind {kind!r}; it serves 'classification'")
        with torch.no_grad():
            return [self.labels[i] for i in self(self.bow(list(inputs))).argmax(-1).tolist()]


class _Examples(list):
    """A plain list of (x, y) pairs with a ``kind`` (what the collate path needs)."""

    def __init__(self, pairs, kind: str):
        super().__init__(pairs)
        self.kind = kind


def slot_labels(n_way: int) -> tuple[str, ...]:
    """The output slots of an N-way head: ``("0", "1", ..., "N-1")``."""
    return tuple(str(i) for i in range(check_int("n_way", n_way, min=2)))


def relabel_episode(episode: Any) -> tuple[_Examples, _Examples]:
    """Map an N-way episode's class names to output slots "0".."N-1" (in ``episode.classes`` order).

    MAML and Reptile learn an initialization for an N-way head; which class sits in which slot
    changes from episode to episode, as in the MAML paper's Omniglot/miniImageNet setup.
    """
    support, query = _support_query(episode)
    classes = tuple(getattr(episode, "classes", ()) or sorted({y for _, y in support}))
    index = {c: str(i) for i, c in enumerate(classes)}
    missing = sorted({y for _, y in list(support) + list(query)} - set(index))
    if missing:
        raise ValueError(f"episode labels {missing} are not among its classes {classes}")
    return (_Examples([(x, index[y]) for x, y in support], "classification"),
            _Examples([(x, index[y]) for x, y in query], "classification"))


class RelabelledSampler:
    """Wraps a :class:`~metamap_edu.tasks.families.EpisodeSampler`: ``sample(i)`` is episode i, relabelled
    to output slots by :func:`relabel_episode` (what MAML and Reptile train an N-way head on)."""

    def __init__(self, sampler: Any):
        if not callable(getattr(sampler, "sample", None)):
            raise TypeError(f"sampler must have sample(i) (an EpisodeSampler); got {type(sampler).__name__}")
        self.sampler = sampler

    def sample(self, i: int):
        return relabel_episode(self.sampler.sample(i))


# ---------------------------------------------------------------------------------------------
# Meta-training and evaluation
# ---------------------------------------------------------------------------------------------


@dataclass
class MetaHistory:
    """What :func:`meta_train` returns: the mean meta-batch loss at every iteration."""

    algorithm: str
    losses: list[float] = field(default_factory=list)

    def smoothed(self, window: int = 50) -> list[float]:
        window = check_int("window", window, min=1)
        out, acc = [], 0.0
        for i, v in enumerate(self.losses):
            acc += v
            if i >= window:
                acc -= self.losses[i - window]
            out.append(acc / min(i + 1, window))
        return out


def _draw(sampler: Any, rng: random.Random, index: int) -> Any:
    """One episode: ``sampler.sample(index)`` for a :class:`~metamap_edu.tasks.families.EpisodeSampler`
    (episode i is fixed by its seed), else ``sampler.sample(rng)`` or ``sampler(rng)``."""
    if type(sampler).__name__ in ("EpisodeSampler", "RelabelledSampler"):
        return sampler.sample(index)
    if hasattr(sampler, "sample") and callable(sampler.sample):
        return sampler.sample(rng)
    if callable(sampler):
        return sampler(rng)
    raise TypeError(f"sampler must be callable or have .sample(rng); got {type(sampler).__name__}")


def meta_train(
    algorithm: Any,
    sampler: Any,
    meta_batch_size: int = 25,
    iterations: int = 1000,
    seed: int = 0,
    progress: bool = True,
    lr_schedule: str = "constant",
) -> MetaHistory:
    """Run ``iterations`` outer steps of ``algorithm`` (MAML, Reptile or ProtoNet).

    Each step draws ``meta_batch_size`` episodes from ``sampler`` -- a
    :class:`~metamap_edu.tasks.families.EpisodeSampler` (episodes 0, 1, 2, ... in order), or anything with
    ``sample(rng)`` or callable as ``sampler(rng)``, with ``rng = random.Random(seed)`` -- and
    calls ``algorithm.step(episodes)``.
    A ``tqdm.auto`` bar shows progress (disabled by ``TQDM_DISABLE=1`` in headless builds).
    ``lr_schedule="cosine"`` anneals the outer learning rate of algorithms with an ``optimizer``
    (MAML, ProtoNet) from its value to a tenth of it along a half cosine.
    Stops with a clear error if the loss becomes NaN or infinite.
    """
    if not callable(getattr(algorithm, "step", None)):
        raise TypeError(f"algorithm must have a step(episodes) method (MAML, Reptile, ProtoNet); got {type(algorithm).__name__}")
    meta_batch_size = check_int("meta_batch_size", meta_batch_size, min=1)
    iterations = check_int("iterations", iterations, min=0)
    seed = check_seed("seed", seed)
    if lr_schedule not in ("constant", "cosine"):
        raise ValueError(f"lr_schedule must be one of 'constant', 'cosine'; got {lr_schedule!r}")
    optimizer = getattr(algorithm, "optimizer", None)
    base_lrs = [g["lr"] for g in optimizer.param_groups] if optimizer is not None else []
    rng = random.Random(seed)
    history = MetaHistory(algorithm=getattr(algorithm, "name", type(algorithm).__name__))
    from tqdm.auto import trange

    bar = trange(iterations, desc=history.algorithm, disable=bars_disabled(progress), leave=False)
    for it in bar:
        if lr_schedule == "cosine" and optimizer is not None:
            factor = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * it / max(1, iterations)))
            for g, lr0 in zip(optimizer.param_groups, base_lrs):
                g["lr"] = lr0 * factor
        episodes = [_draw(sampler, rng, it * meta_batch_size + j) for j in range(meta_batch_size)]
        loss = algorithm.step(episodes)
        if not math.isfinite(loss):
            from .train import DivergenceError  # a ValueError, like fit's

            lrs = {k: getattr(algorithm, k) for k in ("inner_lr", "outer_lr", "epsilon") if hasattr(algorithm, k)}
            raise DivergenceError(
                f"{history.algorithm} meta-training diverged at iteration {it} (loss={loss}); "
                f"lower the learning rates ({', '.join(f'{k}={v:g}' for k, v in lrs.items())}), e.g. by 10x",
                step=it + 1, loss=loss, lr=float(lrs.get("inner_lr", float("nan"))), history=None,
            )
        history.losses.append(loss)
        if it % 50 == 0:
            bar.set_postfix(loss=f"{loss:.3f}")
    for g, lr0 in zip(optimizer.param_groups if optimizer is not None else [], base_lrs):
        g["lr"] = lr0
    return history


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """(mean, half-width of the normal 95% confidence interval 1.96·s/√n)."""
    values = check_sequence("values", values, "a list of numbers")
    t = torch.as_tensor(list(values), dtype=torch.float64)
    if t.numel() == 0:
        raise ValueError("values must contain at least one number")
    half = 1.96 * float(t.std(unbiased=True)) / math.sqrt(t.numel()) if t.numel() > 1 else float("nan")
    return float(t.mean()), half


@dataclass
class AdaptationResult:
    """Score after 0, 1, ..., k inner steps, averaged over tasks, with 95% confidence intervals."""

    steps: list[int]
    mean: list[float]
    ci95: list[float]
    per_task: torch.Tensor  # (n_tasks, k + 1)
    metric: str

    def at(self, step: int) -> float:
        return self.mean[self.steps.index(step)]


def _metric_fn(model: nn.Module, metric: str | Callable) -> Callable[[Params, Batch], torch.Tensor]:
    if callable(metric):
        return metric
    if metric == "loss":
        return lambda p, b: loss_at(p, model, b)
    if metric == "mse":
        return lambda p, b: loss_at(p, model, b)
    if metric == "accuracy":
        if not callable(getattr(model, "logits", None)):
            raise ValueError(f"metric='accuracy' needs model.logits(batch); {type(model).__name__} has none")

        def acc(p: Params, b: Batch) -> torch.Tensor:
            logits = functional_call(_Logits(model), {"model." + k: v for k, v in p.items()}, (b,), strict=False)
            return (logits.argmax(-1) == b["y"]).float().mean()

        return acc
    raise ValueError(f"metric must be 'loss', 'mse', 'accuracy' or a callable(params, batch); got {metric!r}")


class _Logits(nn.Module):
    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.model.logits(batch)


def evaluate_adaptation(
    model: nn.Module,
    episodes: Sequence[Any],
    steps: int = 10,
    lr: float = 0.01,
    metric: str | Callable = "loss",
    params: Mapping[str, torch.Tensor] | None = None,
    vmap: bool | None = None,
) -> AdaptationResult:
    """Adapt to every episode's support set with 0..``steps`` SGD steps of size ``lr`` (formula 1)
    and score the query set after each step.

    ``metric``: ``"loss"``/``"mse"`` (``model.loss``; the MSE for regression, lower is better),
    ``"accuracy"`` (needs ``model.logits(batch)`` and a ``"y"`` label tensor) or a callable
    ``(params, query_batch) -> scalar``. ``params`` defaults to the model's own parameters.
    Returns the mean over episodes with 95% confidence intervals at every step count.
    """
    _check_model(model)
    steps = check_int("steps", steps, min=0)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    theta = {k: v.detach() for k, v in (parameters_of(model) if params is None else dict(params)).items()}
    score = _metric_fn(model, metric)

    def curve(support: Batch, query: Batch) -> torch.Tensor:
        p, out = theta, [score(theta, query)]
        for _ in range(steps):
            p = adapt(p, model, support, 1, lr)
            out.append(score(p, query))
        return torch.stack(out).detach()

    s, q, sl, ql = collate_episodes(model, episodes)
    with _math_attention():
        per_task, _ = _per_task(curve, model, s, q, sl, ql, vmap)
    per_task = per_task.detach().double()
    means, cis = [], []
    for j in range(steps + 1):
        m, h = mean_ci95(per_task[:, j].tolist())
        means.append(m)
        cis.append(h)
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")
    return AdaptationResult(list(range(steps + 1)), means, cis, per_task, name)
