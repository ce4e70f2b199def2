"""Synthetic MadGraph-like LHE files for tests and benchmarks (not physics: the kinematics are
random numbers of the right shape; the scale weights follow a smooth made-up dependence).

The header mimics MadGraph5_aMC@NLO 3.x: a ``<MG5ProcCard>`` with the ``generate`` line,
``<MGGenerationInfo>``, an ``<initrwgt>`` with MUR/MUF attributes, the ``<init>`` block. Weight
ids are deliberately *not* in (k_R, k_F) order, so that readers must map them by name.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from scaleuq.io.lhe.reader import gzip_writer
from scaleuq.util.atomic import atomic_open

SCALE_POINTS = [(kr, kf) for kr in (1.0, 2.0, 0.5) for kf in (1.0, 2.0, 0.5)]


def _header(
    process: str, xsec: float, xerr: float, ids: list[str], points: list[tuple[float, float]]
) -> str:
    weights = "\n".join(
        f'<weight id="{i}" MUR="{kr}" MUF="{kf}" PDF="247000" > MUR={kr} MUF={kf} </weight>'
        for i, (kr, kf) in zip(ids, points, strict=True)
    )
    return (
        '<LesHouchesEvents version="3.0">\n<header>\n<MG5ProcCard>\n'
        f"import model sm\ngenerate {process}\noutput synthetic\n</MG5ProcCard>\n"
        "<MGGenerationInfo>\n#  Number of Events        :       0\n"
        f"#  Integrated weight (pb)  :       {xsec}\n</MGGenerationInfo>\n"
        '<initrwgt>\n<weightgroup name="Central scale variation" combine="envelope">\n'
        f"{weights}\n</weightgroup>\n</initrwgt>\n</header>\n<init>\n"
        "2212 2212 6.500000e+03 6.500000e+03 0 0 247000 247000 -4 1\n"
        f"{xsec:.6e} {xerr:.6e} {xsec:.6e} 1\n</init>\n"
    )


def write_synthetic_lhe(
    path: str | Path,
    n_events: int,
    *,
    n_particles: int = 6,
    process: str = "p p > z j j",
    xsec_pb: float = 100.0,
    seed: int = 0,
    compress: bool | None = None,
    chunk: int = 20000,
) -> Path:
    """Write a synthetic LHE file with 9 (k_R, k_F) scale weights per event.

    Args:
        path: output file; ``.gz`` compresses (unless ``compress`` says otherwise).
        n_events: number of events.
        n_particles: particles per event (2 incoming + the rest outgoing).
        process: the process written into the proc card.
        xsec_pb: the cross section in ``<init>``; event weights average to it.
        seed: random seed.
        compress: force gzip on or off.
        chunk: events formatted per block (memory stays bounded).

    Returns:
        The path written.
    """
    path = Path(path)
    compress = path.suffix == ".gz" if compress is None else compress
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(SCALE_POINTS))
    points = [SCALE_POINTS[i] for i in order]
    ids = [str(1001 + i) for i in range(len(points))]
    kr = np.array([p[0] for p in points])
    kf = np.array([p[1] for p in points])
    with atomic_open(path, "wb") as raw:
        handle = gzip_writer(raw, level=6, threads=0) if compress else raw
        handle.write(_header(process, xsec_pb, 0.01 * xsec_pb, ids, points).encode())
        for start in range(0, n_events, chunk):
            handle.write(
                _events(rng, min(chunk, n_events - start), n_particles, xsec_pb, ids, kr, kf)
            )
        handle.write(b"</LesHouchesEvents>\n")
        if compress:
            handle.close()
    return path


def _events(rng, n, n_particles, xsec, ids, kr, kf) -> bytes:
    w = xsec * rng.uniform(0.5, 1.5, n)
    scale = rng.uniform(20, 200, n)
    slope_r = rng.normal(-0.12, 0.02, n)
    slope_f = rng.normal(0.05, 0.02, n)
    var = w[:, None] * (1 + slope_r[:, None] * np.log2(kr) + slope_f[:, None] * np.log2(kf))
    p = rng.normal(0, 50, (n, n_particles, 3))
    e = np.sqrt((p**2).sum(-1) + 1.0)
    buf = io.StringIO()
    pid = [21, 2, *[1, -1, 11, -11, 21, 2, 3, 4][: n_particles - 2]]
    for i in range(n):
        buf.write(
            f"<event>\n {n_particles:2d}      1 {w[i]:+.7e} {scale[i]:.8e} 7.54677100e-03 1.18000000e-01\n"
        )
        for j in range(n_particles):
            status = -1 if j < 2 else 1
            moth = "0    0" if j < 2 else "1    2"
            buf.write(
                f" {pid[j]:8d} {status:2d} {moth} {501 + j:4d} {0:4d} {p[i, j, 0]:+.10e} {p[i, j, 1]:+.10e}"
                f" {p[i, j, 2]:+.10e} {e[i, j]:.10e} {0.0:.10e} 0.0000e+00 {1.0 if status < 0 else 9.0:.4e}\n"
            )
        buf.write("<rwgt>\n")
        for k, wid in enumerate(ids):
            buf.write(f"<wgt id='{wid}'> {var[i, k]:+.7e} </wgt>\n")
        buf.write("</rwgt>\n</event>\n")
    return buf.getvalue().encode()
