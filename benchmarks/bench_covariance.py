"""Benchmark: `validate-covariance` in the subspace of the scale shifts against dense n x n
matrices, on synthetic series of n points (two process types, 9-point prescription).

Named alternative, measured in the same run: the dense computation (S built as an n x n
matrix with :func:`scaleuq.pull.covariance.theory_covariance`, then ``numpy.linalg.eigh`` of
S), which is what `validate-covariance` did before (it built S and two more n x n arrays).
Peak memory from tracemalloc (numpy allocations), time from perf_counter.

Usage: python benchmarks/bench_covariance.py [--points 1000 3000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from itertools import product

import numpy as np
import pandas as pd

from scaleuq.io.longformat import validate_long
from scaleuq.pull.covariance import _scales, theory_covariance, validate_covariance


def series(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centre = 1.0 + rng.random(n)
    points = np.array([f"P:x={i}" for i in range(n)])
    types = np.where(np.arange(n) % 2, "A", "B")
    frames = []
    for kr, kf in product((0.5, 1.0, 2.0), repeat=2):
        value = centre * (1 + 0.05 * np.log2(kf) * rng.normal(1, 0.1, n)
                          + 0.03 * np.log2(kr) * rng.normal(1, 0.1, n))  # fmt: skip
        frames.append(pd.DataFrame(dict(point=points, observable="F2", order="nlo", k_R=kr,
                                        k_F=kf, value=value, process_type=types)))  # fmt: skip
    frames.append(pd.DataFrame(dict(point=points, observable="F2", order="nnlo", k_R=1.0,
                                    k_F=1.0, value=centre * 1.02, process_type=types)))  # fmt: skip
    return validate_long(pd.concat(frames, ignore_index=True), "bench")


def measure(func):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, nargs="+", default=[1000, 3000])
    args = parser.parse_args()
    print("n, subspace: s, MB | dense n x n: s, MB | ratios dense/subspace (time, memory)")
    for n in args.points:
        long = series(n)
        v, t_sub, m_sub = measure(lambda long=long: validate_covariance(long, prescription="9"))
        labels = _scales("9")
        types = np.array(v.process_types)
        n_types = len(set(v.process_types))
        z = v.factor  # the same shifts, per type: recombine them into one vector per label
        shifts = {m: sum(z[:, t * len(labels) + j] for t in range(n_types))
                  for j, m in enumerate(labels)}  # fmt: skip

        def dense(shifts=shifts, types=types):  # type: ignore[no-untyped-def]
            s = theory_covariance(shifts, types, "9")
            return np.linalg.eigh(s)[0]

        eig, t_dense, m_dense = measure(dense)
        top = np.sort(eig)[::-1][: v.n_eigen]
        agree = np.allclose(top, [e.s**2 for e in v.eigen], rtol=1e-6)
        print(f"{n}, {t_sub:.2f} s, {m_sub:.1f} MB | {t_dense:.2f} s, {m_dense:.1f} MB | "
              f"{t_dense / t_sub:.1f}x, {m_dense / m_sub:.1f}x (eigenvalues agree: {agree})")  # fmt: skip


if __name__ == "__main__":
    main()
