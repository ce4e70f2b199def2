"""Where a PDF set's files are (what :func:`scaleuq.pdf.sets.locate` finds and a backend opens)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SetLocation:
    """Where a set's files are.

    Attributes:
        name: the set name.
        info_path: the ``.info`` file, or None (a lone grid file).
        member_paths: member files by member number.
        member: the member asked for (``NAME/MEMBER``), or None for the whole set.
    """

    name: str
    info_path: Path | None
    member_paths: dict[int, Path]
    member: int | None
