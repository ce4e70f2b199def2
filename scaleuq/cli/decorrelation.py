"""``scaleuq decorrelation ...``: the decorrelation-danger study.

Every command that runs Pythia, FastJet, torch or Minuit does so inside
:func:`scaleuq.util.quiet.stdout_to_stderr`, so that stdout carries only the table or JSON; the
library entry points check the extras they need (:func:`scaleuq.decorrelation.api.
require_extras`) before any work; progress bars and lines go to stderr and stop with
``scaleuq --quiet``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from scaleuq.cli._common import emit, exit_on_failures, handle_errors, meta, quiet
from scaleuq.cli.options import (
    RegistryList,
    bootstrap_option,
    format_option,
    jobs_option,
    output_dir_option,
    output_option,
    scheduler_option,
    seed_option,
)


def _say(message: str) -> None:
    """A progress or information line on stderr, unless --quiet."""
    if not quiet():
        click.echo(message, err=True)


@click.group()
def decorrelation() -> None:
    """The decorrelation-danger study (Ghosh & Nachman, arXiv:2109.08159)."""


def _bar_progress(label: str) -> Callable[[str, int, int], None] | None:
    """A progress bar per process on stderr (None with --quiet)."""
    if quiet():
        return None
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
@seed_option
@output_dir_option("samples", help="Folder of the generated samples.")
@jobs_option
@scheduler_option
@format_option(("table", "json"))
@handle_errors
def decorrelation_generate(
    events: int, seed: int, output_dir: str, jobs: int | None, scheduler: str | None, fmt: str,
) -> None:  # fmt: skip
    """Generate t-channel single top and W+jets with Pythia 8 (reused when already on disk).

    The events are generated in chunks of 1,000 with seeds fixed by --seed: --jobs N
    processes, or one task per chunk on a Dask cluster (--scheduler), give the same samples as
    one process.
    """
    from scaleuq.decorrelation import api
    from scaleuq.util.quiet import stdout_to_stderr

    with stdout_to_stderr():
        generated = api.decorrelation_generate(
            events, seed=seed, directory=output_dir, workers=jobs,
            scheduler=scheduler, progress=_bar_progress("generating"),
        )  # fmt: skip
    summary = generated.to_dict()["samples"]
    if fmt == "json":
        from scaleuq.report.render import dumps

        info = meta(
            "decorrelation generate", None, events=events, seed=seed, output_dir=output_dir,
            jobs=jobs, scheduler=scheduler,
        )  # fmt: skip
        click.echo(dumps({**info, "samples": summary}), nl=False)
        return
    for row in summary:
        click.echo(
            f"{row['path']}: {row['n_selected']} selected of {row['n_generated']} events, "
            f"sigma = {row['sigma_pb']:.4g} +- {row['sigma_err_pb']:.2g} pb"
        )


@decorrelation.command("run")
@click.option(
    "--quick",
    "size",
    flag_value="quick",
    default=True,
    help="Small samples and networks (a few minutes on 2 cores) [default].",
)
@click.option(
    "--medium",
    "size",
    flag_value="medium",
    help="30k + 120k generated events, the full networks, 5 trainings per row, the smallest and "
    "largest lambda of each scan (about 40 min of generation on 2 busy cores, then about 20 min).",
)
@click.option(
    "--full",
    "size",
    flag_value="full",
    help="50k + 200k generated events, 5 trainings per row (about an hour of generation on 2 "
    "cores, then about 30 min; --jobs or --scheduler spread the generation).",
)
@click.option(
    "--methods",
    type=RegistryList("scaleuq.decorrelation.methods", "METHODS"),
    default="baseline,adversarial,disco,aware",
    show_default=True,
    help="Comma-separated decorrelation methods (any registered one).",
)
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
    help="A real NLO background sample: the distance and pull to it are reported as 'nlo'.",
)
@seed_option
@click.option(
    "--samples-dir",
    type=click.Path(file_okay=False),
    help="Cache of generated samples [default: OUTPUT_DIR/samples with --output-dir, else ./samples].",
)
@click.option(
    "--device", default="cpu", show_default=True, help="torch device (cuda on a GPU machine)."
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="torch intra-op threads (one is fastest for these small networks on a busy machine).",
)
@jobs_option
@scheduler_option
@format_option(("table", "json"))
@output_option("Write the table/JSON here (atomically) instead of stdout.")
@output_dir_option(
    help="Write the figure decorrelation_<size>.{png,pdf,json} here (nothing is drawn without "
    "it; the old --figure-dir)."
)
@handle_errors
def decorrelation_run(
    size: str, methods: tuple[str, ...], signal_path: str | None, background_path: str | None,
    nlo_path: str | None, seed: int, samples_dir: str | None, device: str, threads: int,
    jobs: int | None, scheduler: str | None, fmt: str, output: str | None,
    output_dir: str | None,
) -> None:  # fmt: skip
    """Train each method (and strength lambda): LO scale band, distance to higher order, and the
    profile-likelihood verdict (sigma_mu and the pull on higher-order data).

    The quick run is the default; --medium and --full are the long ones (the expected time is
    printed on stderr before they start). Paths in the JSON are as given on the command line.
    """
    import os
    from pathlib import Path

    from scaleuq.decorrelation.api import run_decorrelation
    from scaleuq.decorrelation.study import SIZES, expected_seconds, sample_path
    from scaleuq.util.quiet import stdout_to_stderr

    figures = output_dir
    cache = samples_dir or (str(Path(output_dir) / "samples") if output_dir else "samples")
    processes = jobs
    if size in SIZES:
        from scaleuq.decorrelation.generate import GenConfig

        config = SIZES[size]
        cached = signal_path is not None or all(
            sample_path(Path(cache), p, n, seed, GenConfig()).is_file()
            for p, n in (("single_top", config.n_signal), ("wjets", config.n_background))
        )
        n_proc = processes or os.cpu_count() or 1
        gen_s, study_s = expected_seconds(
            config, methods=methods, generate=not cached, workers=1 if scheduler else n_proc
        )
        where = f"one task per chunk on {scheduler}" if scheduler else f"{n_proc} process(es)"
        gen_text = (
            "samples cached" if cached
            else f"generation about {gen_s / 60:.0f} min at one free core per process, {where}"
        )  # fmt: skip
        _say(
            f"decorrelation run --{size}: expected about {(gen_s + study_s) / 60:.0f} min on an "
            f"unloaded machine ({gen_text}; study about {study_s / 60:.0f} min)"
        )
    with stdout_to_stderr():
        run = run_decorrelation(
            size=size, methods=methods,
            signal=signal_path, background=background_path, nlo_background=nlo_path,
            samples_dir=cache, seed=seed, device=device, threads=threads, workers=processes,
            scheduler=scheduler, progress=None if quiet() else (lambda m: click.echo(m, err=True)),
            generation_progress=_bar_progress("generating"),
        )  # fmt: skip
    info = meta(
        "decorrelation run", run.inputs, size=size, methods=",".join(methods), seed=seed,
        device=device, threads=threads, jobs=jobs, scheduler=scheduler, samples_dir=cache,
        output_dir=figures,
    )  # fmt: skip
    payload = {**info, **run.to_dict()}
    if figures:
        from scaleuq.report.plot_decorrelation import save_decorrelation

        with stdout_to_stderr():
            written = save_decorrelation(
                run.result, Path(figures) / f"decorrelation_{size}", payload
            )
        for p in written:
            _say(f"wrote {p}")
    if fmt == "json":
        from scaleuq.report.render import dumps

        emit(dumps(payload), output)
        return
    from scaleuq.report.render_decorrelation import render_run

    emit(render_run(run), output)


@decorrelation.command("from-lhe")
@click.argument("files", nargs=-1, required=True, type=str)
@output_option(
    "The sample (.npz). Without -o the last argument is the output (the old two-argument form)."
)
@click.option("--btag-eff", type=click.FloatRange(0, 1), default=0.7, show_default=True)
@seed_option
@jobs_option
@scheduler_option
@handle_errors
def decorrelation_from_lhe(
    files: tuple[str, ...],
    output: str | None,
    btag_eff: float,
    seed: int,
    jobs: int | None,
    scheduler: str | None,
) -> None:
    """Turn your own LHE files (LO with scale weights, or NLO) into a study sample (.npz).

    FILES: one or more files of ONE process and order (e.g. the runs of a grid production),
    merged into one sample; `from-lhe A.lhe.gz B.lhe.gz -o OUT.npz` (or the old form
    `from-lhe LHE_FILE OUTPUT`). A file that fails is named and the others are kept (exit
    status 1). Parton-level features; use the outputs with `scaleuq decorrelation run
    --signal LO_S.npz --background LO_B.npz --nlo-background NLO_B.npz`.
    """
    import os

    from scaleuq.decorrelation.lhe_samples import samples_from_lhe
    from scaleuq.errors import LHEError, OptionError
    from scaleuq.util.paths import check_output, declared_inputs

    # FILES is a plain string argument (its last value may be the output of the old form), so
    # the inputs are declared here rather than by handle_errors
    if output is None:  # the old form LHE_FILE OUTPUT: exactly two, the second not an LHE file
        if len(files) != 2 or files[1].endswith((".lhe", ".lhe.gz")):
            raise OptionError("give the output sample with -o OUT.npz")
        files, output = files[:1], files[1]
    for path in files:
        if not os.path.isfile(path):
            raise LHEError(f"{path}: no such file")
    check_output(output, inputs=files)  # refuse before any work
    result = samples_from_lhe(files, btag_eff=btag_eff, seed=seed, jobs=jobs, scheduler=scheduler)
    sample = result.sample
    assert sample is not None  # every file failing raises
    with declared_inputs(files):
        sample.save(output)
    m = sample.meta
    scale = "with 9 scale weights" if sample.variations is not None else "without scale weights"
    many = f" from {len(result.paths)} files" if len(result.paths) > 1 else ""
    click.echo(
        f"{output}: {m['n_selected']} of {m['n_generated']} events{many} ({m['process']}, {m['order']}), {scale}"
    )
    exit_on_failures(result.failures, len(files), "the sample has the others")


@decorrelation.command("closure")
@click.option("--events", type=click.IntRange(100), default=20000, show_default=True)
@click.option("--process", type=click.Choice(["wjets", "single_top"]), multiple=True)
@seed_option
@format_option(("table", "json"))
@handle_errors
def decorrelation_closure(events: int, process: tuple[str, ...], seed: int, fmt: str) -> None:
    """Scale weights vs samples regenerated at the varied scales (hard process only)."""
    from scaleuq.decorrelation import api
    from scaleuq.util.quiet import stdout_to_stderr

    with stdout_to_stderr():
        result = api.decorrelation_closure(
            process or ("wjets", "single_top"), n_events=events, seed=seed
        )
    if fmt == "json":
        from scaleuq.report.render import dumps

        click.echo(
            dumps(
                {
                    **meta("decorrelation closure", None, events=events, seed=seed),
                    **result.to_dict(),
                }
            ),
            nl=False,
        )
        return
    from scaleuq.report.render_decorrelation import render_closure

    click.echo(render_closure(result), nl=False)


@decorrelation.command("toy")
@click.option("--events", type=click.IntRange(1000), default=20000, show_default=True)
@seed_option
@bootstrap_option(0, help="Also check the bootstrap errors on this many independent samples.")
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="torch intra-op threads.",
)
@format_option(("table", "json"))
@handle_errors
def decorrelation_toy(events: int, seed: int, n_bootstrap: int, threads: int, fmt: str) -> None:
    """The analytic Gaussian toy: trained band and distance against the closed form."""
    from scaleuq.decorrelation import api
    from scaleuq.util.quiet import stdout_to_stderr

    with stdout_to_stderr():
        result = api.decorrelation_toy(
            events, seed=seed, threads=threads, bootstrap_trials=n_bootstrap
        )
    if fmt == "json":
        from scaleuq.report.render import dumps

        click.echo(
            dumps(
                {**meta("decorrelation toy", None, events=events, seed=seed), **result.to_dict()}
            ),
            nl=False,
        )
        return
    from scaleuq.report.render_decorrelation import render_toy

    click.echo(render_toy(result), nl=False)
