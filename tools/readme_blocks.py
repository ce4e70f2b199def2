"""Run the README's command blocks and compare (or rewrite) the output they show.

A *command block* is a fenced block (```text or ```console) whose first line starts with
``$ scaleuq``. Every ``$ scaleuq ...`` line in it is a command; the lines after it, up to the
next ``$`` line or the end of the block, are the output it shows (stdout and stderr together,
in the order written).

Each block runs in a fresh temporary folder that holds links to the repository's top-level
entries (``examples/``, ``data/``, ...) and, beside it, ``shared`` linked to the repository's
``../shared`` when that exists, so the README's relative paths (``examples/madgraph_runs``,
``../shared/data/...``) resolve as they do from a clone, and the files a command writes
(``-o zjets.csv``) land in the temporary folder. The commands of one block share that folder.

Normalisation before comparing: trailing spaces of each line and trailing blank lines are
dropped, and the temporary folder's path, where a command prints it, is written as ``.``.
Nothing else: no command shown in the README prints a time, and a block whose output cannot be
shown exactly does not belong in the README.

A block preceded by the line ``<!-- readme-blocks: skip -->`` is not run (use it for slow or
machine-dependent commands, and say so in the text).

Usage::

    python tools/readme_blocks.py            # run every block, print differences, exit 1 if any
    python tools/readme_blocks.py --update   # run every block and rewrite the outputs in README
    python tools/readme_blocks.py --list     # list the blocks and their commands
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SKIP_MARK = "<!-- readme-blocks: skip -->"
TIMEOUT_S = 120
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass
class Step:
    """One ``$ scaleuq ...`` line and the output shown below it."""

    command: str
    shown: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A command block: where it is in the README and its steps."""

    start: int  # index of the line after the opening fence
    end: int  # index of the closing fence
    steps: list[Step]
    skip: bool

    @property
    def name(self) -> str:
        return f"README.md:{self.start + 1} {self.steps[0].command[:60]}"

    def needs_shared(self) -> bool:
        return any("../shared" in s.command for s in self.steps)


def parse(text: str) -> list[Block]:
    """Every command block of a README text."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        body = lines[i + 1 : j]
        if m.group(1) in ("text", "console", "") and body and body[0].startswith("$ scaleuq"):
            steps: list[Step] = []
            for line in body:
                if line.startswith("$ "):
                    steps.append(Step(line[2:]))
                else:
                    steps[-1].shown.append(line)
            prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            blocks.append(Block(i + 1, j, steps, skip=prev.strip() == SKIP_MARK))
        i = j + 1
    return blocks


def _workdir(tmp: Path) -> Path:
    """A folder in which the README's relative paths resolve as from the repository root."""
    work = tmp / "repo"
    work.mkdir()
    for entry in ROOT.iterdir():
        # not the package itself: `python -m scaleuq` must import the installed scaleuq
        if entry.name.startswith(".") or entry.name in ("tools", "tests", "scaleuq", "build"):
            continue
        if entry.name.endswith(".egg-info"):
            continue
        (work / entry.name).symlink_to(entry)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (tmp / "shared").symlink_to(shared)
    return work


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONUNBUFFERED="1",  # stdout and stderr interleaved as written
        COLUMNS="100",
        NO_COLOR="1",
        PYTHONHASHSEED="0",
    )
    return env


def _child_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(command: str, cwd: Path) -> list[str]:
    """Run one ``scaleuq ...`` line; its stdout and stderr lines, normalised."""
    argv = shlex.split(command)
    if argv[0] != "scaleuq":
        raise ValueError(f"not a scaleuq command: {command}")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "scaleuq", *argv[1:]],
            cwd=cwd,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [f"[readme_blocks: timed out after {TIMEOUT_S} s]"]
    return normalise(proc.stdout, cwd)


def normalise(output: str, cwd: Path | None = None) -> list[str]:
    """Trailing spaces of each line and trailing blank lines dropped; the temporary folder's
    path, where a command prints it, written as ``.``."""
    if cwd is not None:
        output = output.replace(str(cwd), ".")
    lines = [line.rstrip() for line in output.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def run_block(block: Block) -> list[list[str]]:
    """The output of every step of a block, run in one fresh folder."""
    with tempfile.TemporaryDirectory(prefix="readme-blocks-") as tmp:
        work = _workdir(Path(tmp))
        return [run_command(step.command, work) for step in block.steps]


def diff(block: Block, outputs: list[list[str]]) -> list[str]:
    """Unified differences between shown and actual output, empty when they agree."""
    out: list[str] = []
    for step, actual in zip(block.steps, outputs, strict=True):
        shown = normalise("\n".join(step.shown))
        if shown != actual:
            out += difflib.unified_diff(
                shown, actual, f"README: $ {step.command}", "actual", lineterm=""
            )
    return out


def rewrite(text: str, updates: dict[int, list[list[str]]]) -> str:
    """``text`` with the outputs of the blocks (by start line) replaced."""
    lines = text.split("\n")
    for block in sorted(parse(text), key=lambda b: b.start, reverse=True):
        if block.start not in updates:
            continue
        body = []
        for step, actual in zip(block.steps, updates[block.start], strict=True):
            body += [f"$ {step.command}", *actual]
        lines[block.start : block.end] = body
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the outputs in README")
    parser.add_argument("--list", action="store_true", help="list the blocks")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    blocks = parse(text)
    if args.list:
        for b in blocks:
            mark = " (skipped)" if b.skip else ""
            print(f"{b.name}{mark}")
            for s in b.steps:
                print(f"    $ {s.command}")
        return 0
    shared = (ROOT.parent / "shared").exists()
    failed = 0
    updates = {}
    total_wall = total_cpu = 0.0
    for block in blocks:
        if block.skip or (block.needs_shared() and not shared):
            print(f"skip {block.name}", file=sys.stderr)
            continue
        t0, c0 = time.perf_counter(), _child_cpu()
        outputs = run_block(block)
        elapsed, cpu = time.perf_counter() - t0, _child_cpu() - c0
        total_wall, total_cpu = total_wall + elapsed, total_cpu + cpu
        differences = diff(block, outputs)
        status = "differs" if differences else "ok"
        print(f"{status:8s} {elapsed:5.1f} s wall {cpu:5.1f} s CPU  {block.name}", file=sys.stderr)
        if differences:
            failed += 1
            updates[block.start] = outputs
            if not args.update:
                print("\n".join(differences))
    print(f"total    {total_wall:5.1f} s wall {total_cpu:5.1f} s CPU", file=sys.stderr)
    if args.update and updates:
        from tempfile import NamedTemporaryFile

        new = rewrite(text, updates)
        with NamedTemporaryFile("w", dir=args.readme.parent, delete=False, encoding="utf-8") as f:
            f.write(new)
        os.chmod(f.name, args.readme.stat().st_mode & 0o777)
        os.replace(f.name, args.readme)  # atomic: README is whole before or after
        print(f"rewrote {len(updates)} block(s) in {args.readme}", file=sys.stderr)
        return 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
