"""Workflows: one function per user task, between the command line and the computation.

Each workflow reads its inputs (files, or the bundled tables), calls the computation modules
(:mod:`scaleuq.pull`, :mod:`scaleuq.stats`, :mod:`scaleuq.analysis`, ...) and returns a typed
result; the command line parses options into an option record (:mod:`scaleuq.options`), calls
one workflow and renders its result with :mod:`scaleuq.report`. Workflows that draw figures
(:func:`~scaleuq.workflows.figures.figures`, :func:`~scaleuq.workflows.differential.differential_pulls`)
hand the computed results to :mod:`scaleuq.report` for drawing; :mod:`scaleuq.report` itself
computes nothing.

Modules: :mod:`~scaleuq.workflows.core` (pulls, reference correction, fit),
:mod:`~scaleuq.workflows.figures` (the paper figures), :mod:`~scaleuq.workflows.differential`
(HwU histograms bin by bin), :mod:`~scaleuq.workflows.nanoaod` (CMS NanoAOD samples),
:mod:`~scaleuq.workflows.series` (the figures of a perturbative series).
"""
