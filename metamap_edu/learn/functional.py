r"""The functional core of meta-learning: θ as a dict, the inner loop as a pure function, meta-batches.

The inner loop is formula 1 on a task's support set S, written as a pure function of the
parameters so that an outer loop can differentiate through it:

.. math:: \phi_0 = \theta, \qquad \phi_{k+1} = \phi_k - \alpha \nabla_\phi L_S(\phi_k)

(:func:`adapt`). A tiny wrapper module whose ``forward(batch)`` returns ``model.loss(batch)`` lets
``torch.func.functional_call`` evaluate the loss at any parameter dictionary (:func:`loss_at`).
The tasks of a meta-batch are collated into stacked batches (:func:`collate_episodes`) and adapted
in parallel with ``torch.func.vmap``; a model that cannot be vmapped falls back to a loop, with a
one-time warning. No module is ever cloned. N-way episodes are relabelled to output slots
"0".."N-1" (:func:`relabel_episode`) for the N-way heads MAML and Reptile train.

Used by :mod:`metamap_edu.learn.maml`, :mod:`~metamap_edu.learn.reptile` and
:mod:`~metamap_edu.learn.meta_training`. Taught in notebooks/05_meta_learning_proper.
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from .._checks import _show, check_float, check_int, check_nonempty, check_type

__all__ = [
    "parameters_of",
    "loss_at",
    "adapt",
    "collate_episodes",
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
    try:  # inside: torch.nn.attention is missing from old torch versions
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
# N-way episodes relabelled to output slots
# ---------------------------------------------------------------------------------------------


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
    """Wraps a :class:`~metamap_edu.tasks.EpisodeSampler`: ``sample(i)`` is episode i, relabelled
    to output slots by :func:`relabel_episode` (what MAML and Reptile train an N-way head on)."""

    def __init__(self, sampler: Any):
        if not callable(getattr(sampler, "sample", None)):
            raise TypeError(f"sampler must have sample(i) (an EpisodeSampler); got {type(sampler).__name__}")
        self.sampler = sampler

    def sample(self, i: int):
        return relabel_episode(self.sampler.sample(i))
