"""The pre-publish check: everything that must be right before a reply goes out, by severity.

A blocking finding must be fixed, or overridden with a reason that is recorded; a warning is
shown and may stand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, lru_cache

from spellchecker import SpellChecker

from smwar.runbooks.definitions import PLACEHOLDER, TROUBLEMAKER_TAG, RunbookSet
from smwar.urls import host_of

MAX_SUGGESTED = 5  # unknown words a check suggests a correction for; the rest are only named

BLOCKING = "blocking"
WARNING = "warning"
LIMITS = {"mastodon": (500, "characters"), "bluesky": (300, "graphemes")}

_URL = re.compile(r"\b(?:https?:/+|www\.)\S*|\bhtt?ps?:\S*", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![@\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # not a handle: @user@host
_PHONE = re.compile(r"(?<![\w/.])\+?\(?\d[\d ()/-]{5,}\d(?![\w/])")
_WORD = re.compile(r"(?<![@#\w/.-])[^\W\d_]+(?:-[^\W\d_]+)*(?![\w@/.]*\.\w)")
_DU = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure|euren|eurem|eurer)\b", re.I)
_SIE = re.compile(r"(?<![.!?:]\s)(?<!^)\b(Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres)\b")


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str  # BLOCKING or WARNING
    code: str
    message: str


def check(
    text: str,
    network: str,
    runbooks: RunbookSet,
    *,
    lang: str | None = None,
    author_tags: Collection[str] = (),
    action: str | None = None,
) -> list[Finding]:
    """Every finding for `text` as a reply on `network` to an author with `author_tags`,
    whose mention the de-escalation plan triaged as `action`."""
    findings: list[Finding] = []
    replies = runbooks.replies
    for name in sorted({m.group(1) for m in PLACEHOLDER.finditer(text)}):
        findings.append(Finding(BLOCKING, "placeholder", f"placeholder {{{name}}} is not filled in"))
    limit = LIMITS.get(network)
    if limit is not None:
        size = graphemes(text) if limit[1] == "graphemes" else len(text)
        if size > limit[0]:
            findings.append(
                Finding(
                    BLOCKING, "length", f"{size} {limit[1]}: {network} allows {limit[0]} ({size - limit[0]} too many)"
                )
            )
    if not text.strip():
        findings.append(Finding(BLOCKING, "empty", "the reply is empty"))
    findings += _links(text, replies.domains)
    findings += _contacts(text, replies.phones, replies.emails)
    folded = text.casefold()
    for phrase in replies.forbidden:
        if phrase.casefold() in folded:
            findings.append(Finding(BLOCKING, "forbidden", f"the runbook forbids “{phrase}”"))
    du, sie = _DU.search(text), _SIE.search(text)
    if du and sie:
        findings.append(
            Finding(BLOCKING, "address", f"mixes “du” (“{du.group()}”) and “Sie” (“{sie.group()}”): pick one")
        )
    channel = runbooks.channel(network)
    if channel is not None and channel.address in ("du", "Sie") and (du or sie):
        used = "du" if du else "Sie"
        if used != channel.address and not (du and sie):
            findings.append(
                Finding(WARNING, "address", f"{network} says “{channel.address}”, this reply says “{used}”")
            )
    if TROUBLEMAKER_TAG in author_tags or action == "ignore":
        findings.append(
            Finding(
                BLOCKING, "troublemaker", "the de-escalation plan says to leave this author alone: answering feeds it"
            )
        )
    findings += _spelling(text, lang or "de", runbooks)
    return findings


def blocking(findings: Collection[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == BLOCKING]


def graphemes(text: str) -> int:
    """User-perceived characters, as Bluesky counts them: combining marks, variation
    selectors, skin tones and zero-width-joined emoji belong to the character before, and a
    pair of regional indicators is one flag."""
    count = 0
    joined = False
    flag_half = False
    for char in text:
        code = ord(char)
        if joined or unicodedata.combining(char) or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF:
            joined = False
            continue
        if code == 0x200D:
            joined = True
            continue
        if 0x1F1E6 <= code <= 0x1F1FF:
            flag_half = not flag_half
            if not flag_half:
                continue
        else:
            flag_half = False
        count += 1
    return count


def _links(text: str, domains: Collection[str]) -> list[Finding]:
    findings = []
    for match in _URL.finditer(text):
        link = match.group().rstrip(".,;:!?)")
        host = host_of(link if "://" in link else "https://" + link)
        well_formed = re.fullmatch(r"https?://[^\s/]+\.[a-z]{2,}(?:[/?#]\S*)?", link, re.I) or link.lower().startswith(
            "www."
        )
        if not host or not well_formed:
            findings.append(Finding(BLOCKING, "link", f"broken link: {link}"))
        elif domains and not any(host == d or host.endswith("." + d) for d in domains):
            findings.append(Finding(BLOCKING, "link", f"{host} is not one of the official domains"))
    return findings


def _contacts(text: str, phones: Collection[str], emails: Collection[str]) -> list[Finding]:
    findings = []
    official_phones = {_digits(phone) for phone in phones}
    without_links = _URL.sub(" ", text)
    for match in _PHONE.finditer(without_links):
        number = match.group().strip()
        if len(_digits(number)) >= 7 and _digits(number) not in official_phones:
            findings.append(Finding(BLOCKING, "phone", f"{number} is not an official phone number"))
    official_mail = {email.casefold() for email in emails}
    for match in _EMAIL.finditer(without_links):
        if match.group().casefold() not in official_mail:
            findings.append(Finding(BLOCKING, "email", f"{match.group()} is not an official address"))
    return findings


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _spelling(text: str, lang: str, runbooks: RunbookSet) -> list[Finding]:
    speller = _speller(lang if lang in ("de", "en") else "de")
    own = {word.lower() for word in _own_words(runbooks)}  # lower, not casefold: ß stays ß
    plain = PLACEHOLDER.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", text)))
    words = [w for w in _WORD.findall(plain) if len(w) > 2 and w.lower() not in own]
    unknown = speller.unknown([w.lower() for w in words if "-" not in w])
    findings = []
    for number, word in enumerate(dict.fromkeys(w for w in words if w.lower() in unknown)):
        better = _suggestion(speller, word.lower()) if number < MAX_SUGGESTED else None
        hint = f" (did you mean “{better}”?)" if better and better != word.lower() else ""
        findings.append(Finding(WARNING, "spelling", f"“{word}” is not in the {lang} dictionary{hint}"))
    return findings


def _own_words(runbooks: RunbookSet) -> list[str]:
    company = runbooks.company
    names = [*company.names, company.name, *company.hashtags, *runbooks.replies.words]
    return [part for name in names for part in re.split(r"[\s#@-]+", name) if part]


@cache
def _speller(lang: str) -> SpellChecker:
    # one edit away: linear in a word's length (two edits grow with its square, and a long
    # unknown word typed in the editor froze the screen for seconds)
    return SpellChecker(language=lang, distance=1)


@lru_cache(maxsize=4096)
def _suggestion(speller: SpellChecker, word: str) -> str | None:
    """The dictionary's nearest word (checked again with every key typed, so kept)."""
    return speller.correction(word)
