"""The decorrelation-danger study (A. Ghosh, B. Nachman, Eur. Phys. J. C 82 (2022) 46,
arXiv:2109.08159): a classifier decorrelated from the LO scale variations shrinks the LO band of
its selection, but not the selection's distance to a higher-order prediction; in a binned
profile-likelihood fit its stated uncertainty shrinks while its bias does not.

Modules: :mod:`.samples` (the columnar sample format), :mod:`.scales` (per-event LO scale
weights), :mod:`.generate` (Pythia 8 samples of t-channel single top and W + parton with jets),
:mod:`.lhe_samples` (samples from a user's LHE files), the methods behind the registry
:mod:`.methods`: :mod:`.train` (baseline and the Louppe-Kagan-Cranmer adversary, PyTorch),
:mod:`.disco` (distance-correlation penalty), :mod:`.aware` (the uncertainty-aware classifier
f(x, nu)); :mod:`.evaluate` (band, distance, AUC and bootstrap at a working point),
:mod:`.verdict` (the pyhf profile-likelihood verdict), :mod:`.toy` (the analytic Gaussian toy),
:mod:`.study` (the scan over methods and lambda), :mod:`.api` (the public entry points
``run_decorrelation``, ``decorrelation_closure``, ``decorrelation_toy``).
"""
