"""Regenerate screenshots/*.svg: the war room mid-drill, the notice inbox, the incident
checklist, the answer queue, a search of the feed, the drill's debrief, the reply editor, the
incident's post-mortem, live mode.

Plays the bundled washer-leak drill on a manual clock to minute 15, opens the proposed
incident and works two steps, exactly as an operator would, searches the feed, answers the
YouTuber, plays on to the end, ends the drill and opens the incident's review; then starts live mode on a
followed JSONL export (part of the labelled corpus) and a webhook that still lacks its
signing secret. Run it after any UI change:

    python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Input, OptionList

from smwar.clock import ManualClock
from smwar.config import Config
from smwar.drills.script import find_drill
from smwar.engine.drill import drill_session, open_drill_run
from smwar.engine.follow import follow
from smwar.engine.live import open_live_journal
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set
from smwar.sources.registry import SETTINGS
from smwar.tui.app import WarRoomApp
from smwar.tui.rooms.drill import DrillInfo
from smwar.tui.widgets.feed import Feed

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.tools.leaders import leading  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SIZE = (120, 40)  # the feed line shows at least 60 characters of text at this width
START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def shoot() -> None:
    run = open_drill_run(find_drill(None), fresh=True, now=START)
    clock = ManualClock(run.position)
    session = drill_session(run, load_runbook_set(bundled_runbooks_dir()), clock, "anna")
    app = WarRoomApp(session, drill=DrillInfo.of(run), poll_seconds=3600)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(15 * 6):
            clock.advance(timedelta(seconds=10))
            app.main.poll_now()
        await pilot.press("o")
        app.screen.query_one(Input).value = "stop the spread; answer every affected customer within 2 hours"
        await pilot.press("enter", "d", "down", "s")
        app.screen.query_one(Input).value = "serial ranges are already known from the quality team"
        await pilot.press("enter", "down", "p", "r")
        app.screen.query_one(Input).value = "lead = Anna"
        await pilot.press("enter", "r")
        app.screen.query_one(Input).value = "pr-liaison = Katrin"
        await pilot.press("enter")
        clock.advance(timedelta(minutes=4))
        app.main.poll_now()
        await pilot.pause(1.2)  # the screens' counts and deadlines are redrawn each second
        app.save_screenshot("incident-checklist.svg", str(OUT))
        await pilot.press("escape", "up", "up")
        await pilot.pause()
        app.save_screenshot("main-mid-drill.svg", str(OUT))
        await pilot.press("m")
        await pilot.pause()
        app.save_screenshot("notice-inbox.svg", str(OUT))
        await pilot.press("escape")
        await pilot.press("n")
        await pilot.pause()
        app.save_screenshot("answer-queue.svg", str(OUT))
        await pilot.press("escape", "slash", *"ausgelaufen", "enter")
        await pilot.pause()
        app.save_screenshot("feed-search.svg", str(OUT))
        await pilot.press("slash", "backspace", "enter")
        feed = app.query_one(Feed)
        feed.cursor = next(
            n for n in range(feed.count) if (i := feed.item(n)) and i.mention.author == "lenatechnik.bsky.social"
        )
        await pilot.press("r")
        await pilot.pause()
        app.save_screenshot("reply-editor.svg", str(OUT))
        await pilot.press("ctrl+o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(12 * 6):
            clock.advance(timedelta(seconds=10))
            app.main.poll_now()
        await pilot.press("E")
        app.screen.query_one(OptionList).highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        app.save_screenshot("drill-debrief.svg", str(OUT))
        await pilot.press("escape", "i", "v")
        await pilot.pause()
        app.save_screenshot("incident-review.svg", str(OUT))
    run.journal.close()


async def shoot_live(home: Path) -> None:
    export = home / "export.jsonl"
    corpus = (Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus.jsonl").read_text(encoding="utf-8")
    export.write_text("\n".join(corpus.splitlines()[:60]) + "\n", encoding="utf-8")
    config = Config(
        operator="anna",
        source=[
            SETTINGS.validate_python({"id": "export", "kind": "jsonl", "path": str(export)}),
            SETTINGS.validate_python({"id": "hook", "kind": "webhook", "port": 0}),
        ],
    )
    journal = open_live_journal(config)
    follower = follow(journal, load_runbook_set(bundled_runbooks_dir()), config.operator)
    app = WarRoomApp(follower.session, follower=follower, poll_seconds=0.05, config=config)
    try:
        with leading(config):
            async with app.run_test(size=SIZE) as pilot:
                while journal.mention_count() < 60 or not follower.health():
                    await asyncio.sleep(0.05)
                await pilot.pause(1.2)  # the sources' health, as the leader reports it every second
                app.refresh_views()
                await pilot.pause()
                app.save_screenshot("live-sources.svg", str(OUT))
    finally:
        journal.close()


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as home:
        os.environ["SMWAR_HOME"] = home
        asyncio.run(shoot())
        asyncio.run(shoot_live(Path(home)))
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.svg')))} to {OUT}")


if __name__ == "__main__":
    main()
