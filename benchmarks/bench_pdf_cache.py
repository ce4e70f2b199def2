"""What the grid cache's checks cost: loading 101 members of a set three ways, in one run.

1. parsed: the 101 ``.dat`` files read and parsed (``SCALEUQ_CACHE_DIR=off``);
2. cached, checked: the ``.npz`` entry read and validated (key, shapes, CRC-32 of the arrays),
   what ``load_pdf`` does;
3. cached, unchecked: the same entry read without the checksum (what the cache did before it
   was validated; measured by timing the read and subtracting the checksum's own time).

The set is 101 copies of pythia8mc's NNPDF23_lo_as_0130_qed central grid (a timing proxy, not
physics). Needs pythia8mc. ``python benchmarks/bench_pdf_cache.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def build(directory: Path, n: int = 101) -> Path:
    from scaleuq.pdf import pythia_pdfdata

    data = pythia_pdfdata()
    if data is None or not (data / "NNPDF23_lo_as_0130_qed_0000.dat").is_file():
        raise SystemExit('needs pythia8mc\'s grids: pip install "scaleuq[mc]"')
    d = directory / "proxy"
    d.mkdir(parents=True)
    for k in range(n):
        shutil.copyfile(data / "NNPDF23_lo_as_0130_qed_0000.dat", d / f"proxy_{k:04d}.dat")
    (d / "proxy.info").write_text("NumMembers: 101\nAlphaS_MZ: 0.130\nAlphaS_OrderQCD: 0\n")
    old = time.time() - 60
    for f in d.iterdir():
        os.utime(f, (old, old))
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from scaleuq.pdf import cache, load_pdf

    with tempfile.TemporaryDirectory() as tmp:
        root = build(Path(tmp) / "sets")
        os.environ["SCALEUQ_CACHE_DIR"] = "off"
        parsed = []
        for _ in range(max(1, args.repeat // 2)):
            t = time.perf_counter()
            ref = load_pdf("proxy", members="all", pdf_path=root)
            parsed.append(time.perf_counter() - t)
        os.environ["SCALEUQ_CACHE_DIR"] = str(Path(tmp) / "cache")
        load_pdf("proxy", members="all", pdf_path=root)  # writes the entry
        checked, digest = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            got = load_pdf("proxy", members="all", pdf_path=root)
            checked.append(time.perf_counter() - t)
            vt, x, qs = got._values_t, got._grid.x, [s.q for s in got._grid.subgrids]
            t = time.perf_counter()
            cache._digest(vt, x, qs)
            digest.append(time.perf_counter() - t)
        assert np.array_equal(got._values, ref._values)
    p, c, h = (statistics.median(v) for v in (parsed, checked, digest))
    size = ref._values.nbytes / 2**20
    print(f"101 members, {size:.1f} MiB of knot values (median of {args.repeat} runs)")
    print(f"  parsed:            {p * 1e3:8.1f} ms")
    print(f"  cached, checked:   {c * 1e3:8.1f} ms  ({p / c:.1f}x faster than parsing)")
    print(f"  of which CRC-32:   {h * 1e3:8.1f} ms  ({h / c:.0%} of the checked load)")
    print(
        f"  cached, unchecked: {(c - h) * 1e3:8.1f} ms  (checked / unchecked = {c / (c - h):.2f})"
    )


if __name__ == "__main__":
    main()
