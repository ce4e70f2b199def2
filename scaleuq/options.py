"""Option records: the choices a user makes, each a frozen dataclass declared once.

The command line builds one record from its options (:mod:`scaleuq.cli.options` declares each
option once) and hands it to a workflow (:mod:`scaleuq.workflows`); the workflow passes its
fields to the computation. A record validates its fields when it is made, so a bad choice
fails before any file is read.

No numpy or pandas here: the CLI imports this module at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaleuq.choices import CONVENTIONS, N_MODES, ORDERS
from scaleuq.errors import OptionError
from scaleuq.util.jsonio import FieldsDict


@dataclass(frozen=True)
class PullOptions(FieldsDict):
    """How pulls (and the reference-process correction) are computed.

    Attributes:
        convention: which LO variation is Delta sigma (:data:`scaleuq.choices.CONVENTIONS`;
            ``directional`` as in Ghosh et al., arXiv:2210.15167).
        include_pdf: add the LO PDF uncertainty in quadrature.
        n_mode: how n of the reference correction is counted (:data:`scaleuq.choices.N_MODES`).
        reference: path of a table of reference processes (None: the bundled QCD table).
        reference_select: select the reference set from the input tables instead
            (:func:`scaleuq.pull.reference.select_reference` grammar).
        from_order, to_order: the orders compared (default LO -> NLO).
    """

    convention: str = "directional"
    include_pdf: bool = False
    n_mode: str = "final-state"
    reference: str | None = None
    reference_select: str | None = None
    from_order: str = "lo"
    to_order: str = "nlo"

    def __post_init__(self) -> None:
        if self.convention not in CONVENTIONS:
            raise OptionError(f"unknown convention {self.convention!r}: choose from {', '.join(CONVENTIONS)}")
        if self.n_mode not in N_MODES:
            raise OptionError(f"unknown n mode {self.n_mode!r}: choose from {', '.join(N_MODES)}")
        for name in ("from_order", "to_order"):
            if getattr(self, name) not in ORDERS:
                raise OptionError(f"unknown order {getattr(self, name)!r}: choose from {', '.join(ORDERS)}")
        if self.reference is not None and self.reference_select is not None:
            raise OptionError("give --reference or --reference-select, not both")
