"""Benchmark: `scaleuq ingest nanoaod` against plain uproot + numpy on the same branches, in one run.

Files (written with uproot by :func:`scaleuq.write_nanoaod` into a temporary directory, seeded):
  * one NanoAOD file with --events events (default 1,000,000; 9 scale, 31 PDF, 4 PS weights,
    10% negative genWeight);
  * --files files of --file-events events each (default 4 x 250,000) for the many-file runs.

Each method runs in a fresh subprocess (its peak RSS is its own; wall seconds measured there,
with and without the imports):
  scaleuq       ingest_nanoaod: inclusive band (Runs), events' sums, shower band, and the
                binned band of LHE_Vpt (chunked reading, uproot.iterate, hist), with the
                default step_size (100 MB) and with 25 MB (peak memory follows the step);
  plain-awkward uproot TTree.arrays(..., library="ak") of the same branches (genWeight,
                LHEScaleWeight, PSWeight, LHE_Vpt) for the whole file, ak.to_numpy, then numpy
                sums and np.histogram per variation (the usual notebook way);
  plain-arrays  the same with library="np" (object arrays of per-event arrays, np.stack);
  plain-iterate the same with uproot.iterate (step_size 100 MB) and numpy: the hand-written
                chunked loop.
Peak memory against file size: scaleuq and plain-awkward also on one --file-events file.
The numbers of all methods are checked to agree (9-point band per bin to 1e-9 relative).
Many files: ingest_nanoaod over the files with jobs=1, with jobs=--files (threads), and on a
Dask LocalCluster (--workers processes x 1 thread; the first call includes the workers
importing scaleuq, the second not), same run.
Prints the machine load (uptime) before and after: others share the cores; compare ratios.

Usage: nice python benchmarks/bench_nanoaod.py [--events 1000000] [--files 4]
       [--file-events 250000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EDGES = "0,25,50,100,200,500"
PROCESS = "p p > z j"

WORKER = r"""
import json, resource, sys, time
import numpy as np
method, path, edges = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split(",")]
t0 = time.perf_counter()
if method.startswith("scaleuq"):
    step = method.split(":", 1)[1] if ":" in method else "100 MB"
    import scaleuq, scaleuq.io.nanoaod, pandas, hist, uproot
    t1 = time.perf_counter()
    r = scaleuq.ingest_nanoaod([path], process="p p > z j", order="lo", observable="LHE_Vpt",
                               bins=edges, jobs=1, xsec=1.0, step_size=step)
    s = r.nanoaod[0]
    inclusive = [s.envelopes["9-point"].up_rel, s.envelopes["9-point"].down_rel]
    bins_up = s.bin_bands["up_rel"].tolist()
else:
    import uproot
    t1 = time.perf_counter()
    branches = ["genWeight", "LHEScaleWeight", "PSWeight", "LHE_Vpt"]
    tree = uproot.open(path)["Events"]
    runs = uproot.open(path)["Runs"].arrays(library="np")
    sumw = runs["genEventSumw"].astype(float)
    ratios = np.stack(runs["LHEScaleSumw"]).astype(float)
    ratios = (sumw @ (ratios / ratios[:, 4:5])) / sumw.sum()
    inclusive = [max(ratios.max() - 1, 0.0), min(ratios.min() - 1, 0.0)]
    if method == "plain-awkward":
        import awkward as ak
        a = tree.arrays(branches, library="ak")
        chunks = [{"genWeight": ak.to_numpy(a["genWeight"]), "LHE_Vpt": ak.to_numpy(a["LHE_Vpt"]),
                   "LHEScaleWeight": ak.to_numpy(a["LHEScaleWeight"]),
                   "PSWeight": ak.to_numpy(a["PSWeight"])}]
    elif method == "plain-arrays":
        chunks = [tree.arrays(branches, library="np")]
    else:
        chunks = tree.iterate(branches, step_size="100 MB", library="np")
    h = np.zeros((len(edges) - 1, 9)); ps = np.zeros(4); n = 0
    for a in chunks:
        gw = a["genWeight"].astype(float)
        w = np.stack(a["LHEScaleWeight"]).astype(float)  # a no-op reshape for awkward's 2-d
        p = np.stack(a["PSWeight"]).astype(float)
        ps += gw @ p; n += len(gw)
        for i in range(9):
            h[:, i] += np.histogram(a["LHE_Vpt"], bins=edges, weights=gw * w[:, i])[0]
    rel = h / h[:, 4:5] - 1
    bins_up = np.maximum(rel.max(axis=1), 0).tolist()
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": t2 - t0, "work": t2 - t1, "rss_mb": rss, "inclusive": inclusive,
                  "bins_up": bins_up}))
"""


def run_worker(method: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", WORKER, method, str(path), EDGES],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--file-events", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import scaleuq

    print("load before:", uptime())
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "nano_1M.root"
        t0 = time.perf_counter()
        scaleuq.write_nanoaod(big, args.events, seed=1, negative_fraction=0.1)
        print(f"wrote {args.events} events ({big.stat().st_size / 2**20:.0f} MiB) in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        methods = ("scaleuq", "scaleuq:25 MB", "plain-awkward", "plain-arrays", "plain-iterate")
        results = {m: run_worker(m, big) for m in methods}
        ref = results["scaleuq"]
        for name, res in results.items():
            agree = all(
                abs(a - b) <= 1e-9 * max(abs(a), 1e-12)
                for a, b in zip(
                    res["bins_up"] + res["inclusive"], ref["bins_up"] + ref["inclusive"]
                )
            )
            print(
                f"{name:14s} wall {res['wall']:6.2f} s (after imports {res['work']:6.2f} s)  peak RSS {res['rss_mb']:7.0f} MiB  "
                f"inclusive +{100 * res['inclusive'][0]:.3f}% {100 * res['inclusive'][1]:+.3f}%  "
                f"agrees: {agree}"
            )
        for name in methods[1:]:
            print(
                f"ratio {name}/scaleuq: wall {results[name]['wall'] / ref['wall']:.2f}, "
                f"after imports {results[name]['work'] / ref['work']:.2f}, "
                f"peak RSS {results[name]['rss_mb'] / ref['rss_mb']:.2f}"
            )
        print("binned 9-point up per bin (scaleuq):", [round(x, 5) for x in ref["bins_up"]])

        paths = [Path(tmp) / f"part{i}.root" for i in range(args.files)]
        for i, p in enumerate(paths):
            scaleuq.write_nanoaod(p, args.file_events, seed=100 + i, negative_fraction=0.1)
        for name in ("scaleuq", "plain-awkward"):  # memory against file size
            res = run_worker(name, paths[0])
            print(
                f"{name:14s} on {args.file_events} events: wall {res['wall']:6.2f} s, peak RSS "
                f"{res['rss_mb']:7.0f} MiB (on {args.events}: {results[name]['rss_mb']:.0f} MiB)"
            )
        kw = dict(process=PROCESS, order="lo", xsec=1.0, observable="LHE_Vpt", bins=EDGES)
        scaleuq.ingest_nanoaod(paths[:1], **kw)  # warm-up: lazy imports are not timed below
        timings = {}
        tables = {}
        for label, extra in (("jobs=1", {"jobs": 1}), (f"jobs={args.files}", {"jobs": args.files})):
            t0 = time.perf_counter()
            tables[label] = scaleuq.ingest_nanoaod(paths, **extra, **kw).table
            timings[label] = time.perf_counter() - t0
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            for run in ("first call, workers import scaleuq", "second call"):
                t0 = time.perf_counter()
                label = f"Dask LocalCluster {args.workers}x1, {run}"
                tables[label] = scaleuq.ingest_nanoaod(
                    paths, scheduler=cluster.scheduler_address, **kw
                ).table
                timings[label] = time.perf_counter() - t0
        base = timings["jobs=1"]
        for label, seconds in timings.items():
            same = tables[label].equals(tables["jobs=1"])
            print(
                f"{args.files} files x {args.file_events}: {label:52s} {seconds:6.2f} s  "
                f"(jobs=1 / this: {base / seconds:.2f})  same table: {same}"
            )
    print("load after:", uptime())


if __name__ == "__main__":
    main()
