"""Benchmark: scaleuq's LHE reader against pylhe and against the physical limit, in one run.

Files (written to a temporary directory; plain and gzipped):
  * 9 weights: scaleuq.io.synthetic.write_synthetic_lhe (6 particles, 9 scale weights);
  * 145 weights: MadGraph 3.5.8's default output shape (44 scale x dynamical-scale weights,
    a central one and 100 PDF members, <mgrwt> blocks): the 1000 events of the real file
    ../shared/data/lhe/pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz repeated (gzip written
    by isal at level 2).
Each reader runs in a fresh subprocess (peak RSS is its own; wall and CPU seconds are measured):
  (a) weights + event info: scaleuq read_lhe(particles=False) with 1, 2 and all cores;
      pylhe iterating events and collecting event info + weights;
  (b) everything incl. particles: read_lhe(particles=True); pylhe collecting particles too;
  (s) summarize_lhe (the streaming reduction of `scaleuq ingest lhe`);
  limits: `cat FILE > /dev/null` (reading the bytes) and "isal decompress + count events"
      (python-isal decompressing every piece and bytes.count(b"</event>"): one pass over the
      text, the physical limit of any reader of the file);
  (i) the whole `scaleuq ingest lhe FILE` process (start-up included) against the limit.
pylhe is timed on the first --pylhe-events events of the same file (its rate does not depend
on the file length). Prints the machine load (uptime) before and after: other processes share
the cores, so compare ratios taken in the same run.

With --baseline REV the reader of that git revision is timed too (same files, same run).

Usage: python benchmarks/bench_lhe.py [--events 100000 1000000] [--ingest-events 200000]
       [--weights 9 145] [--cores 1 2 0] [--baseline 8fd7124]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REAL = (
    Path(__file__).resolve().parents[2]
    / "shared/data/lhe/pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
)

PRELUDE = """
import json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
def done(n, t, c):
    print(json.dumps({"n": n, "seconds": time.perf_counter() - t, "cpu": cpu() - c,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SCALEUQ = (
    PRELUDE
    + """
import numpy
from scaleuq.io.lhe import read_lhe, summarize_lhe
from scaleuq.io.lhe import reader
# numba and the cached compiled parser loaded before the clock (without numba's entry-point
# extensions; the whole-process timings of `scaleuq ingest lhe` below include it); the
# in-process figures are the kernel's (SCALEUQ_LHE_ENGINE=kernel, whatever the file size)
reader._kernel()
import os
os.environ["SCALEUQ_LHE_ENGINE"] = "kernel"
path, mode, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]) or None
t, c = time.perf_counter(), cpu()
if mode == "s":
    n = summarize_lhe(path, jobs=jobs).n_events
else:
    n = read_lhe(path, particles=(mode == "b"), jobs=jobs).n_events
done(n, t, c)
"""
)

PYLHE = (
    PRELUDE
    + """
import numpy as np
import pylhe
path, mode, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
t, c = time.perf_counter(), cpu()
info, weights, parts = [], [], []
for i, event in enumerate(pylhe.LHEFile.fromfile(path).events):
    if i == limit:
        break
    ei = event.eventinfo
    info.append((ei.nparticles, ei.pid, ei.weight, ei.scale, ei.aqed, ei.aqcd))
    weights.append(list(event.weights.values()))
    if mode == "b":
        parts.extend((p.id, p.status, p.px, p.py, p.pz, p.e, p.m) for p in event.particles)
info, weights = np.array(info), np.array(weights)
done(len(info), t, c)
"""
)

BASELINE = (
    PRELUDE
    + """
import numpy, pandas
sys.path.insert(0, sys.argv[3])
import old_reader  # scaleuq.io.lhe.reader as of --baseline REV (its header module is today's)
path, mode = sys.argv[1], sys.argv[2]
t, c = time.perf_counter(), cpu()
n = old_reader.read_lhe(path, particles=(mode == "b")).n_events
done(n, t, c)
"""
)

LIMIT = (
    PRELUDE
    + """
from isal import isal_zlib
path = sys.argv[1]
t, c = time.perf_counter(), cpu()
n = 0
tail = b""
with open(path, "rb") as f:
    gz = f.read(2) == b"\\x1f\\x8b"
    f.seek(0)
    z = isal_zlib.decompressobj(wbits=31) if gz else None
    while data := f.read(1 << 20):
        while data:
            if z is None:
                text, data = data, b""
            else:
                text = z.decompress(data)
                data = z.unused_data if z.eof else b""
                if z.eof:
                    z = isal_zlib.decompressobj(wbits=31)
            n += text.count(b"</event>") + (tail + text[:7]).count(b"</event>")
            tail = text[-7:]
done(n, t, c)
"""
)


def child(code: str, *args: object) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], stdout: object = subprocess.DEVNULL) -> dict:
    """Wall and CPU seconds of a whole command (children's rusage)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=stdout, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": wall, "cpu": cpu, "maxrss_mb": after.ru_maxrss / 1024}


def tile_real(path: Path, n_events: int) -> Path:
    """The real MadGraph 3.5.8 file's 1000 events repeated to ``n_events``."""
    text = gzip.decompress(REAL.read_bytes())
    start, end = text.index(b"<event>"), text.rindex(b"</event>") + len(b"</event>")
    head, body = text[:start], text[start:end] + b"\n"
    if n_events % 1000:
        raise SystemExit("145-weight files are built from 1000 real events: give multiples of 1000")
    if path.suffix == ".gz":
        from isal import igzip

        handle = igzip.open(path, "wb", compresslevel=2)
    else:
        handle = path.open("wb")
    with handle:
        handle.write(head)
        for _ in range(n_events // 1000):
            handle.write(body)
        handle.write(b"</LesHouchesEvents>\n")
    return path


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def rate(r: dict, key: str = "seconds") -> float:
    return r["n"] / r[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[100_000])
    parser.add_argument("--weights", type=int, nargs="+", default=[9, 145], choices=[9, 145])
    parser.add_argument("--pylhe-events", type=int, default=20_000)
    parser.add_argument("--ingest-events", type=int, default=200_000)
    parser.add_argument("--whole-events", type=int, default=50_000)
    parser.add_argument("--only-whole", action="store_true", help="only the whole-process figures")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2, 0], help="0: all")
    parser.add_argument(
        "--before",
        metavar="DIR",
        help="also time the whole processes with another scaleuq tree on PYTHONPATH (e.g. a "
        "`git archive HEAD` copy: the code before a change)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also time scaleuq/io/lhe/reader.py as of this git revision (e.g. 8fd7124, the "
        "pandas-tokenizer reader before the compiled parser)",
    )
    args = parser.parse_args()
    args.baseline_dir = None
    from scaleuq.io.lhe.reader import decompressor_name, default_jobs
    from scaleuq.io.synthetic import write_synthetic_lhe

    print(f"load before: {uptime()}")
    print(f"cores available: {default_jobs()}; gzip via {decompressor_name()}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.baseline:
            code = subprocess.run(
                ["git", "show", f"{args.baseline}:scaleuq/io/lhe/reader.py"],
                capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
            ).stdout  # fmt: skip
            (Path(tmp) / "old_reader.py").write_text(code)
            args.baseline_dir = tmp
        for n in [] if args.only_whole else args.events:
            for k in args.weights:
                if k == 145 and not REAL.is_file():
                    print(f"(145 weights skipped: {REAL} not found)")
                    continue
                for kind in ("plain", "gzip"):
                    name = Path(tmp) / f"w{k}_{n}.lhe{'.gz' if kind == 'gzip' else ''}"
                    if k == 9:
                        write_synthetic_lhe(name, n, seed=1)
                    else:
                        tile_real(name, n)
                    bench_file(name, n, k, kind, args)
                    name.unlink()
        bench_whole_9(Path(tmp), args.whole_events, args.before)
        if REAL.is_file():
            bench_ingest(Path(tmp), args.ingest_events, args.before)
    print(f"load after: {uptime()}")


def bench_file(path: Path, n: int, k: int, kind: str, args: argparse.Namespace) -> None:
    size = path.stat().st_size / 1e6
    print(f"\n== {k} weights, {n} events, {kind}: {size:.0f} MB ==")
    cat = timed(["cat", str(path)])
    cat["n"] = n
    limit = child(LIMIT, path)
    assert limit["n"] == n, limit
    head = f"{'task':44s} {'ev/s wall':>10s} {'ev/cpu-s':>10s} {'limit/x':>8s} {'x/pylhe':>8s} {'RSS MB':>7s}"
    print(head)
    print(f"{'cat FILE > /dev/null':44s} {rate(cat):10.0f} {rate(cat, 'cpu'):10.0f}")
    print(
        f"{'isal decompress + count events (limit)':44s} {rate(limit):10.0f} {rate(limit, 'cpu'):10.0f} {1:8.2f} {'':8s} {limit['maxrss_mb']:7.0f}"
    )
    for mode, label in (("a", "(a) weights + event info"), ("b", "(b) everything incl. particles")):
        theirs = child(PYLHE, path, mode, min(n, args.pylhe_events))
        print(
            f"{'pylhe ' + label:44s} {rate(theirs):10.0f} {rate(theirs, 'cpu'):10.0f} {rate(limit) / rate(theirs):8.2f} {1:8.2f} {theirs['maxrss_mb']:7.0f}"
        )
        if args.baseline_dir:
            old = child(BASELINE, path, mode, args.baseline_dir)
            tag = f"scaleuq at {args.baseline} {label}"
            print(
                f"{tag:44s} {rate(old):10.0f} {rate(old, 'cpu'):10.0f} {rate(limit) / rate(old):8.2f} {rate(old) / rate(theirs):8.1f} {old['maxrss_mb']:7.0f}"
            )
        for cores in args.cores:
            ours = child(SCALEUQ, path, mode, cores)
            assert ours["n"] == n, ours
            tag = f"scaleuq {label} {cores or 'all'} core{'s' if cores != 1 else ''}"
            print(
                f"{tag:44s} {rate(ours):10.0f} {rate(ours, 'cpu'):10.0f} {rate(limit) / rate(ours):8.2f} {rate(ours) / rate(theirs):8.1f} {ours['maxrss_mb']:7.0f}"
            )
    for cores in args.cores:
        s = child(SCALEUQ, path, "s", cores)
        tag = f"scaleuq (s) summarize_lhe {cores or 'all'} core{'s' if cores != 1 else ''}"
        print(
            f"{tag:44s} {rate(s):10.0f} {rate(s, 'cpu'):10.0f} {rate(limit) / rate(s):8.2f} {'':8s} {s['maxrss_mb']:7.0f}"
        )


PYLHE_WHOLE = """
import sys
import numpy as np
import pylhe
info, weights = [], []
for event in pylhe.LHEFile.fromfile(sys.argv[1]).events:
    ei = event.eventinfo
    info.append((ei.nparticles, ei.pid, ei.weight, ei.scale, ei.aqed, ei.aqcd))
    weights.append(list(event.weights.values()))
info, weights = np.array(info), np.array(weights)
print(len(info), weights.sum(axis=0)[:3])
"""


def before_cmd(before: str | None) -> list[str]:
    """`python -m scaleuq` of another tree (None: none)."""
    # -P: the working directory (this repository) must not come before PYTHONPATH
    return ["env", f"PYTHONPATH={before}", sys.executable, "-P", "-m", "scaleuq"] if before else []


def bench_whole_9(tmp: Path, n: int, before: str | None = None) -> None:
    """Whole processes on a 9-weight gzipped file: `scaleuq ingest lhe` against a pylhe script
    reading the same events (event info and weights) into arrays, interleaved, 3 pairs (and the
    code of ``before``, when given)."""
    from scaleuq.io.synthetic import write_synthetic_lhe

    path = write_synthetic_lhe(tmp / f"w9_{n}.lhe.gz", n, seed=1)
    print(f"\n== whole process, 9 weights, {n} events, gzip: {path.stat().st_size / 1e6:.0f} MB ==")
    ours, theirs, old = [], [], []
    for _ in range(3):
        ours.append(timed([sys.executable, "-m", "scaleuq", "ingest", "lhe", str(path)]))
        theirs.append(timed([sys.executable, "-c", PYLHE_WHOLE, str(path)]))
        if before:
            old.append(timed([*before_cmd(before), "ingest", "lhe", str(path)]))
    ours.sort(key=lambda r: r["seconds"])
    theirs.sort(key=lambda r: r["seconds"])
    o, t = ours[1], theirs[1]
    print(f"{'task':44s} {'wall s':>8s} {'cpu s':>8s} {'x scaleuq':>9s}")
    print(f"{'scaleuq ingest lhe (process, median of 3)':44s} {o['seconds']:8.2f} {o['cpu']:8.2f} {1:9.2f}")
    print(f"{'pylhe script (process, median of 3)':44s} {t['seconds']:8.2f} {t['cpu']:8.2f} {t['seconds'] / o['seconds']:9.2f}")
    if old:
        b = sorted(old, key=lambda r: r["seconds"])[1]
        print(f"{'--before tree ingest lhe (median of 3)':44s} {b['seconds']:8.2f} {b['cpu']:8.2f} {b['seconds'] / o['seconds']:9.2f}")


def bench_ingest(tmp: Path, n: int, before: str | None = None) -> None:
    """The whole `scaleuq ingest lhe` process on a 145-weight gzipped file, and 4 such files."""
    path = tile_real(tmp / "ingest.lhe.gz", n)
    print(
        f"\n== whole process: scaleuq ingest lhe, 145 weights, {n} events, gzip: {path.stat().st_size / 1e6:.0f} MB =="
    )
    limit = child(LIMIT, path)
    exe = [sys.executable, "-m", "scaleuq"]
    print(f"{'task':44s} {'wall s':>8s} {'cpu s':>8s} {'x limit':>8s}")
    print(
        f"{'isal decompress + count events (limit)':44s} {limit['seconds']:8.2f} {limit['cpu']:8.2f} {1:8.2f}"
    )
    for cores in (1, 2):
        r = timed([*exe, "ingest", "lhe", str(path), "--jobs", str(cores)])
        print(
            f"{f'scaleuq ingest lhe --jobs {cores} (process)':44s} {r['seconds']:8.2f} {r['cpu']:8.2f} {r['seconds'] / limit['seconds']:8.2f}"
        )
        if before:
            r = timed([*before_cmd(before), "ingest", "lhe", str(path), "--jobs", str(cores)])
            print(
                f"{f'  --before tree, --jobs {cores}':44s} {r['seconds']:8.2f} {r['cpu']:8.2f} {r['seconds'] / limit['seconds']:8.2f}"
            )
    startup = timed([*exe, "--help"])
    print(
        f"{'  of which `scaleuq --help` start-up':44s} {startup['seconds']:8.2f} {startup['cpu']:8.2f}"
    )
    # many files: four files of n/4 events of one process (an LO run split in parts is one
    # run per file, so they are given distinct processes through their proc cards)
    parts = []
    text = gzip.decompress(path.read_bytes()) if n <= 200_000 else None
    if text is not None:
        from isal import igzip

        head_end = text.index(b"<event>")
        body = text[head_end:]
        per = len(body) // 4
        for i, proc in enumerate(("p p > j j", "p p > j j j", "p p > z j", "p p > w+ j")):
            cut0 = body.index(b"<event>", i * per) if i else 0
            cut1 = body.index(b"<event>", (i + 1) * per) if i < 3 else body.rindex(b"</event>") + 8
            head = text[:head_end].replace(b"generate p p > j j", b"generate " + proc.encode())
            part = tmp / f"part{i}.lhe.gz"
            with igzip.open(part, "wb", compresslevel=2) as handle:
                handle.write(head + body[cut0:cut1] + b"\n</LesHouchesEvents>\n")
            parts.append(str(part))
        for cores in (1, 2):
            r = timed([*exe, "ingest", "lhe", *parts, "--jobs", str(cores)])
            print(
                f"{f'4 files, scaleuq ingest lhe --jobs {cores}':44s} {r['seconds']:8.2f} {r['cpu']:8.2f} {r['seconds'] / limit['seconds']:8.2f}"
            )


if __name__ == "__main__":
    main()
