"""Output: text/CSV/JSON rendering, figures, and the paper-figure report."""
