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
            raise OptionError(
                f"unknown convention {self.convention!r}: choose from {', '.join(CONVENTIONS)}"
            )
        if self.n_mode not in N_MODES:
            raise OptionError(f"unknown n mode {self.n_mode!r}: choose from {', '.join(N_MODES)}")
        for name in ("from_order", "to_order"):
            if getattr(self, name) not in ORDERS:
                raise OptionError(
                    f"unknown order {getattr(self, name)!r}: choose from {', '.join(ORDERS)}"
                )
        if self.reference is not None and self.reference_select is not None:
            raise OptionError("give --reference or --reference-select, not both")


@dataclass(frozen=True)
class ReweightOptions(FieldsDict):
    """What ``scaleuq reweight`` computes for each LO event file (see
    :func:`scaleuq.reweight.run.reweight` for each field).

    Attributes:
        pdf: the set the events were generated with (SET, SET/MEMBER, a path or an LHAPDF id).
        pdf_members: ``central`` or ``all`` (one weight per member).
        other_pdfs: further sets, one weight each with their central member.
        mur, muf: factors of mu_R and mu_F.
        dyn: MadGraph dynamical scale choices (None: every choice the events allow).
        alps: factors of the CKKW alpha_s scales.
        alphas: alpha_s(M_Z) values, one weight each.
        pdf_path: folders searched for sets first.
        pdf_backend: a registered PDF backend (:mod:`scaleuq.pdf.registry`).
        pdf_id, alphas_mz, alphas_order: for a set without ``.info``.
        summary: also compute the table row.
        pdf_method: how members combine in the summary (None: the set's ErrorType).
    """

    pdf: str
    pdf_members: str = "central"
    other_pdfs: tuple[str, ...] = ()
    mur: tuple[float, ...] = (0.5, 1.0, 2.0)
    muf: tuple[float, ...] = (0.5, 1.0, 2.0)
    dyn: tuple[int, ...] | None = None
    alps: tuple[float, ...] = (1.0,)
    alphas: tuple[float, ...] = ()
    pdf_path: tuple[str, ...] = ()
    pdf_backend: str = "builtin"
    pdf_id: int | None = None
    alphas_mz: float | None = None
    alphas_order: int | None = None
    summary: bool = False
    pdf_method: str | None = None
