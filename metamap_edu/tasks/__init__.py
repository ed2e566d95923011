"""Layer 1 · tasks: what is learned.

The generated language (its words in ``lexicon``, its sentences in ``grammar``, the invented
target languages in ``toy_languages``), tasks as mappings x -> y (``mapping``), their families
(``families``), episodes (``episodes``), your own files as tasks (``loaders``), class splits,
the intent world and the sine-wave tasks. Uses only the foundation (``metamap_edu._checks``,
``noise``, ``reproducibility``). Taught in notebooks 01, 05-05b and 08.
"""
from __future__ import annotations

from . import lexicon
from . import toy_languages
from . import grammar
from . import mapping
from . import families
from . import episodes
from . import loaders
from . import splits
from . import intents
from . import sinusoid

__all__ = [*lexicon.__all__, *toy_languages.__all__, *grammar.__all__, *mapping.__all__, *families.__all__,
           *episodes.__all__, *loaders.__all__, *splits.__all__, *intents.__all__, *sinusoid.__all__]

from .lexicon import *  # noqa: F401,F403  (the names in lexicon.__all__)
from .toy_languages import *  # noqa: F401,F403  (the names in toy_languages.__all__)
from .grammar import *  # noqa: F401,F403  (the names in grammar.__all__)
from .mapping import *  # noqa: F401,F403  (the names in mapping.__all__)
from .families import *  # noqa: F401,F403  (the names in families.__all__)
from .episodes import *  # noqa: F401,F403  (the names in episodes.__all__)
from .loaders import *  # noqa: F401,F403  (the names in loaders.__all__)
from .splits import *  # noqa: F401,F403  (the names in splits.__all__)
from .intents import *  # noqa: F401,F403  (the names in intents.__all__)
from .sinusoid import *  # noqa: F401,F403  (the names in sinusoid.__all__)
