"""Keep third-party libraries' prints off stdout, at the file-descriptor level.

C and C++ libraries (FastJet's banner at its first clustering, Pythia's init and statistics
blocks, Minuit's warnings, numba's compiler messages) write to file descriptor 1 directly, past
``sys.stdout``; ``contextlib.redirect_stdout`` cannot catch them. :func:`stdout_to_stderr`
points descriptor 1 at descriptor 2 (``os.dup2``) for the duration of a block, so that a
command's stdout carries only what its ``--format`` promises, and the libraries' messages
still reach the user on stderr (or nowhere, with ``target="devnull"``). Worker processes
forked inside the block inherit the redirection.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator

__all__ = ["stdout_to_stderr"]


def _flush_c_stdio() -> None:
    """Flush the C library's stdio buffers (``fflush(NULL)``), so that what C code wrote before
    the switch goes to the old target and nothing written inside reaches the new one late."""
    with contextlib.suppress(Exception):  # no libc found: nothing buffered by it to flush
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def stdout_to_stderr(target: str = "stderr") -> Iterator[None]:
    """Redirect file descriptor 1 to stderr (``target="stderr"``) or to ``/dev/null``
    (``target="devnull"``) inside the block; restore it afterwards, also on an exception.

    Python's ``sys.stdout`` and the C stdio buffers are flushed on the way in and out. When
    descriptor 1 or 2 is not a real descriptor (``sys.stdout`` replaced by a test runner, or a
    closed stream), the block runs unchanged except that ``sys.stdout`` is pointed at
    ``sys.stderr``, which is all that can be redirected then.

    Example::

        with stdout_to_stderr():
            clusters = fastjet.ClusterSequence(particles, jet_def)  # banner goes to stderr
        print(json_text)  # stdout: only the JSON

    Args:
        target: "stderr" (default) or "devnull".
    """
    if target not in ("stderr", "devnull"):
        raise ValueError(f"target must be 'stderr' or 'devnull', got {target!r}")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    _flush_c_stdio()
    try:
        saved = os.dup(1)
    except OSError:  # descriptor 1 is closed: nothing can reach stdout anyway
        saved = -1
    sink = -1
    try:
        if saved >= 0:
            if target == "devnull":
                sink = os.open(os.devnull, os.O_WRONLY)
                os.dup2(sink, 1)
            else:
                os.dup2(2, 1)
        with contextlib.ExitStack() as stack:
            stream = (
                sys.stderr if target == "stderr" else stack.enter_context(open(os.devnull, "w"))
            )
            stack.enter_context(contextlib.redirect_stdout(stream))
            yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        _flush_c_stdio()
        if saved >= 0:
            os.dup2(saved, 1)
            os.close(saved)
        if sink >= 0:
            os.close(sink)
