"""Layer 3 · learn: how it learns.

Formula 1 (gradient descent, ``fit``), formula 2 (the penalties and the article's pull), the
sequential trainer, closed forms, meta-learning (MAML, Reptile, ProtoNet), pretraining objectives
and the metrics. Uses models, tasks and the foundation. Taught in notebooks 02-06.
"""
from __future__ import annotations

from . import train
from . import closed_form
from . import meta
from . import pretraining
from . import metrics

__all__ = [*train.__all__, *closed_form.__all__, *meta.__all__, *pretraining.__all__, *metrics.__all__]

from .train import *  # noqa: F401,F403  (the names in train.__all__)
from .closed_form import *  # noqa: F401,F403  (the names in closed_form.__all__)
from .meta import *  # noqa: F401,F403  (the names in meta.__all__)
from .pretraining import *  # noqa: F401,F403  (the names in pretraining.__all__)
from .metrics import *  # noqa: F401,F403  (the names in metrics.__all__)
