"""``scaleuq differential``: bin-by-bin pulls of HwU histograms (parse, one call, render)."""

from __future__ import annotations

import click

from scaleuq.choices import CONVENTIONS, ENVELOPE_NAMES, FORMATS
from scaleuq.cli._common import emit, handle_errors, meta


@click.command("differential")
@click.argument("lo_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("nlo_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--histogram", help="Observable name (title before the first '|') [default: all in both]."
)
@click.option(
    "--convention", type=click.Choice(CONVENTIONS), default="directional", show_default=True
)
@click.option(
    "--envelope",
    type=click.Choice(ENVELOPE_NAMES),
    default="9-point",
    show_default=True,
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False))
@click.option(
    "--figure-dir",
    type=click.Path(file_okay=False),
    help="Also draw each observable's bands and pulls here.",
)
@handle_errors
def differential(
    lo_file: str,
    nlo_file: str | None,
    histogram: str | None,
    convention: str,
    envelope: str,
    fmt: str,
    output: str | None,
    figure_dir: str | None,
) -> None:
    """Bin-by-bin pulls of an observable from LO and NLO HwU histograms (MADatNLO.HwU).

    Give two files (LO run, NLO run) or one file holding TYPE@LO and TYPE@NLO histograms.
    """
    from scaleuq.report.render import render_differential
    from scaleuq.workflows.differential import differential_pulls

    result = differential_pulls(
        lo_file,
        nlo_file,
        histogram=histogram,
        convention=convention,
        envelope=envelope,
        figure_dir=figure_dir,
    )
    for path in result.figures:
        click.echo(f"wrote {path}", err=True)
    info = meta("differential", result.inputs, convention=convention, envelope=envelope)
    emit(render_differential(result, fmt, info), output)
