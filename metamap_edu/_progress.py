"""Progress bars for long loops: ``tqdm.auto`` (a widget in Jupyter, text in a terminal).

``progress=False`` turns a bar off; so does ``TQDM_DISABLE=1`` in the environment, which headless
builds and the tests set so that stored notebooks never show bars (their text holds timings).
An explicit ``disable=`` argument would override tqdm's own reading of that variable, hence this
one place that honours both.
"""
from __future__ import annotations

import os

from tqdm.auto import tqdm


def bars_disabled(progress: bool = True) -> bool:
    """True when no bar should be drawn: ``progress`` is off or ``TQDM_DISABLE`` is set."""
    return (not progress) or os.environ.get("TQDM_DISABLE", "").strip().lower() in ("1", "true", "yes")



def progress_bar(iterable, desc: str, progress: bool = True, total: int | None = None):
    """``iterable`` wrapped in a ``tqdm.auto`` bar that follows :func:`bars_disabled`.

    The bar leaves nothing behind when done (``leave=False``), so finished cells stay clean.
    """
    return tqdm(iterable, desc=desc, total=total, disable=bars_disabled(progress), leave=False)
