"""Loading numba kernels without numba's entry-point extensions.

On the first compilation or cache load of a process, numba imports every installed package that
registers a ``numba_extensions`` entry point (awkward and vector do; vector imports sympy): 0.5 s
and about 100 MB before the first event is read, for extensions scaleuq's kernels (plain numpy
arrays) never use. :func:`numba_without_extensions` keeps that discovery out of scaleuq's kernel
calls and restores numba's state afterwards, so a user's own numba code compiled later in the same
process still gets its extensions (numba loads them at that compilation).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_saved = False


@contextmanager
def numba_without_extensions() -> Iterator[None]:
    """Run numba kernels (their first call: compilation or cache load) without loading the
    ``numba_extensions`` entry points of installed packages (re-entrant, thread-safe)."""
    global _depth, _saved
    try:
        from numba.core import entrypoints
    except ImportError:  # pragma: no cover - numba missing: nothing to keep out
        yield
        return
    with _lock:
        if _depth == 0:
            _saved = entrypoints._already_initialized
            entrypoints._already_initialized = True
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                entrypoints._already_initialized = _saved
