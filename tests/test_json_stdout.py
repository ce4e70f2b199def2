"""stdout carries only what ``--format json`` promises (issue 19 item 2).

Every command that offers ``--format json`` (and ``export pyhf``, whose stdout is always a
JSON workspace) runs here as a separate process, so that what C and C++ libraries write to
file descriptor 1 (Pythia, FastJet, Minuit, numba, LHAPDF) would show; its stdout must parse
with ``json.loads`` as it is. :data:`COMMANDS` must name every such command: a new one fails
:func:`test_every_json_command_is_covered` until it is added here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from scaleuq.cli import main
from tests.test_hwu import factors_for, hwu_text
from tests.test_reweight import make_lhe

ROOT = Path(__file__).resolve().parents[1]

#: command -> extras its JSON test needs (skipped without them).
COMMANDS: dict[str, tuple[str, ...]] = {
    "pulls": (), "reference-correct": (), "fit": (), "datasets": (), "recommend": (),
    "ingest madgraph": (), "ingest lhe": (), "ingest nanoaod": ("uproot", "awkward"),
    "differential": (), "validate-covariance": (), "mhou": (), "series dis": ("hoppet",),
    "export pyhf": ("pyhf",), "fit-workspace": ("pyhf",), "reweight": (),
    "decorrelation generate": ("pythia8mc", "fastjet"), "decorrelation closure": ("pythia8mc",),
    "decorrelation toy": ("torch",), "decorrelation run": ("torch", "pyhf"),
}  # fmt: skip


def _json_commands() -> set[str]:
    found: set[str] = set()

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        fmt = [p for p in command.params if p.name == "fmt"]
        if fmt and isinstance(fmt[0].type, click.Choice) and "json" in fmt[0].type.choices:
            found.add(" ".join(path))

    walk(main, [])
    return found | {"export pyhf"}


def test_every_json_command_is_covered() -> None:
    assert _json_commands() == set(COMMANDS)


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``scaleuq ARGS`` in a fresh process; return stdout, which must be JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "scaleuq", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    json.loads(done.stdout)  # nothing else on stdout: no banner, no print
    return done.stdout


def _long_table(path: Path) -> Path:
    """A small long-format series (two points, LO/NLO/NNLO, nine scale points)."""
    rows = ["point,observable,order,k_R,k_F,value,alphas"]
    for point, base in (("p1", 10.0), ("p2", 20.0)):
        for order, level, spread in (("lo", 1.0, 0.2), ("nlo", 1.15, 0.08), ("nnlo", 1.18, 0.03)):
            for kr in (0.5, 1.0, 2.0):
                for kf in (0.5, 1.0, 2.0):
                    shift = spread * (0.6 * (kr - 1) - 0.3 * (kf - 1))
                    rows.append(
                        f"{point},F2,{order},{kr},{kf},{base * level * (1 + shift):.6g},0.2"
                    )
    path.write_text("\n".join(rows) + "\n")
    return path


def _args(command: str, tmp: Path) -> list[str]:
    if command in ("pulls", "reference-correct", "recommend", "datasets"):
        return [command]
    if command == "fit":
        return ["fit", "--model", "gauss", "--bootstrap", "0", "--gof", "0"]
    if command == "ingest madgraph":
        return ["ingest", "madgraph", str(ROOT / "tests/data/madgraph/fo_ttbar")]
    if command == "ingest lhe":
        from scaleuq.io.synthetic import write_synthetic_lhe

        return ["ingest", "lhe", str(write_synthetic_lhe(tmp / "z.lhe", 200, seed=1))]
    if command == "ingest nanoaod":
        from scaleuq.io.nanoaod.synthetic import write_nanoaod

        write_nanoaod(tmp / "nano.root", 500, seed=1)
        return [
            "ingest",
            "nanoaod",
            str(tmp / "nano.root"),
            "--process",
            "p p > z j",
            "--order",
            "lo",
        ]
    if command == "differential":
        lo = tmp / "lo.HwU"
        nlo = tmp / "nlo.HwU"
        for path, central, spread in ((lo, [10.0, 8.0], 0.2), (nlo, [12.0, 9.0], 0.1)):
            head, body = hwu_text(central, factors_for(2, spread))
            path.write_text(head + "\n\n" + body)
        return ["differential", str(lo), str(nlo)]
    if command in ("validate-covariance", "mhou"):
        extra = ["--method", "envelope-9"] if command == "mhou" else ["--prescription", "9"]
        return [command, str(_long_table(tmp / "series.csv")), *extra]
    if command == "series dis":
        return ["series", "dis", "--datasets", "HERA_CC_318GEV", "--orders", "lo,nlo",
                "-o", str(tmp / "dis.csv")]  # fmt: skip
    if command == "export pyhf":
        return ["export", "pyhf", "--process", "p p > z j", "--lumi", "0.01"]
    if command == "fit-workspace":
        (tmp / "ws.json").write_text(
            _run(["export", "pyhf", "--process", "p p > z j", "--lumi", "0.01"], tmp)
        )
        return ["fit-workspace", str(tmp / "ws.json"), "--constraint", "gauss"]
    if command == "reweight":
        from tests._pdfgrid import ALPHAS_INFO, toy, write_set

        write_set(tmp / "pdfs", "toyset", 1, lambda k: toy,
                  "SetIndex: 910000\nNumMembers: 1\nErrorType: replicas\n" + ALPHAS_INFO)  # fmt: skip
        events = make_lhe(tmp / "ev.lhe", 5)
        return ["reweight", str(events), "--pdf", "toyset", "--pdf-path", str(tmp / "pdfs"),
                "--summary", "--dyn=-1"]  # fmt: skip
    if command == "decorrelation generate":
        return ["decorrelation", "generate", "--events", "100", "-d", str(tmp / "samples")]
    if command == "decorrelation closure":
        return ["decorrelation", "closure", "--events", "100", "--process", "wjets"]
    if command == "decorrelation toy":
        return ["decorrelation", "toy", "--events", "1000"]
    raise AssertionError(command)


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"decorrelation run"}))
def test_stdout_is_json(command: str, tmp_path: Path) -> None:
    for module in COMMANDS[command]:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    _run([*_args(command, tmp_path), "--format", "json"] if command != "export pyhf"
         else _args(command, tmp_path), tmp_path, env={"SCALEUQ_CACHE_DIR": str(tmp_path / "c")})  # fmt: skip


def test_decorrelation_run_stdout_is_json(tmp_path: Path) -> None:
    """The quick run at a test's size: the same command line and rendering, with the study's
    quick configuration made tiny in the child process (the full size takes minutes)."""
    for module in COMMANDS["decorrelation run"]:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module}")
    from tests.test_decorrelation import synthetic_sample

    synthetic_sample(600, True, 3).save(tmp_path / "s.npz")
    synthetic_sample(1200, False, 4).save(tmp_path / "b.npz")
    script = (
        "import sys, dataclasses\n"
        "import scaleuq.decorrelation.study as study\n"
        "from tests.test_decorrelation import tiny_config\n"
        "study.SIZES['quick'] = dataclasses.replace(tiny_config(), repeats=1)\n"
        "from scaleuq.cli import main\n"
        "main(['decorrelation', 'run', '--quick', '--signal', 's.npz', '--background', 'b.npz',"
        " '--methods', 'baseline,disco', '--format', 'json'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    payload = json.loads(done.stdout)
    assert payload["command"] == "decorrelation run"
