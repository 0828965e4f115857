"""Posting a reply on Bluesky, against a PDS on 127.0.0.1 that answers createSession, getPosts,
getRecord and createRecord as the API documents them and checks every record it is given: the
reply threads under the right parent and root, its links and hashtags work, a lost answer or a
failure followed by a retry leaves exactly one post, and a drill sends nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import keyring
import pytest

from smwar.clock import ManualClock
from smwar.config import Config, ReplyAccounts
from smwar.engine.pipeline import Idle
from smwar.engine.replies import POSTED, reply_target, send_reply
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.store import Journal
from smwar.model import JournaledMention, Mention
from smwar.replies.check import graphemes
from smwar.runbooks.definitions import RunbookSet
from smwar.secrets import set_secret
from smwar.tid import SHAPE, encode, new_tid, tid_for

from .memory_keyring import FileKeyring

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HANDLE, DID, PASSWORD = "acme.test", "did:plc:acme", "abcd-efgh-ijkl-mnop"
BOB = "did:plc:bob"
ROOT = f"at://{BOB}/app.bsky.feed.post/3lroot000000a"
COMPLAINT = f"at://{BOB}/app.bsky.feed.post/3lcomplaint0a"


@dataclass
class Pds:
    """The records it holds (at-uri -> (cid, record)) and the faults to play."""

    records: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    lose_answers: int = 0  # createRecord keeps the record, then the answer is lost (502)
    refuse_creates: int = 0  # createRecord fails (503) without keeping anything
    creates: int = 0
    base: str = ""

    def put(self, uri: str, record: dict[str, Any]) -> str:
        cid = f"bafy{len(self.records):04d}{uri.rsplit('/', 1)[1]}"
        self.records[uri] = (cid, record)
        return cid

    def mine(self) -> dict[str, dict[str, Any]]:
        return {uri: record for uri, (_, record) in self.records.items() if uri.startswith(f"at://{DID}/")}

    def answer(self, method: str, path: str, params: dict[str, str], body: Any, auth: str) -> tuple[int, Any]:
        if path == "/xrpc/com.atproto.server.createSession":
            if body != {"identifier": HANDLE, "password": PASSWORD}:
                return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
            return 200, {"accessJwt": "access-1", "refreshJwt": "refresh-1", "did": DID, "handle": HANDLE}
        if auth != "Bearer access-1":
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
        if path == "/xrpc/app.bsky.feed.getPosts":
            found = [
                {"uri": uri, "cid": self.records[uri][0], "record": self.records[uri][1]}
                for uri in [params["uris"]]
                if uri in self.records
            ]
            return 200, {"posts": found}
        if path == "/xrpc/com.atproto.repo.getRecord":
            uri = f"at://{params['repo']}/{params['collection']}/{params['rkey']}"
            if uri not in self.records:
                return 400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"}
            cid, record = self.records[uri]
            return 200, {"uri": uri, "cid": cid, "value": record}
        if path == "/xrpc/com.atproto.repo.createRecord" and method == "POST":
            return self.create(body)
        return 404, {"error": "MethodNotImplemented"}

    def create(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.creates += 1
        if self.refuse_creates:
            self.refuse_creates -= 1
            return 503, {"error": "InternalServerError", "message": "try again later"}
        problem = invalid(body, self.records)
        if problem:
            return 400, {"error": "InvalidRequest", "message": problem}
        uri = f"at://{DID}/{body['collection']}/{body['rkey']}"
        if uri in self.records:
            return 400, {"error": "InvalidRequest", "message": "Record already exists"}
        cid = self.put(uri, body["record"])
        if self.lose_answers:
            self.lose_answers -= 1
            return 502, {"error": "UpstreamFailure", "message": "the answer got lost"}
        return 200, {"uri": uri, "cid": cid}


def invalid(body: dict[str, Any], records: dict[str, tuple[str, dict[str, Any]]]) -> str | None:
    """What is wrong with a createRecord call for a post, as the lexicon defines one."""
    record = body.get("record", {})
    if body.get("repo") != DID or body.get("collection") != "app.bsky.feed.post":
        return "wrong repo or collection"
    if not SHAPE.match(str(body.get("rkey"))):
        return "rkey is not a TID"
    if record.get("$type") != "app.bsky.feed.post" or not isinstance(record.get("text"), str):
        return "not a post"
    if graphemes(record["text"]) > 300:
        return "text is longer than 300 graphemes"
    datetime.fromisoformat(record["createdAt"])
    for ref in record.get("reply", {}).values():
        if ref["uri"] not in records or records[ref["uri"]][0] != ref["cid"]:
            return f"reply ref {ref} names no record"
    raw = record["text"].encode()
    for facet in record.get("facets", []):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        if not 0 <= start < end <= len(raw):
            return "facet out of range"
    return None


@pytest.fixture
def pds() -> Iterator[Pds]:
    state = Pds()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            params = {key: values[0] for key, values in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, answer = state.answer(method, url.path, params, body, self.headers.get("Authorization", ""))
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    # Bob started a thread and then complained in it, replying to himself
    root_cid = state.put(ROOT, {"$type": "app.bsky.feed.post", "text": "AquaPro Erfahrungen?", "createdAt": "x"})
    reply = {"root": {"uri": ROOT, "cid": root_cid}, "parent": {"uri": ROOT, "cid": root_cid}}
    state.put(COMPLAINT, {"$type": "app.bsky.feed.post", "text": "Ausgelaufen!", "createdAt": "x", "reply": reply})
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def setup(tmp_path, pds: Pds, runbooks: RunbookSet) -> Iterator[tuple[Session, JournaledMention, Config]]:  # type: ignore[no-untyped-def]
    keyring.set_keyring(FileKeyring())
    set_secret(f"auth:bluesky:{HANDLE}", PASSWORD)
    journal = Journal.open(tmp_path / "live.sqlite")
    mention = Mention("bluesky", COMPLAINT, "bob.test", "Meine AquaPro ist ausgelaufen!", T0)
    [item] = journal.add_mentions([(mention, T0, (), (), None)])
    session = Session(journal, runbooks, ManualClock(T0), Idle(), "anna")
    yield session, item, Config(reply_as=ReplyAccounts(bluesky=HANDLE, bluesky_pds=pds.base))
    journal.close()


def facet_texts(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    raw = record["text"].encode()
    spans = [
        (facet["index"]["byteStart"], facet["index"]["byteEnd"], facet["features"][0]) for facet in record["facets"]
    ]
    return [(raw[start:end].decode(), feature) for start, end, feature in spans]


def test_a_reply_threads_under_the_post_and_its_root_with_working_links_and_tags(pds: Pds, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config = setup
    text = "Das tut uns leid 🙁 – bitte hier melden: https://acme.example/hilfe?id=4#form. #AquaPro"
    event = send_reply(session, item, text, how=POSTED, template="apology", config=config)

    [(uri, record)] = pds.mine().items()
    rkey = uri.rsplit("/", 1)[1]
    assert event.payload["how"] == "posted"
    assert event.payload["url"] == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    assert record["text"] == text
    assert record["reply"]["parent"] == {"uri": COMPLAINT, "cid": pds.records[COMPLAINT][0]}
    assert record["reply"]["root"] == {"uri": ROOT, "cid": pds.records[ROOT][0]}, "the thread's root, not the parent"
    assert facet_texts(record) == [
        (
            "https://acme.example/hilfe?id=4#form",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://acme.example/hilfe?id=4#form"},
        ),
        ("#AquaPro", {"$type": "app.bsky.richtext.facet#tag", "tag": "AquaPro"}),
    ]
    assert session.journal.draft(item.id) is None


def test_a_lost_answer_and_a_refused_post_each_end_in_exactly_one_post(pds: Pds, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config = setup
    pds.refuse_creates = 1
    failed = send_reply(session, item, "Wir kümmern uns.", how=POSTED, template=None, config=config)
    assert failed.payload["how"] == "failed"
    assert failed.payload["detail"] == "503 InternalServerError: try again later"
    assert pds.mine() == {} and session.desk.replies() == []

    pds.lose_answers = 1  # this time the PDS keeps the post, but its answer never arrives
    lost = send_reply(session, item, "Wir kümmern uns.", how=POSTED, template=None, config=config)
    assert lost.payload["how"] == "failed" and len(pds.mine()) == 1

    retried = send_reply(session, item, "Wir kümmern uns.", how=POSTED, template=None, config=config)
    assert retried.payload["how"] == "posted" and retried.payload["key"] == failed.payload["key"]
    assert len(pds.mine()) == 1, "the retry found the post the lost answer made"
    assert pds.creates == 2, "and did not try to make it again"
    assert [event.payload["how"] for event in session.desk.replies()] == ["posted"]


def test_refusals_are_recorded_with_the_servers_reason(pds: Pds, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config = setup
    set_secret(f"auth:bluesky:{HANDLE}", "wrong-password")
    event = send_reply(session, item, "Hallo", how=POSTED, template=None, config=config)
    assert event.payload["detail"] == "401 AuthenticationRequired: Invalid identifier or password"

    set_secret(f"auth:bluesky:{HANDLE}", PASSWORD)
    del pds.records[COMPLAINT]  # Bob deleted his post
    event = send_reply(session, item, "Hallo", how=POSTED, template=None, config=config)
    assert event.payload["how"] == "failed" and event.payload["detail"] == f"the post replied to is gone: {COMPLAINT}"
    assert pds.mine() == {}


def test_in_a_drill_nothing_is_sent_and_a_missing_account_is_explained(pds: Pds, setup) -> None:  # type: ignore[no-untyped-def]
    session, item, config = setup
    event = send_reply(session, item, "Probe", how=POSTED, template=None, config=config, drill=True)
    assert event.payload["how"] == "simulated" and pds.creates == 0
    with pytest.raises(SmwarError, match=r'set reply_as.bluesky = "you.bsky.social"'):
        reply_target(Config(), "bluesky")
    with pytest.raises(SmwarError, match=r"smwar auth set bluesky:other.test"):
        reply_target(Config(reply_as=ReplyAccounts(bluesky="other.test")), "bluesky")
    remote = Config(reply_as=ReplyAccounts(bluesky=HANDLE, bluesky_pds="http://pds.example"))
    with pytest.raises(SmwarError, match=r"unencrypted to pds.example"):
        reply_target(remote, "bluesky")
    with pytest.raises(SmwarError, match=r"posting to reddit is not supported: copy the reply"):
        reply_target(config, "reddit")


def test_post_keys_are_record_keys_that_sort_by_time() -> None:
    key = new_tid()
    assert SHAPE.match(key) and tid_for(key) == key
    assert encode(1_000, 5) < encode(1_001, 0) < encode(2**52, 0)
    older = tid_for("0f3a9c2e8b7d4e1fa2b3c4d5e6f70812")  # a key from before keys were TIDs
    assert SHAPE.match(older) and older == tid_for("0f3a9c2e8b7d4e1fa2b3c4d5e6f70812")
