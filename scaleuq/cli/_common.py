"""Helpers shared by the command modules: error handling, output, shared options, provenance.

Nothing here imports numpy, pandas or the library at import time, so that ``scaleuq --help``
answers fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from scaleuq._version import __version__
from scaleuq.choices import (
    CONVENTIONS,
    FORMATS,
)

MODELS = ("gauss", "student_t", "cauchy", "gauss+cauchy")  # TODO(issue 8): from the model registry


def _fail(message: str) -> None:
    click.echo(f"scaleuq: error: {message}", err=True)
    sys.exit(1)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line on stderr and exit status 1 (traceback with --debug)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from scaleuq.errors import ScaleUQError

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
        from scaleuq.util.atomic import atomic_write_text

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
        from scaleuq.io.tables import read_tables

        return read_tables(list(tables))
    from scaleuq.io.datasets import load_bundled

    return load_bundled("pulls")


def meta(command: str, tables: tuple[str, ...], **options: Any) -> dict[str, Any]:
    """The provenance block put at the top of JSON output."""
    return {
        "command": command,
        "scaleuq_version": __version__,
        "inputs": list(tables) or ["bundled:pulls"],
        "options": options,
    }


