"""Perturbative series beyond NLO: the long format and the DIS structure functions to N3LO.

:mod:`scaleuq.io.longformat` (no heavy imports) reads and writes the long format
(point, observable, order, k_R, k_F, value); :mod:`scaleuq.series.dis` computes the DIS
series with hoppet (optional extra ``series``).
"""
