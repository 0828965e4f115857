"""`smwar runbooks try`: what a runbook set makes of a text or a file of mentions, and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from smwar.errors import InputError
from smwar.model import Match, Mention
from smwar.plaintext import printable
from smwar.runbooks.definitions import ACTIONS, RunbookSet, author_tags
from smwar.runbooks.evaluate import quality
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.jsonl import read_jsonl
from smwar.triage.decide import Triager
from smwar.triage.mood import weigh, words_alone
from smwar.triage.sentiment import label_of
from smwar.triage.worded import scenarios_of

Echo = Callable[[str], None]
Acted = tuple[int, Mention, str, str | None, str | None]  # line, mention, labelled, triaged, by rule


class Trial:
    def __init__(self, runbooks: RunbookSet) -> None:
        self.runbooks = runbooks
        self.scenarios = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
        self.triager = Triager(runbooks)
        self.request_types = self.triager.request_types

    def describe(self, mention: Mention) -> list[str]:
        """A readable account of everything the set says about `mention`."""
        lines = [f"{printable(mention.text)}", f"  ({mention.network}, {mention.lang or 'language unknown'})"]
        verdict = self.triager.relevance.judge(mention)
        matches = scenarios_of(mention, verdict, self.scenarios, self.triager)
        kinds = self.request_types.match(mention)
        tags = author_tags(self.runbooks.deescalation, mention.network, mention.author, mention.followers)
        if not matches:
            lines.append("  no scenario matches")
        for match in matches:
            scenario = self.runbooks.scenario(match.scenario_id)
            lines.append(
                f"  {scenario.id}: {scenario.title} · score {match.score:.2f} (threshold {scenario.threshold:.2f})"
            )
            lines.extend(_hit_lines(match))
        worded = self.triager.worded(mention)
        worded_kinds = (
            self.triager.worded_kinds([kind.scenario_id for kind in kinds], worded.affected) if verdict.relevant else ()
        )
        found = [(kind.scenario_id, _hit_lines(kind)) for kind in kinds]
        by_wording = f"    by the wording: an affected customer {worded.affected:.0%}"
        found += [(kind_id, [by_wording]) for kind_id in worded_kinds]
        for kind_id, hits in found:
            request_type = self.runbooks.request_type(kind_id)
            lines.append(
                f"  request type {request_type.id}: {request_type.title} · priority {request_type.priority}, "
                f"owner {request_type.owner}"
            )
            lines.extend(hits)
        for what, matcher in (("scenario", self.scenarios), ("request type", self.request_types)):
            for aside in matcher.set_aside(mention):
                words, term = printable(" ".join(aside.words)), printable(aside.term)
                lines.append(f"  not {what} {aside.target_id}: set aside by rule {aside.rule}: {words} ~ “{term}”")
        if tags:
            lines.append(f"  author: {', '.join(tags)}")
        if verdict.relevant:
            lines.append(f"  {worded}")
        decided = self.runbooks.deescalation.decide(
            mention,
            tags,
            [*(kind.scenario_id for kind in kinds), *worded_kinds],
            [match.scenario_id for match in matches],
            worded,
        )
        if decided is not None:
            lines.append(
                f"  de-escalation: {decided.action} (rule {decided.id}{': ' + decided.why if decided.why else ''})"
            )
        read = self.triager.read(mention, [match.scenario_id for match in matches], verdict)
        feeling = weigh(mention.text, read.mood, read.context, self.triager.wording)  # in context, as triage reads it
        mood = read.mood
        carried = f" ({', '.join(printable(word) for word in mood.words)})" if mood.words else ""
        lines.append(f"  sentiment: {feeling:+.2f} {label_of(feeling)}{carried}{words_alone(feeling, mood)}")
        return lines

    def run_file(self, path: Path, now: datetime, *, echo: Echo, verbose: bool) -> int:
        """Try every mention of a JSONL file; with `expect` labels, report precision and recall;
        with `action` (or `expect_action`) labels, how often triage does what they say.

        Returns the number of lines that could not be read (each is reported, the rest run).
        """
        counts: Counter[str] = Counter()
        labelled: list[tuple[int, Mention, set[str], set[str]]] = []
        acted: list[Acted] = []
        bad: list[InputError] = []
        total = 0

        def skip(error: InputError) -> None:
            bad.append(error)
            echo(f"{error} (line skipped)")

        for number, mention, raw in read_jsonl(path, now, on_error=skip):
            total += 1
            verdict = self.triager.relevance.judge(mention)  # as live ingest reads it: rules and wording
            found = {match.scenario_id for match in scenarios_of(mention, verdict, self.scenarios, self.triager)}
            counts.update(found or {"(none)"})
            if verbose:
                echo(f"{path.name}:{number}: " + "\n".join(self.describe(mention)))
            try:
                if "expect" in raw:
                    labelled.append((number, mention, self._expected(path, number, raw["expect"]), found))
                if (wanted := raw.get("action", raw.get("expect_action"))) is not None:
                    if wanted not in ACTIONS:
                        raise InputError(path, number, f"action: one of {', '.join(ACTIONS)}, not {wanted!r}")
                    tags = author_tags(self.runbooks.deescalation, mention.network, mention.author, mention.followers)
                    triage = self.triager.triage(mention, tags, found, verdict)
                    acted.append((number, mention, str(wanted), triage.action, triage.rule))
            except InputError as error:
                bad.append(error)
                echo(f"{error} (label ignored)")
        totals = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        echo(f"\n{total} mentions" + (f": {totals}" if totals else ""))
        if labelled:
            self._report_quality(path, labelled, echo)
        if acted:
            _report_actions(path, acted, echo)
        return len(bad)

    def _expected(self, path: Path, number: int, expected: object) -> set[str]:
        """A line's `expect` label: a list of scenario ids of this set."""
        if not isinstance(expected, list) or not all(isinstance(item, str) for item in expected):
            raise InputError(path, number, 'expect: a list of scenario ids, like ["product-defect"]')
        unknown = [item for item in expected if self.runbooks.find_scenario(item) is None]
        if unknown:
            raise InputError(path, number, f"expect: no scenario {', '.join(map(repr, unknown))} in these runbooks")
        return set(expected)

    def _report_quality(self, path: Path, labelled: list[tuple[int, Mention, set[str], set[str]]], echo: Echo) -> None:
        ids = [scenario.id for scenario in self.runbooks.scenarios]
        table = quality(ids, [(want, got) for _, _, want, got in labelled])
        echo(f"\n{len(labelled)} labelled mentions\n{'scenario':<24} {'precision':>9} {'recall':>7}")
        for scenario, entry in table.items():
            echo(f"{scenario:<24} {entry.precision:9.3f} {entry.recall:7.3f}")
        for number, mention, want, got in labelled:
            for scenario in sorted(want ^ got):
                kind = "missed" if scenario in want else "wrongly matched"
                echo(f"{path.name}:{number}: {kind} {scenario}: {printable(mention.text)[:100]}")


def _report_actions(path: Path, acted: list[Acted], echo: Echo) -> None:
    """How often triage did what the labels say, what it did instead, and where."""
    right = sum(wanted == triaged for _, _, wanted, triaged, _ in acted)
    echo(f"\n{len(acted)} mentions labelled with an action: {right / len(acted):.3f} triaged so ({right})")
    corner = "labelled \\ triaged"
    echo(f"{corner:<20}" + "".join(f"{action:>9}" for action in (*ACTIONS, "none")))
    for wanted in ACTIONS:
        row = Counter(triaged or "none" for _, _, label, triaged, _ in acted if label == wanted)
        echo(f"{wanted:<20}" + "".join(f"{row.get(action, 0):9d}" for action in (*ACTIONS, "none")))
    for number, mention, wanted, triaged, rule in acted:
        if wanted != triaged:
            by = f" (rule {printable(rule)})" if rule else ""
            text = printable(mention.text)[:100]
            echo(f"{path.name}:{number}: labelled {wanted}, triaged {triaged or 'none'}{by}: {text}")


def _hit_lines(match: Match) -> list[str]:
    return [
        f"    rule {hit.rule}: {printable(' '.join(hit.words))} ~ “{hit.term}” {hit.similarity:.0%}"
        for hit in match.hits
    ]
