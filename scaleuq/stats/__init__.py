"""The pull distribution: models, unbinned fits with bootstrap intervals, coverage, calibration."""
