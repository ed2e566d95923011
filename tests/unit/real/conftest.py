"""Shared fixtures of the tests of the real layer: the pinned MiniLM, loaded once."""
from __future__ import annotations

import pytest
import torch

from metamap_edu.real import minilm as E


@pytest.fixture(scope="module")
def minilm():
    if not E.minilm_available():
        pytest.skip(f"optional extra 'pretrained' missing: {E.MINILM_INSTALL_HINT}")
    torch.set_num_threads(1)
    return E.load_minilm()

