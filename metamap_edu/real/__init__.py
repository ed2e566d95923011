"""Layer 4 · real: real data and real models.

Your own labelled utterances as tasks (``realdata``: loading, cleaning, the demo set), the TF-IDF
baseline (``tfidf``), the pinned MiniLM sentence encoder (``minilm``) and its few-shot use
(``minilm_fewshot``), and the Hugging Face bridge. Uses learn, models, tasks and the foundation;
never experiments. Taught in notebook 08.
"""
from __future__ import annotations

from . import tfidf
from . import realdata
from . import minilm
from . import minilm_fewshot
from . import hf_bridge

__all__ = [*realdata.__all__, *tfidf.__all__, *minilm.__all__, *minilm_fewshot.__all__, *hf_bridge.__all__]

from .realdata import *  # noqa: F401,F403  (the names in realdata.__all__)
from .tfidf import *  # noqa: F401,F403  (the names in tfidf.__all__)
from .minilm import *  # noqa: F401,F403  (the names in minilm.__all__)
from .minilm_fewshot import *  # noqa: F401,F403  (the names in minilm_fewshot.__all__)
from .hf_bridge import *  # noqa: F401,F403  (the names in hf_bridge.__all__)
