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
from scaleuq.cli.reweight import reweight_command

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
main.add_command(ingest)
main.add_command(differential)
main.add_command(decorrelation)
main.add_command(series.series)
main.add_command(series.validate_covariance)
main.add_command(series.mhou)
main.add_command(analysis.recommend)
main.add_command(analysis.export)
main.add_command(analysis.fit_workspace)
main.add_command(reweight_command)
