"""Layer 7 · tools: running the course.

The ``metamap-edu`` command, the environment doctor, the notebook runner (with its
private ``_kernel``), the test suite's network guard (``_netguard``), the offline site, student
versions, Colab badges and the classroom hub.
"""
from __future__ import annotations

from . import doctor
from . import colab
from . import student
from . import runner
from . import site
from . import classroom
from . import cli

__all__ = [*doctor.__all__, *colab.__all__, *student.__all__, *runner.__all__, *site.__all__, *classroom.__all__, *cli.__all__]

from .doctor import *  # noqa: F401,F403  (the names in doctor.__all__)
from .colab import *  # noqa: F401,F403  (the names in colab.__all__)
from .student import *  # noqa: F401,F403  (the names in student.__all__)
from .runner import *  # noqa: F401,F403  (the names in runner.__all__)
from .site import *  # noqa: F401,F403  (the names in site.__all__)
from .classroom import *  # noqa: F401,F403  (the names in classroom.__all__)
from .cli import *  # noqa: F401,F403  (the names in cli.__all__)
