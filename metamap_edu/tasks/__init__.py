"""Layer 1 · tasks: what is learned.

The generated language (lexicon and grammar), tasks as mappings x -> y and their families,
class splits and episodes, the intent world and the sine-wave tasks. Uses only the foundation
(``metamap_edu._checks``, ``noise``, ``reproducibility``). Taught in notebooks 01 and 05-05b.
"""
from __future__ import annotations

from . import language
from . import families
from . import splits
from . import intents
from . import sinusoid

__all__ = [*language.__all__, *families.__all__, *splits.__all__, *intents.__all__, *sinusoid.__all__]

from .language import *  # noqa: F401,F403  (the names in language.__all__)
from .families import *  # noqa: F401,F403  (the names in families.__all__)
from .splits import *  # noqa: F401,F403  (the names in splits.__all__)
from .intents import *  # noqa: F401,F403  (the names in intents.__all__)
from .sinusoid import *  # noqa: F401,F403  (the names in sinusoid.__all__)
