"""Peak memory of the pull-distribution fit with a chunked bootstrap against one unchunked batch.

Usage: python benchmarks/bench_fit_memory.py [--rows 100000] [--bootstrap 100 2000]
       [--models gauss cauchy] [--gof 100] [--cap-gb 8]

Each configuration runs in a fresh child process that draws ``--rows`` Cauchy pulls (seed 0),
fits them as ``scaleuq fit`` does (:func:`scaleuq.stats.fitting.fit_models` with the bootstrap
and the goodness-of-fit pseudo samples, then :func:`scaleuq.stats.coverage.calibrate`) and
reports its peak resident memory (``ru_maxrss``) and wall time. Two alternatives are compared
in the same run:

* ``chunked``: the library as shipped (chunks of :data:`scaleuq.stats.fitting.CHUNK_VALUES`);
* ``unchunked``: the same code with the chunk budget set so high that every resample is drawn
  and refitted in one batch, which is what scaleuq did before chunking.

Unchunked children run under an address-space cap (``--cap-gb``) so that they fail with
MemoryError instead of exhausting a shared machine; such a run is reported as ``> cap``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
import numpy as np
import scaleuq.stats.fitting as fitting
from scaleuq.stats.coverage import calibrate
rows, boot, gof, models, chunked, cap = json.loads(sys.argv[1])
if cap:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
if not chunked:
    fitting.CHUNK_VALUES = 1 << 62
x = np.random.default_rng(0).standard_cauchy(rows)
t0 = time.perf_counter()
try:
    fits = fitting.fit_models(x, tuple(models), n_bootstrap=boot, n_gof=gof, seed=0)
    calibrate(x, n_bootstrap=boot, seed=1)
    status = "ok"
except MemoryError:
    status = "MemoryError"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": status, "peak": peak, "wall": time.perf_counter() - t0}))
"""


def run(rows: int, boot: int, gof: int, models: list[str], chunked: bool, cap: int) -> dict:
    """One configuration in a fresh interpreter; returns status, peak bytes, wall seconds."""
    args = json.dumps([rows, boot, gof, models, chunked, 0 if chunked else cap])
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        return {"status": f"exit {proc.returncode}", "peak": None, "wall": None}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bootstrap", type=int, nargs="+", default=[100, 2000])
    parser.add_argument("--models", nargs="+", default=["gauss", "cauchy"])
    parser.add_argument("--gof", type=int, default=100)
    parser.add_argument("--cap-gb", type=float, default=8.0)
    parser.add_argument("--skip-unchunked", action="store_true")
    args = parser.parse_args()
    cap = int(args.cap_gb * 2**30)
    gib = 2**30
    print(f"rows={args.rows} models={' '.join(args.models)} gof={args.gof} "
          f"(unchunked capped at {args.cap_gb:g} GiB)")  # fmt: skip
    print(
        f"{'bootstrap':>9}  {'variant':<9}  {'status':<11}  {'peak GiB':>8}  {'wall s':>7}  ratio"
    )
    for boot in args.bootstrap:
        base = None
        for chunked in (True, False):
            if not chunked and args.skip_unchunked:
                continue
            t0 = time.perf_counter()
            res = run(args.rows, boot, args.gof, args.models, chunked, cap)
            wall = res["wall"] if res["wall"] is not None else time.perf_counter() - t0
            peak = res["peak"]
            ok = res["status"] == "ok"
            shown = f"{peak / gib:8.2f}" if ok else f"> {args.cap_gb:g}".rjust(8)
            if chunked:
                base = peak
                ratio = "1.00"
            elif res["status"] == "ok" and base:
                ratio = f"{peak / base:.2f}"
            else:
                ratio = f"> {cap / base:.1f}" if base else "-"
            name = "chunked" if chunked else "unchunked"
            print(f"{boot:>9}  {name:<9}  {res['status']:<11}  {shown}  {wall:7.1f}  {ratio}",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
