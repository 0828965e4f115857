"""The incident lifecycle and the guided chain, driven through the session on a manual clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smwar.clock import ManualClock
from smwar.drills.script import find_drill
from smwar.engine.drill import DrillRun, drill_session
from smwar.engine.session import Session
from smwar.incidents.chain import AddedStep, ChainError, parse_added_step, step_state
from smwar.model import IncidentStatus, StepStatus
from smwar.runbooks.definitions import RunbookSet, Severity

from .conftest import next_match_fires_nothing, start_drill, until_proposed


def opened_in_drill(runbooks: RunbookSet) -> tuple[DrillRun, ManualClock, Session, int]:
    """A drill whose product-defect trigger fired two minutes in, with the incident opened."""
    run, clock, session = start_drill(runbooks)
    clock.advance(timedelta(minutes=2))
    [proposal] = session.pipeline.poll().proposals
    session.desk.open_incident(proposal.id, "answer every affected customer within 2 hours")
    return run, clock, session, proposal.id


def opened(runbooks: RunbookSet) -> tuple[Session, int]:
    _run, _clock, session, incident_id = opened_in_drill(runbooks)
    return session, incident_id


def test_the_lifecycle_runs_proposed_open_resolved_reviewed_and_reopens(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    with pytest.raises(ChainError, match="say how it ended"):
        session.desk.resolve_incident(incident_id, " ")
    resolved = session.desk.resolve_incident(incident_id, "statement out, all 12 customers answered")
    assert resolved.status is IncidentStatus.RESOLVED and resolved.closed_at is not None
    with pytest.raises(ChainError, match="open it first"):
        session.desk.complete_step(incident_id, "notify-pr")
    assert session.desk.review_incident(incident_id, "hotline must get the statement earlier").status is (
        IncidentStatus.REVIEWED
    )
    reopened = session.desk.reopen_incident(incident_id, "a second wave of reports")
    assert reopened.status is IncidentStatus.OPEN and reopened.goal == "answer every affected customer within 2 hours"
    assert session.desk.active_incident("product-defect") == reopened


def test_a_dismissed_proposal_is_reopened_only_with_a_goal(runbooks: RunbookSet) -> None:
    _run, clock, session = start_drill(runbooks)
    clock.advance(timedelta(minutes=2))
    [proposal] = session.pipeline.poll().proposals
    session.desk.dismiss_incident(proposal.id, "posts are about another brand")
    with pytest.raises(ChainError, match="state the goal"):
        session.desk.reopen_incident(proposal.id, "it is ours after all")
    assert session.desk.reopen_incident(proposal.id, "it is ours after all", goal="stop the spread").status is (
        IncidentStatus.OPEN
    )


def test_severity_is_raised_and_lowered_within_its_scale(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    with pytest.raises(ChainError, match="already critical"):
        session.desk.change_severity(incident_id, +1)
    assert session.desk.change_severity(incident_id, -2).severity == Severity.MEDIUM
    assert session.desk.change_severity(incident_id, +1).severity == Severity.HIGH


def test_an_incident_is_opened_by_hand_from_a_mention_and_mentions_are_linked(runbooks: RunbookSet) -> None:
    _run, clock, session = start_drill(runbooks)
    clock.advance(timedelta(seconds=12))
    first, second = session.pipeline.poll().mentions
    incident = session.desk.open_from_mention(second, "offensive-post", "get the ad taken down today")
    assert incident.status is IncidentStatus.OPEN and incident.linked == {second.id}
    assert incident.trigger == f"opened by hand from mention #{second.id}"
    with pytest.raises(ChainError, match="already has incident"):
        session.desk.open_from_mention(first, "offensive-post", "again")
    assert session.desk.link_mention(incident.id, first.id).linked == {first.id, second.id}
    with pytest.raises(ChainError, match="already linked"):
        session.desk.link_mention(incident.id, first.id)


def test_a_locked_step_needs_an_override_with_a_reason_which_is_recorded(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    with pytest.raises(ChainError, match="locked until notify-pr"):
        session.desk.complete_step(incident_id, "holding-statement")
    session.desk.start_step(incident_id, "notify-pr")
    assert step_state(session.desk.incident(incident_id), "notify-pr").status is StepStatus.IN_PROGRESS
    with pytest.raises(ChainError, match="locked until notify-pr"):
        session.desk.complete_step(incident_id, "holding-statement")
    done = session.desk.complete_step(incident_id, "holding-statement", override="PR advisor approved by phone")
    state = step_state(done, "holding-statement")
    assert state.status is StepStatus.DONE and state.override == "PR advisor approved by phone"
    [event] = [e for e in session.desk.events_of(incident_id) if e.step_id == "holding-statement"]
    assert event.payload == {"override": "PR advisor approved by phone", "gates": ["notify-pr"]}


def test_undo_takes_an_action_back_as_a_new_event(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    session.desk.complete_step(incident_id, "notify-pr")
    session.desk.skip_step(incident_id, "facts", "known already")
    incident, what = session.desk.undo(incident_id)
    assert what == "step facts skipped"
    assert step_state(incident, "facts").status is StepStatus.PENDING
    assert step_state(incident, "notify-pr").status is StepStatus.DONE
    incident, what = session.desk.undo(incident_id)
    assert what == "step notify-pr done" and step_state(incident, "notify-pr").status is StepStatus.PENDING
    kinds = [event.kind for event in session.desk.events_of(incident_id)]
    assert kinds.count("step.done") == 1 and kinds.count("action.undone") == 2, "history is never rewritten"
    with pytest.raises(ChainError, match="nothing to undo"):
        session.desk.undo(incident_id)


def test_ad_hoc_steps_roles_and_handovers(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    incident = session.desk.add_step(incident_id, parse_added_step("Call the consumer portal back @pr-liaison"))
    [added] = incident.added_steps
    assert added.id == "added-1" and added.deadline == timedelta(minutes=30)
    assert step_state(session.desk.complete_step(incident_id, "added-1"), "added-1").status is StepStatus.DONE
    session.desk.assign_role(incident_id, "lead", "Anna")
    incident = session.desk.assign_role(incident_id, "lead", "Ben")
    assert incident.roles == {"lead": "Ben"}
    [_, handover] = [e for e in session.desk.events_of(incident_id) if e.kind == "role.assigned"]
    assert handover.payload == {"role": "lead", "person": "Ben", "handover_from": "Anna"}


def test_deadlines_ring_once_when_due_soon_and_once_when_missed_also_after_a_restart(runbooks: RunbookSet) -> None:
    run, clock, session, _ = opened_in_drill(runbooks)
    assert session.desk.due_alerts() == []
    clock.advance(timedelta(minutes=8, seconds=30))  # notify-pr (10m) is due in 1:30
    assert [(step.id, kind) for _, step, kind in session.desk.due_alerts()] == [("notify-pr", "due-soon")]
    assert session.desk.due_alerts() == []
    clock.advance(timedelta(minutes=2))
    assert [(step.id, kind) for _, step, kind in session.desk.due_alerts()] == [("notify-pr", "missed")]
    resumed = drill_session(run, runbooks, clock, "tester")
    assert resumed.desk.due_alerts() == [], "a restart does not ring again"


def test_a_deadline_another_war_room_rang_rings_in_this_one_too_once(runbooks: RunbookSet) -> None:
    """Anna's war room journals that a step is due soon: ben's, on the same journal, hears of it
    and rings as well (the step may be his), once."""
    run, clock, anna, _ = opened_in_drill(runbooks)
    ben = drill_session(run, runbooks, clock, "ben")
    clock.advance(timedelta(minutes=8, seconds=30))
    assert [(step.id, kind) for _, step, kind in anna.desk.due_alerts()] == [("notify-pr", "due-soon")]
    ben.desk.catch_up()
    assert [(step.id, kind) for _, step, kind in ben.desk.due_alerts()] == [("notify-pr", "due-soon")]
    assert ben.desk.due_alerts() == [] and anna.desk.due_alerts() == []
    rung = [e for e in run.journal.events() if e.kind == "deadline.alerted"]
    assert len(rung) == 1, "journaled once, by the war room that saw it first"


def test_metrics_time_to_detect_open_steps_and_missed_deadlines(runbooks: RunbookSet) -> None:
    _run, clock, session = start_drill(runbooks)
    clock.advance(timedelta(minutes=2))
    [proposal] = session.pipeline.poll().proposals
    clock.advance(timedelta(minutes=1))
    session.desk.open_incident(proposal.id, "stop the spread")
    clock.advance(timedelta(minutes=5))
    session.desk.complete_step(proposal.id, "notify-pr")
    clock.advance(timedelta(minutes=20))
    figures = session.desk.metrics(proposal.id)
    first_match = next(m.received_at for m in session.journal.mentions() if m.matches)
    assert figures.time_to_detect == proposal.proposed_at - first_match
    assert figures.time_to_open == timedelta(minutes=1)
    steps = {step.step_id: step for step in figures.steps}
    assert steps["notify-pr"].took == timedelta(minutes=5) and not steps["notify-pr"].missed
    assert steps["facts"].missed and steps["facts"].took is None, "20m deadline, still open after 25m"
    assert [step.step_id for step in figures.missed] == ["facts"]


def test_a_restarted_session_resumes_every_incident_with_its_chain(runbooks: RunbookSet) -> None:
    run, clock, session, incident_id = opened_in_drill(runbooks)
    session.desk.complete_step(incident_id, "notify-pr")
    session.desk.skip_step(incident_id, "facts", "known")
    session.desk.undo(incident_id)
    session.desk.add_step(incident_id, parse_added_step("Call back the journalist @pr-liaison +15m"))
    session.desk.assign_role(incident_id, "scribe", "Carla")
    resumed = drill_session(run, runbooks, clock, "tester")
    assert resumed.desk.incidents() == session.desk.incidents()


def test_a_restart_does_not_fire_a_trigger_again_with_the_mentions_that_fired_it(runbooks: RunbookSet) -> None:
    run, clock, session = start_drill(runbooks, find_drill(None))
    session.desk.dismiss_incident(until_proposed(session, clock, "product-defect").id, "testing")
    next_match_fires_nothing(drill_session(run, runbooks, clock, "tester"), clock, "product-defect")


def test_a_note_belongs_to_a_step_of_the_chain(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    with pytest.raises(ChainError, match="has no step 'no-such-step'"):
        session.desk.add_note(incident_id, "no-such-step", "lost")


def test_an_added_step_is_written_with_its_role_and_due_time() -> None:
    assert parse_added_step("Call back the journalist @pr-liaison +20m") == AddedStep(
        "Call back the journalist", "pr-liaison", timedelta(minutes=20)
    )
    assert parse_added_step("Check the replies") == AddedStep("Check the replies", "lead", timedelta(minutes=30))
    for wrong, why in (("Call +20", "write when it is due like"), ("@lead +5m", "needs a title")):
        with pytest.raises(ChainError, match=why):
            parse_added_step(wrong)


def test_an_added_step_is_due_within_a_week_and_its_id_is_never_reused(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    for due_in in (timedelta(0), timedelta(days=8), timedelta(hours=200_000_000)):
        with pytest.raises(ChainError, match="due within 7 days"):
            session.desk.add_step(incident_id, AddedStep("x", "lead", due_in))
    session.desk.add_step(incident_id, AddedStep("First", "lead", timedelta(minutes=5)))
    session.desk.undo(incident_id)
    [again] = session.desk.add_step(incident_id, AddedStep("Second", "lead", timedelta(minutes=5))).added_steps
    assert again.id == "added-2"


def test_an_added_step_is_due_soon_in_the_last_fifth_of_its_own_time(runbooks: RunbookSet) -> None:
    _run, clock, session, incident_id = opened_in_drill(runbooks)
    clock.advance(timedelta(hours=1))
    session.desk.complete_step(incident_id, "notify-pr")
    session.desk.due_alerts()
    session.desk.add_step(incident_id, AddedStep("Call back", "lead", timedelta(minutes=5)))
    assert [kind for _, step, kind in session.desk.due_alerts() if step.id == "added-1"] == []
    clock.advance(timedelta(minutes=4, seconds=1))
    assert [kind for _, step, kind in session.desk.due_alerts() if step.id == "added-1"] == ["due-soon"]


def test_undo_never_reaches_past_a_resolve_or_reopen(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    session.desk.complete_step(incident_id, "notify-pr")
    session.desk.resolve_incident(incident_id, "done")
    with pytest.raises(ChainError, match="reopen it first"):
        session.desk.undo(incident_id)
    session.desk.reopen_incident(incident_id, "second wave")
    with pytest.raises(ChainError, match="nothing to undo since it was last opened"):
        session.desk.undo(incident_id)
    assert step_state(session.desk.incident(incident_id), "notify-pr").status is StepStatus.DONE


def test_roles_severity_and_links_belong_to_an_active_incident(runbooks: RunbookSet) -> None:
    session, incident_id = opened(runbooks)
    session.desk.resolve_incident(incident_id, "done")
    for action in (
        lambda: session.desk.assign_role(incident_id, "lead", "Anna"),
        lambda: session.desk.change_severity(incident_id, -1),
        lambda: session.desk.link_mention(incident_id, 1),
    ):
        with pytest.raises(ChainError, match="reopen it first"):
            action()


def test_reopening_restarts_the_deadlines_of_what_is_left_and_clears_the_outcome(runbooks: RunbookSet) -> None:
    _run, clock, session, incident_id = opened_in_drill(runbooks)
    session.desk.complete_step(incident_id, "notify-pr")
    session.desk.resolve_incident(incident_id, "calm again")
    clock.advance(timedelta(hours=5))
    figures = session.desk.metrics(incident_id)
    assert [step.step_id for step in figures.missed] == [], "nothing was late when it was resolved"
    reopened = session.desk.reopen_incident(incident_id, "second wave")
    assert reopened.outcome is None and reopened.reopened_at == clock.now()
    assert session.desk.due_alerts() == [], "no storm of overdue bells right after reopening"
    clock.advance(timedelta(minutes=21))
    assert ("facts", "missed") in [(step.id, kind) for _, step, kind in session.desk.due_alerts()]


def test_time_to_detect_for_an_incident_opened_by_hand_counts_from_its_mention(runbooks: RunbookSet) -> None:
    _run, clock, session = start_drill(runbooks)
    clock.advance(timedelta(seconds=12))
    _, football = session.pipeline.poll().mentions
    clock.advance(timedelta(minutes=7))
    incident = session.desk.open_from_mention(football, "offensive-post", "check it")
    assert session.desk.metrics(incident.id).time_to_detect == incident.proposed_at - football.received_at
    assert [e.kind for e in session.desk.events_of(incident.id)] == [
        "incident.proposed",
        "incident.opened",
        "mention.linked",
    ]
