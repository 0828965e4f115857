"""Working an incident on the screen, as an operator would: keys, prompts, what the screen and
the journal show afterwards."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from smwar.engine.pipeline import Update
from smwar.incidents.chain import step_state
from smwar.model import IncidentStatus, StepStatus
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set
from smwar.tui.app import WarRoomApp
from smwar.tui.messages import Arrived
from smwar.tui.screens.incident import IncidentScreen
from smwar.tui.text import local_time
from smwar.tui.widgets.feed import Feed

from .conftest import Webhook, in_feed, notices, screen_text, start_drill
from .test_app import SIZE, answer, war_room


async def open_incident(app, clock, pilot) -> int:  # type: ignore[no-untyped-def]
    clock.advance(timedelta(minutes=2))
    [proposal] = app.main.poll_now().proposals
    await pilot.pause()
    await pilot.press("o")
    await answer(pilot, "answer every affected customer within 2 hours")
    assert isinstance(app.screen, IncidentScreen)
    return proposal.id


async def test_the_chain_beside_the_feed_tells_a_time_left_from_a_clock_time(runbooks: RunbookSet) -> None:
    _run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, clock, pilot)
        await pilot.press("d", "escape")  # the first step done
        await pilot.pause()
        rows = [line.split("│")[-2] for line in screen_text(app).splitlines() if "☑" in line or "☐" in line]
        assert any(f"☑   {local_time(clock.now())[:5]}" in row for row in rows), rows  # done at the clock's time
        assert any("☐   in 20:00" in row for row in rows), rows  # due in twenty minutes, not at 20:00


async def test_on_a_small_terminal_the_checklist_keeps_room_for_its_steps(runbooks: RunbookSet) -> None:
    _run, clock, _session, app = war_room(runbooks)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(app, clock, pilot)
        await pilot.pause()
        shown = screen_text(app)
        assert (
            "Goal: answer every affected" in shown and "Collect the facts" in shown and "Publish the holding" in shown
        )


async def test_open_and_dismiss_act_on_the_proposal_the_right_pane_shows(runbooks: RunbookSet) -> None:
    """A new proposal takes the right pane, whose line names the keys: they act on it, not on
    the scenario the board's cursor happens to be on."""
    _run, clock, session, app = war_room(runbooks)
    first, second = runbooks.scenarios[0], runbooks.scenarios[1]
    async with app.run_test(size=SIZE) as pilot:
        for scenario in (first, second):
            proposal = session.desk.propose(scenario, clock.now(), "three mentions in ten minutes")
            assert proposal is not None
            app.main.post_message(Arrived(Update(proposals=(proposal,))))
            await pilot.pause()
        shown = screen_text(app)
        assert f"#2 {second.title.split()[0]}" in shown and "PROPOSED  (o: open" in shown
        await pilot.press("o")
        assert f"Open incident #2: {second.title}" in screen_text(app)
        await pilot.press("escape", "x")
        assert f"Dismiss incident #2: {second.title}" in screen_text(app), "the prompt names what is dismissed"
        await answer(pilot, "a false alarm")
        assert session.desk.incident(2).status is IncidentStatus.DISMISSED
        assert session.desk.incident(1).status is IncidentStatus.PROPOSED


async def test_gate_override_roles_ad_hoc_steps_severity_undo_and_resolve(runbooks: RunbookSet) -> None:
    run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await open_incident(app, clock, pilot)
        await pilot.press("down", "down", "d")
        await answer(pilot, "the PR advisor approved the text by phone")
        state = step_state(session.desk.incident(incident_id), "holding-statement")
        assert state.status is StepStatus.DONE and state.override == "the PR advisor approved the text by phone"
        assert "⚠ gate overridden" in screen_text(app)

        await pilot.press("r")
        await answer(pilot, "lead = Anna")
        await pilot.press("r")
        await answer(pilot, "lead = Ben")
        assert session.desk.incident(incident_id).roles == {"lead": "Ben"}
        assert "Roles: lead Ben" in screen_text(app)

        await pilot.press("a")
        await answer(pilot, "Call the consumer portal back @pr-liaison +20m")
        [added] = session.desk.incident(incident_id).added_steps
        assert (added.title, added.role) == ("Call the consumer portal back", "pr-liaison")
        assert "Call the consumer portal back" in screen_text(app)

        await pilot.press("less_than_sign")
        assert session.desk.incident(incident_id).severity == "high"
        assert "severity high" in screen_text(app)

        await pilot.press("u")
        await pilot.pause(0.2)
        assert session.desk.incident(incident_id).severity is None, "undo took the severity change back"
        assert "Undone: severity high" in notices(app)

        await pilot.press("R")
        await answer(pilot, "statement out after 25 minutes, every customer answered")
        assert session.desk.incident(incident_id).status is IncidentStatus.RESOLVED
        assert "Outcome: statement out after 25 minutes" in screen_text(app)

        await pilot.press("V")
        await answer(pilot, "hold statement templates ready")
        assert session.desk.incident(incident_id).status is IncidentStatus.REVIEWED
        await pilot.press("escape")
        app.refresh_views()
        await pilot.pause()
        shown = screen_text(app)
        assert shown.count("REVIEWED") == 2, "the board and the chain's title show a reviewed incident"
    kinds = [event.kind for event in run.journal.events(incident_id)]
    assert kinds.count("role.assigned") == 2 and "action.undone" in kinds and "incident.resolved" in kinds


async def test_in_progress_and_a_due_step_rings_once(runbooks: RunbookSet) -> None:
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await open_incident(app, clock, pilot)
        await pilot.press("p")
        assert step_state(session.desk.incident(incident_id), "notify-pr").status is StepStatus.IN_PROGRESS
        bells = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        clock.advance(timedelta(minutes=9))
        app.refresh_views()
        await pilot.pause()
        assert "Incident #1: “Notify the PR advisor, product quality and head of communications” is due soon." in (
            notices(app)
        )
        app.refresh_views()
        assert len(bells) == 1, "it rings once"
        clock.advance(timedelta(minutes=2))
        app.refresh_views()
        await pilot.pause()
        assert len(bells) == 2 and any(notice.endswith("is overdue.") for notice in notices(app))


async def test_open_by_hand_link_and_filter_the_feed(runbooks: RunbookSet) -> None:
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(seconds=12))
        app.main.poll_now()
        await pilot.pause()
        feed = app.query_one(Feed)
        feed.cursor = 1  # the football post: no scenario matched it
        await pilot.press("O")
        await pilot.pause()
        assert "Which scenario is this?" in screen_text(app)
        await pilot.press("down", "down", "enter")  # the third scenario in the list
        await answer(pilot, "find out whether the ad is ours")
        [incident] = [i for i in session.desk.incidents() if i.trigger.startswith("opened by hand")]
        assert incident.scenario_id == runbooks.scenarios[2].id and incident.status is IncidentStatus.OPEN
        await pilot.press("escape")

        feed.cursor = 0
        await pilot.press("l")
        assert session.desk.incident(incident.id).linked == {in_feed(feed)[0].id, in_feed(feed)[1].id}
        clock.advance(timedelta(seconds=30))
        app.main.poll_now()
        await pilot.pause()
        await pilot.press("F")
        await pilot.pause()
        assert [item.id for item in in_feed(feed)] == sorted(session.desk.incident(incident.id).linked)
        assert "incident #1 only" in screen_text(app)
        await pilot.press("F")
        assert feed.count == app.main.mention_total > 2


async def test_a_notification_step_sends_for_real_records_failures_and_retries_only_those(
    tmp_path: Path, webhook: Webhook, closed_port: int
) -> None:
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    text = text.replace(
        'reach = "+49 30 1234567 (24/7 crisis line)"\n', f'reach = "+49 30 1234567"\nnotify_url = "{webhook.url()}"\n'
    )
    text = text.replace(
        'reach = "quality@elektro-mueller.example"\n',
        f'reach = "quality@elektro-mueller.example"\nnotify_url = "json://127.0.0.1:{closed_port}/hook"\n',
    )
    plan.write_text(text, encoding="utf-8")
    run, clock, session = start_drill(load_runbook_set(folder))
    app = WarRoomApp(session, poll_seconds=3600)  # live mode: notifications go out
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await open_incident(app, clock, pilot)
        await pilot.press("m")
        assert "Notify pr-advisor, product-quality, head-of-comms now?" in screen_text(app), "asked first"
        await pilot.press("down", "enter")  # not now
        await app.workers.wait_for_complete()
        assert webhook.requests == [] and not step_state(session.desk.incident(incident_id), "notify-pr").deliveries
        await pilot.press("m", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [(_, path, payload)] = webhook.requests
        assert path == "/hook" and "Product defect: leaking washing machines" in str(payload["title"])
        assert "Goal: answer every affected customer within 2 hours" in str(payload["message"])
        results = {d.contact_id: d for d in step_state(session.desk.incident(incident_id), "notify-pr").deliveries}
        assert results["pr-advisor"].ok
        assert results["product-quality"].detail == f"connection refused by 127.0.0.1:{closed_port}"
        assert results["head-of-comms"].detail == "no notification address for contact 'head-of-comms'"
        assert "✉ failed: head-of-comms, product-quality" in screen_text(app)
        assert any("Press m on the step to try again" in notice for notice in notices(app))

        await pilot.press("m", "enter")
        await app.workers.wait_for_complete()
        assert len(webhook.requests) == 1, "a retry sends only to those not reached"
    delivered = [e.payload for e in run.journal.events(incident_id) if e.kind == "notification.delivered"]
    assert [(p["contact"], p["ok"]) for p in delivered] == [
        ("pr-advisor", True),
        ("product-quality", False),
        ("head-of-comms", False),
        ("product-quality", False),
        ("head-of-comms", False),
    ]
    assert delivered[0]["to"] == webhook.url()


async def test_a_drill_never_sends_a_notification(runbooks: RunbookSet, webhook: Webhook) -> None:
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        incident_id = await open_incident(app, clock, pilot)
        await pilot.press("m")
        await app.workers.wait_for_complete()
    deliveries = step_state(session.desk.incident(incident_id), "notify-pr").deliveries
    assert [(d.contact_id, d.simulated) for d in deliveries] == [
        ("pr-advisor", True),
        ("product-quality", True),
        ("head-of-comms", True),
    ]
    assert webhook.requests == []


async def test_notifications_go_out_once_and_only_for_an_open_incident(runbooks: RunbookSet) -> None:
    _run, clock, session, app = war_room(runbooks)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(timedelta(minutes=2))
        [proposal] = app.main.poll_now().proposals
        await pilot.pause()
        app.main.notifier.send(proposal.id, "notify-pr")
        await pilot.pause()
        assert "Incident #1 is proposed: only an open incident notifies." in notices(app)
        await pilot.press("o")
        await answer(pilot, "stop the spread")
        said: list[str] = []
        toast = app.notify
        app.notify = lambda message, **options: (said.append(message), toast(message, **options))  # type: ignore[method-assign]
        app.main.notifier.send(proposal.id, "notify-pr")
        app.main.notifier.send(proposal.id, "notify-pr")
        await pilot.pause()
        assert "These notifications are on their way already." in said  # the result's toast replaced it since
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(step_state(session.desk.incident(proposal.id), "notify-pr").deliveries) == 3
