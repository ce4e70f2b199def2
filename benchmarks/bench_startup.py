"""Start-up of scaleuq commands as whole processes: wall time and peak memory, as ratios.

Each command is started ``--runs`` times, interleaved (A B C ... A B C ...), so a change of the
machine's load hits every command alike; medians are printed with the ratio of each command to
``scaleuq pulls`` and to ``python -c "import numpy"`` measured in the same run (wall time, CPU
seconds of the process, peak memory).

Commands (the 1000-event file is the real MadGraph 3.5.8 ``p p > j j`` file of
../shared/data/lhe, 145 weights):
  * ``python -c "import numpy"`` and ``scaleuq --version``;
  * ``scaleuq pulls`` (bundled table);
  * ``scaleuq ingest lhe FILE`` (small files are parsed in Python, without numba), and the same
    with ``SCALEUQ_LHE_ENGINE=kernel`` (the compiled kernel, loaded without numba's entry-point
    extensions): the options compared;
  * ``scaleuq reweight FILE --pdf NNPDF23_lo_as_0130_qed --summary`` (pythia8mc's grid), and
    the same writing the re-weighted file (``-o OUT.lhe``);
  * ``scaleuq export pyhf --lhe FILE -o WS.json``.

Which packages register numba extensions in the interpreter used is printed (awkward, vector).
To measure without them, run this script with an interpreter whose environment lacks them,
e.g. a venv holding everything but awkward, vector and pylhe::

    python -m venv /tmp/noawk && /tmp/noawk/bin/pip install -e ".[ml,mc]" numba  # no pylhe
    python benchmarks/bench_startup.py --python /tmp/noawk/bin/python

and another tree (e.g. the code before a change, ``git worktree add /tmp/orig REV``) with
``--pythonpath /tmp/orig``.

Usage: python benchmarks/bench_startup.py [--runs 5] [--python PY] [--pythonpath DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "lhe" / "pylhe-testfile-madgraph5-3.5.8-pp_to_jj.lhe.gz"


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one whole process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tempfile.gettempdir()
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", default=None, help="another scaleuq tree to time")
    args = parser.parse_args()
    if not REAL.is_file():
        raise SystemExit(f"{REAL} is needed")
    env = dict(os.environ)
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    py = args.python
    probe = subprocess.run(
        [py, "-c", "import importlib.util as u, importlib.metadata as m, scaleuq; "
         "print([n for n in ('awkward', 'vector', 'pylhe') if u.find_spec(n)], "
         "sorted({e.value for e in m.entry_points(group='numba_extensions')}), scaleuq.__file__)"],
        capture_output=True, text=True, env=env, check=True, cwd=tempfile.gettempdir(),
    ).stdout.strip()  # fmt: skip
    ws = Path(tempfile.mkdtemp(prefix="bench-startup-")) / "ws.json"
    scaleuq = [py, "-m", "scaleuq"]
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        'python -c "import numpy"': ([py, "-c", "import numpy"], env),
        "scaleuq --version": ([*scaleuq, "--version"], env),
        "scaleuq pulls": ([*scaleuq, "pulls"], env),
        "ingest lhe (1k events)": ([*scaleuq, "ingest", "lhe", str(REAL)], env),
        "ingest lhe, SCALEUQ_LHE_ENGINE=kernel": (
            [*scaleuq, "ingest", "lhe", str(REAL)],
            {**env, "SCALEUQ_LHE_ENGINE": "kernel"},
        ),
        "reweight --summary (1k events)": (
            [*scaleuq, "reweight", str(REAL), "--pdf", "NNPDF23_lo_as_0130_qed", "--summary"],
            env,
        ),
        "reweight -o OUT.lhe (1k events)": (
            [
                *scaleuq,
                "reweight",
                str(REAL),
                "--pdf",
                "NNPDF23_lo_as_0130_qed",
                "-o",
                str(ws.with_name("out.lhe")),
            ],
            env,
        ),
        "export pyhf --lhe (1k events)": (
            [*scaleuq, "export", "pyhf", "--lhe", str(REAL), "-o", str(ws)],
            env,
        ),
    }
    print(f"interpreter: {py}; importable numba-extension packages, entry points, scaleuq: {probe}")
    print(f"load before: {os.getloadavg()}")
    for cmd, e in commands.values():  # warm-up: caches (numba, grids) and the page cache
        run_once(cmd, e)
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (cmd, e) in commands.items():
            times[name].append(run_once(cmd, e))
    print(f"load after: {os.getloadavg()}")
    med = {
        name: tuple(statistics.median(r[k] for r in v) for k in range(3))
        for name, v in times.items()
    }
    pulls, numpy_ = med["scaleuq pulls"], med['python -c "import numpy"']
    print(f"\n{'command':40s} {'wall s':>7s} {'min-max':>11s} {'CPU s':>6s} {'peak MiB':>9s} "
          f"{'x pulls':>8s} {'x numpy':>8s} {'CPU x pulls':>11s} {'mem x pulls':>11s}")  # fmt: skip
    for name, (wall, mem, cpu) in med.items():
        lo, hi = min(r[0] for r in times[name]), max(r[0] for r in times[name])
        print(f"{name:40s} {wall:7.2f} {lo:5.2f}-{hi:5.2f} {cpu:6.2f} {mem:9.0f} "
              f"{wall / pulls[0]:8.2f} {wall / numpy_[0]:8.2f} {cpu / pulls[2]:11.2f} "
              f"{mem / pulls[1]:11.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
