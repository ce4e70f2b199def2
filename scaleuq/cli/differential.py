"""``scaleuq differential``: bin-by-bin pulls of HwU histograms (parse, one call, render)."""

from __future__ import annotations

import click

from scaleuq.cli._common import emit, handle_errors, meta
from scaleuq.cli.options import (
    convention_option,
    envelope_option,
    format_option,
    output_dir_option,
    output_option,
)


@click.command("differential")
@click.argument("lo_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("nlo_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--histogram", help="Observable name (title before the first '|') [default: all in both]."
)
@convention_option
@envelope_option
@format_option()
@output_option()
@output_dir_option(help="Also draw each observable's bands and pulls here (the old --figure-dir).")
@handle_errors
def differential(
    lo_file: str,
    nlo_file: str | None,
    histogram: str | None,
    convention: str,
    envelope: str,
    fmt: str,
    output: str | None,
    output_dir: str | None,
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
        figure_dir=output_dir,
    )
    for path in result.figures:
        click.echo(f"wrote {path}", err=True)
    info = meta("differential", result.inputs, convention=convention, envelope=envelope)
    emit(render_differential(result, fmt, info), output)
