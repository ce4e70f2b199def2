"""Scale uncertainties as HistFactory modifiers: a pyhf workspace, or a JSON patch for one.

Sources of the band (:class:`ScaleTemplate`):

* a table row (:func:`template_from_table`): one bin, the inclusive LO band;
* an LO (and optionally NLO) HwU histogram (:func:`template_from_hwu`): per bin, the *bin-wise*
  envelope over the scale columns (the max and min over the variations in each bin, never the
  per-event max/min of the weights, which overstates the band); yields are the HwU values,
  which MadGraph writes as cross section per bin in pb (its ``histograms.py`` labels them
  "sigma per bin [pb]");
* an LHE summary (:func:`template_from_lhe`): one bin, the envelope of the weight sums.

Band choice (``band``, see :data:`BANDS`), applied as factors on the relative deltas:

``raw``         the LO envelope as it is;
``reference``   the reference band n x <Delta sigma/(n sigma_0)> (:mod:`scaleuq.pull.reference`);
                per bin, the bin-wise envelope rescaled so that its inclusive size equals the
                reference band (the correction is defined on inclusive rates: a proxy per bin);
``calibrated``  the reference band times the 68% calibration factors s68 of a corpus, upward
                and downward as ``scaleuq recommend`` gives them (out-of-sample by default)
                (:func:`scaleuq.analysis.recommend.calibrate_corpus`).

Modifiers: one bin -> ``normsys`` (hi = 1 + up, lo = 1 - down); several bins -> ``histosys``
(hi_data = nominal x (1 + up_i), lo_data = nominal x (1 - down_i)), unless asked otherwise. A
lower variation is kept positive: 1 - down is floored at :data:`LO_FLOOR` (a band of 99% down at
most), and every floored bin is named in ``notes``. The nuisance is named ``scale_<process>``.

A standalone workspace has one channel with two samples: the process (a free signal strength
``mu`` (normfactor) and the scale modifier) and a background without modifiers, so that
``pyhf cls``, ``pyhf fit`` and ``pyhf inspect`` run on it as it is (mu = 0 still predicts
events). The background is the user's (``background_pb``, a cross section per bin in pb, and
``background_name``) or, by default, a documented placeholder named
:data:`PLACEHOLDER_BACKGROUND` with the signal's own nominal yield in every bin (s/b = 1):
replace it by your background. Yields are cross sections (pb) times the luminosity,
observations the nominal signal plus background (Asimov) or, with ``observed="nlo"``, the NLO
prediction plus background. The band and its source are recorded in the measurement's name
(``scaleuq band=NAME; SOURCE``; pyhf's workspace schema 1.0.0 has no free metadata field), which
``scaleuq fit-workspace`` reads. Every workspace and patched workspace is validated with pyhf's own schema
(:class:`pyhf.Workspace`); pyhf is the optional extra ``fit``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleuq.choices import BANDS, MODIFIERS, OBSERVED
from scaleuq.errors import ExportError, MissingDependencyError, OptionError

if TYPE_CHECKING:
    import pandas as pd

    from scaleuq.analysis.recommend import CorpusCalibration

#: Smallest lower variation factor (1 - down) written: keeps every yield positive.
LO_FLOOR = 0.01
#: Default luminosity in fb^-1 for standalone workspaces (a choice, not a measurement).
DEFAULT_LUMI_FB = 1.0
#: Yield per bin above which the export warns that pyhf's own fits lose precision.
LARGE_YIELD = 1e7
#: Name of the placeholder background of a standalone workspace (yield = the signal's).
PLACEHOLDER_BACKGROUND = "placeholder_background"


def require_pyhf() -> Any:
    """Import pyhf or raise :class:`MissingDependencyError` naming the ``fit`` extra."""
    try:
        import pyhf
    except ImportError:
        raise MissingDependencyError(
            "pyhf", "fit", "exporting and fitting pyhf workspaces"
        ) from None
    return pyhf


def slug(process: str) -> str:
    """A process as an identifier: ``p p > w+ w- z`` -> ``pp_to_wp_wm_z``."""
    s = process.strip().replace(">", " to ").replace("+", "p").replace("-", "m")
    s = s.replace("~", "bar")
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    s = re.sub(r"^p_p_to", "pp_to", s)
    return s or "process"


@dataclass(frozen=True)
class ScaleTemplate:
    """A prediction with its LO scale envelope, per bin.

    Attributes:
        process: the process (normalised MadGraph syntax) or histogram name.
        source: the file (and line or histogram) the numbers come from.
        n_final: n for the reference band (None if unknown).
        edges: bin edges, or None for an inclusive (one-bin) template.
        nominal_pb: cross section per bin in pb (NaN where the input gives none).
        up_rel, down_rel: bin-wise envelope relative to the nominal, positive fractions.
        incl_up_rel, incl_down_rel: envelope of the inclusive (summed) cross section.
        nlo_pb: NLO cross section per bin in pb, or None.
        notes: remarks on the input (carried into the export's notes).
    """

    process: str
    source: str
    n_final: int | None
    edges: np.ndarray | None
    nominal_pb: np.ndarray
    up_rel: np.ndarray
    down_rel: np.ndarray
    incl_up_rel: float
    incl_down_rel: float
    nlo_pb: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return int(self.nominal_pb.size)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe representation."""

        def arr(a: np.ndarray | None) -> list[float | None] | None:
            return None if a is None else [None if not math.isfinite(v) else float(v) for v in a]

        return {
            "process": self.process,
            "source": self.source,
            "n_final": self.n_final,
            "edges": arr(self.edges),
            "nominal_pb": arr(self.nominal_pb),
            "up_rel": arr(self.up_rel),
            "down_rel": arr(self.down_rel),
            "incl_up_rel": self.incl_up_rel,
            "incl_down_rel": self.incl_down_rel,
            "nlo_pb": arr(self.nlo_pb),
            "notes": list(self.notes),
        }


def template_from_table(table: pd.DataFrame, process: str) -> ScaleTemplate:
    """One process of a canonical table as a one-bin template (its inclusive LO band)."""
    from scaleuq.io.process import normalize_process

    name = normalize_process(process)
    rows = table[table["process"] == name]
    if len(rows) == 0:
        known = ", ".join(table["process"])
        raise OptionError(f"no process '{process}' in the tables; they hold: {known}")
    r = rows.iloc[0]
    up, dn = float(r["lo_scale_up_rel"]), float(r["lo_scale_dn_rel"])
    lo = float(r["lo_xsec_pb"])
    nlo = float(r["nlo_xsec_pb"])
    k1 = float(r["k_minus_1"]) if r["k_minus_1"] is not None else math.nan
    if not math.isfinite(nlo) and math.isfinite(lo) and math.isfinite(k1):
        nlo = lo * (1 + k1)
    return ScaleTemplate(
        process=name,
        source=str(r["source"]),
        n_final=int(r["n_final"]),
        edges=None,
        nominal_pb=np.array([lo]),
        up_rel=np.array([up]),
        down_rel=np.array([dn]),
        incl_up_rel=up,
        incl_down_rel=dn,
        nlo_pb=None if not math.isfinite(nlo) else np.array([nlo]),
    )


def _scale_columns(hist: Any, points: str) -> list[np.ndarray]:
    from scaleuq.choices import ENVELOPES

    if not hist.scales:
        raise ExportError(f"{hist.source}: histogram '{hist.name}' has no scale-variation columns")
    dyn = next(iter(hist.scales))[0]
    wanted = ENVELOPES[points]
    return [
        v
        for (d, r, f), v in hist.scales.items()
        if d == dyn and any(np.isclose([r, f], p).all() for p in wanted)
    ]


def template_from_hwu(
    lo_path: str | Path,
    nlo_path: str | Path | None = None,
    *,
    histogram: str | None = None,
    n_final: int | None = None,
    points: str = "9-point",
) -> ScaleTemplate:
    """One observable of an LO HwU file (and its NLO partner) as a per-bin template.

    The band per bin is the envelope over the scale columns in that bin (bin-wise max/min);
    the inclusive band is the envelope of the summed columns. With one file holding
    ``TYPE@LO`` and ``TYPE@NLO`` histograms, pass it as ``lo_path`` alone.
    """
    from scaleuq.io.hwu import pair_histograms, read_hwu

    lo_file = read_hwu(lo_path)
    nlo_file = read_hwu(nlo_path) if nlo_path is not None else None
    has_types = any(h.type.upper() == "NLO" for h in lo_file)
    if nlo_file is None and not has_types:
        hists = [h for h in lo_file if histogram is None or h.name == histogram]
        if not hists:
            names = ", ".join(h.name for h in lo_file)
            raise OptionError(f"no histogram '{histogram}' in {lo_path}; it holds: {names}")
        lo, nlo = hists[0], None
    else:
        lo, nlo = pair_histograms(lo_file, nlo_file, histogram)[0]
        if lo.edges.shape != nlo.edges.shape or not np.allclose(lo.edges, nlo.edges):
            raise ExportError(f"{lo.source} and {nlo.source}: '{lo.name}' has different bins")
    if np.any(lo.central <= 0):
        bad = int(np.argmax(lo.central <= 0))
        raise ExportError(
            f"{lo.source}: '{lo.name}' bin {bad} has LO value {lo.central[bad]:g}; every bin of "
            "a template needs a positive prediction (merge or drop empty bins)"
        )
    columns = _scale_columns(lo, points)
    if len(columns) < 2:
        raise ExportError(f"{lo.source}: fewer than two {points} scale columns in '{lo.name}'")
    stack = np.vstack([lo.central, *columns])
    up = stack.max(axis=0) / lo.central - 1
    dn = 1 - stack.min(axis=0) / lo.central
    sums = stack.sum(axis=1)
    return ScaleTemplate(
        process=lo.name,
        source=lo.source,
        n_final=n_final,
        edges=lo.edges,
        nominal_pb=lo.central.astype(float),
        up_rel=up,
        down_rel=dn,
        incl_up_rel=float(sums.max() / sums[0] - 1),
        incl_down_rel=float(1 - sums.min() / sums[0]),
        nlo_pb=None if nlo is None else nlo.central.astype(float),
    )


def template_from_lhe(
    lo_path: str | Path,
    nlo_path: str | Path | None = None,
    *,
    envelope: str = "9-point",
    n_final: int | None = None,
) -> ScaleTemplate:
    """An LHE file's cross section and scale envelope as a one-bin template.

    n for the reference band is counted from the header's process when not given.
    """
    from scaleuq.io.lhe import summarize_lhe
    from scaleuq.io.process import final_state, normalize_process

    lo = summarize_lhe(lo_path, pdf_method="none")
    if envelope not in lo.envelopes:
        raise OptionError(f"unknown envelope '{envelope}'; choose {', '.join(lo.envelopes)}")
    env = lo.envelopes[envelope]
    if not math.isfinite(env.up_rel) or len(env.points_used) < 2:
        raise ExportError(
            f"{lo_path}: no {envelope} scale-variation weights (found "
            f"{len(env.points_used)} of {len(env.points_used) + len(env.points_missing)} points) "
            "to build a band from"
        )
    nlo = summarize_lhe(nlo_path, pdf_method="none") if nlo_path is not None else None
    process = Path(lo_path).name
    if lo.header.process:
        tokens = final_state(lo.header.process)  # drops [QCD], @N and coupling orders
        head = normalize_process(lo.header.process).split(">", 1)[0].strip()
        process = f"{head} > {' '.join(tokens)}" if tokens else normalize_process(lo.header.process)
        if n_final is None and tokens:
            n_final = len(tokens)
    return ScaleTemplate(
        process=process,
        source=str(lo_path),
        n_final=n_final,
        edges=None,
        nominal_pb=np.array([lo.xsec_pb]),
        up_rel=np.array([env.up_rel]),
        down_rel=np.array([-env.down_rel]),
        incl_up_rel=float(env.up_rel),
        incl_down_rel=float(-env.down_rel),
        nlo_pb=None if nlo is None else np.array([nlo.xsec_pb]),
        notes=(
            (
                f"{lo_path} is an NLO run: its band is the NLO scale band, not the LO one the "
                "calibration was measured on",
            )
            if lo.header.order == "NLO"
            else ()
        ),
    )


@dataclass(frozen=True)
class BandChoice:
    """The band written, per bin, and where it comes from.

    Attributes:
        band: ``raw``, ``reference`` or ``calibrated``.
        up_rel, down_rel: the relative deltas written per bin (down before flooring).
        factor_up, factor_down: what the raw bin-wise deltas were multiplied by.
        source: one line naming the numbers behind the band.
    """

    band: str
    up_rel: np.ndarray
    down_rel: np.ndarray
    factor_up: float
    factor_down: float
    source: str


def choose_band(
    template: ScaleTemplate, band: str, calibration: CorpusCalibration | None = None
) -> BandChoice:
    """Apply the band choice to a template (see the module docstring)."""
    if band not in BANDS:
        raise OptionError(f"unknown band '{band}'; choose one of {', '.join(BANDS)}")
    if band == "raw":
        if not (np.isfinite(template.up_rel).all() and np.isfinite(template.down_rel).all()):
            raise ExportError(
                f"{template.source} ({template.process}): the LO band is incomplete (upward or "
                "downward missing); use --band reference or calibrated"
            )
        return BandChoice("raw", template.up_rel, template.down_rel, 1.0, 1.0, "the LO envelope")
    if calibration is None:
        from scaleuq.analysis.recommend import calibrate_corpus

        calibration = calibrate_corpus()
    if calibration.stage != "after":
        raise OptionError("the reference and calibrated bands need a corpus calibrated 'after'")
    if template.n_final is None:
        raise ExportError(
            f"{template.source} ({template.process}): n (final-state particles) is unknown; "
            "give it (--n-final) for the reference band"
        )
    ref = calibration.reference
    ref_up, ref_dn = template.n_final * ref.per_particle_up, template.n_final * ref.per_particle_dn
    # the calibrated band takes the factors of `scaleuq recommend`: per side, out-of-sample by
    # default (CorpusCalibration.factors), the downward one extrapolated when no pull is negative
    s = calibration.up.factor_68 if band == "calibrated" else 1.0
    s_dn = calibration.down.factor_68 if band == "calibrated" else 1.0
    if template.n_bins == 1:
        up, dn = np.array([s * ref_up]), np.array([s_dn * ref_dn])
        f_up = f_dn = math.nan
    else:
        if not (template.incl_up_rel > 0 and template.incl_down_rel > 0):
            raise ExportError(
                f"{template.source}: the inclusive LO band is zero, so the bin-wise envelope "
                "cannot be rescaled to the reference band"
            )
        f_up, f_dn = s * ref_up / template.incl_up_rel, s_dn * ref_dn / template.incl_down_rel
        up, dn = template.up_rel * f_up, template.down_rel * f_dn
    source = (
        f"reference band n x <Delta sigma/(n sigma_0)> = {template.n_final} x "
        f"(+{100 * ref.per_particle_up:.2f}%, -{100 * ref.per_particle_dn:.2f}%), "
        f"{calibration.reference_source}"
    )
    if band == "calibrated":
        source += (
            f"; times the {calibration.factors} s68 = {s:.3g} (upward), {s_dn:.3g} (downward, "
            f"{calibration.down.note}) from the {calibration.source}"
        )
    return BandChoice(band, up, dn, f_up, f_dn, source)


@dataclass(frozen=True)
class ExportResult:
    """A pyhf workspace or patch carrying a scale uncertainty.

    Attributes:
        kind: ``workspace`` or ``patch``.
        document: the workspace (dict) or the JSON patch (list of RFC 6902 operations).
        modifier: the nuisance name.
        modifier_type: ``normsys`` or ``histosys``.
        template: the prediction and envelope used.
        band: the band written.
        lumi_fb: luminosity behind the yields (standalone workspaces; None for patches).
        observed: what the observations are (standalone workspaces).
        notes: floored bins and other remarks.
    """

    kind: str
    document: dict[str, Any] | list[dict[str, Any]]
    modifier: str
    modifier_type: str
    template: ScaleTemplate
    band: BandChoice
    lumi_fb: float | None
    observed: str | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary (the document itself is :attr:`document`)."""
        return {
            "kind": self.kind,
            "modifier": self.modifier,
            "modifier_type": self.modifier_type,
            "band": self.band.band,
            "band_source": self.band.source,
            "up_rel": [float(v) for v in self.band.up_rel],
            "down_rel": [float(v) for v in self.band.down_rel],
            "lumi_fb": self.lumi_fb,
            "observed": self.observed,
            "template": self.template.to_dict(),
            "notes": list(self.notes),
        }


def _modifier(
    name: str, kind: str, nominal: np.ndarray, up: np.ndarray, dn: np.ndarray, notes: list[str]
) -> dict[str, Any]:
    lo_factor = 1 - dn
    floored = np.flatnonzero(lo_factor < LO_FLOOR)
    if floored.size:
        notes.append(
            f"downward variation floored at {LO_FLOOR:g} x nominal in bin(s) "
            f"{', '.join(map(str, floored))} (the band reached zero yield)"
        )
    lo_factor = np.maximum(lo_factor, LO_FLOOR)
    if kind == "normsys":
        return {
            "name": name,
            "type": "normsys",
            "data": {"hi": float(1 + up[0]), "lo": float(lo_factor[0])},
        }
    return {
        "name": name,
        "type": "histosys",
        "data": {
            "hi_data": [float(v) for v in nominal * (1 + up)],
            "lo_data": [float(v) for v in nominal * lo_factor],
        },
    }


def _inclusive(template: ScaleTemplate, band: BandChoice) -> tuple[np.ndarray, np.ndarray]:
    """The band of the summed yield (for a normsys on a multi-bin template)."""
    if template.n_bins == 1:
        return band.up_rel, band.down_rel
    if band.band == "raw":
        return np.array([template.incl_up_rel]), np.array([template.incl_down_rel])
    return (
        np.array([template.incl_up_rel * band.factor_up]),
        np.array([template.incl_down_rel * band.factor_down]),
    )


def _modifier_type(requested: str, n_bins: int) -> str:
    if requested not in MODIFIERS:
        raise OptionError(f"unknown modifier '{requested}'; choose one of {', '.join(MODIFIERS)}")
    if requested == "auto":
        return "normsys" if n_bins == 1 else "histosys"
    return requested


def load_workspace(path: str | Path) -> dict[str, Any]:
    """Read a workspace JSON file (one line naming the file on failure)."""
    path = Path(path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise ExportError(f"{path}: the JSON is nested too deeply to be a pyhf workspace") from None
    if not isinstance(spec, dict):
        raise ExportError(f"{path}: a pyhf workspace is a JSON object")
    return spec


def validate_workspace(spec: dict[str, Any], where: str) -> Any:
    """A :class:`pyhf.Workspace` from ``spec``, or one line naming what pyhf's schema rejects."""
    pyhf = require_pyhf()
    try:
        return pyhf.Workspace(spec)
    except RecursionError:
        raise ExportError(f"{where}: nested too deeply to be a pyhf workspace") from None
    except Exception as exc:  # pyhf raises jsonschema and its own errors
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExportError(f"{where}: not a valid pyhf workspace: {first}") from None


def export_workspace(
    template: ScaleTemplate,
    *,
    band: str = "reference",
    calibration: CorpusCalibration | None = None,
    modifier: str = "auto",
    lumi_fb: float = DEFAULT_LUMI_FB,
    observed: str = "nominal",
    background_pb: float | list[float] | None = None,
    background_name: str | None = None,
) -> ExportResult:
    """A standalone pyhf workspace: one channel, the process as the sample (``mu`` and the
    scale modifier) and a background; yields = cross section (pb) x luminosity
    (1 fb^-1 = 1000 pb^-1).

    Args:
        background_pb: the background cross section in pb, one number or one per bin; None:
            the placeholder (the signal's nominal yield per bin, named
            :data:`PLACEHOLDER_BACKGROUND` unless ``background_name`` is given).
        background_name: the background sample's name.
    """
    if not (math.isfinite(lumi_fb) and lumi_fb > 0):
        raise OptionError(f"the luminosity must be a finite positive number, got {lumi_fb}")
    if observed not in OBSERVED:
        raise OptionError(f"unknown observation choice '{observed}'; choose {', '.join(OBSERVED)}")
    if not np.isfinite(template.nominal_pb).all():
        raise ExportError(
            f"{template.source} ({template.process}): no LO cross section, so no yields for a "
            "standalone workspace; patch an existing one instead (--patch-into WS.json --sample NAME)"
        )
    chosen = choose_band(template, band, calibration)
    kind = _modifier_type(modifier, template.n_bins)
    nominal = template.nominal_pb * lumi_fb * 1000.0
    if not (np.isfinite(nominal).all() and (nominal > 0).all()):
        raise OptionError(
            f"--lumi {lumi_fb:g} fb^-1 gives yields {', '.join(f'{v:g}' for v in nominal)} for "
            f"{template.process}: choose a luminosity that keeps them finite and positive"
        )
    notes: list[str] = list(template.notes)
    if background_pb is None:
        bkg = nominal.copy()
        bkg_name = background_name or PLACEHOLDER_BACKGROUND
        notes.append(
            f"background '{bkg_name}' is a placeholder (the signal's nominal yield in every bin, "
            "s/b = 1): replace it by your own (--background PB)"
        )
    else:
        values = np.atleast_1d(np.asarray(background_pb, dtype=float))
        if values.size == 1:
            values = np.full(template.n_bins, float(values[0]))
        if values.size != template.n_bins or not (np.isfinite(values).all() and (values > 0).all()):
            raise OptionError(
                f"the background needs {template.n_bins} finite positive cross section(s) in pb, "
                f"got {', '.join(f'{v:g}' for v in values)}"
            )
        bkg = values * lumi_fb * 1000.0
        if not np.isfinite(bkg).all():
            raise OptionError(f"--lumi {lumi_fb:g} gives infinite background yields")
        bkg_name = background_name or "background"
    if float(np.max(nominal + bkg)) > LARGE_YIELD:
        notes.append(
            f"{float(np.max(nominal + bkg)):.3g} events in a bin: pyhf's own fits lose precision "
            "at such counts (on the MadGraph p p > j j export, `pyhf cls` with its default "
            "scipy optimizer fails from ~7e7 events, with `--optimizer minuit` at 7e11); "
            "`scaleuq fit-workspace` handles any count; lower --lumi for pyhf's commands"
        )
    if bkg_name == template.process:
        raise OptionError(f"the background cannot be named like the process ('{bkg_name}')")
    up, dn = (
        (chosen.up_rel, chosen.down_rel) if kind == "histosys" else _inclusive(template, chosen)
    )
    name = f"scale_{slug(template.process)}"
    mod = _modifier(name, kind, nominal, up, dn, notes)
    if observed == "nlo":
        if template.nlo_pb is None:
            raise ExportError(
                f"{template.source} ({template.process}): no NLO prediction to observe"
            )
        obs = template.nlo_pb * lumi_fb * 1000.0 + bkg
    else:
        obs = nominal + bkg
    if not np.isfinite(obs).all():
        raise OptionError(f"--lumi {lumi_fb:g} gives infinite observations for {template.process}")
    channel = slug(template.process)
    spec = {
        "channels": [
            {
                "name": channel,
                "samples": [
                    {
                        "name": template.process,
                        "data": [float(v) for v in nominal],
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}, mod],
                    },
                    {"name": bkg_name, "data": [float(v) for v in bkg], "modifiers": []},
                ],
            }
        ],
        "observations": [{"name": channel, "data": [float(v) for v in obs]}],
        "measurements": [
            {
                "name": f"scaleuq band={chosen.band}; {chosen.source}",
                "config": {"poi": "mu", "parameters": []},
            }
        ],
        "version": "1.0.0",
    }
    validate_workspace(spec, f"workspace for {template.process}")
    return ExportResult(
        "workspace", spec, name, kind, template, chosen, lumi_fb, observed, tuple(notes)
    )


def export_patch(
    template: ScaleTemplate,
    workspace: dict[str, Any],
    sample: str,
    *,
    band: str = "reference",
    calibration: CorpusCalibration | None = None,
    modifier: str = "auto",
    where: str = "workspace",
) -> ExportResult:
    """A JSON patch (RFC 6902) adding the scale modifier to ``sample`` in every channel holding it.

    The relative band is applied to the workspace's own nominal yields of that sample; a
    histosys needs the channel to have as many bins as the template. The patched workspace is
    validated with pyhf's schema before the patch is returned.
    """
    import jsonpatch

    validate_workspace(workspace, where)
    chosen = choose_band(template, band, calibration)
    name = f"scale_{slug(template.process)}"
    ops: list[dict[str, Any]] = []
    notes: list[str] = list(template.notes)
    kind = "normsys"
    for ci, channel in enumerate(workspace["channels"]):
        for si, s in enumerate(channel["samples"]):
            if s["name"] != sample:
                continue
            nominal = np.asarray(s["data"], dtype=float)
            kind = _modifier_type(modifier, template.n_bins)
            if kind == "histosys" and nominal.size != template.n_bins:
                raise ExportError(
                    f"{where}: channel '{channel['name']}' has {nominal.size} bins, the template "
                    f"'{template.process}' has {template.n_bins}; use --modifier normsys"
                )
            if any(m["name"] == name for m in s.get("modifiers", [])):
                raise ExportError(
                    f"{where}: sample '{sample}' in channel '{channel['name']}' already has a "
                    f"modifier '{name}'"
                )
            up, dn = (
                (chosen.up_rel, chosen.down_rel)
                if kind == "histosys"
                else _inclusive(template, chosen)
            )
            ops.append(
                {
                    "op": "add",
                    "path": f"/channels/{ci}/samples/{si}/modifiers/-",
                    "value": _modifier(name, kind, nominal, up, dn, notes),
                }
            )
    if not ops:
        samples = sorted({s["name"] for c in workspace["channels"] for s in c["samples"]})
        raise ExportError(f"{where}: no sample '{sample}'; samples: {', '.join(samples)}")
    patched = jsonpatch.apply_patch(copy.deepcopy(workspace), ops)
    validate_workspace(patched, f"{where} after the patch")
    return ExportResult("patch", ops, name, kind, template, chosen, None, None, tuple(notes))


def export_pyhf(
    *,
    tables: tuple[str, ...] | list[str] = (),
    process: str | None = None,
    hwu: str | None = None,
    hwu_nlo: str | None = None,
    histogram: str | None = None,
    lhe: str | None = None,
    lhe_nlo: str | None = None,
    n_final: int | None = None,
    envelope: str = "9-point",
    band: str = "reference",
    modifier: str = "auto",
    lumi_fb: float = DEFAULT_LUMI_FB,
    observed: str = "nominal",
    background_pb: float | list[float] | None = None,
    background_name: str | None = None,
    patch_into: str | None = None,
    sample: str | None = None,
    calibration: CorpusCalibration | None = None,
    corpus: tuple[str, ...] | list[str] = (),
    seed: int = 0,
) -> ExportResult:
    """Build the template from exactly one source and export a workspace or a patch.

    Sources: ``process`` (a row of ``tables``, default the bundled data), ``hwu`` (with
    ``hwu_nlo`` and ``histogram``), or ``lhe`` (with ``lhe_nlo``). With ``patch_into`` (a
    workspace file) and ``sample`` a JSON patch is returned instead of a workspace. The
    reference and calibrated bands use ``calibration``, else the ``corpus`` files (default the
    bundled data) calibrated with ``seed``. pyhf (extra ``fit``), the seed and the luminosity
    are checked before any input is read.
    """
    from scaleuq.stats.fitting import check_seed

    require_pyhf()
    seed = check_seed(seed)
    if not (math.isfinite(lumi_fb) and lumi_fb > 0):
        raise OptionError(f"the luminosity must be a finite positive number, got {lumi_fb}")
    given = [s for s, v in (("--process", process), ("--hwu", hwu), ("--lhe", lhe)) if v]
    if len(given) != 1:
        raise OptionError("give exactly one source: --process NAME, --hwu LO.HwU or --lhe LO.lhe")
    if (patch_into is None) != (sample is None):
        raise OptionError("--patch-into and --sample go together")
    if patch_into is not None and (background_pb is not None or background_name is not None):
        raise OptionError("--background goes with a standalone workspace, not with --patch-into")
    if process:
        if tables:
            from scaleuq.io.tables import read_tables

            table = read_tables(list(tables))
        else:
            from scaleuq.io.datasets import load_bundled

            table = load_bundled("pulls")
        template = template_from_table(table, process)
        if n_final is not None:
            template = ScaleTemplate(**{**template.__dict__, "n_final": n_final})
    elif hwu:
        template = template_from_hwu(
            hwu, hwu_nlo, histogram=histogram, n_final=n_final, points=envelope
        )
    else:
        template = template_from_lhe(lhe, lhe_nlo, envelope=envelope, n_final=n_final)  # type: ignore[arg-type]
    if calibration is None and band != "raw":
        from scaleuq.analysis.recommend import calibration_from_files

        calibration = calibration_from_files(corpus, seed=seed)
    if patch_into is not None:
        spec = load_workspace(patch_into)
        return export_patch(
            template, spec, sample, band=band, calibration=calibration, modifier=modifier,  # type: ignore[arg-type]
            where=str(patch_into),
        )  # fmt: skip
    return export_workspace(
        template, band=band, calibration=calibration, modifier=modifier, lumi_fb=lumi_fb,
        observed=observed, background_pb=background_pb, background_name=background_name,
    )  # fmt: skip
