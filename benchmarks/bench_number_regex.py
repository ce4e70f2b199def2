"""Number grammar: the old ``\\d+\\.?\\d*`` against scaleuq's unambiguous, possessive one.

Issue 19 item 10: a 2 KB ``Total cross section: 999...`` file took 50 s and a 60 KB console
line 69 s, because the old token can split a run of digits between ``\\d+`` and ``\\d*`` in
many ways, at every start position (cubic in the run's length). This times one
``re.search`` of the cross-section pattern (value +- error unit) over a line of n digits with
both grammars, in the same run, and prints the ratio. The old grammar is stopped once one
search takes more than ``--budget`` seconds.

    python benchmarks/bench_number_regex.py [--budget 10]
"""

from __future__ import annotations

import argparse
import re
import time

from scaleuq.util.numbers import UNSIGNED as NEW

OLD = r"(?:\d+\.?\d*|\.\d+)(?:[eEdD][-+]?\d+)?"


def search_time(unsigned: str, n: int) -> float:
    number = rf"[-+]?{unsigned}"
    pattern = re.compile(rf"({number})\s*\+-\s*({number})\s*([a-z]+)\b", re.I)
    text = "Total cross section: " + "9" * n
    start = time.perf_counter()
    pattern.search(text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0)
    args = parser.parse_args()
    print(f"{'digits':>8}  {'old (s)':>10}  {'new (s)':>10}  {'old/new':>10}")
    old_done = False
    for n in (125, 250, 500, 1000, 2000, 60_000):
        new = min(search_time(NEW, n) for _ in range(3))
        old = None if old_done else search_time(OLD, n)
        old_done = old_done or (old is not None and old > args.budget / 8)
        ratio = f"{old / new:10.3g}" if old is not None and new > 0 else f"{'-':>10}"
        print(f"{n:>8}  {old if old is not None else float('nan'):>10.4f}  {new:>10.6f}  {ratio}")


if __name__ == "__main__":
    main()
