"""Layer 6 · course: what a learner sees.

Plots, widgets and the exercise checks with their feedback. Uses every layer below; imports
matplotlib and ipywidgets. Used by every notebook.
"""
from __future__ import annotations

from . import viz
from . import widgets
from . import exercises

__all__ = [*viz.__all__, *widgets.__all__, *exercises.__all__]

from .viz import *  # noqa: F401,F403  (the names in viz.__all__)
from .widgets import *  # noqa: F401,F403  (the names in widgets.__all__)
from .exercises import *  # noqa: F401,F403  (the names in exercises.__all__)
