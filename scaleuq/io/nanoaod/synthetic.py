"""A synthetic NanoAOD file in any of the conventions :mod:`scaleuq.io.nanoaod` reads (uproot).

For tests, benchmarks and the notebook: the weights are a seeded toy (no physics), with the
branch names, shapes and titles of real productions, so that every title form, the 8-weight
form, ``_``-suffixed and un-normalised ``Runs`` sums and negative ``genWeight`` can be written
and read back. The file is written beside its final name and moved there when complete.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from scaleuq.errors import OptionError

#: Title forms of the LHEScaleWeight entries (see :mod:`scaleuq.io.nanoaod.titles`).
TITLE_FORMS = ("mur", "fortran", "quoted", "runcard")
#: The CMS order: mu_R outer, mu_F inner.
CMS_POINTS = tuple((r, f) for r in (0.5, 1.0, 2.0) for f in (0.5, 1.0, 2.0))
PS_LABELS = ("ISR=2 FSR=1", "ISR=1 FSR=2", "ISR=0.5 FSR=1", "ISR=1 FSR=0.5")


def _fortran(x: float) -> str:
    e = math.floor(math.log10(x)) + 1
    return f"{x / 10**e:.5f}E{e:+03d}"


def entry_text(point: tuple[float, float], form: str) -> str:
    """One ``[i] is ...`` entry text for (k_R, k_F) in ``form``."""
    r, f = point
    if form == "mur":
        return f"mur={r:g} muf={f:g}"
    if form == "fortran":
        return f"muR={_fortran(r)} muF={_fortran(f)}"
    if form == "quoted":
        return f'MUF="{f:.1f}" MUR="{r:.1f}"'
    if form == "runcard":
        return f"renscfact={r:g}d0 facscfact={f:g}d0"
    raise OptionError(f"unknown title form '{form}'; choose {', '.join(TITLE_FORMS)}")


def scale_title(points: Sequence[tuple[float, float]], form: str = "mur") -> str:
    """The ``LHEScaleWeight`` title for ``points`` in ``form``."""
    sep = "; " if form == "quoted" else " ; "
    entries = sep.join(f"[{i}] is {entry_text(p, form)}" for i, p in enumerate(points))
    return f"LHE scale variation weights (w_var / w_nominal); {entries} "


@contextlib.contextmanager
def _branch_titles(titles: dict[str, str]) -> Iterator[None]:
    """uproot names a branch after its leaf; NanoAOD's titles are set while the tree is made."""
    from uproot.writing import _cascadetree

    original = _cascadetree.Tree._branch_np

    def titled(self: object, name: str, *args: object, **kwargs: object) -> dict[str, object]:
        datum = original(self, name, *args, **kwargs)
        if name in titles:
            datum["fTitle"] = titles[name]
        return datum

    _cascadetree.Tree._branch_np = titled
    try:
        yield
    finally:
        _cascadetree.Tree._branch_np = original


def _jagged(rows: np.ndarray) -> object:
    """A 2-d array as an awkward array of variable-length lists (NanoAOD's ``n...`` counters)."""
    import awkward as ak

    return ak.from_regular(ak.from_numpy(rows), axis=1)


def write_nanoaod(
    path: str | os.PathLike[str],
    n_events: int = 10_000,
    *,
    seed: int,
    form: str = "mur",
    points: Sequence[tuple[float, float]] | None = None,
    nominal_left_out: bool = False,
    negative_fraction: float = 0.0,
    runs_divided: bool = True,
    runs_suffix: str = "",
    runs_entries: int = 1,
    pdf_members: int = 30,
    pdf_first_id: int = 306000,
    shower: bool = True,
    scale_weights: bool = True,
    scale_title_text: str | None = None,
    chunk: int = 200_000,
) -> Path:
    """Write a synthetic NanoAOD file (``Events`` and ``Runs``) with uproot.

    Toy weights (seeded): ``genWeight`` = +-1 (a ``negative_fraction`` negative, as in NLO
    samples); per event, scale weight (k_R, k_F) = exp(-a log2 k_R + b log2 k_F) with a, b
    depending on ``LHE_Vpt`` (so that bands differ per bin); PDF and shower weights 1 +
    Gaussian noise; ``nJet`` Poisson(2), ``LHE_Vpt`` exponential (50), ``LHE_HT``.

    Args:
        path: the output file.
        n_events: events (written in pieces of ``chunk``).
        seed: the random seed.
        form: title form of the scale weights (:data:`TITLE_FORMS`).
        points: (k_R, k_F) order of the scale weights (default the CMS order).
        nominal_left_out: write 8 weights without the (1, 1) entry.
        negative_fraction: share of events with genWeight = -1.
        runs_divided: ``Runs`` sums divided by ``genEventSumw`` as their titles say, or not.
        runs_suffix: ``"_"`` for the older ``genEventSumw_`` spellings.
        runs_entries: ``Runs`` entries (the events split among them, as for merged jobs).
        pdf_members: PDF error members (``LHEPdfWeight`` has one more, the central one).
        pdf_first_id: LHA ID of the central member.
        shower: write four labelled ``PSWeight`` entries (else the dummy one).
        scale_weights: write ``LHEScaleWeight`` at all.
        scale_title_text: a title of your own for ``LHEScaleWeight``.
        chunk: events per write.
    """
    import uproot

    from scaleuq.util.paths import check_output

    pts = list(points or CMS_POINTS)
    if nominal_left_out:
        pts = [p for p in pts if p != (1.0, 1.0)]
    k = len(pts)
    rng = np.random.default_rng(seed)
    lr = np.log2([p[0] for p in pts])
    lf = np.log2([p[1] for p in pts])
    titles = {
        "genWeight": "generator weight",
        "LHEScaleWeight": scale_title_text or scale_title(pts, form),
        "LHEPdfWeight": "LHE pdf variation weights (w_var / w_nominal) for LHA IDs "
        f"{pdf_first_id} - {pdf_first_id + pdf_members}",
        "PSWeight": (
            "PS weights (w_var / w_nominal); "
            + " ; ".join(f"[{i}] is {lab}" for i, lab in enumerate(PS_LABELS))
            if shower
            else "dummy PS weight (1.0)"
        ),
        "nJet": "number of jets",
        "LHE_Vpt": "pT of the W or Z boson at LHE step",
        "LHE_HT": "HT, scalar sum of parton pTs at LHE step",
    }
    types = {"genWeight": np.float32, "nJet": np.uint32, "LHE_Vpt": np.float32,
             "LHE_HT": np.float32, "LHEPdfWeight": "var * float32", "PSWeight": "var * float32"}  # fmt: skip
    if scale_weights:
        types["LHEScaleWeight"] = "var * float32"
    n_pdf = pdf_members + 1
    n_ps = len(PS_LABELS) if shower else 1
    sums_scale = np.zeros((runs_entries, k))
    sums_pdf = np.zeros((runs_entries, n_pdf))
    sumw = np.zeros(runs_entries)
    sumw2 = np.zeros(runs_entries)
    count = np.zeros(runs_entries, dtype=np.int64)
    target = check_output(path)  # never over an input, a directory or a link
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        with uproot.recreate(tmp) as out:
            with _branch_titles(titles):
                tree = out.mktree("Events", types, title="Events")
            done = 0
            while done < n_events:
                n = min(chunk, n_events - done)
                vpt = rng.exponential(50.0, n).astype(np.float32)
                gw = np.where(rng.random(n) < negative_fraction, -1.0, 1.0).astype(np.float32)
                a = 0.10 + 0.0008 * np.minimum(vpt, 500.0)
                b = 0.04 - 0.0002 * np.minimum(vpt, 500.0)
                scale = np.exp(-np.outer(a, lr) + np.outer(b, lf)).astype(np.float32)
                pdf = (1 + 0.02 * rng.standard_normal((n, n_pdf))).astype(np.float32)
                pdf[:, 0] = 1
                ps = (1 + 0.05 * rng.standard_normal((n, n_ps))).astype(np.float32)
                if not shower:
                    ps[:] = 1
                data = {
                    "genWeight": gw, "nJet": rng.poisson(2.0, n).astype(np.uint32),
                    "LHE_Vpt": vpt, "LHE_HT": (vpt + rng.exponential(80.0, n)).astype(np.float32),
                    "LHEPdfWeight": _jagged(pdf),
                    "PSWeight": _jagged(ps),
                }  # fmt: skip
                if scale_weights:
                    data["LHEScaleWeight"] = _jagged(scale)
                tree.extend(data)
                which = (done + np.arange(n)) * runs_entries // n_events
                g = gw.astype(np.float64)
                for e in range(runs_entries):
                    m = which == e
                    sumw[e] += g[m].sum()
                    sumw2[e] += (g[m] ** 2).sum()
                    count[e] += m.sum()
                    sums_scale[e] += g[m] @ scale[m].astype(np.float64)
                    sums_pdf[e] += g[m] @ pdf[m].astype(np.float64)
                done += n
            if runs_divided:
                sums_scale = sums_scale / sumw[:, None]
                sums_pdf = sums_pdf / sumw[:, None]
            how = "divided by genEventSumw"
            s = runs_suffix
            runs_titles = {
                f"genEventCount{s}": "event count", f"genEventSumw{s}": "sum of gen weights",
                f"genEventSumw2{s}": "sum of gen (weight^2)",
                f"LHEScaleSumw{s}": f"Sum of genEventWeight * LHEScaleWeight[i], {how}",
                f"LHEPdfSumw{s}": f"Sum of genEventWeight * LHEPdfWeight[i], {how}",
            }  # fmt: skip
            runs_types = {f"genEventCount{s}": np.int64, f"genEventSumw{s}": np.float64,
                          f"genEventSumw2{s}": np.float64, f"LHEScaleSumw{s}": "var * float64",
                          f"LHEPdfSumw{s}": "var * float64"}  # fmt: skip
            with _branch_titles(runs_titles):
                runs = out.mktree("Runs", runs_types, title="Runs")
            runs.extend({
                f"genEventCount{s}": count, f"genEventSumw{s}": sumw, f"genEventSumw2{s}": sumw2,
                f"LHEScaleSumw{s}": _jagged(sums_scale),
                f"LHEPdfSumw{s}": _jagged(sums_pdf),
            })  # fmt: skip
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
