r"""Pretraining on unlabeled text: the article's step 4.

Two self-supervised objectives turn plain sentences into training signal for a
:class:`~metamap_edu.models.transformer.TinyTransformer`, in the same text-to-text format its tasks use:

* **causal language modelling** -- read ``<lm>`` and write the sentence, one token at a time:

  .. math:: L_{\text{causal}}(\theta) = -\frac{1}{T}\sum_{t=1}^{T} \log p_\theta(w_t \mid w_{<t})

* **masked language modelling** (T5-style, for a decoder-only model) -- hide a fraction ``ρ`` of
  the tokens behind ``<mask>``, then write the hidden tokens after ``<sep>``:

  .. math:: L_{\text{masked}}(\theta) = -\frac{1}{|M|}\sum_{i \in M} \log p_\theta(w_i \mid \tilde w, w_{M, <i})

  where M is the set of masked positions and w̃ the sentence with them replaced by ``<mask>``.

The unlabeled :func:`metamap_edu.tasks.language.corpus` also covers domains that never appear with
labels, so what the model learns about them can only come from here.

Taught in notebooks/06_pretraining_on_unlabeled_text.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from .._checks import check_choice, check_float, check_int, check_nonempty, check_seed, check_sequence, check_type
from .train import DivergenceError
from ..models.transformer import OBJECTIVE_PREFIXES, TinyTransformer, TransformerConfig, build_tokenizer
from .._progress import bars_disabled

__all__ = [
    "OBJECTIVES",
    "PretrainResult",
    "lm_batch",
    "pretrain",
    "lm_loss",
    "new_pretraining_model",
    "nearest_tokens",
    "neighbour_agreement",
    "few_shot_accuracy",
    "sample_efficiency",
    "fit_multitask",
    "SCHEDULES",
    "learning_rate",
    "pipeline_tasks",
    "PIPELINE_COMPONENTS",
    "run_pipeline",
    "verdict_sentences",
    "verdict_gap",
    "antonym_experiment",
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
    three times the starting loss, stops training with :class:`~metamap_edu.learn.train.DivergenceError`
    after restoring the last good parameters.

    Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
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
    from tqdm.auto import tqdm

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


def nearest_tokens(model: TinyTransformer, word: str, k: int = 5, candidates: Sequence[str] | None = None) -> list[tuple[str, float]]:
    """The ``k`` words whose input embedding has the highest cosine similarity to ``word``'s.

    A word is embedded as the mean of its BPE tokens' vectors (``" word"``, with its leading
    space). ``candidates`` restricts the search to those words (default: every whole-word token).
    """
    check_type("model", model, TinyTransformer)
    check_type("word", word, str)
    k = check_int("k", k, min=1)
    E = model.token_embedding.weight.detach()  # (V, C)
    tok = model.tokenizer

    def vec(w: str) -> torch.Tensor:
        return E[tok.encode(" " + w)].mean(0)  # (C,)

    if candidates is None:
        candidates = [t[1:] for t in tok.itos if t.startswith(" ") and t[1:].isalpha() and len(t) > 2]
    candidates = [c for c in dict.fromkeys(candidates) if c != word]
    check_nonempty("candidates", candidates, "at least one word other than `word`")
    M = torch.stack([vec(c) for c in candidates])  # (N, C)
    sims = torch.nn.functional.cosine_similarity(M, vec(word)[None, :], dim=1)  # (N,)
    order = sorted(range(len(candidates)), key=lambda i: (-float(sims[i]), candidates[i]))[:k]
    return [(candidates[i], round(float(sims[i]), 6)) for i in order]


def neighbour_agreement(model: TinyTransformer, words: Sequence[str], candidates: Sequence[str],
                        same: Callable[[str, str], bool], k: int = 5) -> list[int]:
    """For each of ``words``, how many of its ``k`` nearest ``candidates`` (:func:`nearest_tokens`)
    satisfy ``same(word, neighbour)`` -- e.g. "is a music word" or "has the same polarity".

    One count per word, so two models are compared word by word with
    :func:`metamap_edu.noise.paired_difference`. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    if not callable(same):
        raise TypeError(f"same must be a function (word, neighbour) -> bool; got {same!r}")
    words = check_nonempty("words", list(words), "at least one word")
    return [sum(bool(same(w, n)) for n, _ in nearest_tokens(model, w, k=k, candidates=candidates)) for w in words]


def few_shot_accuracy(
    model: TinyTransformer,
    pool,
    test,
    k_shot: int,
    steps: int = 30,
    lr: float = 1e-3,
    seeds: Sequence[int] = (0, 1),
) -> float:
    """Mean test score after fine-tuning a copy of ``model`` on ``k_shot`` examples per class of ``pool``.

    For each seed: draw the support set (``pool.split(k_shot, ...)``), fine-tune a copy with Adam
    for ``steps`` steps on it (:func:`metamap_edu.learn.train.fit`), score it on ``test``
    (:func:`metamap_edu.learn.metrics.score`). The model itself is left unchanged.
    Taught in notebooks/06_pretraining_on_unlabeled_text (the sample-efficiency curve).
    """
    import copy

    from .metrics import score
    from .train import fit

    check_type("model", model, TinyTransformer)
    k_shot = check_int("k_shot", k_shot, min=1)
    seeds = list(seeds)
    check_nonempty("seeds", seeds, "at least one seed")
    scores = []
    for seed in seeds:
        support, _ = pool.split(k_shot, 1, seed=seed)  # the pool needs k_shot + 1 examples per class
        tuned = copy.deepcopy(model)
        fit(tuned, support, optimizer="adam", lr=lr, steps=steps, batch_size=32, seed=seed,
            eval_task=support.subset([0]), progress=False)
        scores.append(score(tuned, test))
    return float(sum(scores) / len(scores))


def sample_efficiency(
    models: dict,
    pool,
    test,
    ks: Sequence[int] = (1, 5, 10, 50),
    steps: int = 30,
    lr: float = 1e-3,
    seeds: Sequence[int] = (0, 1),
    progress: bool = True,
) -> dict[str, list[float]]:
    """``{name: [few_shot_accuracy at each K]}`` for every model in ``models`` (same supports for all)."""
    from tqdm.auto import tqdm

    check_type("models", models, dict)
    ks = [check_int("ks", k, min=1) for k in ks]
    out: dict[str, list[float]] = {name: [] for name in models}
    for k in tqdm(ks, desc="K-shot fine-tuning", disable=bars_disabled(progress), leave=False):
        for name, model in models.items():
            out[name].append(few_shot_accuracy(model, pool, test, k, steps, lr, seeds))
    return out


def fit_multitask(
    model: TinyTransformer,
    tasks: Sequence,
    steps: int = 300,
    lr: float = 2e-3,
    batch_size: int = 32,
    seed: int = 0,
    progress: bool = True,
    warmup: int = 0,
    schedule: str = "constant",
    stop_after: int | None = None,
) -> list[float]:
    """Train one text-to-text model on several tasks at once (any mix of kinds); return the losses.

    Step s trains on task ``s mod len(tasks)`` (round robin: list a task twice to give it twice
    the steps) with a seeded minibatch of ``batch_size`` examples and one Adam step (formula 1
    with Adam) at :func:`learning_rate` (``warmup`` steps, then ``schedule``). ``stop_after`` ends
    early with the schedule of the full ``steps``. Taught in notebooks/07_the_whole_pipeline.
    """
    from tqdm.auto import tqdm

    check_type("model", model, TinyTransformer)
    tasks = list(tasks)
    check_nonempty("tasks", tasks, "at least one task")
    steps = check_int("steps", steps, min=1)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    batch_size = check_int("batch_size", batch_size, min=1)
    rng = random.Random(check_seed("seed", seed))
    warmup = check_int("warmup", warmup, min=0)
    schedule = check_choice("schedule", schedule, SCHEDULES)
    run_steps = steps if stop_after is None else check_int("stop_after", stop_after, min=1, max=steps)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for step in tqdm(range(run_steps), desc="multi-task training", disable=bars_disabled(progress), leave=False):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, steps, lr, warmup, schedule)
        task = tasks[step % len(tasks)]
        examples = [task.examples[rng.randrange(len(task))] for _ in range(min(batch_size, len(task)))]
        loss = model.loss(model.collate(examples, task.kind))
        value = float(loss.detach())
        if not math.isfinite(value):
            raise DivergenceError(f"multi-task training diverged at step {step + 1} on {task.name!r}; lower lr={lr:g}",
                                  step=step + 1, loss=value, lr=lr)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(value)
    model.eval()
    return losses


def pipeline_tasks(n: int = 160, seed: int = 0) -> list:
    """Notebook 07's four tasks, one per kind the article names, in the text-to-text format.

    Topic over four domains (``n // 4`` sentences per class), sentiment about movies, NER, and
    translation into ``lumo``; ``n`` examples each. Split them with ``train_test_split``.
    (Notebook 07 now runs :mod:`metamap_edu.experiments.pipeline`, with larger tasks and the shipped ``lm`` checkpoint.)
    """
    from ..tasks import families as T
    from ..models.transformer import with_task_prefix

    n = check_int("n", n, min=8)
    seed = check_seed("seed", seed)
    return [
        with_task_prefix(T.topic_task(domains=["movies", "restaurants", "electronics", "travel"],
                                      n_per_class=n // 4, seed=seed)),
        with_task_prefix(T.sentiment_family(domains=["movies"], n_per_task=n, seed=seed)[0]),
        T.ner_task(n=n, seed=seed),
        with_task_prefix(T.translation_family(n_per_task=n, seed=seed)[0]),
    ]


#: Components notebook 07 can switch on (the article's steps 3 and 4).
PIPELINE_COMPONENTS = ("pretrain", "l2", "pull", "reptile", "maml")


def run_pipeline(
    base: TinyTransformer,
    train_tasks: Sequence,
    test_tasks: Sequence,
    corpus: Sequence[str],
    components: Sequence[str] = (),
    order: str = "pretrain-first",
    steps_per_task: int = 40,
    pretrain_steps: int = 200,
    meta_steps: int = 10,
    lr: float = 2e-3,
    lam: float = 0.1,
    beta: float = 0.01,
    seed: int = 0,
) -> dict[str, float]:
    """The article's pipeline on a copy of ``base``; returns ``{test task name: score}``.

    1. (``"pretrain"`` with ``order="pretrain-first"``) pretrain on ``corpus`` (causal LM);
    2. (``"reptile"`` / ``"maml"``) meta-learn an initialization with ``meta_steps`` outer steps,
       one episode per step, cycling over ``train_tasks`` (MAML is second order, one inner step);
    3. train on ``train_tasks`` in order (formula 1, Adam), with L2ToPrevious(``lam``)
       (``"l2"``, formula 2) or the article's pull ArticlePull(``beta``) (``"pull"``);
    4. (``"pretrain"`` with ``order="article"``) pretrain last, as the article lists the steps;

    then score every test task (:func:`metamap_edu.learn.metrics.score`). This is the stream version,
    a few dozen steps per task one after the other, which leaves every task near chance; notebook 07
    runs :func:`metamap_edu.experiments.pipeline.run_pipeline` (interleaved tasks from the shipped ``lm`` checkpoint).
    """
    import copy

    from . import meta
    from . import train
    from .metrics import score

    check_type("base", base, TinyTransformer)
    components = list(components)
    for c in components:
        check_choice("components", c, PIPELINE_COMPONENTS)
    if "l2" in components and "pull" in components:
        raise ValueError("components can hold 'l2' or 'pull', not both: they are two forms of the same pull")
    order = check_choice("order", order, ("pretrain-first", "article"))
    train_tasks, test_tasks = list(train_tasks), list(test_tasks)
    check_nonempty("train_tasks", train_tasks, "at least one task")
    check_nonempty("test_tasks", test_tasks, "at least one task")
    seed = check_seed("seed", seed)
    torch.manual_seed(seed)
    model = copy.deepcopy(base)
    if "pretrain" in components and order == "pretrain-first":
        pretrain(model, corpus, steps=pretrain_steps, seed=seed, progress=False)
    for name, algo in (("reptile", lambda: meta.Reptile(model, epsilon=0.5, inner_lr=lr, inner_steps=3, vmap=False)),
                       ("maml", lambda: meta.MAML(model, inner_lr=0.05, inner_steps=1, outer_lr=lr, vmap=False))):
        if name in components:
            learner = algo()
            for s in range(meta_steps):
                task = train_tasks[s % len(train_tasks)]
                k = 2 if task.kind == "classification" else 4
                support, query = task.split(k, k, seed=seed + s)
                learner.step([(support, query)])
    regularizer = train.L2ToPrevious(lam) if "l2" in components else train.ArticlePull(beta) if "pull" in components else None
    for t, task in enumerate(train_tasks):
        if regularizer is not None:
            regularizer.start_task(model, t)
        train.fit(model, task, optimizer="adam", lr=lr, steps=steps_per_task, batch_size=32, seed=seed + t,
                  eval_task=task.subset([0]), regularizer=regularizer, progress=False)
        if regularizer is not None:
            regularizer.end_task(model, task, t)
    if "pretrain" in components and order == "article":
        pretrain(model, corpus, steps=pretrain_steps, seed=seed, progress=False)
    return {task.name: round(float(score(model, task)), 6) for task in test_tasks}


def verdict_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` tiny reviews ``"the <noun> was <adj> overall it was <verdict>"`` whose two adjectives agree.

    Both adjectives are shared sentiment words of the same polarity (half the reviews positive),
    so the only thing that tells positive words from negative ones is which words occur *together*.
    """
    from ..tasks.language import ALL_DOMAINS, LEXICON, SHARED_NEGATIVE, SHARED_POSITIVE

    n = check_int("n", n, min=1)
    rng = random.Random(check_seed("seed", seed))
    nouns = [w for d in ALL_DOMAINS for w in LEXICON[d].nouns]
    out = []
    for _ in range(n):
        words = SHARED_POSITIVE if rng.random() < 0.5 else SHARED_NEGATIVE
        out.append(f"the {rng.choice(nouns)} was {rng.choice(words)} overall it was {rng.choice(words)}")
    return out


def verdict_gap(model: TinyTransformer, adjective: str, noun: str = "hotel") -> float:
    r"""How much more the model expects a positive verdict after ``adjective`` than a negative one.

    .. math:: \log\sum_{v \in V^+} p(v \mid s) - \log\sum_{v \in V^-} p(v \mid s),\quad
              s = \text{"the } noun \text{ was } adjective \text{ overall it was"}

    with V⁺ / V⁻ the shared positive / negative words. 0 means the model cannot tell them apart.
    """
    from ..tasks.language import SHARED_NEGATIVE, SHARED_POSITIVE

    check_type("model", model, TinyTransformer)
    tok = model.tokenizer
    prompt = [tok.stoi[OBJECTIVE_PREFIXES["causal"]]] + tok.encode(f" the {noun} was {adjective} overall it was")
    verdicts = list(SHARED_POSITIVE) + list(SHARED_NEGATIVE)
    batch = model.pack([prompt] * len(verdicts), [tok.encode(" " + v) for v in verdicts])
    scores = model.sequence_logprob(batch)  # (N,)
    k = len(SHARED_POSITIVE)
    return float(torch.logsumexp(scores[:k], 0) - torch.logsumexp(scores[k:], 0))


def antonym_experiment(tie_embeddings: bool, steps: int = 400, n: int = 20_000, seed: int = 0,
                       probes: Sequence[str] = ("great", "superb", "terrible", "awful"),
                       progress: bool = True) -> dict[str, float]:
    """Pretrain a fresh model on :func:`verdict_sentences`; return ``{probe word: verdict_gap}``.

    With tied embeddings one vector both reads and writes a word, and words that are written in
    identical contexts (every positive and every negative adjective here) are pulled to the same
    vector: the model cannot tell *great* from *awful*. Untied, the input vectors are free to take
    the polarity that predicts the verdict. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    from ..models.transformer import TransformerConfig

    check_type("tie_embeddings", tie_embeddings, bool)
    sentences = verdict_sentences(n, seed=seed)
    model = new_pretraining_model(sentences, config=TransformerConfig(tie_embeddings=tie_embeddings),
                                  vocab_size=600, seed=seed)
    pretrain(model, sentences, steps=steps, seed=seed, progress=progress)
    return {w: verdict_gap(model, w) for w in probes}
