"""Options declared once (issue 18): one spelling, meaning and default per concept; option
records; old spellings accepted with a deprecation warning; global flags anywhere."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scaleuq.cli import main
from scaleuq.errors import OptionError
from scaleuq.options import PullOptions


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_debug_and_quiet_are_accepted_after_the_subcommand(runner) -> None:
    bad = ["pulls", "no-such-file.csv"]
    plain = runner.invoke(main, bad)
    assert plain.exit_code == 1 and plain.exception is not None  # SystemExit(1), no traceback
    assert isinstance(plain.exception, SystemExit)
    debug = runner.invoke(main, [*bad, "--debug"])
    assert debug.exit_code == 1 and not isinstance(debug.exception, SystemExit)  # re-raised
    quiet = runner.invoke(main, ["pulls", "--format", "json", "-q"])
    assert quiet.exit_code == 0 and json.loads(quiet.stdout)["processes"]


def test_old_spellings_work_with_a_deprecation_warning(runner) -> None:
    new = runner.invoke(
        main, ["fit", "--stage", "after", "--model", "gauss", "--bootstrap", "0", "--gof", "0",
               "--format", "json"],
    )  # fmt: skip
    old = runner.invoke(
        main, ["fit", "--after", "--model", "gauss", "--bootstrap", "0", "--gof-samples", "0",
               "--format", "json"],
    )  # fmt: skip
    assert new.exit_code == 0 and old.exit_code == 0, old.output
    assert json.loads(new.stdout) == json.loads(old.stdout)  # stdout untouched by the warnings
    assert "--after is deprecated, use --stage after" in old.stderr
    assert "--gof-samples is deprecated, use --gof" in old.stderr
    assert "deprecated" not in new.stderr


def test_old_spellings_after_double_dash_are_left_alone() -> None:
    from scaleuq.cli.options import rewrite_deprecated

    warnings: list[str] = []
    out = rewrite_deprecated(["--workers", "2", "--", "--workers"], warnings.append)
    assert out == ["--jobs", "2", "--", "--workers"] and len(warnings) == 1
    assert rewrite_deprecated(["--n-mode=final_state"], warnings.append) == ["--n-mode=final-state"]


@pytest.mark.parametrize("seed", ["-1", "1.5", "abc"])
@pytest.mark.parametrize("command", [["fit"], ["figures", "-d", "never-written"]])
def test_seed_is_one_type_everywhere(runner, tmp_path, command, seed) -> None:
    result = runner.invoke(main, [*command, "--seed", seed])
    assert result.exit_code == 2 and "a seed is a non-negative integer" in result.output
    assert not (tmp_path / "never-written").exists()


def test_bootstrap_zero_is_accepted_by_fit_and_figures(runner, tmp_path) -> None:
    for args in (["fit", "--model", "gauss", "--gof", "0"],
                 ["-q", "figures", "-d", str(tmp_path / "r"), "--gof", "0"]):  # fmt: skip
        result = runner.invoke(main, [*args, "--bootstrap", "0"])
        assert result.exit_code == 0, result.output


def test_pull_options_record_validates_when_made() -> None:
    assert PullOptions().convention == "directional"
    with pytest.raises(OptionError, match="unknown convention 'upward'"):
        PullOptions(convention="upward")
    with pytest.raises(OptionError, match="not both"):
        PullOptions(reference="ref.csv", reference_select="qcd")
    assert PullOptions(include_pdf=True).to_dict()["include_pdf"] is True


def test_the_cli_hands_one_record_to_the_workflow(runner, monkeypatch) -> None:
    """`scaleuq pulls` parses its options into one PullOptions and makes one workflow call."""
    import scaleuq.workflows.core as core

    seen: list[PullOptions] = []
    real = core.pulls_workflow

    def spy(tables, options, **kwargs):
        seen.append(options)
        return real(tables, options, **kwargs)

    monkeypatch.setattr(core, "pulls_workflow", spy)
    result = runner.invoke(main, ["pulls", "--convention", "symmetric", "--include-pdf"])
    assert result.exit_code == 0, result.output
    assert seen == [PullOptions(convention="symmetric", include_pdf=True)]


def test_a_registered_table_format_is_listed_and_read(tmp_path) -> None:
    """--table-format lists the registered readers (issue 18: input readers are a registry)."""
    from click.testing import CliRunner as Runner

    from scaleuq.io.tables import TABLE_READERS, TableReader, register_table_reader

    def semicolons(path):
        lines = path.read_text().splitlines()
        head = lines[0].split(";")
        return [(i, dict(zip(head, line.split(";")))) for i, line in enumerate(lines[1:], 2)], None

    register_table_reader("semicolon", TableReader((".scsv",), semicolons))
    try:
        help_text = Runner().invoke(main, ["pulls", "--help"], terminal_width=300).output
        assert "semicolon" in help_text
        table = tmp_path / "t.scsv"
        table.write_text("process;n_final;lo_xsec_pb;nlo_xsec_pb;lo_scale_up_pct;lo_scale_dn_pct\n"
                         "p p > z;1;10;12;10;-10\n")  # fmt: skip
        result = Runner().invoke(main, ["pulls", str(table), "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["processes"][0]["pull"] == pytest.approx(2.0)
    finally:
        TABLE_READERS.unregister("semicolon")


def test_provenance_of_a_command_that_reads_no_table_names_no_table() -> None:
    """JSON provenance: the bundled data only where a table command was given no table."""
    from scaleuq.cli._common import meta

    assert meta("pulls", ())["inputs"] == ["bundled:pulls"]
    assert meta("pulls", ("a.csv",))["inputs"] == ["a.csv"]
    assert meta("decorrelation toy", None, seed=0)["inputs"] == []
