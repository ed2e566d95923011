"""Layer 2 · models: what learns.

The model contract (``kinds``, ``collate``, ``loss``, ``predict``; :mod:`.contract`) and the course
models that follow it: linear map and MLPs (:mod:`.linear`), bag of words (:mod:`.bag_of_words`),
token tagger (:mod:`.tagger`), tokenizers, the text-to-text format (:mod:`.text2text`) and the tiny
transformer (:mod:`.transformer`). Uses tasks and the foundation. Taught in notebooks 02-07.
"""
from __future__ import annotations

from . import contract
from . import tokenizers
from . import linear
from . import bag_of_words
from . import tagger
from . import text2text
from . import transformer
from . import dense_bag_of_words

__all__ = [
    *contract.__all__, *tokenizers.__all__, *linear.__all__, *bag_of_words.__all__, *tagger.__all__,
    *text2text.__all__, *transformer.__all__, *dense_bag_of_words.__all__,
]

from .contract import *  # noqa: F401,F403  (the names in contract.__all__)
from .tokenizers import *  # noqa: F401,F403  (the names in tokenizers.__all__)
from .linear import *  # noqa: F401,F403  (the names in linear.__all__)
from .bag_of_words import *  # noqa: F401,F403  (the names in bag_of_words.__all__)
from .tagger import *  # noqa: F401,F403  (the names in tagger.__all__)
from .text2text import *  # noqa: F401,F403  (the names in text2text.__all__)
from .transformer import *  # noqa: F401,F403  (the names in transformer.__all__)
from .dense_bag_of_words import *  # noqa: F401,F403  (the names in dense_bag_of_words.__all__)
