"""``scaleuq ingest nanoaod``: CMS NanoAOD samples to the scaleuq table (parse, one call, render)."""

from __future__ import annotations

import sys
from typing import Any

import click

from scaleuq.cli._common import emit, emit_table, handle_errors, meta
from scaleuq.cli.options import (
    convention_option,
    envelope_option,
    format_option,
    jobs_option,
    output_option,
    pdf_method_option,
    scheduler_option,
)


def _band(env: Any) -> str:
    return f"+{100 * env.up_rel:.3g}% {100 * env.down_rel:+.3g}%"


def _echo_sample(sample: Any, envelope: str) -> None:
    """What each sample gave, on stderr (stdout carries only the table)."""
    env = sample.envelopes[envelope]
    line = (
        f"{sample.order:3s} {sample.process}: {len(sample.files)} file(s), {sample.n_events} events "
        f"read, genEventSumw {sample.gen_sumw:.6g}; inclusive {envelope} {_band(env)} "
        f"(from {sample.band_from}; {sample.scale.describe()})"
    )
    if sample.pdf_up_rel is not None:
        line += f"; PDF ({sample.pdf_method}, {sample.pdf_members} members) +-{100 * sample.pdf_up_rel:.3g}%"
    click.echo(line, err=True)
    if sample.shower_up_rel is not None:
        click.echo(
            f"    shower (PSWeight, not in the table): +{100 * sample.shower_up_rel:.3g}% "
            f"{100 * sample.shower_down_rel:+.3g}%",
            err=True,
        )
    if sample.fiducial is not None:
        fid = sample.fiducial
        xs = f", {fid.xsec_pb:.6g} pb" if fid.xsec_pb is not None else ""
        click.echo(
            f"    fiducial ({fid.selection}): {fid.n_events} events, fraction {fid.fraction:.4g}"
            f"{xs}; {envelope} {_band(fid.envelopes[envelope])}",
            err=True,
        )
    if sample.bin_bands is not None:
        for row in sample.bin_bands.itertuples():
            click.echo(
                f"    bin [{row.xmin:g}, {row.xmax:g}): {row.value:.4g}  +{100 * row.up_rel:.3g}% "
                f"-{100 * row.dn_rel:.3g}%",
                err=True,
            )


@click.command("nanoaod")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--process", metavar="PROCESS", help='The process, in MadGraph syntax ("p p > z j"); required.'
)
@click.option(
    "--order", type=click.Choice(["lo", "nlo"]), help="Order of FILES (implied lo with --nlo)."
)
@click.option(
    "--xsec", metavar="VALUE[+-ERR]", help="Cross section of FILES in pb (NanoAOD holds none)."
)
@click.option(
    "--nlo",
    "nlo_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A file of the NLO sample (repeatable); FILES are then the LO sample.",
)
@click.option("--nlo-xsec", metavar="VALUE[+-ERR]", help="Cross section of the NLO sample in pb.")
@envelope_option
@pdf_method_option
@click.option(
    "--selection",
    metavar="EXPR",
    help='Fiducial selection over Events branches, e.g. "nJet >= 2 and LHE_Vpt > 100" (the '
    "grammar of --reference-select); the table then holds the fiducial cross section and band.",
)
@click.option("--observable", metavar="BRANCH", help="Per-event branch to bin (e.g. LHE_Vpt).")
@click.option("--bins", metavar="EDGES", help="Bin edges of --observable, e.g. 0,50,100,200,500.")
@convention_option
@click.option(
    "--differential-output",
    type=click.Path(dir_okay=False),
    help="Write the per-bin bands (and pulls, with --nlo) here as CSV (atomically).",
)
@click.option("--n-final", type=click.IntRange(1, 99), help="Final-state multiplicity of the row.")
@format_option(("csv", "json"), "csv")
@output_option("Write the table here (atomically) in --format.")
@jobs_option
@scheduler_option
@click.option(
    "--step-size", default="100 MB", show_default=True,
    help="Events read per chunk (uproot step_size: bytes such as '100 MB' or entries).",
)  # fmt: skip
@handle_errors
def ingest_nanoaod(
    files: tuple[str, ...], process: str | None, order: str | None, xsec: str | None,
    nlo_files: tuple[str, ...], nlo_xsec: str | None, envelope: str, pdf_method: str,
    selection: str | None, observable: str | None, bins: str | None, convention: str,
    differential_output: str | None, n_final: int | None, fmt: str, output: str | None,
    jobs: int | None, scheduler: str | None, step_size: str,
) -> None:  # fmt: skip
    """Scale, PDF and shower bands of CMS NanoAOD samples (inclusive from Runs, fiducial and
    per bin from Events), as a scaleuq table for `scaleuq pulls`, `fit`, `export pyhf`.

    FILES are the files of one sample (combined with their genEventSumw); --nlo gives the
    files of the NLO sample of the same process. The order of the scale weights is read from
    the LHEScaleWeight title; every variation is a ratio to the nominal entry.
    """
    from scaleuq.workflows import nanoaod

    if differential_output and not observable:
        from scaleuq.errors import OptionError

        raise OptionError("--differential-output needs --observable and --bins")

    step: str | int = int(step_size) if step_size.strip().isdigit() else step_size
    result = nanoaod.ingest_nanoaod(
        list(files), process=process, order=order, xsec=xsec, nlo_files=list(nlo_files),
        nlo_xsec=nlo_xsec, envelope=envelope, pdf_method=pdf_method, selection=selection,
        observable=observable, bins=bins, convention=convention, n_final=n_final, jobs=jobs,
        scheduler=scheduler, step_size=step,
    )  # fmt: skip
    for sample in result.nanoaod:
        _echo_sample(sample, envelope)
    if result.differential is not None:
        for row in result.differential.table.itertuples():
            pull = "undefined" if row.pull != row.pull else f"{row.pull:.3g}"
            click.echo(
                f"    pull in [{row.xmin:g}, {row.xmax:g}): K = {row.k_factor:.4g}, t = {pull}",
                err=True,
            )
    info = meta(
        "ingest nanoaod", files + nlo_files, process=process, order=order, xsec=xsec,
        nlo_xsec=nlo_xsec, envelope=envelope, pdf_method=pdf_method, selection=selection,
        observable=observable, bins=bins, convention=convention,
    )  # fmt: skip
    if differential_output:
        emit(_differential_csv(result), differential_output)
    emit_table(result, fmt, output, info)
    if result.skipped:  # files that failed: the table holds the others; say so and exit 1
        for failed in result.skipped:
            click.echo(f"scaleuq: error: {failed.reason} (file left out of the table)", err=True)
        sys.exit(1)


def _differential_csv(result: Any) -> str:
    """Per-bin pulls (``differential``'s columns) or, for one sample, its per-bin bands."""
    if result.differential is not None:
        return result.differential.table.to_csv(index=False, float_format="%.6g")
    import pandas as pd

    frames = [
        s.bin_bands.assign(order=s.order)[["order", *s.bin_bands.columns]]
        for s in result.nanoaod
        if s.bin_bands is not None
    ]
    return pd.concat(frames, ignore_index=True).to_csv(index=False, float_format="%.6g")
