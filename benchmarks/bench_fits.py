"""Benchmark: 10,000-resample bootstrap of the pull fits, and a whole `scaleuq figures` run.

The bootstrap refits all resamples at once (scaleuq.stats.fitting.best_fit_batch). The named
alternative, measured in the same run, is the obvious implementation: a Python loop that fits
each resample with iminuit (MIGRAD), timed on a subset and scaled per resample.

Usage: python benchmarks/bench_fits.py [--resamples 10000] [--loop-resamples 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

import numpy as np
from iminuit import Minuit

from scaleuq.io.datasets import load_bundled
from scaleuq.pull.reference import reference_correct
from scaleuq.stats.fitting import best_fit_batch, fit_model, scale_floor
from scaleuq.stats.models import MODELS


def loop_iminuit(model, resamples: np.ndarray, start: np.ndarray, floor: float) -> np.ndarray:
    """The alternative: one iminuit fit per resample in a Python loop."""
    out = np.empty((len(resamples), model.n_params))
    for i, x in enumerate(resamples):

        def nll(*theta, x=x):
            with np.errstate(all="ignore"):
                v = -np.sum(model.logpdf(x, *theta))
            return float(v) if np.isfinite(v) else 1e300

        m = Minuit(nll, *start, name=model.params)
        m.errordef = Minuit.LIKELIHOOD
        for p in model.params:
            if p in model.positive:
                m.limits[p] = (floor if p in model.scales else 1e-9, None)
            if p in model.unit_interval:
                m.limits[p] = (1e-6, 1 - 1e-6)
        m.migrad()
        out[i] = m.values
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--loop-resamples", type=int, default=200)
    parser.add_argument("--skip-figures", action="store_true")
    args = parser.parse_args()

    corr = reference_correct(load_bundled())
    stages = {"before": corr.before.defined, "after": corr.table["pull_ref"].dropna().to_numpy()}
    rng = np.random.default_rng(0)
    print(
        f"bootstrap of the pull fits: {args.resamples} resamples of N = {len(stages['after'])} pulls"
    )
    print(
        f"{'stage':7s} {'model':13s} {'vectorised [s]':>15s} {'loop iminuit [s, scaled]':>25s} {'ratio':>7s}"
    )
    total_vec = total_loop = 0.0
    for stage, x in stages.items():
        floor = scale_floor(x)
        idx = rng.integers(0, x.size, size=(args.resamples, x.size))
        for name, model in MODELS.items():
            theta = np.array(list(fit_model(x, name, n_bootstrap=0, n_gof=0).theta().values()))
            t0 = time.perf_counter()
            best_fit_batch(model, x[idx], floor=floor, extra_start=theta, robust_starts=False)
            vec = time.perf_counter() - t0
            sub = x[idx[: args.loop_resamples]]
            t0 = time.perf_counter()
            loop_iminuit(model, sub, theta, floor)
            loop = (time.perf_counter() - t0) * args.resamples / args.loop_resamples
            total_vec += vec
            total_loop += loop
            print(f"{stage:7s} {name:13s} {vec:15.2f} {loop:25.1f} {loop / vec:6.1f}x")
    print(
        f"{'all':7s} {'':13s} {total_vec:15.2f} {total_loop:25.1f} {total_loop / total_vec:6.1f}x"
    )

    if not args.skip_figures:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            cmd = [sys.executable, "-m", "scaleuq.cli", "-q", "figures", "--output-dir", out]
            subprocess.run(cmd, check=True, capture_output=True)
            wall = time.perf_counter() - t0
        print(
            f"`scaleuq figures` (defaults: 2000 resamples, 1000 GoF samples, both stages): {wall:.1f} s wall"
        )


if __name__ == "__main__":
    main()
