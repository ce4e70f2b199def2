"""Commands that take the result into a user's analysis: recommend, export pyhf, fit-workspace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from scaleuq.choices import (
    BANDS,
    CONSTRAINTS,
    FACTOR_KINDS,
    INTERVAL_METHODS,
    MODIFIERS,
    OBSERVED,
    STAGES,
)
from scaleuq.cli._common import emit, handle_errors, meta
from scaleuq.cli.options import (
    bootstrap_option,
    convention_option,
    envelope_option,
    format_option,
    n_mode_option,
    output_option,
    seed_option,
)


def _corpus_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--corpus",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Table(s) of processes with LO and NLO whose pulls calibrate the band "
        "(default: the bundled data). Repeatable.",
    )(func)


@click.command("recommend")
@click.argument("tables", nargs=-1, type=click.Path(dir_okay=False))
@_corpus_option
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    default="after",
    show_default=True,
    help="Calibrate the reference band (after the correction) or the raw band (before).",
)
@convention_option
@n_mode_option
@bootstrap_option(2000, help="Bootstrap resamples of the calibration factors (0: none).")
@click.option(
    "--factors",
    type=click.Choice(FACTOR_KINDS),
    default="out-of-sample",
    show_default=True,
    help="Calibration factors of the recommended bands: conformal (cover a new process) or the "
    "quantiles of the corpus |t| (cover the corpus itself).",
)
@seed_option
@format_option()
@output_option()
@handle_errors
def recommend(
    tables: tuple[str, ...],
    corpus: tuple[str, ...],
    stage: str,
    convention: str,
    n_mode: str,
    n_bootstrap: int,
    factors: str,
    seed: int,
    fmt: str,
    output: str | None,
) -> None:
    """Raw, reference and recommended (68%, 95%) scale bands for every process, NLO or not."""
    from scaleuq.analysis.recommend import recommend_files
    from scaleuq.report.render_analysis import render_recommendation

    result = recommend_files(
        tables, corpus=corpus, stage=stage, convention=convention, n_mode=n_mode,
        n_bootstrap=n_bootstrap, seed=seed, factors=factors,
    )  # fmt: skip
    info = meta("recommend", tables, corpus=list(corpus), stage=stage, convention=convention,
                n_mode=n_mode, bootstrap=n_bootstrap, factors=factors, seed=seed)  # fmt: skip
    text = render_recommendation(result, fmt, info)
    emit(text, output, inputs=(*tables, *corpus))


@click.group("export")
def export() -> None:
    """Export the scale uncertainty for a likelihood fit."""


@export.command("pyhf")
@click.argument("tables", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--process", help="A process of TABLES (default: of the bundled data).")
@click.option("--hwu", type=click.Path(dir_okay=False), help="LO HwU file (per-bin histosys).")
@click.option("--hwu-nlo", type=click.Path(dir_okay=False), help="Its NLO partner.")
@click.option("--histogram", help="Histogram name in the HwU file(s).")
@click.option("--lhe", type=click.Path(dir_okay=False), help="LO LHE file with scale weights.")
@click.option("--lhe-nlo", type=click.Path(dir_okay=False), help="Its NLO partner.")
@click.option("--n-final", type=click.IntRange(min=1), help="n for the reference band (HwU input).")
@envelope_option
@click.option(
    "--band",
    type=click.Choice(BANDS),
    default="reference",
    show_default=True,
    help="raw LO band, reference band, or calibrated = reference x s68.",
)
@click.option(
    "--modifier",
    type=click.Choice(MODIFIERS),
    default="auto",
    show_default=True,
    help="auto: normsys for one bin, histosys (bin-wise envelope) for several.",
)
@click.option(
    "--lumi",
    "lumi_fb",
    type=float,
    default=1.0,
    show_default=True,
    help="Luminosity in fb^-1 turning cross sections into yields.",
)
@click.option(
    "--observed",
    type=click.Choice(OBSERVED),
    default="nominal",
    show_default=True,
    help="Observations of a standalone workspace: the nominal yields or the NLO prediction.",
)
@click.option(
    "--background",
    "background_pb",
    type=float,
    help="Background cross section in pb (each bin) of the standalone workspace; default a "
    "placeholder sample with the signal's yield (s/b = 1).",
)
@click.option("--background-name", help="Name of the background sample (default: 'background').")
@click.option(
    "--patch-into", type=click.Path(dir_okay=False), help="Write a JSON patch for this workspace."
)
@click.option("--sample", help="The sample of --patch-into that gets the modifier.")
@_corpus_option
@seed_option
@output_option("Write the workspace (or patch) here (atomically) instead of stdout.")
@handle_errors
def export_pyhf_command(
    tables: tuple[str, ...],
    process: str | None,
    hwu: str | None,
    hwu_nlo: str | None,
    histogram: str | None,
    lhe: str | None,
    lhe_nlo: str | None,
    n_final: int | None,
    envelope: str,
    band: str,
    modifier: str,
    lumi_fb: float,
    observed: str,
    background_pb: float | None,
    background_name: str | None,
    patch_into: str | None,
    sample: str | None,
    corpus: tuple[str, ...],
    seed: int,
    output: str | None,
) -> None:
    """A pyhf workspace (or, with --patch-into, a JSON patch) carrying the scale uncertainty."""
    from scaleuq.analysis.export import export_pyhf
    from scaleuq.report.render_analysis import render_export
    from scaleuq.util.jsonio import dumps

    result = export_pyhf(
        tables=tables, process=process, hwu=hwu, hwu_nlo=hwu_nlo, histogram=histogram, lhe=lhe,
        lhe_nlo=lhe_nlo, n_final=n_final, envelope=envelope, band=band, modifier=modifier,
        lumi_fb=lumi_fb, observed=observed, background_pb=background_pb,
        background_name=background_name, patch_into=patch_into, sample=sample,
        corpus=corpus, seed=seed,
    )  # fmt: skip
    inputs = tuple(p for p in (hwu, hwu_nlo, lhe, lhe_nlo, patch_into) if p)
    emit(dumps(result.document), output, inputs=(*tables, *inputs, *corpus))
    click.echo(render_export(result), err=True, nl=False)


@click.command("fit-workspace")
@click.argument("workspace", type=click.Path(dir_okay=False))
@click.option(
    "--constraint",
    "constraints",
    multiple=True,
    type=click.Choice(CONSTRAINTS),
    help="Constraint on the scale nuisances (repeatable; default all four).",
)
@click.option(
    "--band",
    type=click.Choice(BANDS),
    default=None,
    help="The band the workspace's scale nuisances are in units of (default: the band the "
    "workspace records, as `export pyhf` writes it, else reference; a mismatch is an error).",
)
@click.option(
    "--intervals",
    type=click.Choice(INTERVAL_METHODS),
    default="wilks",
    show_default=True,
    help="wilks: Delta(-2lnL) = 1, 3.84; toys: thresholds from pseudo-experiments at the best "
    "fit for the student-t and cauchy constraints (Wilks under-covers for heavy tails).",
)
@click.option(
    "--toys",
    "n_toys",
    type=click.IntRange(min=20),
    default=300,
    show_default=True,
    help="Pseudo-experiments per heavy-tailed constraint (--intervals toys).",
)
@click.option(
    "--nuisance", "nuisances", multiple=True, help="Scale nuisance (default: every 'scale_*')."
)
@click.option("--measurement", help="Measurement of the workspace (default: its first).")
@_corpus_option
@seed_option
@format_option()
@output_option()
@handle_errors
def fit_workspace_command(
    workspace: str,
    constraints: tuple[str, ...],
    band: str | None,
    intervals: str,
    n_toys: int,
    nuisances: tuple[str, ...],
    measurement: str | None,
    corpus: tuple[str, ...],
    seed: int,
    fmt: str,
    output: str | None,
) -> None:
    """mu_hat and its profile-likelihood interval with Gaussian, Student-t or Cauchy scale constraints."""
    from scaleuq.analysis.workspace_fit import fit_workspace
    from scaleuq.report.render_analysis import render_workspace_fit

    result = fit_workspace(
        workspace, constraints=constraints or CONSTRAINTS, band=band,
        nuisances=nuisances or None, measurement=measurement, corpus=corpus, intervals=intervals,
        n_toys=n_toys, seed=seed,
    )  # fmt: skip
    info = meta("fit-workspace", (workspace,), constraints=list(constraints or CONSTRAINTS),
                band=band, intervals=intervals, toys=n_toys, nuisances=list(nuisances),
                measurement=measurement, corpus=list(corpus), seed=seed)  # fmt: skip
    text = render_workspace_fit(result, fmt, info)
    emit(text, output, inputs=(workspace, *corpus))
