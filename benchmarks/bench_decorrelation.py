"""Run the decorrelation study at a named size and print its tables, timings and machine load.

Usage:
    python benchmarks/bench_decorrelation.py --size medium --output-dir reports --samples-dir samples --jobs 2

It makes the same library calls as ``scaleuq decorrelation run`` (:func:`scaleuq.decorrelation.
api.run_decorrelation`, then :func:`scaleuq.report.plot_decorrelation.save_decorrelation` and
:func:`scaleuq.report.render_decorrelation.render_run`), and adds what a report of a long run
needs: wall and CPU time, the load average before and after, and the ratio of the LO band's
statistical errors (bootstrap, training spread) to the band at lambda = 0. The JSON of the
result is written first (``--json``), the figure after, so a failure in drawing loses nothing;
with ``--output-dir`` also ``decorrelation_<size>_summary.md``, the summary whose every number
is read from the JSON (:func:`scaleuq.report.render_decorrelation.render_summary`). Paths are
recorded as given on the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("quick", "medium", "full"), default="medium")
    parser.add_argument("--jobs", type=int, default=None, help="generation processes")
    parser.add_argument("--scheduler", default=None, help="generate on this Dask scheduler")
    parser.add_argument("--methods", default="baseline,adversarial,disco,aware")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--samples-dir", default="samples")
    parser.add_argument("--output-dir", help="write decorrelation_<size>.{png,pdf,json} here")
    parser.add_argument("--json", help="write the result's JSON here as soon as it exists")
    parser.add_argument("--table", help="write the text table here too")
    args = parser.parse_args()

    from scaleuq.decorrelation.api import run_decorrelation
    from scaleuq.report.render import dumps
    from scaleuq.report.render_decorrelation import render_run
    from scaleuq.util.atomic import atomic_write_text

    load_before = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    run = run_decorrelation(
        size=args.size,
        methods=tuple(args.methods.split(",")),
        samples_dir=args.samples_dir,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
        workers=args.jobs,
        scheduler=args.scheduler,
        progress=lambda m: print(f"{time.strftime('%H:%M:%S')} {m}", flush=True),
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    load_after = os.getloadavg()
    r = run.result
    base = r.rows_of("baseline") or r.rows[:1]
    machine = {
        "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "load_before": load_before, "load_after": load_after, "wall_s": wall, "cpu_s": cpu,
    }  # fmt: skip
    payload = {
        "command": "benchmarks/bench_decorrelation.py",
        "options": vars(args),
        "machine": machine,
        **run.to_dict(),
    }
    if args.json:
        atomic_write_text(args.json, dumps(payload))
    text = render_run(run)
    print(text)
    if base:
        b = base[0]
        print(
            f"lambda = 0 ({b.method}): LO band {100 * b.bkg_band:.2f}%, bootstrap error "
            f"{100 * b.bkg_band_err:.2f}% (ratio {b.bkg_band_err / b.bkg_band:.2f}), training spread "
            f"{100 * b.bkg_band_std:.2f}% (ratio {b.bkg_band_std / b.bkg_band:.2f}); target: ratio < 1/3"
        )
    print(
        f"generation/loading {run.seconds_generation:.0f} s; study {r.seconds:.0f} s "
        f"(training {r.seconds_train:.0f} s); total wall {wall:.0f} s, CPU {cpu:.0f} s on "
        f"{os.cpu_count()} cores, {r.threads} torch thread(s); load average {load_before[0]:.1f} "
        f"before, {load_after[0]:.1f} after"
    )
    if args.table:
        atomic_write_text(args.table, text)
    if args.output_dir:
        from scaleuq.report.plot_decorrelation import save_decorrelation
        from scaleuq.report.render_decorrelation import render_summary

        base = Path(args.output_dir) / f"decorrelation_{args.size}"
        for p in save_decorrelation(r, base, payload):
            print(f"wrote {p}")
        # the summary is rendered from the JSON as written (NaN as null), like its test does
        summary = Path(f"{base}_summary.md")
        atomic_write_text(summary, render_summary(json.loads(dumps(payload))))
        print(f"wrote {summary}")


if __name__ == "__main__":
    main()
