"""The ``scaleuq reweight`` workflow: one file or many, with one
:class:`~scaleuq.options.ReweightOptions`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from scaleuq.errors import OptionError
from scaleuq.options import ReweightOptions

if TYPE_CHECKING:
    from scaleuq.reweight.run import ReweightFilesResult, ReweightResult


def reweight_workflow(
    events: Sequence[str],
    options: ReweightOptions,
    *,
    output: str | None = None,
    output_dir: str | None = None,
    jobs: int | None = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReweightResult | ReweightFilesResult:
    """Re-weight one event file into ``output`` (a :class:`ReweightResult`) or, for several
    files, ``output_dir`` or a Dask cluster, each file on its own (a
    :class:`ReweightFilesResult`: failing files are named, the others kept).

    Raises:
        OptionError: no output and no summary asked for; ``-o`` with several files.
    """
    from scaleuq.reweight.run import reweight, reweight_files

    o = options
    computed = dict(
        pdf=o.pdf, pdf_members=o.pdf_members, other_pdfs=o.other_pdfs, mur=o.mur, muf=o.muf,
        dyn=o.dyn, alps=o.alps, alphas=o.alphas, pdf_path=list(o.pdf_path) or None,
        pdf_backend=o.pdf_backend, pdf_id=o.pdf_id, alphas_mz=o.alphas_mz,
        alphas_order=o.alphas_order, summary=o.summary, pdf_method=o.pdf_method,
    )  # fmt: skip
    if len(events) > 1 or output_dir is not None or scheduler is not None:
        if output is not None:
            raise OptionError("several inputs: give --output-dir, not -o")
        if output_dir is None and not o.summary:
            raise OptionError("several inputs: give --output-dir DIR, or --summary")
        return reweight_files(list(events), output_dir, jobs=jobs, scheduler=scheduler, **computed)
    if output is None and not o.summary:
        raise OptionError("give an output file with -o, or --summary")
    (event_file,) = events
    return reweight(event_file, output, progress=progress, **computed)
