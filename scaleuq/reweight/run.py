"""``scaleuq reweight``: recompute scale, PDF and alpha_s weights of an LO event file.

:func:`reweight` plans the weights the way MadGraph's systematics module does (``get_all_fct``:
the (mu_R, mu_F, dynamical scale) product first, without the default point; then the members of
the PDF set, the central one first; then other sets and alpha_s variations), streams the file,
computes each block's weights with :func:`scaleuq.reweight.weights.weight_ratios` and writes
them (:mod:`scaleuq.reweight.stream`). Memory is bounded by a few blocks of events whatever the
file size. Two engines give the same bytes: ``numpy`` (small files: numba is never imported)
and ``compiled`` (numba kernels; each block formatted in a thread while the next is computed,
plain output written by a background thread); see :func:`choose_engine_for`.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.errors import LHEError, OptionError
from scaleuq.io.lhe.parallel import FileFailure
from scaleuq.io.lhe.reader import choose_engine, is_gzip
from scaleuq.pdf.alphas import AlphaS
from scaleuq.pdf.sets import PdfPath, PDFSet, load_pdf
from scaleuq.reweight.mgrwt import parse_mgrwt
from scaleuq.reweight.scales import DYNAMICAL_SCALES
from scaleuq.reweight.stream import (
    BackgroundWriter,
    BufferPool,
    EventStream,
    beam_signs,
    event_arrays,
    new_header,
    next_weight_id,
    open_output,
    splice,
)
from scaleuq.reweight.weights import Variation, kinematics, weight_ratios

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.io.lhe import LHESummary

log = logging.getLogger(__name__)

PDF_MEMBER_CHOICES = ("central", "all")
#: MadGraph's systematics defaults for LO runs (systematics.py: mur, muf = 0.5, 1, 2; dyn =
#: -1, 1, 2, 3, 4).
DEFAULT_FACTORS = (0.5, 1.0, 2.0)
DEFAULT_DYN = (-1, 1, 2, 3, 4)
#: how the weights are computed and written: ``compiled`` (numba kernels), ``numpy`` (no numba:
#: same numbers, same bytes), or ``auto``
ENGINES = ("auto", "compiled", "numpy")
#: ``auto`` computes in numpy below this much event text (gzip counted as 5x its size): numba's
#: import and set-up (about a second) cost more than numpy's slower interpolation and formatting
#: there (benchmarks/bench_reweight.py measures both on the 1000-event MadGraph file)
SMALL_BYTES = 8 * 2**20


def choose_engine_for(path: str | os.PathLike[str], engine: str | None = None) -> str:
    """``compiled`` or ``numpy`` for re-weighting ``path``: ``engine`` (or
    ``$SCALEUQ_REWEIGHT_ENGINE``) when it names one; else ``compiled`` when numba is already
    loaded in this process or the file holds :data:`SMALL_BYTES` of text or more, ``numpy``
    below. Both give the same output bytes."""
    engine = engine or os.environ.get("SCALEUQ_REWEIGHT_ENGINE") or "auto"
    if engine not in ENGINES:
        raise OptionError(f"unknown reweight engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if "numba" in sys.modules:
        return "compiled"
    try:
        size = os.stat(path).st_size * (5 if is_gzip(path) else 1)
    except OSError:  # no file: reweight names it; nothing is computed
        return "numpy"
    return "numpy" if size < SMALL_BYTES else "compiled"


@dataclass(frozen=True)
class NewWeight:
    """One weight written (or summed).

    Attributes:
        id: its ``<wgt id>``.
        group: its ``<weightgroup>`` name.
        k_r, k_f, dyn, k_alps: the scale choice (dyn -1: as generated).
        pdf: ``SET/MEMBER``.
        lhapdf_id: the member's LHAPDF id, if known.
        alphas_mz: alpha_s(M_Z) of an alpha_s variation, else None.
        xsec_pb: the cross section with this weight: sigma_0 * sum(w) / sum(XWGTUP).
    """

    id: str
    group: str
    k_r: float
    k_f: float
    dyn: int
    k_alps: float
    pdf: str
    lhapdf_id: int | None
    alphas_mz: float | None
    xsec_pb: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ReweightResult:
    """What :func:`reweight` did.

    Attributes:
        input: the event file read.
        output: the file written, or None (``summary``).
        n_events: events processed.
        xsec_pb: the file's ``<init>`` cross section.
        weights: the new weights, in file order.
        pdf: description of the generating PDF set and its alpha_s.
        summary: with ``summary=True``, the file's cross sections and envelopes as
            ``scaleuq ingest lhe`` computes them; else None.
        table: with ``summary=True``, the table row ``scaleuq ingest lhe`` would give; else None.
        seconds: wall time.
    """

    input: str
    output: str | None
    n_events: int
    xsec_pb: float | None
    weights: tuple[NewWeight, ...]
    pdf: dict[str, Any]
    summary: LHESummary | None
    table: pd.DataFrame | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "input": self.input,
            "output": self.output,
            "n_events": self.n_events,
            "xsec_pb": self.xsec_pb,
            "weights": [w.to_dict() for w in self.weights],
            "pdf": self.pdf,
            "summary": self.summary.to_dict() if self.summary else None,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class _Planned:
    variation: Variation
    group: str
    combine: str
    attrs: str
    text: str
    pdf: str
    lhapdf_id: int | None
    alphas_mz: float | None


def _fmt(v: float) -> str:
    return f"{v:.1f}" if float(v).is_integer() else f"{v:g}"


def _plan(
    pdfs: list[PDFSet],
    central_id: int | None,
    mur: Sequence[float],
    muf: Sequence[float],
    dyn: Sequence[int],
    alps: Sequence[float],
    member_rows: list[int],
    other: list[int],
    alphas_sources: list[tuple[int, float]],
    ref_row: int = 0,
) -> list[_Planned]:
    """The weights in MadGraph's order (see the module docstring); ``central_id`` is the
    LHAPDF id of the reference member, row ``ref_row`` of ``pdfs[0]``."""
    main = pdfs[0]
    ids0 = main.lhapdf_ids()
    pdf_attr = f' PDF="{central_id}"' if central_id is not None else ""
    plan: list[_Planned] = []
    for r in mur:
        for f in muf:
            for d in dyn:
                if r == 1.0 and f == 1.0 and d == -1:
                    continue  # MadGraph's default point is the event weight itself
                attrs = f'MUR="{_fmt(r)}" MUF="{_fmt(f)}"'
                text = (f"MUR={_fmt(r)} " if r != 1 else "") + (f"MUF={_fmt(f)} " if f != 1 else "")
                if d != -1:
                    attrs += f' DYN_SCALE="{d}"'
                    text += f"dyn_scale_choice={DYNAMICAL_SCALES[d][0]}"
                plan.append(
                    _Planned(
                        Variation(r, f, d, 0, ref_row),
                        "Central scale variation",
                        "envelope",
                        attrs + pdf_attr,
                        text.strip(),
                        f"{main.name}/{main.members[ref_row]}",
                        central_id,
                        None,
                    )
                )
    combine = {"hessian": "hessian", "symmhessian": "symmhessian"}.get(
        (main.error_type or "").lower(), "replicas"
    )
    for row in member_rows:
        lhaid = ids0[row]
        attr = f' PDF="{lhaid}"' if lhaid is not None else ""
        plan.append(
            _Planned(
                Variation(source=0, row=row),
                main.name,
                combine,
                f'MUR="1.0" MUF="1.0"{attr}',
                f"PDF={main.name} MemberID={main.members[row]}",
                f"{main.name}/{main.members[row]}",
                lhaid,
                None,
            )
        )
    for src in other:
        p = pdfs[src]
        lhaid = p.lhapdf_ids()[0]
        attr = f' PDF="{lhaid}"' if lhaid is not None else ""
        plan.append(
            _Planned(
                Variation(source=src, row=0),
                "Other PDF sets",
                "none",
                f'MUR="1.0" MUF="1.0"{attr}',
                f"PDF={p.name} MemberID={p.members[0]}",
                f"{p.name}/{p.members[0]}",
                lhaid,
                None,
            )
        )
    for src, value in alphas_sources:
        plan.append(
            _Planned(
                Variation(source=src, row=ref_row),
                "alpha_s(M_Z) variation",
                "none",
                f'MUR="1.0" MUF="1.0"{pdf_attr}',
                f"alphas(MZ)={value:g} (hard process only)",
                f"{main.name}/{main.members[ref_row]}",
                central_id,
                value,
            )
        )
    for a in alps:
        if a == 1.0:
            continue
        plan.append(
            _Planned(
                Variation(k_alps=a, row=ref_row),
                "CKKW alpha_s scale factor",
                "envelope",
                f'MUR="1.0" MUF="1.0" ALPSFACT="{_fmt(a)}"{pdf_attr}',
                f"alpsfact={_fmt(a)}",
                f"{main.name}/{main.members[ref_row]}",
                central_id,
                None,
            )
        )
    return plan


def _own_name(group: str, taken: set[str], path: Path) -> str:
    """``group``, or, when the file already has a weight group of that name (a file
    re-weighted before, or MadGraph's own weights), ``group (scaleuq reweight[ N])``: the new
    weights never join an existing group; readers take the last group declared."""
    if group not in taken:
        return group
    name, n = f"{group} (scaleuq reweight)", 2
    while name in taken:
        name, n = f"{group} (scaleuq reweight {n})", n + 1
    log.warning(
        "%s: the file already has a weight group '%s'; the new weights go into '%s' "
        "(ingest lhe and --summary read the last group declared)",
        path, group, name,
    )  # fmt: skip
    return name


def _defined_scales(
    block: tuple[bytes, int], dyn: Sequence[int], header: Any, path: Path, engine: str
) -> tuple[int, ...]:
    """The default ``--dyn`` less the dynamical scales the first block of events leaves
    undefined or zero (sum p_T of a 2 -> 1 process: one final-state particle along the beam),
    each named in a warning that suggests ``--dyn``."""
    from scaleuq.reweight.scales import dynamical_scale

    wanted = [d for d in dyn if d != -1]
    if not wanted:
        return tuple(dyn)
    text, n = block
    info, particles = event_arrays(
        text, n, particles=True, first_event=1, path=path, header=header, engine=engine
    )
    nup = info[:, 0].astype(np.int64)
    keep = []
    for d in dyn:
        if d != -1:
            s = dynamical_scale(particles, nup, d)
            bad = ~np.isfinite(s) | (s <= 0)
            if bad.any():
                log.warning(
                    "%s: dynamical scale %d (%s) is undefined or zero in event %d: left out of "
                    "the default --dyn (choose with --dyn, e.g. --dyn=-1)",
                    path, d, DYNAMICAL_SCALES[d][0], int(np.flatnonzero(bad)[0]) + 1,
                )  # fmt: skip
                continue
        keep.append(d)
    return tuple(keep)


def _pdf_files(pdf: PDFSet) -> list[Path]:
    """The files of a PDF set this run reads (its ``.info`` and member grids)."""
    loc = pdf.location
    if loc is None:
        return []
    return [*([loc.info_path] if loc.info_path else []), *loc.member_paths.values()]


def _check_all_members(pdf: PDFSet) -> None:
    """``--pdf-members all`` needs every member the set declares (``.info`` NumMembers), and
    more than one: the PDF uncertainty of one member is not an uncertainty."""
    loaded = list(pdf.members)
    declared = pdf.info.get("NumMembers")
    if declared is not None and len(loaded) < int(declared):
        missing = sorted(set(range(int(declared))) - set(loaded))
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise OptionError(
            f"--pdf-members all: PDF set {pdf.name} declares {declared} members (NumMembers of "
            f"its .info) but {len(missing)} are not on disk: members {shown}; install the "
            "whole set or use --pdf-members central"
        )
    if len(loaded) < 2:
        raise OptionError(
            f"--pdf-members all: PDF set {pdf.name} has only member {loaded[0]} on disk"
            + ("" if pdf.info else " and no .info saying how many it has")
            + " (pythia8mc ships member 0 of its sets only): no PDF uncertainty can be computed; "
            "install the whole set (LHAPDF) or use --pdf-members central"
        )


def _factors(values: Sequence[float], what: str) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    if not out or any(not (v > 0 and np.isfinite(v)) for v in out):
        raise OptionError(f"{what} factors must be positive numbers, got {list(values)}")
    return out


def reweight(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    pdf: str,
    pdf_members: str = "central",
    other_pdfs: Sequence[str] = (),
    mur: Sequence[float] = DEFAULT_FACTORS,
    muf: Sequence[float] = DEFAULT_FACTORS,
    dyn: Sequence[int] | None = None,
    alps: Sequence[float] = (1.0,),
    alphas: Sequence[float] = (),
    pdf_path: PdfPath = None,
    pdf_backend: str = "builtin",
    pdf_id: int | None = None,
    alphas_mz: float | None = None,
    alphas_order: int | None = None,
    summary: bool = False,
    pdf_method: str | None = None,
    block_bytes: int = 8 * 2**20,
    progress: Callable[[int], None] | None = None,
    engine: str | None = None,
) -> ReweightResult:
    """Recompute MadGraph-style weights of an LO event file from its ``<mgrwt>`` blocks.

    Args:
        path: ``.lhe`` or ``.lhe.gz`` written by MadEvent with ``use_syst = True``.
        output: where to write the file with the new weights (gzip if it ends in ``.gz``);
            None only with ``summary``.
        pdf: the set the events were generated with, ``SET`` or ``SET/MEMBER`` (or an LHAPDF
            id with a ``pdfsets.index`` on the path).
        pdf_members: ``central`` (no PDF-member weights) or ``all`` (one weight per member).
        other_pdfs: more sets, one weight each (their central member).
        mur, muf: factors of mu_R and mu_F (every combination is written).
        dyn: dynamical scale choices (-1 as generated, 1-4: :mod:`scaleuq.reweight.scales`).
            None: MadGraph's -1, 1, 2, 3, 4 less those the first block of events leaves
            undefined (e.g. 1 and 2 of a 2 -> 1 process), each named in a warning.
        alps: MadGraph's factors of the CKKW alpha_s scales (only matter with matching).
        alphas: alpha_s(M_Z) values: one weight each, alpha_s of the hard process rerun from
            that value with the set's order and masses (the PDF is kept; for a consistent
            variation pass the set fitted at that alpha_s in ``other_pdfs``).
        pdf_path, pdf_backend: where to find sets, which evaluator (``builtin``/``lhapdf``).
        pdf_id: LHAPDF id of ``pdf``'s member 0 when its ``.info`` does not say (default: the
            file's ``<init>`` PDF id).
        alphas_mz, alphas_order: alpha_s(M_Z) and order for a set without ``.info``.
        summary: do not keep a file; summarise the weights as ``scaleuq ingest lhe`` does.
        pdf_method: how members combine in the summary (default from the set's ``ErrorType``).
        block_bytes: decompressed bytes read per block.
        progress: called with the compressed bytes read so far.
        engine: ``compiled`` (numba kernels), ``numpy`` (numba never imported) or ``auto``
            (default, or ``$SCALEUQ_REWEIGHT_ENGINE``): numpy for files below
            :data:`SMALL_BYTES` of text. The output is the same byte for byte.
    """
    args = dict(locals())
    from scaleuq.pdf.kernels import use_engine

    args["engine"] = choose_engine_for(path, engine)
    if args["engine"] == "numpy":
        with use_engine("numpy"):
            return _reweight(**args)
    from scaleuq.io.lhe.jit import numba_without_extensions

    # the PDF, weight and formatting kernels are numba: their first call loads them without
    # numba's entry-point extensions (awkward, vector: 0.5 s and 100 MB they never use)
    with numba_without_extensions(), use_engine("compiled"):
        return _reweight(**args)


def _reweight(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None,
    *,
    pdf: str,
    pdf_members: str,
    other_pdfs: Sequence[str],
    mur: Sequence[float],
    muf: Sequence[float],
    dyn: Sequence[int] | None,
    alps: Sequence[float],
    alphas: Sequence[float],
    pdf_path: PdfPath,
    pdf_backend: str,
    pdf_id: int | None,
    alphas_mz: float | None,
    alphas_order: int | None,
    summary: bool,
    pdf_method: str | None,
    block_bytes: int,
    progress: Callable[[int], None] | None,
    engine: str,
) -> ReweightResult:
    """:func:`reweight` (its arguments, checked here; ``engine`` chosen)."""
    from scaleuq.io.lhe import parse_header
    from scaleuq.util.atomic import atomic_open

    start_time = time.perf_counter()
    path = Path(path)
    if output is None and not summary:
        raise OptionError("give an output file (-o) or ask for --summary")
    if pdf_members not in PDF_MEMBER_CHOICES:
        raise OptionError(f"unknown --pdf-members '{pdf_members}'; choose central or all")
    mur, muf, alps = _factors(mur, "mu_R"), _factors(muf, "mu_F"), _factors(alps, "alps")
    auto_dyn = dyn is None
    dyn = DEFAULT_DYN if dyn is None else tuple(int(d) for d in dyn)
    if not dyn:
        raise OptionError("--dyn: give at least one dynamical scale choice (e.g. -1)")
    for d in dyn:
        if d not in DYNAMICAL_SCALES:
            raise OptionError(f"dynamical scale choice {d} is not one of -1, 1, 2, 3, 4")
    if not path.is_file():
        raise LHEError(f"{path}: no such file")
    want_particles = any(d != -1 for d in dyn)
    # the event parser: Python with the numpy engine (numba never imported), else its own choice
    lhe_engine = "python" if engine == "numpy" else choose_engine(path)
    raw = EventStream(path, block_bytes=block_bytes, progress=progress)
    try:
        header = parse_header(raw.header, path)
        blocks = raw.blocks()
        first_block = next(blocks, None)
        if auto_dyn and first_block is not None:
            dyn = _defined_scales(first_block, dyn, header, path, lhe_engine)
            want_particles = any(d != -1 for d in dyn)
        central = load_pdf(
            pdf,
            members="all" if pdf_members == "all" else None,
            pdf_path=pdf_path,
            backend=pdf_backend,
            alphas_mz=alphas_mz,
            alphas_order=alphas_order,
        )
        # the reference: the member named in --pdf SET/MEMBER (else 0); its LHAPDF id labels
        # the scale weights (the set's id is member 0's: .info SetIndex, --pdf-id, or <init>'s
        # id of the generating member less the member number)
        loc = central.location
        ref_member = loc.member if loc is not None and loc.member is not None else 0
        central_row = central.members.index(ref_member)
        set_id = central.lhapdf_id if central.lhapdf_id is not None else pdf_id
        if set_id is None and header.pdf_id is not None:
            set_id = header.pdf_id - ref_member
            log.info("LHAPDF id of %s taken from the file's <init> block: %s", central.name, set_id)
        if central.lhapdf_id is None and set_id is not None:
            central = dataclasses.replace(central, lhapdf_id=set_id)
        central_id = None if set_id is None else set_id + ref_member
        if pdf_members == "all":
            _check_all_members(central)
        pdfs = [central]
        member_rows = list(range(len(central.members))) if pdf_members == "all" else []
        other = []
        for spec in other_pdfs:
            pdfs.append(load_pdf(spec, pdf_path=pdf_path, backend=pdf_backend))
            other.append(len(pdfs) - 1)
        alphas_sources = []
        for value in alphas:
            if not 0 < float(value) < 1:
                raise OptionError(f"alpha_s(M_Z) = {value} is not in (0, 1)")
            a = central.alphas
            spec = AlphaS(
                "ode",
                order=min(a.order, 2),
                mz=a.mz,
                alphas_mz=float(value),
                masses=dict(a.masses),
                nf_max=a.nf_max,
                source=f"alpha_s(M_Z) = {value}",
            )
            pdfs.append(dataclasses.replace(central, alphas=spec))
            alphas_sources.append((len(pdfs) - 1, float(value)))
        plan = _plan(
            pdfs, central_id, mur, muf, dyn, alps, member_rows, other, alphas_sources, central_row
        )
        if not plan:
            raise OptionError(
                "nothing to compute: the options ask only for the point the events already "
                "carry (MUR=1, MUF=1, --dyn -1, central member)"
            )
        taken = {w.group for w in header.weights if w.group}
        rename = {g: _own_name(g, taken, path) for g in dict.fromkeys(p.group for p in plan)}
        plan = [dataclasses.replace(p, group=rename[p.group]) for p in plan]
        first_id = next_weight_id(raw.header)
        ids = [str(first_id + k) for k in range(len(plan))]
        groups: dict[str, tuple[str, list[str]]] = {}
        for wid, p in zip(ids, plan):
            groups.setdefault(p.group, (p.combine, []))[1].append(
                f'<weight id="{wid}" {p.attrs} > {p.text} </weight>\n'
            )
        head = new_header(raw.header, [(g, c, lines) for g, (c, lines) in groups.items()])
        signs = beam_signs(raw.header)
        variations = [p.variation for p in plan]
        sums = np.zeros(len(plan))
        nominal = 0.0
        n_events = 0
        tmpdir = None
        target = Path(output) if output is not None else None
        if target is None:
            tmpdir = tempfile.mkdtemp(prefix="scaleuq-reweight-")
            target = Path(tmpdir) / "reweighted.lhe"
        try:
            # every file the run reads is an input: the events and the PDF files
            read = [path, *(f for p in pdfs for f in _pdf_files(p))]
            with atomic_open(target, "wb", inputs=read) as handle:
                # plain output: the formatted blocks' buffers are used again once written
                pool = BufferPool() if target.suffix != ".gz" and engine == "compiled" else None
                out = open_output(handle, target.suffix == ".gz", pool)
                if not isinstance(out, BackgroundWriter):
                    pool = None
                # each block's text is formatted in a thread (the kernels release the GIL)
                # while this one computes the next block's weights; written in order
                formatter = ThreadPoolExecutor(1, thread_name_prefix="scaleuq-format")
                pending: Future[Any] | None = None
                try:
                    out.write(head)
                    first = 1
                    for text, n_block in itertools.chain(
                        [first_block] if first_block is not None else [], blocks
                    ):
                        info, particles = event_arrays(
                            text,
                            n_block,
                            particles=want_particles,
                            first_event=first,
                            path=path,
                            header=header,
                            engine=lhe_engine,
                        )
                        mg = parse_mgrwt(text, first_event=first, path=str(path), engine=engine)
                        ev = kinematics(mg, info, particles, dyn, first_event=first, path=str(path))
                        ratios = weight_ratios(
                            ev, pdfs, variations, central_row=central_row, beam_sign=signs
                        )
                        w = ratios * ev.xwgtup[:, None]
                        sums += w.sum(axis=0)
                        nominal += float(ev.xwgtup.sum())
                        n_events += len(w)
                        take = pool.take if pool is not None else None
                        done, pending = (
                            pending,
                            formatter.submit(
                                splice, text, ids, w, path, first, engine=engine, buffer=take
                            ),
                        )
                        if done is not None:
                            out.write(done.result())
                        first += n_block
                    if pending is not None:
                        out.write(pending.result())
                    out.write(raw.rest)
                finally:
                    formatter.shutdown(wait=True, cancel_futures=True)
                    if out is not handle:
                        out.close()
            if n_events == 0:
                raise LHEError(f"{path}: the file has no events")
            table = summ = None
            if summary:
                from scaleuq.io.madgraph import ingest_lhe

                method = pdf_method or (
                    "hessian"
                    if (central.error_type or "").lower() in ("hessian", "symmhessian")
                    else "replicas"
                )
                result = ingest_lhe([target], pdf_method=method)
                table, summ = result.table, (result.lhe[0] if result.lhe else None)
                if output is None and "source" in table:
                    table = table.assign(source=table["source"].str.replace(str(target), str(path)))
        finally:
            if tmpdir is not None:
                shutil.rmtree(tmpdir, ignore_errors=True)
    finally:
        raw.close()
    sigma0 = header.xsec_pb
    new = tuple(
        NewWeight(
            wid,
            p.group,
            p.variation.k_r,
            p.variation.k_f,
            p.variation.dyn,
            p.variation.k_alps,
            p.pdf,
            p.lhapdf_id,
            p.alphas_mz,
            float(sigma0 * s / nominal) if sigma0 and nominal else None,
        )
        for wid, p, s in zip(ids, plan, sums)
    )
    return ReweightResult(
        str(path),
        None if summary and output is None else str(output),
        n_events,
        sigma0,
        new,
        central.to_dict(),
        summ,
        table,
        time.perf_counter() - start_time,
    )


@dataclass(frozen=True)
class ReweightFilesResult:
    """What :func:`reweight_files` did.

    Attributes:
        results: one :class:`ReweightResult` per file that succeeded, in input order.
        failures: the files that failed, by name, with their one-line errors.
        where: where the files ran (``this process``, ``N threads`` or the Dask scheduler).
    """

    results: tuple[ReweightResult, ...]
    failures: tuple[FileFailure, ...]
    where: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""
        return {
            "results": [r.to_dict() for r in self.results],
            "failures": [f.to_dict() for f in self.failures],
            "where": self.where,
        }


def output_path(path: str | os.PathLike[str], output_dir: str | os.PathLike[str]) -> Path:
    """The output of ``path`` in ``output_dir``: the same file name (so the same compression)."""
    return Path(output_dir) / Path(path).name


def _reweight_into(path: str, *, output_dir: str | None, **kwargs: Any) -> ReweightResult:
    """Per-file task of :func:`reweight_files` (module level so that Dask can pickle it)."""
    target = None if output_dir is None else output_path(path, output_dir)
    return reweight(path, target, **kwargs)


def reweight_files(
    paths: Sequence[str | os.PathLike[str]],
    output_dir: str | os.PathLike[str] | None,
    *,
    jobs: int | None = 1,
    scheduler: str | None = None,
    **options: Any,
) -> ReweightFilesResult:
    """:func:`reweight` for many files, locally in parallel or on a Dask cluster.

    Each output is ``output_dir / <input file name>`` (same name, so the same compression).
    The files run through :func:`scaleuq.io.lhe.parallel.map_files`: ``jobs`` files at once on
    threads (default 1: each file already keeps a core busy in the vectorised PDF
    interpolation and weight kernels, so more than one file per core only adds memory; raise it
    on a machine with free cores), or one task per file on the Dask scheduler at
    ``scheduler`` (the workers must read the inputs and write ``output_dir``). A file that
    fails is reported by name in ``failures`` and the others' outputs are kept.

    Args:
        paths: the LO event files (``.lhe`` or ``.lhe.gz`` with ``<mgrwt>``).
        output_dir: the existing directory to write into; None only with ``summary=True``.
        jobs: files at once (None: all cores); ignored with ``scheduler``.
        scheduler: address of a running Dask scheduler (``pip install "scaleuq[dask]"``).
        options: the keyword options of :func:`reweight` (``pdf`` required; not ``progress``).

    Raises:
        OptionError: no files, no output directory (without ``summary``), a directory that does
            not exist, two inputs with the same file name, or an output that would be an input.
    """
    from scaleuq.io.lhe.parallel import map_files

    names = [str(p) for p in paths]
    if not names:
        raise OptionError("give at least one event file")
    if "progress" in options:
        raise OptionError("reweight_files reports no per-byte progress; drop 'progress'")
    if output_dir is None:
        if not options.get("summary"):
            raise OptionError("give an output directory (--output-dir) or ask for --summary")
    else:
        if not Path(output_dir).is_dir():
            raise OptionError(f"{output_dir}: the output directory does not exist")
        seen: dict[str, str] = {}
        inputs = {Path(p).resolve() for p in names}
        for p in names:
            name = Path(p).name
            if name in seen:
                raise OptionError(
                    f"{seen[name]} and {p} have the same file name; their outputs in "
                    f"{output_dir} would collide"
                )
            seen[name] = p
            if output_path(p, output_dir).resolve() in inputs:
                raise OptionError(
                    f"{p}: the output {output_path(p, output_dir)} would overwrite an input; "
                    "choose another --output-dir"
                )
    mapped = map_files(
        _reweight_into,
        names,
        jobs=jobs,
        scheduler=scheduler,
        output_dir=None if output_dir is None else str(output_dir),
        **options,
    )
    return ReweightFilesResult(mapped.results, mapped.failures, mapped.where)
