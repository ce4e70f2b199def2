"""Loading numba kernels without numba's entry-point extensions.

On the first compilation or cache load of a process, numba imports every installed package that
registers a ``numba_extensions`` entry point (awkward and vector do; vector imports sympy): 0.5 s
and about 100 MB before the first event is read, for extensions scaleuq's kernels (plain numpy
arrays) never use. :func:`numba_without_extensions` keeps that discovery out of scaleuq's kernel
calls and restores numba's state afterwards, so a user's own numba code compiled later in the same
process still gets its extensions (numba loads them at that compilation).

It also keeps SciPy out of numba's set-up: on the first compilation or cache load numba imports
its NumPy implementations (``numba.np.arraymath``), whose import checks for a BLAS by importing
``scipy.linalg.cython_blas`` (SciPy's linear algebra: 0.3-0.5 s here, for kernels that call no
BLAS). :func:`numba_without_extensions` loads them first with that module marked unimportable
(for that moment only), then records BLAS as available when SciPy is installed, as numba would:
a user's ``np.dot`` or ``np.convolve`` compiled later imports SciPy then, at its first use.
"""

from __future__ import annotations

import importlib.util
import sys
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
            _load_numpy_support()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                entrypoints._already_initialized = _saved


_BLAS = "scipy.linalg.cython_blas"


def _load_numpy_support() -> None:
    """Load numba's NumPy implementations (its target registries) without importing SciPy's
    linear algebra, when neither is loaded yet (see the module docstring)."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    from numba.core.registry import cpu_target

    sys.modules[_BLAS] = None  # type: ignore[assignment]  # an import of it fails at once
    try:
        cpu_target.target_context.refresh()
    finally:
        if sys.modules.get(_BLAS, 0) is None:
            del sys.modules[_BLAS]
    arraymath = sys.modules.get("numba.np.arraymath")
    if arraymath is not None and not getattr(arraymath, "_HAVE_BLAS", True):
        arraymath._HAVE_BLAS = importlib.util.find_spec("scipy") is not None
