"""``scaleuq pulls``, ``reference-correct``, ``fit``, ``figures`` and ``datasets``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from scaleuq.choices import CONVENTIONS, ORDERS
from scaleuq.cli._common import (
    ModelChoice,
    emit,
    handle_errors,
    load_input,
    meta,
    pull_options,
    reference_options,
)


def _order_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--from``/``--to``: the orders compared (default LO -> NLO; see ``scaleuq series``)."""
    func = click.option(
        "--to", "to_order", type=click.Choice(ORDERS), default="nlo", show_default=True,
        help="The higher order, compared with the band of --from.",
    )(func)  # fmt: skip
    return click.option(
        "--from", "from_order", type=click.Choice(ORDERS), default="lo", show_default=True,
        help="The order whose scale band is tested.",
    )(func)  # fmt: skip


def _reference_label(reference_path: str | None, reference_select: str | None) -> str:
    from scaleuq.pull.reference import reference_label

    return reference_label(reference_path, reference_select)


@click.command()
@pull_options
@_order_options
@handle_errors
def pulls(
    tables: tuple[str, ...],
    convention: str,
    include_pdf: bool,
    fmt: str,
    output: str | None,
    from_order: str,
    to_order: str,
) -> None:
    """Scale pulls t = (σ_NLO − σ_LO)/Δσ_LO of every process in TABLES.

    With no TABLES, all bundled published processes that have LO and NLO information.
    TABLES may be CSV, TSV, JSON, YAML or text in MadGraph paper notation (see README).
    """
    from scaleuq.pull.pulls import pulls as compute
    from scaleuq.report.render import render_pulls

    result = compute(
        load_input(tables), convention=convention, include_pdf=include_pdf,
        from_order=from_order, to_order=to_order,
    )  # fmt: skip
    info = meta(
        "pulls", tables, convention=convention, include_pdf=include_pdf,
        from_order=from_order, to_order=to_order,
    )  # fmt: skip
    emit(render_pulls(result, fmt, info), output, inputs=tables)


@click.command("reference-correct")
@pull_options
@reference_options
@click.option(
    "--threshold",
    type=float,
    default=3.0,
    show_default=True,
    help="Flag processes with |t_ref| above this.",
)
@handle_errors
def reference_correct(
    tables: tuple[str, ...],
    convention: str,
    include_pdf: bool,
    fmt: str,
    output: str | None,
    reference_path: str | None,
    reference_select: str | None,
    n_mode: str,
    threshold: float,
) -> None:
    """Tilman Plehn's reference-process correction: Δσ_ref/σ₀ = n·<Δσ/(nσ₀)>_QCD.

    Prints the pulls before and after, the reference averages and the processes that stay in
    the tail.
    """
    from scaleuq.pull.reference import reference_correct as correct
    from scaleuq.report.render import render_reference

    result = correct(
        load_input(tables),
        reference=reference_path,
        reference_select=reference_select,
        convention=convention,
        include_pdf=include_pdf,
        n_mode=n_mode,
        threshold=threshold,
    )
    info = meta(
        "reference-correct",
        tables,
        convention=convention,
        include_pdf=include_pdf,
        n_mode=n_mode,
        threshold=threshold,
        reference=_reference_label(reference_path, reference_select),
    )
    emit(render_reference(result, fmt, info), output, inputs=tables)


@click.command("fit")
@pull_options
@click.option(
    "--before/--after",
    "before",
    default=True,
    help="Fit the raw pulls (default; no reference correction is computed) or the "
    "reference-corrected ones.",
)
@reference_options
@click.option(
    "--model",
    "models",
    multiple=True,
    type=ModelChoice(),
    help="Models to fit (repeatable) [default: every registered model].",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(0),
    default=2000,
    show_default=True,
    help="Bootstrap resamples.",
)
@click.option(
    "--gof-samples",
    "n_gof",
    type=click.IntRange(0),
    default=1000,
    show_default=True,
    help="Parametric-bootstrap samples for the goodness-of-fit p-values.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random step.")
@_order_options
@handle_errors
def fit_command(
    tables: tuple[str, ...],
    convention: str,
    include_pdf: bool,
    fmt: str,
    output: str | None,
    before: bool,
    reference_path: str | None,
    reference_select: str | None,
    n_mode: str,
    models: tuple[str, ...],
    n_bootstrap: int,
    n_gof: int,
    seed: int,
    from_order: str,
    to_order: str,
) -> None:
    """Fit the pull distribution with every registered model (by default: Gaussian, Student-t,
    Cauchy, Gaussian core + Cauchy tail).

    Unbinned maximum likelihood (iminuit MIGRAD/HESSE/MINOS), bootstrap intervals, AIC/BIC,
    calibrated goodness of fit, coverage with Clopper-Pearson intervals and the inflation
    factors that would make the LO bands cover 68% and 95% of the processes. The reference
    options (--reference, --reference-select, --n-mode) apply to --after only.
    """
    from scaleuq.report.render import render_fit
    from scaleuq.stats.study import fit

    stage = "before" if before else "after"
    study = fit(
        load_input(tables),
        stage=stage,
        convention=convention,
        include_pdf=include_pdf,
        reference=reference_path,
        reference_select=reference_select,
        n_mode=n_mode,
        models=models or None,
        n_bootstrap=n_bootstrap,
        n_gof=n_gof,
        seed=seed,
        from_order=from_order,
        to_order=to_order,
    )
    if study.caveat:
        click.echo(f"scaleuq: note: {study.caveat}", err=True)
    info = meta(
        "fit",
        tables,
        stage=stage,
        convention=convention,
        include_pdf=include_pdf,
        n_mode=n_mode,
        reference=_reference_label(reference_path, reference_select) if not before else None,
        models=[f.model for f in study.fits],
        n_bootstrap=n_bootstrap,
        n_gof=n_gof,
        seed=seed,
        from_order=from_order,
        to_order=to_order,
    )
    emit(render_fit(study, fmt, info), output, inputs=tables)


@click.command("figures")
@click.argument("tables", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--output-dir", "-d", type=click.Path(file_okay=False), default="reports", show_default=True
)
@click.option(
    "--convention", type=click.Choice(CONVENTIONS), default="directional", show_default=True
)
@click.option("--include-pdf", is_flag=True)
@reference_options
@click.option("--threshold", type=float, default=3.0, show_default=True)
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--gof-samples", "n_gof", type=click.IntRange(0), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@handle_errors
def figures_command(
    tables: tuple[str, ...],
    output_dir: str,
    convention: str,
    include_pdf: bool,
    reference_path: str | None,
    reference_select: str | None,
    n_mode: str,
    threshold: float,
    n_bootstrap: int,
    n_gof: int,
    seed: int,
) -> None:
    """Regenerate the paper figures (PNG, PDF, JSON sidecars) and a summary into OUTPUT_DIR.

    With no TABLES, the bundled published processes.
    """
    from scaleuq.report.figures import STEPS, figures

    table = load_input(tables) if tables else None
    quiet = bool(click.get_current_context().find_root().params.get("quiet"))
    options = dict(
        output_dir=output_dir, convention=convention, include_pdf=include_pdf,
        reference=reference_path, reference_select=reference_select, n_mode=n_mode,
        threshold=threshold, n_bootstrap=n_bootstrap, n_gof=n_gof, seed=seed,
        inputs=list(tables) or None,
    )  # fmt: skip
    if quiet:
        result = figures(table, **options)
    else:
        with click.progressbar(
            length=len(STEPS), label="scaleuq figures", file=sys.stderr, show_eta=False,
            item_show_func=lambda s: s,
        ) as bar:  # fmt: skip

            def progress(name: str) -> None:
                if bar.current_item is not None:
                    bar.update(1)
                bar.current_item = name
                bar.render_progress()

            result = figures(table, progress=progress, **options)
            bar.update(1)
    for path in result.files:
        click.echo(str(path))


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def datasets(fmt: str) -> None:
    """List the bundled published tables with their sources."""
    from scaleuq.io.datasets import DATASETS

    if fmt == "json":
        from scaleuq.report.render import dumps

        click.echo(dumps({"datasets": [d.to_dict() for d in DATASETS.values()]}), nl=False)
        return
    for d in DATASETS.values():
        click.echo(f"{d.name}  [{d.role}]\n  {d.title}\n  source: {d.source}\n  file:   {d.path}\n")
