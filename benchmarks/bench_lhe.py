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
  (i) the whole `scaleuq ingest lhe FILE` process (start-up included) against the limit, with
      --jobs 1 and 2, and on 50k events x 9 weights against a pylhe script reading the same
      events into arrays (interleaved rounds, medians; each command run once untimed first so
      that every process, scaleuq's and pylhe's alike, loads cached bytecode). Lines starting
      with RATIO give each figure against its named alternative, with the load average.
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
import os
import shutil
import statistics
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


#: the environment of every timed process: bytecode written to and read from a private cache
#: (``PYTHONPYCACHEPREFIX``, set in :func:`main`), as an installed package has it, even where
#: the session sets ``PYTHONDONTWRITEBYTECODE`` (then every scaleuq module, unlike pylhe's,
#: would be compiled from source in every process)
ENV = dict(os.environ)


def child(code: str, *args: object) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True,
        env=ENV,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(cmd: list[str], stdout: object = subprocess.DEVNULL) -> dict:
    """Wall and CPU seconds (its own rusage, from wait4) and peak RSS of a whole command.

    The peak RSS comes from GNU time where installed: a child's ``ru_maxrss`` starts from
    this process's size at the fork, so a benchmark holding a big file in memory would
    inflate it.
    """
    gnu_time = shutil.which("time") or ""
    with tempfile.NamedTemporaryFile("r") as rss:
        wrap = [gnu_time, "-f", "%M", "-o", rss.name] if gnu_time.startswith("/usr/") else []
        t = time.perf_counter()
        proc = subprocess.Popen([*wrap, *cmd], stdout=stdout, stderr=subprocess.DEVNULL, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        peak = rss.read().strip().splitlines()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    kb = int(peak[-1]) if wrap and peak and peak[-1].isdigit() else usage.ru_maxrss
    return {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_mb": kb / 1024}


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
    parser.add_argument(
        "--repeat", type=int, default=5, help="interleaved rounds of the whole processes (medians)"
    )
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
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
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
        bench_whole_9(Path(tmp), args.whole_events, args.before, args.repeat)
        if REAL.is_file():
            bench_ingest(Path(tmp), args.ingest_events, args.before, max(3, args.repeat // 2))
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


def loadavg() -> str:
    """The 1-minute load average (other processes share the cores)."""
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def median_runs(commands: dict[str, list[str]], repeat: int) -> dict[str, dict]:
    """Each command once untimed (bytecode cached), then ``repeat`` interleaved rounds; the
    median wall time of each, with the CPU seconds and peak RSS of that run."""
    for cmd in commands.values():
        timed(cmd)
    runs: dict[str, list[dict]] = {name: [] for name in commands}
    loads = [loadavg()]
    for _ in range(repeat):
        for name, cmd in commands.items():
            runs[name].append(timed(cmd))
        loads.append(loadavg())
    out = {}
    for name, results in runs.items():
        wall = statistics.median(r["seconds"] for r in results)
        best = min(results, key=lambda r: abs(r["seconds"] - wall))
        out[name] = {**best, "seconds": wall, "all": [r["seconds"] for r in results]}
    print(f"  (load average during these runs: {' '.join(loads)})")
    return out


def row(label: str, r: dict, ref: float | None = None, ratio: str = "") -> None:
    runs = " ".join(f"{x:.2f}" for x in r.get("all", []))
    tail = f" {r['seconds'] / ref:8.2f}" if ref else f" {'':8s}"
    print(
        f"{label:46s} {r['seconds']:7.2f} {r['cpu']:7.2f} {r['maxrss_mb']:6.0f}{tail}  [{runs}] {ratio}"
    )


def head(last: str) -> None:
    print(f"{'task':46s} {'wall s':>7s} {'cpu s':>7s} {'RSS MB':>6s} {last:>8s}  [each run]")


def bench_whole_9(tmp: Path, n: int, before: str | None = None, repeat: int = 5) -> None:
    """Whole processes on a 9-weight gzipped file: `scaleuq ingest lhe` against a pylhe script
    reading the same events (event info and weights) into arrays, interleaved, median of
    ``repeat`` (and the code of ``before``, when given)."""
    from scaleuq.io.synthetic import write_synthetic_lhe

    path = write_synthetic_lhe(tmp / f"w9_{n}.lhe.gz", n, seed=1)
    print(f"\n== whole process, 9 weights, {n} events, gzip: {path.stat().st_size / 1e6:.0f} MB ==")
    commands = {
        "scaleuq": [sys.executable, "-m", "scaleuq", "ingest", "lhe", str(path)],
        "pylhe": [sys.executable, "-c", PYLHE_WHOLE, str(path)],
    }
    if before:
        commands["before"] = [*before_cmd(before), "ingest", "lhe", str(path)]
    r = median_runs(commands, repeat)
    head("x ours")
    row("scaleuq ingest lhe", r["scaleuq"], r["scaleuq"]["seconds"])
    row("pylhe script (info + weights into arrays)", r["pylhe"], r["scaleuq"]["seconds"])
    if before:
        row("--before tree: scaleuq ingest lhe", r["before"], r["scaleuq"]["seconds"])
    ratio = r["pylhe"]["seconds"] / r["scaleuq"]["seconds"]
    line = (
        f"RATIO {n // 1000}k x 9: scaleuq ingest lhe {ratio:.2f}x faster than pylhe (target >= 5x)"
    )
    if before:
        line += f"; before: {r['pylhe']['seconds'] / r['before']['seconds']:.2f}x"
    print(line)


def bench_ingest(tmp: Path, n: int, before: str | None = None, repeat: int = 3) -> None:
    """The whole `scaleuq ingest lhe` process on a 145-weight gzipped file against the isal
    decompress-and-count limit, with --jobs 1 and 2 (medians of ``repeat`` interleaved rounds),
    and four files of a quarter each."""
    path = tile_real(tmp / "ingest.lhe.gz", n)
    print(
        f"\n== whole process: scaleuq ingest lhe, 145 weights, {n} events, gzip: {path.stat().st_size / 1e6:.0f} MB =="
    )
    limits = sorted((child(LIMIT, path) for _ in range(repeat)), key=lambda x: x["seconds"])
    limit = limits[len(limits) // 2]
    exe = [sys.executable, "-m", "scaleuq", "ingest", "lhe", str(path)]
    commands = {f"jobs {j}": [*exe, "--jobs", str(j)] for j in (1, 2)}
    if before:
        for j in (1, 2):
            commands[f"before {j}"] = [
                *before_cmd(before),
                "ingest",
                "lhe",
                str(path),
                "--jobs",
                str(j),
            ]
    r = median_runs(commands, repeat)
    head("x limit")
    limit_row = {**limit, "all": [x["seconds"] for x in limits]}
    row("isal decompress + count events (limit)", limit_row, limit["seconds"])
    for j in (1, 2):
        row(f"scaleuq ingest lhe --jobs {j}", r[f"jobs {j}"], limit["seconds"])
        if before:
            row(f"  --before tree, --jobs {j}", r[f"before {j}"], limit["seconds"])
    one, two = r["jobs 1"]["seconds"], r["jobs 2"]["seconds"]
    print(
        f"RATIO {n // 1000}k x 145: --jobs 1 {one / limit['seconds']:.2f}x the isal limit (target <= 2x);"
        f" --jobs 2 {two / limit['seconds']:.2f}x; --jobs 2 is {one / two:.2f}x as fast as --jobs 1"
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
            head_text = text[:head_end].replace(b"generate p p > j j", b"generate " + proc.encode())
            part = tmp / f"part{i}.lhe.gz"
            with igzip.open(part, "wb", compresslevel=2) as handle:
                handle.write(head_text + body[cut0:cut1] + b"\n</LesHouchesEvents>\n")
            parts.append(str(part))
        del text, body  # (a child's peak RSS would start from this process's size)
        many = [sys.executable, "-m", "scaleuq", "ingest", "lhe", *parts]
        r = median_runs({f"jobs {j}": [*many, "--jobs", str(j)] for j in (1, 2)}, repeat)
        head("x limit")
        for j in (1, 2):
            row(f"4 files, scaleuq ingest lhe --jobs {j}", r[f"jobs {j}"], limit["seconds"])
        one, two = r["jobs 1"]["seconds"], r["jobs 2"]["seconds"]
        print(f"RATIO 4 files: --jobs 2 is {one / two:.2f}x as fast as --jobs 1")


if __name__ == "__main__":
    main()
