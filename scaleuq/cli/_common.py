"""Helpers shared by the command modules: error handling, output, shared options, provenance.

Nothing here imports numpy, pandas or the library at import time, so that ``scaleuq --help``
answers fast.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import click

from scaleuq._version import __version__

#: Parameters that name what a command writes; every other path parameter is an input.
OUTPUT_PARAMS = frozenset({"output", "output_dir", "figure_dir", "differential_output"})


def quiet() -> bool:
    """Whether ``scaleuq --quiet`` was given: no progress bars or report lines, only errors."""
    return bool(click.get_current_context().find_root().params.get("quiet"))


def input_paths(ctx: click.Context) -> tuple[str, ...]:
    """Every path the current command reads: the values of its ``click.Path`` parameters except
    the outputs (:data:`OUTPUT_PARAMS`)."""
    paths: list[str] = []
    for param in ctx.command.params:
        if param.name in OUTPUT_PARAMS or not isinstance(param.type, click.Path):
            continue
        value = ctx.params.get(param.name or "")
        values = value if isinstance(value, (tuple, list)) else (value,)
        paths.extend(str(v) for v in values if v is not None)
    return tuple(paths)


def _fail(message: str) -> None:
    click.echo(f"scaleuq: error: {message}", err=True)
    sys.exit(1)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line on stderr and exit status 1 (traceback with --debug).

    Before the command runs, its ``output`` (if any) is checked
    (:func:`scaleuq.util.paths.check_output`), so that a refused output costs no work; while it
    runs, its input paths (:func:`input_paths`) are declared to
    :func:`scaleuq.util.paths.declared_inputs`, so that no writer in the command can overwrite
    one of them.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from scaleuq.errors import ScaleUQError
        from scaleuq.util.paths import check_output, declared_inputs

        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            inputs = input_paths(ctx)
            output = ctx.params.get("output")
            if isinstance(output, str) and output:
                check_output(output, inputs=inputs)  # refuse before any work, not after
            with declared_inputs(inputs):
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


def exit_on_failures(failures: Sequence[Any], n_files: int, kept: str) -> None:
    """Name each file that failed of a many-file run, say what was kept, and exit 1 (the
    others' results have been written already); nothing when every file succeeded."""
    for failure in failures:
        click.echo(f"failed: {failure.error}", err=True)
    if failures:
        click.echo(f"{len(failures)} of {n_files} files failed; {kept}", err=True)
        sys.exit(1)


def emit(text: str, output: str | None, inputs: tuple[str, ...] = ()) -> None:
    """Write to ``output`` atomically, or to stdout.

    ``output`` is refused (:class:`scaleuq.util.paths.OutputPathError`) when it is one of
    ``inputs`` or of the command's declared inputs (see :func:`handle_errors`), a directory, a
    symbolic link or a special file.
    """
    if output:
        from scaleuq.util.atomic import atomic_write_text

        atomic_write_text(output, text, inputs=inputs)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def leave_process(code: int = 0) -> None:
    """End the ``scaleuq`` process once every output is written and closed: flush stdout,
    stderr and the log handlers, then exit with ``code`` without the interpreter's teardown
    (freeing every module and object one by one, which a command that loaded numpy and pandas
    pays after its work is done).

    Only where this process is the ``scaleuq`` command itself (``python -m scaleuq`` or the
    ``scaleuq`` script, writing to its own stdout) and no other thread is alive; under a test
    runner, another program calling :func:`scaleuq.cli.main`, or with threads still running
    (a Dask client) it returns, and the command ends as usual.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    script = os.path.basename(getattr(main, "__file__", None) or "")
    own = spec.name == "scaleuq.__main__" if spec is not None else script == "scaleuq"
    if not own or sys.stdout is not sys.__stdout__ or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the usual ending reports it
        return
    logging.shutdown()
    os._exit(code)


def meta(command: str, tables: tuple[str, ...] | None, **options: Any) -> dict[str, Any]:
    """The provenance block put at the top of JSON output: ``tables`` the input tables (none
    given: the bundled data), None for a command that reads no table."""
    return {
        "command": command,
        "scaleuq_version": __version__,
        "inputs": [] if tables is None else list(tables) or ["bundled:pulls"],
        "options": options,
    }


def emit_table(
    result: Any, fmt: str, output: str | None, info: dict[str, Any], inputs: tuple[str, ...] = ()
) -> None:
    """An ingest result's table as CSV (with its ``source`` column) or JSON (rows, runs,
    warnings), to ``output`` (atomically, in the chosen format; never over one of ``inputs``)
    or stdout."""
    from scaleuq.util.jsonio import dumps

    if fmt == "json":
        text = dumps({**info, **result.to_dict()})
    else:
        from scaleuq.io.tables import table_csv

        text = table_csv(result.rows)
    emit(text, output, inputs)
