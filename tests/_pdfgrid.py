"""Toy LHAPDF6 sets for the tests: one ``lhagrid1`` writer and one set writer (member files and
an ``.info``), used by ``test_pdf*.py``, ``test_reweight*.py`` and the decorrelation tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

PIDS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 21, 22)
XS = np.concatenate([np.logspace(-6, -1, 20), np.linspace(0.12, 1.0, 12)])
SUBS = [np.geomspace(1.0, 4.5, 6), np.geomspace(4.5, 1e4, 25)]

#: alpha_s and masses of a toy ``.info`` (an ODE at one loop from alpha_s(M_Z) = 0.118).
ALPHAS_INFO = (
    "AlphaS_Type: ode\nAlphaS_MZ: 0.118\nAlphaS_OrderQCD: 0\nMZ: 91.1876\n"
    "MCharm: 1.3\nMBottom: 4.75\nMTop: 172.5\n"
)


def bilinear(pid: int, lx: np.ndarray, lq2: np.ndarray) -> np.ndarray:
    """A test function linear in log x and in log Q^2 (LHAPDF's logcubic reproduces it)."""
    return 0.3 + 0.01 * pid + 0.05 * lx + 0.02 * lq2 + 0.004 * lx * lq2


def toy(pid: int, lx: float, lq2: float) -> float:
    """A positive toy PDF, different for every flavour and scale dependent."""
    return np.exp(-0.3 * lx) * (1 - np.exp(lx)) ** 3 * (1 + 0.03 * lq2) * (1 + 0.05 * abs(pid % 7))


def write_grid(
    path: Path,
    xs: np.ndarray = XS,
    subgrids: list[np.ndarray] = SUBS,
    func: Callable = bilinear,
    pids: tuple[int, ...] = PIDS,
) -> Path:
    """Write one ``lhagrid1`` member file with x f = func(pid, ln x, ln Q^2) on the knots."""
    lines = ["PdfType: central", "Format: lhagrid1", "---"]
    for qs in subgrids:
        lines.append(" ".join(f"{v:.15e}" for v in xs))
        lines.append(" ".join(f"{v:.15e}" for v in qs))
        lines.append(" ".join(str(p) for p in pids))
        for x in xs:
            for q in qs:
                lines.append(" ".join(f"{func(p, np.log(x), 2 * np.log(q)):.17e}" for p in pids))
        lines.append("---")
    path.write_text("\n".join(lines) + "\n")
    return path


def write_set(
    folder: Path,
    name: str,
    n_members: int,
    member_func: Callable[[int], Callable],
    info: str,
) -> Path:
    """Write an LHAPDF set directory ``folder/name`` (members ``name_NNNN.dat`` from
    ``member_func(k)``, and ``name.info`` with ``info``); returns the set directory."""
    d = folder / name
    d.mkdir(parents=True, exist_ok=True)
    for k in range(n_members):
        write_grid(d / f"{name}_{k:04d}.dat", func=member_func(k))
    (d / f"{name}.info").write_text(info)
    return d
