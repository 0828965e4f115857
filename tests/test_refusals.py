"""Nonsense is refused with a line: durations of no time (or a bare number, or past a year),
a chain step given a role nobody has, a drill that expects a scenario its runbooks lack; and a
command given a path it cannot use says so in one line, never with a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.drills.script import load_drill
from smwar.engine.drill import open_drill_run
from smwar.errors import InputErrors
from smwar.paths import bundled_runbooks_dir, config_dir, drill_runs_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set
from tests.conftest import SHORT_DRILL
from tests.test_review import worked
from tests.test_runbooks import MINIMAL_PLAN, errors_of, scenario, write_set

DRILL = """\
[drill]
id = "tiny"
title = "Tiny"
company = "Elektro-Müller AG"

[[expected.incident]]
scenario = "product-defect"
open_by = "{open_by}"

[[outage]]
network = "mastodon"
at = "00:30"
lasts = {lasts}

[[inject]]
at = {at}
network = "mastodon"
author = "@a@social.example"
text = "Meine AquaPro ist ausgelaufen"
"""


def drill(folder: Path, open_by: str = "05:00", lasts: str = '"01:00"', at: str = '"00:00"') -> Path:
    path = folder / "tiny.toml"
    path.write_text(DRILL.format(open_by=open_by, lasts=lasts, at=at), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_war_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """A drill that should have been refused fails the test instead of starting the full-screen app."""

    def played(_: object) -> None:
        pytest.fail("the war room started")

    monkeypatch.setattr("smwar.tui.app.WarRoomApp.run", played)


def refused(*args: str) -> str:
    """The output of a command that must fail as a user's error: non-zero, no traceback."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


# -- durations ------------------------------------------------------------------------------

PLAN_WITH_TRENDS = MINIMAL_PLAN + '[trends]\nwindow = "{window}"\n'


@pytest.mark.parametrize(
    ("within", "deadline", "line", "message"),
    [
        ('"0s"', '"10m"', 8, "scenario.trigger.within: must be more than zero"),
        ('"10m"', '"0m"', 18, "scenario.step.deadline: must be more than zero"),
        ('"10m"', '"0h0m0s"', 18, "scenario.step.deadline: must be more than zero"),
        ("15", '"10m"', 8, 'scenario.trigger.within: write it in quotes, like "15m"'),
        ('"10m"', "-600", 18, 'scenario.step.deadline: write it in quotes, like "15m"'),
        ('"10m"', "true", 18, 'scenario.step.deadline: write it in quotes, like "15m"'),
        ('"10m"', "00:10:00", 18, 'scenario.step.deadline: write it in quotes, like "15m"'),
        ('"10m"', '"99999999h"', 18, "scenario.step.deadline: '99999999h' is too long: at most a year"),
    ],
)
def test_a_runbook_duration_of_no_time_a_bare_number_or_past_a_year_is_refused(
    tmp_path: Path, within: str, deadline: str, line: int, message: str
) -> None:
    text = (
        scenario().replace('within = "10m"', f"within = {within}").replace('deadline = "10m"', f"deadline = {deadline}")
    )
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:{line}: {message}"]


def test_a_trend_window_of_no_time_is_refused(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=PLAN_WITH_TRENDS.format(window="0m"), leaks=scenario())
    assert errors_of(folder) == [f"{folder / 'plan.toml'}:4: trends.window: must be more than zero"]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ({"lasts": '"00:00"'}, 13, "outage.lasts: must be more than zero"),
        ({"lasts": "180"}, 13, 'outage.lasts: write it in quotes, like "12:30"'),
        ({"open_by": "0:00"}, 8, "expected.incident.open_by: must be more than zero"),
        ({"at": "-30"}, 16, 'inject.at: write it in quotes, like "12:30"'),
        ({"at": '"9999999999:00:00"'}, 16, "inject.at: '9999999999:00:00' is too long: at most a year"),
    ],
)
def test_a_drill_offset_before_the_start_or_a_span_of_no_time_is_refused(
    tmp_path: Path, change: dict[str, str], line: int, message: str
) -> None:
    path = drill(tmp_path, **change)
    with pytest.raises(InputErrors) as caught:
        load_drill(path)
    assert [str(error) for error in caught.value.errors] == [f"{path}:{line}: {message}"]
    assert f"{path}:{line}: {message}" in refused("drill", "play", str(path))


def test_a_drill_starting_at_its_first_moment_is_fine(tmp_path: Path) -> None:
    assert load_drill(drill(tmp_path, at='"00:00"')).inject[0].at.total_seconds() == 0


# -- roles ----------------------------------------------------------------------------------

PLAN_WITH_OWNERS = (
    MINIMAL_PLAN
    + '[[channel]]\nid = "blog"\ntitle = "Blog"\nkind = "blog"\nowner = "communications"\n'
    + '[[contact]]\nid = "legal"\nname = "Legal"\nrole = "Legal department"\nreach = "legal@example.org"\n'
)


def test_a_step_naming_a_role_nobody_has_is_refused_with_the_roles_there_are(tmp_path: Path) -> None:
    text = scenario().replace('role = "pr-liaison"', 'role = "pr-liason"')
    folder = write_set(tmp_path / "set", plan=PLAN_WITH_OWNERS, leaks=text)
    assert errors_of(folder) == [
        f"{folder / 'leaks.toml'}:23: step 'statement': no role 'pr-liason' "
        "(roles: communications, lead, legal, pr-liaison, responder, scribe)"
    ]


@pytest.mark.parametrize("role", ["scribe", "communications", "legal"])
def test_a_step_may_go_to_a_war_room_role_an_owner_or_a_contact(tmp_path: Path, role: str) -> None:
    text = scenario().replace('role = "pr-liaison"', f'role = "{role}"')
    loaded = load_runbook_set(write_set(tmp_path / "set", plan=PLAN_WITH_OWNERS, leaks=text))
    assert loaded.scenario("leaks").step_by_id("statement").role == role


# -- drills against their runbooks ----------------------------------------------------------


def test_runbooks_check_refuses_a_drill_of_the_set_expecting_a_scenario_it_lacks(tmp_path: Path) -> None:
    copy = shutil.copytree(bundled_runbooks_dir(), tmp_path / "mine")
    washer = copy / "drills" / "washer-leak.toml"
    text = washer.read_text(encoding="utf-8")
    text = text.replace('scenario = "product-defect"', 'scenario = "product-defekt"', 1)
    washer.write_text(text.replace('"offensive-post"]', '"offensive-posts"]'), encoding="utf-8")
    output = refused("runbooks", "check", str(copy))
    known = "(scenarios: data-leak-rumour, offensive-post, positive-hype, product-defect, service-outage)"
    assert output.splitlines() == [
        f"{washer}:16: expected.incident.scenario: no scenario 'product-defekt' in the runbooks {known}",
        f"{washer}:13: expected.not_opened: no scenario 'offensive-posts' in the runbooks {known}",
    ]


def test_runbooks_check_counts_the_drills_it_checked(tmp_path: Path) -> None:
    copy = shutil.copytree(bundled_runbooks_dir(), tmp_path / "mine")
    result = CliRunner().invoke(main, ["runbooks", "check", str(copy)])
    assert result.exit_code == 0, result.output
    assert "9 request types, 3 drills: OK" in result.output


def test_a_drill_expecting_a_scenario_the_runbooks_lack_is_not_played(tmp_path: Path) -> None:
    path = drill(tmp_path)
    runbooks = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario())
    output = refused("drill", "play", str(path), "--runbooks", str(runbooks))
    assert output == (
        f"{path}:7: expected.incident.scenario: no scenario 'product-defect' in the runbooks (scenarios: leaks)\n"
    )
    assert not drill_runs_dir().exists() or not any(drill_runs_dir().iterdir()), "no run was made for it"


def test_a_drill_file_expecting_a_scenario_the_runbooks_lack_is_refused_on_resume_as_with_new(
    tmp_path: Path,
) -> None:
    path = drill(tmp_path)
    run = open_drill_run(path, fresh=True, now=datetime.now(UTC), runbooks=load_runbook_set(bundled_runbooks_dir()))
    run.journal.close()
    path.write_text(path.read_text(encoding="utf-8").replace("product-defect", "product-defekt"), encoding="utf-8")
    known = "(scenarios: data-leak-rumour, offensive-post, positive-hype, product-defect, service-outage)"
    refusal = f"{path}:7: expected.incident.scenario: no scenario 'product-defekt' in the runbooks {known}\n"
    for new in ([], ["--new"]):
        result = CliRunner().invoke(main, ["drill", "play", str(path), *new])
        assert (result.exit_code, result.output) == (2, refusal)


def test_a_resumed_drill_is_checked_as_the_run_began_not_as_the_file_now_reads(tmp_path: Path) -> None:
    path = drill(tmp_path)
    run = open_drill_run(path, fresh=True, now=datetime.now(UTC), runbooks=load_runbook_set(bundled_runbooks_dir()))
    run.journal.close()
    path.write_text(path.read_text(encoding="utf-8").replace("product-defect", "leaks"), encoding="utf-8")
    runbooks = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario())
    output = refused("drill", "play", str(path), "--runbooks", str(runbooks))
    assert output == (
        f"{path.resolve()}:7: expected.incident.scenario: no scenario 'product-defect' in the runbooks"
        " (scenarios: leaks)\n"
    )


# -- the command line -----------------------------------------------------------------------


@pytest.fixture
def played(runbooks: RunbookSet) -> Any:
    run, _clock, _session, _incident = worked(runbooks)
    run.journal.close()
    return run


def test_exporting_into_a_missing_directory_says_so_in_one_line(tmp_path: Path, played: Any) -> None:
    for fmt in ("md", "csv"):
        target = tmp_path / "no" / "such" / f"pm.{fmt}"
        output = refused("export", "1", "--run", played.name, "--format", fmt, "-o", str(target))
        assert output == f"smwar: {target}: cannot write: No such file or directory\n"


def test_exporting_to_no_file_name_is_a_usage_error(played: Any) -> None:
    assert "'.' names no file" in refused("export", "1", "--run", played.name, "-o", "")


def test_a_debrief_against_another_drill_or_a_script_not_there_is_refused_in_one_line(
    tmp_path: Path, played: Any
) -> None:
    def debrief(script: Path) -> tuple[int, str]:
        result = CliRunner().invoke(main, ["drill", "debrief", "--script", str(script), played.name])
        return result.exit_code, result.output

    assert debrief(SHORT_DRILL) == (
        2,
        f"smwar: {SHORT_DRILL}: drill 'short-leak', but run {played.name} played drill 'scored-leak'\n",
    )
    missing = tmp_path / "nosuch.toml"
    assert debrief(missing) == (2, f"{missing}: cannot read: No such file or directory\n")
    moved = Path(shutil.copy(played.script_path, tmp_path / "moved.toml"))
    code, output = debrief(moved)
    assert code == 0 and f"- Run: `{played.name}` (drill `scored-leak`)" in output, output


def test_a_debrief_or_generated_drill_into_a_missing_directory_says_so_in_one_line(tmp_path: Path, played: Any) -> None:
    target = tmp_path / "no" / "such" / "out"
    expected = f"smwar: {target}: cannot write: No such file or directory\n"
    assert refused("drill", "debrief", played.name, "-o", str(target)) == expected
    assert refused("drill", "generate", "--scenario", "product-defect", "-o", str(target)) == expected


@pytest.fixture
def unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file that cannot be opened (tests may run as root, whom a chmod does not stop)."""
    path = tmp_path / "mentions.jsonl"
    path.write_text('{"text": "leak"}\n', encoding="utf-8")
    opened = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    return path


def test_ingesting_or_trying_an_unreadable_file_says_so_in_one_line(unreadable: Path) -> None:
    expected = f"smwar: {unreadable}: cannot read: Permission denied\n"
    assert refused("ingest", str(unreadable)) == expected
    assert refused("runbooks", "try", "--file", str(unreadable), "--runbooks", str(bundled_runbooks_dir())) == expected


@pytest.mark.parametrize(
    "args",
    [
        ["runbooks", "try", "leak", "--followers", "-5"],
        ["runbooks", "try", "leak", "--network", "myspace"],
        ["sources", "test", "any", "--seconds", "0"],
    ],
)
def test_nonsense_options_are_usage_errors(args: list[str]) -> None:
    assert "Invalid value for" in refused(*args)


def test_the_short_drill_still_loads_against_the_bundled_runbooks(runbooks: RunbookSet) -> None:
    assert load_drill(SHORT_DRILL, runbooks=runbooks).drill.id == "short-leak"


def test_a_data_directory_that_cannot_hold_a_journal_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the data directory should be", encoding="utf-8")
    monkeypatch.setenv("SMWAR_HOME", str(home))
    output = refused("ingest", "-")
    assert output.startswith(f"smwar: {home / 'data' / 'live.sqlite'}: cannot open a journal here (")
    assert output.count("\n") == 1
    drill_output = refused("drill", "play", str(SHORT_DRILL), "--runbooks", str(bundled_runbooks_dir()))
    assert "cannot open a journal here" in drill_output and drill_output.count("\n") == 1


def test_a_directory_where_the_journal_should_be_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMWAR_HOME", str(tmp_path))
    (tmp_path / "data" / "live.sqlite").mkdir(parents=True)
    assert refused("export", "1") == f"smwar: {tmp_path / 'data' / 'live.sqlite'}: not a journal file\n"


# -- journals that are only read --------------------------------------------------------------

UNREACHABLE = "postgresql://smwar@127.0.0.1:1/warroom"  # never connected to: the source is refused first
READING = [
    ["journal", "check", "--journal", "{journal}"],
    ["export", "1", "--run", "{journal}"],
    ["drill", "debrief", "{journal}"],
    ["journal", "migrate", "--from", "{journal}", "--to", UNREACHABLE],
]


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def refused_in_one_line(*args: str) -> str:
    """The output of a command refused as a user's error: exit 2, one line, no traceback."""
    result = CliRunner().invoke(main, list(args))
    assert (result.exit_code, result.output.count("\n")) == (2, 1), result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.parametrize("command", READING, ids=lambda command: " ".join(command[:2]))
def test_a_command_that_reads_a_journal_refuses_an_empty_file_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("mentions.jsonl").touch()
    args = [arg.format(journal="mentions.jsonl") for arg in command]
    assert refused_in_one_line(*args) == "smwar: mentions.jsonl: no journal there\n"
    assert files_under(tmp_path) == ["home", "home/data", "mentions.jsonl"]
    assert Path("mentions.jsonl").read_bytes() == b""


@pytest.mark.parametrize("journal", ["nosuch.sqlite", "sqlite:{folder}/missing/x.sqlite"])
@pytest.mark.parametrize("command", [READING[0], READING[3]], ids=["check", "migrate"])
def test_a_journal_to_read_that_is_not_there_is_refused_and_not_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], journal: str
) -> None:
    monkeypatch.chdir(tmp_path)
    address = journal.format(folder=tmp_path)
    shown = address.removeprefix("sqlite:")
    args = [arg.format(journal=address) for arg in command]
    assert refused_in_one_line(*args) == f"smwar: {shown}: no journal there\n"
    assert files_under(tmp_path) == ["home", "home/data"]


def test_checking_the_live_journal_before_there_is_one_does_not_make_it(tmp_path: Path) -> None:
    live = tmp_path / "home" / "data" / "live.sqlite"
    assert refused_in_one_line("journal", "check") == f"smwar: {live}: no journal there\n"
    assert files_under(tmp_path) == ["home", "home/data"]


@pytest.mark.parametrize("command", [READING[0], READING[3]], ids=["check", "migrate"])
def test_a_journal_address_of_an_unknown_kind_is_refused_not_taken_for_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    args = [arg.format(journal="mysql://a@b/c") for arg in command]
    assert refused_in_one_line(*args) == (
        "smwar: unknown kind of journal address 'mysql://a@b/c' (a file path, sqlite:PATH or postgresql://…)\n"
    )
    assert files_under(tmp_path) == ["home", "home/data"]


def test_drill_history_passes_over_an_empty_run_file_and_leaves_it_empty(tmp_path: Path) -> None:
    drill_runs_dir().mkdir(parents=True)
    empty = drill_runs_dir() / "2024-01-01-0000-tiny.sqlite"
    empty.touch()
    result = CliRunner().invoke(main, ["drill", "history"])
    assert (result.exit_code, result.output) == (0, "No drill runs yet.\nPlay one with: smwar drill\n")
    assert list(drill_runs_dir().iterdir()) == [empty]
    assert empty.read_bytes() == b""


# -- arguments that are no text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ([b"runbooks", b"try", b"x\xff"], b"x\\xff"),
        ([b"sources", b"add", b"jsonl", b"x", b"path=/tmp/\xff"], b"path=/tmp/\\xff"),
        ([b"--as", b"\xfe", b"paths"], b"\\xfe"),
    ],
)
def test_an_argument_that_is_no_utf8_text_is_refused_in_one_line_and_nothing_written(
    args: list[bytes], shown: bytes
) -> None:
    done = subprocess.run([sys.executable, "-m", "smwar", *args], capture_output=True, check=False)
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == b"smwar: argument '" + shown + b"' is not UTF-8 text\n"
    assert not config_dir().exists()
