"""``scaleuq pulls``, ``reference-correct``, ``fit``, ``figures`` and ``datasets``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from scaleuq.choices import STAGES
from scaleuq.cli._common import emit, handle_errors, meta, quiet
from scaleuq.cli.options import (
    RegistryChoice,
    bootstrap_option,
    format_option,
    gof_option,
    output_dir_option,
    output_option,
    pull_options,
    seed_option,
    tables_argument,
    threshold_option,
)

if TYPE_CHECKING:
    from scaleuq.options import PullOptions


def _reference_label(options: PullOptions) -> str:
    from scaleuq.pull.reference import reference_label

    return reference_label(options.reference, options.reference_select)


@click.command()
@handle_errors
@tables_argument
@pull_options()
@format_option()
@output_option()
def pulls(
    tables: tuple[str, ...],
    table_format: str | None,
    options: PullOptions,
    fmt: str,
    output: str | None,
) -> None:
    """Scale pulls t = (σ_NLO − σ_LO)/Δσ_LO of every process in TABLES.

    With no TABLES, all bundled published processes that have LO and NLO information.
    TABLES may be CSV, TSV, JSON, YAML or text in MadGraph paper notation (see README).
    """
    from scaleuq.report.render import render_pulls
    from scaleuq.workflows.core import pulls_workflow

    result = pulls_workflow(tables, options, table_format=table_format)
    info = meta(
        "pulls", tables, convention=options.convention, include_pdf=options.include_pdf,
        from_order=options.from_order, to_order=options.to_order,
    )  # fmt: skip
    emit(render_pulls(result, fmt, info), output, inputs=tables)


@click.command("reference-correct")
@handle_errors
@tables_argument
@pull_options(reference=True)
@format_option()
@output_option()
@threshold_option
def reference_correct(
    tables: tuple[str, ...],
    table_format: str | None,
    options: PullOptions,
    fmt: str,
    output: str | None,
    threshold: float,
) -> None:
    """Tilman Plehn's reference-process correction: Δσ_ref/σ₀ = n·<Δσ/(nσ₀)>_QCD.

    Prints the pulls before and after, the reference averages and the processes that stay in
    the tail.
    """
    from scaleuq.report.render import render_reference
    from scaleuq.workflows.core import reference_workflow

    result = reference_workflow(tables, options, threshold=threshold, table_format=table_format)
    info = meta(
        "reference-correct",
        tables,
        convention=options.convention,
        include_pdf=options.include_pdf,
        n_mode=options.n_mode,
        threshold=threshold,
        reference=_reference_label(options),
    )
    emit(render_reference(result, fmt, info), output, inputs=tables)


@click.command("fit")
@handle_errors
@tables_argument
@pull_options(reference=True)
@format_option()
@output_option()
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    default="before",
    show_default=True,
    help="Fit the raw pulls (before; no reference correction is computed) or the "
    "reference-corrected ones (after). The old --before/--after still work.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=RegistryChoice("scaleuq.stats.models", "MODELS"),
    help="Models to fit (repeatable) [default: every registered model].",
)
@bootstrap_option(2000)
@gof_option(1000)
@seed_option
def fit_command(
    tables: tuple[str, ...],
    table_format: str | None,
    options: PullOptions,
    fmt: str,
    output: str | None,
    stage: str,
    models: tuple[str, ...],
    n_bootstrap: int,
    n_gof: int,
    seed: int,
) -> None:
    """Fit the pull distribution with every registered model (by default: Gaussian, Student-t,
    Cauchy, Gaussian core + Cauchy tail).

    Unbinned maximum likelihood (iminuit MIGRAD/HESSE/MINOS), bootstrap intervals, AIC/BIC,
    calibrated goodness of fit, coverage with Clopper-Pearson intervals and the inflation
    factors that would make the LO bands cover 68% and 95% of the processes. The reference
    options (--reference, --reference-select, --n-mode) apply to --stage after only.
    """
    from scaleuq.report.render import render_fit
    from scaleuq.workflows.core import fit_workflow

    study = fit_workflow(
        tables, options, stage=stage, models=models, n_bootstrap=n_bootstrap, n_gof=n_gof,
        seed=seed, table_format=table_format,
    )  # fmt: skip
    if study.caveat:
        click.echo(f"scaleuq: note: {study.caveat}", err=True)
    info = meta(
        "fit",
        tables,
        stage=stage,
        convention=options.convention,
        include_pdf=options.include_pdf,
        n_mode=options.n_mode,
        reference=_reference_label(options) if stage == "after" else None,
        models=[f.model for f in study.fits],
        n_bootstrap=n_bootstrap,
        n_gof=n_gof,
        seed=seed,
        from_order=options.from_order,
        to_order=options.to_order,
    )
    emit(render_fit(study, fmt, info), output, inputs=tables)


@click.command("figures")
@handle_errors
@tables_argument
@output_dir_option("reports", help="Folder the report is written into.")
@pull_options(reference=True)
@threshold_option
@bootstrap_option(2000)
@gof_option(1000)
@seed_option
def figures_command(
    tables: tuple[str, ...],
    table_format: str | None,
    output_dir: str,
    options: PullOptions,
    threshold: float,
    n_bootstrap: int,
    n_gof: int,
    seed: int,
) -> None:
    """Regenerate the paper figures (PNG, PDF, JSON sidecars) and a summary into OUTPUT_DIR.

    With no TABLES, the bundled published processes.
    """
    from scaleuq.workflows.core import load_tables
    from scaleuq.workflows.figures import STEPS, figures

    if (options.from_order, options.to_order) != ("lo", "nlo"):
        from scaleuq.errors import OptionError

        raise OptionError("figures compares LO with NLO; --from/--to are for pulls and fit")

    def run(progress: Any = None) -> Any:
        return figures(
            load_tables(tables, table_format) if tables else None,
            output_dir=output_dir, convention=options.convention,
            include_pdf=options.include_pdf, reference=options.reference,
            reference_select=options.reference_select, n_mode=options.n_mode,
            threshold=threshold, n_bootstrap=n_bootstrap, n_gof=n_gof, seed=seed,
            inputs=list(tables) or None, progress=progress,
        )  # fmt: skip

    if quiet():
        result = run()
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

            result = run(progress)
            bar.update(1)
    for path in result.files:
        click.echo(str(path))


@click.command()
@format_option(("table", "json"))
def datasets(fmt: str) -> None:
    """List the bundled published tables with their sources."""
    from scaleuq.io.datasets import DATASETS

    if fmt == "json":
        from scaleuq.report.render import dumps

        click.echo(dumps({"datasets": [d.to_dict() for d in DATASETS.values()]}), nl=False)
        return
    for d in DATASETS.values():
        click.echo(f"{d.name}  [{d.role}]\n  {d.title}\n  source: {d.source}\n  file:   {d.path}\n")
