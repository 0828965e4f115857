"""Post a reply on Bluesky as the operator's account: log in with its app password, look up
the post replied to (its cid, and the root of its thread), and create the record under the
reply's post key as record key. Before creating it, the account's repository is asked for that
key: a retry after an answer that got lost finds the post it made instead of making another."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from smwar.model import Mention
from smwar.publish.posted import TIMEOUT, Account, Posted, refused, unreachable
from smwar.tid import tid_for

POST = "app.bsky.feed.post"
LINK = re.compile(r"\bhttps?://[^\s<>\"']+")
TAG = re.compile(r"(?<![\w#&])#(\w[\w-]*)")
TRAILING = ".,;:!?)]}'\""


class _Refused(Exception):
    def __init__(self, posted: Posted) -> None:
        super().__init__(posted.detail)
        self.posted = posted


def post_bluesky(account: Account, text: str, parent: Mention | None, key: str) -> Posted:
    """Publish `text` from `account` as a reply to the post `parent`."""
    try:
        with httpx.Client(base_url=account.server, timeout=TIMEOUT) as client:
            return _post(client, account, text, parent.native_id if parent else None, key)
    except httpx.HTTPError as exc:
        return unreachable(exc)
    except _Refused as exc:
        return exc.posted
    except (KeyError, TypeError, AttributeError) as exc:  # an answer without what the API promises
        return Posted(False, None, f"the server's answer lacks {exc}: was it posted? a retry cannot post twice")


def _post(client: httpx.Client, account: Account, text: str, parent_uri: str | None, key: str) -> Posted:
    login = {"identifier": account.login, "password": account.secret}
    session = _ok(client.post("/xrpc/com.atproto.server.createSession", json=login))
    did, handle = str(session["did"]), str(session.get("handle") or account.login)
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}
    rkey = tid_for(key)
    posted = Posted(True, f"https://bsky.app/profile/{handle}/post/{rkey}", "posted")
    mine = {"repo": did, "collection": POST, "rkey": rkey}
    if _exists(client.get("/xrpc/com.atproto.repo.getRecord", params=mine, headers=auth)):
        return posted  # an earlier try got through
    record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now()}
    if parent_uri:
        record["reply"] = _reply_refs(client, auth, parent_uri)
    if found := facets(text):
        record["facets"] = found
    _ok(client.post("/xrpc/com.atproto.repo.createRecord", json={**mine, "record": record}, headers=auth))
    return posted


def _reply_refs(client: httpx.Client, auth: dict[str, str], parent_uri: str) -> dict[str, Any]:
    """The reply's parent and the root of its thread, each as uri and cid."""
    found = _ok(client.get("/xrpc/app.bsky.feed.getPosts", params={"uris": parent_uri}, headers=auth))
    posts = found.get("posts")
    if not isinstance(posts, list) or not posts:
        raise _Refused(Posted(False, None, f"the post replied to is gone: {parent_uri}"))
    parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
    thread = (posts[0].get("record") or {}).get("reply")
    root = thread.get("root") if isinstance(thread, dict) else None
    return {"root": root if isinstance(root, dict) else parent, "parent": parent}


def facets(text: str) -> list[dict[str, Any]]:
    """Links and hashtags in `text` as rich-text facets, so they work in the post (a facet's
    range counts bytes of UTF-8)."""
    found, links = [], []
    for match in LINK.finditer(text):
        url = match.group().rstrip(TRAILING)
        links.append(range(match.start(), match.start() + len(url)))
        found.append(_facet(text, match.start(), match.start() + len(url), {"$type": "#link", "uri": url}))
    for match in TAG.finditer(text):
        if any(match.start() in link for link in links):
            continue  # a #fragment of a link
        tag = match.group(1).rstrip("-")
        found.append(_facet(text, match.start(), match.start() + 1 + len(tag), {"$type": "#tag", "tag": tag}))
    return sorted(found, key=lambda facet: facet["index"]["byteStart"])


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    feature = {**feature, "$type": f"app.bsky.richtext.facet{feature['$type']}"}
    index = {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}
    return {"index": index, "features": [feature]}


def _ok(answer: httpx.Response) -> dict[str, Any]:
    if answer.is_error:
        raise _Refused(refused(answer))
    try:
        data = answer.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _Refused(Posted(False, None, f"{answer.url.path} answered something that is not a JSON object"))
    return data


def _exists(answer: httpx.Response) -> bool:
    """Whether getRecord found the record; a not-found answer is the only no."""
    if answer.status_code in (400, 404):
        try:
            error = answer.json().get("error")
        except (ValueError, AttributeError):
            error = None
        if answer.status_code == 404 or error == "RecordNotFound":
            return False
    _ok(answer)
    return True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
