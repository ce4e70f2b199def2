"""Atomic output: a file is either fully written or untouched.

Every writer checks its path first (:func:`scaleuq.util.paths.check_output`): an output that is
one of the inputs, a directory, a symbolic link or a special file (FIFO, device, socket) is
refused with :class:`~scaleuq.util.paths.OutputPathError` before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from scaleuq.util.paths import check_output


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _default_mode()


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Iterator[IO]:
    """Open a temporary file beside ``path``; move it over ``path`` only on success.

    If the body raises, the temporary file is removed and ``path`` is left as it was. ``path``
    is checked first against ``inputs`` (and the declared inputs of the command, see
    :func:`scaleuq.util.paths.declared_inputs`); a refused path raises
    :class:`~scaleuq.util.paths.OutputPathError` before anything is written.
    """
    target = check_output(path, inputs=inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, _MODE)
        binary = "b" in mode
        with os.fdopen(fd, mode, **({} if binary else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(
    path: str | os.PathLike[str], text: str, *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8); ``inputs`` as for :func:`atomic_open`."""
    with atomic_open(path, "w", inputs=inputs) as handle:
        handle.write(text)


def atomic_write_bytes(
    path: str | os.PathLike[str], data: bytes, *, inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Write ``data`` to ``path`` atomically; ``inputs`` as for :func:`atomic_open`."""
    with atomic_open(path, "wb", inputs=inputs) as handle:
        handle.write(data)
