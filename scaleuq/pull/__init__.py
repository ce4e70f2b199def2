"""Scale pulls t = (sigma_NLO - sigma_LO)/Delta sigma_LO and the reference-process correction."""
