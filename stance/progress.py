"""Progress bars that can be turned off (``progress=False``, ``--no-progress`` or ``STANCE_NO_PROGRESS=1``)."""

from __future__ import annotations

import os
from typing import Iterable, TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], *, enabled: bool = True, **kwargs) -> Iterable[T]:
    """Wrap an iterable in a tqdm bar on stderr, unless disabled here or by ``STANCE_NO_PROGRESS``."""
    if not enabled or os.environ.get("STANCE_NO_PROGRESS"):
        return items
    from tqdm.auto import tqdm

    return tqdm(items, dynamic_ncols=True, leave=False, **kwargs)
