"""MadGraph outputs -> runs -> one table row per process (LO and NLO merged).

How files become runs (see :mod:`.detect` for how each file is recognised):

* Paths are collected by an iterative walk (any depth; hidden files and a process directory's
  code folders are skipped, except its ``HTML/*/results.html``), each file once however often
  it is named; FIFOs, sockets and devices are skipped with a reason; a dangling link is an error
  naming it; an unreadable folder or file is a failure naming it.
* Files are read per folder; a file that fails (a malformed number, a decay width) is named in
  ``failed`` and the others are kept. MadEvent output in a folder (the ``Cross-section :``
  console line, the systematics summary, a MadEvent banner, an LO event file) is one LO run;
  when a folder holds several of one kind, each is a run of its own, except that a systematics
  summary right after a console line (same file) is that console run's. Per-job systematics logs
  (``log_sys_N.txt``) are ignored, with a note, beside the run's final log or banner.
* Each aMC@NLO run summary block is a run of its own, never mixed with another; each result of
  an HTML page too.
* A run's order comes from the run itself where it says so (a banner's ``<run_settings>``
  ``order = LO|NLO``, which is the run's own only when its folder holds one such banner and one
  summary block; MadEvent output is LO, also for loop-induced processes; a process without an
  NLO bracket can only be LO), else from the heading right before the block (``### NLO``,
  ``LO+PS``), else from ``order=`` (``--order``), else it is a failure naming the file and line.
* A run's process comes from the run (``Process`` line, banner, LHE header), else the process
  echoed before its block (``generate``/``add process``), else a per-run ``FILE:LINE=PROCESS``
  of ``process=``, else a proc card in its folder or in ``Cards/`` above it, else the default
  ``process=`` (only runs that name none); a run still without one is left out and named.
* Repeated printouts of one run (same process and order, cross sections equal to the digits
  printed, no differing scale band or beams) are merged into one run.
* Runs of the same process (compared by :func:`~scaleuq.io.process.process_key`) become one
  row; two runs of the same process and order fail that process's row unless ``pick=`` chooses
  one; an LO/NLO pair whose beams disagree is refused and one whose K factor is outside
  :data:`K_RANGE` is reported.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleuq.errors import MadGraphError
from scaleuq.io.madgraph.blocks import (
    BannerInfo,
    HtmlResult,
    RunSummary,
    SystematicsSummary,
    console_cross_section,
    parse_html,
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
    process_key,
)
from scaleuq.util.jsonio import FieldsDict

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
     ".js", ".css"}
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
        beams: (collider or ``lpp`` codes, beam 1 GeV, beam 2 GeV), or None when not printed.
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
    beams: tuple[str, float, float] | None = None

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
            "notes": list(self.notes), "beams": list(self.beams) if self.beams else None,
        }  # fmt: skip


@dataclass(frozen=True)
class Skipped(FieldsDict):
    """A file that holds no MadGraph result scaleuq can place, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestResult:
    """Result of :func:`ingest` and :func:`ingest_lhe`.

    Attributes:
        rows: the canonical rows (:func:`scaleuq.io.tables.canonical_rows`), one per process
            (its ``source`` names the runs of the row); :attr:`table` holds them as a DataFrame.
        runs: the runs used, in the order read.
        unused: runs of a process and order that ``pick`` did not choose.
        skipped: files without a result that could be placed (HwU histograms, run cards...).
        warnings: what is missing or inconsistent, one line each (also logged).
        lhe: per-file summaries of the LHE files read by :func:`ingest_lhe` (else empty).
        failed: files, folders, runs or processes that failed, each with its error (the
            others' rows are kept; the command line exits with status 1).
        left_out: runs whose process nothing names (``file:line``, cross section), left out.
        inputs: every file read (an output may not overwrite any of them).
    """

    rows: tuple[dict[str, Any], ...]
    runs: tuple[RunRecord, ...]
    unused: tuple[RunRecord, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    lhe: tuple[LHESummary, ...] = ()
    failed: tuple[Skipped, ...] = ()
    left_out: tuple[Skipped, ...] = ()
    inputs: tuple[str, ...] = ()

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """The canonical scaleuq table (pandas, imported on first use), one row per process."""
        from scaleuq.io.tables import frame_of

        return frame_of(self.rows)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation (the table as a list of row objects)."""
        from scaleuq.io.tables import table_records

        rows = table_records(self.rows)
        return {
            "processes": rows,
            "runs": [r.to_dict() for r in self.runs],
            "unused": [r.to_dict() for r in self.unused],
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": list(self.warnings),
            "lhe": [s.to_dict() for s in self.lhe],
            "failed": [s.to_dict() for s in self.failed],
            "left_out": [s.to_dict() for s in self.left_out],
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
    candidates: list[tuple[str, float | None, float | None, str]] = field(default_factory=list)
    beams: tuple[str, float, float] | None = None
    beams_from: str | None = None
    lines: tuple[str, int, int] | None = None  # (file, first line, last line) of its block(s)
    echoed: tuple[str, str] | None = None  # (process, file:line) echoed before its block

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
        if self.beams is not None and self.beams_from:
            self.provenance["beams"] = self.beams_from
        up, dn = self.scale or (None, None)
        pup, pdn = self.pdf or (None, None)
        return RunRecord(
            self.source, self.order, self.order_from, self.process, self.label, self.xsec_pb,
            self.xsec_err_pb, up, dn, pup, pdn, tuple(dict.fromkeys(self.files)),
            tuple(self.provenance.items()), tuple(self.missing), tuple(self.notes), self.beams,
        )  # fmt: skip


@dataclass(frozen=True)
class _Options:
    process: str | None
    order: str | None
    use_lhe_weights: bool
    per_run: tuple[tuple[str, int, str], ...] = ()  # (file, line, process) of FILE:LINE=PROCESS


_PER_RUN = re.compile(r"^(?P<file>.+?):(?P<line>\d+)=(?P<process>.*\S.*)$")


def parse_process_option(
    values: str | Sequence[str] | None,
) -> tuple[str | None, tuple[tuple[str, int, str], ...]]:
    """Split ``--process`` values into the default (``PROCESS``: for runs that name none) and
    the per-run ones (``FILE:LINE=PROCESS``: the run whose block starts, or has a line, at
    FILE:LINE, as scaleuq names it in its messages).

    Raises:
        MadGraphError: two default processes.
    """
    if values is None:
        return None, ()
    items = [values] if isinstance(values, str) else list(values)
    default = None
    per_run = []
    for item in items:
        m = _PER_RUN.match(item.strip())
        if m and not re.search(r">", m.group("file")):
            per_run.append((m.group("file"), int(m.group("line")), m.group("process").strip()))
        elif default is not None:
            raise MadGraphError(
                f"--process '{item}': a second process for runs that name none (the first is "
                f"'{default}'); name a run with --process FILE:LINE=PROCESS"
            )
        else:
            default = item.strip()
    return default, tuple(per_run)


#: Rank of each source of a cross section (lower first): the value comes from the first that
#: has one, the MC error from the first that has one (more digits before fewer).
_XSEC_RANK = {
    "run summary": 0, "banner <init>": 0, "LHE <init>": 0, "banner Integrated weight": 1,
    "console line": 2, "HTML page": 3, "systematics original cross-section": 4,
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# collecting files


def _check_link(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise MadGraphError(f"{path}: a link to '{os.readlink(path)}', which does not exist")


def _special(path: Path) -> str | None:
    """Why ``path`` is not a file scaleuq reads (a FIFO, socket or device would block or
    never end), or None for a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read this file ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )  # fmt: skip
    return f"{kind}, not a file: skipped (reading it could block for ever)"


def _walk(
    top: Path, failed: Callable[[OSError], None]
) -> Iterator[tuple[Path, list[str], list[str]]]:
    """``os.walk`` without recursion (any depth of folders; links to folders are not followed,
    as by ``os.walk``): (folder, sub-folder names, file names), top-down; the caller may prune
    the sub-folder names in place."""
    stack = [top]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as entries:
                listed = list(entries)
        except OSError as exc:
            failed(exc)
            continue
        dirs, files = [], []
        for entry in listed:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry.name)
        yield here, dirs, files
        stack.extend(here / d for d in reversed(sorted(dirs)))


def _collect(
    paths: Sequence[str | Path],
) -> tuple[dict[Path, list[Path]], list[Skipped], list[Skipped]]:
    """(files grouped by folder, special files skipped, folders that could not be read)."""
    groups: dict[Path, list[Path]] = {}
    seen: set[Path] = set()
    skipped: list[Skipped] = []
    unreadable: list[Skipped] = []

    def add(path: Path) -> None:
        _check_link(path)
        real = path.resolve()
        if real in seen:
            return
        seen.add(real)
        why = _special(path)
        if why is not None:
            skipped.append(Skipped(str(path), why))
            return
        groups.setdefault(real.parent, []).append(path)

    def failed(exc: OSError) -> None:
        unreadable.append(
            Skipped(str(exc.filename), f"cannot read this folder ({exc.strerror or exc})")
        )

    for given in paths:
        path = Path(given)
        _check_link(path)
        if not path.exists():
            raise MadGraphError(f"{path}: no such file or directory")
        if not path.is_dir():
            add(path)
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            raise MadGraphError(f"{path}: cannot read this folder (permission denied)")
        for here, dirs, files in _walk(path, failed):
            try:
                process_dir = (here / "Cards").is_dir()
            except OSError as exc:  # e.g. a path longer than the system allows
                failed(exc)
                dirs[:] = []
                continue
            dirs[:] = sorted(
                d for d in dirs
                if not d.startswith(".") and not (process_dir and d in CODE_FOLDERS)
            )  # fmt: skip
            if process_dir and (here / "HTML").is_dir():
                # MadEvent's per-run result pages; the rest of HTML/ is diagrams and help
                files = [*files, *(str(p.relative_to(here)) for p in
                                   sorted((here / "HTML").glob("*/results.html")))]  # fmt: skip
            for name in sorted(files):
                file = here / name
                if file.name.startswith(".") or file.suffix.lower() in CODE_SUFFIXES:
                    continue
                if not file.is_symlink() and not os.access(file, os.R_OK):
                    unreadable.append(
                        Skipped(str(file), "cannot read this file (permission denied)")
                    )
                    continue
                add(file)
    return groups, skipped, unreadable


def collect_files(paths: Sequence[str | Path]) -> dict[Path, list[Path]]:
    """Files below ``paths`` grouped by folder, each file once (by its resolved path); special
    files (FIFOs, sockets, devices) are left out.

    Raises:
        MadGraphError: a path that does not exist, a dangling link, an unreadable folder.
    """
    groups, _skipped, unreadable = _collect(paths)
    if unreadable:
        raise MadGraphError(f"{unreadable[0].path}: {unreadable[0].reason}")
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
    html: list[HtmlResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Skipped] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


#: MadEvent's per-job systematics logs (partial results of one run).
_PER_JOB_SYST = re.compile(r"log_sys_\d+\.txt$")


def _check_blocks(blocks: list[TextBlock]) -> None:
    """Parse every result block once, so that a malformed one fails its file (named) before
    any run is built."""
    for block in blocks:
        if block.kind == "width":
            number, body = block.lines[0]
            raise MadGraphError(
                f"{block.path}:{number}: this run computed a decay width (GeV), not a cross "
                f"section ({body!r})"
            )
        if block.kind == "systematics":
            parse_systematics(block)
        elif block.kind == "console_lo":
            console_cross_section(block)
        elif block.kind in ("fixed_order", "event_generation"):
            parse_run_summary(block)


def _scan_file(file: Path, found: _Folder) -> None:
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
    elif kind == "html":
        results = parse_html(read_text(file), file)
        if results:
            found.html.extend(results)
        else:
            found.skipped.append(Skipped(str(file), "HTML page without a MadEvent result"))
    else:
        text = read_text(file)
        blocks = find_blocks(text, file)
        results = [b for b in blocks if b.kind != "intermediate"]
        if results:
            _check_blocks(results)
            found.blocks.extend(results)
        elif looks_like_proc_card(text):
            found.cards.append((file, parse_proc_card(text)))
        elif blocks:
            found.skipped.append(
                Skipped(str(file), "only intermediate results (no final run summary)")
            )
        else:
            found.skipped.append(Skipped(str(file), "no MadGraph result recognised"))


def _scan(files: list[Path]) -> _Folder:
    """Read every file of a folder; a file that fails is named in ``failed`` and the others
    are kept."""
    found = _Folder()
    for file in files:
        found.files.append(str(file))
        try:
            _scan_file(file, found)
        except MadGraphError as exc:
            found.failed.append(Skipped(str(file), str(exc)))
    per_job = [b for b in found.blocks if b.kind == "systematics" and _PER_JOB_SYST.search(b.path)]
    final = [b for b in found.blocks if b.kind == "systematics" and b not in per_job]
    if per_job and (final or found.banners or found.lhes):
        found.blocks = [b for b in found.blocks if b not in per_job]
        for path in dict.fromkeys(b.path for b in per_job):
            found.skipped.append(
                Skipped(
                    path,
                    "per-job systematics log (a partial result of the run); the run's "
                    + ("final systematics log is read" if final else "banner is read"),
                )
            )
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


def _half_last_digit(value: float) -> float:
    """Half a unit of the last digit ``value`` was printed with (``0.224`` -> 0.0005): a
    rounded printout (the console's 4 digits) agrees with the full value within it."""
    text = repr(abs(value))
    if "e" in text or "inf" in text or "nan" in text:
        return 0.0
    decimals = len(text.split(".", 1)[1].rstrip("0")) if "." in text else 0
    if decimals == 0:
        digits = text.split(".", 1)[0]
        decimals = -(len(digits) - len(digits.rstrip("0")))
    return 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)


def _rank(run: _Run) -> int:
    return min((_XSEC_RANK.get(c[0], 5) for c in run.candidates if c[1] is not None), default=9)


def _xsec_candidates(
    run: _Run,
    candidates: list[tuple[str, float | None, float | None, str]],
) -> None:
    """Set the run's cross section from the candidate sources (see :data:`_XSEC_RANK`): the
    value of the best-ranked source that has one, the MC error of the best-ranked source that
    has one; report the sources whose value disagrees with the one used."""
    run.candidates = [*run.candidates, *candidates]
    have = sorted(
        (c for c in run.candidates if c[1] is not None), key=lambda c: _XSEC_RANK.get(c[0], 5)
    )
    if not have:
        return
    chosen = have[0]
    run.xsec_pb = chosen[1]
    run.provenance["xsec_pb"] = chosen[3]
    with_err = [c for c in have if c[2] is not None]
    if with_err:
        run.xsec_err_pb = with_err[0][2]
        run.provenance["xsec_err_pb"] = with_err[0][3]
    notes = [n for n in run.notes if not n.startswith("the cross sections of ")]
    for name, value, _err, where in have:
        if where == chosen[3] or value is None:
            continue
        assert chosen[1] is not None
        if abs(value - chosen[1]) > max(
            XSEC_AGREE_REL * max(abs(value), abs(chosen[1])), _half_last_digit(value)
        ):
            notes.append(
                f"the cross sections of {chosen[0]} ({chosen[1]:.6g} pb, {chosen[3]}) and "
                f"{name} ({value:.6g} pb, {where}) differ by "
                f"{100 * abs(value / chosen[1] - 1):.2g}%; used the {chosen[0]}"
            )
    run.notes = notes


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
        # a systematics summary right after a console result (no other block between them,
        # same file) is that run's: one run, as MadEvent prints them
        after: dict[int, TextBlock] = {}
        for block, nxt in zip(found.blocks, found.blocks[1:], strict=False):
            if block.kind == "console_lo" and nxt.kind == "systematics" and nxt.path == block.path:
                after[id(block)] = nxt
        paired = {id(b) for b in after.values()}
        bundles = [([c], [after[id(c)]] if id(c) in after else [], [], []) for c in consoles]
        bundles += [([], [s], [], []) for s in systs if id(s) not in paired]
        bundles += [([], [], [b], []) for b in banners] + [([], [], [], [x]) for x in lhes]
    runs = []
    for console, syst, banner, lhe in bundles:
        first = (console or syst or [None])[0]
        source = first.where if first else (banner[0].path if banner else str(lhe[0][0]))
        run = _Run(source)
        if first is not None:
            run.label, run.heading_order = first.heading, first.heading_order
            run.heading_line = first.heading_line
            last = (syst or console)[-1]
            run.lines = (
                first.path,
                first.start,
                last.end if last.path == first.path else first.end,
            )
            if first.echoed:
                run.echoed = (first.echoed[0], f"{first.path}:{first.echoed[1]}")
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
            if info.beams is not None:
                run.beams, run.beams_from = info.beams, f"{info.path} (run card)"
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
        run.lines = (block.path, block.start, block.end)
        if block.echoed:
            run.echoed = (block.echoed[0], f"{block.path}:{block.echoed[1]}")
        run.files.append(block.path)
        run.set_process(info.process, info.process_source or block.where)
        if info.beams is not None:
            run.beams, run.beams_from = info.beams, info.source
        if info.xsec_pb is not None:
            _xsec_candidates(
                run, [("run summary", info.xsec_pb, info.xsec_err_pb, info.xsec_source or "")]
            )
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


def _html_runs(found: _Folder) -> list[_Run]:
    """One run per result of a MadEvent HTML page (``crossx.html``, ``results.html``); the
    same run's banner, logs and console are merged with it later (:func:`_merge_repeats`)."""
    runs = []
    for result in found.html:
        run = _Run(result.where)
        run.lines = (result.path, result.line, result.line)
        run.files.append(result.path)
        run.label = None
        _xsec_candidates(run, [("HTML page", result.xsec_pb, result.xsec_err_pb, result.where)])
        run.set_process(result.process, result.path)
        run.missing.append("scale variation (an HTML page gives the cross section only)")
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


class _NoProcess(MadGraphError):
    """A run whose process nothing names: left out of the table and reported."""


def _per_run_process(run: _Run, opts: _Options) -> tuple[str, str, tuple[str, int, str]] | None:
    """The ``--process FILE:LINE=PROCESS`` that names this run, as (process, option text,
    option)."""
    if run.lines is None:
        return None
    path, first, last = run.lines
    heading = run.heading_line
    for file, line, process in opts.per_run:
        same_file = Path(file).name == Path(path).name and (
            _same_path(file, path) or not Path(file).parent.parts
        )
        if same_file and (first <= line <= last or line == heading):
            return process, f"--process {file}:{line}={process}", (file, line, process)
    return None


def _same_path(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def _resolve(run: _Run, folder: Path, found: _Folder, opts: _Options) -> None:
    """Fill in the process and order of a run: its own lines (Process line, banner, LHE
    header, then the process echoed before its block), a ``--process FILE:LINE=`` naming it, a
    proc card beside it, the default ``--process``; else :class:`_NoProcess`."""
    named = _per_run_process(run, opts)
    if named is not None:
        if run.process is not None and _key(run.process) != _key(named[0]):
            raise MadGraphError(
                f"{run.provenance.get('process', run.source)}: the run's own process "
                f"'{run.process}' disagrees with {named[1]}"
            )
        run.set_process(named[0], named[1])
    if run.process is None and run.echoed is not None:
        run.set_process(run.echoed[0], f"{run.echoed[1]} (echoed before the run)")
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
            run.notes.append(f"the run names no process: --process '{opts.process}' used")
        elif _key(run.process) != _key(opts.process):
            run.notes.append(
                f"--process '{opts.process}' not used: the run names its own process "
                f"'{run.process}' ({run.provenance.get('process', run.source)})"
            )
    if run.process is None:
        value = f" ({run.xsec_pb:.6g} pb)" if run.xsec_pb is not None else ""
        named = f'--process "{run.source}=p p > ..." (or ' if run.lines is not None else ""
        raise _NoProcess(
            f"{run.source}: cannot tell which process this run{value} is (no Process line, "
            "generate line before it, banner or proc card beside it); left out. Name it with "
            f'{named}--process "p p > ..." for every run that names none' + (")" if named else "")
        )
    try:
        process_key(run.process)
    except ProcessSyntaxError as exc:
        raise MadGraphError(f"{run.provenance.get('process', run.source)}: {exc}") from None
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


def _compatible(a: _Run, b: _Run) -> bool:
    """Two printouts of one run: same process and order, cross sections equal to the digits
    printed (4 significant digits on the console), no differing scale bands or beams."""
    if a.order != b.order or a.process is None or b.process is None:
        return False
    if _key(a.process) != _key(b.process):
        return False
    if a.scale is not None and b.scale is not None and a.scale != b.scale:
        return False
    if a.beams is not None and b.beams is not None and a.beams[1:] != b.beams[1:]:
        return False
    return _same_xsec(a.xsec_pb, b.xsec_pb)


def _merge_into(a: _Run, b: _Run) -> None:
    """Merge run ``b`` into ``a`` (the same run printed twice)."""
    a.files.extend(b.files)
    a.label = a.label or b.label
    for key in ("scale", "pdf"):
        if getattr(a, key) is None and getattr(b, key) is not None:
            setattr(a, key, getattr(b, key))
            a.provenance[key] = b.provenance.get(key, b.source)
    if a.beams is None:
        a.beams, a.beams_from = b.beams, b.beams_from
    a.lhe = a.lhe or b.lhe
    a.notes.extend(n for n in b.notes if not n.startswith("the cross sections of "))
    missing = [*a.missing, *b.missing]
    _xsec_candidates(a, b.candidates)
    a.missing = [
        m for m in dict.fromkeys(missing)
        if not (m.startswith("scale variation") and a.scale is not None)
        and not (m.startswith("Monte Carlo error") and a.xsec_err_pb is not None)
    ]  # fmt: skip
    a.notes.append(f"the same run as {b.source} (same process, order and cross section): merged")


def _merge_repeats(runs: list[_Run]) -> list[_Run]:
    """Repeated printouts of one run (a console log, its run folder's banner, its HTML pages)
    become one run (see :func:`_compatible`)."""
    merged: list[_Run] = []
    for run in runs:
        for i, other in enumerate(merged):
            if _compatible(other, run):
                if _rank(run) < _rank(other):  # the better source names the merged run
                    _merge_into(run, other)
                    merged[i] = run
                else:
                    _merge_into(other, run)
                break
        else:
            merged.append(run)
    return merged


@dataclass
class _Read:
    runs: list[RunRecord]
    skipped: list[Skipped]
    failed: list[Skipped]
    left_out: list[Skipped]
    inputs: list[str]


def _read_runs(
    paths: Sequence[str | Path],
    *,
    process: str | Sequence[str] | None = None,
    order: str | None = None,
    use_lhe_weights: bool = True,
) -> _Read:
    """Every run below ``paths`` with its order and process resolved (see the module
    docstring). A file, folder or run that fails is named in ``failed`` and the others kept; a
    run whose process nothing names is named in ``left_out``.

    Raises:
        MadGraphError: a path that does not exist, a dangling link, a ``--process FILE:LINE``
            that names no run; every input failed (the first failure), no run at all.
    """
    if order is not None and order.upper() not in ORDERS:
        raise MadGraphError(f"unknown order '{order}'; choose lo or nlo")
    default, per_run = parse_process_option(process)
    opts = _Options(default, order.upper() if order else None, use_lhe_weights, per_run)
    groups, skipped, failed = _collect(paths)
    left_out: list[Skipped] = []
    inputs: list[str] = []
    runs: list[_Run] = []
    matched: set[tuple[str, int, str]] = set()
    for folder, files in groups.items():
        found = _scan(files)
        inputs.extend(found.files)
        skipped.extend(found.skipped)
        failed.extend(found.failed)
        try:
            folder_runs = _madevent_runs(folder, found, opts) + _amcatnlo_runs(found, opts)
            folder_runs += _unknown_lhes(found, opts) + _html_runs(found)
        except MadGraphError as exc:
            failed.append(Skipped(str(folder), str(exc)))
            continue
        if found.cards and not folder_runs:
            continue
        for run in folder_runs:
            if (named := _per_run_process(run, opts)) is not None:
                matched.add(named[2])
            try:
                _resolve(run, folder, found, opts)
            except _NoProcess as exc:
                left_out.append(Skipped(run.source, str(exc)))
            except MadGraphError as exc:
                failed.append(Skipped(run.source, str(exc)))
            else:
                runs.append(run)
            inputs.extend(run.files)
    for file, line, name in per_run:
        if (file, line, name) not in matched:
            listing = "; ".join(r.source for r in runs) or "none"
            raise MadGraphError(f"--process {file}:{line}={name} names no run (runs: {listing})")
    runs = _merge_repeats(runs)
    if not runs:
        if failed:
            raise MadGraphError(
                f"{failed[0].path}: {failed[0].reason}"
                if not failed[0].reason.startswith(failed[0].path)
                else failed[0].reason
            )
        if left_out:
            raise MadGraphError(left_out[0].reason)
        where = ", ".join(str(p) for p in paths)
        why = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:3])
        more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
        raise MadGraphError(
            f"{where}: no MadGraph run output found (run summaries, systematics logs, banners, "
            "console cross sections, HTML result pages or LHE files)"
            + (f"; skipped {why}{more}" if why else "")
        )
    return _Read([r.freeze() for r in runs], skipped, failed, left_out, list(dict.fromkeys(inputs)))


# ---------------------------------------------------------------------------------------------
# runs -> rows


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[./+][a-z0-9]+)*", text.lower())


def _pick(group: list[RunRecord], picks: Sequence[str]) -> list[RunRecord]:
    """The runs of ``group`` a ``--pick`` chooses: a ``file:line`` or file name, else the
    heading equal to the pick, else the headings starting with it, else those holding its
    words in sequence (``--pick HT/2`` chooses ``NLO, HT/2`` and ``LO, HT/2``)."""

    def sources(run: RunRecord, pick: str) -> bool:
        p = pick.strip().lower()
        return run.source.lower().endswith(p) or any(f.lower().endswith(p) for f in run.files)

    def label(run: RunRecord) -> str:
        return " ".join((run.label or "").strip().lower().split())

    chosen = [r for r in group if any(sources(r, p) for p in picks)]
    if chosen:
        return chosen
    for test in (
        lambda r, p: label(r) == " ".join(p.strip().lower().split()),
        lambda r, p: bool(p.strip()) and label(r).startswith(" ".join(p.strip().lower().split())),
        lambda r, p: _contains(_words(label(r)), _words(p)),
    ):
        chosen = [r for r in group if any(test(r, p) for p in picks)]
        if chosen:
            return chosen
    return []


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return n > 0 and any(words[i : i + n] == part for i in range(len(words) - n + 1))


#: The plausibility range of a K factor sigma_NLO / sigma_LO: outside it the pair is reported
#: (NLO corrections of the tri-boson processes reach +200%, K = 3; arXiv:2210.15167).
K_RANGE = (0.1, 10.0)


def _pair_check(key: str, lo: RunRecord, nlo: RunRecord) -> str | None:
    """Why an LO/NLO pair is refused (their processes or beam energies disagree), or None."""
    if _key(lo.process or "") != _key(nlo.process or ""):
        return (
            f"process '{key}': the LO run ({lo.source}, '{lo.process}') and the NLO run "
            f"({nlo.source}, '{nlo.process}') are of different processes: not paired"
        )
    b_lo, b_nlo = lo.beams, nlo.beams
    if b_lo and b_nlo and b_lo[1:] != b_nlo[1:]:
        return (
            f"process '{key}': the LO run ({lo.source}) and the NLO run ({nlo.source}) have "
            f"different beam energies ({b_lo[1]:g} + {b_lo[2]:g} GeV from "
            f"{lo.provenance_of('beams')}; {b_nlo[1]:g} + {b_nlo[2]:g} GeV from "
            f"{nlo.provenance_of('beams')}): not paired"
        )
    return None


def _k_warning(key: str, lo: RunRecord, nlo: RunRecord) -> str | None:
    if not lo.xsec_pb or nlo.xsec_pb is None:
        return None
    k = nlo.xsec_pb / lo.xsec_pb
    if K_RANGE[0] <= k <= K_RANGE[1]:
        return None
    return (
        f"process '{key}': K = sigma_NLO / sigma_LO = {k:.3g} is outside the plausible range "
        f"{K_RANGE[0]:g}-{K_RANGE[1]:g}: NLO {nlo.xsec_pb:.6g} pb ({nlo.provenance_of('xsec_pb')}"
        f", process from {nlo.provenance_of('process')}) and LO {lo.xsec_pb:.6g} pb "
        f"({lo.provenance_of('xsec_pb')}, process from {lo.provenance_of('process')}); check "
        "that both runs are of this process"
    )


def merge_runs(
    runs: Sequence[RunRecord],
    *,
    pick: Sequence[str] = (),
    n_final: int | None = None,
    dataset: str = "madgraph",
) -> tuple[tuple[dict[str, Any], ...], list[RunRecord], list[RunRecord], list[str], list[Skipped]]:
    """Rows of the scaleuq table from runs: one row per process, LO and NLO columns.

    A process whose runs cannot be placed (two runs of one order that ``pick`` does not
    separate, an LO and an NLO run of different beams) is left out and named in the failures;
    the other processes keep their rows.

    Args:
        runs: from ``_read_runs`` (or LHE files).
        pick: headings, ``file:line`` sources or file names choosing among runs of the same
            process and order.
        n_final: final-state multiplicity for every row, instead of counting it.

    Returns:
        (canonical rows, used runs, unused runs, warnings, failures).

    Raises:
        MadGraphError: a ``pick`` that matches no run, a process whose final state cannot be
            counted; every process failed (the first failure).
    """
    from scaleuq.io.process import process_key
    from scaleuq.io.tables import canonical_rows

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
    failures: dict[str, str] = {}
    chosen_runs: dict[tuple[str, str], RunRecord] = {}
    for (key, order), group in by_key.items():
        if len(group) > 1:
            chosen = _pick(group, pick) if pick else []
            if len(chosen) != 1:
                listing = ", ".join(
                    f"{r.source}" + (f" ('{r.label}')" if r.label else "") for r in group
                )
                headings = sorted({r.label for r in group if r.label})
                failures.setdefault(
                    key,
                    f"process '{key}' has {len(group)} {order} runs ({listing}); choose one with "
                    "--pick HEADING|FILE:LINE"
                    + (f" (headings: {'; '.join(headings)})" if headings else "")
                    + ", or pass fewer files",
                )
                unused.extend(group)  # listed (--details), in no row
                continue
            unused.extend(r for r in group if r is not chosen[0])
            group = chosen
        chosen_runs[(key, order)] = group[0]
    for (key, order), run in chosen_runs.items():
        if order == "LO" and (nlo := chosen_runs.get((key, "NLO"))) is not None:
            if (why := _pair_check(key, run, nlo)) is not None:
                failures.setdefault(key, why)
            elif (k_warning := _k_warning(key, run, nlo)) is not None:
                warnings.append(k_warning)
    for (key, order), run in chosen_runs.items():
        if key in failures:
            unused.append(run)
            continue
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
    failed = [Skipped(f"process '{key}'", why) for key, why in failures.items()]
    if not records and failed:
        raise MadGraphError(failed[0].reason)
    for item in warnings:
        log.warning("%s", item)
    table_rows = canonical_rows(
        records, dataset=dataset, sources=["; ".join(sources[k]) for k in rows]
    )
    return tuple(table_rows), used, unused, warnings, failed


def ingest(
    paths: Sequence[str | Path],
    *,
    use_lhe_weights: bool = True,
    process: str | Sequence[str] | None = None,
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
        process: the process of runs that name none (``"p p > z"``; a run that names its own
            keeps it, with a note), and/or per run ``"FILE:LINE=p p > z"`` (the run whose block
            starts or has a line at FILE:LINE; a run naming another process is an error): one
            string or a sequence of them.
        n_final: the final-state multiplicity, instead of counting it from the process.
        order: ``lo`` or ``nlo`` for runs whose order nothing else decides.
        pick: choose among several runs of one process and order (heading text such as
            ``LO+PS``, ``file:line`` or a file name).

    Returns:
        An :class:`IngestResult`.

    A file, folder, run or process that fails is named in ``failed`` and the others are kept;
    a run whose process nothing names is named in ``left_out`` (never given another run's
    process); repeated printouts of one run (console log, banner, HTML pages) are one run; an
    LO/NLO pair with a K factor outside :data:`K_RANGE` is a warning naming both sources, and
    a pair whose beam energies disagree is refused.

    Raises:
        MadGraphError: a path that does not exist; a ``--process FILE:LINE`` or ``--pick``
            that names no run; nothing could be placed (the first failure).
    """
    read = _read_runs(paths, process=process, order=order, use_lhe_weights=use_lhe_weights)
    try:
        table, used, unused, warnings, refused = merge_runs(read.runs, pick=pick, n_final=n_final)
    except MadGraphError:
        if read.failed:  # nothing placed: the first failure is the message
            first = read.failed[0]
            raise MadGraphError(
                first.reason
                if first.reason.startswith(first.path)
                else f"{first.path}: {first.reason}"
            ) from None
        raise
    for item in read.left_out:
        log.warning("%s", item.reason)
    warnings = [*warnings, *(s.reason for s in read.left_out)]
    return IngestResult(
        table, tuple(used), tuple(unused), tuple(read.skipped), tuple(warnings), (),
        tuple([*read.failed, *refused]), tuple(read.left_out), tuple(read.inputs),
    )  # fmt: skip


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
    from scaleuq.io.lhe import read_header, summarize_lhe

    path = Path(path)
    # process and order from the header and banner first: a file that names no process (and
    # no --process) is refused before its events are read
    header = read_header(path)
    info = read_lhe_banner(path)
    run = _Run(str(path), lhe=path)
    run.files.append(str(path))
    _xsec_candidates(run, [("LHE <init>", header.xsec_pb, header.xsec_err_pb, f"{path} <init>")])
    run.set_process(header.process, f"{path}:{info.proc_card_line}")
    if info.process and MERGED_SEPARATOR.strip() in info.process:
        run.process = None
        run.set_process(info.process, f"{path}:{info.proc_card_line}")
    if info.order:
        run.set_order(info.order, f"<run_settings> order = {info.order} in {path}")
    elif _is_madevent(info):
        run.set_order("LO", "MadEvent output (an LO run)")
    try:
        _resolve(
            run, path.parent, _Folder(), _Options(process, order.upper() if order else None, True)
        )
    except _NoProcess as exc:  # one file: its run is the whole result
        raise MadGraphError(str(exc)) from None
    summary = summarize_lhe(path, pdf_method=pdf_method, progress=progress, jobs=jobs)
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
    table, _used, _unused, warnings, refused = merge_runs(runs, n_final=n_final, dataset="lhe")
    if refused:
        raise MadGraphError(refused[0].reason)
    return IngestResult(
        table, tuple(runs), (), failed, tuple(warnings), tuple(p.summary for p in pairs)
    )
