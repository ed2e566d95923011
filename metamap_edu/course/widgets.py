"""Interactive explorers for the notebooks, built with ipywidgets on top of :mod:`metamap_edu.course.viz`.

Each explorer is two parts:

* a *view* -- a plain function from the knob values to a :class:`View` (a matplotlib figure and
  a short text). It knows nothing about widgets, so it is unit-tested like any function and a
  notebook can call it directly to show a static result;
* a *builder* that wires ipywidgets controls to the view and returns the widget to display.

ipywidgets is imported inside the builders only: importing this module never needs a front end.
Each helper of the course adds its explorers in a section headed ``# ---- notebook NN: topic ----``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import matplotlib.pyplot as plt

from .._checks import _show, check_choice, check_float, check_int, check_seed, check_sequence, check_type

__all__: list[str] = ["View", "interactive_view", "static_html", "STATIC_HINT"]  # each section below appends its public names


#: view texts are wrapped at word boundaries to this width (a notebook's output area would
#: otherwise break long lines in the middle of a word)
TEXT_WIDTH = 100


def _wrap(text: str, width: int = TEXT_WIDTH) -> str:
    """Wrap each line of ``text`` longer than ``width`` at word boundaries (continuations indented)."""
    import textwrap

    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out.append(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False))
    return "\n".join(out)


class View(NamedTuple):
    """What a view function returns: a figure (or None) and a text to print under it."""

    figure: Any
    text: str


def _stream_output(text: str) -> dict:
    """An nbformat stdout output, as an ``Output`` widget stores it."""
    return {"output_type": "stream", "name": "stdout", "text": text}


def _display_output(obj) -> dict:
    """An nbformat display_data output for ``obj`` (a figure becomes image/png + text/plain).

    A matplotlib figure is drawn once, straight to PNG at its own size and resolution (its
    layout engine places the labels), which is what keeps a widget update fast.
    """
    if hasattr(obj, "savefig"):
        import base64
        import io

        buffer = io.BytesIO()
        obj.savefig(buffer, format="png")
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        return {"output_type": "display_data", "data": {"image/png": png, "text/plain": "<Figure>"},
                "metadata": {}}
    try:
        from IPython.core.formatters import format_display_data

        data, metadata = format_display_data(obj)
    except Exception:  # no IPython display machinery: fall back to the text form
        data, metadata = {"text/plain": repr(obj)}, {}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def _module_type():
    from torch import nn

    return nn.Module


#: The one line a widget shows where its controls cannot run yet (a notebook opened before its
#: cells run, a static page): the picture under it is the widget's first result.
STATIC_HINT = "Run this cell to use the controls: until then this is a picture of the widget's first result."
_HINT_CLASS = "mm-widget-hint"


def _control_label(control) -> str:
    """``description = value`` for the static picture's caption (a dropdown shows its label)."""
    value = getattr(control, "label", None)
    if value is None:
        value = control.value
        if isinstance(value, float):
            value = f"{value:.3g}"
    name = getattr(control, "description", "") or "value"
    return f"{name} = {value}"


def static_html(outputs, controls=()) -> str:
    """The HTML a widget cell shows before it runs: the hint, the knob values, the outputs.

    ``outputs`` are nbformat outputs as :func:`interactive_view` stores them (a PNG figure and
    a text); ``controls`` are the widget's controls, whose values the caption names. The
    picture is inlined (``data:image/png``), so the cell needs no file and no running kernel.
    """
    import html

    outputs = check_sequence("outputs", outputs, "a list of nbformat outputs (dicts)")
    for output in outputs:
        check_type("outputs", output, dict, "a list of nbformat outputs (dicts)")
    controls = check_sequence("controls", controls, "a list of ipywidgets controls")
    knobs = "; ".join(_control_label(c) for c in controls)
    parts = [f'<div class="mm-static-widget"><p class="{_HINT_CLASS}"><em>{html.escape(STATIC_HINT)}</em>'
             + (f" ({html.escape(knobs)})" if knobs else "") + "</p>"]
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data:
            parts.append(f'<img src="data:image/png;base64,{data["image/png"]}" '
                         f'alt="the widget\'s picture for {html.escape(knobs or "its first setting")}">')
        elif output.get("output_type") == "stream":
            parts.append(f"<pre>{html.escape(output.get('text', ''))}</pre>")
        elif "text/plain" in data:
            parts.append(f"<pre>{html.escape(str(data['text/plain']))}</pre>")
    parts.append("</div>")
    return "\n".join(parts)


def interactive_view(view: Callable[..., View], controls: dict[str, Any], *, cache_size: int = 64,
                     **fixed: Any):
    """Wire ipywidgets ``controls`` (name -> widget) to ``view(**values, **fixed)``; return a VBox.

    The figure and the text are drawn into an ``Output`` area, which is replaced on every change;
    an error raised by the view is printed there too, so the kernel always stays alive.

    What a learner sees is ONE result per cell. Displayed, the box is one output whose bundle
    holds the live widget and, for a front end that cannot show the widget yet (a notebook opened
    before it runs, which JupyterLab does not trust with widgets, or a static page), an HTML
    picture of its current result with the one-line :data:`STATIC_HINT`. A live session shows
    the widget; the picture stands in for it until the cell runs.

    The results of the last ``cache_size`` settings are kept (views are deterministic: the same
    knobs give the same picture), so moving a knob back is instant.

    The ``Output`` area is filled by setting its ``outputs`` on the kernel side, not with
    ``with out: display(...)``: captured displays reach headless runners (nbval, papermill) as
    ordinary cell outputs, which a browser never shows, so stored and re-run outputs would differ.
    """
    if not callable(view):
        raise TypeError(f"view must be a function returning a View; got {_show(view)}")
    check_type("controls", controls, dict, "a dict name -> ipywidget")
    import ipywidgets as w

    from .._checks import check_int

    cache_size = check_int("cache_size", cache_size, min=0, max=10_000)
    out = w.Output()
    cache: dict[Any, tuple] = {}

    def key_of(values):
        try:
            key = tuple(sorted(values.items()))
            hash(key)
            return key
        except TypeError:  # an unhashable knob value: no caching for it
            return None

    def refresh(*_):
        values = {name: c.value for name, c in controls.items()}
        key = key_of(values)
        if key is not None and key in cache:
            out.outputs = cache[key]
            return
        try:
            result = view(**values, **fixed)
        except Exception as err:  # show the message, keep the widget alive
            out.outputs = (_stream_output(f"{type(err).__name__}: {err}\n"),)
            return
        outputs = []
        if result.figure is not None:
            outputs.append(_display_output(result.figure))
            plt.close(result.figure)
        outputs.append(_stream_output(f"{_wrap(result.text)}\n"))
        out.outputs = tuple(outputs)
        if key is not None and cache_size:
            if len(cache) >= cache_size:
                cache.pop(next(iter(cache)))
            cache[key] = out.outputs

    for c in controls.values():
        c.observe(refresh, names="value")
    refresh()
    return _LiveBox([*controls.values(), out], static=lambda: static_html(out.outputs, controls.values()))


def _LiveBox(children, static: Callable[[], str]):
    """A VBox whose display bundle adds the static HTML picture and a one-line plain-text hint."""
    import ipywidgets as w

    class LiveView(w.VBox):
        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            if data is None:  # a closed widget
                return None
            bundle = data[0] if isinstance(data, tuple) else data
            bundle["text/html"] = static()
            bundle["text/plain"] = STATIC_HINT
            return data

    return LiveView(children)


# ---- notebook 02-04: formula 1, a stream of tasks, the L2 bridge ----
__all__ += [
    "alpha_view",
    "alpha_slider",
    "lambda_view",
    "lambda_slider",
    "stream_view",
    "stream_explorer",
    "task_orders",
]


def _f64(value):
    """A float64 tensor from a tensor, array or nested list."""
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().to(torch.float64)
    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def _regression_xy(task) -> tuple[Any, Any]:
    """``(X, y)`` float64 with X = [x, 1] for a 1-input, 1-output regression task."""
    from ..learn.closed_form import add_bias_column

    X, Y = task.tensors()
    if X.dim() != 2 or X.shape[1] != 1 or Y.dim() != 2 or Y.shape[1] != 1:
        raise ValueError(f"task must map one number to one number; got inputs {tuple(X.shape)} and outputs {tuple(Y.shape)}")
    return add_bias_column(X.double()), Y.double().reshape(-1)


def _PathRecorder():
    """A do-nothing regularizer whose ``after_step`` hook records θ after every step (float64)."""
    from ..models.base import flat_params
    from ..learn import Regularizer

    class PathRecorder(Regularizer):
        def __init__(self):
            super().__init__()
            self.path = []

        def after_step(self, model):
            self.path.append(flat_params(model).double())

    return PathRecorder()


def alpha_view(alpha: float, task, steps: int = 40, start=(-2.0, 3.0)) -> View:
    r"""Gradient descent with learning rate ``alpha`` on a 1-D regression task, drawn on its loss surface.

    Runs formula 1, :math:`\theta \leftarrow \theta - \alpha\nabla L(\theta)` with
    :math:`L(w, b) = \frac1n\sum_i (w x_i + b - y_i)^2`, for ``steps`` full-batch steps of
    :func:`metamap_edu.learn.fit` on a :class:`~metamap_edu.models.base.LinearMap` started at ``start``
    = (w, b), recording θ after each step. The text classifies the run against the stability limit
    :math:`\alpha < 2/h_{\max}` (:math:`h_{\max}` = largest eigenvalue of the Hessian
    :math:`\frac2n X^\top X`): too small, good, diverging, or diverged. θ is recorded by a
    regularizer that only uses the ``after_step`` hook. A divergence raised by the
    library (:class:`~metamap_edu.learn.DivergenceError`) is caught and its message shown.
    Taught in ``notebooks/02_learning_one_mapping``.
    """
    import numpy as np
    import torch

    from .._checks import check_float, check_int
    from ..learn.closed_form import least_squares, max_stable_lr, mse_objective, stiffest_curvature
    from ..models.base import LinearMap, set_flat_params
    from ..learn import DivergenceError, fit
    from .viz import plot_loss_curves, plot_loss_surface

    alpha = check_float("alpha", alpha, min=0.0, min_inclusive=False)
    steps = check_int("steps", steps, min=1, max=10_000)
    X, y = _regression_xy(task)
    theta_star = least_squares(X, y)
    best = mse_objective(X, y, theta_star)
    h_max = stiffest_curvature(X)
    limit = max_stable_lr(X)  # 2 / h_max

    model = LinearMap(1, 1)
    set_flat_params(model, torch.tensor([float(v) for v in start], dtype=torch.float32))
    recorder = _PathRecorder()
    recorder.after_step(model)  # θ_0
    error = None
    try:
        fit(model, task, optimizer="sgd", lr=alpha, steps=steps, batch_size=len(task), regularizer=recorder,
            progress=False)
    except DivergenceError as err:
        error = err
    path = [theta for theta in recorder.path if bool(torch.isfinite(theta).all())]
    losses = [mse_objective(X, y, theta) for theta in path]

    # fixed margins, not a layout engine: laying the figure out again on every draw doubled the
    # time a slider move takes
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.2))
    fig.subplots_adjust(left=0.065, right=0.985, bottom=0.12, top=0.92, wspace=0.2)
    P = torch.stack(path).numpy()
    start_arr = np.asarray(start, float)
    span = max(2.5 * float(np.abs(start_arr - theta_star.numpy()).max()), 1.0)
    view = (theta_star.numpy() - span / 2, theta_star.numpy() + span / 2)
    plot_loss_surface(X.numpy(), y.numpy(), P, labels=("weight $w$", "bias $b$"), view=view,
                      title=f"α = {alpha:.3g}: the path of θ", ax=ax1)
    plot_loss_curves({f"α = {alpha:.3g}": losses}, ylabel="loss $L(\\theta)$", title="loss per step", ax=ax2)
    ax2.axhline(best, color="black", linestyle=":", linewidth=1, label="minimum")
    # ticks at the powers of 10 only, with plain labels: a log axis's minor-tick labels in TeX take
    # most of the time to draw this figure, which a widget redraws on every move of the slider
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax2.yaxis.set_major_locator(LogLocator(base=10))
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax2.yaxis.set_minor_locator(NullLocator())
    ax2.legend(fontsize=8)

    head = f"alpha = {alpha:.3g}; gradient descent is stable for alpha < 2 / h_max = {limit:.3f}.\n"
    if error is not None:
        text = head + f"DIVERGED after {len(path) - 1} steps. The library stopped with:\n  {error}"
    elif losses[-1] > losses[0]:
        text = head + (f"DIVERGING: the loss grew from {losses[0]:.3g} to {losses[-1]:.3g} in {steps} steps "
                       f"(each step multiplies the error along the stiffest direction by |1 - alpha*h_max| = "
                       f"{abs(1 - alpha * h_max):.2f} > 1).")
    elif losses[-1] - best > 0.05 * (losses[0] - best):
        text = head + (f"TOO SMALL: after {steps} steps the loss is {losses[-1]:.3f}, still "
                       f"{losses[-1] - best:.3f} above its minimum {best:.3f}.")
    else:
        text = head + f"GOOD: after {steps} steps the loss is {losses[-1]:.4f}; the minimum is {best:.4f}."
    return View(fig, _wrap(text))


def alpha_slider(task, steps: int = 40, start=(-2.0, 3.0), alpha: float = 0.1, min_exp: float = -3.0, max_exp: float = 0.5):
    """An α slider (log scale, ``10**min_exp`` to ``10**max_exp``) driving :func:`alpha_view`."""
    from ..tasks.families import MappingTask

    check_type("task", task, MappingTask)
    steps = check_int("steps", steps, min=1, max=10_000)
    import ipywidgets as w

    slider = w.FloatLogSlider(value=alpha, base=10, min=min_exp, max=max_exp, step=0.05, description="α",
                              continuous_update=False, readout_format=".3g")
    return interactive_view(alpha_view, {"alpha": slider}, task=task, steps=steps, start=start)


def lambda_view(lam: float, X, y, theta_prev, lams=None) -> View:
    r"""Formula 2's exact answer on a 2-parameter task: θ_t moves from the task optimum to θ_{t−1} as λ grows.

    :math:`\theta_t = \arg\min_\theta \frac1n\|X\theta - y\|^2 + \lambda\|\theta - \theta_{t-1}\|^2`
    from :func:`metamap_edu.learn.closed_form.ridge_toward`, drawn over the new task's loss contours with
    the whole path :math:`\lambda \mapsto \theta_t(\lambda)`. ``X`` is ``(n, 2)``.
    Taught in ``notebooks/04_staying_close_the_l2_bridge``.
    """
    import numpy as np

    from .._checks import check_float
    from ..learn.closed_form import least_squares, mse_objective, ridge_toward
    from .viz import plot_ridge_path

    lam = check_float("lam", lam, min=0.0)
    X, y, prev = (_f64(v) for v in (X, y, theta_prev))
    if X.dim() != 2 or X.shape[1] != 2:
        raise ValueError(f"X must be an (n, 2) array for the 2-D picture; got shape {tuple(X.shape)}")
    y, prev = y.reshape(-1), prev.reshape(-1)
    theta = ridge_toward(X, y, prev, lam)
    star = least_squares(X, y)
    lams = np.r_[0.0, np.geomspace(1e-3, 1e3, 60)] if lams is None else np.asarray(lams, float)
    fig = plot_ridge_path(X.numpy(), y.numpy(), prev.numpy(), lams, lam=lam, theta_lam=theta.numpy(),
                          title=f"λ = {lam:.3g}")
    total = float((star - prev).norm())
    moved = float((theta - prev).norm())
    text = (f"lambda = {lam:.3g}: theta_t = ({theta[0]:.3f}, {theta[1]:.3f}); "
            f"new-task loss {mse_objective(X, y, theta):.3f} (its minimum is {mse_objective(X, y, star):.3f});\n"
            f"  ||theta_t - theta_prev|| = {moved:.3f}, {moved / total if total > 0 else 0.0:.0%} of the distance "
            f"to the new optimum.")
    return View(fig, text)


def lambda_slider(X, y, theta_prev, lam: float = 1.0, min_exp: float = -3.0, max_exp: float = 3.0):
    """A λ slider (log scale) driving :func:`lambda_view`."""
    from ..learn.closed_form import ridge_toward

    tensors = []
    for name, value in (("X", X), ("y", y), ("theta_prev", theta_prev)):
        try:
            tensors.append(_f64(value))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a tensor, an array or a nested list of numbers; got {_show(value)}") from None
    X_, y_, prev_ = tensors
    ridge_toward(X_, y_.reshape(-1), prev_.reshape(-1), lam=check_float("lam", lam, min=0.0))  # the view's checks
    import ipywidgets as w

    slider = w.FloatLogSlider(value=lam, base=10, min=min_exp, max=max_exp, step=0.1, description="λ",
                              continuous_update=False, readout_format=".3g")
    return interactive_view(lambda_view, {"lam": slider}, X=X, y=y, theta_prev=theta_prev)


def task_orders(names) -> dict[str, tuple[int, ...]]:
    """A few orders of the tasks ``names``: every rotation, then every rotation of the reverse.

    Returns ``{"movies → books → ...": (0, 1, ...), ...}`` -- enough to see that order matters
    without listing all T! permutations.
    """
    names = check_sequence("names", names, "a list of task names")
    names = list(names)
    T = len(names)
    base = list(range(T))
    orders: dict[str, tuple[int, ...]] = {}
    for seq in (base, base[::-1]):
        for r in range(T):
            order = tuple(seq[r:] + seq[:r])
            orders.setdefault(" → ".join(names[i] for i in order), order)
    return orders


def stream_view(order, steps_per_task: int, family, **stream_kwargs) -> View:
    r"""Sequential training over ``family`` in the given ``order`` with ``steps_per_task`` steps per task.

    Calls :func:`metamap_edu.experiments.run_sentiment_stream` with the reordered tasks, and shows the
    accuracy matrix :math:`R` with ACC, BWT (Lopez-Paz & Ranzato's T−1 divisor) and FWT.
    ``order`` is a sequence of indices into ``family``. Taught in ``notebooks/03_a_stream_of_tasks``.
    """
    from .._checks import check_int
    from ..experiments import run_sentiment_stream
    from .viz import plot_accuracy_matrix

    steps_per_task = check_int("steps_per_task", steps_per_task, min=1)
    family = list(family)
    order = [check_int("order", i, min=0, max=len(family) - 1) for i in order]
    if sorted(order) != sorted(set(order)) or not order:
        raise ValueError(f"order must list distinct task indices; got {order!r}")
    tasks = [family[i] for i in order]
    result = run_sentiment_stream(family=tasks, steps_per_task=steps_per_task, **stream_kwargs)
    names = [n.split("/")[-1] for n in result.task_names]
    fig = plot_accuracy_matrix(result.R, names, title=f"{steps_per_task} steps per task")
    m = result.metrics()
    text = (f"order: {' -> '.join(names)}; {steps_per_task} steps per task\n"
            f"ACC = {m['acc']:.3f}   BWT = {m['bwt']:+.3f}   FWT = {m['fwt']:+.3f}   "
            f"last task = {m['last']:.3f}")
    return View(fig, text)


def stream_explorer(family, steps_per_task: int = 60, max_steps: int = 300, **stream_kwargs):
    """A task-order dropdown and a steps-per-task slider driving :func:`stream_view` (with a Run button)."""
    check_sequence("family", family, "a TaskFamily or a list of MappingTasks")
    import ipywidgets as w

    names = [getattr(t, "name", f"task {i}").split("/")[-1] for i, t in enumerate(family)]
    order = w.Dropdown(options=list(task_orders(names).items()), description="order",
                       layout=w.Layout(width="95%"))
    steps = w.IntSlider(value=steps_per_task, min=1, max=max_steps, step=1, description="steps/task",
                        continuous_update=False)
    return interactive_view(stream_view, {"order": order, "steps_per_task": steps}, family=family, **stream_kwargs)


# ---- notebook 00: start here ----
__all__ += ["seed_view", "seed_explorer"]


def seed_view(seed: int, n: int = 6) -> View:
    """Draw ``n`` random numbers twice after :func:`metamap_edu.set_seed` with the same ``seed``.

    The two draws coincide exactly: a seed fixes every "random" number the course uses. The text
    prints the first draw rounded to 3 decimals and whether the draws are identical.
    Taught in ``notebooks/00_start_here``.
    """
    import numpy as np
    import torch

    from .._checks import check_int
    from ..reproducibility import set_seed

    seed = check_int("seed", seed, min=0)
    n = check_int("n", n, min=1, max=100)
    set_seed(seed)
    first = torch.randn(n)
    set_seed(seed)
    second = torch.randn(n)
    same = bool(torch.equal(first, second))
    fig, ax = plt.subplots(figsize=(6, 3))
    idx = np.arange(n)
    ax.bar(idx - 0.2, first.numpy(), width=0.4, label="first draw")
    ax.bar(idx + 0.2, second.numpy(), width=0.4, label="second draw, same seed")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("draw number")
    ax.set_ylabel("value")
    ax.set_title(f"torch.randn({n}) after set_seed({seed})")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    values = ", ".join(f"{v:.3f}" for v in first.tolist())
    text = f"seed {seed}: [{values}]  identical on the second draw: {same}"
    return View(fig, text)


def seed_explorer(seed: int = 0, max_seed: int = 20):
    """A slider over the seed showing :func:`seed_view`. Taught in ``notebooks/00_start_here``."""
    seed = check_seed("seed", seed)
    max_seed = check_int("max_seed", max_seed, min=1, max=10**6)
    import ipywidgets as w

    slider = w.IntSlider(value=seed, min=0, max=max_seed, step=1, description="seed",
                         continuous_update=False)
    return interactive_view(seed_view, {"seed": slider})


# ---- notebook 01: tasks as mappings ----
__all__ += ["BROWSER_FAMILIES", "browser_choices", "task_browser_view", "task_browser"]

#: Families the task browser of notebook 01 can show.
BROWSER_FAMILIES: tuple[str, ...] = ("sentiment", "topic", "ner", "translation")
_ALL = "(all)"


def browser_choices(family: str) -> tuple[str, ...]:
    """The ``domain`` values the task browser accepts for ``family``.

    sentiment: every domain, the held-out ones last; translation: every toy language;
    topic and ner: ``"(all)"`` (one task covers every domain / entity type).
    """
    from ..tasks import language
    from .._checks import check_choice

    check_choice("family", family, BROWSER_FAMILIES)
    if family == "sentiment":
        return language.ALL_DOMAINS
    if family == "translation":
        return language.ALL_LANGUAGES
    return (_ALL,)


def _format_example(kind: str, x, y) -> str:
    if kind == "tagging":
        return "  " + " ".join(f"{w}/{t}" for w, t in zip(x.split(), y))
    return f"  {x}\n    -> {y}"


def task_browser_view(family: str = "sentiment", domain: str = "movies", seed: int = 0,
                      relatedness: float = 0.5, n: int = 40, n_show: int = 4) -> View:
    """Generate one task of ``family`` (for ``domain``: a domain or a language) and describe it.

    Returns a :class:`View`: the task's summary picture (:func:`metamap_edu.course.viz.plot_task_summary`)
    and a text with its name, kind, size, output space and ``n_show`` examples. ``relatedness``
    matters for sentiment only. Taught in ``notebooks/01_tasks_as_mappings``.
    """
    from ..tasks import language
    from ..tasks import families as tasks
    from .._checks import check_choice, check_int, check_probability, check_seed
    from .viz import plot_task_summary

    check_choice("family", family, BROWSER_FAMILIES)
    check_choice("domain", domain, browser_choices(family))
    seed = check_seed("seed", seed)
    relatedness = check_probability("relatedness", relatedness)
    n = check_int("n", n, min=4, max=2000)
    n_show = check_int("n_show", n_show, min=0, max=n)
    note = ""
    if family == "sentiment":
        task = tasks.sentiment_family([domain], n_per_task=n, relatedness=relatedness, seed=seed)[0]
        if domain in language.HELD_OUT_DOMAINS:
            note = " (a held-out domain: never in a labeled family unless named)"
    elif family == "topic":
        task = tasks.topic_task(n_per_class=max(1, n // len(language.DOMAINS)), seed=seed)
    elif family == "ner":
        task = tasks.ner_task(n, seed=seed)
    else:
        task = tasks.translation_family([domain], n_per_task=n, seed=seed)[0]
        if domain in language.HELD_OUT_LANGUAGES:
            note = " (a held-out language)"
    space = task.output_space
    shown = ", ".join(map(str, space[:8])) + (f", ... ({len(space)} in all)" if len(space) > 8 else "")
    shapes = task.shapes()
    lines = [
        f"task {task.name}{note}",
        f"kind {task.kind}: x is {shapes['x']}; y is {shapes['y']}",
        f"{len(task)} examples; output space: {shown}",
    ]
    if family == "translation":
        lines.append(language.describe_language(domain))
    if n_show:
        lines.append(f"first {n_show} examples:")
        lines += [_format_example(task.kind, x, y) for x, y in task.examples[:n_show]]
    return View(plot_task_summary(task), _wrap("\n".join(lines)))


def task_browser(family: str = "sentiment", domain: str = "movies", seed: int = 0, relatedness: float = 0.5):
    """Dropdowns for family and domain, a seed box and a relatedness slider driving :func:`task_browser_view`."""
    check_choice("family", family, BROWSER_FAMILIES)
    check_choice("domain", domain, browser_choices(family))
    seed = check_seed("seed", seed)
    import ipywidgets as w

    fam = w.Dropdown(options=BROWSER_FAMILIES, value=family, description="family")
    dom = w.Dropdown(options=browser_choices(family), value=domain, description="domain")
    seed_box = w.BoundedIntText(value=seed, min=0, max=10**6, description="seed")
    rel = w.FloatSlider(value=relatedness, min=0.0, max=1.0, step=0.1, description="relatedness",
                        continuous_update=False)

    def new_family(change):  # registered first, so the domain list is right before the view redraws
        dom.options = browser_choices(change["new"])

    fam.observe(new_family, names="value")
    return interactive_view(task_browser_view, {"family": fam, "domain": dom, "seed": seed_box,
                                                "relatedness": rel})


# ---- notebook 05: meta-learning proper ----
__all__ += ["sinusoid_adaptation", "sinusoid_adaptation_view", "sinusoid_adaptation_widget"]


def sinusoid_adaptation(models: dict, episode, steps: int = 5, lr: float = 0.01, grid: int = 200) -> dict:
    """Adapt each model to one sine episode with ``steps`` SGD steps of size ``lr`` (formula 1).

    ``models``: name -> :class:`~metamap_edu.tasks.sinusoid.SinusoidMLP`; ``episode``: a sinusoid
    episode (``.support`` / ``.query`` tensors, ``.amplitude``, ``.phase``). Returns the curves on
    a grid of x, before and after adaptation, and each model's query MSE after adaptation. The
    models themselves are not changed (adaptation is a pure function of their parameters).
    """
    check_type("models", models, dict, "a dict name -> model")
    import math

    import torch

    from .._checks import check_float, check_int
    from ..learn import adapt, loss_at, parameters_of

    steps = check_int("steps", steps, min=0, max=1000)
    lr = check_float("lr", lr, min=0.0, min_inclusive=False)
    if not models:
        raise ValueError("models must contain at least one model")
    x = torch.linspace(-5, 5, check_int("grid", grid, min=2)).unsqueeze(1)  # (G, 1)
    out = {"x": x.squeeze(1).tolist(), "steps": steps, "lr": lr, "models": {},
           "truth": [episode.amplitude * math.sin(v - episode.phase) for v in x.squeeze(1).tolist()],
           "support_x": episode.support["x"].squeeze(1).tolist(), "support_y": episode.support["y"].squeeze(1).tolist()}
    for name, model in models.items():
        theta = {k: v.detach() for k, v in parameters_of(model).items()}
        phi = adapt(theta, model, episode.support, steps=steps, lr=lr) if steps else theta
        with torch.no_grad():
            before = torch.func.functional_call(model, theta, (x,)).squeeze(1).tolist()
            after = torch.func.functional_call(model, phi, (x,)).squeeze(1).tolist()
            mse = float(loss_at(phi, model, episode.query))
        if not math.isfinite(mse):
            mse = float("inf")
        out["models"][name] = {"before": before, "after": after, "mse": mse}
    return out


def sinusoid_adaptation_view(steps: int, lr: float, models: dict, episode) -> View:
    """The widget's view: the picture of :func:`sinusoid_adaptation` and one line per model."""
    from .viz import plot_sinusoid_adaptation

    demo = sinusoid_adaptation(models, episode, steps=steps, lr=lr)
    fig = plot_sinusoid_adaptation(demo)
    text = "; ".join(f"{n}: query MSE {c['mse']:.3f}" for n, c in demo["models"].items())
    return View(fig, f"after {steps} steps of size {lr:.3g} -> {text}")


def sinusoid_adaptation_widget(models: dict, episode, steps: int = 5, lr: float = 0.01):
    """Sliders for inner steps (0-50) and inner lr (log scale, 1e-3 to 0.3) on one sine episode."""
    check_type("models", models, dict, "a dict name -> model")
    import ipywidgets as w

    controls = {
        "steps": w.IntSlider(value=steps, min=0, max=50, description="inner steps", continuous_update=False),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=-0.5, step=0.1, description="inner lr",
                             readout_format=".3g", continuous_update=False),
    }
    return interactive_view(sinusoid_adaptation_view, controls, models=models, episode=episode)


# ---- notebook 05b: few-shot text ----
__all__ += ["few_shot_episode_view", "few_shot_episode_widget"]


def _check_episode_inputs(split, encoders, baseline) -> None:
    from ..tasks.splits import MetaSplit
    from ..experiments.transfer import VocabularyTfidf, _check_encoder

    check_type("split", split, MetaSplit)
    check_type("encoders", encoders, dict, "a dict name -> encoder")
    if not encoders:
        raise ValueError("encoders must hold at least one encoder")
    for name, enc in encoders.items():
        _check_encoder(f"encoders[{name!r}]", enc)
    check_type("baseline", baseline, VocabularyTfidf)


def few_shot_episode_view(k: int, episode: int, split, encoders: dict, baseline, seed: int = 0,
                          n_way: int = 5, n_query: int = 15) -> View:
    """One N-way K-shot episode of ``split.test``: each method's accuracy on it, and what it saw.

    ``encoders`` maps a name to an encoder scored by the frozen ProtoNet probe
    (:func:`metamap_edu.experiments.transfer.protonet_scores`); ``baseline`` is a fitted
    :class:`~metamap_edu.experiments.transfer.VocabularyTfidf`. Episode ``episode`` of seed ``seed``'s stream
    is the one the comparison of notebooks/05b_few_shot_text scored at that K.
    """
    from ..tasks.splits import episode_sampler
    from ..experiments.transfer import PROBE_LAYERS, _embed, _prototype_predict, _with_prefix
    from .viz import _finish, _new_axes

    _check_episode_inputs(split, encoders, baseline)
    k = check_int("k", k, min=1, max=50)
    episode = check_int("episode", episode, min=0, max=10_000)
    ep = episode_sampler(split.test, n_way, k, n_query, seed=check_seed("seed", seed)).sample(episode)
    support, query = list(ep.support.examples), list(ep.query.examples)
    texts = [x for x, _ in support] + [x for x, _ in query]
    preds = {}
    for name, enc in encoders.items():
        was = enc.training
        enc.eval()
        try:
            z = _embed(enc, _with_prefix(texts, "<lm>"), PROBE_LAYERS)
        finally:
            enc.train(was)
        preds[name] = _prototype_predict(z[: len(support)], [y for _, y in support], z[len(support):])
    preds["TF-IDF"] = baseline.predict(support, [x for x, _ in query])
    acc = {name: sum(p == y for p, (_, y) in zip(ps, query)) / len(query) for name, ps in preds.items()}

    fig, ax = _new_axes(None, figsize=(6.5, 0.5 * len(acc) + 1.6))
    names = list(acc)
    ax.barh(range(len(names)), [acc[n] for n in names], color=[f"C{i}" for i in range(len(names))])
    ax.axvline(1 / n_way, color="gray", ls=":", lw=1.2, label=f"chance ({1 / n_way:.2f})")
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=10)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"accuracy on this episode's {len(query)} queries")
    ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.3)
    ax.set_title(f"episode {episode}, {n_way}-way {k}-shot", fontsize=10, loc="right")
    _finish(fig)

    lines = [f"support ({k} per class):"]
    for label in sorted({y for _, y in support}):
        said = [x for x, y in support if y == label][:2]
        lines.append(f"  {label}: " + " | ".join(said) + (" | ..." if k > 2 else ""))
    x, y = query[0]
    lines.append(f"first query: {x!r} (class {y})")
    lines.append("  predicted: " + ", ".join(f"{name} -> {ps[0]}" for name, ps in preds.items()))
    return View(fig, "\n".join(lines))


def few_shot_episode_widget(split, encoders: dict, baseline, seed: int = 0, k: int = 1, episode: int = 0,
                            max_episode: int = 39):
    """A K toggle (1 or 5) and an episode slider over :func:`few_shot_episode_view`."""
    import ipywidgets as w

    _check_episode_inputs(split, encoders, baseline)
    seed = check_seed("seed", seed)
    max_episode = check_int("max_episode", max_episode, min=0, max=10_000)
    controls = {
        "k": w.ToggleButtons(options=[1, 5], value=check_choice("k", k, (1, 5)), description="K"),
        "episode": w.IntSlider(value=check_int("episode", episode, min=0, max=max_episode), min=0,
                               max=max_episode, description="episode", continuous_update=False),
    }
    return interactive_view(few_shot_episode_view, controls, split=split, encoders=encoders,
                            baseline=baseline, seed=seed)


# ---- notebook 06/07: pretraining, the whole pipeline ----
__all__ += ["nearest_words_view", "nearest_words_widget", "attention_view", "attention_widget",
            "pipeline_view", "pipeline_widget", "ablation_view", "ablation_widget"]


def nearest_words_view(word: str, model, k: int = 6, candidates=None, polarity_of=None) -> View:
    """The ``k`` words whose embeddings are closest (cosine) to ``word``'s, as a bar chart.

    ``polarity_of`` (word -> +1/−1/0), when given, colours each bar: green positive, red
    negative, grey neutral. Taught in notebooks/06_pretraining_on_unlabeled_text.
    """
    from ..learn import nearest_tokens

    near = nearest_tokens(model, word, k=k, candidates=candidates)
    fig, ax = plt.subplots(figsize=(5.5, 0.35 * len(near) + 1.2))
    colours = []
    for w, _ in near:
        p = polarity_of(w) if polarity_of else 0
        colours.append("tab:green" if p > 0 else "tab:red" if p < 0 else "tab:gray")
    ax.barh(range(len(near))[::-1], [s for _, s in near], color=colours)
    ax.set_yticks(range(len(near))[::-1])
    ax.set_yticklabels([w for w, _ in near])
    ax.set_xlabel("cosine similarity of input embeddings")
    ax.set_title(f"nearest words to '{word}'")
    fig.tight_layout()
    text = f"{word}: " + ", ".join(f"{w} ({s:.2f})" for w, s in near)
    return View(fig, text)


def nearest_words_widget(model, words, k: int = 6, candidates=None, polarity_of=None):
    """A dropdown of ``words``; shows :func:`nearest_words_view` for the chosen one."""
    check_type("model", model, _module_type(), "a TinyTransformer")
    words = check_sequence("words", words, "a list of words")
    import ipywidgets as w

    words = list(words)
    controls = {"word": w.Dropdown(options=words, value=words[0], description="word")}
    return interactive_view(nearest_words_view, controls, model=model, k=k, candidates=candidates,
                            polarity_of=polarity_of)


def attention_view(sentence: str, layer: int, head: int, model) -> View:
    """One head's attention map on ``sentence`` and, for its last token, the token it reads most."""
    check_type("sentence", sentence, str)
    check_type("model", model, _module_type(), "a TinyTransformer")
    from .viz import plot_attention

    tokens, maps = model.attention_maps(sentence)  # (L, H, T, T)
    L, H = maps.shape[0], maps.shape[1]
    if not (0 <= layer < L and 0 <= head < H):
        raise ValueError(f"layer must be in [0, {L - 1}] and head in [0, {H - 1}]; got layer={layer}, head={head}")
    w = maps[layer, head]
    fig = plot_attention(tokens, w.numpy(), title=f"layer {layer}, head {head}")
    j = int(w[-1].argmax())
    text = f"the last token {tokens[-1]!r} reads most from {tokens[j]!r} (weight {float(w[-1, j]):.2f})"
    return View(fig, text)


def attention_widget(model, sentences, layer: int = 0, head: int = 0):
    """Pick a sentence, a layer and a head (starting at ``layer``, ``head``); shows :func:`attention_view`."""
    check_type("model", model, _module_type(), "a TinyTransformer")
    sentences = check_sequence("sentences", sentences, "a list of str")
    import ipywidgets as w

    from .._checks import check_int

    sentences = list(sentences)
    layer = check_int("layer", layer, min=0, max=model.config.depth - 1)
    head = check_int("head", head, min=0, max=model.config.heads - 1)
    controls = {
        "sentence": w.Dropdown(options=sentences, value=sentences[0], description="sentence",
                               layout=w.Layout(width="95%")),
        "layer": w.IntSlider(value=layer, min=0, max=model.config.depth - 1, description="layer", continuous_update=False),
        "head": w.IntSlider(value=head, min=0, max=model.config.heads - 1, description="head", continuous_update=False),
    }
    return interactive_view(attention_view, controls, model=model)


def pipeline_view(table: dict, **switches) -> View:
    """Notebook 07's component toggles: the ablation row whose components match ``switches``.

    ``table`` maps a frozenset of component names switched on to {task name: score}.
    """
    check_type("table", table, dict)
    from .viz import plot_ablation

    on = frozenset(k for k, v in switches.items() if v)
    if on not in table:
        raise ValueError(f"no run with components {sorted(on)}; available: {[sorted(k) for k in table]}")
    label = " + ".join(sorted(on)) or "none"
    base = table[frozenset()] if frozenset() in table else None
    rows = {label: table[on]}
    if base is not None and on:
        rows = {"none": base, label: table[on]}
    fig = plot_ablation(rows, title=f"components: {label}")
    text = "; ".join(f"{t}: {s:.3f}" for t, s in table[on].items())
    return View(fig, f"{label} -> {text}")


def pipeline_widget(table: dict, components, on=()):
    """One checkbox per component (those in ``on`` ticked); shows the precomputed :func:`pipeline_view` row."""
    check_type("table", table, dict)
    components = check_sequence("components", components, "a list of component names")
    import ipywidgets as w

    components = list(components)
    unknown = [c for c in on if c not in components]
    if unknown:
        raise ValueError(f"on must name components among {components}; got {list(on)!r}")
    controls = {c: w.Checkbox(value=c in on, description=c) for c in components}
    return interactive_view(pipeline_view, controls, table=table)


def ablation_view(row: str, table: dict, chance: dict | None = None) -> View:
    """Notebook 07's ablation: the ``full`` row against ``row``, mean over seeds, with chance lines.

    ``table`` is :func:`metamap_edu.experiments.pipeline.ablation`'s ``{row: {kind: [score per seed]}}``; the
    text gives, per kind, the paired difference full − ``row`` with its 95% interval and verdict
    (:func:`metamap_edu.noise.paired_difference`).
    """
    check_type("table", table, dict, "a dict {row: {kind: [score per seed]}} from pipeline.ablation()")
    if "full" not in table:
        raise ValueError(f"table must hold the row 'full'; it has {list(table)}")
    if row not in table or row == "full":
        raise ValueError(f"row must be one of {[r for r in table if r != 'full']}; got {row!r}")
    from ..noise import paired_difference
    from .viz import plot_ablation

    def means(r):
        return {k: sum(v) / len(v) for k, v in table[r].items()}

    fig = plot_ablation({"full": means("full"), row: means(row)}, chance=chance,
                        title=f"full pipeline against '{row}' (mean over {len(table['full'][next(iter(table['full']))])} seeds)")
    parts = []
    for kind in table["full"]:
        d = paired_difference(table["full"][kind], table[row][kind])
        parts.append(f"{kind}: {d.verdict}")
    return View(fig, f"full - {row}, per task: " + "; ".join(parts))


def ablation_widget(table: dict, chance: dict | None = None, row: str | None = None):
    """A dropdown of the ablation's rows other than ``full``; shows :func:`ablation_view` for the chosen one."""
    check_type("table", table, dict, "a dict {row: {kind: [score per seed]}} from pipeline.ablation()")
    import ipywidgets as w

    options = [r for r in table if r != "full"]
    if not options:
        raise ValueError(f"table needs a row besides 'full' to compare with; it has {list(table)}")
    row = options[0] if row is None else row
    if row not in options:
        raise ValueError(f"row must be one of {options}; got {row!r}")
    controls = {"row": w.Dropdown(options=options, value=row, description="compare with")}
    return interactive_view(ablation_view, controls, table=table, chance=chance)
