"""Layer 5 · experiments: the measurements the notebooks run.

The sentiment stream of notebooks 03-04, the antonym experiment of 06, the shipped checkpoints,
transfer to held-out classes, the few-shot comparison, the routes of
notebook 09, the Table 2 reproduction and the whole pipeline of notebook 07. Uses every layer
below. Taught in notebooks 03-09.
"""
from __future__ import annotations

from . import checkpoints
from . import transfer
from . import finetune
from . import hybrid
from . import few_shot
from . import routes
from . import table2
from . import pipeline
from . import streams
from . import antonyms

__all__ = [*checkpoints.__all__, *transfer.__all__, *finetune.__all__, *hybrid.__all__, *few_shot.__all__, *routes.__all__, *table2.__all__, *pipeline.__all__, *streams.__all__, *antonyms.__all__]

from .checkpoints import *  # noqa: F401,F403  (the names in checkpoints.__all__)
from .transfer import *  # noqa: F401,F403  (the names in transfer.__all__)
from .finetune import *  # noqa: F401,F403  (the names in finetune.__all__)
from .hybrid import *  # noqa: F401,F403  (the names in hybrid.__all__)
from .few_shot import *  # noqa: F401,F403  (the names in few_shot.__all__)
from .routes import *  # noqa: F401,F403  (the names in routes.__all__)
from .table2 import *  # noqa: F401,F403  (the names in table2.__all__)
from .pipeline import *  # noqa: F401,F403  (the names in pipeline.__all__)
from .streams import *  # noqa: F401,F403  (the names in streams.__all__)
from .antonyms import *  # noqa: F401,F403  (the names in antonyms.__all__)
