"""Run the decorrelation study at a chosen size and print its table and timings.

Usage: python benchmarks/bench_decorrelation.py [--signal N] [--background N] [--device cuda]
The printed wall times (generation, training + evaluation) and the device are the numbers to
quote for a full-size run; sizes default to a medium CPU configuration.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from scaleuq.decorrelation.study import FULL, generate_samples, run_study
from scaleuq.decorrelation.train import TrainConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signal", type=int, default=15_000)
    parser.add_argument("--background", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--samples-dir", default="samples")
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument(
        "--figure-dir", help="also draw band and distance vs lambda here (decorrelation_medium.*)"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    signal, background, _ = generate_samples(
        args.signal, args.background, directory=args.samples_dir
    )
    t_gen = time.perf_counter() - t0
    cfg = dataclasses.replace(
        FULL, n_signal=args.signal, n_background=args.background, lambdas=(0.0, 1.0, 3.0, 10.0, 30.0), repeats=args.repeats,
        train=TrainConfig(hidden=(64, 64), adv_hidden=(32, 32), epochs=args.epochs, pretrain_epochs=10, batch_size=512, lr=1e-3, device=args.device),
    )  # fmt: skip
    result = run_study(signal, background, config=cfg)
    print(
        f"generation (or reuse): {t_gen:.0f} s; training + evaluation: {result.seconds:.0f} s on {result.device}"
    )
    print(
        f"events: {len(signal)} signal, {len(background)} background selected; {result.n_train} train / {result.n_test} test"
    )
    for r in result.rows:
        dist = "  ".join(
            f"{n} {100 * r.bkg_distance[n]:.2f}±{100 * max(r.bkg_distance_std[n], r.bkg_distance_err.get(n, 0)):.2f}%"
            for n in result.proxies
        )
        print(
            f"lambda {r.lam:5g}  AUC {r.auc:.3f}  band {100 * r.bkg_band:.2f}±{100 * max(r.bkg_band_std, r.bkg_band_err):.2f}%  {dist}"
        )
    if args.figure_dir:
        from pathlib import Path

        from scaleuq.report.plotting import plot_decorrelation, save_figure

        sidecar = {
            "command": "benchmarks/bench_decorrelation.py",
            "options": vars(args),
            "data": result.to_dict(),
        }
        save_figure(
            plot_decorrelation(result), Path(args.figure_dir) / "decorrelation_medium", sidecar
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result.to_dict(), handle, indent=1, default=float)


if __name__ == "__main__":
    main()
