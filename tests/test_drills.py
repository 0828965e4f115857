import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.drills.player import DrillPlayer
from smwar.drills.script import find_drill, load_drill
from smwar.errors import InputErrors
from smwar.runbooks.definitions import RunbookSet, author_tags
from smwar.runbooks.matcher import RuleMatcher

from .conftest import start_drill

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_the_bundled_drill_is_a_realistic_storm(runbooks: RunbookSet) -> None:
    script = load_drill(find_drill(None))
    assert script.drill.id == "washer-leak"
    assert len(script.inject) >= 300
    assert timedelta(minutes=28) <= script.length <= timedelta(minutes=32)
    assert {inject.lang for inject in script.inject} == {"de", "en"}
    assert {"mastodon", "bluesky", "rss", "reddit", "hackernews"} <= {i.network for i in script.inject}
    tags = [author_tags(runbooks.deescalation, i.network, i.author, i.followers) for i in script.inject]
    assert any("vip" in t for t in tags) and any("troublemaker" in t for t in tags)
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    matched = [bool(matcher.match(script.mention(n, T0))) for n in range(len(script.inject))]
    assert 0.2 < sum(matched) / len(matched) < 0.8, "a storm has both on-topic posts and noise"
    first_minutes = [inject for inject in script.inject if inject.at < timedelta(minutes=3)]
    assert first_minutes, "mentions appear from the start"


def test_the_player_hands_out_injects_when_due_and_resumes_after_the_played_ones() -> None:
    script = load_drill(find_drill(None))
    player = DrillPlayer(script, T0)
    assert player.due(T0) == []
    first = player.due(T0 + timedelta(minutes=5))
    assert first and all(m.posted_at <= T0 + timedelta(minutes=5) for m in first)
    assert player.due(T0 + timedelta(minutes=5)) == []
    resumed = DrillPlayer(script, T0, played=[script.index_of(m.native_id) for m in first])
    assert resumed.due(T0 + timedelta(minutes=5)) == []
    assert resumed.remaining == player.remaining


def test_drill_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        '[drill]\nid = "x"\ntitle = "t"\ncompany = "c"\n\n[[inject]]\nat = "soon"\n'
        'network = "myspace"\nauthor = "a"\ntext = "t"\n'
    )
    with pytest.raises(InputErrors) as caught:
        load_drill(path)
    found = [str(error) for error in caught.value.errors]
    assert any(e.startswith(f"{path}:7: inject.at: bad offset 'soon'") for e in found), found
    assert any(e.startswith(f"{path}:8: inject.network:") for e in found), found


def test_a_broken_drill_stops_start_up_without_a_traceback(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        '[drill]\nid = "x"\ntitle = "t"\ncompany = "c"\n\n[[inject]]\nat = "00:10"\n'
        'network = "mastodon"\nauthor = "a"\ntext = "t"\nlikes = 3\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "smwar", "drill", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert f"{path}:11: unknown key 'inject.likes'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_runbook_stops_a_drill_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text('[company]\nname = "X"\nfounded = 1962\n')
    result = CliRunner().invoke(main, ["drill", "--runbooks", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'plan.toml'}:3: unknown key 'company.founded'" in result.output


def test_an_unknown_drill_name_lists_the_bundled_ones() -> None:
    result = CliRunner().invoke(main, ["drill", "no-such-drill"])
    assert result.exit_code == 2
    assert "washer-leak" in result.output


def test_live_mode_without_sources_points_to_the_drill() -> None:
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 1
    assert "smwar drill" in result.output


def test_speed_outside_1_to_60_is_refused() -> None:
    result = CliRunner().invoke(main, ["drill", "--speed", "100"])
    assert result.exit_code == 2
    assert "between 1x and 60x" in result.output


def test_smwar_home_holds_each_drill_run_in_a_journal_of_its_own(runbooks: RunbookSet, home: Path) -> None:
    first, _, _ = start_drill(runbooks)
    first.journal.close()
    second, _, _ = start_drill(runbooks, fresh=True)
    assert first.journal.path.parent == second.journal.path.parent == home / "data" / "drills"
    assert first.journal.path != second.journal.path
    assert second.journal.meta()["mode"] == "drill"
    second.journal.close()
    runs = {path.name for path in (home / "data" / "drills").iterdir()}
    names = [path.name for path in (first.journal.path, second.journal.path)]
    assert runs == {f"{name}{end}" for name in names for end in ("", "-turn", "-waiting")}, "nothing of a run's making"
    result = CliRunner().invoke(main, ["paths"])
    assert str(home / "data" / "drills") in result.output
