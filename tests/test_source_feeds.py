"""The RSS/Atom source against a real HTTP server on 127.0.0.1 serving real-shaped feeds."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smwar.journal.store import Journal
from smwar.model import EDITED
from smwar.plaintext import printable
from smwar.runbooks.definitions import RunbookSet
from smwar.sources.base import SourceError
from smwar.sources.feeds import FeedCursor, FeedSource
from smwar.sources.settings import FeedSettings
from tests.local_http import journal_batches, serving, take

Answer = tuple[int, dict[str, str], bytes]
FIXTURES = Path(__file__).parent / "fixtures" / "feeds"

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>heise online News</title>
    <link>https://www.heise.de/</link>
    <description>Nachrichten nicht nur aus der Welt der Computer</description>
    <language>de-DE</language>
    <atom:link href="https://www.heise.de/rss/heise.rdf" rel="self" type="application/rss+xml"/>
    {items}
  </channel>
</rss>
"""
ITEM_LEAK = """<item>
      <title>Acme: Datenleck bei Kundenkonten</title>
      <link>https://www.heise.de/news/Acme-Datenleck-bei-Kundenkonten-1001.html</link>
      <guid isPermaLink="false">http://heise.de/-1001</guid>
      <pubDate>Sun, 22 Nov 2026 08:30:00 +0100</pubDate>
      <dc:creator>Jane Doe</dc:creator>
      <description><![CDATA[<p>Bei Acme sind <b>Kundendaten</b> &amp; Passw&ouml;rter abgeflossen.</p>
        <script>alert("x")</script><p>Das Unternehmen pr&uuml;ft.</p>]]></description>
    </item>"""
ITEM_STATEMENT = """<item>
      <title>Acme entschuldigt sich</title>
      <link>https://www.heise.de/news/Acme-entschuldigt-sich-1002.html</link>
      <guid isPermaLink="false">http://heise.de/-1002</guid>
      <pubDate>Sun, 22 Nov 2026 10:00:00 +0100</pubDate>
      <description>Der Vorstand &#228;u&#223;ert sich.</description>
    </item>"""
ITEM_BROKEN = """<item>
      <guid isPermaLink="false">http://heise.de/-1003</guid>
      <pubDate>Sun, 22 Nov 2026 11:00:00 +0100</pubDate>
    </item>"""

GOOGLE_ALERTS = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">
  <id>tag:google.com,2005:reader/user/01234567890123456789/state/com.google/alerts/98765432109876543210</id>
  <title>Google Alert - acme</title>
  <link href="https://www.google.com/alerts/feeds/01234567890123456789/98765432109876543210" rel="self"></link>
  <updated>2026-11-22T08:40:00Z</updated>
  <entry>
    <id>tag:google.com,2013:googlealerts/feed:10203040506070809</id>
    <title type="html">&lt;b&gt;Acme&lt;/b&gt; customers report an outage</title>
    <link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example.com/2026/acme-outage&amp;ct=ga&amp;cd=CAIyGmQ&amp;usg=AOvVaw1"></link>
    <published>2026-11-22T08:40:00Z</published>
    <updated>2026-11-22T08:40:00Z</updated>
    <content type="html">Customers of &lt;b&gt;Acme&lt;/b&gt; say the app is down &amp;amp; nobody answers ...</content>
    <author><name></name></author>
  </entry>
</feed>
"""
NOT_A_FEED = b"<!DOCTYPE html><html><head><title>Consent</title></head><body><p>Please accept cookies</p></body></html>"


def rss(*items: str) -> bytes:
    return RSS.replace("{items}", "\n    ".join(items)).encode()


@dataclass
class FeedServer:
    """A feed on 127.0.0.1: `answer` decides each response; every request's headers are kept."""

    port: int
    answer: Callable[[dict[str, str]], Answer]
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rss/heise.rdf"

    def serve(self, *bodies: bytes, etag: str | None = None, content_type: str = "application/rss+xml") -> None:
        """Answer with `bodies` in turn (the last one again and again), honouring If-None-Match."""
        queue = list(bodies)

        def answer(headers: dict[str, str]) -> Answer:
            if etag and headers.get("if-none-match") == etag:
                return 304, {"ETag": etag}, b""
            body = queue.pop(0) if len(queue) > 1 else queue[0]
            extra = {"ETag": etag, "Last-Modified": "Sun, 22 Nov 2026 09:10:00 GMT"} if etag else {}
            return 200, {"Content-Type": content_type, **extra}, body

        self.answer = answer


@pytest.fixture
def server() -> Iterator[FeedServer]:
    state = FeedServer(0, lambda headers: (404, {}, b""))

    def respond(_: str, __: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        state.requests.append(headers)
        return state.answer(headers)

    with serving(respond) as state.port:
        yield state


def feed_source(url: str) -> FeedSource:
    settings = FeedSettings(id="heise", kind="rss", url=url)
    return FeedSource(settings.model_copy(update={"poll_seconds": 0.01}))  # below the configurable minimum


async def test_rss_items_arrive_as_mentions(server: FeedServer) -> None:
    server.serve(rss(ITEM_STATEMENT, ITEM_LEAK))
    [batch] = await take(feed_source(server.url).run(None), 1)

    assert batch.quarantined == []
    leak, statement = batch.mentions  # in the order they were posted
    assert leak.network == "rss"
    assert leak.native_id == "http://heise.de/-1001"
    assert leak.author == "rss:heise.de/Jane Doe"
    assert leak.author_name == "Jane Doe"
    assert leak.text == (
        "Acme: Datenleck bei Kundenkonten — Bei Acme sind Kundendaten & Passwörter abgeflossen.\n\n"
        "Das Unternehmen prüft."
    )
    assert leak.url == "https://www.heise.de/news/Acme-Datenleck-bei-Kundenkonten-1001.html"
    assert leak.posted_at == datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
    assert leak.lang == "de"
    assert statement.author == "rss:heise.de"
    assert statement.author_name is None
    assert statement.text == "Acme entschuldigt sich — Der Vorstand äußert sich."
    assert "smwar" in server.requests[0]["user-agent"]


async def test_google_alerts_atom_entry_names_the_site_it_found(server: FeedServer) -> None:
    server.serve(GOOGLE_ALERTS, content_type="application/atom+xml")
    [batch] = await take(feed_source(server.url).run(None), 1)

    [mention] = batch.mentions
    assert mention.native_id == "tag:google.com,2013:googlealerts/feed:10203040506070809"
    assert mention.url == "https://news.example.com/2026/acme-outage"
    assert mention.author == "rss:news.example.com"
    assert mention.text == (
        "Acme customers report an outage — Customers of Acme say the app is down & nobody answers ..."
    )
    assert mention.posted_at == datetime(2026, 11, 22, 8, 40, tzinfo=UTC)


async def test_conditional_get_answered_304_delivers_nothing_again(server: FeedServer) -> None:
    server.serve(rss(ITEM_LEAK), etag='"v1"')
    first, second, third = await take(feed_source(server.url).run(None), 3)

    assert [mention.native_id for mention in first.mentions] == ["http://heise.de/-1001"]
    assert second.mentions == third.mentions == []
    assert second.cursor is None  # nothing changed: the runner keeps the cursor it has
    assert "if-none-match" not in server.requests[0]
    assert server.requests[1]["if-none-match"] == '"v1"'
    assert server.requests[1]["if-modified-since"] == "Sun, 22 Nov 2026 09:10:00 GMT"
    assert FeedCursor.load(first.cursor).etag == '"v1"'


async def test_changed_feed_and_a_restart_deliver_only_new_entries(server: FeedServer) -> None:
    server.serve(rss(ITEM_LEAK), rss(ITEM_STATEMENT, ITEM_LEAK))  # no ETag: every poll gets the whole feed
    first, second = await take(feed_source(server.url).run(None), 2)

    assert [mention.native_id for mention in first.mentions] == ["http://heise.de/-1001"]
    assert [mention.native_id for mention in second.mentions] == ["http://heise.de/-1002"]

    [after_restart] = await take(feed_source(server.url).run(second.cursor), 1)
    assert after_restart.mentions == []


async def test_an_answer_that_is_not_a_feed_is_quarantined_once_and_the_source_carries_on(
    server: FeedServer,
) -> None:
    server.serve(NOT_A_FEED, rss(ITEM_LEAK), content_type="text/html; charset=utf-8")
    rejected, recovered = await take(feed_source(server.url).run(None), 2)

    assert rejected.mentions == []
    [(raw, reason)] = rejected.quarantined
    assert raw == NOT_A_FEED
    assert reason.startswith("not a feed (text/html)")
    assert [mention.native_id for mention in recovered.mentions] == ["http://heise.de/-1001"]

    server.serve(NOT_A_FEED, content_type="text/html")  # and the same page again and again
    source = feed_source(server.url).run(None)
    [again] = await take(source, 1)
    assert len(again.quarantined) == 1
    with pytest.raises(SourceError, match="not a feed"):  # its health says why, without more copies
        await take(feed_source(server.url).run(again.cursor), 1)


async def test_garbage_is_quarantined_with_its_bytes(server: FeedServer) -> None:
    garbage = b"\x00\xff{not xml at all" * 10
    server.serve(garbage, content_type="application/octet-stream")
    [batch] = await take(feed_source(server.url).run(None), 1)

    [(raw, reason)] = batch.quarantined
    assert raw == garbage
    assert "not a feed" in reason


async def test_a_broken_entry_is_quarantined_once_and_the_others_arrive(server: FeedServer) -> None:
    server.serve(rss(ITEM_STATEMENT, ITEM_BROKEN, ITEM_LEAK))
    first, second = await take(feed_source(server.url).run(None), 2)

    assert [mention.native_id for mention in first.mentions] == ["http://heise.de/-1001", "http://heise.de/-1002"]
    [(raw, reason)] = first.quarantined
    assert b"http://heise.de/-1003" in raw
    assert reason == "unreadable feed entry: entry 'http://heise.de/-1003' has neither a title nor a summary"
    assert second.mentions == []
    assert second.quarantined == []


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [(429, {"Retry-After": "120"}, 120.0), (503, {"Retry-After": "7"}, 7.0), (500, {}, None)],
)
async def test_server_trouble_is_a_source_error(
    server: FeedServer, status: int, headers: dict[str, str], retry_after: float | None
) -> None:
    server.answer = lambda request: (status, headers, b"<html>busy</html>")
    with pytest.raises(SourceError) as raised:
        await take(feed_source(server.url).run(None), 1)
    assert raised.value.retry_after == retry_after
    assert str(status) in str(raised.value)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def test_entries_without_id_or_link_arrive_once_across_polls_and_restarts(server: FeedServer) -> None:
    idless = fixture("idless.rss")
    server.serve(idless)  # no ETag: every poll gets the whole feed again
    first, second = await take(feed_source(server.url).run(None), 2)

    assert [mention.text for mention in first.mentions] == [
        "Acme-App: Anmeldung seit dem Morgen gestört — Mehrere Leser melden, dass die Acme-App beim Anmelden "
        "einen Fehler zeigt.",
        "Acme antwortet auf unsere Anfrage: Der Fehler sei behoben.",
        "Hinweis zu Abbuchungen — Doppelte Abbuchungen von Acme bitte mit Kontoauszug bei uns melden.",
    ]  # the undated one last: posted when it was seen
    assert first.quarantined == []
    ids = [mention.native_id for mention in first.mentions]
    assert len(set(ids)) == 3
    assert all(native_id.startswith("hash:ticker.example.de:") for native_id in ids)
    assert all(mention.url is None and mention.author == "rss:ticker.example.de" for mention in first.mentions)
    assert second.mentions == []
    assert second.cursor is None  # nothing new: the runner keeps the first one

    [after_restart] = await take(feed_source(server.url).run(first.cursor), 1)
    assert after_restart.mentions == []
    [fresh] = await take(feed_source(server.url).run(None), 1)  # no cursor: the journal sees the same ids
    assert [mention.native_id for mention in fresh.mentions] == ids


async def test_an_edit_of_a_titled_dated_entry_is_no_new_mention(server: FeedServer) -> None:
    idless = fixture("idless.rss")
    edited = idless.replace(b"einen Fehler zeigt.", b"einen Fehler zeigt. Acme kennt das Problem.")
    rewritten = idless.replace(b"bitte mit Kontoauszug", b"bitte mit Kopie des Kontoauszugs")
    server.serve(idless, edited, rewritten)
    first, after_edit, after_rewrite = await take(feed_source(server.url).run(None), 3)

    assert len(first.mentions) == 3
    assert after_edit.mentions == []  # title and date name it: the same entry, edited
    [edit] = after_edit.revisions
    assert (edit.native_id, edit.kind) == (first.mentions[0].native_id, EDITED)
    assert edit.text is not None and edit.text.endswith("einen Fehler zeigt. Acme kennt das Problem.")
    [undated] = after_rewrite.mentions  # no date: only its text tells it apart, so a new text is a new entry
    assert undated.text.endswith("bitte mit Kopie des Kontoauszugs bei uns melden.")


async def test_an_item_whose_words_changed_under_its_id_is_an_edit_journaled_once(
    server: FeedServer, tmp_path: Path, runbooks: RunbookSet
) -> None:
    """The feed publishes an item, then the same item (its guid) with a corrected title and text:
    an edit of the mention, not a new one; the feed served again unchanged, or to a restarted
    source, tells no edit again."""
    corrected = ITEM_LEAK.replace("Datenleck bei Kundenkonten", "Kein Datenleck bei Kundenkonten").replace(
        "abgeflossen", "nicht abgeflossen"
    )
    server.serve(rss(ITEM_LEAK), rss(corrected))
    first, edited, again = await take(feed_source(server.url).run(None), 3)
    [restarted] = await take(feed_source(server.url).run(edited.cursor), 1)

    assert [batch.mentions for batch in (edited, again, restarted)] == [[], [], []]
    [edit] = edited.revisions
    assert (edit.native_id, edit.kind) == ("http://heise.de/-1001", EDITED)
    assert edit.text is not None and edit.text.startswith("Acme: Kein Datenleck bei Kundenkonten — ")
    assert again.revisions == restarted.revisions == []
    assert len(FeedCursor.load(edited.cursor).words) == 1
    with Journal.open(tmp_path / "live.sqlite") as journal:
        journal_batches(journal, runbooks, [first, edited, again, restarted])
        [kept] = journal.mentions()
        assert kept.mention.text.startswith("Acme: Datenleck bei Kundenkonten — "), "the first words stay"
        assert (kept.revised, [r.text for r in journal.revisions_of(kept.id)]) == (EDITED, [edit.text])


async def test_feeds_recorded_from_a_blog_and_from_reddit_read_as_people_see_them(server: FeedServer) -> None:
    """The Cloudflare blog's RSS (Ghost) and r/rust's Atom feed as feed-rs recorded them: the
    author, the words (title, then the summary or the HTML content as text), the link, the date."""
    server.serve(fixture("cloudflare_blog.rss"))
    source = feed_source(server.url)
    [blog] = (await take(source.run(None), 1))[0].mentions
    server.serve(fixture("reddit_r_rust.atom"), content_type="application/atom+xml")
    [thread] = (await take(source.run(None), 1))[0].mentions

    assert (blog.native_id, blog.author, blog.author_name) == (
        "6166e7e065133e02a961145d",
        "rss:blog.cloudflare.com/Luke Valenta",
        "Luke Valenta",
    )
    assert blog.text == (
        "Privacy-Preserving Compromised Credential Checking — Announcing a public demo and open-sourced "
        "implementation of a privacy-preserving compromised credential checking service"
    )
    assert blog.url == "https://blog.cloudflare.com/privacy-preserving-compromised-credential-checking/"
    assert blog.posted_at == datetime(2021, 10, 14, 12, 59, 53, tzinfo=UTC)
    assert (thread.author, thread.author_name) == ("rss:reddit.com//u/llogiq", "/u/llogiq")
    assert thread.text.startswith(
        "Hey Rustaceans! Got an easy question? Ask here (21/2020)! — Mystified about strings? Borrow checker have "
        "you in a headlock? Seek help here!"
    )
    assert "<" not in thread.text and "&#39;" not in thread.text, "the HTML content is text"
    assert thread.url == "https://www.reddit.com/r/rust/comments/glvkc5/hey_rustaceans_got_an_easy_question_ask_here/"
    assert thread.posted_at == datetime(2020, 5, 18, 5, 44, 47, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "content_type", "native_id", "text", "lang"),
    [
        (  # undeclared: neither the XML declaration nor the server names it
            "koi8-r.rss",
            "application/rss+xml",
            "https://tech.example.ru/news/acme-sboj-2711",
            "Сбой в приложении Acme: клиенты не могут войти — Пользователи жалуются, что с утра приложение Acme "
            "выдаёт ошибку при входе. Служба поддержки не отвечает.",
            "ru",
        ),
        (  # the server claims UTF-8, which does not read it
            "shift_jis.atom",
            "application/atom+xml; charset=utf-8",
            "tag:blog.example.jp,2026:entry-1182",
            "Acmeのアプリにログインできない — 今朝からAcmeのアプリでエラーが出て、ログインできません。"
            "サポートに問い合わせても返事がありません。",
            "ja",
        ),
        (  # text/xml without a charset; a right-to-left mark in the text
            "windows-1255.rss",
            "text/xml",
            "example-48213",
            "תקלה באפליקציה של Acme — לקוחות מדווחים שהאפליקציה של Acme לא עובדת מהבוקר. "
            '\u200fהחברה: "אנחנו בודקים את הנושא".',
            "he",
        ),
        (  # declared by the server, and right: without it the text would be read as Central European
            "windows-1254.rss",
            "application/rss+xml; charset=windows-1254",
            "https://haber.example.com.tr/acme-giris-sorunu-5521",
            "Acme uygulamasında giriş sorunu — Acme müşterileri uygulamanın sabahtan beri çalışmadığını "
            "bildiriyor. Şirket henüz kullanıcıların sorularına yanıt vermedi.",
            "tr",
        ),
    ],
)
async def test_feeds_in_legacy_encodings_read_as_written(
    server: FeedServer, name: str, content_type: str, native_id: str, text: str, lang: str
) -> None:
    server.serve(fixture(name), content_type=content_type)
    first, second = await take(feed_source(server.url).run(None), 2)

    assert first.quarantined == []
    mention = first.mentions[0]  # the first one posted
    assert (mention.native_id, mention.text, mention.lang) == (native_id, text, lang)
    assert second.mentions == []


async def test_hebrew_text_keeps_its_letters_and_shows_its_bidi_mark_on_output(server: FeedServer) -> None:
    server.serve(fixture("windows-1255.rss"), content_type="text/xml")
    [batch] = await take(feed_source(server.url).run(None), 1)

    [mention] = batch.mentions
    assert printable(mention.text).endswith('מהבוקר. <U+200F>החברה: "אנחנו בודקים את הנושא".')


ITEM_UMLAUTS = """<item>
      <title>Acme: der Vorstand äußert sich</title>
      <guid isPermaLink="false">http://heise.de/-1004</guid>
    </item>"""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (rss(ITEM_UMLAUTS).replace(b'encoding="UTF-8"', b'encoding="UTF-16"'), "application/rss+xml"),  # wrong claim
        (rss(ITEM_UMLAUTS).decode().encode("utf-16"), "application/rss+xml"),  # a byte order mark
        (codecs.BOM_UTF8 + rss(ITEM_UMLAUTS), "application/rss+xml; charset=iso-8859-1"),  # outranks the server
    ],
)
async def test_byte_order_marks_and_a_wrong_utf16_declaration(
    server: FeedServer, body: bytes, content_type: str
) -> None:
    server.serve(body, content_type=content_type)
    [batch] = await take(feed_source(server.url).run(None), 1)

    assert [mention.text for mention in batch.mentions] == ["Acme: der Vorstand äußert sich"]
