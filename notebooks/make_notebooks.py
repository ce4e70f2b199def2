"""Write the tutorial notebooks (without outputs). Run: python notebooks/make_notebooks.py"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
MATPLOTLIB_INLINE = "%matplotlib inline"

PULL_STUDY = [
    new_markdown_cell(
        "# The pull study on the bundled published data\n\n"
        "How far does NLO land from the LO scale band? This notebook walks through scaleuq's "
        "public API on the processes bundled with the package: rows a.1-a.10 of the "
        "MadGraph5_aMC@NLO paper (arXiv:1405.0301) and the tri-boson and $pp\\to h$ rows of "
        "Ghosh et al. (arXiv:2210.15167)."
    ),
    new_code_cell(
        "import scaleuq\n\n"
        "for d in scaleuq.DATASETS.values():\n"
        "    print(f'{d.name:28s} [{d.role}]  {d.source}')"
    ),
    new_markdown_cell("## 1. Load and compute pulls $t = (\\sigma_\\mathrm{NLO}-\\sigma_\\mathrm{LO})/\\Delta\\sigma_\\mathrm{LO}$"),
    new_code_cell(
        "table = scaleuq.load_bundled('pulls')\n"
        "result = scaleuq.pulls(table, convention='directional')\n"
        "print(result.summary.line())\n"
        "result.table.sort_values('pull', ascending=False)[['process', 'process_class', 'k_factor', 'delta_rel', 'pull']]"
    ),
    new_markdown_cell("## 2. Reference-process correction"),
    new_code_cell(
        "corr = scaleuq.reference_correct(table, threshold=3.0)\n"
        "ref = corr.reference\n"
        "print(f'<Δσ/(nσ0)>: up {ref.per_particle_up:.3f}, down {ref.per_particle_dn:.3f} over {ref.n_processes} QCD processes')\n"
        "print('after:', corr.summary_after.line())\n"
        "print('still in the tail:', corr.flagged)\n"
        "assert 'p p > h' in corr.flagged"
    ),
    new_markdown_cell(
        "## 3. Which distribution do the pulls follow?\n\n"
        "Unbinned maximum-likelihood fits with MINOS errors, bootstrap intervals and a calibrated "
        "goodness-of-fit p-value (few resamples here to keep the notebook quick; the command "
        "`scaleuq fit` uses 2000)."
    ),
    new_code_cell(
        "study = scaleuq.fit(table, stage='after', n_bootstrap=300, n_gof=200, seed=1)\n"
        "for f in study.fits:\n"
        "    params = ', '.join(f'{p.name}={p.value:.3g}±{p.hesse_error:.2g}' for p in f.params)\n"
        "    print(f'{f.model:13s} AIC {f.aic:6.2f}  p(GoF) {f.gof_pvalue:.3f}  {params}')\n"
        "print('best by AIC:', study.best_aic)\n"
        "for r, c in zip(study.recommended_calibration, study.calibration):\n"
        "    print(f\"{100*c.target:.1f}%: inflate the band by {r['factor']:.2f} (out of sample); \"\n"
        "          f'in-sample quantile {c.factor:.2f} [{c.low:.2f}, {c.high:.2f}]')"
    ),
    new_markdown_cell("## 4. Figures"),
    new_code_cell(
        "scaleuq.plot_pull_histogram(study, title='reference-corrected')"
    ),
    new_code_cell(
        "t = corr.table\n"
        "scaleuq.plot_pulls_per_process(list(t['process']), list(t['process_class']), t['pull'].to_numpy(), t['pull_ref'].to_numpy())"
    ),
    new_markdown_cell(
        "All paper figures, with PNG/PDF/JSON sidecars and a summary, come from one command: "
        "`scaleuq figures --output-dir reports/`."
    ),
]

OWN_TABLE = [
    new_markdown_cell(
        "# Bringing your own table\n\n"
        "scaleuq reads CSV/TSV/JSON/YAML tables in its schema and rows pasted from MadGraph's "
        "paper tables. Here we write rows a.5-a.8 of arXiv:1405.0301 (Z + jets, 13 TeV) the way "
        "the paper prints them, read them back, and use them with a reference set of our choice."
    ),
    new_code_cell(
        "import tempfile\n"
        "from pathlib import Path\n\n"
        "import scaleuq\n\n"
        "rows = '''\\\n"
        "# rows a.5-a.8 of arXiv:1405.0301, cross sections in pb\n"
        "a.5  pp → Z        4.248 ± 0.005 · 10^4  +14.6% −15.8%  +2.0% −1.6%   5.410 ± 0.022 · 10^4  +4.6% −8.6%  +1.9% −1.5%\n"
        "a.6  pp → Z j      7.209 ± 0.005 · 10^3  +19.3% −17.0%  +1.2% −1.0%   9.742 ± 0.035 · 10^3  +5.8% −7.8%  +1.2% −1.0%\n"
        "a.7  pp → Z j j    2.348 ± 0.006 · 10^3  +24.3% −18.5%  +0.6% −0.6%   2.665 ± 0.010 · 10^3  +2.5% −6.0%  +0.7% −0.7%\n"
        "a.8  pp → Z j j j  6.314 ± 0.008 · 10^2  +40.8% −27.0%  +0.5% −0.5%   6.996 ± 0.028 · 10^2  +1.1% −6.8%  +0.5% −0.5%\n"
        "'''\n"
        "workdir = Path(tempfile.mkdtemp())\n"
        "path = workdir / 'zjets.txt'\n"
        "path.write_text(rows, encoding='utf-8')\n"
        "table = scaleuq.read_table(path)\n"
        "table[['process', 'id', 'n_final', 'lo_xsec_pb', 'lo_scale_up_rel', 'nlo_xsec_pb']]"
    ),
    new_markdown_cell("Every convention for $\\Delta\\sigma$, with and without the PDF uncertainty:"),
    new_code_cell(
        "for convention in scaleuq.CONVENTIONS:\n"
        "    for pdf in (False, True):\n"
        "        r = scaleuq.pulls(table, convention=convention, include_pdf=pdf)\n"
        "        print(f'{convention:12s} pdf={pdf!s:5s}', ' '.join(f'{t:6.3f}' for t in r.table['pull']))"
    ),
    new_markdown_cell(
        "The same table written as CSV in scaleuq's schema reads back identically; bad input "
        "gives one clear error naming file and line:"
    ),
    new_code_cell(
        "scaleuq.write_table(table, workdir / 'zjets.csv')\n"
        "again = scaleuq.read_table(workdir / 'zjets.csv')\n"
        "assert (again['lo_xsec_pb'] - table['lo_xsec_pb']).abs().max() < 1e-9\n\n"
        "bad = workdir / 'bad.csv'\n"
        "bad.write_text('process,n_final,lo_xsec_pb\\np p > z,1,-3\\n')\n"
        "try:\n"
        "    scaleuq.read_table(bad)\n"
        "except scaleuq.ScaleUQError as err:\n"
        "    print(err)"
    ),
    new_markdown_cell(
        "A reference set chosen from your own table with a selection expression (column "
        "comparisons, `in [...]`, `and`/`or`/`not`; `process_class` is available; never "
        "evaluated as Python) instead of the bundled QCD processes:"
    ),
    new_code_cell(
        "bundled = scaleuq.load_bundled('pulls')\n"
        "own_ref = scaleuq.select_reference(bundled, \"process_class == 'boson+jets' and n_final >= 3\")\n"
        "corr = scaleuq.reference_correct(table, reference=own_ref)\n"
        "print(corr.reference.processes)\n"
        "corr.table[['process', 'pull', 'pull_ref', 'flagged']]"
    ),    new_markdown_cell(
        "## From NanoAOD to pulls\n\n"
        "CMS NanoAOD samples carry the scale weights per event (`LHEScaleWeight`, their order in "
        "the branch title) and their sums over every generated event (`Runs`). Two small "
        "synthetic files written here with uproot (`scaleuq.write_nanoaod`, seeded toy weights, "
        "no physics) stand in for an LO and an NLO sample; the cross sections are the user's."
    ),
    new_code_cell(
        "lo_file = scaleuq.write_nanoaod(workdir / 'lo.root', 5000, seed=1)\n"
        "nlo_file = scaleuq.write_nanoaod(workdir / 'nlo.root', 5000, seed=2, "
        "negative_fraction=0.2, form='fortran')\n"
        "nano = scaleuq.ingest_nanoaod([lo_file], process='p p > z j', xsec='50+-0.5', "
        "nlo_files=[nlo_file], nlo_xsec=65, observable='LHE_Vpt', bins='0,50,100,400')\n"
        "for s in nano.nanoaod:\n"
        "    env = s.envelopes['9-point']\n"
        "    print(s.order, s.scale.describe(), f'+{100 * env.up_rel:.2f}% {100 * env.down_rel:.2f}%')\n"
        "print(scaleuq.pulls(nano.table).table[['process', 'k_factor', 'pull']])\n"
        "nano.differential.table[['xmin', 'xmax', 'k_factor', 'lo_up_rel', 'lo_dn_rel', 'pull']]"
    ),
]


INTO_YOUR_FIT = [
    new_markdown_cell(
        "# Using the result in your fit\n\n"
        "From pulls to a likelihood fit: a recommended band for a process without NLO, the band "
        "as a pyhf modifier, a fit with heavy-tailed constraints on it, and the coverage of the "
        "signal strength on pseudo-experiments. pyhf comes with `pip install \"scaleuq[fit]\"`."
    ),
    new_markdown_cell(
        "## 1. A recommended band for an LO-only process\n\n"
        "The example of issue 15: $pp \\to W^+W^-Z$ with only an LO band of +1.2% -1.5% (a "
        "user's number, not a published one). Its pull is undefined, but the reference band "
        "needs only n = 3, and the calibration factors come from the bundled corpus."
    ),
    new_code_cell(
        "from pathlib import Path\n\n"
        "import scaleuq\n\n"
        "Path('wwz.csv').write_text('process,n_final,lo_scale_up_pct,lo_scale_dn_pct\\np p > w+ w- z,3,1.2,-1.5\\n')\n"
        "rec = scaleuq.recommend_files(['wwz.csv'], n_bootstrap=500, seed=0)\n"
        "p = rec.of('p p > w+ w- z')\n"
        "print('LO band      ', p.raw.to_dict())\n"
        "print('reference    ', p.reference.to_dict())\n"
        "print('recommended 68%', p.recommended_68.to_dict(), ' 95%', p.recommended_95.to_dict())\n"
        "for k, v in rec.sources.items():\n"
        "    print(f'{k}: {v}')"
    ),
    new_markdown_cell(
        "## 2. The band as a pyhf workspace\n\n"
        "$pp \\to Zj$ (arXiv:1405.0301, row a.6) with the calibrated band as a normsys, and the "
        "NLO prediction as pseudo-data, so that the fit shows whether the band reaches NLO."
    ),
    new_code_cell(
        "import json\n"
        "import pyhf\n\n"
        "ws = scaleuq.export_pyhf(process='p p > z j', band='calibrated', observed='nlo', lumi_fb=0.01)\n"
        "print(json.dumps(ws.document['channels'][0]['samples'][0]['modifiers'], indent=1))\n"
        "model = pyhf.Workspace(ws.document).model()  # pyhf's own schema accepts it\n"
        "model.config.par_order"
    ),
    new_markdown_cell(
        "## 3. Heavy-tailed constraints\n\n"
        "pyhf's likelihood plus a Gaussian, Student-t or Cauchy constraint on the scale nuisance, "
        "its scale fitted to the corpus pulls (divided by s68, since the band is calibrated)."
    ),
    new_code_cell(
        "fit = scaleuq.fit_workspace(ws.document, band='calibrated')\n"
        "for f in fit.fits:\n"
        "    print(f'{f.constraint.label():34s} mu = {f.poi_hat:.3f}  68% [{f.poi_low_68:.3f}, {f.poi_high_68:.3f}]')\n"
        "scaleuq.plot_workspace_fit(fit)"
    ),
    new_markdown_cell(
        "## 4. Coverage on pseudo-experiments\n\n"
        "True shifts drawn from the pull distribution fitted to the corpus; the coverage of "
        "$\\mu = 1$ for each band and constraint (few toys here; `scaleuq figures` runs 2000)."
    ),
    new_code_cell(
        "toys = scaleuq.coverage_toys(n_toys=300, seed=0)\n"
        "for m in toys.methods:\n"
        "    print(f'{m.method:11s} 68%: {m.coverage_68:.0%}  95%: {m.coverage_95:.0%}   {m.description}')\n"
        "scaleuq.plot_toy_coverage(toys)"
    ),
]


BEYOND_NLO = [
    new_markdown_cell(
        "# Beyond LO -> NLO: the DIS series to N3LO\n\n"
        "Deep-inelastic structure functions are known to N3LO. `scaleuq series` computes them "
        "with hoppet (extra `series`) at the kinematics of the HERA data points (from "
        "`nnpdf_data`), at every order and at the 9 scale points, with **one PDF for all orders** "
        "(here hoppet's Les Houches toy PDF), so that only the missing higher orders differ. "
        "Then: pulls between any two orders, the NNPDF theory-covariance validation, and "
        "missing-higher-order methods side by side."
    ),
    new_code_cell(
        "import scaleuq\n\n"
        "series = scaleuq.series_dis(pdf='toy')  # HERA NC (10 <= Q^2 <= 1000 GeV^2) and CC at 318 GeV\n"
        "print(series.pdf_label)\n"
        "print(series.n_points, 'points,', series.n_rows, 'rows,', len(series.table), 'values')\n"
        "scaleuq.write_long(series.table, 'dis_toy.csv')\n"
        "series.table.head()"
    ),
    new_markdown_cell("## 1. Pulls between consecutive orders\n\n"
                      "$t = (T_{k+1} - T_k)/\\Delta T_k$ with the 7-point envelope of order $k$. "
                      "$F_L$ has no LO term: its LO -> NLO pull is undefined, with that reason."),
    new_code_cell(
        "table = scaleuq.read_table('dis_toy.csv')  # the long format reads into the table schema\n"
        "for a, b in [('lo', 'nlo'), ('nlo', 'nnlo'), ('nnlo', 'n3lo')]:\n"
        "    result = scaleuq.pulls(table, from_order=a, to_order=b)\n"
        "    print(f'{a:>4} -> {b:<4}', result.summary.line())\n"
        "undefined = scaleuq.pulls(table).table.dropna(subset=['reason'])\n"
        "print(undefined['reason'].iloc[0])"
    ),
    new_markdown_cell("## 2. The NNPDF theory covariance (7-point prescription), NLO -> NNLO"),
    new_code_cell(
        "import pandas as pd\n\n"
        "long = scaleuq.read_long('dis_toy.csv')\n"
        "v = scaleuq.validate_covariance(long, from_order='nlo', to_order='nnlo', prescription='7')\n"
        "print(f'{v.n_points} points, {v.n_eigen} eigenvectors: theta = {v.theta_deg:.1f} deg, '\n"
        "      f'1 - sin(theta) = {v.efficiency_doc:.3f}, validation_theory_chi2 = '\n"
        "      f'{v.validation_theory_chi2:.3g} (eigenvalue cut {v.eigen_cut:g})')\n"
        "pd.DataFrame([e.to_dict() for e in v.eigen])"
    ),
    new_markdown_cell("A small angle (the shift lies almost inside the space the scale variations "
                      "span) does not mean a small $\\chi^2$: the shift can be large along the "
                      "smallest eigenvectors."),
    new_code_cell(
        "scaleuq.plot_eigen(v);\n"
        "scaleuq.plot_shift_vs_sigma(v);"
    ),
    new_markdown_cell("## 3. Missing-higher-order methods side by side\n\n"
                      "Coverage of the next order by each method's 68% and 95% intervals, and the "
                      "factor that would calibrate them. The points of one series are correlated: "
                      "these are not binomial fractions of independent processes."),
    new_code_cell(
        "comparison = scaleuq.mhou(long)\n"
        "scaleuq.plot_mhou_coverage(comparison);\n"
        "pd.DataFrame([r.to_dict() for r in comparison.rows]).round(3)"
    ),
]


def main() -> None:
    for name, cells in (("01_pull_study.ipynb", PULL_STUDY), ("02_bring_your_own_table.ipynb", OWN_TABLE),
                        ("03_beyond_nlo.ipynb", BEYOND_NLO), ("04_into_your_fit.ipynb", INTO_YOUR_FIT)):
        # first cell: draw figures in the notebook (scaleuq's plots are matplotlib Figures
        # made without pyplot, which Jupyter shows as `<Figure ...>` text without it)
        cells = [new_code_cell(MATPLOTLIB_INLINE), *cells]
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        for i, cell in enumerate(nb.cells):  # stable cell ids: regenerating changes nothing
            cell["id"] = f"{Path(name).stem[:2]}-{i:02d}"
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    main()
