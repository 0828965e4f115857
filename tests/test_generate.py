"""Generated drills: reproducible from their seed, playable, and their expected response is
what the runbook would make of them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.drills.generate import TROLL_COPIES, generate
from smwar.drills.script import find_drill, load_drill
from smwar.runbooks.definitions import RunbookSet

from .conftest import start_drill


def written(tmp_path: Path, runbooks: RunbookSet, scenario: str, seed: int) -> Path:
    path = tmp_path / f"{scenario}-{seed}.toml"
    path.write_text(generate(runbooks, scenario, seed, 30), encoding="utf-8")
    return path


def test_the_same_seed_gives_the_same_drill_and_another_seed_another(runbooks: RunbookSet) -> None:
    assert generate(runbooks, "product-defect", 7, 30) == generate(runbooks, "product-defect", 7, 30)
    assert generate(runbooks, "product-defect", 7, 30) != generate(runbooks, "product-defect", 8, 30)


def test_a_generated_storm_has_a_vip_a_copy_paste_campaign_noise_and_its_expected_response(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    script = load_drill(written(tmp_path, runbooks, "data-leak-rumour", 3))
    assert 40 < len(script.inject) < 400 and script.length <= timedelta(minutes=30)
    [vip] = script.expected.answer
    assert any(i.author == vip and (i.followers or 0) >= runbooks.deescalation.vip_followers for i in script.inject)
    trolls = set(script.expected.leave_alone)
    campaign = [i.text for i in script.inject if i.author in trolls]
    assert len(campaign) == TROLL_COPIES and len(set(campaign)) == 1, "one text, copy-pasted"
    assert any("Thomas Müller" in i.text or "Drogerie" in i.text or "Bosch" in i.text for i in script.inject)
    [incident] = script.expected.incident
    assert incident.scenario == "data-leak-rumour"


def test_playing_a_generated_drill_proposes_the_expected_incident_before_its_deadline(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    path = written(tmp_path, runbooks, "product-defect", 11)
    [expected] = load_drill(path).expected.incident
    run, clock, session = start_drill(runbooks, path)
    proposed = None
    while proposed is None and clock.now() - run.clock_start < expected.open_by:
        clock.advance(timedelta(seconds=15))
        proposed = next((p for p in session.pipeline.poll().proposals if p.scenario_id == "product-defect"), None)
    assert proposed is not None, "the trigger fires in time to open the incident by its deadline"


def test_a_generated_drill_shows_the_warning_signs_before_the_trigger(tmp_path: Path, runbooks: RunbookSet) -> None:
    path = written(tmp_path, runbooks, "product-defect", 11)
    script = load_drill(path)
    journalists = {person.handle for person in runbooks.deescalation.journalist}
    assert journalists & set(script.expected.answer), "the journalist who asks is to be answered"
    run, clock, session = start_drill(runbooks, path)
    proposed = None
    while proposed is None and clock.now() - run.clock_start < timedelta(minutes=15):
        clock.advance(timedelta(seconds=15))
        proposed = next((p for p in session.pipeline.poll().proposals if p.scenario_id == "product-defect"), None)
    assert proposed is not None
    warnings = [e for e in session.journal.events(kind="alert.warning") if e.payload["scenario"] == "product-defect"]
    assert warnings and warnings[0].at < proposed.proposed_at, "a sign showed before the trigger fired"
    assert {"Early warning: A journalist or consumer portal asks about leaks"} <= {e.payload["title"] for e in warnings}


def test_the_command_writes_a_drill_or_names_the_scenarios(tmp_path: Path) -> None:
    out = tmp_path / "storm.toml"
    result = CliRunner().invoke(
        main, ["drill", "generate", "--scenario", "service-outage", "--seed", "2", "-o", str(out)]
    )
    assert result.exit_code == 0 and f"play it with: smwar drill {out}" in result.output
    assert load_drill(out).drill.id == "gen-service-outage-2"
    wrong = CliRunner().invoke(main, ["drill", "generate", "--scenario", "nope"])
    assert wrong.exit_code == 2 and "no scenario 'nope' in the runbooks (scenarios: data-leak-rumour," in wrong.output


def test_a_follow_up_storm_an_outage_and_a_trainer_question_come_with_their_expected_response(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    text = generate(runbooks, "service-outage", 2, 40, then="positive-hype")
    assert text == generate(runbooks, "service-outage", 2, 40, then="positive-hype")
    path = tmp_path / "outage-hype.toml"
    path.write_text(text, encoding="utf-8")
    script = load_drill(path)
    assert [i.scenario for i in script.expected.incident] == ["service-outage", "positive-hype"]
    [outage] = script.outage
    assert outage.lasts == timedelta(minutes=3)
    [message] = script.message
    assert message.at == script.expected.incident[0].open_by - timedelta(minutes=8), "two minutes after it fired"
    praise = [i.text for i in script.inject if i.at >= timedelta(minutes=20)]
    assert not any("#fail" in line or "😡" in line for line in praise[-10:]), "the hype is praise, not complaint"


@pytest.mark.parametrize("name", ["washer-leak", "data-leak", "outage-hype"])
def test_each_bundled_drill_fires_what_it_expects_before_its_deadline_and_nothing_it_rules_out(
    name: str, runbooks: RunbookSet
) -> None:
    path = find_drill(name)
    script = load_drill(path)
    assert script.expected.incident and script.expected.answer and script.expected.leave_alone
    run, clock, session = start_drill(runbooks, path)
    proposed: dict[str, timedelta] = {}
    while clock.now() - run.clock_start <= script.length:
        clock.advance(timedelta(seconds=10))
        for proposal in session.pipeline.poll().proposals:
            proposed.setdefault(proposal.scenario_id, proposal.proposed_at - run.clock_start)
    for expected in script.expected.incident:
        assert proposed.get(expected.scenario, timedelta.max) <= expected.open_by, (expected, proposed)
    assert not set(proposed) & set(script.expected.not_opened), proposed
    run.journal.close()
