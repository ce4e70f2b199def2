"""Checks on output paths, so that writing a result never destroys something else.

Every file scaleuq writes goes through :func:`scaleuq.util.atomic.atomic_open`, which calls
:func:`check_output` first. An output is refused (:class:`OutputPathError`, one line) when it

* is one of the inputs of the same call (same file by ``os.path.samefile``, which also catches
  hard links and symbolic links to it, or the same resolved path);
* is a directory;
* exists and is not a regular file (a FIFO, a character or block device, a socket);
* is a symbolic link. scaleuq writes a temporary file beside the output and renames it over the
  output; through a link that would replace the link itself, not its target. Rather than follow
  links, scaleuq refuses them: give the target's path instead.

The inputs come from the caller (``inputs=``) and from :func:`declared_inputs`: the command line
declares every path a command reads for the duration of the command, so that every writer, in
every command, refuses to overwrite them without passing them around.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from scaleuq.errors import OutputPathError

__all__ = ["OutputPathError", "check_output", "declared_inputs", "inputs_in_use"]

StrPath = str | os.PathLike[str]

_INPUTS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "scaleuq_inputs", default=()
)


@contextlib.contextmanager
def declared_inputs(paths: Iterable[StrPath]) -> Iterator[None]:
    """Within the block, every output is also checked against ``paths`` (nested blocks add)."""
    token = _INPUTS.set((*_INPUTS.get(), *(os.fspath(p) for p in paths)))
    try:
        yield
    finally:
        _INPUTS.reset(token)


def inputs_in_use() -> tuple[str, ...]:
    """The inputs declared by the enclosing :func:`declared_inputs` blocks."""
    return _INPUTS.get()


def _same(output: Path, given: str) -> bool:
    candidate = Path(given)
    with contextlib.suppress(OSError):
        if os.path.samefile(output, candidate):
            return True
    with contextlib.suppress(OSError, RuntimeError):
        return output.resolve() == candidate.resolve()
    return False


def check_output(path: StrPath, *, inputs: Iterable[StrPath] = ()) -> Path:
    """Refuse an output path that would destroy an input or something that is not a file.

    Args:
        path: where a file is about to be written.
        inputs: paths read by the same call (beside those of :func:`declared_inputs`).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OutputPathError: one line naming the path and what it is.
    """
    output = Path(path)
    try:
        info = os.lstat(output)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputPathError(f"cannot write {output}: {exc.strerror or exc}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise OutputPathError(
                f"output {output} is a symbolic link; scaleuq does not write through links "
                f"(it would replace the link): give the target's path ({output.resolve()})"
            )
        if stat.S_ISDIR(info.st_mode):
            raise OutputPathError(f"output {output} is a directory; give a file name")
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a FIFO"
                if stat.S_ISFIFO(info.st_mode)
                else "a socket"
                if stat.S_ISSOCK(info.st_mode)
                else "a device"
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "not a regular file"
            )
            raise OutputPathError(
                f"output {output} is {kind}; scaleuq writes only regular files (omit the "
                "output option to write to stdout)"
            )
    for given in (*(os.fspath(p) for p in inputs), *_INPUTS.get()):
        if _same(output, given):
            raise OutputPathError(
                f"output {output} is also an input ({given}); choose another output file"
            )
    return output
