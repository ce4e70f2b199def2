"""``scaleuq ingest madgraph|lhe`` and ``scaleuq differential``: MadGraph output to tables."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from scaleuq.choices import CONVENTIONS, ENVELOPE_NAMES, FORMATS, PDF_METHODS, TABLE_FORMATS
from scaleuq.cli._common import emit, handle_errors, meta


@click.group()
def ingest() -> None:
    """Turn MadGraph output into a scaleuq table (for `scaleuq pulls`)."""


def _progress_for(paths: tuple[str, ...]) -> Any:
    """A progress callback for big event files (> 20 MB on disk), else None."""
    import os

    total = sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
    if total < 20 * 2**20:
        return None, None
    bar = click.progressbar(length=total, label="reading events", file=sys.stderr)
    state = {"last": 0}

    def progress(position: int) -> None:
        bar.update(position - state["last"])
        state["last"] = position

    return bar, progress


def _emit_table(table: Any, fmt: str, output: str | None, info: dict[str, Any]) -> None:
    from scaleuq.pull.pulls import records
    from scaleuq.report.render import dumps

    if output:
        from scaleuq.io.tables import write_table

        write_table(table, output)
        click.echo(f"wrote {output} ({len(table)} processes)", err=True)
        return
    if fmt == "json":
        click.echo(dumps({**info, "processes": records(table)}), nl=False)
    else:
        click.echo(
            table.drop(columns=["dataset"]).to_csv(index=False, float_format="%.6g"), nl=False
        )


def table_output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--output`` and ``--format`` of the commands that produce a table."""
    func = click.option(
        "--format", "fmt", type=click.Choice(TABLE_FORMATS), default="csv", show_default=True
    )(func)
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False),
        help="Write the table (CSV) here, atomically.",
    )(func)


@ingest.command("madgraph")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@table_output_options
@click.option(
    "--no-lhe-weights",
    is_flag=True,
    help="Do not compute scale variations from LHE weights when there is no parton_systematics.log.",
)
@handle_errors
def ingest_madgraph(
    paths: tuple[str, ...], output: str | None, fmt: str, no_lhe_weights: bool
) -> None:
    """Read MadGraph run directories or files (LO runs, fixed-order NLO summary.txt).

    PATHS may be process directories, Events/run_XX directories or single files. LO and NLO
    runs of the same process become one row. What a file does not say is reported on stderr.
    """
    from scaleuq.io.madgraph import ingest as run_ingest

    table, records = run_ingest(list(paths), use_lhe_weights=not no_lhe_weights)
    for rec in records:
        click.echo(f"{rec.order:3s} {rec.process or '?':30s} {rec.source}", err=True)
    _emit_table(table, fmt, output, meta("ingest madgraph", paths))


@ingest.command("lhe")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@table_output_options
@click.option(
    "--envelope",
    type=click.Choice(ENVELOPE_NAMES),
    default="9-point",
    show_default=True,
)
@click.option(
    "--pdf-method",
    type=click.Choice(PDF_METHODS),
    default="replicas",
    show_default=True,
    help="How the PDF members combine (the file does not say).",
)
@click.option("--details", is_flag=True, help="Also print each file's variations (JSON) on stderr.")
@handle_errors
def ingest_lhe(
    files: tuple[str, ...],
    output: str | None,
    fmt: str,
    envelope: str,
    pdf_method: str,
    details: bool,
) -> None:
    """Table rows from LHE files with scale-variation weights (an LO file, an NLO file, or both).

    Cross sections come from the <init> block; each variation's cross section is the nominal
    one times the ratio of weight sums; envelopes use the points the file has.
    """
    from scaleuq.io.madgraph import ingest_lhe as run_ingest
    from scaleuq.report.render import dumps

    bar, progress = _progress_for(files)
    if bar is None:
        table, summaries = run_ingest(list(files), pdf_method=pdf_method, envelope=envelope)
    else:
        with bar:
            table, summaries = run_ingest(
                list(files), pdf_method=pdf_method, envelope=envelope, progress=progress
            )
    for s in summaries:
        env = s.envelopes[envelope]
        click.echo(
            f"{s.header.order:3s} {s.header.process}: {s.n_events} events, sigma = {s.xsec_pb:.6g} pb, "
            f"{envelope} {100 * env.up_rel:+.3g}% {100 * env.down_rel:+.3g}% from {len(env.points_used)} points"
            + (f" (missing {list(env.points_missing)})" if env.points_missing else ""),
            err=True,
        )
        if details:
            click.echo(dumps(s.to_dict()), err=True, nl=False)
    _emit_table(
        table, fmt, output, meta("ingest lhe", files, envelope=envelope, pdf_method=pdf_method)
    )


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
    import pandas as pd

    from scaleuq.io.hwu import pair_histograms, read_hwu
    from scaleuq.pull.differential import differential_pulls
    from scaleuq.pull.pulls import records
    from scaleuq.report.render import dumps, text_table

    pairs = pair_histograms(read_hwu(lo_file), read_hwu(nlo_file) if nlo_file else None, histogram)
    frames = []
    for lo, nlo in pairs:
        frame = differential_pulls(lo, nlo, convention=convention, points=envelope)
        frame.insert(0, "histogram", lo.name)
        frames.append(frame)
        if figure_dir:
            from pathlib import Path

            from scaleuq.report.plotting import plot_differential, save_figure

            safe = "".join(c if c.isalnum() else "_" for c in lo.name).strip("_") or "histogram"
            data = {"histogram": lo.name, "bins": records(frame)}
            sidecar = {
                **meta(
                    "differential",
                    (lo_file, nlo_file or lo_file),
                    convention=convention,
                    envelope=envelope,
                ),
                "data": data,
            }
            for path in save_figure(
                plot_differential(frame, lo.name),
                Path(figure_dir) / f"differential_{safe}",
                sidecar,
            ):
                click.echo(f"wrote {path}", err=True)
    table = pd.concat(frames, ignore_index=True)
    if fmt == "json":
        text = dumps(
            {
                **meta(
                    "differential",
                    (lo_file, nlo_file or lo_file),
                    convention=convention,
                    envelope=envelope,
                ),
                "bins": records(table),
            }
        )
    elif fmt == "csv":
        text = table.to_csv(index=False, float_format="%.6g")
    else:
        rows = [
            [r.histogram, f"{r.xmin:g}-{r.xmax:g}", f"{r.lo:.4g}", f"+{100 * r.lo_up_rel:.3g}% -{100 * r.lo_dn_rel:.3g}%",
             f"{r.nlo:.4g}", f"{r.k_factor:.3g}", "undef" if r.pull != r.pull else f"{r.pull:.3g}"]
            for r in table.itertuples()
        ]  # fmt: skip
        text = (
            text_table(
                ["histogram", "bin", "LO", "LO scale", "NLO", "K", "pull"],
                rows,
                right={2, 3, 4, 5, 6},
            )
            + "\n"
        )
    emit(text, output)
