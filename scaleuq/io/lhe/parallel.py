"""Many event files at once: one per-file function mapped over files, locally or on Dask.

:func:`map_files` runs ``func(path, **kwargs)`` for every file and returns the results in the
order of the files, with the files that failed reported by name (their errors do not lose the
other files' results):

* one file: in this process, with ``jobs`` passed on (the file's blocks are parsed on that many
  threads when ``func`` accepts ``jobs``);
* several files, ``jobs > 1``: ``min(jobs, files)`` worker threads, one file per task, each
  file read on one core. Threads, not processes: decompression, the compiled
  parser and the numpy reductions release the GIL, so files run side by side without the
  seconds a fresh process needs to import numba and load the kernel (see
  ``benchmarks/bench_lhe.py`` for the measured speed-up);
* ``scheduler="tcp://host:8786"``: the tasks go to an existing Dask cluster
  (``dask.distributed``, the optional extra ``dask``); workers must be able to read the paths.

Per-file work that is independent of the other files (e.g.
:func:`scaleuq.io.madgraph.runs.lhe_file_run`) is what is mapped; merging (a process's LO and
NLO runs across files) is the caller's.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import scaleuq.errors as errors
from scaleuq.errors import MissingDependencyError, OptionError, ScaleUQError
from scaleuq.io.lhe.reader import default_jobs
from scaleuq.util.jsonio import FieldsDict

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class FileFailure(FieldsDict):
    """A file whose work failed.

    Attributes:
        path: the file.
        error: the one-line message.
        kind: the exception's class name (a :class:`~scaleuq.errors.ScaleUQError` subclass for
            bad input).
    """

    path: str
    error: str
    kind: str

    def exception(self) -> ScaleUQError:
        """The error as a scaleuq exception of the same class (ScaleUQError for others)."""
        cls = getattr(errors, self.kind, None)
        if (
            isinstance(cls, type)
            and issubclass(cls, ScaleUQError)
            and cls is not errors.MissingDependencyError
        ):
            return cls(self.error)
        return ScaleUQError(self.error)


@dataclass(frozen=True)
class FileMap(Generic[T]):
    """Results of :func:`map_files`.

    Attributes:
        paths: the files that succeeded, in input order.
        results: their results, in the same order.
        failures: the files that failed, in input order.
        where: ``this process``, ``N threads`` or the Dask scheduler's address.
    """

    paths: tuple[str, ...]
    results: tuple[T, ...]
    failures: tuple[FileFailure, ...]
    where: str

    def raise_if_none(self) -> None:
        """Raise the first failure's error when no file succeeded."""
        if self.failures and not self.results:
            first = self.failures[0]
            exc = first.exception()
            if len(self.failures) > 1:
                exc = type(exc)(f"{first.error} (and {len(self.failures) - 1} more files failed)")
            raise exc

    def to_dict(self) -> dict[str, object]:
        """JSON-safe representation (results that have ``to_dict`` are converted)."""
        return {
            "paths": list(self.paths),
            "results": [getattr(r, "to_dict", lambda r=r: r)() for r in self.results],
            "failures": [f.to_dict() for f in self.failures],
            "where": self.where,
        }


@dataclass(frozen=True)
class _Outcome(Generic[T]):
    """What one task returns (results and errors travel back alike, picklable)."""

    path: str
    result: T | None
    failure: FileFailure | None


def _run_one(func: Callable[..., T], path: str, kwargs: dict[str, object]) -> _Outcome[T]:
    """Run ``func`` on one file, turning its error into a :class:`FileFailure`."""
    try:
        return _Outcome(path, func(path, **kwargs), None)
    except ScaleUQError as exc:
        message = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
        return _Outcome(path, None, FileFailure(path, message, type(exc).__name__))
    except (OSError, MemoryError, ValueError, KeyError, IndexError, TypeError) as exc:
        log.debug("unexpected error on %s", path, exc_info=True)
        return _Outcome(
            path,
            None,
            FileFailure(path, f"{path}: {type(exc).__name__}: {exc}", type(exc).__name__),
        )


def _accepts_jobs(func: Callable[..., object]) -> bool:
    import inspect

    try:
        return "jobs" in inspect.signature(func).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def map_files(
    func: Callable[..., T],
    paths: Sequence[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    **kwargs: object,
) -> FileMap[T]:
    """Run ``func(path, **kwargs)`` for every file, in parallel, keeping every file's outcome.

    Args:
        func: a module-level function (it is pickled for worker processes or Dask), taking the
            path first.
        paths: the files.
        jobs: files read at once (several files) or block-parsing threads (one file); None:
            all cores. Ignored with ``scheduler``.
        scheduler: address of a running Dask scheduler (``tcp://host:8786``); needs
            ``pip install "scaleuq[dask]"``.
        progress: called with the bytes (on disk) of the files finished so far; for a single
            file in this process it is passed to ``func`` instead (finer grained).
        kwargs: passed to ``func``.

    Raises:
        OptionError: ``jobs`` < 1.
        MissingDependencyError: ``scheduler`` without dask.distributed.
        ScaleUQError: the scheduler cannot be reached.
    """
    names = [str(p) for p in paths]
    if jobs is not None and jobs < 1:
        raise OptionError(f"--jobs must be at least 1, got {jobs}")
    n_jobs = default_jobs() if jobs is None else int(jobs)
    sizes = {p: (os.path.getsize(p) if os.path.isfile(p) else 0) for p in names}
    outcomes: dict[str, _Outcome[T]] = {}
    done_bytes = 0

    def finished(outcome: _Outcome[T]) -> None:
        nonlocal done_bytes
        outcomes[outcome.path] = outcome
        done_bytes += sizes.get(outcome.path, 0)
        if progress is not None:
            progress(done_bytes)

    if scheduler is not None:
        where = _map_dask(func, names, kwargs, scheduler, finished)
    elif len(names) <= 1 or n_jobs == 1:
        where = "this process"
        for path in names:
            call = dict(kwargs)
            if _accepts_jobs(func):
                call["jobs"] = n_jobs if len(names) == 1 else 1
            if len(names) == 1 and progress is not None and "progress" not in call:
                call["progress"] = progress
                outcomes[path] = _run_one(func, path, call)
            else:
                finished(_run_one(func, path, call))
    else:
        workers = min(n_jobs, len(names))
        where = f"{workers} threads"
        call = dict(kwargs)
        if _accepts_jobs(func):
            call["jobs"] = 1
        with ThreadPoolExecutor(workers, thread_name_prefix="scaleuq-file") as pool:
            futures = [pool.submit(_run_one, func, path, call) for path in names]
            for future in as_completed(futures):
                finished(future.result())
    ordered = [outcomes[p] for p in names]
    failures = tuple(o.failure for o in ordered if o.failure is not None)
    for failure in failures:
        log.info("failed: %s", failure.error)
    good = [o for o in ordered if o.failure is None]
    return FileMap(
        tuple(o.path for o in good),
        tuple(o.result for o in good),  # type: ignore[misc]
        failures,
        where,
    )


def _map_dask(
    func: Callable[..., T],
    names: list[str],
    kwargs: dict[str, object],
    scheduler: str,
    finished: Callable[[_Outcome[T]], None],
) -> str:
    """Submit one task per file to the Dask scheduler at ``scheduler``; gather as they finish."""
    try:
        from distributed import Client
    except ImportError:
        raise MissingDependencyError(
            "distributed", "dask", "--scheduler (a Dask cluster)"
        ) from None
    call = dict(kwargs)
    if _accepts_jobs(func):
        call["jobs"] = 1
    try:
        client = Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ScaleUQError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    try:
        task = functools.partial(_run_one, func, kwargs=call)
        futures = [
            client.submit(task, path, pure=False, key=f"scaleuq-file-{i}-{Path(path).name}")
            for i, path in enumerate(names)
        ]
        for path, future in zip(names, futures):
            try:
                finished(future.result())
            except Exception as exc:  # a worker died or the task could not run
                failure = FileFailure(
                    path, f"{path}: the Dask task failed ({exc})", type(exc).__name__
                )
                finished(_Outcome(path, None, failure))
        return f"Dask scheduler {scheduler}"
    finally:
        client.close()
