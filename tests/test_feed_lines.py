"""A feed line at 120 columns: the mention's text gets most of it, cut with an ellipsis before
the best match's tag, and whatever its characters, the line fills the feed's width exactly."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from rich.cells import cell_len

from smwar.clock import ManualClock
from smwar.engine.pipeline import Idle
from smwar.engine.session import Session
from smwar.journal.store import Journal
from smwar.model import Match, Mention
from smwar.runbooks.definitions import RunbookSet
from smwar.tui.app import WarRoomApp
from smwar.tui.widgets.feed import Feed

from .tools.journals import T0

LONG = "Meine AquaPro 8 ist heute Nacht ausgelaufen, die ganze Küche steht unter Wasser und keiner hebt ab " * 3
WIDE = "洗衣机漏水了，厨房全是水。" * 8


async def test_the_text_gets_most_of_the_line_and_every_line_fills_the_width(
    tmp_path: Path, runbooks: RunbookSet
) -> None:
    leak = Match("product-defect", 0.9, ())
    with Journal.open(tmp_path / "live.sqlite") as journal:
        journal.add_mentions(
            [
                (Mention("mastodon", "1", "@kunde@example.social", LONG, T0), T0, (leak,), (), None),
                (Mention("bluesky", "2", "someone.bsky.social", WIDE, T0), T0, (), (), None),
                (Mention("reddit", "3", "u/short", "kurz", T0), T0, (), (), None),
            ]
        )
        app = WarRoomApp(
            Session(journal, runbooks, ManualClock(T0 + timedelta(minutes=1)), Idle(), "t"), poll_seconds=3600
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            feed = app.query_one(Feed)
            width = feed.scrollable_content_region.width
            lines = {feed.item(row).mention.native_id: feed.render_line(row).text for row in range(feed.count)}
    for text in lines.values():
        assert cell_len(text) == width, text
    long_line = lines["1"]
    shown = long_line[long_line.index("Meine") : long_line.rindex("…")]
    assert len(shown) >= 60 and LONG.startswith(shown), long_line
    assert re.search(rf"…\s+{re.escape(runbooks.tags['product-defect'])}$", long_line), "cut before the tag"
    assert "洗衣机漏水了" in lines["2"] and "…" in lines["2"]
    assert "kurz" in lines["3"] and "…" not in lines["3"]
