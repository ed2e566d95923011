"""Layer 3 · learn: how it learns.

Formula 1 (gradient descent: ``fit``), formula 2 (the regularizer hooks in ``proximal``, the
penalties and the article's pull in ``regularizers``), the sequential trainer, closed forms,
meta-learning (the functional core, MAML, Reptile, ProtoNet, meta-training), pretraining
objectives, probes of what pretraining taught, multi-task training and the metrics. Uses models,
tasks and the foundation. Taught in notebooks 02-07.
"""
from __future__ import annotations

from . import metrics
from . import closed_form
from . import proximal
from . import regularizers
from . import fit
from . import sequential
from . import functional
from . import maml
from . import reptile
from . import protonet
from . import meta_training
from . import pretraining
from . import probing
from . import multitask

__all__ = [*metrics.__all__, *closed_form.__all__, *proximal.__all__, *regularizers.__all__, *fit.__all__, *sequential.__all__, *functional.__all__, *maml.__all__, *reptile.__all__, *protonet.__all__, *meta_training.__all__, *pretraining.__all__, *probing.__all__, *multitask.__all__]

# (``from .fit import *`` binds ``learn.fit`` to the function; the module stays ``metamap_edu.learn.fit``)
from .metrics import *  # noqa: F401,F403  (the names in metrics.__all__)
from .closed_form import *  # noqa: F401,F403  (the names in closed_form.__all__)
from .proximal import *  # noqa: F401,F403  (the names in proximal.__all__)
from .regularizers import *  # noqa: F401,F403  (the names in regularizers.__all__)
from .fit import *  # noqa: F401,F403  (the names in fit.__all__)
from .sequential import *  # noqa: F401,F403  (the names in sequential.__all__)
from .functional import *  # noqa: F401,F403  (the names in functional.__all__)
from .maml import *  # noqa: F401,F403  (the names in maml.__all__)
from .reptile import *  # noqa: F401,F403  (the names in reptile.__all__)
from .protonet import *  # noqa: F401,F403  (the names in protonet.__all__)
from .meta_training import *  # noqa: F401,F403  (the names in meta_training.__all__)
from .pretraining import *  # noqa: F401,F403  (the names in pretraining.__all__)
from .probing import *  # noqa: F401,F403  (the names in probing.__all__)
from .multitask import *  # noqa: F401,F403  (the names in multitask.__all__)
