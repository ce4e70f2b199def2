"""MadGraph's dynamical scale choices, recomputed from an event's momenta (vectorised).

As MadGraph's systematics module computes them (``madgraph/various/lhe_parser.py``,
``Event.get_et_scale``, ``get_ht_scale``, ``get_sqrts_scale``, called from
``systematics.py``'s ``get_lo_wgt``), summing over the final-state particles (status 1):

====  =====================  ========================================================  ==========
dyn   MadGraph's label       what is computed                                          differs?
====  =====================  ========================================================  ==========
-1    (as generated)         mu_R from ``<rscale>``, mu_F per beam from ``<pdfrwt>``
1     "sum pt" (weight text) sum of E_T = E p_T / |p| (transverse *energy*)             for massive
      "total transverse                                                                 particles:
      energy" (run card)                                                                E_T != p_T
2     "HT"                   sum of m_T = sqrt(m^2 + p_T^2) (transverse *masses*,      not H_T
                             m^2 = E^2 - |p|^2 from the momenta)                        = sum p_T
3     "HT/2"                 half of dyn 2                                              as dyn 2
4     "sqrts"                sqrt(s-hat) = invariant mass of the two incoming partons
====  =====================  ========================================================  ==========

Both mu_R and mu_F are set to the dynamical scale (the same for both beams). For massless
partons, E_T = p_T = m_T, so dyns 1 and 2 coincide (as the real MadGraph file shows).
Resonances (status 2) and incoming particles do not count in dyns 1-3.
"""

from __future__ import annotations

import numpy as np

from scaleuq.errors import OptionError

#: dyn -> (MadGraph's label, what is computed).
DYNAMICAL_SCALES: dict[int, tuple[str, str]] = {
    -1: ("as generated", "mu_R from <rscale>, mu_F from <pdfrwt>"),
    1: ("sum pt", "sum over final-state particles of E_T = E p_T/|p|"),
    2: ("HT", "sum over final-state particles of m_T = sqrt(E^2 - p_z^2)"),
    3: ("HT/2", "half the sum of final-state m_T"),
    4: ("sqrts", "invariant mass of the two incoming partons"),
}

# particle-array columns (scaleuq.io.lhe.reader): IDUP ISTUP MOTH1 MOTH2 ICOL1 ICOL2 PX PY PZ E M ...
_ST, _PX, _PY, _PZ, _E = 1, 6, 7, 8, 9


def dynamical_scale(particles: np.ndarray, nup: np.ndarray, choice: int) -> np.ndarray:
    """The dynamical scale of each event (GeV).

    Args:
        particles: (sum NUP, 13) particle lines of the events, in order.
        nup: (n,) particles per event.
        choice: 1, 2, 3 or 4 (see the module docstring).

    Returns:
        (n,) scales; NaN for an event where the choice is undefined (e.g. no two incoming
        partons for dyn 4).
    """
    if choice not in DYNAMICAL_SCALES or choice == -1:
        raise OptionError(f"dynamical scale choice {choice} is not one of 1, 2, 3, 4 (or -1)")
    nup = np.asarray(nup, dtype=np.int64)
    n = len(nup)
    event = np.repeat(np.arange(n), nup)
    status = particles[:, _ST]
    px, py, pz, e = (particles[:, c] for c in (_PX, _PY, _PZ, _E))
    if choice == 4:
        inc = status == -1
        counts = np.bincount(event[inc], minlength=n)
        sums = np.zeros((n, 4))
        for k, col in enumerate((e, px, py, pz)):
            sums[:, k] = np.bincount(event[inc], weights=col[inc], minlength=n)
        m2 = sums[:, 0] ** 2 - sums[:, 1] ** 2 - sums[:, 2] ** 2 - sums[:, 3] ** 2
        out = np.sqrt(np.maximum(m2, 0.0))
        return np.where(counts == 2, out, np.nan)
    final = status == 1
    pt2 = px * px + py * py
    if choice == 1:
        pt = np.sqrt(pt2)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(pt > 0, e * pt / np.sqrt(pt2 + pz * pz), 0.0)
    else:
        term = np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz + pt2, 0.0))
    out = np.bincount(event[final], weights=term[final], minlength=n)
    return 0.5 * out if choice == 3 else out
