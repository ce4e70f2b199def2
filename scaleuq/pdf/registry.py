"""The registry of PDF backends, chosen by name the way pyhf chooses tensor backends.

:data:`PDF_BACKENDS` maps a name to a :class:`scaleuq.pdf.backend.PDFBackend` subclass:
``builtin`` (scaleuq's numpy reader, the default) and ``lhapdf`` (the LHAPDF Python module,
usable where ``import lhapdf`` works; the module is imported only when a set is opened).
:func:`get_backend` resolves a name (None: the default), :func:`set_backend` changes the default
that ``load_pdf(backend=None)`` uses (as ``pyhf.set_backend``), :func:`register_backend` adds
one. The CLI's ``--pdf-backend`` choices are this registry's names, read when shown
(:class:`scaleuq.cli.options.RegistryChoice`), so a registered backend is accepted there too.
"""

from __future__ import annotations

from scaleuq.errors import PDFError
from scaleuq.pdf.backend import PDFBackend
from scaleuq.pdf.backend_builtin import BuiltinBackend
from scaleuq.pdf.backend_lhapdf import LHAPDFBackend
from scaleuq.util.registry import Registry

PDF_BACKENDS: Registry[type[PDFBackend]] = Registry("PDF backend")

_default = "builtin"


def register_backend(cls: type[PDFBackend], *, replace: bool = False) -> type[PDFBackend]:
    """Add a backend class under ``cls.name`` (usable as a class decorator).

    Raises:
        PDFError: not a :class:`PDFBackend` subclass, or it does not implement ``open``.
        OptionError: no name, or the name is taken (unless ``replace``).
    """
    if not (isinstance(cls, type) and issubclass(cls, PDFBackend)):
        raise PDFError(f"{cls!r} is not a PDFBackend subclass")
    if cls.open.__func__ is PDFBackend.open.__func__:  # type: ignore[attr-defined]
        raise PDFError(f"PDF backend {cls.__name__} does not implement open()")
    return PDF_BACKENDS.register(cls.name, cls, replace=replace)


def unregister_backend(name: str) -> None:
    """Remove a backend added with :func:`register_backend` (``builtin`` stays)."""
    global _default
    if name == "builtin":
        raise PDFError("the builtin PDF backend cannot be removed")
    PDF_BACKENDS.unregister(name)
    if _default == name:
        _default = "builtin"


def backend_names() -> tuple[str, ...]:
    """The registered backend names."""
    return PDF_BACKENDS.names()


def get_backend(name: str | None = None) -> type[PDFBackend]:
    """The backend class registered as ``name`` (None: the default, see :func:`set_backend`).

    Raises:
        OptionError: an unknown name (the message lists the known ones).
    """
    return PDF_BACKENDS.get(_default if name is None else name)


def set_backend(name: str) -> None:
    """Make ``name`` the backend that ``load_pdf(backend=None)`` uses."""
    global _default
    get_backend(name)
    _default = name


def default_backend() -> str:
    """The name :func:`get_backend` resolves None to."""
    return _default


register_backend(BuiltinBackend)
register_backend(LHAPDFBackend)
