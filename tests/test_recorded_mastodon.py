"""The Mastodon source on statuses a real Mastodon answered (recorded by Mastodon.py's test suite
against its test instance on localhost:3000), served on 127.0.0.1 as a hashtag timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smwar.model import EDITED
from smwar.sources.base import Batch
from smwar.sources.mastodon import MastodonSource
from smwar.sources.settings import MastodonSettings
from tests.local_http import serving

RECORDED = Path(__file__).parent / "fixtures" / "mastodon"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


HOOT = recorded("tag_hoot.json")[0]  # the timeline of #hoot as the instance answered it
POSTED = recorded("status_edit_posted.json")  # a status as posted (edited_at null)…
EDITED_NOW = recorded("status_edit_edited.json")  # …and as read back after its edit
WARNED = recorded("status_public_cw.json")  # public, behind a content warning
DIRECT = recorded("status_direct.json")  # a direct message


def timeline(*statuses: dict[str, Any]) -> bytes:
    """A timeline page of `statuses`, newest first, as the API orders it."""
    return json.dumps(sorted(statuses, key=lambda status: (len(status["id"]), status["id"]), reverse=True)).encode()


class Timeline:
    """A hashtag timeline answering the page it holds now."""

    def __init__(self, page: bytes) -> None:
        self.page = page
        self.paths: list[str] = []

    def __call__(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.paths.append(path)
        if path != "/api/v1/timelines/tag/hoot":
            return 404, {"Content-Type": "application/json"}, b'{"error":"Record not found"}'
        return 200, {"Content-Type": "application/json; charset=utf-8"}, self.page


def source(port: int) -> MastodonSource:
    settings = MastodonSettings(id="masto", kind="mastodon", instance=f"http://127.0.0.1:{port}", hashtags=["hoot"])
    return MastodonSource(settings)


async def first_batch(masto: MastodonSource, cursor: str | None = None) -> Batch:
    run = masto.run(cursor)
    try:
        return await anext(run)
    finally:
        await run.aclose()


async def test_recorded_statuses_read_as_a_user_sees_them_and_a_direct_message_is_left_out() -> None:
    served = Timeline(timeline(HOOT, POSTED, WARNED, DIRECT))
    with serving(served) as port:
        batch = await first_batch(source(port))
    assert served.paths == ["/api/v1/timelines/tag/hoot"]
    assert batch.quarantined == []
    by_id = {mention.native_id: mention for mention in batch.mentions}
    assert list(by_id) == [WARNED["id"], POSTED["id"], HOOT["id"]], "oldest first; the direct message is left out"
    assert DIRECT["id"] not in by_id

    hoot = by_id[HOOT["id"]]
    # the instance's own account: its handle is completed with the instance, port kept
    assert hoot.author == f"@mastodonpy_test_2@127.0.0.1:{port}"
    assert hoot.author_name is None, "the account has no display name"
    assert hoot.text == "#hoot (hashtag toot)", "plain text, not the HTML the API gives"
    assert hoot.url == f"http://localhost:3000/@mastodonpy_test_2/{HOOT['id']}", "the address as recorded, port kept"
    assert hoot.lang == "ja"
    assert hoot.posted_at == datetime.fromisoformat(HOOT["created_at"]).astimezone(UTC)
    assert hoot.followers == HOOT["account"]["followers_count"]

    warned = by_id[WARNED["id"]]
    assert (warned.author, warned.author_name, warned.lang) == (
        f"@mastodonpy_test@127.0.0.1:{port}",
        "John Lennon",
        "en",
    )
    assert warned.text == "Content warning\n\nToot!", "the content warning leads, then the words"
    assert warned.url == f"http://localhost:3000/@mastodonpy_test/{WARNED['id']}"

    assert by_id[POSTED["id"]].text == "the best editor? why, of course it is VS Code"


async def test_a_recorded_edit_seen_on_a_re_poll_becomes_an_edit_of_the_mention() -> None:
    assert POSTED["edited_at"] is None and EDITED_NOW["edited_at"] is not None
    served = Timeline(timeline(HOOT, POSTED, WARNED))
    with serving(served) as port:
        masto = source(port)
        first = await first_batch(masto)
        served.page = timeline(HOOT, EDITED_NOW, WARNED)  # the instance now shows the status edited
        second = await first_batch(masto, first.cursor)
        third = await first_batch(masto, second.cursor)
    assert second.mentions == [], "an edit is no new mention"
    [edit] = second.revisions
    assert (edit.native_id, edit.kind) == (POSTED["id"], EDITED)
    assert edit.text == "the best editor? why, of course it is the KDE Advanced Text Editor, Kate"
    assert third.mentions == [] and third.revisions == [], "the edit is told once"


async def test_a_status_first_seen_already_edited_is_a_mention_of_its_edited_words() -> None:
    with serving(Timeline(timeline(HOOT, EDITED_NOW))) as port:
        masto = source(port)
        first = await first_batch(masto)
        again = await first_batch(masto, first.cursor)
    [edited] = [mention for mention in first.mentions if mention.native_id == EDITED_NOW["id"]]
    assert edited.text == "the best editor? why, of course it is the KDE Advanced Text Editor, Kate"
    assert again.mentions == [] and again.revisions == [], "the same edited_at again is no new edit"
