"""How far triage agrees with a community manager, on eighteen labelled sets of German and
English mentions: tests/data/triage-eval.jsonl, triage-second.jsonl, triage-fourth.jsonl,
triage-seventh.jsonl, triage-tenth.jsonl, triage-thirteenth.jsonl, triage-sixteenth.jsonl,
triage-nineteenth.jsonl and triage-twenty-second.jsonl (written by sixteen authors; the sets
rules may be tuned on) and tests/data/triage-unseen.jsonl to triage-unseen-9.jsonl (held out:
never used for tuning; by the first, third, sixth, ninth, twelfth, fifteenth, eighteenth,
twenty-first and twenty-fourth author).
tests/data/README.md says how they were written and what the labels mean.

Every mention goes through what the live pipeline runs for it (engine/pipeline.py `_journal`):
the bundled runbooks, `RuleMatcher(runbooks.scenarios, runbooks.deescalation)`, `tags_for` with
the known authors of an empty journal (each set is one batch into it) and nothing learned, and
`Triager(runbooks).triage(...)`, through the pipeline's own `assess` (a mention not about us
matches no scenario). Only the triage's `action` and
`sentiment` are read, so fields added to it later change nothing here. Prints, per set, each
figure next to its goal in issue 18:

* action accuracy (respond / watch / ignore against the label), with the 3×3 confusion table;
* the share of off-topic mentions (relevant = false) put on RESPOND;
* affected-customer recall: the share of affected customers put on RESPOND;
* sentiment sign accuracy: `Triage.sentiment` through the project's cutoff (`label_of`)
  against the sign a reader gives the post;
* the matcher's precision and recall per scenario against the `scenarios` labels, their macro
  means and macro F1;
* action and sentiment accuracy per kind of mention (affected customer, troll, sarcasm…).

Figures are printed, never asserted. `--misses N` lists up to N wrong actions of each tuning
set, with the rule that decided; the held-out sets' misses are not listed, so that no one tunes
on them.

    python benchmarks/triage_bench.py [--misses 20]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from smwar.engine.assessing import assess
from smwar.engine.pipeline import tags_for
from smwar.model import Mention
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.evaluate import Quality, macro_f1, quality
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.sources.jsonl import read_jsonl
from smwar.triage.decide import Triager
from smwar.triage.sentiment import label_of

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "triage-eval.jsonl"
SECOND = ROOT / "tests" / "data" / "triage-second.jsonl"
FOURTH = ROOT / "tests" / "data" / "triage-fourth.jsonl"
SEVENTH = ROOT / "tests" / "data" / "triage-seventh.jsonl"
TENTH = ROOT / "tests" / "data" / "triage-tenth.jsonl"
THIRTEENTH = ROOT / "tests" / "data" / "triage-thirteenth.jsonl"
SIXTEENTH = ROOT / "tests" / "data" / "triage-sixteenth.jsonl"
NINETEENTH = ROOT / "tests" / "data" / "triage-nineteenth.jsonl"
TWENTY_SECOND = ROOT / "tests" / "data" / "triage-twenty-second.jsonl"
UNSEEN = ROOT / "tests" / "data" / "triage-unseen.jsonl"
UNSEEN_2 = ROOT / "tests" / "data" / "triage-unseen-2.jsonl"
UNSEEN_3 = ROOT / "tests" / "data" / "triage-unseen-3.jsonl"
UNSEEN_4 = ROOT / "tests" / "data" / "triage-unseen-4.jsonl"
UNSEEN_5 = ROOT / "tests" / "data" / "triage-unseen-5.jsonl"
UNSEEN_6 = ROOT / "tests" / "data" / "triage-unseen-6.jsonl"
UNSEEN_7 = ROOT / "tests" / "data" / "triage-unseen-7.jsonl"
UNSEEN_8 = ROOT / "tests" / "data" / "triage-unseen-8.jsonl"
UNSEEN_9 = ROOT / "tests" / "data" / "triage-unseen-9.jsonl"
TUNING = (
    (EVAL, "a set rules may be tuned on"),
    (SECOND, "a set rules may be tuned on, by a second author"),
    (FOURTH, "a set rules may be tuned on, by a fourth and a fifth author"),
    (SEVENTH, "a set rules may be tuned on, by a seventh and an eighth author"),
    (TENTH, "a set rules may be tuned on, by a tenth and an eleventh author"),
    (THIRTEENTH, "a set rules may be tuned on, by a thirteenth and a fourteenth author"),
    (SIXTEENTH, "a set rules may be tuned on, by a sixteenth and a seventeenth author"),
    (NINETEENTH, "a set rules may be tuned on, by a nineteenth and a twentieth author"),
    (TWENTY_SECOND, "a set rules may be tuned on, by a twenty-second and a twenty-third author"),
)
HELD_OUT = (
    (UNSEEN, "held out: never used for tuning"),
    (UNSEEN_2, "held out: never used for tuning, by a third author"),
    (UNSEEN_3, "held out: never used for tuning, by a sixth author"),
    (UNSEEN_4, "held out: never used for tuning, by a ninth author"),
    (UNSEEN_5, "held out: never used for tuning, by a twelfth author"),
    (UNSEEN_6, "held out: never used for tuning, by a fifteenth author"),
    (UNSEEN_7, "held out: never used for tuning, by an eighteenth author"),
    (UNSEEN_8, "held out: never used for tuning, by a twenty-first author"),
    (UNSEEN_9, "held out: never used for tuning, by a twenty-fourth author"),
)
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ACTIONS = ("respond", "watch", "ignore")
RESPOND = "respond"

# the goals of issue 18, the same for every set
GOAL_ACTION = 0.90
GOAL_OFF_TOPIC_RESPOND = 0.01  # at most
GOAL_AFFECTED_RECALL = 0.95
GOAL_SENTIMENT = 0.85
GOAL_MATCHER = 0.95  # precision and recall


class Outcome(NamedTuple):
    """One labelled mention and what the pipeline made of it."""

    line: int
    mention: Mention
    label: dict[str, Any]
    action: str | None
    rule: str | None
    sentiment: str | None  # NEGATIVE, NEUTRAL, POSITIVE; None: no score
    scenarios: frozenset[str]


def run(path: Path, runbooks_dir: Path) -> list[Outcome]:
    """Every mention of `path` through matching, author tags and triage, as `_journal` does it."""
    runbooks = load_runbook_set(runbooks_dir)
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    triager = Triager(runbooks)
    known: set[tuple[str, str]] = set()  # an empty journal: nobody is known yet
    outcomes = []
    for line, mention, raw in read_jsonl(path, T0):
        tags = tags_for(mention, runbooks.deescalation, known, {})
        matches, triage = assess(mention, tags, matcher, triager)
        score = getattr(triage, "sentiment", None)
        outcomes.append(
            Outcome(
                line,
                mention,
                raw,
                triage.action,
                getattr(triage, "rule", None),
                label_of(score) if score is not None else None,
                frozenset(match.scenario_id for match in matches),
            )
        )
    return outcomes


def share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def verdict(value: float, goal: float, at_most: bool = False) -> str:
    if value != value:  # nan: nothing to measure
        return "n/a"
    return "met" if (value <= goal if at_most else value >= goal) else "not met"


def figure(name: str, value: float, goal: float, detail: str, at_most: bool = False) -> None:
    sign = "≤" if at_most else "≥"
    print(f"  {name:<30} {value:6.3f}  goal {sign} {goal:.2f}  {verdict(value, goal, at_most):<8} {detail}".rstrip())


def figures(outcomes: list[Outcome], scenario_ids: Sequence[str]) -> dict[str, Quality]:
    """Print each figure of `outcomes` next to its goal; the matcher's quality by scenario."""
    right = sum(outcome.action == outcome.label["action"] for outcome in outcomes)
    off_topic = [outcome for outcome in outcomes if not outcome.label["relevant"]]
    off_respond = sum(outcome.action == RESPOND for outcome in off_topic)
    off_ignore = sum(outcome.action == "ignore" for outcome in off_topic)
    affected = [outcome for outcome in outcomes if outcome.label["affected"]]
    affected_respond = sum(outcome.action == RESPOND for outcome in affected)
    signs = sum(outcome.sentiment == outcome.label["sentiment"] for outcome in outcomes)
    table = quality(scenario_ids, ((set(outcome.label["scenarios"]), set(outcome.scenarios)) for outcome in outcomes))
    precision = sum(entry.precision for entry in table.values()) / len(table)
    recall = sum(entry.recall for entry in table.values()) / len(table)

    figure("action accuracy", share(right, len(outcomes)), GOAL_ACTION, f"({right}/{len(outcomes)})")
    figure(
        "off-topic on RESPOND",
        share(off_respond, len(off_topic)),
        GOAL_OFF_TOPIC_RESPOND,
        f"({off_respond}/{len(off_topic)}; {off_ignore} on IGNORE)",
        at_most=True,
    )
    figure(
        "affected-customer recall",
        share(affected_respond, len(affected)),
        GOAL_AFFECTED_RECALL,
        f"({affected_respond}/{len(affected)} on RESPOND)",
    )
    figure("sentiment sign accuracy", share(signs, len(outcomes)), GOAL_SENTIMENT, f"({signs}/{len(outcomes)})")
    figure("matcher precision (macro)", precision, GOAL_MATCHER, "")
    figure("matcher recall (macro)", recall, GOAL_MATCHER, "")
    print(f"  {'matcher macro F1':<30} {macro_f1(table):6.3f}")
    return table


def report(path: Path, about: str, outcomes: list[Outcome], scenario_ids: Sequence[str], misses: int) -> None:
    labels = [outcome.label for outcome in outcomes]
    languages = Counter(str(label.get("lang")) for label in labels)
    counts = ", ".join(f"{count} {language}" for language, count in sorted(languages.items()))
    print(f"\n{path.relative_to(ROOT)}: {len(outcomes)} mentions ({counts}), {about}")

    table = figures(outcomes, scenario_ids)

    # the confusion table: rows as labelled, columns as triaged ("none": no rule decided)
    columns = [*ACTIONS, *sorted({str(o.action) for o in outcomes if o.action not in ACTIONS})]
    shown = ["none" if column == "None" else column for column in columns]
    corner = "labelled \\ triaged"
    print(f"\n  {corner:<20}" + "".join(f"{column:>9}" for column in shown))
    for wanted in ACTIONS:
        row = Counter(str(o.action) for o in outcomes if o.label["action"] == wanted)
        print(f"  {wanted:<20}" + "".join(f"{row.get(column, 0):9d}" for column in columns))

    print(f"\n  {'scenario':<20} {'labelled':>8} {'found':>6} {'P':>6} {'R':>6} {'F1':>6}")
    for scenario in scenario_ids:
        entry = table[scenario]
        wanted = entry.true_positives + entry.false_negatives
        found = entry.true_positives + entry.false_positives
        print(f"  {scenario:<20} {wanted:8d} {found:6d} {entry.precision:6.3f} {entry.recall:6.3f} {entry.f1:6.3f}")

    print(f"\n  {'kind':<20} {'n':>4} {'action':>7} {'sign':>6}")
    for kind, count in sorted(Counter(str(label.get("kind")) for label in labels).items()):
        group = [outcome for outcome in outcomes if outcome.label.get("kind") == kind]
        actions = share(sum(o.action == o.label["action"] for o in group), count)
        sign = share(sum(o.sentiment == o.label["sentiment"] for o in group), count)
        print(f"  {kind:<20} {count:4d} {actions:7.3f} {sign:6.3f}")
    for language in sorted(languages):
        group = [outcome for outcome in outcomes if outcome.label.get("lang") == language]
        actions = share(sum(o.action == o.label["action"] for o in group), len(group))
        sign = share(sum(o.sentiment == o.label["sentiment"] for o in group), len(group))
        print(f"  {'lang ' + language:<20} {len(group):4d} {actions:7.3f} {sign:6.3f}")

    wrong = [outcome for outcome in outcomes if outcome.action != outcome.label["action"]]
    if misses and wrong:
        print(f"\n  first {min(misses, len(wrong))} of {len(wrong)} wrong actions (line: labelled -> triaged, rule):")
        for outcome in wrong[:misses]:
            text = " ".join(outcome.mention.text.split())
            text = text if len(text) <= 90 else text[:89] + "…"
            print(f"  {outcome.line:4d}: {outcome.label['action']} -> {outcome.action} ({outcome.rule})  {text}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", type=int, default=0, help="list up to N wrong actions of each tuning set")
    args = parser.parse_args(argv)

    runbooks_dir = bundled_runbooks_dir()
    scenario_ids = [scenario.id for scenario in load_runbook_set(runbooks_dir).scenarios]
    started = time.perf_counter()
    outcomes = {path: run(path, runbooks_dir) for path, _ in (*TUNING, *HELD_OUT)}
    seconds = time.perf_counter() - started
    print(f"Triage against a community manager's labels, bundled runbooks ({runbooks_dir})")
    for path, about in TUNING:
        report(path, about, outcomes[path], scenario_ids, args.misses)
    for path, about in HELD_OUT:
        report(path, about, outcomes[path], scenario_ids, 0)  # never their misses: no one tunes on them
    pooled = [outcome for path, _ in HELD_OUT for outcome in outcomes[path]]
    print(f"\nall {len(HELD_OUT)} held-out sets together: {len(pooled)} mentions")
    figures(pooled, scenario_ids)
    counted = sum(map(len, outcomes.values()))
    print(f"\n{counted} mentions matched and triaged in {seconds:.2f} s")


if __name__ == "__main__":
    main()
