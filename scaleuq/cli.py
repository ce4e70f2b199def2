"""The ``scaleuq`` command line: parse options, call one library function, write the output.

Heavy modules (numpy, pandas, scipy, matplotlib) are imported inside the commands, so that
``scaleuq --version`` and ``--help`` answer fast.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from ._version import __version__

CONVENTIONS = ("directional", "symmetric", "upper", "lower", "max")
N_MODES = ("final-state", "alphas-power")
FORMATS = ("table", "csv", "json")
MODELS = ("gauss", "student_t", "cauchy", "gauss+cauchy")


def _fail(message: str) -> None:
    click.echo(f"scaleuq: error: {message}", err=True)
    sys.exit(1)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line on stderr and exit status 1 (traceback with --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .errors import ScaleUQError

        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return func(*args, **kwargs)
        except ScaleUQError as exc:
            if debug:
                raise
            _fail(str(exc))
        except (OSError, UnicodeDecodeError) as exc:
            if debug:
                raise
            _fail(f"{exc}".splitlines()[0] if str(exc) else repr(exc))
        except KeyboardInterrupt:
            _fail("interrupted")
        except Exception as exc:  # an internal error: still one line unless --debug
            if debug:
                raise
            _fail(
                f"internal error {type(exc).__name__}: {exc} (rerun with --debug for a traceback)"
            )

    return wrapper


def emit(text: str, output: str | None) -> None:
    """Write to ``output`` atomically, or to stdout."""
    if output:
        from ._io import atomic_write_text

        atomic_write_text(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def pull_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that computes pulls."""
    options = [
        click.argument("tables", nargs=-1, type=click.Path(dir_okay=False)),
        click.option(
            "--convention",
            type=click.Choice(CONVENTIONS),
            default="directional",
            show_default=True,
            help="Which LO variation is Δσ: directional = up if σ_NLO > σ_LO else down "
            "(Ghosh et al.); symmetric = mean; upper; lower; max.",
        ),
        click.option(
            "--include-pdf", is_flag=True, help="Add the LO PDF uncertainty in quadrature."
        ),
        click.option(
            "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
        ),
        click.option(
            "--output",
            "-o",
            type=click.Path(dir_okay=False),
            help="Write here (atomically) instead of stdout.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_input(tables: tuple[str, ...]) -> Any:
    """The user's tables, or every bundled table with LO and NLO information."""
    if tables:
        from .tables import read_tables

        return read_tables(list(tables))
    from .datasets import load_bundled

    return load_bundled("pulls")


def meta(command: str, tables: tuple[str, ...], **options: Any) -> dict[str, Any]:
    """The provenance block put at the top of JSON output."""
    return {
        "command": command,
        "scaleuq_version": __version__,
        "inputs": list(tables) or ["bundled:pulls"],
        "options": options,
    }


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="scaleuq")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr.")
def main(debug: bool, quiet: bool) -> None:
    """How much to trust scale-variation uncertainties: pulls of NLO against LO bands."""
    level = logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="scaleuq: %(levelname)s: %(message)s")


@main.command()
@pull_options
@handle_errors
def pulls(
    tables: tuple[str, ...], convention: str, include_pdf: bool, fmt: str, output: str | None
) -> None:
    """Scale pulls t = (σ_NLO − σ_LO)/Δσ_LO of every process in TABLES.

    With no TABLES, all bundled published processes that have LO and NLO information.
    TABLES may be CSV, TSV, JSON, YAML or text in MadGraph paper notation (see README).
    """
    from .pull import pulls as compute
    from .render import render_pulls

    result = compute(load_input(tables), convention=convention, include_pdf=include_pdf)
    info = meta("pulls", tables, convention=convention, include_pdf=include_pdf)
    emit(render_pulls(result, fmt, info), output)


@main.command("reference-correct")
@pull_options
@click.option(
    "--reference",
    "reference_path",
    type=click.Path(dir_okay=False),
    help="Table of reference processes [default: the bundled QCD table of Ghosh et al.].",
)
@click.option(
    "--reference-select",
    metavar="EXPR",
    help="Take the reference set from the input TABLES with a pandas query, e.g. "
    "\"process_class == 'qcd'\" (shortcut: qcd).",
)
@click.option(
    "--n-mode",
    type=click.Choice(N_MODES),
    default="final-state",
    show_default=True,
    help="Count n as final-state particles (as published) or as the LO power of alpha_s.",
)
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
    from .errors import OptionError
    from .reference import reference_correct as correct
    from .reference import select_reference
    from .render import render_reference

    table = load_input(tables)
    reference = None
    if reference_path and reference_select:
        raise OptionError("give --reference or --reference-select, not both")
    if reference_path:
        from .tables import read_table

        reference = read_table(reference_path)
    elif reference_select:
        reference = select_reference(table, reference_select)
    result = correct(
        table,
        reference=reference,
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
        reference=reference_path or reference_select or "bundled:ghosh2022_qcd_reference",
    )
    emit(render_reference(result, fmt, info), output)


@main.command("fit")
@pull_options
@click.option(
    "--before/--after",
    "before",
    default=True,
    help="Fit the raw pulls (default) or the reference-corrected ones.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(MODELS),
    help="Models to fit (repeatable) [default: all].",
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
@click.option("--n-mode", type=click.Choice(N_MODES), default="final-state", show_default=True)
@handle_errors
def fit_command(
    tables: tuple[str, ...],
    convention: str,
    include_pdf: bool,
    fmt: str,
    output: str | None,
    before: bool,
    models: tuple[str, ...],
    n_bootstrap: int,
    n_gof: int,
    seed: int,
    n_mode: str,
) -> None:
    """Fit the pull distribution: Gaussian, Student-t, Cauchy, Gaussian core + Cauchy tail.

    Unbinned maximum likelihood (iminuit MIGRAD/HESSE/MINOS), bootstrap intervals, AIC/BIC,
    calibrated goodness of fit, coverage with Clopper-Pearson intervals and the inflation
    factors that would make the LO bands cover 68% and 95% of the processes.
    """
    from .render import render_fit
    from .study import fit

    stage = "before" if before else "after"
    study = fit(
        load_input(tables),
        stage=stage,
        convention=convention,
        include_pdf=include_pdf,
        n_mode=n_mode,
        models=models or MODELS,
        n_bootstrap=n_bootstrap,
        n_gof=n_gof,
        seed=seed,
    )
    info = meta(
        "fit",
        tables,
        stage=stage,
        convention=convention,
        include_pdf=include_pdf,
        n_mode=n_mode,
        models=list(models or MODELS),
        n_bootstrap=n_bootstrap,
        n_gof=n_gof,
        seed=seed,
    )
    emit(render_fit(study, fmt, info), output)


@main.command("figures")
@click.argument("tables", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--output-dir", "-d", type=click.Path(file_okay=False), default="reports", show_default=True
)
@click.option(
    "--convention", type=click.Choice(CONVENTIONS), default="directional", show_default=True
)
@click.option("--include-pdf", is_flag=True)
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
    threshold: float,
    n_bootstrap: int,
    n_gof: int,
    seed: int,
) -> None:
    """Regenerate the paper figures (PNG, PDF, JSON sidecars) and a summary into OUTPUT_DIR.

    With no TABLES, the bundled published processes.
    """
    from .report import STEPS, figures

    table = load_input(tables) if tables else None
    quiet = bool(click.get_current_context().find_root().params.get("quiet"))
    options = dict(
        output_dir=output_dir, convention=convention, include_pdf=include_pdf,
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


@main.group()
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
    from .pull import records
    from .render import dumps

    if output:
        from .tables import write_table

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
        "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
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
    from .madgraph import ingest as run_ingest

    table, records = run_ingest(list(paths), use_lhe_weights=not no_lhe_weights)
    for rec in records:
        click.echo(f"{rec.order:3s} {rec.process or '?':30s} {rec.source}", err=True)
    _emit_table(table, fmt, output, meta("ingest madgraph", paths))


@ingest.command("lhe")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@table_output_options
@click.option(
    "--envelope",
    type=click.Choice(["3-point", "7-point", "9-point"]),
    default="9-point",
    show_default=True,
)
@click.option(
    "--pdf-method",
    type=click.Choice(["replicas", "hessian", "none"]),
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
    from .madgraph import ingest_lhe as run_ingest
    from .render import dumps

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


@main.command("differential")
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
    type=click.Choice(["3-point", "7-point", "9-point"]),
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

    from .hwu import differential_pulls, pair_histograms, read_hwu
    from .pull import records
    from .render import dumps, text_table

    pairs = pair_histograms(read_hwu(lo_file), read_hwu(nlo_file) if nlo_file else None, histogram)
    frames = []
    for lo, nlo in pairs:
        frame = differential_pulls(lo, nlo, convention=convention, points=envelope)
        frame.insert(0, "histogram", lo.name)
        frames.append(frame)
        if figure_dir:
            from pathlib import Path

            from .plotting import plot_differential, save_figure

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


@main.group()
def decorrelation() -> None:
    """The decorrelation-danger study (Ghosh & Nachman, arXiv:2109.08159)."""


def _bar_progress(label: str) -> Any:
    state: dict[str, Any] = {}

    def progress(process: str, done: int, total: int) -> None:
        bar = state.get(process)
        if bar is None:
            bar = state[process] = click.progressbar(
                length=total, label=f"{label} {process}", file=sys.stderr
            )
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return progress


@decorrelation.command("generate")
@click.option(
    "--events",
    type=click.IntRange(100),
    default=20000,
    show_default=True,
    help="Generated events per process (before selection); W+jets gets 4x.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--output-dir", "-d", type=click.Path(file_okay=False), default="samples", show_default=True
)
@click.option("--workers", type=click.IntRange(1), help="Processes [default: all cores].")
@handle_errors
def decorrelation_generate(events: int, seed: int, output_dir: str, workers: int | None) -> None:
    """Generate t-channel single top and W+jets with Pythia 8 (reused when already on disk)."""
    from .decorrelation.study import generate_samples

    signal, background, paths = generate_samples(
        events,
        4 * events,
        seed=seed,
        directory=output_dir,
        progress=_bar_progress("generating"),
        workers=workers,
    )
    for sample, path in zip((signal, background), paths, strict=True):
        m = sample.meta
        click.echo(
            f"{path}: {len(sample)} selected of {m['n_generated']} events, sigma = {m['sigma_pb']:.4g} +- {m['sigma_err_pb']:.2g} pb"
        )


@decorrelation.command("run")
@click.option("--quick", is_flag=True, help="Small samples and networks: minutes on a CPU.")
@click.option(
    "--signal",
    "signal_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Your LO signal sample (.npz, see scaleuq.decorrelation.samples).",
)
@click.option(
    "--background",
    "background_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Your LO background sample with scale weights.",
)
@click.option(
    "--nlo-background",
    "nlo_path",
    type=click.Path(exists=True, dir_okay=False),
    help="A real NLO background sample: the distance to it is reported as 'nlo'.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--samples-dir", type=click.Path(file_okay=False), default="samples", show_default=True
)
@click.option(
    "--device", default="cpu", show_default=True, help="torch device (cuda on a GPU machine)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False))
@click.option(
    "--figure-dir", type=click.Path(file_okay=False), default="reports", show_default=True
)
@handle_errors
def decorrelation_run(
    quick: bool,
    signal_path: str | None,
    background_path: str | None,
    nlo_path: str | None,
    seed: int,
    samples_dir: str,
    device: str,
    fmt: str,
    output: str | None,
    figure_dir: str,
) -> None:
    """Scan the adversary strength lambda: LO scale band vs distance to higher order."""
    import dataclasses
    from pathlib import Path

    from .decorrelation.samples import load_sample
    from .decorrelation.study import FULL, QUICK, generate_samples, run_study
    from .plotting import plot_decorrelation, save_figure
    from .render import dumps

    config = QUICK if quick else FULL
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, device=device))
    if (signal_path is None) != (background_path is None):
        from .errors import OptionError

        raise OptionError("give both --signal and --background, or neither")
    if signal_path:
        signal, background = load_sample(signal_path), load_sample(background_path)
    else:
        signal, background, _ = generate_samples(
            config.n_signal,
            config.n_background,
            seed=seed,
            directory=samples_dir,
            progress=_bar_progress("generating"),
        )
    nlo = load_sample(nlo_path) if nlo_path else None
    result = run_study(
        signal,
        background,
        config=config,
        seed=seed,
        nlo_background=nlo,
        progress=lambda m: click.echo(m, err=True),
    )
    info = meta(
        "decorrelation run",
        tuple(p for p in (signal_path, background_path, nlo_path) if p),
        quick=quick,
        seed=seed,
        device=device,
    )
    name = "decorrelation_quick" if quick else "decorrelation"
    paths = save_figure(
        plot_decorrelation(result), Path(figure_dir) / name, {**info, "data": result.to_dict()}
    )
    for p in paths:
        click.echo(f"wrote {p}", err=True)
    if fmt == "json":
        emit(dumps({**info, **result.to_dict()}), output)
        return
    from .render import text_table

    headers = [
        "lambda",
        "AUC",
        "LO band",
        *[f"dist {n}" for n in result.proxies],
        *[f"ratio {n}" for n in result.proxies],
    ]
    rows = [
        [f"{r.lam:g}", f"{r.auc:.3f}", f"{100 * r.bkg_band:.2f}% ± {100 * max(r.bkg_band_std, r.bkg_band_err):.2f}",
         *[f"{100 * r.bkg_distance[n]:.2f}% ± {100 * max(r.bkg_distance_std[n], r.bkg_distance_err.get(n, 0)):.2f}" for n in result.proxies],
         *[f"{r.ratio[n]:.3g}" for n in result.proxies]]
        for r in result.rows
    ]  # fmt: skip
    text = (
        "\n".join(
            [
                f"Decorrelation study ({'quick' if quick else 'full'}): {result.n_train} training / {result.n_test} evaluation events, "
                f"working point: signal efficiency {config.signal_eff:g}; {config.repeats} trainings per lambda "
                f"(± : the larger of their spread and the bootstrap error); {result.seconds:.0f} s on {result.device}",
                "Background efficiency shifts |eps/eps_0 - 1|: LO band over the 9 (k_R, k_F) points; distance to each higher-order reference.",
                "radiation_* = Pythia ISR+FSR muR x2 (lo) / x0.5 (hi) shower weights; kfactor_a* = K = 1 + a (n_jets - 2): PROXIES, not NLO.",
                "",
                text_table(headers, rows, right=set(range(1, len(headers)))),
            ]
        )
        + "\n"
    )
    emit(text, output)


@decorrelation.command("from-lhe")
@click.argument("lhe_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("output", type=click.Path(dir_okay=False))
@click.option("--btag-eff", type=click.FloatRange(0, 1), default=0.7, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@handle_errors
def decorrelation_from_lhe(lhe_file: str, output: str, btag_eff: float, seed: int) -> None:
    """Turn your own LHE file (LO with scale weights, or NLO) into a study sample (.npz).

    Parton-level features; use the outputs with `scaleuq decorrelation run --signal LO_S.npz
    --background LO_B.npz --nlo-background NLO_B.npz`.
    """
    from .decorrelation.lhe_samples import sample_from_lhe

    sample = sample_from_lhe(lhe_file, btag_eff=btag_eff, seed=seed)
    sample.save(output)
    m = sample.meta
    scale = "with 9 scale weights" if sample.variations is not None else "without scale weights"
    click.echo(
        f"{output}: {m['n_selected']} of {m['n_generated']} events ({m['process']}, {m['order']}), {scale}"
    )


@decorrelation.command("closure")
@click.option("--events", type=click.IntRange(100), default=20000, show_default=True)
@click.option("--process", type=click.Choice(["wjets", "single_top"]), multiple=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@handle_errors
def decorrelation_closure(events: int, process: tuple[str, ...], seed: int, fmt: str) -> None:
    """Scale weights vs samples regenerated at the varied scales (hard process only)."""
    from dataclasses import asdict

    from .decorrelation.study import closure
    from .render import dumps, text_table

    results = {p: closure(p, events, seed=seed) for p in (process or ("wjets", "single_top"))}
    if fmt == "json":
        click.echo(dumps({p: [asdict(c) for c in pts] for p, pts in results.items()}), nl=False)
        return
    rows = [
        [p, f"({c.k_r:g}, {c.k_f:g})", f"{c.ratio_weights:.4f} ± {c.ratio_weights_err:.4f}", f"{c.ratio_regenerated:.4f} ± {c.ratio_regenerated_err:.4f}", f"{c.pull:+.2f}"]
        for p, pts in results.items() for c in pts
    ]  # fmt: skip
    click.echo(
        text_table(
            ["process", "(k_R, k_F)", "sigma(k)/sigma(1): weights", "regenerated", "pull"],
            rows,
            right={2, 3, 4},
        )
    )


@decorrelation.command("toy")
@click.option("--events", type=click.IntRange(1000), default=20000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@handle_errors
def decorrelation_toy(events: int, seed: int) -> None:
    """The analytic Gaussian toy: trained band and distance against the closed form."""
    from .decorrelation.toy import run_toy
    from .render import text_table

    rows = [
        [
            f"{r['lam']:g}",
            f"{r['band']:.3f}",
            f"{r['band_closed_form']:.3f}",
            f"{r['distance']:.3f}",
            f"{r['distance_closed_form']:.3f}",
        ]
        for r in run_toy(events, seed=seed)
    ]
    click.echo(
        text_table(
            ["lambda", "band", "closed form", "distance", "closed form"], rows, right={1, 2, 3, 4}
        )
    )


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def datasets(fmt: str) -> None:
    """List the bundled published tables with their sources."""
    from .datasets import DATASETS

    if fmt == "json":
        from .render import dumps

        click.echo(dumps({"datasets": [d.to_dict() for d in DATASETS.values()]}), nl=False)
        return
    for d in DATASETS.values():
        click.echo(f"{d.name}  [{d.role}]\n  {d.title}\n  source: {d.source}\n  file:   {d.path}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
