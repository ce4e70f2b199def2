"""Ingest MadGraph5_aMC@NLO run output into the scaleuq table.

Reads, per run directory (``PROC/Events/run_01/``) or file:

* LO runs: the cross section and MC error from the LHE ``<init>`` block (or the banner's
  ``<MGGenerationInfo>``, or a console line ``Cross-section : X +- Y pb``); scale and PDF
  variations from ``parton_systematics.log`` (``#     scale variation: +11.8% -12.7%``,
  ``# PDF variation: +0.918% -0.918%``, including the ``+ 0%`` and ``8.43e-09%`` forms that
  ``%2.3g`` prints) or, where there is no such log, from the LHE file's scale weights.
* Fixed-order NLO runs: ``summary.txt`` (``Total cross section: X +- Y pb``, the
  ``Dynamical_scale_choice -1 (envelope of 9 values):`` block and the PDF block; also the older
  ``Total cross-section:`` and ``Ren. and fac. scale uncertainty: +x% -y%``).
* The process from ``Process ...`` in ``summary.txt``, the banner's proc card, the LHE header,
  or ``Cards/proc_card_mg5.dat`` of the process directory.

LO and NLO runs of the same process (compared without NLO tags such as ``[QCD]``) become one
table row. What a file does not say is left empty and reported, never guessed.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaleuq.errors import MadGraphError

log = logging.getLogger(__name__)

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"\+\s*({_NUM})\s*%\s*-\s*({_NUM})\s*%")
LHE_NAMES = ("unweighted_events.lhe.gz", "unweighted_events.lhe", "events.lhe.gz", "events.lhe")


@dataclass
class RunRecord:
    """What one MadGraph run says about one process at one order.

    Attributes:
        source: the run directory or file.
        order: ``LO`` or ``NLO``.
        process: the process (MadGraph syntax), or None if no file names it.
        xsec_pb, xsec_err_pb: cross section and MC error.
        scale_up_pct, scale_dn_pct: scale variation in percent (``dn`` negative).
        pdf_up_pct, pdf_dn_pct: PDF variation in percent.
        files: the files read.
        missing: what could not be found.
    """

    source: str
    order: str
    process: str | None = None
    xsec_pb: float | None = None
    xsec_err_pb: float | None = None
    scale_up_pct: float | None = None
    scale_dn_pct: float | None = None
    pdf_up_pct: float | None = None
    pdf_dn_pct: float | None = None
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dict(self.__dict__)


def _pair(text: str) -> tuple[float, float] | None:
    m = _PAIR.search(text)
    return (float(m.group(1)), -float(m.group(2))) if m else None


def parse_systematics_log(path: str | Path) -> dict[str, Any]:
    """Summary of MadGraph's ``parton_systematics.log`` (LO runs with ``use_syst=True``).

    Returns:
        ``xsec_pb`` (original cross-section), ``scale`` (up, dn) in percent, ``pdf`` (up, dn) or
        None for ``missing combination``, ``emission``, ``central_scheme``, ``dynamical``
        (list of (scheme, xsec, up, dn, label)), ``pdf_sets`` (list of (name, xsec, up, dn)).
    """
    path = Path(path)
    out: dict[str, Any] = {"xsec_pb": None, "scale": None, "pdf": None, "emission": None,
                           "central_scheme": None, "dynamical": [], "pdf_sets": []}  # fmt: skip
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        body = line.lstrip("#").strip()
        low = body.lower()
        if low.startswith("original cross-section"):
            m = re.search(_NUM, body.split(":", 1)[1])
            out["xsec_pb"] = float(m.group(0)) if m else None
        elif low.startswith("scale variation:") and out["scale"] is None:
            out["scale"] = _pair(body)
            if out["scale"] is None:
                raise MadGraphError(f"{path}:{number}: cannot read the scale variation {body!r}")
        elif low.startswith("emission scale variation:"):
            out["emission"] = _pair(body)
        elif low.startswith("central scheme variation:"):
            out["central_scheme"] = _pair(body)
        elif low.startswith("pdf variation:"):
            out["pdf"] = None if "missing" in low else _pair(body)
        elif low.startswith("pdf ") and ":" in body:
            name, rest = body[3:].split(":", 1)
            m = re.match(rf"\s*({_NUM})", rest)
            pair = _pair(rest)
            if m and pair:
                out["pdf_sets"].append((name.strip(), float(m.group(1)), *pair))
        elif low.startswith("dynamical scheme"):
            m = re.match(rf"dynamical scheme\s*#\s*(-?\d+)\s*:\s*({_NUM})(.*)", body, re.I)
            if m and (pair := _pair(m.group(3))):
                label = m.group(3).split("#", 1)[1].strip() if "#" in m.group(3) else ""
                out["dynamical"].append((int(m.group(1)), float(m.group(2)), *pair, label))
    return out


def parse_summary(path: str | Path) -> dict[str, Any]:
    """Read a fixed-order NLO ``summary.txt`` (new and old MadGraph formats).

    Returns:
        ``process``, ``xsec_pb``, ``xsec_err_pb``, ``scale`` (up, dn) in percent of the run's
        own dynamical scale (``Dynamical_scale_choice -1``, else the first listed), ``pdf``
        (up, dn) of the first PDF set listed.
    """
    path = Path(path)
    lines = path.read_text(errors="replace").splitlines()
    out: dict[str, Any] = {
        "process": None,
        "xsec_pb": None,
        "xsec_err_pb": None,
        "scale": None,
        "pdf": None,
    }
    section = None
    scales: dict[int, tuple[float, float]] = {}
    current_dyn: int | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        low = line.lower()
        if low.startswith("process") and out["process"] is None:
            out["process"] = (
                line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else None
            )
        elif low.startswith(("total cross section", "total cross-section")):
            m = re.search(rf"({_NUM})\s*\+-\s*({_NUM})\s*(\w+)?", line.split(":", 1)[1])
            if not m:
                raise MadGraphError(f"{path}:{number}: cannot read the cross section in {line!r}")
            unit = (m.group(3) or "pb").lower()
            if unit != "pb":
                raise MadGraphError(f"{path}:{number}: unexpected unit '{unit}' (expected pb)")
            out["xsec_pb"], out["xsec_err_pb"] = float(m.group(1)), float(m.group(2))
        elif low.startswith("ren. and fac. scale uncertainty"):
            out["scale"] = _pair(line)
        elif low.startswith("scale variation"):
            section = "scale"
        elif low.startswith("pdf variation") or low.startswith("pdf uncertainty"):
            section = "pdf"
            if pair := _pair(line):
                out["pdf"] = out["pdf"] or pair
        elif low.startswith("dynamical_scale_choice") and section == "scale":
            m = re.match(r"dynamical_scale_choice\s+(-?\d+)", low)
            current_dyn = int(m.group(1)) if m else None
        elif (pair := _pair(line)) and re.match(rf"{_NUM}\s*pb", line):
            if section == "scale" and current_dyn is not None:
                scales.setdefault(current_dyn, pair)
            elif section == "pdf" and out["pdf"] is None:
                out["pdf"] = pair
    if scales:
        out["scale"] = scales.get(-1, next(iter(scales.values())))
    return out


def _process_from_text(text: str) -> str | None:
    m = re.search(r"^\s*generate\s+(.+?)\s*$", text, re.M)
    return m.group(1).split("#")[0].strip() if m else None


def _console_xsec(text: str) -> tuple[float, float] | None:
    m = re.search(rf"Cross-section\s*:\s*({_NUM})\s*\+-\s*({_NUM})\s*pb", text)
    return (float(m.group(1)), float(m.group(2))) if m else None


def process_key(process: str) -> str:
    """The process without NLO tags, options or coupling orders, for matching LO to NLO."""
    from scaleuq.io.process import normalize_process

    text = re.split(r"\[|@|\$", process, maxsplit=1)[0]
    text = re.sub(r"\b\w+\s*[<>=]=?\s*\d+", "", text)  # QCD=2, QED<=3
    return normalize_process(text)


def _find_proc_card(start: Path) -> Path | None:
    for parent in [start, *start.parents][:4]:
        card = parent / "Cards" / "proc_card_mg5.dat"
        if card.is_file():
            return card
    return None


def read_run(path: str | Path, *, use_lhe_weights: bool = True) -> RunRecord:
    """Read one run directory or one output file into a :class:`RunRecord`."""
    path = Path(path)
    if not path.exists():
        raise MadGraphError(f"{path}: no such file or directory")
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    names = {p.name: p for p in files}
    summary = names.get("summary.txt")
    syst = names.get("parton_systematics.log")
    banner = next((p for p in files if p.name.endswith("_banner.txt")), None)
    lhe = next((names[n] for n in LHE_NAMES if n in names), None)
    if lhe is None:
        lhe = next((p for p in files if p.name.endswith((".lhe", ".lhe.gz"))), None)
    logs = [p for p in files if p.suffix in {".log", ".txt"} and p not in (summary, syst, banner)]

    if summary is not None:
        info = parse_summary(summary)
        rec = RunRecord(str(path), "NLO", files=[str(summary)])
        rec.process = info["process"]
        rec.xsec_pb, rec.xsec_err_pb = info["xsec_pb"], info["xsec_err_pb"]
        if info["scale"]:
            rec.scale_up_pct, rec.scale_dn_pct = info["scale"]
        if info["pdf"]:
            rec.pdf_up_pct, rec.pdf_dn_pct = info["pdf"]
        if rec.xsec_pb is None:
            rec.missing.append("cross section (no 'Total cross section' line in summary.txt)")
    else:
        if syst is None and banner is None and lhe is None:
            raise MadGraphError(
                f"{path}: no MadGraph output here (summary.txt, parton_systematics.log, "
                "*_banner.txt or an LHE file)"
            )
        rec = RunRecord(str(path), "LO")
        header = None
        if lhe is not None:
            from scaleuq.io.lhe import read_header

            header = read_header(lhe)
            rec.files.append(str(lhe))
            rec.process = header.process
            rec.order = header.order
            rec.xsec_pb, rec.xsec_err_pb = header.xsec_pb, header.xsec_err_pb
        if banner is not None:
            text = banner.read_text(errors="replace")
            rec.files.append(str(banner))
            rec.process = rec.process or _process_from_text(text)
            if rec.xsec_pb is None:
                m = re.search(rf"Integrated weight \(pb\)\s*:\s*({_NUM})", text)
                rec.xsec_pb = float(m.group(1)) if m else None
        for log_file in logs:
            found = _console_xsec(log_file.read_text(errors="replace"))
            if found and rec.xsec_err_pb is None:
                rec.xsec_pb, rec.xsec_err_pb = found
                rec.files.append(str(log_file))
        if syst is not None:
            info = parse_systematics_log(syst)
            rec.files.append(str(syst))
            if info["scale"]:
                rec.scale_up_pct, rec.scale_dn_pct = info["scale"]
            if info["pdf"]:
                rec.pdf_up_pct, rec.pdf_dn_pct = info["pdf"]
            else:
                rec.missing.append(
                    "PDF variation ('missing combination' or absent in parton_systematics.log)"
                )
            if rec.xsec_pb is None:
                rec.xsec_pb = info["xsec_pb"]
        elif lhe is not None and use_lhe_weights and header is not None and header.weights:
            from scaleuq.io.lhe import summarize_lhe

            summary_lhe = summarize_lhe(lhe)
            env = summary_lhe.envelopes["9-point"]
            if env.points_used and len(env.points_used) > 1:
                rec.scale_up_pct, rec.scale_dn_pct = 100 * env.up_rel, 100 * env.down_rel
                if env.points_missing:
                    rec.missing.append(
                        f"scale points {list(env.points_missing)} not in the LHE weights"
                    )
            if summary_lhe.pdf_up_rel is not None:
                rec.pdf_up_pct, rec.pdf_dn_pct = (
                    100 * summary_lhe.pdf_up_rel,
                    100 * summary_lhe.pdf_down_rel,
                )
        if rec.xsec_err_pb is None:
            rec.missing.append("Monte Carlo error of the cross section")
    if rec.process is None:
        card = _find_proc_card(path if path.is_dir() else path.parent)
        if card is not None:
            rec.process = _process_from_text(card.read_text(errors="replace"))
            rec.files.append(str(card))
    if rec.process is None:
        rec.missing.append(
            "process (no summary 'Process' line, banner, LHE proc card or Cards/proc_card_mg5.dat)"
        )
    if rec.scale_up_pct is None:
        rec.missing.append("scale variation")
    return rec


def find_runs(path: str | Path) -> list[Path]:
    """Run directories (or single files) under ``path``: any folder holding MadGraph output."""
    path = Path(path)
    if not path.exists():
        raise MadGraphError(f"{path}: no such file or directory")
    if path.is_file():
        return [path]
    markers = ("summary.txt", "parton_systematics.log", *LHE_NAMES)
    runs = set()
    for p in path.rglob("*"):
        if p.is_file() and (p.name in markers or p.name.endswith("_banner.txt")):
            runs.add(p.parent)
    if not runs:
        raise MadGraphError(f"{path}: no MadGraph run output found below this directory")
    return sorted(runs)


def ingest(paths: list[str | Path], *, use_lhe_weights: bool = True) -> tuple[Any, list[RunRecord]]:
    """Read MadGraph runs and return ``(table, records)``: the canonical scaleuq table with one
    row per process (LO and NLO merged) and the per-run records with what was missing.

    Raises:
        MadGraphError: a run without a process, two runs of the same process and order, an
            NLO run without its LO partner is kept with empty LO columns (reported).
    """
    records = [
        read_run(run, use_lhe_weights=use_lhe_weights) for p in paths for run in find_runs(p)
    ]
    rows: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], str] = {}
    for rec in records:
        for item in rec.missing:
            log.warning("%s: %s", rec.source, item)
        if rec.process is None:
            raise MadGraphError(
                f"{rec.source}: cannot tell which process this run is (no proc card or Process line)"
            )
        values = {"xsec_pb": rec.xsec_pb, "mc_err_pb": rec.xsec_err_pb}
        for kind in ("scale", "pdf"):
            up, dn = getattr(rec, f"{kind}_up_pct"), getattr(rec, f"{kind}_dn_pct")
            values[f"{kind}_up_rel"] = None if up is None else up / 100
            values[f"{kind}_dn_rel"] = None if dn is None else abs(dn) / 100
        _merge(rows, seen, rec.process, rec.order, rec.source, values, "runs")
    return _validated(rows, "madgraph"), records


def _merge(
    rows: dict[str, dict[str, Any]],
    seen: dict[tuple[str, str], str],
    process: str,
    order: str,
    source: str,
    values: dict[str, Any],
    what: str,
) -> None:
    """Put one run's numbers into the row of its process, under its order's columns.

    Raises:
        MadGraphError: the same process already has a run (or file) of this order.
    """
    key = process_key(process)
    if (key, order) in seen:
        raise MadGraphError(
            f"process '{key}' has two {order} {what} ({seen[key, order]} and {source}); pass only one"
        )
    seen[key, order] = source
    row = rows.setdefault(key, {"process": key, "sources": []})
    row["sources"].append(source)
    o = order.lower()
    row.update({f"{o}_{name}": value for name, value in values.items()})


def _validated(rows: dict[str, dict[str, Any]], dataset: str) -> Any:
    """Rows keyed by process -> canonical table, through the table schema's validation."""
    from scaleuq.io.process import count_final_state
    from scaleuq.io.tables import from_records

    records, sources = [], []
    for key, row in rows.items():
        n = count_final_state(key)
        if n is None:
            raise MadGraphError(
                f"cannot count the final state of '{key}' (decay chain?); ingest it by hand"
            )
        if row.get("lo_xsec_pb") is None or (
            isinstance(row.get("lo_xsec_pb"), float) and math.isnan(row["lo_xsec_pb"])
        ):
            log.warning("process '%s' has no LO run: its pull will be undefined", key)
        record = {"n_final": n}
        for col, value in row.items():
            if (
                col == "sources"
                or value is None
                or (isinstance(value, float) and math.isnan(value))
            ):
                continue
            record[col] = value
        records.append(record)
        sources.append("; ".join(row["sources"]))
    return from_records(records, dataset=dataset, sources=sources)


def ingest_lhe(paths: list[str | Path], *, pdf_method: str = "replicas", envelope: str = "9-point",
               progress: Any = None) -> tuple[Any, list[Any]]:  # fmt: skip
    """Table rows from LHE files (LO, NLO or both per process): cross sections from ``<init>``,
    scale envelopes and PDF uncertainties from the event weights.

    Returns ``(table, summaries)``.
    """
    from scaleuq.io.lhe import ENVELOPES, summarize_lhe

    if envelope not in ENVELOPES:
        raise MadGraphError(f"unknown envelope '{envelope}'; choose {', '.join(ENVELOPES)}")
    summaries = [summarize_lhe(p, pdf_method=pdf_method, progress=progress) for p in paths]
    rows: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], str] = {}
    for s in summaries:
        process = s.header.process
        if process is None:
            raise MadGraphError(
                f"{s.header.path}: the header names no process (no MG5ProcCard 'generate' line)"
            )
        env = s.envelopes[envelope]
        if env.points_missing:
            log.warning(
                "%s: the %s envelope lacks %s", s.header.path, envelope, list(env.points_missing)
            )
        values = {
            "xsec_pb": s.xsec_pb, "mc_err_pb": s.xsec_err_pb,
            "scale_up_rel": env.up_rel if len(env.points_used) > 1 else math.nan,
            "scale_dn_rel": -env.down_rel if len(env.points_used) > 1 else math.nan,
            "pdf_up_rel": math.nan if s.pdf_up_rel is None else s.pdf_up_rel,
            "pdf_dn_rel": math.nan if s.pdf_down_rel is None else -s.pdf_down_rel,
        }  # fmt: skip
        _merge(rows, seen, process, s.header.order, s.header.path, values, "files")
    orders = {s.header.order for s in summaries}
    if len(summaries) == 2 and orders == {"LO", "NLO"} and len(rows) == 2:
        a, b = (process_key(s.header.process) for s in summaries)
        raise MadGraphError(
            f"the LO and NLO files are of different processes: '{a}' ({summaries[0].header.path}) "
            f"and '{b}' ({summaries[1].header.path})"
        )
    return _validated(rows, "lhe"), summaries
