"""Reading what users have: cross-section tables (CSV/TSV/JSON/YAML, MadGraph paper notation),
the bundled published tables, MadGraph run outputs, LHE event files and HwU histograms."""
