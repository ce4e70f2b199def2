"""Benchmark: scaleuq's LHE reader against pylhe (the field's reader), measured in one run.

Writes a synthetic MadGraph-like file (100,000 events, 6 particles, 9 scale weights; plain and
gzipped) and reads it with each reader in a fresh subprocess (so that peak memory is the
reader's own):
  (a) weights and event info: scaleuq.io.lhe.read_lhe(particles=False); pylhe iterating events and
      collecting eventinfo + weights (pylhe always parses the whole event);
  (b) everything including particle momenta: read_lhe(particles=True); pylhe collecting
      particles too;
  (s) scaleuq.io.lhe.summarize_lhe: the streaming reduction used by `scaleuq ingest` (memory
      stays bounded whatever the file size).
Prints events/s, ratios and peak RSS. Usage: python benchmarks/bench_lhe.py [--events N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SCALEUQ = """
import json, resource, sys, time
import pandas  # imported before the clock, as pylhe's dependencies are in the pylhe run
from scaleuq.io.lhe import read_lhe, summarize_lhe
path, mode = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if mode == "s":
    n = summarize_lhe(path).n_events
else:
    arr = read_lhe(path, particles=(mode == "b"))
    n = arr.n_events
dt = time.perf_counter() - t
print(json.dumps({"n": n, "seconds": dt, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PYLHE = """
import json, resource, sys, time
import numpy as np
import pylhe
path, mode = sys.argv[1], sys.argv[2]
t = time.perf_counter()
info, weights, parts = [], [], []
for event in pylhe.LHEFile.fromfile(path).events:
    ei = event.eventinfo
    info.append((ei.nparticles, ei.pid, ei.weight, ei.scale, ei.aqed, ei.aqcd))
    weights.append(list(event.weights.values()))
    if mode == "b":
        parts.extend((p.id, p.status, p.px, p.py, p.pz, p.e, p.m) for p in event.particles)
info, weights = np.array(info), np.array(weights)
if mode == "b":
    parts = np.array(parts)
dt = time.perf_counter() - t
print(json.dumps({"n": len(info), "seconds": dt, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, path: Path, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), mode], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    from scaleuq.io.synthetic import write_synthetic_lhe

    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "plain": write_synthetic_lhe(Path(tmp) / "bench.lhe", args.events, seed=1),
            "gzip": write_synthetic_lhe(Path(tmp) / "bench.lhe.gz", args.events, seed=1),
        }
        print(f"synthetic MadGraph-like LHE: {args.events} events, 6 particles, 9 scale weights")
        for kind, path in files.items():
            print(f"  {kind}: {path.stat().st_size / 1e6:.1f} MB")
        print(
            f"\n{'file':6s} {'task':28s} {'scaleuq ev/s':>13s} {'pylhe ev/s':>11s} {'ratio':>7s} {'RSS scaleuq':>12s} {'RSS pylhe':>10s}"
        )
        for kind, path in files.items():
            for mode, label in (
                ("a", "(a) weights + event info"),
                ("b", "(b) everything incl. particles"),
            ):
                ours, theirs = run(SCALEUQ, path, mode), run(PYLHE, path, mode)
                assert ours["n"] == theirs["n"] == args.events
                r_ours, r_theirs = ours["n"] / ours["seconds"], theirs["n"] / theirs["seconds"]
                print(
                    f"{kind:6s} {label:28s} {r_ours:13.0f} {r_theirs:11.0f} {r_ours / r_theirs:6.1f}x "
                    f"{ours['maxrss_mb']:9.0f} MB {theirs['maxrss_mb']:7.0f} MB"
                )
            s = run(SCALEUQ, path, "s")
            print(
                f"{kind:6s} {'(s) streaming summarize_lhe':28s} {s['n'] / s['seconds']:13.0f} {'':11s} {'':7s} {s['maxrss_mb']:9.0f} MB"
            )


if __name__ == "__main__":
    main()
