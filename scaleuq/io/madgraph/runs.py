"""MadGraph outputs -> runs -> one table row per process (LO and NLO merged).

How files become runs (see :mod:`.detect` for how each file is recognised):

* Paths are collected recursively (hidden files and a process directory's code folders are
  skipped), each file once however often it is named; a dangling link or an unreadable folder
  is an error naming it.
* Files are read per folder. MadEvent output in a folder (the ``Cross-section :`` console line,
  the systematics summary, a MadEvent banner, an LO event file) is one LO run; when a folder
  holds several of one kind, each is a run of its own.
* Each aMC@NLO run summary block is a run of its own, never mixed with another block.
* A run's order comes from the run itself where it says so (a banner's ``<run_settings>``
  ``order = LO|NLO``, which is the run's own only when its folder holds one such banner and one
  summary block; MadEvent output is LO, also for loop-induced processes; a process without an
  NLO bracket can only be LO), else from the heading right before the block (``### NLO``,
  ``LO+PS``), else from ``order=`` (``--order``), else it is an error naming the file and line.
* A run's process comes from the run (``Process`` line, banner, LHE header), else from a proc
  card in its folder or in ``Cards/`` above it, else from ``process=`` (``--process``); a run
  whose own process disagrees with ``process=`` is an error.
* Runs of the same process (compared by :func:`~scaleuq.io.process.process_key`) become one
  row; two runs of the same process and order are an error unless ``pick=`` chooses one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaleuq.errors import MadGraphError
from scaleuq.io.madgraph.blocks import (
    BannerInfo,
    RunSummary,
    SystematicsSummary,
    console_cross_section,
    parse_run_summary,
    parse_systematics,
    read_banner,
    read_lhe_banner,
)
from scaleuq.io.madgraph.detect import (
    TextBlock,
    find_blocks,
    looks_like_proc_card,
    read_text,
    sniff,
)
from scaleuq.io.process import (
    MERGED_SEPARATOR,
    ProcCard,
    ProcessSyntaxError,
    parse_proc_card,
    parse_process,
)

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.io.lhe import LHESummary

log = logging.getLogger(__name__)

ORDERS = ("LO", "NLO")
#: Code folders of a MadGraph process directory: never scanned for results.
CODE_FOLDERS = frozenset(
    {"SubProcesses", "Source", "lib", "bin", "HTML", "MCatNLO", "FixedOrderAnalysis",
     "Template", "madevent", "MadSpin", "StdHEP", "Utilities"}
)  # fmt: skip
CODE_SUFFIXES = frozenset(
    {".f", ".f90", ".o", ".inc", ".a", ".so", ".py", ".pyc", ".cc", ".cpp", ".h", ".mod",
     ".pdf", ".png", ".jpg", ".gif", ".svg", ".eps", ".ps", ".root", ".hepmc", ".tar", ".zip",
     ".html", ".htm"}
)  # fmt: skip
XSEC_AGREE_REL = 1e-4  # two sources of one run's cross section differing by more are reported


@dataclass(frozen=True)
class RunRecord:
    """What one MadGraph run says about one process at one order.

    Attributes:
        source: ``file:line`` of the run's block, or the run's folder.
        order: ``LO`` or ``NLO``; ``order_from`` says how it was decided.
        process: the process (MadGraph syntax; merged samples joined with `` | ``), or None.
        label: the heading right before the run's block (``LO+PS``), or None.
        xsec_pb, xsec_err_pb: cross section and MC error (pb).
        scale_up_pct, scale_dn_pct: scale variation in percent (``dn`` <= 0).
        pdf_up_pct, pdf_dn_pct: PDF variation in percent.
        files: the files read.
        provenance: (quantity, ``file:line``) for every number and choice.
        missing: what the run does not say (left empty, never guessed).
        notes: disagreements between sources and which was used; other remarks.
    """

    source: str
    order: str
    order_from: str
    process: str | None
    label: str | None
    xsec_pb: float | None
    xsec_err_pb: float | None
    scale_up_pct: float | None
    scale_dn_pct: float | None
    pdf_up_pct: float | None
    pdf_dn_pct: float | None
    files: tuple[str, ...]
    provenance: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    notes: tuple[str, ...]

    def provenance_of(self, what: str) -> str:
        """Where ``what`` (``process``, ``xsec_pb``, ``scale``, ...) came from."""
        return dict(self.provenance).get(what, self.source)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation."""
        return {
            "source": self.source, "order": self.order, "order_from": self.order_from,
            "process": self.process, "label": self.label, "xsec_pb": self.xsec_pb,
            "xsec_err_pb": self.xsec_err_pb, "scale_up_pct": self.scale_up_pct,
            "scale_dn_pct": self.scale_dn_pct, "pdf_up_pct": self.pdf_up_pct,
            "pdf_dn_pct": self.pdf_dn_pct, "files": list(self.files),
            "provenance": dict(self.provenance), "missing": list(self.missing),
            "notes": list(self.notes),
        }  # fmt: skip


@dataclass(frozen=True)
class Skipped:
    """A file that holds no MadGraph result scaleuq can place, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON-safe representation."""
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class IngestResult:
    """Result of :func:`ingest` and :func:`ingest_lhe`.

    Attributes:
        table: the canonical scaleuq table, one row per process (its ``source`` column names
            the runs of each row).
        runs: the runs used, in the order read.
        unused: runs of a process and order that ``pick`` did not choose.
        skipped: files without a result that could be placed (HwU histograms, run cards...).
        warnings: what is missing or inconsistent, one line each (also logged).
        lhe: per-file summaries of the LHE files read by :func:`ingest_lhe` (else empty).
    """

    table: pd.DataFrame
    runs: tuple[RunRecord, ...]
    unused: tuple[RunRecord, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    lhe: tuple[LHESummary, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation (the table as a list of row objects)."""
        from scaleuq.util.jsonio import to_jsonable

        rows = to_jsonable(self.table.drop(columns=["dataset"]).to_dict(orient="records"))
        return {
            "processes": rows,
            "runs": [r.to_dict() for r in self.runs],
            "unused": [r.to_dict() for r in self.unused],
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": list(self.warnings),
            "lhe": [s.to_dict() for s in self.lhe],
        }


@dataclass
class _Run:
    """A run being assembled (mutable); frozen into :class:`RunRecord`."""

    source: str
    order: str | None = None
    order_from: str = ""
    process: str | None = None
    label: str | None = None
    xsec_pb: float | None = None
    xsec_err_pb: float | None = None
    scale: tuple[float, float] | None = None
    pdf: tuple[float, float] | None = None
    files: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    heading_order: str | None = None
    heading_line: int | None = None
    lhe: Path | None = None

    def set_order(self, order: str, why: str) -> None:
        if self.order is None:
            self.order, self.order_from = order, why

    def set_process(self, process: str | None, where: str) -> None:
        if process and self.process is None:
            self.process = process
            self.provenance["process"] = where

    def heading_where(self) -> str:
        """``file:line`` of the heading (or of the block when there is none)."""
        if self.heading_line is not None:
            return f"{self.source.rsplit(':', 1)[0]}:{self.heading_line}"
        return self.source

    def freeze(self) -> RunRecord:
        assert self.order is not None
        up, dn = self.scale or (None, None)
        pup, pdn = self.pdf or (None, None)
        return RunRecord(
            self.source, self.order, self.order_from, self.process, self.label, self.xsec_pb,
            self.xsec_err_pb, up, dn, pup, pdn, tuple(dict.fromkeys(self.files)),
            tuple(self.provenance.items()), tuple(self.missing), tuple(self.notes),
        )  # fmt: skip


@dataclass(frozen=True)
class _Options:
    process: str | None
    order: str | None
    use_lhe_weights: bool


# ---------------------------------------------------------------------------------------------
# collecting files


def _check_link(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise MadGraphError(f"{path}: a link to '{os.readlink(path)}', which does not exist")


def collect_files(paths: Sequence[str | Path]) -> dict[Path, list[Path]]:
    """Files below ``paths`` grouped by folder, each file once (by its resolved path).

    Raises:
        MadGraphError: a path that does not exist, a dangling link, an unreadable folder.
    """
    groups: dict[Path, list[Path]] = {}
    seen: set[Path] = set()

    def add(path: Path) -> None:
        _check_link(path)
        real = path.resolve()
        if real in seen:
            return
        seen.add(real)
        groups.setdefault(real.parent, []).append(path)

    def failed(exc: OSError) -> None:
        raise MadGraphError(
            f"{exc.filename}: cannot read this folder ({exc.strerror or exc})"
        ) from None

    for given in paths:
        path = Path(given)
        _check_link(path)
        if not path.exists():
            raise MadGraphError(f"{path}: no such file or directory")
        if path.is_file():
            add(path)
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            raise MadGraphError(f"{path}: cannot read this folder (permission denied)")
        for root, dirs, files in os.walk(path, onerror=failed):
            here = Path(root)
            process_dir = (here / "Cards").is_dir()
            dirs[:] = sorted(
                d for d in dirs
                if not d.startswith(".") and not (process_dir and d in CODE_FOLDERS)
            )  # fmt: skip
            for name in sorted(files):
                file = here / name
                if name.startswith(".") or file.suffix.lower() in CODE_SUFFIXES:
                    continue
                if not file.is_symlink() and not os.access(file, os.R_OK):
                    raise MadGraphError(f"{file}: cannot read this file (permission denied)")
                add(file)
    return groups


def _find_proc_card(folder: Path) -> Path | None:
    for parent in [folder, *folder.parents][:4]:
        card = parent / "Cards" / "proc_card_mg5.dat"
        if card.is_file():
            return card
    return None


# ---------------------------------------------------------------------------------------------
# one folder


@dataclass
class _Folder:
    banners: list[BannerInfo] = field(default_factory=list)
    lhes: list[tuple[Path, BannerInfo]] = field(default_factory=list)
    cards: list[tuple[Path, ProcCard]] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _scan(files: list[Path]) -> _Folder:
    found = _Folder()
    for file in files:
        kind = sniff(file)
        if kind is None:
            found.skipped.append(Skipped(str(file), "binary file, not MadGraph text output"))
        elif kind == "hwu":
            found.skipped.append(
                Skipped(str(file), "HwU histograms: compare them with `scaleuq differential`")
            )
        elif kind == "banner":
            found.banners.append(read_banner(file))
        elif kind == "lhe":
            found.lhes.append((file, read_lhe_banner(file)))
        else:
            text = read_text(file)
            blocks = find_blocks(text, file)
            results = [b for b in blocks if b.kind != "intermediate"]
            if results:
                found.blocks.extend(results)
            elif looks_like_proc_card(text):
                found.cards.append((file, parse_proc_card(text)))
            elif blocks:
                found.skipped.append(
                    Skipped(str(file), "only intermediate results (no final run summary)")
                )
            else:
                found.skipped.append(Skipped(str(file), "no MadGraph result recognised"))
    return found


def _same_xsec(a: float | None, b: float | None) -> bool:
    """Two printings of one cross section (summaries print 4 significant digits)."""
    return a is not None and b is not None and abs(a - b) <= 5e-4 * max(abs(a), abs(b))


def _key(process: str) -> str | None:
    from scaleuq.io.process import process_key

    try:
        return process_key(process)
    except ProcessSyntaxError:
        return None


def _is_madevent(banner: BannerInfo) -> bool:
    return banner.program == "MadEvent"


def _own_order(process: str | None, where: str) -> tuple[str, str] | None:
    """LO when the process syntax cannot be NLO: no NLO bracket, or ``[noborn=...]``."""
    if not process:
        return None
    try:
        infos = [parse_process(p) for p in process.split(MERGED_SEPARATOR.strip())]
    except ProcessSyntaxError:
        return None
    if all(i.nlo is None for i in infos):
        return "LO", f"the process has no NLO tag ({where})"
    if all(i.loop_induced for i in infos):
        return "LO", f"loop-induced process [noborn=...], an LO run ({where})"
    return None


def _xsec_candidates(
    run: _Run,
    candidates: list[tuple[str, float | None, float | None, str]],
) -> None:
    """Take the first cross section that has an MC error (else the first one); report the
    sources that disagree with it."""
    have = [c for c in candidates if c[1] is not None]
    if not have:
        return
    chosen = next((c for c in have if c[2] is not None), have[0])
    run.xsec_pb, run.xsec_err_pb = chosen[1], chosen[2]
    run.provenance["xsec_pb"] = chosen[3]
    if chosen[2] is not None:
        run.provenance["xsec_err_pb"] = chosen[3]
    for name, value, _err, where in have:
        if where == chosen[3] or value is None:
            continue
        assert chosen[1] is not None
        if abs(value - chosen[1]) > XSEC_AGREE_REL * max(abs(value), abs(chosen[1])):
            run.notes.append(
                f"the cross sections of {chosen[0]} ({chosen[1]:.6g} pb, {chosen[3]}) and "
                f"{name} ({value:.6g} pb, {where}) differ by "
                f"{100 * abs(value / chosen[1] - 1):.2g}%; used the {chosen[0]}"
            )


def _lhe_scale(run: _Run, lhe: Path) -> None:
    from scaleuq.io.lhe import summarize_lhe

    summary = summarize_lhe(lhe)
    env = summary.envelopes["9-point"]
    if len(env.points_used) > 1:
        run.scale = (100 * env.up_rel, 100 * env.down_rel)
        run.provenance["scale"] = f"{lhe} (9-point envelope of the event weights)"
        if env.points_missing:
            run.missing.append(f"scale points {list(env.points_missing)} not in the LHE weights")
    else:
        run.missing.append(f"scale variation ({lhe} has no scale-variation weights)")
    if summary.pdf_up_rel is not None and summary.pdf_down_rel is not None:
        run.pdf = (100 * summary.pdf_up_rel, 100 * summary.pdf_down_rel)
        run.provenance["pdf"] = f"{lhe} (PDF members of the event weights)"


def _madevent_runs(folder: Path, found: _Folder, opts: _Options) -> list[_Run]:
    """The LO MadEvent run(s) of a folder."""
    consoles = [b for b in found.blocks if b.kind == "console_lo"]
    systs = [b for b in found.blocks if b.kind == "systematics"]
    banners = [b for b in found.banners if _is_madevent(b)]
    lhes = [(p, b) for p, b in found.lhes if _is_madevent(b)]
    kinds = [consoles, systs, banners, lhes]
    if not any(kinds):
        return []
    if all(len(k) <= 1 for k in kinds):
        bundles = [(consoles[:1], systs[:1], banners[:1], lhes[:1])]
    else:
        bundles = [([c], [], [], []) for c in consoles] + [([], [s], [], []) for s in systs]
        bundles += [([], [], [b], []) for b in banners] + [([], [], [], [x]) for x in lhes]
    runs = []
    for console, syst, banner, lhe in bundles:
        first = (console or syst or [None])[0]
        source = first.where if first else (banner[0].path if banner else str(lhe[0][0]))
        run = _Run(source)
        if first is not None:
            run.label, run.heading_order = first.heading, first.heading_order
        candidates: list[tuple[str, float | None, float | None, str]] = []
        if console:
            xsec, err, where = console_cross_section(console[0])
            candidates.append(("console line", xsec, err, where))
            run.files.append(console[0].path)
        for path, info in lhe:
            from scaleuq.io.lhe import read_header

            header = read_header(path)
            candidates.append(("LHE <init>", header.xsec_pb, header.xsec_err_pb, f"{path} <init>"))
            run.set_process(info.process, f"{path}:{info.proc_card_line}")
            run.files.append(str(path))
            run.lhe = path
        for info in banner:
            where = f"{info.path}:{info.init_line}"
            candidates.append(("banner <init>", info.xsec_pb, info.xsec_err_pb, where))
            candidates.append(
                ("banner Integrated weight", info.integrated_weight_pb, None,
                 f"{info.path}:{info.integrated_line}")
            )  # fmt: skip
            run.set_process(info.process, f"{info.path}:{info.proc_card_line}")
            run.files.append(info.path)
        summary: SystematicsSummary | None = parse_systematics(syst[0]) if syst else None
        if summary is not None:
            candidates.append(
                ("systematics original cross-section", summary.xsec_pb, None, summary.source)
            )
            run.files.append(syst[0].path)
            if summary.scale:
                run.scale = (summary.scale.up_pct, summary.scale.dn_pct)
                run.provenance["scale"] = summary.scale.source
            if summary.pdf:
                run.pdf = (summary.pdf.up_pct, summary.pdf.dn_pct)
                run.provenance["pdf"] = summary.pdf.source
            elif summary.pdf_missing:
                run.missing.append(f"PDF variation ('missing combination' at {summary.source})")
        _xsec_candidates(run, candidates)
        if run.scale is None and run.lhe is not None and opts.use_lhe_weights:
            _lhe_scale(run, run.lhe)
        elif run.scale is None:
            run.missing.append("scale variation (no systematics summary or LHE weights)")
        if run.xsec_pb is not None and run.xsec_err_pb is None:
            run.missing.append("Monte Carlo error of the cross section")
        run.set_order("LO", "MadEvent output (an LO run)")
        if run.heading_order == "NLO":
            run.notes.append(f"the heading '{run.label}' says NLO, but MadEvent output is LO")
        runs.append(run)
    return runs


def _amcatnlo_runs(found: _Folder, opts: _Options) -> list[_Run]:
    """One run per aMC@NLO summary block, plus aMC@NLO event files not tied to a block."""
    summaries = [b for b in found.blocks if b.kind in ("fixed_order", "event_generation")]
    contexts = [b for b in found.banners if not _is_madevent(b)]
    amc_lhes = [(p, b) for p, b in found.lhes if b.program == "aMC@NLO"]
    contexts += [b for _, b in amc_lhes]
    infos: list[RunSummary] = [parse_run_summary(b) for b in summaries]
    # a banner is a block's own when it is the folder's only one (and the block its only
    # summary), or when it is the one banner whose <init> cross section is the block's
    owners: list[BannerInfo | None] = []
    for info in infos:
        same = [c for c in contexts if _same_xsec(c.xsec_pb, info.xsec_pb)]
        if len(same) == 1:
            owners.append(same[0])
        elif len(infos) == 1 and contexts and len({c.order for c in contexts}) == 1:
            owners.append(contexts[0])
        else:
            owners.append(None)
    runs = []
    for block, info, owner in zip(summaries, infos, owners, strict=True):
        run = _Run(block.where, label=block.heading, heading_order=block.heading_order)
        run.heading_line = block.heading_line
        run.files.append(block.path)
        run.set_process(info.process, info.process_source or block.where)
        if info.xsec_pb is not None:
            run.xsec_pb, run.xsec_err_pb = info.xsec_pb, info.xsec_err_pb
            run.provenance["xsec_pb"] = run.provenance["xsec_err_pb"] = info.xsec_source or ""
        else:
            run.missing.append(f"cross section (no 'Total cross section' line in {block.where})")
        if info.scale:
            run.scale = (info.scale.up_pct, info.scale.dn_pct)
            run.provenance["scale"] = info.scale.source
            if info.scale_values not in (None, 9):
                run.notes.append(
                    f"the scale envelope at {info.scale.source} has {info.scale_values} values, "
                    "not the 9 points of factors 1/2 to 2"
                )
        else:
            run.missing.append(f"scale variation (none in the run summary at {block.where})")
        if info.pdf:
            run.pdf = (info.pdf.up_pct, info.pdf.dn_pct)
            run.provenance["pdf"] = info.pdf.source
        if owner is not None:
            run.files.append(owner.path)
            if info.process is None:
                run.set_process(owner.process, f"{owner.path}:{owner.proc_card_line}")
            elif (
                owner.proc_card
                and len(owner.proc_card.processes) > 1
                and _key(info.process) in {_key(p) for p in owner.proc_card.processes}
            ):
                run.notes.append(
                    f"the summary names only '{info.process}'; the banner's proc card "
                    f"({owner.path}) makes it a merged sample of "
                    f"{len(owner.proc_card.processes)} processes"
                )
                run.process = None
                run.set_process(owner.process, f"{owner.path}:{owner.proc_card_line}")
            elif owner.process and _key(owner.process) != _key(info.process):
                raise MadGraphError(
                    f"{info.process_source}: the run summary's process '{info.process}' "
                    f"disagrees with its banner's '{owner.process}' ({owner.path})"
                )
            if owner.order:
                run.set_order(owner.order, f"<run_settings> order = {owner.order} in {owner.path}")
        runs.append(run)
    owned = {id(o) for o in owners if o is not None}
    for path, info in amc_lhes:
        if id(info) in owned:
            continue
        if len(infos) == 1 and owners[0] is not None:  # the folder's one run: its event file
            runs[0].files.append(str(path))
        else:
            run = _Run(str(path), lhe=path)
            run.files.append(str(path))
            from scaleuq.io.lhe import read_header

            header = read_header(path)
            _xsec_candidates(
                run, [("LHE <init>", header.xsec_pb, header.xsec_err_pb, f"{path} <init>")]
            )
            run.set_process(info.process, f"{path}:{info.proc_card_line}")
            if info.order:
                run.set_order(info.order, f"<run_settings> order = {info.order} in {path}")
            if opts.use_lhe_weights:
                _lhe_scale(run, path)
            runs.append(run)
    return runs


def _unknown_lhes(found: _Folder, opts: _Options) -> list[_Run]:
    """Event files whose header names no MadGraph program (other generators, old files)."""
    runs = []
    for path, info in found.lhes:
        if info.program is not None:
            continue
        from scaleuq.io.lhe import read_header

        header = read_header(path)
        run = _Run(str(path), lhe=path)
        run.files.append(str(path))
        _xsec_candidates(
            run, [("LHE <init>", header.xsec_pb, header.xsec_err_pb, f"{path} <init>")]
        )
        run.set_process(info.process, f"{path}:{info.proc_card_line}")
        if opts.use_lhe_weights:
            _lhe_scale(run, path)
        runs.append(run)
    return runs


def _resolve(run: _Run, folder: Path, found: _Folder, opts: _Options) -> None:
    """Fill in the process and order of a run from the context, options, or fail."""
    if run.process is None:
        if len(found.cards) == 1:
            path, card = found.cards[0]
            run.set_process(card.process, f"{path}:{card.lines[0] if card.lines else 1}")
        elif (card_path := _find_proc_card(folder)) is not None:
            card = parse_proc_card(read_text(card_path))
            run.set_process(card.process, f"{card_path}:{card.lines[0] if card.lines else 1}")
            run.files.append(str(card_path))
    if opts.process is not None:
        if run.process is None:
            run.set_process(opts.process, "--process")
        else:
            from scaleuq.io.process import process_key

            try:
                same = process_key(run.process) == process_key(opts.process)
            except ProcessSyntaxError as exc:
                raise MadGraphError(f"{run.provenance.get('process', run.source)}: {exc}") from None
            if not same:
                raise MadGraphError(
                    f"{run.provenance.get('process', run.source)}: the run's own process "
                    f"'{run.process}' disagrees with --process '{opts.process}'"
                )
    if run.process is None:
        raise MadGraphError(
            f"{run.source}: cannot tell which process this run is (no Process line, banner or "
            'proc card beside it); pass --process "p p > ..."'
        )
    if run.order is None and (own := _own_order(run.process, run.provenance["process"])):
        run.set_order(*own)
        if run.heading_order == "NLO":
            run.notes.append(f"the heading '{run.label}' says NLO, but {own[1]}")
    if run.order is None and run.heading_order:
        run.set_order(run.heading_order, f"heading '{run.label}' at {run.heading_where()}")
    if run.order is None and opts.order:
        run.set_order(opts.order, "--order")
    if run.order is None and run.lhe is not None:
        run.set_order("NLO", "the process has an NLO tag and nothing says the run was LO")
    if run.order is None:
        raise MadGraphError(
            f"{run.source}: aMC@NLO prints this run summary for LO and NLO runs alike and nothing "
            "says which this is (no banner with <run_settings> beside it, no heading such as "
            "'LO' or 'NLO' right before it); add one, or pass --order lo|nlo"
        )


def _read_runs(
    paths: Sequence[str | Path],
    *,
    process: str | None = None,
    order: str | None = None,
    use_lhe_weights: bool = True,
) -> tuple[list[RunRecord], list[Skipped]]:
    """Every run below ``paths`` with its order and process resolved (see the module
    docstring). Returns the runs and the files that held nothing to place.

    Raises:
        MadGraphError: unreadable input, a run without process or order, a process that
            disagrees with ``process``, no run at all.
    """
    if order is not None and order.upper() not in ORDERS:
        raise MadGraphError(f"unknown order '{order}'; choose lo or nlo")
    opts = _Options(process, order.upper() if order else None, use_lhe_weights)
    runs: list[RunRecord] = []
    skipped: list[Skipped] = []
    for folder, files in collect_files(paths).items():
        found = _scan(files)
        skipped.extend(found.skipped)
        folder_runs = _madevent_runs(folder, found, opts) + _amcatnlo_runs(found, opts)
        folder_runs += _unknown_lhes(found, opts)
        if found.cards and not folder_runs:
            continue
        for run in folder_runs:
            _resolve(run, folder, found, opts)
            runs.append(run.freeze())
    if not runs:
        where = ", ".join(str(p) for p in paths)
        why = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
        raise MadGraphError(
            f"{where}: no MadGraph run output found (run summaries, systematics logs, banners, "
            "console cross sections or LHE files)" + (f"; skipped {why}{more}" if why else "")
        )
    return runs, skipped


# ---------------------------------------------------------------------------------------------
# runs -> rows


def _pick(group: list[RunRecord], picks: Sequence[str]) -> list[RunRecord]:
    def matches(run: RunRecord, pick: str) -> bool:
        p = pick.strip().lower()
        return (
            (run.label or "").strip().lower() == p
            or run.source.lower().endswith(p)
            or any(f.lower().endswith(p) for f in run.files)
        )

    return [r for r in group if any(matches(r, p) for p in picks)]


def _merge_runs(
    runs: Sequence[RunRecord],
    *,
    pick: Sequence[str] = (),
    n_final: int | None = None,
    dataset: str = "madgraph",
) -> tuple[pd.DataFrame, list[RunRecord], list[RunRecord], list[str]]:
    """Rows of the scaleuq table from runs: one row per process, LO and NLO columns.

    Args:
        runs: from ``_read_runs`` (or LHE files).
        pick: headings, ``file:line`` sources or file names choosing among runs of the same
            process and order.
        n_final: final-state multiplicity for every row, instead of counting it.

    Returns:
        (table, used runs, unused runs, warnings).

    Raises:
        MadGraphError: two runs of one process and order that ``pick`` does not separate, a
            ``pick`` that matches no run, a process whose final state cannot be counted.
    """
    from scaleuq.io.process import process_key
    from scaleuq.io.tables import from_records

    warnings: list[str] = []
    by_key: dict[tuple[str, str], list[RunRecord]] = {}
    for run in runs:
        assert run.process is not None
        try:
            key = process_key(run.process)
        except ProcessSyntaxError as exc:
            raise MadGraphError(f"{run.provenance_of('process')}: {exc}") from None
        by_key.setdefault((key, run.order), []).append(run)
    for p in pick:
        if not _pick(list(runs), [p]):
            listing = "; ".join(f"{r.source} ({r.label or r.order})" for r in runs)
            raise MadGraphError(f"--pick '{p}' matches no run (runs: {listing})")
    used: list[RunRecord] = []
    unused: list[RunRecord] = []
    rows: dict[str, dict[str, object]] = {}
    sources: dict[str, list[str]] = {}
    for (key, order), group in by_key.items():
        if len(group) > 1:
            chosen = _pick(group, pick) if pick else []
            if len(chosen) != 1:
                listing = ", ".join(
                    f"{r.source}" + (f" ('{r.label}')" if r.label else "") for r in group
                )
                raise MadGraphError(
                    f"process '{key}' has {len(group)} {order} runs ({listing}); choose one with "
                    "--pick HEADING|FILE:LINE, or pass fewer files"
                )
            unused.extend(r for r in group if r is not chosen[0])
            group = chosen
        run = group[0]
        used.append(run)
        row = rows.setdefault(key, {"process": key})
        sources.setdefault(key, []).append(f"{order}: {run.source}")
        o = order.lower()
        row[f"{o}_xsec_pb"] = run.xsec_pb
        row[f"{o}_mc_err_pb"] = run.xsec_err_pb
        for kind in ("scale", "pdf"):
            up, dn = getattr(run, f"{kind}_up_pct"), getattr(run, f"{kind}_dn_pct")
            row[f"{o}_{kind}_up_rel"] = None if up is None else up / 100
            row[f"{o}_{kind}_dn_rel"] = None if dn is None else abs(dn) / 100
    for run in used:
        for item in run.missing:
            warnings.append(f"{run.source}: {item}")
        for item in run.notes:
            warnings.append(f"{run.source}: {item}")
    records = []
    for key, row in rows.items():
        if row.get("lo_xsec_pb") is None:
            warnings.append(f"process '{key}' has no LO run: its pull will be undefined")
        elif "nlo_xsec_pb" not in row:
            warnings.append(f"process '{key}' has no NLO run: its pull will be undefined")
        parts = key.split(MERGED_SEPARATOR.strip())
        counted = None
        try:
            multiplicities = [parse_process(p).n_final for p in parts]
            counted = min(multiplicities)
        except ProcessSyntaxError as exc:
            if n_final is None:
                raise MadGraphError(f"{'; '.join(sources[key])}: {exc}; pass --n-final N") from None
        if len(parts) > 1:
            warnings.append(
                f"process '{key}' is a merged sample of {len(parts)} processes: n_final = "
                f"{counted}, that of the lowest multiplicity"
            )
        if n_final is not None and counted is not None and n_final != counted:
            warnings.append(
                f"process '{key}': --n-final {n_final} used, the process syntax counts {counted}"
            )
        row["n_final"] = n_final if n_final is not None else counted
        records.append({k: v for k, v in row.items() if v is not None})
    for item in warnings:
        log.warning("%s", item)
    table = from_records(records, dataset=dataset, sources=["; ".join(sources[k]) for k in rows])
    return table, used, unused, warnings


def ingest(
    paths: Sequence[str | Path],
    *,
    use_lhe_weights: bool = True,
    process: str | None = None,
    n_final: int | None = None,
    order: str | None = None,
    pick: Sequence[str] = (),
) -> IngestResult:
    """Read MadGraph5_aMC@NLO outputs (files or folders, any names) into the scaleuq table.

    Args:
        paths: files (logs, summaries, banners, notes with pasted blocks, LHE files) or
            folders, scanned recursively.
        use_lhe_weights: compute an LO run's scale variation from its LHE weights when no
            systematics summary gives it.
        process: the process of runs that name none (a standalone log); a run that names a
            different one is an error.
        n_final: the final-state multiplicity, instead of counting it from the process.
        order: ``lo`` or ``nlo`` for runs whose order nothing else decides.
        pick: choose among several runs of one process and order (heading text such as
            ``LO+PS``, ``file:line`` or a file name).

    Returns:
        An :class:`IngestResult`.

    Raises:
        MadGraphError: unreadable input; a run without process or order; a process that
            disagrees with ``process``; two runs of one process and order that ``pick`` does not
            separate; no run at all.
    """
    runs, skipped = _read_runs(paths, process=process, order=order, use_lhe_weights=use_lhe_weights)
    table, used, unused, warnings = _merge_runs(runs, pick=pick, n_final=n_final)
    return IngestResult(table, tuple(used), tuple(unused), tuple(skipped), tuple(warnings))


# ---------------------------------------------------------------------------------------------
# LHE files


@dataclass(frozen=True)
class LHEFileRun:
    """One LHE file read by :func:`lhe_file_run`: its variation summary and its run."""

    summary: LHESummary
    run: RunRecord

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation."""
        return {"summary": self.summary.to_dict(), "run": self.run.to_dict()}


def lhe_file_run(
    path: str | Path,
    *,
    pdf_method: str = "replicas",
    envelope: str = "9-point",
    process: str | None = None,
    order: str | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
) -> LHEFileRun:
    """One LHE file -> its variation summary and its run (the per-file work of
    :func:`ingest_lhe`, independent of the other files so that it can be mapped in parallel).

    The order: the header's ``<run_settings>``, else MadEvent (LO), else LO for a process
    without NLO tag, else ``order``, else NLO for a process with an NLO tag.
    """
    from scaleuq.io.lhe import summarize_lhe

    path = Path(path)
    summary = summarize_lhe(path, pdf_method=pdf_method, progress=progress, jobs=jobs)
    info = read_lhe_banner(path)
    run = _Run(str(path), lhe=path)
    run.files.append(str(path))
    _xsec_candidates(run, [("LHE <init>", summary.xsec_pb, summary.xsec_err_pb, f"{path} <init>")])
    run.set_process(summary.header.process, f"{path}:{info.proc_card_line}")
    if info.process and MERGED_SEPARATOR.strip() in info.process:
        run.process = None
        run.set_process(info.process, f"{path}:{info.proc_card_line}")
    if info.order:
        run.set_order(info.order, f"<run_settings> order = {info.order} in {path}")
    elif _is_madevent(info):
        run.set_order("LO", "MadEvent output (an LO run)")
    env = summary.envelopes[envelope]
    if len(env.points_used) > 1:
        run.scale = (100 * env.up_rel, 100 * env.down_rel)
        run.provenance["scale"] = f"{path} ({envelope} envelope of the event weights)"
        if env.points_missing:
            run.missing.append(f"the {envelope} envelope lacks {list(env.points_missing)}")
    else:
        run.missing.append("no scale-variation weights")
    if summary.pdf_up_rel is not None and summary.pdf_down_rel is not None:
        run.pdf = (100 * summary.pdf_up_rel, 100 * summary.pdf_down_rel)
        run.provenance["pdf"] = f"{path} ({pdf_method} over the PDF members)"
    _resolve(run, path.parent, _Folder(), _Options(process, order.upper() if order else None, True))
    return LHEFileRun(summary, run.freeze())


def ingest_lhe(
    paths: Sequence[str | Path],
    *,
    pdf_method: str = "replicas",
    envelope: str = "9-point",
    process: str | None = None,
    n_final: int | None = None,
    order: str | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = 1,
    scheduler: str | None = None,
) -> IngestResult:
    """Table rows from LHE files (LO, NLO or both per process): cross sections from ``<init>``,
    scale envelopes and PDF uncertainties from the event weights (see :func:`lhe_file_run`).

    The files are read in parallel by :func:`scaleuq.io.lhe.parallel.map_files`: ``jobs``
    local threads, one file each (one file: threads parsing its blocks; None: all cores), or
    the Dask cluster at ``scheduler``. A file that fails is reported in ``skipped`` (and logged) without
    losing the others' rows; when every file fails, the first error is raised.

    Raises:
        MadGraphError: an unknown envelope or order, two files of one process and order, an
            LO and an NLO file of different processes, a file without process or order.
    """
    from scaleuq.io.lhe import ENVELOPES

    if envelope not in ENVELOPES:
        raise MadGraphError(f"unknown envelope '{envelope}'; choose {', '.join(ENVELOPES)}")
    if order is not None and order.upper() not in ORDERS:
        raise MadGraphError(f"unknown order '{order}'; choose lo or nlo")
    seen: set[Path] = set()
    unique = []
    for p in paths:
        _check_link(Path(p))
        if not Path(p).is_file():
            raise MadGraphError(f"{p}: no such file")
        real = Path(p).resolve()
        if real not in seen:
            seen.add(real)
            unique.append(p)
    from scaleuq.io.lhe.parallel import map_files

    mapped = map_files(
        lhe_file_run, unique, jobs=jobs, scheduler=scheduler, progress=progress,
        pdf_method=pdf_method, envelope=envelope, process=process, order=order,
    )  # fmt: skip
    mapped.raise_if_none()
    pairs = list(mapped.results)
    failed = tuple(Skipped(f.path, f.error) for f in mapped.failures)
    runs = [p.run for p in pairs]
    from scaleuq.io.process import process_key

    if len(runs) == 2 and {r.order for r in runs} == {"LO", "NLO"}:
        a, b = (process_key(r.process or "") for r in runs)
        if a != b:
            raise MadGraphError(
                f"the LO and NLO files are of different processes: '{a}' ({runs[0].source}) "
                f"and '{b}' ({runs[1].source})"
            )
    table, _used, _unused, warnings = _merge_runs(runs, n_final=n_final, dataset="lhe")
    return IngestResult(
        table, tuple(runs), (), failed, tuple(warnings), tuple(p.summary for p in pairs)
    )
