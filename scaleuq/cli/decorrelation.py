"""``scaleuq decorrelation ...``: the decorrelation-danger study."""

from __future__ import annotations

import sys
from typing import Any

import click

from scaleuq.cli._common import emit, handle_errors, meta


@click.group()
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
    from scaleuq.decorrelation.study import generate_samples

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

    from scaleuq.decorrelation.samples import load_sample
    from scaleuq.decorrelation.study import FULL, QUICK, generate_samples, run_study
    from scaleuq.report.plotting import plot_decorrelation, save_figure
    from scaleuq.report.render import dumps

    config = QUICK if quick else FULL
    config = dataclasses.replace(config, train=dataclasses.replace(config.train, device=device))
    if (signal_path is None) != (background_path is None):
        from scaleuq.errors import OptionError

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
    from scaleuq.report.render import text_table

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
    from scaleuq.decorrelation.lhe_samples import sample_from_lhe

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

    from scaleuq.decorrelation.study import closure
    from scaleuq.report.render import dumps, text_table

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
    from scaleuq.decorrelation.toy import run_toy
    from scaleuq.report.render import text_table

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
