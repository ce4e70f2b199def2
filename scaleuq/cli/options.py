"""The options several commands share, each declared once.

Every command that takes a seed, a number of jobs, a Dask scheduler, a bootstrap size, an
output format, an output file or an output folder takes it from here, so that the option has
one spelling, one meaning, one default and one help text everywhere:

=================  =====================================================================
``--seed``         seed of every random step (a non-negative integer; default 0)
``--jobs/-j``      worker processes at once (files, or blocks of one file); default 1,
                   ``0`` = every core
``--scheduler``    a Dask scheduler address: one task per file on that cluster
``--bootstrap``    bootstrap resamples (``0`` switches the bootstrap off where allowed)
``--format``       the output format (the choices depend on what the command writes)
``-o/--output``    write here (atomically) instead of stdout
``-d/--output-dir`` the folder a command writes several files into
=================  =====================================================================

Old spellings (``--workers``, ``--bootstrap-trials``, ``--figure-dir``, ``--samples-dir`` as
an output folder, ``--model student_t``...) are rewritten by :data:`DEPRECATED` before click
parses the command line, with a deprecation warning on stderr; they go in the next release.

Nothing here imports numpy, pandas or the library, so that ``scaleuq --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from scaleuq.choices import CONVENTIONS, ENVELOPE_NAMES, FORMATS, N_MODES, ORDERS, PDF_METHODS

F = TypeVar("F", bound=Callable[..., Any])

#: Old option spellings -> the one spelling (applied to the words after the subcommand).
DEPRECATED: dict[str, str] = {  # the new names without their dashes: each option is spelled once
    "--workers": "jobs",
    "--bootstrap-trials": "bootstrap",
    "--figure-dir": "output-dir",
    "--gof-samples": "gof",
}
#: Old choice values -> the one value (multi-word choices of the CLI are spelled with hyphens:
#: ``final-state``, ``9-point``, ``unit-gauss``, ``student-t``).
DEPRECATED_VALUES: dict[str, str] = {
    "student_t": "student-t",
    "unit_gauss": "unit-gauss",
    "final_state": "final-state",
    "alphas_power": "alphas-power",
}


class RegistryChoice(click.Choice):
    """``click.Choice`` over the names of a :class:`scaleuq.util.registry.Registry`.

    The registry's module is imported only when the choices are needed (parsing the option or
    showing the command's ``--help``), so that ``scaleuq --help`` does not import numpy; an
    entry registered before that appears in the help and is accepted.

    Args:
        module, attribute: where the registry lives (``"scaleuq.stats.models"``, ``"MODELS"``).
    """

    def __init__(self, module: str, attribute: str) -> None:
        self._where = (module, attribute)
        super().__init__((), case_sensitive=True)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        import importlib

        module, attribute = self._where
        return tuple(getattr(importlib.import_module(module), attribute))

    @choices.setter
    def choices(self, _value: Any) -> None:  # click.Choice.__init__ assigns; the registry rules
        pass


class RegistryList(click.ParamType):
    """A comma-separated list of names of a :class:`scaleuq.util.registry.Registry`, each
    checked against it; the metavar lists the registered names (read when shown).

    Args:
        module, attribute: where the registry lives.
    """

    name = "names"

    def __init__(self, module: str, attribute: str) -> None:
        self._choice = RegistryChoice(module, attribute)

    def get_metavar(self, *args: Any, **kwargs: Any) -> str:
        return "[" + ",".join(self._choice.choices) + "]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        names = tuple(v.strip() for v in str(value).split(",") if v.strip())
        known = self._choice.choices
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            self.fail(
                f"unknown {', '.join(map(repr, unknown)) or 'empty list'}; choose from "
                f"{', '.join(known)}",
                param,
                ctx,
            )
        return names


class SeedType(click.ParamType):
    """A seed: a non-negative integer (numpy's ``SeedSequence`` refuses negative ones)."""

    name = "seed"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            seed = value
        else:
            try:
                seed = int(str(value).strip(), 10)
            except ValueError:
                self.fail(f"a seed is a non-negative integer, got {value!r}", param, ctx)
        if seed < 0:
            self.fail(f"a seed is a non-negative integer, got {seed}", param, ctx)
        return seed


SEED = SeedType()


def seed_option(func: F) -> F:
    """``--seed``: the seed of every random step of the command."""
    return click.option(
        "--seed",
        type=SEED,
        default=0,
        show_default=True,
        help="Seed of every random step (the same seed gives the same output).",
    )(func)


def _every_core(ctx: click.Context, param: click.Parameter, value: int) -> int | None:
    return None if value == 0 else value  # the library's jobs=None: every core


def jobs_option(func: F) -> F:
    """``--jobs/-j``: worker processes at once; one meaning and one default everywhere (the
    command receives None for ``0``, the library's "every core")."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        callback=_every_core,
        help="Workers at once: input files in parallel (one LHE file: blocks of it); 0 = every core.",
    )(func)


def scheduler_option(func: F) -> F:
    """``--scheduler``: run one task per input file on a Dask cluster."""
    return click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Run one task per input file on this Dask scheduler (tcp://host:8786; "
        'pip install "scaleuq[dask]").',
    )(func)


def bootstrap_option(
    default: int = 2000, *, help: str = "Bootstrap resamples (0: none)."
) -> Callable[[F], F]:
    """``--bootstrap N``: resamples; 0 switches the bootstrap off in every command."""

    def decorate(func: F) -> F:
        return click.option(
            "--bootstrap",
            "n_bootstrap",
            type=click.IntRange(min=0),
            default=default,
            show_default=True,
            help=help,
        )(func)

    return decorate


def gof_option(default: int = 1000) -> Callable[[F], F]:
    """``--gof N``: parametric-bootstrap samples of the goodness-of-fit p-values (the API's
    ``n_gof``, as ``--bootstrap`` is ``n_bootstrap``)."""

    def decorate(func: F) -> F:
        return click.option(
            "--gof",
            "n_gof",
            type=click.IntRange(0),
            default=default,
            show_default=True,
            help="Parametric-bootstrap samples for the goodness-of-fit p-values (0: none).",
        )(func)

    return decorate


#: ``--threshold``: the |t_ref| above which the reference correction flags a tail process.
threshold_option = click.option(
    "--threshold",
    type=float,
    default=3.0,
    show_default=True,
    help="Flag processes with |t_ref| above this.",
)


def format_option(choices: Sequence[str] = FORMATS, default: str = "table") -> Callable[[F], F]:
    """``--format``: what stdout (or ``--output``) carries, and nothing else."""

    def decorate(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(tuple(choices)),
            default=default,
            show_default=True,
            help="Output format; stdout carries only this (messages go to stderr).",
        )(func)

    return decorate


def output_option(
    help: str = "Write here (atomically) instead of stdout; never over an input.",
    *,
    required: bool = False,
) -> Callable[[F], F]:
    """``-o/--output FILE``: checked before any work by the CLI's error handler."""

    def decorate(func: F) -> F:
        return click.option(  # the path is checked by scaleuq.util.paths (exit 1, one line)
            "--output", "-o", type=click.Path(), required=required, help=help
        )(func)

    return decorate


def output_dir_option(
    default: str | None = None,
    help: str = "Folder to write the files into.",
    *,
    exists: bool = False,
) -> Callable[[F], F]:
    """``-d/--output-dir DIR``: the one name of the folder a command writes into."""

    def decorate(func: F) -> F:
        return click.option(
            "--output-dir",
            "-d",
            type=click.Path(file_okay=False, exists=exists),
            default=default,
            show_default=default is not None,
            help=help,
        )(func)

    return decorate


def rewrite_deprecated(args: Sequence[str], warn: Callable[[str], None]) -> list[str]:
    """``args`` with old spellings replaced by :data:`DEPRECATED` / :data:`DEPRECATED_VALUES`
    (also in ``--opt=value`` form), calling ``warn`` once per replacement; nothing after
    ``--`` is touched."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            out.extend(args[i:])
            break
        name, eq, value = arg.partition("=")
        if name in DEPRECATED:
            new = "--" + DEPRECATED[name]
            warn(f"{name} is deprecated, use {new} (the old spelling goes in the next release)")
            arg = new + eq + value
            name = new
        if eq and value in DEPRECATED_VALUES:
            warn(f"{value!r} is deprecated, use {DEPRECATED_VALUES[value]!r}")
            arg = f"{name}={DEPRECATED_VALUES[value]}"
        elif not eq and arg in DEPRECATED_VALUES and out and out[-1].startswith("--"):
            warn(f"{arg!r} is deprecated, use {DEPRECATED_VALUES[arg]!r}")
            arg = DEPRECATED_VALUES[arg]
        out.append(arg)
    return out


convention_option = click.option(
    "--convention",
    type=click.Choice(CONVENTIONS),
    default="directional",
    show_default=True,
    help="Which LO variation is Δσ: directional = up if σ_NLO > σ_LO else down "
    "(Ghosh et al.); symmetric = mean; upper; lower; max.",
)
include_pdf_option = click.option(
    "--include-pdf", is_flag=True, help="Add the LO PDF uncertainty in quadrature."
)
from_option = click.option(
    "--from", "from_order", type=click.Choice(ORDERS), default="lo", show_default=True,
    help="The order whose scale band is tested.",
)  # fmt: skip
to_option = click.option(
    "--to", "to_order", type=click.Choice(ORDERS), default="nlo", show_default=True,
    help="The higher order, compared with the band of --from.",
)  # fmt: skip
reference_option = click.option(
    "--reference",
    type=click.Path(dir_okay=False),
    help="Table of reference processes [default: the bundled QCD table of Ghosh et al.].",
)
reference_select_option = click.option(
    "--reference-select",
    metavar="EXPR",
    help="Take the reference set from the input TABLES with a selection, e.g. "
    "\"process_class == 'qcd' and n_final <= 3\" (comparisons == != < <= > >=, "
    "in [...], and/or/not, parentheses; shortcut: qcd). Never evaluated as Python.",
)
n_mode_option = click.option(
    "--n-mode",
    type=click.Choice(N_MODES),
    default="final-state",
    show_default=True,
    help="Count n as final-state particles (as published) or as the LO power of alpha_s.",
)
pdf_method_option = click.option(
    "--pdf-method",
    type=click.Choice(PDF_METHODS),
    default="replicas",
    show_default=True,
    help="How the PDF members combine when the file does not say (none: no PDF band).",
)
envelope_option = click.option(
    "--envelope",
    type=click.Choice(ENVELOPE_NAMES),
    default="9-point",
    show_default=True,
    help="Scale points of the band: 3-point (k_R = k_F), 7-point (no opposite pairs), 9-point.",
)


def pull_options(*, reference: bool = False) -> Callable[[F], F]:
    """The options of :class:`~scaleuq.options.PullOptions`: ``--convention``,
    ``--include-pdf``, ``--from``/``--to`` and, with ``reference=True``, ``--reference``,
    ``--reference-select`` and ``--n-mode``. The command receives one ``options`` record."""
    declared = [convention_option, include_pdf_option, from_option, to_option]
    if reference:
        declared += [reference_option, reference_select_option, n_mode_option]

    def decorate(func: F) -> F:
        import functools

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            import dataclasses

            from scaleuq.options import PullOptions

            names = [f.name for f in dataclasses.fields(PullOptions)]
            fields = {k: kwargs.pop(k) for k in names if k in kwargs}
            return func(*args, options=PullOptions(**fields), **kwargs)

        for option in reversed(declared):
            wrapper = option(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def tables_argument(func: F) -> F:
    """``TABLES...``: table files (none: the bundled published processes), and
    ``--table-format``: their format when the suffix does not say (any registered reader,
    :data:`scaleuq.io.tables.TABLE_READERS`)."""
    func = click.option(
        "--table-format",
        type=RegistryChoice("scaleuq.io.tables", "TABLE_READERS"),
        default=None,
        help="Format of TABLES [default: from each file's suffix].",
    )(func)
    return click.argument("tables", nargs=-1, type=click.Path(dir_okay=False))(func)
