"""Whether a mention is about the company at all, decided before what to do with it.

A mention is about us when it carries one of our handles or hashtags, links to one of our
domains, replies to or quotes one of our posts, or names us or a product of ours — unless
the name it uses is a namesake's ("Drogerie Müller", "AquaPro Außenfilter fürs Aquarium")
and nothing else of ours is there. The ways a reply addresses us ("eure App") count only in a
reply to us: anyone's app is "eure App". "Müller" alone is a surname, not us. Names are
matched as the runbooks' rules are (typos, inflections, hashtags split into words), but with
their words together: "Peter Mueller says his washing machine…" names no product.
"""

from __future__ import annotations

from dataclasses import dataclass

from smwar.model import Mention
from smwar.plaintext import printable
from smwar.runbooks.definitions import RequestType, Rule, RunbookSet
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import fold, without_umlauts

OFF_TOPIC = "off-topic"  # the rule that ignores a mention not about us
NAMES, ADDRESSED, NAMESAKES = "names", "addressed", "namesakes"
SURE = 0.8  # how closely a name must be matched: a typo or an inflection still names it
NAME_GAP = 0  # words a name's words may stand apart


@dataclass(frozen=True, slots=True)
class Verdict:
    relevant: bool
    why: str  # what decided, for the detail pane


class Relevance:
    def __init__(self, runbooks: RunbookSet) -> None:
        company = runbooks.company
        self.company = company.name
        names = [*company.written, *company.storm_names]
        lists = {NAMES: _spelled(names), ADDRESSED: _spelled(company.addressed), NAMESAKES: _spelled(company.not_us)}
        targets = [
            RequestType(id=key, title=key, priority=1, owner="-", threshold=SURE, rule=[Rule(id=key, any=terms)])
            for key, terms in lists.items()
            if terms
        ]
        self._matcher = RuleMatcher(targets, runbooks.deescalation, gap=NAME_GAP)
        self._domains = tuple(domain.casefold() for domain in company.domains)
        # handles and hashtags as written, with their @ and # ("AquaPro" alone is a name, and may be a namesake's)
        self._marks = tuple(mark.casefold() for mark in (*company.handles, *company.hashtags))
        # what our posts' addresses hold: handles without their instance, and our domains
        self._ours = tuple({fold(handle.lstrip("@").split("@")[0]) for handle in company.handles} | set(self._domains))

    def judge(self, mention: Mention) -> Verdict:
        text = mention.text.casefold()  # handles, hashtags and domains are ASCII: no need to fold umlauts
        mark = next((mark for mark in self._marks if _carries(text, mark)), None)
        if mark is not None:
            return Verdict(True, f"carries {_quoted(mark)}")
        domain = next((domain for domain in self._domains if domain in text), None)
        if domain is not None:
            return Verdict(True, f"links to {domain}")
        if self._replies_to_us(mention):
            return Verdict(True, "replies to us")
        found = {match.scenario_id: match for match in self._matcher.match(mention)}
        if NAMESAKES in found:
            return Verdict(False, f"names {_quoted(found[NAMESAKES].hits[0].term)}, a namesake, not us")
        if NAMES in found:
            return Verdict(True, f"names {_quoted(found[NAMES].hits[0].term)}")
        if ADDRESSED in found:
            return Verdict(False, f"says {_quoted(found[ADDRESSED].hits[0].term)}, but not to us")
        return Verdict(False, f"names nothing of {self.company}'s: no name, product, handle, hashtag or domain")

    def _replies_to_us(self, mention: Mention) -> bool:
        addresses = fold(f"{mention.reply_to or ''} {mention.quote_of or ''}")
        return bool(addresses.strip()) and any(ours in addresses for ours in self._ours)


def _carries(text: str, mark: str) -> bool:
    """Whether the folded `text` holds the handle or hashtag `mark` as a whole: "#aquapro" is
    not in "#aquaprofan"."""
    start = text.find(mark)
    while start != -1:
        end = start + len(mark)
        if end == len(text) or not (text[end].isalnum() or text[end] in "_@."):
            return True
        start = text.find(mark, end)
    return False


def _spelled(terms: list[str]) -> list[str]:
    """`terms`, and those with umlauts also as written without them ("Elektro Muller")."""
    return list(dict.fromkeys([*terms, *map(without_umlauts, terms)]))


def _quoted(term: str) -> str:
    return f"“{printable(term)}”"
