"""Exceptions raised by scaleuq.

Every error a user can cause derives from :class:`ScaleUQError`. Its message is one line that
names the file, line or process at fault and says how to fix it; the command line prints it
and exits with status 1 (a traceback only with ``--debug``).
"""

from __future__ import annotations


class ScaleUQError(Exception):
    """Base class of every error scaleuq raises on bad input or bad options."""


class TableError(ScaleUQError):
    """A cross-section table is malformed (missing columns, non-numeric or invalid values)."""


class UnitError(TableError):
    """A column or value names a unit that scaleuq does not know."""


class DuplicateProcessError(TableError):
    """The same process appears twice among the tables read together."""


class NotationError(TableError):
    """A line in MadGraph paper notation could not be parsed."""


class OptionError(ScaleUQError):
    """An option value is invalid (unknown convention, empty reference set, ...)."""


class LHEError(ScaleUQError):
    """A Les Houches Event file is malformed, truncated or inconsistent."""


class MadGraphError(ScaleUQError):
    """A MadGraph run directory or output file could not be read."""


class MissingDependencyError(ScaleUQError):
    """An optional dependency is needed for this feature but is not installed."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the optional package '{package}': "
            f'install it with `pip install "scaleuq[{extra}]"` (or `pip install {package}`)'
        )
        self.package = package
        self.extra = extra


def location(path: object, line: int | None = None) -> str:
    """Format ``file:line`` (or just ``file``) for error messages."""
    return f"{path}:{line}" if line is not None else f"{path}"
