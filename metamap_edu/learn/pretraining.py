r"""Pretraining on unlabeled text: the article's step 4.

Two self-supervised objectives turn plain sentences into training signal for a
:class:`~metamap_edu.models.transformer.TinyTransformer`, in the same text-to-text format its tasks use:

* **causal language modelling** -- read ``<lm>`` and write the sentence, one token at a time:

  .. math:: L_{\text{causal}}(\theta) = -\frac{1}{T}\sum_{t=1}^{T} \log p_\theta(w_t \mid w_{<t})

* **masked language modelling** (T5-style, for a decoder-only model) -- hide a fraction ``ρ`` of
  the tokens behind ``<mask>``, then write the hidden tokens after ``<sep>``:

  .. math:: L_{\text{masked}}(\theta) = -\frac{1}{|M|}\sum_{i \in M} \log p_\theta(w_i \mid \tilde w, w_{M, <i})

  where M is the set of masked positions and w̃ the sentence with them replaced by ``<mask>``.

The unlabeled :func:`metamap_edu.tasks.corpus` also covers domains that never appear with
labels, so what the model learns about them can only come from here.

Taught in notebooks/06_pretraining_on_unlabeled_text.
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .._progress import bars_disabled
from ..models import OBJECTIVE_PREFIXES, TinyTransformer, TransformerConfig, build_tokenizer, check_model
from .fit import DivergenceError

__all__ = [
    "OBJECTIVES",
    "PretrainResult",
    "lm_batch",
    "pretrain",
    "lm_loss",
    "new_pretraining_model",
    "SCHEDULES",
    "learning_rate",
]


#: The pretraining objectives :func:`pretrain` knows.
OBJECTIVES = ("causal", "masked")


@dataclass
class PretrainResult:
    """What :func:`pretrain` records: the objective, the loss of every step, tokens seen."""

    objective: str
    losses: list[float] = field(default_factory=list)
    tokens_seen: int = 0

    @property
    def final_loss(self) -> float:
        """Mean loss of the last 10 % of steps (less noisy than the very last step)."""
        if not self.losses:
            return float("nan")
        tail = self.losses[-max(1, len(self.losses) // 10) :]
        return float(sum(tail) / len(tail))


#: Learning-rate schedules of :func:`pretrain` and :func:`fit_multitask`.
SCHEDULES = ("constant", "cosine")


def learning_rate(step: int, steps: int, lr: float, warmup: int = 0, schedule: str = "constant") -> float:
    r"""The learning rate of step ``step`` (0-based) of ``steps``: linear warm-up, then the schedule.

    .. math:: \alpha_s = \alpha \cdot \min\big(1, \tfrac{s+1}{w}\big) \cdot
              \begin{cases} 1 & \text{constant} \\ \tfrac12\big(1 + \cos\tfrac{\pi s}{S}\big) & \text{cosine} \end{cases}
    ``steps`` ≥ 1, 0 ≤ ``step`` < ``steps``, ``lr`` > 0, ``warmup`` ≥ 0 and ``schedule`` one of
    :data:`SCHEDULES`; anything else raises a ``ValueError``/``TypeError`` naming the argument.
    """
    steps = check_int("steps", steps, min=1)
    step = check_int("step", step, min=0, max=steps - 1)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    warmup = check_int("warmup", warmup, min=0)
    check_choice("schedule", schedule, SCHEDULES)
    scale = min(1.0, (step + 1) / warmup) if warmup > 0 else 1.0
    if schedule == "cosine":
        scale *= 0.5 * (1.0 + math.cos(math.pi * step / steps))
    return lr * scale


def _check_objective(objective: str) -> str:
    return check_choice("objective", objective, OBJECTIVES)


def lm_batch(
    model: TinyTransformer,
    sentences: Sequence[str],
    objective: str = "causal",
    mask_prob: float = 0.15,
    rng: random.Random | None = None,
) -> dict[str, torch.Tensor]:
    """One pretraining batch in the model's format (``ids``, ``targets``, ``input_mask``).

    causal: prompt ``<lm>``, output = the sentence + ``<eos>`` (every token is predicted).
    masked: prompt ``<mlm> w̃ <sep>``, output = the masked tokens in order + ``<eos>``; at least
    one token per sentence is masked. Sentences too long for ``model.config.context`` are cut.
    """
    check_type("model", model, TinyTransformer)
    _check_objective(objective)
    mask_prob = check_float("mask_prob", mask_prob, min=0.0, max=1.0, min_inclusive=False)
    sentences = list(sentences)
    check_nonempty("sentences", sentences, "at least one sentence")
    rng = rng if rng is not None else random.Random(0)
    tok = model.tokenizer
    prompts, outputs = [], []
    context = model.config.context
    for s in sentences:
        ids = tok.encode(" " + s)
        if not ids:
            continue
        if objective == "causal":
            ids = ids[: context - 2]  # a sentence longer than the context is cut: <lm> ids <eos>
            prompts.append([tok.stoi[OBJECTIVE_PREFIXES["causal"]]])
            outputs.append(ids + [tok.eos_id])
        else:
            ids = ids[: max(1, int((context - 3) / (1 + mask_prob)))]  # room for <mlm> ids <sep> hidden <eos>
            masked = [i for i in range(len(ids)) if rng.random() < mask_prob] or [rng.randrange(len(ids))]
            masked = masked[: max(1, context - 3 - len(ids))]
            hidden = set(masked)
            corrupted = [tok.mask_id if i in hidden else t for i, t in enumerate(ids)]
            prompts.append([tok.stoi[OBJECTIVE_PREFIXES["masked"]]] + corrupted + [tok.sep_id])
            outputs.append([ids[i] for i in masked] + [tok.eos_id])
    if not prompts:
        raise ValueError("sentences must contain some text; every sentence is empty")
    return model.pack(prompts, outputs)


def lm_loss(
    model: TinyTransformer,
    sentences: Sequence[str],
    objective: str = "causal",
    batch_size: int = 64,
    mask_prob: float = 0.15,
    seed: int = 0,
) -> float:
    """Mean pretraining loss of ``model`` on ``sentences`` (no gradient; masks drawn from ``seed``)."""
    check_type("model", model, TinyTransformer)
    sentences = check_sequence("sentences", sentences, "a list of str")
    _check_objective(objective)
    sentences = list(sentences)
    check_nonempty("sentences", sentences, "at least one sentence")
    rng = random.Random(check_seed("seed", seed))
    total, count = 0.0, 0
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            for i in range(0, len(sentences), batch_size):
                batch = lm_batch(model, sentences[i : i + batch_size], objective, mask_prob, rng)
                n = int((batch["targets"] != -100).sum())
                total += float(model.loss(batch)) * n
                count += n
    finally:
        model.train(was)
    return total / max(count, 1)


def pretrain(
    model: TinyTransformer,
    corpus: Sequence[str],
    objective: str = "causal",
    steps: int = 300,
    batch_size: int = 32,
    lr: float = 3e-3,
    weight_decay: float = 0.01,
    mask_prob: float = 0.15,
    seed: int = 0,
    progress: bool = True,
    max_grad_norm: float = 1.0,
    schedule: str = "constant",
    stop_after: int | None = None,
) -> PretrainResult:
    """Pretrain ``model`` in place on unlabeled ``corpus`` with ``objective``; return the loss history.

    Each step draws ``batch_size`` sentences (seeded), computes the objective's loss and takes
    one AdamW step (linear warm-up over the first 5 % of steps, then a constant learning rate or,
    with ``schedule="cosine"``, lr·½(1 + cos(π s / steps)); gradient norm clipped at
    ``max_grad_norm``). ``stop_after`` ends the run early at that step with the schedule of the
    full ``steps`` (the first steps of a long recipe, exactly). Weight decay applies to matrices only, not to biases, LayerNorm gains or
    position vectors (decaying those only hurts). A non-finite loss, or a loss that grows past
    three times the starting loss, stops training with :class:`~metamap_edu.learn.fit.DivergenceError`
    after restoring the last good parameters.

    Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    check_model(model)  # the course model contract, then what a language model needs on top
    check_type("model", model, TinyTransformer)
    objective = _check_objective(objective)
    corpus = list(corpus)
    check_nonempty("corpus", corpus, "at least one sentence (the corpus is empty)")
    steps = check_int("steps", steps, min=1)
    batch_size = check_int("batch_size", batch_size, min=1)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    weight_decay = check_float("weight_decay", weight_decay, min=0.0)
    mask_prob = check_float("mask_prob", mask_prob, min=0.0, max=1.0, min_inclusive=False)
    seed = check_seed("seed", seed)
    max_grad_norm = check_float("max_grad_norm", max_grad_norm, min=0.0, min_inclusive=False)
    schedule = check_choice("schedule", schedule, SCHEDULES)
    run_steps = steps if stop_after is None else check_int("stop_after", stop_after, min=1, max=steps)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "position" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "position" not in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    warmup = max(1, steps // 20)
    rng = random.Random(seed)
    result = PretrainResult(objective)
    good = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.train()
    bar = tqdm(range(run_steps), desc=f"pretraining ({objective})", disable=bars_disabled(progress), leave=False)
    for step in bar:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, lr, warmup, schedule)
        batch = lm_batch(model, [corpus[rng.randrange(len(corpus))] for _ in range(batch_size)], objective, mask_prob, rng)
        loss = model.loss(batch)
        value = float(loss.detach())
        limit = 3.0 * result.losses[0] if result.losses else math.inf
        if not math.isfinite(value) or value > limit:
            model.load_state_dict(good)
            raise DivergenceError(
                f"pretraining diverged at step {step + 1}: loss {value:.3g} (it started at "
                f"{result.losses[0] if result.losses else float('nan'):.3g}); lower lr={lr:g}",
                step=step + 1,
                loss=value,
                lr=lr,
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        result.losses.append(value)
        result.tokens_seen += int(batch["ids"].ne(model.tokenizer.pad_id).sum())
        if (step + 1) % 50 == 0:
            good = {k: v.detach().clone() for k, v in model.state_dict().items()}
            bar.set_postfix(loss=f"{value:.3f}")
    model.eval()
    return result


def new_pretraining_model(
    corpus: Sequence[str],
    tasks: Sequence = (),
    config: TransformerConfig | None = None,
    vocab_size: int = 2400,
    seed: int = 0,
) -> TinyTransformer:
    """A fresh :class:`TinyTransformer` whose BPE tokenizer is trained on ``corpus`` and ``tasks``.

    Weights are initialized from ``seed``, so a pretrained model and a from-scratch model built
    with the same arguments start from the same θ₀.
    """
    corpus = check_sequence("corpus", corpus, "a list of str")
    tasks = check_sequence("tasks", tasks, "a list of MappingTasks")
    corpus = list(corpus)
    check_nonempty("corpus", corpus, "at least one sentence (the corpus is empty)")
    tokenizer = build_tokenizer(corpus, tasks, vocab_size=vocab_size)
    torch.manual_seed(check_seed("seed", seed))
    return TinyTransformer(tokenizer, config)
