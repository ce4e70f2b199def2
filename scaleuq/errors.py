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


class ProcessSyntaxError(ScaleUQError):
    """A process string does not follow MadGraph's syntax."""


class HwUError(ScaleUQError):
    """A HwU file is malformed."""


class PDFError(ScaleUQError):
    """A PDF set is missing, malformed, or asked for outside its range."""


class SampleError(ScaleUQError):
    """A decorrelation sample file is missing or malformed."""


class NanoAODError(ScaleUQError):
    """A CMS NanoAOD file is unreadable, truncated, lacks the weights asked for, or does not
    belong with the other files of its sample."""


class ExportError(ScaleUQError):
    """A workspace or patch cannot be built (mismatched bins, missing band, bad workspace)."""


class ClusterError(ScaleUQError):
    """A Dask scheduler cannot be reached, or a task on it failed (named with its input)."""


class OutputPathError(OptionError):
    """An output path would overwrite an input, a directory, a link or a special file."""


class MissingDependencyError(ScaleUQError):
    """An optional dependency is needed for this feature but is not installed."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the optional package '{package}': "
            f'install it with `pip install "scaleuq[{extra}]"` (or `pip install {package}`)'
        )
        self.package = package
        self.extra = extra


class LHAPDFMissingError(MissingDependencyError):
    """``--pdf-backend lhapdf`` without the LHAPDF Python module. It is built and installed
    with the LHAPDF C++ library (https://lhapdf.hepforge.org/install.html), not by pip, so no
    scaleuq extra provides it."""

    def __init__(self) -> None:
        ScaleUQError.__init__(
            self,
            "--pdf-backend lhapdf needs the LHAPDF Python module, which is not importable: install "
            "LHAPDF 6 with its Python bindings (https://lhapdf.hepforge.org/install.html) or use "
            "--pdf-backend builtin",
        )
        self.package = "lhapdf"
        self.extra = ""


def location(path: object, line: int | None = None) -> str:
    """Format ``file:line`` (or just ``file``) for error messages."""
    return f"{path}:{line}" if line is not None else f"{path}"
