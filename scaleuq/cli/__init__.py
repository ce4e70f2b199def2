"""The ``scaleuq`` command line: parse options, call one library function, write the output.

Each command family lives in its own module and is attached here with ``add_command``; the
modules never import this one, so imports run one way. Heavy modules (numpy, pandas, scipy,
matplotlib) are imported inside the commands, so that ``scaleuq --version`` answers fast.
"""

from __future__ import annotations

import logging

import click

from scaleuq._version import __version__
from scaleuq.cli import analysis, core, series
from scaleuq.cli.decorrelation import decorrelation
from scaleuq.cli.differential import differential
from scaleuq.cli.ingest import ingest
from scaleuq.cli.nanoaod import ingest_nanoaod
from scaleuq.cli.reweight import reweight_command

__all__ = ["main"]

#: Flags of the ``scaleuq`` group that are accepted anywhere on the command line.
GLOBAL_FLAGS = frozenset({"--debug", "--quiet", "-q"})
#: Old spellings that expand to several words (the others are in :mod:`scaleuq.cli.options`).
_EXPAND = {"--before": ("--stage", "before"), "--after": ("--stage", "after")}


class ScaleUQGroup(click.Group):
    """The ``scaleuq`` group: ``--debug``/``--quiet`` may stand anywhere on the command line
    (``scaleuq fit --debug`` as well as ``scaleuq --debug fit``), and old option spellings are
    rewritten to the one spelling with a deprecation warning on stderr."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from scaleuq.cli.options import rewrite_deprecated

        def warn(message: str) -> None:
            click.echo(f"scaleuq: warning: {message}", err=True)

        head: list[str] = []
        rest: list[str] = []
        for i, arg in enumerate(args):
            if arg == "--":
                rest.extend(args[i:])
                break
            if arg in GLOBAL_FLAGS:
                head.append(arg)
            elif arg in _EXPAND:
                warn(f"{arg} is deprecated, use {' '.join(_EXPAND[arg])}")
                rest.extend(_EXPAND[arg])
            else:
                rest.append(arg)
        return super().parse_args(ctx, head + rewrite_deprecated(rest, warn))


@click.group(cls=ScaleUQGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="scaleuq")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("--quiet", "-q", is_flag=True, help="Only errors on stderr.")
def main(debug: bool, quiet: bool) -> None:
    """How much to trust scale-variation uncertainties: pulls of NLO against LO bands."""
    level = logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="scaleuq: %(levelname)s: %(message)s")


main.add_command(core.pulls)
main.add_command(core.reference_correct)
main.add_command(core.fit_command)
main.add_command(core.figures_command)
main.add_command(core.datasets)
ingest.add_command(ingest_nanoaod)
main.add_command(ingest)
main.add_command(differential)
main.add_command(decorrelation)
main.add_command(series.series)
main.add_command(series.validate_covariance)
main.add_command(series.mhou_command)
main.add_command(analysis.recommend)
main.add_command(analysis.export)
main.add_command(analysis.fit_workspace_command)
main.add_command(reweight_command)
