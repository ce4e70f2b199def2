"""The PDF backend interface: what every engine that evaluates a PDF set implements.

A backend evaluates some members of one PDF set. Every backend implements :class:`PDFBackend`:

* ``members``: the member numbers it holds, in row order;
* ``flavours``: the parton ids it knows (LHAPDF numbering, 21 the gluon);
* ``xfxq(pid, x, q, *, rows=None)``: arrays of (parton id, x, Q in GeV) in, an
  (n_rows, n) array of x f(x, Q) out (``rows``: positions in ``members``);
* ``alphas_q(q)``: alpha_s at an array of Q (GeV);

and, to be chosen by name, the class method ``open`` (a set's location and members in, a
backend out). The registry of named backends is :mod:`scaleuq.pdf.registry`.

Adding a backend: a module with a :class:`PDFBackend` subclass that sets ``name`` and
``description`` and implements ``open``, ``flavours``, ``x_range``, ``q_range``, ``xfxq2`` and
``alphas_q`` (and ``available`` when it needs an optional module); then one line in
:mod:`scaleuq.pdf.registry` (or ``register_backend(MyBackend)`` from the user's own code).

:class:`PDFSource` is what a consumer of a loaded set needs (the re-weighting engine, the
decorrelation weights): :class:`scaleuq.pdf.PDFSet` implements it on top of any backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from scaleuq.errors import PDFError

if TYPE_CHECKING:
    import numpy as np

    from scaleuq.pdf.alphas import AlphaS
    from scaleuq.pdf.location import SetLocation


class PDFBackend(ABC):
    """Some members of one PDF set, evaluated by one engine (see the module docstring)."""

    #: registry name (``--pdf-backend NAME``)
    name: ClassVar[str] = ""
    #: one line for the CLI help
    description: ClassVar[str] = ""

    members: tuple[int, ...]

    @classmethod
    def available(cls) -> bool:
        """Whether the engine can run here (an optional module importable)."""
        return True

    @classmethod
    def open(
        cls,
        location: SetLocation,
        members: Sequence[int],
        *,
        info: Mapping[str, Any],
        alphas: AlphaS,
        interpolation: str,
        extrapolation: str,
    ) -> PDFBackend:
        """Open ``members`` of the set at ``location`` (``info``: its checked ``.info``, {}
        when it has none; ``alphas``: the set's alpha_s as scaleuq reads it).

        Raises:
            PDFError: the set cannot be evaluated by this engine (with the reason).
        """
        raise PDFError(f"the PDF backend '{cls.name or cls.__name__}' does not open sets by name")

    @property
    @abstractmethod
    def flavours(self) -> tuple[int, ...]:
        """Parton ids the set holds."""

    @property
    @abstractmethod
    def x_range(self) -> tuple[float, float]:
        """(x_min, x_max) of the grid."""

    @property
    @abstractmethod
    def q_range(self) -> tuple[float, float]:
        """(Q_min, Q_max) of the grid in GeV."""

    @abstractmethod
    def xfxq2(self, pid: np.ndarray, x: np.ndarray, q2: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """x f at equal-length int64/float64 arrays (physical points: 0 < x <= 1, Q^2 >= 0)
        for the member rows ``rows``: an (len(rows), n) array."""

    def xfxq(self, pid: Any, x: Any, q: Any, *, rows: Any = None) -> np.ndarray:
        """x f(x, Q) (Q in GeV): arrays (or scalars) in, an (n_rows, n) array out."""
        import numpy as np

        pid, x, q = np.broadcast_arrays(
            np.atleast_1d(np.asarray(pid, dtype=np.int64)),
            np.atleast_1d(np.asarray(x, dtype=np.float64)),
            np.atleast_1d(np.asarray(q, dtype=np.float64)),
        )
        which = np.arange(len(self.members)) if rows is None else np.atleast_1d(rows)
        return self.xfxq2(pid, x, q * q, np.asarray(which, dtype=np.int64))

    @abstractmethod
    def alphas_q(self, q: Any) -> np.ndarray:
        """alpha_s at Q (GeV), array in, array out."""


class PDFSource(Protocol):
    """What the weights need of a loaded PDF set (:class:`scaleuq.pdf.PDFSet` is one).

    ``xfxq`` takes arrays of (pid, x, Q in GeV) and the member rows, and returns an
    (n_rows, n) array of x f; ``alphas_q`` returns alpha_s at arrays of Q.
    """

    name: str
    members: tuple[int, ...]

    @property
    def x_range(self) -> tuple[float, float]: ...

    @property
    def pids(self) -> tuple[int, ...]: ...

    def lhapdf_ids(self) -> list[int | None]: ...

    def xfxq(self, pid: Any, x: Any, q: Any, *, rows: Any = None) -> np.ndarray: ...

    def alphas_q(self, q: Any) -> np.ndarray: ...
