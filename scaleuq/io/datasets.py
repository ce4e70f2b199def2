"""Bundled published tables (package data) and their provenance.

The files are copied unchanged from the project's ``data/`` folder; ``data/README.md`` gives the
full provenance of every number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from scaleuq.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """One bundled table.

    Attributes:
        name: short name used on the command line.
        filename: file inside ``scaleuq/data``.
        role: ``pulls`` (has LO and NLO: enters ``scaleuq pulls`` by default) or ``reference``
            (LO scale uncertainties of QCD processes: the default reference set).
        title: one-line description.
        source: citation of the publication the numbers were transcribed from.
    """

    name: str
    filename: str
    role: str
    title: str
    source: str

    @property
    def path(self) -> Path:
        """Location of the file in the installed package."""
        return Path(str(resources.files("scaleuq") / "data" / self.filename))

    def to_dict(self) -> dict[str, str]:
        """JSON-safe representation."""
        return {**asdict(self), "path": str(self.path)}


_GHOSH = (
    "A. Ghosh, B. Nachman, T. Plehn, L. Shire, T. M. P. Tait, D. Whiteson, "
    "'Statistical Patterns of Theory Uncertainties', SciPost Phys. Core (2023), arXiv:2210.15167"
)
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "madgraph2014_13tev_vjets",
            "madgraph2014_13tev_vjets.csv",
            "pulls",
            "V + jets at 13 TeV: LO and NLO cross sections with scale and PDF uncertainties "
            "(rows a.1-a.10)",
            "J. Alwall et al., JHEP 07 (2014) 079, arXiv:1405.0301, total-rate table",
        ),
        Dataset(
            "ghosh2022_relative_tail",
            "ghosh2022_relative_tail.csv",
            "pulls",
            "Electroweak tri-boson processes and p p > h: relative LO scale uncertainty and "
            "NLO shift only",
            _GHOSH,
        ),
        Dataset(
            "ghosh2022_qcd_reference",
            "ghosh2022_qcd_reference.csv",
            "reference",
            "QCD-only processes: LO relative scale uncertainties up/down (reference set)",
            _GHOSH + ", Table 1",
        ),
    )
}


def get_dataset(name: str) -> Dataset:
    """Look up a bundled dataset by name."""
    try:
        return DATASETS[name]
    except KeyError:
        raise OptionError(
            f"unknown dataset '{name}'; bundled datasets: {', '.join(DATASETS)}"
        ) from None


def load_dataset(name: str) -> pd.DataFrame:
    """Read a bundled dataset into the canonical table (``dataset`` column = its name)."""
    from scaleuq.io.tables import read_table

    ds = get_dataset(name)
    frame = read_table(ds.path)
    frame["dataset"] = ds.name
    frame["source"] = [s.replace(str(ds.path), ds.filename) for s in frame["source"]]
    return frame


def load_bundled(role: str = "pulls") -> pd.DataFrame:
    """All bundled datasets of one role, concatenated (duplicates are an error).

    Args:
        role: ``pulls`` (processes with LO and NLO information) or ``reference`` (the QCD
            reference set of Ghosh et al., arXiv:2210.15167, Table 1).

    Raises:
        OptionError: an unknown role.
    """
    import pandas as pd

    from scaleuq.io.tables import check_duplicates

    roles = dict.fromkeys(d.role for d in DATASETS.values())
    if role not in roles:
        raise OptionError(f"unknown bundled role '{role}'; choose one of {', '.join(roles)}")
    frames = [load_dataset(d.name) for d in DATASETS.values() if d.role == role]
    frame = pd.concat(frames, ignore_index=True)
    check_duplicates(frame)
    return frame
