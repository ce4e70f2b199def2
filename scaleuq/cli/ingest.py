"""``scaleuq ingest madgraph|lhe``: MadGraph output to tables."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from scaleuq.choices import TABLE_FORMATS
from scaleuq.cli._common import emit_table, handle_errors, leave_process, meta, quiet
from scaleuq.cli.options import (
    envelope_option,
    format_option,
    jobs_option,
    output_option,
    pdf_method_option,
    scheduler_option,
)


@click.group()
def ingest() -> None:
    """Turn MadGraph output into a scaleuq table (for `scaleuq pulls`)."""


def _progress_for(paths: tuple[str, ...]) -> Any:
    """A progress callback for big event files (> 20 MB on disk), else None."""
    import os

    total = sum(os.path.getsize(p) for p in paths if os.path.isfile(p))
    if total < 20 * 2**20 or quiet():
        return None, None
    bar = click.progressbar(length=total, label="reading events", file=sys.stderr)
    state = {"last": 0}

    def progress(position: int) -> None:
        bar.update(position - state["last"])
        state["last"] = position

    return bar, progress


def table_output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--format`` (csv or json) and ``--output`` of the commands that produce a table."""
    return format_option(TABLE_FORMATS, "csv")(
        output_option("Write the table here (atomically) in --format.")(func)
    )


_PER_RUN_HELP = (
    'Process of runs that name none, in MadGraph syntax ("p p > z j"); a run that names its own '
    'keeps it. Per run: --process "FILE:LINE=p p > z j" names the run whose block starts (or '
    "has a line) at FILE:LINE, as the messages name it (FILE may be given without its folder); "
    "repeatable."
)


_ONE_PROCESS_HELP = (
    'Process of runs that name none, in MadGraph syntax ("p p > z j"); a run that names another '
    "is an error."
)


def process_options(func: Callable[..., Any] | None = None, *, per_run: bool = False) -> Any:
    """``--process``, ``--n-final`` and ``--order`` for outputs that do not say them
    (``per_run``: ``--process`` repeatable, with ``FILE:LINE=PROCESS`` values)."""
    if func is None:
        return lambda f: process_options(f, per_run=per_run)
    options = [
        click.option(
            "--process",
            metavar="[FILE:LINE=]PROCESS" if per_run else "PROCESS",
            multiple=per_run,
            help=_PER_RUN_HELP if per_run else _ONE_PROCESS_HELP,
        ),
        click.option(
            "--n-final",
            type=click.IntRange(1, 99),
            help="Final-state multiplicity of every row, instead of counting it from the process.",
        ),
        click.option(
            "--order",
            type=click.Choice(["lo", "nlo"]),
            help="Order of runs that nothing else decides (no banner, no LO/NLO heading).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _echo_runs(result: Any) -> None:
    for run in result.runs:
        label = f" '{run.label}'" if run.label else ""
        click.echo(f"{run.order:3s} {run.process or '?':30s} {run.source}{label}", err=True)
    for run in result.unused:
        click.echo(f"    (not used) {run.order} {run.process} {run.source}", err=True)
    if result.skipped:
        click.echo(
            f"{len(result.skipped)} file(s) without a result to place (see --details)", err=True
        )


@ingest.command("madgraph")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@table_output_options
@process_options(per_run=True)
@click.option(
    "--pick",
    multiple=True,
    metavar="HEADING|FILE:LINE",
    help="Choose among runs of the same process and order: a heading (exact, else its first "
    "words, else words in it: --pick HT/2 takes 'NLO, HT/2' and 'LO, HT/2'), FILE:LINE or a "
    "file name; repeatable.",
)
@click.option(
    "--no-lhe-weights",
    is_flag=True,
    help="Do not compute scale variations from LHE weights when no systematics summary gives them.",
)
@click.option(
    "--details", is_flag=True, help="Also print every run with its provenance (JSON) on stderr."
)
@handle_errors
def ingest_madgraph(
    paths: tuple[str, ...],
    output: str | None,
    fmt: str,
    process: tuple[str, ...],
    n_final: int | None,
    order: str | None,
    pick: tuple[str, ...],
    no_lhe_weights: bool,
    details: bool,
) -> None:
    """Read MadGraph5_aMC@NLO outputs, whatever their names: folders (scanned recursively),
    logs, summaries, banners, LHE files, notes with pasted run summaries.

    Each run summary block is a run of its own; its order comes from the run (banner, MadEvent
    output), a heading such as `### NLO` right before it, or --order; its process from the
    run (Process line, banner, the `generate` line echoed before it, proc card), else
    --process. LO and NLO runs of the same process become one row (a K factor outside 0.1-10
    is a warning naming both runs; different beam energies refuse the pair). What a run does
    not say is reported on stderr; a file, run or process that fails is named and the others
    are kept (exit status 1).
    """
    from scaleuq.io import madgraph
    from scaleuq.report.render import dumps

    result = madgraph.ingest(
        list(paths), use_lhe_weights=not no_lhe_weights, process=list(process),
        n_final=n_final, order=order, pick=pick,
    )  # fmt: skip
    _echo_runs(result)
    if details:
        click.echo(dumps(result.to_dict()), err=True, nl=False)
    emit_table(
        result, fmt, output,
        meta("ingest madgraph", paths, process=list(process), n_final=n_final, order=order,
             pick=list(pick)),
        result.inputs,
    )  # fmt: skip
    if result.failed:  # the table holds the others' rows; name each failure and exit 1
        for failed in result.failed:
            reason = failed.reason
            where = "" if reason.startswith(failed.path) else f"{failed.path}: "
            click.echo(f"scaleuq: error: {where}{reason} (left out of the table)", err=True)
        sys.exit(1)


@ingest.command("lhe")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@table_output_options
@process_options
@envelope_option
@pdf_method_option
@click.option("--details", is_flag=True, help="Also print each file's variations (JSON) on stderr.")
@jobs_option
@scheduler_option
@handle_errors
def ingest_lhe(
    files: tuple[str, ...],
    output: str | None,
    fmt: str,
    process: str | None,
    n_final: int | None,
    order: str | None,
    envelope: str,
    pdf_method: str,
    details: bool,
    jobs: int | None,
    scheduler: str | None,
) -> None:
    """Table rows from LHE files with scale-variation weights (an LO file, an NLO file, or both).

    Cross sections come from the <init> block; each variation's cross section is the nominal
    one times the ratio of weight sums; envelopes use the points the file has.
    """
    import contextlib

    from scaleuq.io import madgraph
    from scaleuq.report.render import dumps

    bar, progress = _progress_for(files)
    with bar if bar is not None else contextlib.nullcontext():
        result = madgraph.ingest_lhe(
            list(files), pdf_method=pdf_method, envelope=envelope, process=process,
            n_final=n_final, order=order, jobs=jobs, scheduler=scheduler, progress=progress,
        )  # fmt: skip
    for s, run in zip(result.lhe, result.runs, strict=False):
        env = s.envelopes[envelope]
        if len(env.points_used) > 1:
            band = (
                f"{envelope} {100 * env.up_rel:+.3g}% {100 * env.down_rel:+.3g}% from "
                f"{len(env.points_used)} points"
                + (f" (missing {list(env.points_missing)})" if env.points_missing else "")
            )
        else:
            band = "no scale-variation weights"
        group = f" (weight group '{s.scale_group}')" if s.scale_group else ""
        click.echo(
            f"{run.order:3s} {run.process}: {s.n_events} events, sigma = {s.xsec_pb:.6g} pb, "
            f"{band}{group}",
            err=True,
        )
        for note in s.notes:
            if note.startswith(("scale weights from weight group", "PDF members from weight")):
                click.echo(f"    {note}", err=True)
        if details:
            click.echo(dumps(s.to_dict()), err=True, nl=False)
    emit_table(
        result, fmt, output,
        meta("ingest lhe", files, envelope=envelope, pdf_method=pdf_method, process=process,
             n_final=n_final, order=order),
    )  # fmt: skip
    if result.skipped:  # files that failed: the table holds the others; say so and exit 1
        for failed in result.skipped:
            click.echo(f"scaleuq: error: {failed.reason} (file left out of the table)", err=True)
        sys.exit(1)
    leave_process(0)  # the table is written and closed: no interpreter teardown to wait for
