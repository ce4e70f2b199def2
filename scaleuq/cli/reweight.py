"""``scaleuq reweight``: recompute MadGraph-style scale, PDF and alpha_s weights of LO events."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import click

from scaleuq.cli._common import exit_on_failures, handle_errors, quiet
from scaleuq.cli.options import (
    RegistryChoice,
    format_option,
    jobs_option,
    output_dir_option,
    output_option,
    scheduler_option,
)


def _floats(text: str | None, what: str) -> tuple[float, ...]:
    """Comma-separated numbers (an OptionError, one line and exit status 1, when not)."""
    from scaleuq.errors import OptionError

    if text is None or not text.strip():
        return ()
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise OptionError(f"{what}: expected comma-separated numbers, got {text!r}") from None


def _ints(text: str, what: str) -> tuple[int, ...]:
    """Comma-separated integers (an OptionError when not, or when none is given)."""
    from scaleuq.errors import OptionError

    try:
        out = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise OptionError(f"{what}: expected comma-separated integers, got {text!r}") from None
    if not out:
        raise OptionError(f"{what}: give at least one value, got {text!r}")
    return out


@click.command("reweight")
@click.argument("events", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@output_option(
    "Write the events with the new weights here (atomically; gzip if it ends in .gz). One input only."
)
@output_dir_option(
    help="Several inputs: write each output here under its input's file name (same compression).",
    exists=True,
)
@jobs_option
@scheduler_option
@click.option(
    "--pdf",
    "pdf",
    required=True,
    help="PDF set the events were generated with: SET, SET/MEMBER, a path, or an LHAPDF id.",
)
@click.option(
    "--pdf-members",
    type=click.Choice(("central", "all")),
    default="central",
    show_default=True,
    help="all: one weight per member of the set (PDF uncertainty).",
)
@click.option(
    "--other-pdf",
    "other_pdfs",
    multiple=True,
    help="Another set: one weight with its central member (repeatable).",
)
@click.option("--mur", default="0.5,1,2", show_default=True, help="Factors of mu_R.")
@click.option("--muf", default="0.5,1,2", show_default=True, help="Factors of mu_F.")
@click.option(
    "--dyn",
    default=None,
    help="MadGraph dynamical scale choices: -1 as generated, 1 sum E_T, 2 sum m_T, 3 half sum "
    "m_T, 4 sqrt(s-hat). Default: -1,1,2,3,4, less the choices the events leave undefined "
    "(e.g. 1 and 2 for a 2 -> 1 process), each named in a warning.",
)
@click.option(
    "--alphas",
    default=None,
    help="alpha_s(M_Z) values: one weight each (hard-process alpha_s only).",
)
@click.option(
    "--alps", default="1", show_default=True, help="MadGraph's factors of the CKKW alpha_s scales."
)
@click.option(
    "--pdf-path",
    "pdf_path",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Directory to search for PDF sets first (repeatable; then LHAPDF_DATA_PATH, then the grids pythia8mc ships).",
)
@click.option(
    "--pdf-backend",
    type=RegistryChoice("scaleuq.pdf.registry", "PDF_BACKENDS"),
    default="builtin",
    show_default=True,
    help="builtin: scaleuq's numpy reader; lhapdf: the LHAPDF Python module; or a backend "
    "added with scaleuq.register_pdf_backend.",
)
@click.option(
    "--pdf-id",
    type=int,
    default=None,
    help="LHAPDF id of the set's member 0 when it has no .info (default: the file's <init> id).",
)
@click.option(
    "--alphas-mz",
    type=float,
    default=None,
    help="alpha_s(M_Z) for a set without .info (default: from an NNPDF-style name, else 0.118).",
)
@click.option(
    "--alphas-order",
    type=click.IntRange(0, 2),
    default=None,
    help="LHAPDF AlphaS_OrderQCD for a set without .info (0: one loop).",
)
@click.option(
    "--summary",
    is_flag=True,
    help="Print the table row (cross section, envelopes, PDF uncertainty) as `ingest lhe` does; keep no file unless -o is given.",
)
@click.option(
    "--pdf-method",
    type=click.Choice(("replicas", "hessian")),
    default=None,
    help="How members combine in --summary (default: the set's ErrorType).",
)
@format_option(("csv", "json"), "csv")
@handle_errors
def reweight_command(
    events: tuple[str, ...],
    output: str | None,
    output_dir: str | None,
    jobs: int | None,
    scheduler: str | None,
    pdf: str,
    pdf_members: str,
    other_pdfs: tuple[str, ...],
    mur: str,
    muf: str,
    dyn: str | None,
    alphas: str | None,
    alps: str,
    pdf_path: tuple[str, ...],
    pdf_backend: str,
    pdf_id: int | None,
    alphas_mz: float | None,
    alphas_order: int | None,
    summary: bool,
    pdf_method: str | None,
    fmt: str,
) -> None:
    """Recompute the scale, PDF and alpha_s weights of LO event files from their <mgrwt> blocks.

    The file must come from MadEvent with use_syst = True. The weights are computed as
    MadGraph's systematics module does and written as <initrwgt> weight groups and per-event
    <rwgt> entries; everything else in the file is kept. Several files: --output-dir, run
    --jobs at once or on a Dask cluster (--scheduler); a failing file is named and the others
    are kept (exit status 1).
    """
    from scaleuq.options import ReweightOptions
    from scaleuq.workflows.reweight import reweight_workflow

    options = ReweightOptions(
        pdf=pdf, pdf_members=pdf_members, other_pdfs=other_pdfs, mur=_floats(mur, "--mur"),
        muf=_floats(muf, "--muf"), dyn=None if dyn is None else _ints(dyn, "--dyn"),
        alps=_floats(alps, "--alps"), alphas=_floats(alphas, "--alphas"), pdf_path=pdf_path,
        pdf_backend=pdf_backend, pdf_id=pdf_id, alphas_mz=alphas_mz, alphas_order=alphas_order,
        summary=summary, pdf_method=pdf_method,
    )  # fmt: skip
    many = len(events) > 1 or output_dir is not None or scheduler is not None
    size = sum(os.path.getsize(e) for e in events)
    bar: Any = None
    progress = None
    if not many and size > 20 * 2**20 and not quiet():
        bar = click.progressbar(length=size, label="reweighting", file=sys.stderr)
        state = {"last": 0}

        def progress(position: int) -> None:
            bar.update(position - state["last"])
            state["last"] = position

    with bar if bar is not None else contextlib.nullcontext():
        result = reweight_workflow(
            events, options, output=output, output_dir=output_dir, jobs=jobs,
            scheduler=scheduler, progress=progress,
        )  # fmt: skip
    if many:
        _render_many(result, summary, fmt, len(events))
        return
    _report(result)
    if summary and result.table is not None:
        from scaleuq.report.render import dumps

        if fmt == "json":
            click.echo(dumps(result.to_dict()), nl=False)
        else:
            click.echo(
                result.table.drop(columns=["dataset"]).to_csv(index=False, float_format="%.6g"),
                nl=False,
            )


def _render_many(result: Any, summary: bool, fmt: str, n_files: int) -> None:
    """Several files: each file's report line, the summary rows, the failures (exit 1)."""
    for one in result.results:
        _report(one, name=True)
    if summary and result.results:
        import pandas as pd

        from scaleuq.report.render import dumps

        if fmt == "json":
            click.echo(dumps(result.to_dict()), nl=False)
        else:
            tables = [r.table for r in result.results if r.table is not None]
            click.echo(
                pd.concat(tables, ignore_index=True)
                .drop(columns=["dataset"])
                .to_csv(index=False, float_format="%.6g"),
                nl=False,
            )
    exit_on_failures(result.failures, n_files, "the others' outputs are kept")


def _report(result: Any, name: bool = False) -> None:
    if quiet():
        return
    click.echo(
        (f"{result.input}: " if name else "")
        + f"{result.n_events} events, {len(result.weights)} weights "
        f"(ids {result.weights[0].id}-{result.weights[-1].id}) with {result.pdf['name']}"
        + (f", wrote {result.output}" if result.output else "")
        + (
            f"; summary from weight group '{result.summary.scale_group}'"
            if result.summary is not None and result.summary.scale_group
            else ""
        )
        + f" in {result.seconds:.1f} s",
        err=True,
    )
