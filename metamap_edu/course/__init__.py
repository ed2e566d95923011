"""Layer 6 · course: what a learner sees.

The feedback protocol of the exercise checks (``feedback``), the widget machinery (``widgets``), what
every figure shares (``viz``), and one small module of checks, explorers and figures per notebook
(``nb00`` ... ``nb09``). Uses every layer below; imports matplotlib (and ipywidgets inside the widget
builders). Used by every notebook, as ``course.<name>``.
"""
from __future__ import annotations

from . import feedback
from . import widgets
from . import viz
from . import nb00
from . import nb01
from . import nb02
from . import nb03
from . import nb04
from . import nb04b
from . import nb05
from . import nb05b
from . import nb06
from . import nb07
from . import nb08
from . import nb09

__all__ = [*feedback.__all__, *widgets.__all__, *viz.__all__, *nb00.__all__, *nb01.__all__, *nb02.__all__,
           *nb03.__all__, *nb04.__all__, *nb04b.__all__, *nb05.__all__, *nb05b.__all__, *nb06.__all__,
           *nb07.__all__, *nb08.__all__, *nb09.__all__]

from .feedback import *  # noqa: F401,F403  (the names in feedback.__all__)
from .widgets import *  # noqa: F401,F403  (the names in widgets.__all__)
from .viz import *  # noqa: F401,F403  (the names in viz.__all__)
from .nb00 import *  # noqa: F401,F403  (the names in nb00.__all__)
from .nb01 import *  # noqa: F401,F403  (the names in nb01.__all__)
from .nb02 import *  # noqa: F401,F403  (the names in nb02.__all__)
from .nb03 import *  # noqa: F401,F403  (the names in nb03.__all__)
from .nb04 import *  # noqa: F401,F403  (the names in nb04.__all__)
from .nb04b import *  # noqa: F401,F403  (the names in nb04b.__all__)
from .nb05 import *  # noqa: F401,F403  (the names in nb05.__all__)
from .nb05b import *  # noqa: F401,F403  (the names in nb05b.__all__)
from .nb06 import *  # noqa: F401,F403  (the names in nb06.__all__)
from .nb07 import *  # noqa: F401,F403  (the names in nb07.__all__)
from .nb08 import *  # noqa: F401,F403  (the names in nb08.__all__)
from .nb09 import *  # noqa: F401,F403  (the names in nb09.__all__)
