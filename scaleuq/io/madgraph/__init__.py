"""Ingest MadGraph5_aMC@NLO outputs, as users keep them, into the scaleuq table.

* :mod:`.detect`: what a file holds, by its content (never its name);
* :mod:`.blocks`: parsers per output kind (systematics summary, run summaries, banners, the
  console cross section, MadEvent's HTML result pages);
* :mod:`.runs`: files -> runs (order and process resolved) -> one row per process.

Entry points: :func:`ingest` (any MadGraph output) and :func:`ingest_lhe` (LHE files with
scale-variation weights), both returning an :class:`IngestResult`.
"""

from __future__ import annotations

from scaleuq.io.madgraph.blocks import (
    BannerInfo,
    HtmlResult,
    RunSummary,
    SystematicsSummary,
    Variation,
    parse_banner,
    parse_html,
    parse_run_summary,
    parse_summary,
    parse_systematics,
    parse_systematics_log,
)
from scaleuq.io.madgraph.detect import TextBlock, find_blocks, sniff
from scaleuq.io.madgraph.runs import (
    K_RANGE,
    IngestResult,
    LHEFileRun,
    RunRecord,
    Skipped,
    collect_files,
    ingest,
    ingest_lhe,
    lhe_file_run,
    parse_process_option,
)
from scaleuq.io.process import process_key

__all__ = [
    "K_RANGE", "BannerInfo", "HtmlResult", "IngestResult", "LHEFileRun", "RunRecord", "RunSummary",
    "Skipped", "SystematicsSummary", "TextBlock", "Variation", "collect_files", "find_blocks",
    "ingest", "ingest_lhe", "lhe_file_run", "parse_banner", "parse_html", "parse_process_option",
    "parse_run_summary", "parse_summary", "parse_systematics", "parse_systematics_log",
    "process_key", "sniff",
]  # fmt: skip
