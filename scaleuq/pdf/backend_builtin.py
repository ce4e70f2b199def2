"""The ``builtin`` PDF backend: LHAPDF6 grids read and interpolated in numpy (:mod:`.grid`),
parsed grids kept in the checked cache (:mod:`.cache`), alpha_s from :mod:`.alphas`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.pdf.backend import PDFBackend
from scaleuq.pdf.cache import read_members
from scaleuq.pdf.grid import GridMember, evaluate, members_last

if TYPE_CHECKING:
    from scaleuq.pdf.alphas import AlphaS
    from scaleuq.pdf.location import SetLocation


class BuiltinBackend(PDFBackend):
    """Members of an LHAPDF6 set as one stacked numpy array.

    Attributes:
        grid: the first member's knots (shared by all members) and values.
        values: (n_members, n_pids, n_x, n_q) knot values.
        values_t: the same, members last (the compiled kernels' layout).
    """

    name = "builtin"
    description = "scaleuq's numpy reader of LHAPDF6 grids"

    def __init__(
        self,
        members: Sequence[int],
        grid: GridMember,
        values: np.ndarray,
        alphas: AlphaS,
        *,
        interpolation: str = "lhapdf",
        extrapolation: str = "continuation",
        force_positive: int = 0,
    ) -> None:
        self.members = tuple(int(m) for m in members)
        self.grid = grid
        self.values = values
        self.values_t = members_last(values)
        self.alphas = alphas
        self.interpolation = interpolation
        self.extrapolation = extrapolation
        # Pythia's PDF::xf returns max(0, x f)
        self.force_positive = (
            max(force_positive, 1) if interpolation == "pythia" else force_positive
        )

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
    ) -> BuiltinBackend:
        wanted = [int(m) for m in members]
        paths = [location.member_paths[m] for m in wanted]
        grid, values = read_members(paths, wanted)
        return cls(
            wanted,
            grid,
            values,
            alphas,
            interpolation=interpolation,
            extrapolation=extrapolation,
            force_positive=int(info.get("ForcePositive", 0) or 0),
        )

    @property
    def flavours(self) -> tuple[int, ...]:
        return self.grid.pids

    @property
    def x_range(self) -> tuple[float, float]:
        return float(self.grid.x[0]), float(self.grid.x[-1])

    @property
    def q_range(self) -> tuple[float, float]:
        return self.grid.q_min, self.grid.q_max

    def xfxq2(self, pid: np.ndarray, x: np.ndarray, q2: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return evaluate(
            self.grid,
            self.values,
            pid,
            x,
            q2,
            interpolation=self.interpolation,
            extrapolation=self.extrapolation,
            force_positive=self.force_positive,
            rows=rows,
            values_t=self.values_t,
        )

    def alphas_q(self, q: Any) -> np.ndarray:
        return self.alphas(np.asarray(q, dtype=np.float64))
