"""The decorrelation-danger study (A. Ghosh, B. Nachman, Eur. Phys. J. C 82 (2022) 46,
arXiv:2109.08159): an adversarially decorrelated classifier shrinks the LO scale-variation band
of its selection, but not the selection's distance to a higher-order prediction.

Modules: :mod:`.samples` (the columnar sample format), :mod:`.scales` (per-event LO scale
weights as MadGraph's systematics module computes them), :mod:`.generate` (Pythia 8 samples of
t-channel single top and W + parton with jets), :mod:`.train` (classifier and Louppe-Kagan-
Cranmer adversary, PyTorch), :mod:`.evaluate` (band, distance, AUC at a working point),
:mod:`.toy` (the analytic Gaussian toy with closed-form answers), :mod:`.study` (the scan over
lambda behind ``scaleuq decorrelation run``).
"""
