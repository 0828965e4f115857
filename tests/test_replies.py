"""Replies: templates filled and ranked for a mention, and the pre-publish check's findings
on a table of drafts."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smwar.engine.replies import CALM_WINDOW, template_success
from smwar.errors import InputErrors
from smwar.model import Mention
from smwar.paths import bundled_runbooks_dir
from smwar.replies.check import BLOCKING, WARNING, check, graphemes
from smwar.replies.drafting import fill, suggestions, values_for
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import load_runbook_set

from .conftest import start_drill
from .test_runbooks import errors_of

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
GOOD = "Hallo @jana, das tut uns sehr leid! Bitte schick uns deine Seriennummer per DM. Hotline: 0800 123 456"


def mention(text: str, network: str = "mastodon", author: str = "jana_k@chaos.social", lang: str = "de") -> Mention:
    return Mention(network, "1", author, text, T0, lang)


@pytest.mark.parametrize(
    ("draft", "network", "expected"),
    [
        (GOOD, "mastodon", []),
        ("Hallo {author}, das tut uns leid. Hotline: {hotlin}", "mastodon", [("blocking", "placeholder")] * 2),
        ("Hallo! " + "Das tut uns leid. " * 30, "mastodon", [("blocking", "length")]),
        ("Danke! " + "👍🏽" * 150 + " Liebe Grüße", "bluesky", []),  # 150 emoji with skin tone: 150 graphemes
        ("Danke! " + "👍🏽" * 301, "bluesky", [("blocking", "length")]),
        ("Ruf uns an: 0800 999 999", "mastodon", [("blocking", "phone")]),
        ("Schreib an hilfe@mueller-service.example", "mastodon", [("blocking", "email")]),
        ("Infos auf https://elektro-mueller.example/aquapro", "mastodon", []),
        ("Infos auf https://elektro-mueller-info.example/aquapro", "mastodon", [("blocking", "link")]),
        ("Infos auf https:/elektro-mueller.example", "mastodon", [("blocking", "link")]),
        ("Dazu sagen wir: kein Kommentar.", "mastodon", [("blocking", "forbidden")]),
        ("Hallo, bitte schick uns deine Nummer, dann melden wir uns bei Ihnen.", "mastodon", [("blocking", "address")]),
        ("Guten Tag, wir melden uns bei Ihnen.", "mastodon", [("warning", "address")]),
        ("Das tut uns leid, die Maschiene wird ersetzt.", "mastodon", [("warning", "spelling")]),
        ("Die AquaPro gibt es im Fachhandel, #ElektroMueller", "mastodon", []),
    ],
)
def test_the_check_finds_what_must_be_fixed_before_publishing(
    draft: str, network: str, expected: list[tuple[str, str]], runbooks: RunbookSet
) -> None:
    found = [(finding.severity, finding.code) for finding in check(draft, network, runbooks, lang="de")]
    assert found == expected


def test_answering_a_troublemaker_is_blocked_and_findings_say_what_is_wrong(runbooks: RunbookSet) -> None:
    [finding] = check(GOOD, "mastodon", runbooks, author_tags=("troublemaker",))
    assert (finding.severity, finding.code) == (BLOCKING, "troublemaker")
    [spelling] = check("Die Maschiene ist neu.", "mastodon", runbooks, lang="de")
    assert spelling.severity == WARNING and "“Maschiene”" in spelling.message and "maschine" in spelling.message
    [length] = check("x" * 510, "mastodon", runbooks)[:1]
    assert length.message == "510 characters: mastodon allows 500 (10 too many)"


def test_graphemes_count_what_a_person_sees() -> None:
    assert graphemes("abc") == 3
    assert graphemes("👩‍👩‍👧") == 1 and graphemes("🇩🇪🇫🇷") == 2 and graphemes("é") == 1  # e + combining accent


def test_templates_are_filled_and_ranked_for_the_mention(runbooks: RunbookSet) -> None:
    leak = mention("Meine AquaPro ist ausgelaufen!")
    ranked = suggestions(runbooks, leak, ["product-defect"], ["complaint"])
    assert ranked[0].template.id == "leak-sorry-du", "scenario, request type, du on Mastodon, German"
    assert "leak-sorry-sie" in [s.template.id for s in ranked] and ranked[-1].template.id != "leak-sorry-du"
    english = suggestions(runbooks, mention("My AquaPro leaked", lang="en"), ["product-defect"], [])
    assert english[0].template.id == "leak-sorry-en"
    press = mention("Ich recherchiere zu auslaufenden AquaPro-Maschinen. Unsere Presseanfrage ist raus.")
    asking = suggestions(runbooks, press, ["product-defect"], ["press", "first-person", "question"])
    assert asking[0].template.id == "press-contact", "the press is answered by the press office, whatever the story"
    assert not any("du" in why for why in asking[0].why), "in the form of address it was written in"
    worked = suggestions(runbooks, leak, ["product-defect"], ["complaint"], worked={"leak-sorry-sie": 3.0})
    assert worked[0].template.id == "leak-sorry-sie", "what calmed things before rises"
    text = fill(ranked[0].template.text, values_for(leak, runbooks))
    assert text.startswith("Hallo @jana_k@chaos.social, das tut uns sehr leid!") and "0800 123 456" in text
    assert check(text, "mastodon", runbooks, lang="de") == []


def test_a_template_for_an_unknown_scenario_is_an_error_with_its_line(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    replies = folder / "replies.toml"
    replies.write_text(replies.read_text().replace('scenarios = ["service-outage"]', 'scenarios = ["app-down"]'))
    with pytest.raises(InputErrors) as caught:
        load_runbook_set(folder)
    [error] = caught.value.errors
    assert str(error).startswith(f"{replies}:") and "no scenario with id 'app-down'" in str(error)


def test_a_template_with_a_placeholder_no_reply_fills_is_an_error_with_its_line(tmp_path: Path) -> None:
    """Refused by `runbooks check`, not first found as a blocking finding when someone replies."""
    folder = Path(shutil.copytree(bundled_runbooks_dir(), tmp_path / "runbooks"))
    replies, outage = folder / "replies.toml", folder / "scenarios" / "service-outage.toml"
    text = replies.read_text(encoding="utf-8")
    text = text.replace('Hotline: {hotline}"""', '{ticket_urll} {order_no}"""', 1)
    replies.write_text(text.replace("unter {shop_url}", "unter {shop_url"), encoding="utf-8")
    step = outage.read_text(encoding="utf-8")
    outage.write_text(step.replace("gibt es auf https://status.", "gibt es auf {status}, https://status."))
    known = "known: {author}, {company}, {hotline}, {ticket_url}, {status_url}, {shop_url}, {aquapro_url}"
    assert sorted(errors_of(folder)) == [
        f"{replies}:32: template 'leak-sorry-du': unknown fields {{order_no}}, {{ticket_urll}}; {known}",
        f"{replies}:81: template 'hype-thanks': unclosed placeholder '{{shop_url' (a placeholder is written {{name}})",
        f"{outage}:90: step 'pin-post': template: unknown field {{status}}; {known}",
    ]


def test_a_draft_of_many_unknown_words_is_named_word_by_word_with_corrections_for_the_first_few(
    runbooks: RunbookSet,
) -> None:
    """What a hostile paste or a stuck key types: each unknown word is named, a correction is
    looked up (one edit away, linear in the word) for the first few only."""
    words = ["Maschiene", "Reperatur", "Telefn", "Rechnng", "Antwrt", "Probelm", "Servce", "Entschuldigng"]
    findings = check(" ".join(words), "mastodon", runbooks, lang="de")
    named = [finding.message for finding in findings if finding.code == "spelling"]
    assert len(named) == len(words)
    assert "did you mean “maschine”" in named[0] and "did you mean “antwort”" in named[4]
    assert all("did you mean" not in message for message in named[5:]), "the rest are only named"


def test_a_template_counts_as_calming_only_once_the_hour_after_its_reply_has_passed(runbooks: RunbookSet) -> None:
    _run, clock, session = start_drill(runbooks)
    author = "@jana_k@chaos.social"
    at = clock.now()
    earlier = [
        (
            Mention("mastodon", f"angry-{n}", author, "Schon wieder ausgelaufen!", at),
            at - timedelta(minutes=n),
            (),
            (),
            None,
        )
        for n in (5, 10)
    ]
    [first, _] = session.journal.add_mentions(earlier)
    session.desk.record_reply(first, "Das tut uns leid.", simulated=True, template="leak-sorry-du")
    clock.advance(timedelta(minutes=1))
    assert template_success(session) == {}, "a minute of quiet after a reply tells nothing yet"
    clock.advance(CALM_WINDOW)
    assert template_success(session) == {"leak-sorry-du": 1.0}, "two posts the hour before, none the hour after"
