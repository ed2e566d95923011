"""Layer 2 · models: what learns.

The model contract (``kinds``, ``collate``, ``loss``, ``predict``) and the course models that
follow it: linear map and MLP, bag of words, token tagger, tokenizers and the tiny
text-to-text transformer. Uses tasks and the foundation. Taught in notebooks 02-04 and 06-07.
"""
from __future__ import annotations

from . import base
from . import tokenizers
from . import transformer
from . import dense_bag_of_words

__all__ = [*base.__all__, *tokenizers.__all__, *transformer.__all__, *dense_bag_of_words.__all__]

from .base import *  # noqa: F401,F403  (the names in base.__all__)
from .tokenizers import *  # noqa: F401,F403  (the names in tokenizers.__all__)
from .transformer import *  # noqa: F401,F403  (the names in transformer.__all__)
from .dense_bag_of_words import *  # noqa: F401,F403  (the names in dense_bag_of_words.__all__)
