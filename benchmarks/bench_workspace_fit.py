"""fit-workspace time against the number of scale nuisances: exact-gradient path vs MIGRAD.

Usage:
    python benchmarks/bench_workspace_fit.py --nuisances 10 30 100 300 --alternative-up-to 30

A two-bin workspace (signal 100/50, background 10/10, observed 130/70) whose signal carries N
normsys scale nuisances (hi 1.1, lo 0.9) is fitted with two constraints (gauss and cauchy,
scale 1), as ``scaleuq fit-workspace`` does. Above ``TORCH_ABOVE`` free parameters the
profile minimisations use L-BFGS-B with torch's exact gradient through pyhf's pytorch backend
(the default); the named alternative is iminuit's MIGRAD with numerical derivatives (what
``fit-workspace`` used for every model before), measured in the same run up to
``--alternative-up-to`` nuisances (it grows much faster). Prints seconds per N, the ratio
alternative / default, and the largest difference of the interval ends.
"""

from __future__ import annotations

import argparse
import time


def workspace(n: int) -> dict:
    sig = [{"name": "mu", "type": "normfactor", "data": None}] + [
        {"name": f"scale_{i}", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}} for i in range(n)
    ]
    return {
        "channels": [{"name": "SR", "samples": [
            {"name": "sig", "data": [100.0, 50.0], "modifiers": sig},
            {"name": "bkg", "data": [10.0, 10.0], "modifiers": []}]}],
        "observations": [{"name": "SR", "data": [130.0, 70.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }  # fmt: skip


def run(n: int, torch_above: int) -> tuple[float, list[float]]:
    import scaleuq.analysis.workspace_fit as wf
    from scaleuq.analysis.constraints import Constraint

    cons = {"gauss": Constraint("gauss", 1.0, None, "bench"),
            "cauchy": Constraint("cauchy", 1.0, None, "bench")}  # fmt: skip
    old = wf.TORCH_ABOVE
    wf.TORCH_ABOVE = torch_above
    try:
        start = time.perf_counter()
        res = wf.fit_workspace(workspace(n), constraints=tuple(cons), constraint_objects=cons)
        elapsed = time.perf_counter() - start
    finally:
        wf.TORCH_ABOVE = old
    ends = [v for f in res.fits for v in (f.poi_low_68, f.poi_high_68, f.poi_low_95, f.poi_high_95)]
    return elapsed, ends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nuisances", type=int, nargs="+", default=[10, 30, 100, 300])
    parser.add_argument("--alternative-up-to", type=int, default=30)
    args = parser.parse_args()
    import scaleuq.analysis.workspace_fit as wf

    run(2, wf.TORCH_ABOVE)  # imports and backends warm
    run(2 * wf.TORCH_ABOVE, wf.TORCH_ABOVE)
    print("nuisances  default_s  migrad_numerical_s  ratio  max_end_difference")
    for n in args.nuisances:
        t_new, ends_new = run(n, wf.TORCH_ABOVE)
        if n <= args.alternative_up_to:
            t_old, ends_old = run(n, 10**9)
            diff = max(abs(a - b) for a, b in zip(ends_new, ends_old, strict=True))
            print(f"{n:9d}  {t_new:9.2f}  {t_old:18.2f}  {t_old / t_new:5.2f}  {diff:.2e}")
        else:
            print(f"{n:9d}  {t_new:9.2f}  {'-':>18}  {'-':>5}  -")


if __name__ == "__main__":
    main()
