"""Speed of ``scaleuq reweight`` against a per-event Python loop doing MadGraph's PDF calls.

Usage: python benchmarks/bench_reweight.py [--events 100000] [--loop-events 10000] [--workdir DIR]
       [--repeat 2] [--before DIR] [--no-small] [--no-gzip-variants]

What it builds (in --workdir, default a temporary directory):

* a 100k-event LO file: the 1000 events of the real MadGraph 3.5.8 ``p p > j j`` file in
  ../shared/data/lhe repeated, with their ``<rwgt>`` blocks removed (a file as MadEvent writes
  it with ``use_syst`` before its systematics module runs: ``<mgrwt>`` blocks, no weights);
* a 101-member PDF set **proxy** for timing only: member 0 is the NNPDF23_lo_as_0130_qed grid
  that pythia8mc ships, members 1-100 are that grid times smooth factors (no 100-replica set is
  on disk here; the numbers of such a proxy are not physics, its grid layout and cost are real).

What it times, in one run (9 scale weights = (mu_R, mu_F) in {0.5, 1, 2}^2 at the run's own
scale, 8 new plus the nominal; 101 PDF-member weights):

1. ``scaleuq reweight IN -o OUT.lhe.gz --pdf proxy --pdf-members all --dyn -1`` (the CLI, in a
   subprocess, wall time including Python start-up; its peak RSS reported), twice: "cold"
   with an empty grid cache (the 101 member files parsed, then cached) and "warm" (the
   parsed grids loaded from the cache, ``SCALEUQ_CACHE_DIR`` = WORKDIR/cache);
2. the per-event loop: for each event, parse its ``<mgrwt>`` with regular expressions and compute
   every weight as MadGraph's ``get_lo_wgt`` does, one alpha_s and two x f calls per weight
   (a) through scaleuq's PDF with scalar arguments, (b) through Pythia 8's C++ ``PDF::xf`` (the
   LHAGrid1 of the same central grid, standing in for LHAPDF's C++ call: the same number of
   calls, member ignored). Run on ``--loop-events`` events and scaled to the file;
3. ``scaleuq ingest lhe`` on the same input and on the reweighted output (subprocess, peak RSS);
4. the floors: isal inflating the input and deflating it again (no re-weighting: what any
   rewrite of the file costs), isal inflating the input and deflating the reweighted text
   (what writing this output costs), and numba's start-up in this environment (import plus
   its extension entry points: vector and awkward register some here).

5. with ``--small``: the whole process on the real 1000-event MadGraph file (one PDF member),
   the ``numpy`` engine (what ``auto`` picks: numba never imported) against the ``compiled``
   one (``SCALEUQ_REWEIGHT_ENGINE=compiled``), interleaved, medians, peak RSS;
6. the plain output's options, each against the default in the same run: the writer in the
   main thread (``SCALEUQ_WRITE_THREAD=0``), only the final ``fsync`` (``SCALEUQ_SYNC_MB=0``),
   and with ``--before DIR`` the code of DIR (e.g. a ``git archive`` of an older commit);
7. gzip output at isal levels 1-3 with 1 and 2 compression threads (default: level 1, two
   threads), and the own limit with gzip.

Lines starting with RATIO give each figure against its named alternative, with the load.

MadGraph's own systematics module is not installed here; its cost is quoted from the issue
(about 1 ms per event with ~100 weights, i.e. 100 s per 100k events), labelled as quoted.
It prints the times, events/s, the ratios, the peak memories and ``uptime`` before and after
(the machine is shared: compare ratios from one run only).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MG_FILE = ROOT.parent / "shared" / "data" / "lhe" / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"
PROXY = "nnpdf23lo_proxy101"
RUNNER = (
    "import resource, sys, time; from scaleuq.cli import main; t = time.perf_counter()\n"
    "try:\n    main(sys.argv[1:], standalone_mode=False)\n"
    "finally:\n    print(json.dumps({'seconds': time.perf_counter() - t, "
    "'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)"
)


#: reweight's own limit: the same file read through the same stream, the same number of
#: weights formatted and spliced into every event and written, with nothing computed (the
#: weights are the event weight times constants); a whole process like the CLI run
LIMIT = """
import resource, sys, time
t0 = time.perf_counter()
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from pathlib import Path
import contextlib
from scaleuq.io.lhe.jit import numba_without_extensions
from scaleuq.io.lhe.reader import choose_engine
from scaleuq.reweight.run import choose_engine_for
from scaleuq.reweight.stream import BackgroundWriter, BufferPool, EventStream, event_arrays, open_output, splice
from scaleuq.util.atomic import atomic_open
src, out, k = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
ids = [str(1000 + j) for j in range(k)]
factors = np.linspace(0.9, 1.1, k)
# the engines reweight would choose for this file
engine = choose_engine_for(src)
lhe = "python" if engine == "numpy" else choose_engine(src)
jit = numba_without_extensions() if engine == "compiled" else contextlib.nullcontext()
with jit, atomic_open(out, "wb") as handle:
    stream = EventStream(src)
    pool = BufferPool() if out.suffix != ".gz" and engine == "compiled" else None
    w = open_output(handle, out.suffix == ".gz", pool)
    take = pool.take if pool is not None and isinstance(w, BackgroundWriter) else None
    pool_ = ThreadPoolExecutor(1)
    pending = None
    try:
        w.write(stream.header)
        first = 1
        for text, n in stream.blocks():
            info, _ = event_arrays(text, n, particles=False, first_event=first, path=src, engine=lhe)
            w_ = info[:, 2:3] * factors
            done, pending = pending, pool_.submit(splice, text, ids, w_, src, first, engine=engine, buffer=take)
            if done is not None:
                w.write(done.result())
            first += n
        if pending is not None:
            w.write(pending.result())
        w.write(stream.rest)
    finally:
        pool_.shutdown()
        if w is not handle:
            w.close()
    stream.close()
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def run_code(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, float]:
    """A whole Python process running ``code`` (which prints a JSON line on stderr)."""
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-P", "-c", "import json\n" + code, *args], capture_output=True,
        text=True, check=False, env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"limit run failed:\n{proc.stderr}")
    out = json.loads(proc.stderr.strip().splitlines()[-1])
    out["wall_seconds"] = wall
    return out


def build_input(n_events: int, path: Path) -> int:
    raw = gzip.decompress(MG_FILE.read_bytes()).decode()
    head_end = raw.index("</init>") + len("</init>")
    head, body = raw[:head_end], raw[head_end:]
    head = re.sub(r"<initrwgt>.*?</initrwgt>\n?", "", head, flags=re.S)
    events = re.findall(r"<event>.*?</event>\n", body, flags=re.S)
    events = [re.sub(r"<rwgt>.*?</rwgt>\n", "", e, flags=re.S) for e in events]
    reps = math.ceil(n_events / len(events))
    text = head + "\n" + "".join((events * reps)[:n_events]) + "</LesHouchesEvents>\n"
    with gzip.open(path, "wt", compresslevel=1) as f:
        f.write(text)
    return min(n_events, len(events) * reps)


def build_proxy_set(directory: Path) -> Path:
    from scaleuq.pdf import pythia_pdfdata

    src = pythia_pdfdata() / "NNPDF23_lo_as_0130_qed_0000.dat"
    d = directory / PROXY
    d.mkdir(parents=True, exist_ok=True)
    text = src.read_text()
    head, rest = text.split("---\n", 1)
    blocks = rest.split("---\n")
    for k in range(101):
        out = [head]
        for block in blocks:
            lines = block.split("\n")
            if len(lines) < 4:
                out.append(block)
                continue
            xs = np.array(lines[0].split(), dtype=float)
            nq = len(lines[1].split())
            data = np.array(" ".join(lines[3:]).split(), dtype=float).reshape(len(xs) * nq, -1)
            factor = 1.0 + 0.01 * k * np.sin(np.repeat(np.log(xs), nq) + k)[:, None] / 100
            body = "\n".join(" ".join(f"{v:.8e}" for v in row) for row in data * factor)
            out.append("\n".join(lines[:3]) + "\n" + body + "\n")
        (d / f"{PROXY}_{k:04d}.dat").write_text("---\n".join(out) + "---\n")
    (d / f"{PROXY}.info").write_text(
        "SetDesc: timing proxy (NNPDF23_lo_as_0130_qed central grid times smooth factors; not physics)\n"
        "NumMembers: 101\nErrorType: replicas\nAlphaS_Type: ode\nAlphaS_MZ: 0.130\nAlphaS_OrderQCD: 0\n"
        "MZ: 91.1876\nMCharm: 1.27\nMBottom: 4.18\nMTop: 172.57\n"
    )
    return directory


def run_cli(
    args: list[str], env: dict[str, str] | None = None, code: Path = ROOT
) -> dict[str, float]:
    """A whole ``scaleuq`` process running the code in ``code`` (``-P``: the working directory
    stays off ``sys.path``): wall seconds with start-up, CPU seconds, peak RSS. An output named
    after ``-o`` is removed first (every variant writes a new file, none pays for unlinking an
    old one)."""
    if "-o" in args:
        Path(args[args.index("-o") + 1]).unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-P", "-c", "import json\n" + RUNNER, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(code)},
    )
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"scaleuq {' '.join(args)} failed:\n{proc.stderr}")
    out = json.loads(proc.stderr.strip().splitlines()[-1])
    out["wall_seconds"] = wall  # with the interpreter's start-up and imports
    out["cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if "-o" in args:
        out["output_mb"] = Path(args[args.index("-o") + 1]).stat().st_size / 2**20
    return out


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def io_floors(src: Path, out: Path) -> dict[str, float]:
    """isal inflate + deflate (level 2, as the writer) of the input's text and of the output's."""
    from isal import isal_zlib

    def deflate(data: bytes) -> float:
        t = time.perf_counter()
        c = isal_zlib.compressobj(2, isal_zlib.DEFLATED, 31)
        size = len(c.compress(data)) + len(c.flush())
        assert size > 0
        return time.perf_counter() - t

    t = time.perf_counter()
    text = isal_zlib.decompress(src.read_bytes(), wbits=31)
    inflate = time.perf_counter() - t
    floor_in = inflate + deflate(text)
    del text
    reweighted = isal_zlib.decompress(out.read_bytes(), wbits=31)
    floor_out = inflate + deflate(reweighted)
    return {"inflate_deflate_input_s": floor_in, "inflate_input_deflate_output_s": floor_out,
            "output_mb": len(reweighted) / 2**20}  # fmt: skip


def numba_startup() -> float:
    code = "import numba; from numba.core.entrypoints import init_all; init_all()"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    t_numba = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return t_numba - (time.perf_counter() - t)


_RS = re.compile(r"<rscale>\s*(\S+)\s+(\S+)\s*</rscale>")
_PDF = re.compile(r'<pdfrwt beam="(\d)">\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*</pdfrwt>')


def python_loop(events: list[str], xf, alphas, n_members: int) -> float:
    """MadGraph's get_lo_wgt, event by event: (seconds, checksum)."""
    scales = [(r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0)]
    total = 0.0
    t = time.perf_counter()
    for text in events:
        m = _RS.search(text)
        nqcd, mur = int(m.group(1)), float(m.group(2))
        beams = {int(b): (int(p), float(x), float(q)) for b, _, p, x, q in _PDF.findall(text)}
        (p1, x1, q1), (p2, x2, q2) = beams[1], beams[2]
        wgt = float(text.split("\n", 2)[1].split()[2])

        def lo(kr: float, kf: float, member: int, ev=(nqcd, mur, p1, x1, q1, p2, x2, q2)) -> float:
            nqcd_, mur_, p1_, x1_, q1_, p2_, x2_, q2_ = ev
            w = alphas(kr * mur_) ** nqcd_
            w *= xf(member, p1_, x1_, kf * q1_) / x1_
            w *= xf(member, p2_, x2_, kf * q2_) / x2_
            return w

        base = lo(1.0, 1.0, 0)
        new = [wgt * lo(r, f, 0) / base for r, f in scales]
        new += [wgt * lo(1.0, 1.0, k) / base for k in range(n_members)]
        total += sum(new)
    return time.perf_counter() - t


def median_runs(
    runs: dict[str, tuple[list[str], dict[str, str], Path]], repeat: int
) -> dict[str, dict[str, float]]:
    """Each command ``repeat`` times, interleaved (one round runs every command once); the
    median wall and CPU seconds and the largest peak RSS of each."""
    got: dict[str, list[dict[str, float]]] = {k: [] for k in runs}
    for _ in range(repeat):
        for name, (cli_args, env, code) in runs.items():
            got[name].append(run_cli(cli_args, env, code))
    return {
        k: {
            "wall_seconds": statistics.median(r["wall_seconds"] for r in v),
            "cpu_seconds": statistics.median(r["cpu_seconds"] for r in v),
            "max_rss_mb": max(r["max_rss_mb"] for r in v),
            "walls": [round(r["wall_seconds"], 2) for r in v],
            "output_mb": v[-1].get("output_mb", 0.0),
        }
        for k, v in got.items()
    }


def load() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--loop-events", type=int, default=10000)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--repeat", type=int, default=2, help="interleaved rounds (medians)")
    parser.add_argument("--before", default=None, help="a copy of older code to time too")
    parser.add_argument("--no-small", action="store_true", help="skip the 1000-event runs")
    parser.add_argument("--no-gzip-variants", action="store_true")
    args = parser.parse_args()
    if not MG_FILE.is_file():
        raise SystemExit(f"{MG_FILE} is needed")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-reweight-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"pp_jj_mgrwt_{args.events}.lhe.gz"
    n = args.events if src.is_file() else build_input(args.events, src)
    pdfdir = work / "pdfs"
    if len(list((pdfdir / PROXY).glob("*.dat"))) != 101:
        build_proxy_set(pdfdir)
    out = work / "reweighted.lhe.gz"
    print(
        f"input: {n} events, {src.stat().st_size / 2**20:.1f} MB gzip; PDF: {PROXY} (101 members, timing proxy)"
    )
    up_before = uptime()
    print(f"uptime before: {up_before}")
    cache = work / "cache"
    for f in (cache / "pdf-grids").glob("*.npz") if (cache / "pdf-grids").is_dir() else []:
        f.unlink()
    env = {"SCALEUQ_CACHE_DIR": str(cache)}
    cli_args = ["reweight", str(src), "-o", str(out), "--pdf", PROXY, "--pdf-path", str(pdfdir),
                "--pdf-members", "all", "--dyn=-1", "--mur", "0.5,1,2", "--muf", "0.5,1,2"]  # fmt: skip
    cold = run_cli(cli_args, env)
    plain_out = work / "reweighted.lhe"
    plain_args = [plain_out.as_posix() if a == str(out) else a for a in cli_args]
    before = Path(args.before).resolve() if args.before else None
    # one untimed run of each code tree: compiled kernels in numba's cache, bytecode written
    run_cli(plain_args, env)
    if before is not None:
        run_cli(plain_args, env, before)
    n_weights = 8 + 101
    repeat = max(args.repeat, 1)

    # plain output: reweight, its options, the older code, and the own limit, interleaved
    plain_runs: dict[str, tuple[list[str], dict[str, str], Path]] = {
        "reweight": (plain_args, env, ROOT),
        "writer in main thread": (plain_args, {**env, "SCALEUQ_WRITE_THREAD": "0"}, ROOT),
        "final fsync only": (plain_args, {**env, "SCALEUQ_SYNC_MB": "0"}, ROOT),
    }
    if before is not None:
        plain_runs["before (--before)"] = (plain_args, env, before)
    limits: dict[str, list[dict[str, float]]] = {"plain": [], "gzip": []}
    got: dict[str, list[dict[str, float]]] = {k: [] for k in plain_runs}
    for _ in range(repeat):
        for name, (a, e, code) in plain_runs.items():
            got[name].append(run_cli(a, e, code))
        limits["plain"].append(run_code(LIMIT, str(src), str(work / "limit.lhe"), str(n_weights)))
    plain = {k: {"wall_seconds": statistics.median(r["wall_seconds"] for r in v),
                 "cpu_seconds": statistics.median(r["cpu_seconds"] for r in v),
                 "max_rss_mb": max(r["max_rss_mb"] for r in v),
                 "walls": [round(r["wall_seconds"], 2) for r in v]} for k, v in got.items()}  # fmt: skip
    load_plain = load()

    # gzip output: levels and compression threads, and the own gzip limit
    gz_runs = {"level 1, 2 threads (default)": (cli_args, env, ROOT)}
    if not args.no_gzip_variants:
        for level, threads in ((1, 1), (2, 1), (2, 2), (3, 2)):
            gz_runs[f"level {level}, {threads} threads"] = (
                cli_args, {**env, "SCALEUQ_GZIP_LEVEL": str(level), "SCALEUQ_GZIP_THREADS": str(threads)}, ROOT,
            )  # fmt: skip
    if before is not None:
        gz_runs["before (--before)"] = (cli_args, env, before)
    gz = median_runs(gz_runs, 1)
    for _ in range(repeat):
        limits["gzip"].append(run_code(LIMIT, str(src), str(work / "limit.lhe.gz"), str(n_weights)))
    load_gz = load()
    limit_plain = statistics.median(r["wall_seconds"] for r in limits["plain"])
    limit_gz = statistics.median(r["wall_seconds"] for r in limits["gzip"])

    small: dict[str, dict[str, float]] = {}
    if not args.no_small:
        small_args = ["reweight", str(MG_FILE), "-o", str(work / "small.lhe"), "--pdf",
                      "NNPDF23_lo_as_0130_qed"]  # fmt: skip
        small_runs = {"auto (numpy engine)": (small_args, env, ROOT),
                      "compiled engine": (small_args, {**env, "SCALEUQ_REWEIGHT_ENGINE": "compiled"}, ROOT)}  # fmt: skip
        for _, (a, e, code) in small_runs.items():
            run_cli(a, e, code)
        small = median_runs(small_runs, max(3, repeat))
    load_small = load()

    ingest_in = run_cli(["ingest", "lhe", str(src)])
    ingest_out = run_cli(["ingest", "lhe", str(out)])
    floors = io_floors(src, out)
    t_numba = numba_startup()

    from scaleuq.pdf import load_pdf

    os.environ.update(env)
    pdf = load_pdf(PROXY, members="all", pdf_path=pdfdir)
    raw = gzip.decompress(src.read_bytes()).decode()
    events = re.findall(r"<event>.*?</event>", raw, flags=re.S)[: args.loop_events]

    def xf_scaleuq(member: int, pid: int, x: float, q: float) -> float:
        return float(pdf.xfxq(pid, x, q, rows=[member])[0, 0])

    def alphas_scaleuq(q: float) -> float:
        return float(pdf.alphas_q(np.array([q]))[0])

    small_loop = events[: max(1, args.loop_events // 10)]
    t_ours = python_loop(small_loop, xf_scaleuq, alphas_scaleuq, 101) / len(small_loop)
    results = {"reweight_cli_cold": cold, "plain": plain, "gzip": gz, "small": small,
               "limit_plain_s": limit_plain, "limit_gzip_s": limit_gz, "ingest_input": ingest_in,
               "ingest_output": ingest_out, "loop_scaleuq_scalar_s_per_event": t_ours,
               "loop_events_scaleuq": len(small_loop), **floors, "numba_startup_s": t_numba}  # fmt: skip
    t_cpp = None
    try:
        import pythia8mc

        py = pythia8mc.Pythia("", False)
        for line in ("PDF:pSet = LHAGrid1:NNPDF23_lo_as_0130_qed_0000.dat", "Beams:eCM = 13000.",
                     "HardQCD:all = on", "PartonLevel:all = off", "HadronLevel:all = off", "Print:quiet = on"):  # fmt: skip
            py.readString(line)
        py.init()
        ptr = py.getPDFPtr(2212)
        a_s = pythia8mc.AlphaStrong()
        a_s.init(0.130, 1, 6, False)

        def xf_cpp(member: int, pid: int, x: float, q: float) -> float:
            return ptr.xf(pid, x, q * q)

        def alphas_cpp(q: float) -> float:
            return a_s.alphaS(q * q)

        t_cpp = python_loop(events, xf_cpp, alphas_cpp, 101) / len(events)
        results["loop_cpp_pdf_s_per_event"] = t_cpp
        results["loop_events_cpp"] = len(events)
    except ImportError:
        pass
    load_loop = load()

    def rate(t: float) -> str:
        return f"{t:.2f} s = {n / t:,.0f} events/s"

    t_plain = plain["reweight"]["wall_seconds"]
    t_gz = gz["level 1, 2 threads (default)"]["wall_seconds"]
    print(
        f"\nplain output ({n} events, {n_weights} weights; medians of {repeat} interleaved rounds, {load_plain}):"
    )
    for k, r in plain.items():
        print(f"  {k:28s} {rate(r['wall_seconds'])}, CPU {r['cpu_seconds']:.2f} s, peak RSS "
              f"{r['max_rss_mb']:.0f} MB (runs {r['walls']})")  # fmt: skip
    print(f"  {'own limit (nothing computed)':28s} {limit_plain:.2f} s "
          f"(runs {[round(r['wall_seconds'], 2) for r in limits['plain']]})")  # fmt: skip
    print(f"RATIO reweight plain / own plain limit = {t_plain / limit_plain:.2f} ({load_plain})")
    for k in plain:
        if k != "reweight":
            print(f"RATIO {k} / reweight = {plain[k]['wall_seconds'] / t_plain:.2f} ({load_plain})")
    print(f"\ngzip output ({load_gz}):")
    for k, r in gz.items():
        print(f"  {k:28s} {rate(r['wall_seconds'])}, CPU {r['cpu_seconds']:.2f} s, "
              f"peak RSS {r['max_rss_mb']:.0f} MB, {r['output_mb']:.0f} MB written; / own gzip limit {r['wall_seconds'] / limit_gz:.2f}x")  # fmt: skip
    print(f"  {'own gzip limit':28s} {limit_gz:.2f} s")
    print(f"  cold (parses the 101 member files): {rate(cold['wall_seconds'])}")
    f_in, f_out = floors["inflate_deflate_input_s"], floors["inflate_input_deflate_output_s"]
    print(f"  floor: isal inflate + deflate of the input, no re-weighting: {f_in:.2f} s")
    print(f"  floor: isal inflate input + deflate the {floors['output_mb']:.0f} MB reweighted text: "
          f"{f_out:.2f} s (reweight gzip = {t_gz / f_out:.1f}x this)")  # fmt: skip
    print(f"RATIO reweight gzip / own gzip limit = {t_gz / limit_gz:.2f} ({load_gz})")
    if small:
        a, c = small["auto (numpy engine)"], small["compiled engine"]
        print(f"\nsmall file (1000 events, 44 weights; medians, {load_small}):")
        for k, r in small.items():
            print(f"  {k:28s} {r['wall_seconds']:.2f} s, CPU {r['cpu_seconds']:.2f} s, peak RSS "
                  f"{r['max_rss_mb']:.0f} MB (runs {r['walls']})")  # fmt: skip
        print(f"RATIO small file: compiled / numpy engine = {c['wall_seconds'] / a['wall_seconds']:.2f} "
              f"wall, {c['max_rss_mb'] / a['max_rss_mb']:.2f} peak RSS ({load_small})")  # fmt: skip
    print(f"\ningest lhe, input: {rate(ingest_in['wall_seconds'])}; reweighted output: "
          f"{rate(ingest_out['wall_seconds'])}")  # fmt: skip
    print(f"numba start-up in this environment (import + extension entry points): {t_numba:.1f} s")
    loop_ours = t_ours * n
    print(f"per-event loop, scaleuq PDF scalar calls ({len(small_loop)} events): {1e3 * t_ours:.2f} ms/event "
          f"-> {loop_ours:.0f} s per file; ratio {loop_ours / t_plain:.0f}x plain")  # fmt: skip
    if t_cpp is not None:
        loop_cpp = t_cpp * n
        print(f"per-event loop, Pythia C++ xf calls ({len(events)} events): {1e3 * t_cpp:.3f} ms/event "
              f"-> {loop_cpp:.1f} s per file ({load_loop})")  # fmt: skip
        print(f"RATIO Pythia C++ loop / reweight plain = {loop_cpp / t_plain:.1f}x (target 10x)")
        print(f"RATIO Pythia C++ loop / own plain limit = {loop_cpp / limit_plain:.1f}x "
              "(the most any reweight writing this output reaches)")  # fmt: skip
        print(f"RATIO Pythia C++ loop / reweight gzip = {loop_cpp / t_gz:.1f}x; best gzip variant "
              f"{loop_cpp / min(r['wall_seconds'] for r in gz.values()):.1f}x")  # fmt: skip
        print(f"RATIO Pythia C++ loop / reweight cold = {loop_cpp / cold['wall_seconds']:.1f}x")
        results["ratio_vs_cpp_loop_plain_output"] = loop_cpp / t_plain
        results["ratio_vs_cpp_loop_gzip"] = loop_cpp / t_gz
        results["ratio_limit_vs_cpp_loop"] = loop_cpp / limit_plain
    results["ratio_plain_vs_limit"] = t_plain / limit_plain
    results["ratio_gzip_vs_limit"] = t_gz / limit_gz
    mg_quoted = 1e-3 * n  # the issue: ~1 ms/event with ~100 weights (not measured here)
    print(f"MadGraph systematics module, QUOTED from the issue (~1 ms/event, ~100 weights; not "
          f"installed here): {mg_quoted:.0f} s per file; ratio {mg_quoted / t_plain:.1f}x plain")  # fmt: skip
    results["events"] = n
    up_after = uptime()
    results["uptime_before"], results["uptime_after"] = up_before, up_after
    print(f"uptime after: {up_after}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
