"""Layer 7 · tools: running the course.

The ``metamap-edu`` command (``cli``), the environment doctor, the notebook runner (``runner``, with
its private ``_kernel``; ``build`` for stored notebooks, ``run_report`` for what a run leaves), the
test suite's network guard (``_netguard``), the offline site, student versions (``exercise_cells``
finds the exercises, ``student`` writes the stubs, ``graded`` the nbgrader course), Colab badges and
the classroom hub (``classroom`` runs the hub, ``server_run`` a notebook in a student's server).
"""
from __future__ import annotations

from . import doctor
from . import colab
from . import exercise_cells
from . import student
from . import graded
from . import run_report
from . import runner
from . import build
from . import site
from . import classroom
from . import server_run
from . import cli
from . import figures

__all__ = [*doctor.__all__, *colab.__all__, *exercise_cells.__all__, *student.__all__, *graded.__all__,
           *run_report.__all__, *runner.__all__, *build.__all__, *site.__all__, *classroom.__all__,
           *server_run.__all__, *cli.__all__, *figures.__all__]

from .doctor import *  # noqa: F401,F403  (the names in doctor.__all__)
from .colab import *  # noqa: F401,F403  (the names in colab.__all__)
from .exercise_cells import *  # noqa: F401,F403  (the names in exercise_cells.__all__)
from .student import *  # noqa: F401,F403  (the names in student.__all__)
from .graded import *  # noqa: F401,F403  (the names in graded.__all__)
from .run_report import *  # noqa: F401,F403  (the names in run_report.__all__)
from .runner import *  # noqa: F401,F403  (the names in runner.__all__)
from .build import *  # noqa: F401,F403  (the names in build.__all__)
from .site import *  # noqa: F401,F403  (the names in site.__all__)
from .classroom import *  # noqa: F401,F403  (the names in classroom.__all__)
from .server_run import *  # noqa: F401,F403  (the names in server_run.__all__)
from .cli import *  # noqa: F401,F403  (the names in cli.__all__)
from .figures import *  # noqa: F401,F403  (the names in figures.__all__)
