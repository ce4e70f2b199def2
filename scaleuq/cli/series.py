"""``scaleuq series dis|figures``, ``validate-covariance`` and ``mhou``: beyond LO -> NLO."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

import click

from scaleuq.choices import ORDERS, PRESCRIPTIONS, SERIES_PDFS
from scaleuq.cli._common import emit, handle_errors, meta, quiet
from scaleuq.cli.options import RegistryChoice, format_option, output_dir_option, output_option


def _orders(value: str) -> tuple[str, ...]:
    from scaleuq.errors import OptionError

    items = tuple(v.strip().lower() for v in value.split(",") if v.strip())
    bad = [v for v in items if v not in ORDERS]
    if bad or not items:
        raise OptionError(f"--orders {value!r}: give a comma list of {', '.join(ORDERS)}")
    return items


def _order_pair(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--to", "to_order", type=click.Choice(ORDERS), default="nnlo",
                        show_default=True, help="The higher order (the shift).")(func)  # fmt: skip
    return click.option("--from", "from_order", type=click.Choice(ORDERS), default="nlo",
                        show_default=True, help="The order whose scale variations build S.")(func)  # fmt: skip


@click.group()
def series() -> None:
    """Perturbative series beyond NLO (DIS structure functions to N3LO)."""


@series.command("dis")
@click.option("--pdf", type=click.Choice(SERIES_PDFS), default="toy", show_default=True,
              help="toy: hoppet's Les Houches benchmark PDF; nnpdf31: NNPDF3.1 NNLO (pythia8mc).")  # fmt: skip
@click.option("--datasets", "datasets", multiple=True, metavar="SET",
              help="NNPDF DIS sets (repeatable or comma list) [default: HERA_NC_318GEV, HERA_CC_318GEV].")  # fmt: skip
@click.option("--orders", default="lo,nlo,nnlo,n3lo", show_default=True, help="Orders to write.")
@click.option(
    "--q2-min", type=float, default=10.0, show_default=True, help="Lowest Q^2 [GeV^2] (>= 10)."
)
@click.option("--nc-q2-max", type=float, default=1000.0, show_default=True,
              help="Highest Q^2 of NC points [GeV^2] (photon exchange only).")  # fmt: skip
@output_option("The long-format CSV to write (atomically).", required=True)
@format_option(("table", "json"))
@handle_errors
def dis(
    pdf: str,
    datasets: tuple[str, ...],
    orders: str,
    q2_min: float,
    nc_q2_max: float,
    output: str,
    fmt: str,
) -> None:
    """Structure functions F2, FL, the NC reduced cross section and CC F2, xF3 per data point,
    order (LO to N3LO) and 9 scale points, with hoppet (extra `series`), into a long CSV that
    `scaleuq pulls --from nlo --to nnlo`, `fit`, `validate-covariance` and `mhou` read."""
    from scaleuq.io.longformat import write_long
    from scaleuq.report.render_series import render_series
    from scaleuq.series.dis import DEFAULT_DATASETS, series_dis

    sets = tuple(s.strip() for d in datasets for s in d.split(",") if s.strip())
    chosen_sets, chosen_orders = sets or DEFAULT_DATASETS, _orders(orders)
    if quiet():
        result = series_dis(pdf=pdf, datasets=chosen_sets, orders=chosen_orders, q2_min=q2_min,
                            nc_q2_max=nc_q2_max)  # fmt: skip
    else:
        with contextlib.ExitStack() as stack:
            bars: list[Any] = []

            def progress(label: str) -> None:
                if not bars:  # opened at the first step: bad options end before any output
                    bars.append(stack.enter_context(click.progressbar(
                        length=18, label="scaleuq series dis", file=sys.stderr, show_eta=False,
                        item_show_func=lambda s: s)))  # fmt: skip
                bar = bars[0]
                if bar.current_item is not None:
                    bar.update(1)
                bar.current_item = label
                bar.render_progress()

            result = series_dis(pdf=pdf, datasets=chosen_sets, orders=chosen_orders,
                                q2_min=q2_min, nc_q2_max=nc_q2_max, progress=progress)  # fmt: skip
            if bars:
                bars[0].update(bars[0].length - bars[0].pos)  # 9 steps when none is below m_b
    write_long(result.table, output)
    click.echo(f"wrote {output}", err=True)
    info = meta("series dis", None, pdf=pdf, datasets=list(chosen_sets), orders=list(chosen_orders),
                q2_min=q2_min, nc_q2_max=nc_q2_max)  # fmt: skip
    info["inputs"] = ["nnpdf_data commondata"]
    emit(render_series(result, fmt, info), None)


@series.command("hwu")
@click.argument("lo_file", type=click.Path(dir_okay=False))
@click.argument("nlo_file", type=click.Path(dir_okay=False), required=False)
@click.option("--histogram", help="One histogram name [default: every name in both].")
@click.option("--dyn", type=int, help="Dynamical-scale choice of the scale columns.")
@output_option("The long-format CSV to write (atomically).", required=True)
@handle_errors
def hwu(
    lo_file: str, nlo_file: str | None, histogram: str | None, dyn: int | None, output: str
) -> None:
    """MadGraph HwU histograms (LO and NLO with scale columns) as a long-format series, for
    `validate-covariance --from lo --to nlo` and `mhou` on histogram bins."""
    from scaleuq.io.longformat import write_long
    from scaleuq.series.hwu import hwu_long

    frame = hwu_long(lo_file, nlo_file, histogram=histogram, dyn=dyn)
    write_long(frame, output)
    click.echo(f"wrote {output} ({frame['point'].nunique()} bins)", err=True)


@series.command("figures")
@click.argument("table", type=click.Path(dir_okay=False))
@output_dir_option("reports/series", help="Folder the figures are written into.")
@_order_pair
@click.option("--prescription", type=click.Choice(PRESCRIPTIONS), default="7", show_default=True)
@click.option("--process-column", default="process_type", show_default=True)
@handle_errors
def figures(
    table: str,
    output_dir: str,
    from_order: str,
    to_order: str,
    prescription: str,
    process_column: str,
) -> None:
    """Figures of a long-format series: pulls per transition, the covariance validation
    (|delta_a| vs s_a; +-sqrt(S_ii) vs delta_i) and the MHOU coverage."""
    from scaleuq.io.longformat import read_long
    from scaleuq.workflows.series import series_figures

    result = series_figures(
        read_long(table), output_dir, from_order=from_order, to_order=to_order,
        prescription=prescription, process_column=process_column, inputs=(table,),
    )  # fmt: skip
    click.echo(f"scaleuq: note: {_CAVEAT}", err=True)
    for path in result.files:
        click.echo(str(path))


_CAVEAT = (
    "the points of one series are correlated (one calculation, one PDF): coverage fractions "
    "are not those of independent processes"
)


@click.command("validate-covariance")
@click.argument("table", type=click.Path(dir_okay=False))
@_order_pair
@click.option("--prescription", type=click.Choice(PRESCRIPTIONS), default="7", show_default=True,
              help="NNPDF point prescription (arXiv:1906.10698).")  # fmt: skip
@click.option("--process-column", default="process_type", show_default=True,
              help="Column of process types (mu_R correlated within one; absent: one type).")  # fmt: skip
@click.option("--eigen-cut", type=float, default=1e-9, show_default=True,
              help="Eigenvalues at or below this fraction of the largest count as zero.")  # fmt: skip
@format_option()
@output_option()
@handle_errors
def validate_covariance(
    table: str,
    from_order: str,
    to_order: str,
    prescription: str,
    process_column: str,
    eigen_cut: float,
    fmt: str,
    output: str | None,
) -> None:
    """NNPDF theory covariance S from the scale variations of --from in TABLE (long format),
    tested on the shift to --to: validphys's theta, efficiency and validation theory chi2 (under
    those names), scaleuq's own fractions, the eigenvalue cut and a stability table over cuts."""
    from scaleuq.io.longformat import read_long
    from scaleuq.pull import covariance
    from scaleuq.report.render_series import render_covariance

    result = covariance.validate_covariance(
        read_long(table), from_order=from_order, to_order=to_order, prescription=prescription,
        process_column=process_column, eigen_cut=eigen_cut,
    )  # fmt: skip
    info = meta("validate-covariance", (table,), from_order=from_order, to_order=to_order,
                prescription=prescription, process_column=process_column,
                eigen_cut=eigen_cut)  # fmt: skip
    emit(render_covariance(result, fmt, info), output, inputs=(table,))


@click.command("mhou")
@click.argument("table", type=click.Path(dir_okay=False))
@click.option("--method", "methods", multiple=True,
              type=RegistryChoice("scaleuq.stats.mhou", "METHODS"),
              help="A registered method (repeatable) [default: the methods marked default: the "
                   "envelopes, ch, ch-scan, geometric, abc; abc-sa3/sa9/sm3/sm9 are MiHO's abc "
                   "averaged or marginalised over 3 or 9 scales].")  # fmt: skip
@format_option()
@output_option()
@handle_errors
def mhou_command(table: str, methods: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Missing-higher-order estimates side by side on a series (long format): scale envelopes,
    Cacciari-Houdeau and a scale-scanned variant, Bonvini's geometric model, MiHO's abc model;
    per point the median and 68%/95% intervals of the true value, and per method and transition
    the coverage of the next order and the calibration factor. CH needs an `alphas` column
    (skipped with a note without it)."""
    from scaleuq.io.longformat import read_long
    from scaleuq.report.render_series import render_mhou
    from scaleuq.stats.mhou import mhou

    result = mhou(read_long(table), methods=methods or None)
    info = meta("mhou", (table,), methods=list(result.methods))
    emit(render_mhou(result, fmt, info), output, inputs=(table,))
    for note in result.notes:
        click.echo(f"scaleuq: note: {note}", err=True)
