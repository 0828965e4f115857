import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.errors import InputErrors
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set

MINIMAL_PLAN = '[company]\nname = "Elektro-Müller AG"\n'
SCENARIO = """\
[[scenario]]
id = "{id}"
title = "Leaks"
severity = "high"

[scenario.trigger]
mentions = 3
within = "{within}"

[[scenario.rule]]
id = "leak"
any = ["leak"]

[[scenario.step]]
id = "notify"
title = "Notify PR"
role = "lead"
deadline = "10m"

[[scenario.step]]
id = "statement"
title = "Holding statement"
role = "pr"
deadline = "30m"
after = ["{gate}"]
"""


def write_set(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


def scenario(id: str = "leaks", within: str = "10m", gate: str = "notify") -> str:
    return SCENARIO.format(id=id, within=within, gate=gate)


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        load_runbook_set(path)
    return [str(error) for error in caught.value.errors]


def test_the_bundled_set_covers_the_seed_scenarios(runbooks: RunbookSet) -> None:
    ids = {scenario.id for scenario in runbooks.scenarios}
    assert {"product-defect", "data-leak-rumour", "offensive-post", "service-outage", "positive-hype"} <= ids
    defect = runbooks.scenario("product-defect")
    assert "pr-advisor" in defect.notify
    assert any(step.channel == "blog" for step in defect.step)
    assert any(step.after for step in defect.step), "the chain has gates"
    assert runbooks.deescalation.vip and runbooks.deescalation.troublemaker


def test_a_valid_set_across_files_loads(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, a=scenario("a"), b=scenario("b"))
    assert [s.id for s in load_runbook_set(folder).scenarios] == ["a", "b"]


def test_unknown_key_is_reported_with_file_and_line(tmp_path: Path) -> None:
    text = scenario().replace('severity = "high"', 'severity = "high"\nseverety = "low"')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:5: unknown key 'scenario.severety'"]


def test_wrong_type_and_bad_duration_name_their_lines(tmp_path: Path) -> None:
    text = scenario(within="ten minutes").replace("mentions = 3", 'mentions = "three"')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    found = errors_of(folder)
    assert any(e.startswith(f"{folder / 'leaks.toml'}:7: scenario.trigger.mentions:") for e in found), found
    assert any(e.startswith(f"{folder / 'leaks.toml'}:8: ") and "bad duration 'ten minutes'" in e for e in found), found


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, a=scenario("same"), b=scenario("same"))
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'b.toml'}:2: duplicate scenario id 'same'")
    assert f"{folder / 'a.toml'}:2" in error


def test_gate_on_a_missing_step(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario(gate="nowhere"))
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:25: step 'statement': gate on a missing step 'nowhere'"]


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    folder = write_set(
        tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario().replace('title = "Leaks"', "title = Leaks")
    )
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:3: TOML syntax error")


def test_a_set_without_company_is_refused(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", leaks=scenario())
    assert errors_of(folder) == [f"{folder}: no [company] section in any file of this set"]


def test_check_command_reports_and_exits_non_zero(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario(gate="nowhere"))
    result = CliRunner().invoke(main, ["runbooks", "check", str(folder)])
    assert result.exit_code == 2
    assert "leaks.toml:25: step 'statement': gate on a missing step 'nowhere'" in result.output
    assert "Traceback" not in result.output


def test_check_command_accepts_the_bundled_set(tmp_path: Path) -> None:
    copy = shutil.copytree(bundled_runbooks_dir(), tmp_path / "mine")
    result = CliRunner().invoke(main, ["runbooks", "check", str(copy)])
    assert result.exit_code == 0, result.output
    assert "5 scenarios" in result.output
