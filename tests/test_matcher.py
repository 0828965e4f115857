from datetime import UTC, datetime
from pathlib import Path

import pytest

from smwar.model import Mention
from smwar.plaintext import printable
from smwar.runbooks.definitions import Deescalation, RunbookSet
from smwar.runbooks.loader import load_runbook_set
from smwar.runbooks.matcher import RuleMatcher
from smwar.runbooks.text import fold, words

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def mention(text: str, network: str = "mastodon", **extra: object) -> Mention:
    return Mention(network, "1", str(extra.pop("author", "@a@b.c")), text, T0, **extra)  # type: ignore[arg-type]


def best(runbooks: RunbookSet, text: str) -> tuple[str | None, dict[str, tuple[str, ...]]]:
    matches = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(mention(text))
    if not matches:
        return None, {}
    return matches[0].scenario_id, {hit.rule: hit.words for hit in matches[0].hits}


def custom_set(tmp_path: Path, rules: str, *, extra: str = "", header: str = "") -> RunbookSet:
    """A one-scenario set whose rules (and anything else) the test writes."""
    folder = tmp_path / "set"
    folder.mkdir(exist_ok=True)
    (folder / "plan.toml").write_text(
        '[company]\nname = "Elektro-Müller AG"\nnames = ["Elektro-Müller", "AquaPro"]\n' + extra, encoding="utf-8"
    )
    (folder / "scenario.toml").write_text(
        f'[[scenario]]\nid = "s"\ntitle = "S"\nseverity = "high"\n{header}\n'
        '[scenario.trigger]\nmentions = 3\nwithin = "10m"\n'
        f"{rules}\n"
        '[[scenario.step]]\nid = "notify"\ntitle = "Notify"\nrole = "lead"\ndeadline = "10m"\n',
        encoding="utf-8",
    )
    return load_runbook_set(folder)


def matched(runbooks: RunbookSet, *mentions: Mention) -> list[bool]:
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    return [bool(matcher.match(item)) for item in mentions]


@pytest.mark.parametrize(
    ("text", "scenario", "rule", "words"),
    [
        ("Unsere AquaPro ist heute Nacht ausgelaufen.", "product-defect", "leak", ("ausgelaufen",)),
        ("Die Elektro-Müller Waschmaschine ist ausgelaufne!!", "product-defect", "leak", ("ausgelaufne",)),
        ("my elektro mueller washer is leaking all over the floor", "product-defect", "leak", ("leaking",)),
        ("My AquaPro is leakign again", "product-defect", "leak", ("leakign",)),
        ("Meine AquaPro leckt", "product-defect", "leak", ("leckt",)),
        ("Wasserschäden im Keller wegen der AquaPro", "product-defect", "leak", ("Wasserschäden",)),
        ("Kellerwasserschaden durch die AquaPro", "product-defect", "leak", ("Kellerwasserschaden",)),
        ("Keller komplett unter Wasser #ElektroMuellerFail", "product-defect", "us", ("#ElektroMuellerFail",)),
        ("ELEKTROMUELLER: alles geflutet", "product-defect", "us", ("ELEKTROMUELLER",)),
        ("Die Müller Home App geht schon wieder nicht", "service-outage", "broken", ("geht", "…", "nicht")),
        ("ACHTUNG Kundendaten bei Elektro-Müller gehackt", "data-leak-rumour", "breach", ("gehackt",)),
    ],
)
def test_typos_inflections_umlauts_and_hashtags_match(
    runbooks: RunbookSet, text: str, scenario: str, rule: str, words: tuple[str, ...]
) -> None:
    found, hits = best(runbooks, text)
    assert found == scenario
    assert hits[rule] == words


def test_a_phrase_matches_with_words_in_between(runbooks: RunbookSet) -> None:
    found, hits = best(runbooks, "Die AquaPro ist komplett übergelaufen, das Bad ist total unter dem Wasser")
    assert found == "product-defect"
    assert hits["leak"] == ("unter", "…", "Wasser")


@pytest.mark.parametrize(
    "text",
    [
        "Thomas Müller trifft wieder für den FC Bayern, Wasserschaden hin oder her",
        "Bei Müller gibt's gerade 20 % auf Parfum",
        "Is Discord down for anyone else?",
        "My Bosch washer leaked all over the laundry room",
        "Der AquaPro-Außenfilter für mein Aquarium ist undicht",
        "Release dates of the new AquaPro leaked",
        "AquaPro has a lead pipe",
    ],
)
def test_look_alikes_do_not_match(runbooks: RunbookSet, text: str) -> None:
    assert best(runbooks, text)[0] is None


def test_words_in_between_a_phrase_within_its_window(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["waschmaschine ausgelaufen"]\n')
    [match] = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(
        mention("Waschmaschine ist komplett ausgelaufen")
    )
    assert match.hits[0].words == ("Waschmaschine", "…", "ausgelaufen")
    assert matched(runbooks, mention("Waschmaschine ist heute Nacht total und komplett ausgelaufen")) == [False]
    assert matched(runbooks, mention("ausgelaufen ist die Waschmaschine")) == [False], "order counts"


def test_short_words_need_exact_letters_and_typos_spare_the_first_letter(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["flood", "leck", "ausgelaufen"]\n')
    assert matched(
        runbooks,
        mention("the floor is wet"),
        mention("Fleck auf dem Boden"),
        mention("usgelaufen"),
        mention("ausgelafen"),
        mention("FLOODED"),
        mention("floods"),
        mention("Das Essen war lecker"),
    ) == [False, False, False, True, False, True, False], "a short word: as written, or its plural"
    loose = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["flood", "help"]\nloose = true\n')
    assert matched(loose, mention("FLOODED"), mention("helping hands")) == [True, True], "unless the rule is loose"


def test_a_word_sharing_only_a_short_base_is_no_match(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["daten"]\n')
    assert matched(runbooks, mention("release dates"), mention("Datens bei uns"), mention("Kundendaten")) == [
        False,
        True,
        True,
    ]


def test_explanation_gives_rule_words_term_and_similarity(runbooks: RunbookSet) -> None:
    [match] = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(mention("AquaPro ausgelaufn"))
    rules = {hit.rule: hit for hit in match.hits}
    assert set(rules) == {"us", "leak"}
    assert rules["leak"].words == ("ausgelaufn",) and rules["leak"].term == "ausgelaufen"
    assert 0.85 < rules["leak"].similarity < 1.0
    assert match.score == pytest.approx(0.4 + 0.6 * rules["leak"].similarity, abs=0.001)


def test_all_group_needs_every_term(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nall = ["tür", "dichtung"]\n')
    assert matched(runbooks, mention("Die Tür ist zu"), mention("Dichtung und Tür sind hin")) == [False, True]


def test_none_vetoes_and_required_rules_must_match(tmp_path: Path) -> None:
    rules = """
[[scenario.rule]]
id = "us"
any = ["$company"]
weight = 0.3
required = true
[[scenario.rule]]
id = "leak"
any = ["leak"]
weight = 0.7
[[scenario.rule]]
id = "veto"
none = ["aquarium"]
"""
    runbooks = custom_set(tmp_path, rules, header="threshold = 0.5")
    assert matched(
        runbooks, mention("AquaPro leak"), mention("some leak"), mention("AquaPro aquarium leak"), mention("AquaPro")
    ) == [True, False, False, False]


def test_regex_terms_count_like_any_terms(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "serial"\nregex = ["\\\\bAP-\\\\d{6}\\\\b"]\n')
    [match] = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(mention("Seriennummer ap-123456 defekt"))
    assert match.hits[0].words == ("ap-123456",) and match.hits[0].term == "/\\bAP-\\d{6}\\b/"
    assert matched(runbooks, mention("AP-12345")) == [False]


def test_filters_on_network_language_authors_and_followers(tmp_path: Path) -> None:
    extra = '[deescalation]\n[[deescalation.troublemaker]]\nnetwork = "mastodon"\nhandle = "@troll@x.y"\n'
    rules = """
[[scenario.rule]]
id = "r"
any = ["leak"]
networks = ["mastodon", "bluesky"]
languages = ["de"]
not_authors = ["troublemaker"]
min_followers = 100
"""
    runbooks = custom_set(tmp_path, rules, extra=extra)
    assert matched(
        runbooks,
        mention("leak", lang="de-DE", followers=500),
        mention("leak", network="reddit", lang="de", followers=500),
        mention("leak", lang="en", followers=500),
        mention("leak", lang="de", followers=50),
        mention("leak", lang="de", followers=500, author="@troll@x.y"),
    ) == [True, False, False, False, False]


def test_unless_gives_way_to_another_scenario(runbooks: RunbookSet) -> None:
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    sarcasm = matcher.match(mention("Danke Elektro-Müller, mein Keller ist jetzt ein Pool, alles geflutet"))
    assert [match.scenario_id for match in sarcasm] == ["product-defect"]
    praise = matcher.match(mention("Danke Elektro-Müller, die AquaPro ist super leise"))
    assert [match.scenario_id for match in praise] == ["positive-hype"]


@pytest.mark.parametrize(
    ("text", "scenarios"),
    [
        # a "leak" of data is no leaking machine: the leak the data leak found is the only one
        ("Elektro-Müller leaked my customer data", ["data-leak-rumour"]),
        ("Datenleck bei Elektro-Müller, Kundendaten im Netz", ["data-leak-rumour"]),
        # a post about both is about both: the flood is a word of the product defect's own
        ("My AquaPro flooded the kitchen and now Elektro-Müller leaked my customer data too",
         ["data-leak-rumour", "product-defect"]),
        ("Elektro-Müller: erst Wasserschaden, jetzt Datenleck. Kundendaten im Netz!",
         ["data-leak-rumour", "product-defect"]),
    ],
)  # fmt: skip
def test_a_scenario_gives_way_only_to_a_match_of_the_same_words(
    runbooks: RunbookSet, text: str, scenarios: list[str]
) -> None:
    """The product defect gives way to the data leak (`unless`) only where the data leak's
    terms found every word it did (`unless_same_words`)."""
    found = RuleMatcher(runbooks.scenarios, runbooks.deescalation).match(mention(text))
    assert sorted(match.scenario_id for match in found) == scenarios


def test_emoji_are_terms(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["❤️", "⭐", "ℹ️"]\n')
    assert matched(
        runbooks, mention("AquaPro ❤️"), mention("AquaPro ❤"), mention("⭐⭐⭐⭐⭐"), mention("ℹ️"), mention("<3 i")
    ) == [True, True, True, True, False]


def test_a_phrase_finds_its_words_past_a_false_start(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["alpha beta gamma", "bye bye"]\n')
    matcher = RuleMatcher(runbooks.scenarios, runbooks.deescalation)
    [found] = matcher.match(mention("alpha beta x x beta x x x gamma"))
    assert found.hits[0].words == ("alpha", "…", "beta", "…", "gamma")
    [repeated] = matcher.match(mention("bye bye"))
    assert repeated.hits[0].words == ("bye", "bye")


def test_a_phrase_also_matches_written_as_one_word(tmp_path: Path) -> None:
    runbooks = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["water damage"]\n')
    assert matched(runbooks, mention("#WaterDamage"), mention("waterdamage"), mention("water and more damage")) == [
        True,
        True,
        True,
    ]
    assert matched(runbooks, mention("damage by water")) == [False]


def test_request_types_are_recognised_with_the_same_rules(runbooks: RunbookSet) -> None:
    kinds = RuleMatcher(runbooks.request_types, runbooks.deescalation)
    assert {k.scenario_id for k in kinds.match(mention("Wo kann ich die AquaPro kaufen?"))} == {
        "purchase-question",
        "first-person",  # who asks: in their own words
        "question",  # and that they ask
    }
    assert [k.scenario_id for k in kinds.match(mention("Presseanfrage zur AquaPro"))] == ["press"]


def test_folding_and_hashtag_splitting() -> None:
    assert fold("Straße Überschwemmung") == "strasse ueberschwemmung"
    assert [word for word, _ in words("#ElektroMuellerFail @lenatechnik")] == [
        "elektro",
        "mueller",
        "fail",
        "elektromuellerfail",
        "lenatechnik",
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[31mred", "␛[2J␛[31mred"),
        ("bell\x07 and null\x00", "bell␇ and null␀"),
        ("a\u202eevil\u202cb", "a<U+202E>evil<U+202C>b"),
        ("line\nbreak\ttab", "line break tab"),
        ("csi\x9bx del\x7f", "csi<U+009B>x del␡"),
        ("[bold]x[/bold] [@click=app.quit]y[/]", "[bold]x[/bold] [@click=app.quit]y[/]"),
    ],
)
def test_untrusted_text_is_made_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable("two\nlines", keep_newlines=True) == "two\nlines"


def kinds(runbooks: RunbookSet, text: str) -> list[str]:
    """The request types a mention is taken for."""
    return [
        match.scenario_id for match in RuleMatcher(runbooks.request_types, runbooks.deescalation).match(mention(text))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Das Essen bei Elektro-Müller im Kantinentest war lecker",  # "lecker" is no leak
        "Leck mich, Elektro-Müller, mit eurer AquaPro-Werbung",  # an insult
        "My AquaPro is not leaking anymore, the technician fixed it",  # denied
        "Meine AquaPro ist nicht mehr undicht, danke an den Techniker",
        "Kein Datenleck bei Elektro-Müller, sagt der Datenschutzbeauftragte",
        "Elektro-Müller macht einen Datenlecktest im Kundenportal",  # a test's head is the test
        "Password reset mail from the Müller portal never came, checked spam twice",  # a folder, not a leak
        # "actually" is no actual address where it should not be
        "My Elektro-Müller washer broke. Anyone know if there's an email address that actually gets answered?",
    ],
)
def test_false_friends_negations_and_a_compounds_head_do_not_make_a_scenario(runbooks: RunbookSet, text: str) -> None:
    assert best(runbooks, text)[0] not in ("product-defect", "data-leak-rumour"), text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Wir schauen uns die AquaPro morgen im Laden an", "complaint"),  # "schauen" is one letter from "Schaden"
        ("I want to report that the AquaPro manual has a typo", "press"),  # a report is no reporter
        ("Helping my dad set up his new AquaPro today", "support"),  # "help" is short: only as written
        # a short word heads a compound only as itself or its plural: no "ratio" in "registration"
        ("Warranty registration for my AquaPro worked in two minutes", "troll"),
        ("So much frustration with the old washer, the AquaPro is a relief", "troll"),
    ],
)
def test_ordinary_words_do_not_make_a_request(runbooks: RunbookSet, text: str, kind: str) -> None:
    assert kind not in kinds(runbooks, text)


@pytest.mark.parametrize(
    "text",
    [
        "@elektromueller Passt die AquaPro 8 unter eine Arbeitsplatte mit 82 cm Höhe? Danke vorab!",
        "Wie ändere ich das Passwort der Müller App? Mit freundlichen Grüßen, H. Brandes",
        "Which drain hose fits the AquaPro Dry 8? Thanks in advance, best regards",
    ],
)
def test_a_questions_politeness_is_no_praise(runbooks: RunbookSet, text: str) -> None:
    assert best(runbooks, text)[0] != "positive-hype", text


def test_what_the_false_friends_spare_still_counts(runbooks: RunbookSet) -> None:
    assert best(runbooks, "Meine AquaPro leckt, die Küche ist nass")[0] == "product-defect"
    assert best(runbooks, "Kundendatenleck bei Elektro-Müller? Passwörter im Netz")[0] == "data-leak-rumour"
    assert best(runbooks, "Elektro-Müller gehackt, Kundendaten auf Pastebin")[0] == "data-leak-rumour"
    assert best(runbooks, "Loving the new AquaPro, quietest washer I ever had")[0] == "positive-hype"
    assert "complaint" in kinds(runbooks, "Wasserschaden durch die AquaPro, wer zahlt den Schaden?")
    assert "press" in kinds(runbooks, "Reporter here, request for comment on the AquaPro recall")
    assert "support" in kinds(runbooks, "Help! AquaPro error code E17")


def test_what_a_veto_set_aside_is_told_with_its_rule_and_words(tmp_path: Path) -> None:
    """A mention that would match but for a `none` rule is not matched, and `set_aside` tells
    which rule set it aside and the words that did; one that would not match anyway is not told."""
    rules = (
        '[[scenario.rule]]\nid = "leak"\nany = ["ausgelaufen"]\n'
        '[[scenario.rule]]\nid = "not-ours"\nnone = ["Schwester"]\n'
    )
    matcher = RuleMatcher(custom_set(tmp_path, rules).scenarios, Deescalation())
    sister = mention("Die AquaPro meiner Schwester ist ausgelaufen")
    assert matcher.match(sister) == ()
    assert [(aside.target_id, aside.rule, aside.words) for aside in matcher.set_aside(sister)] == [
        ("s", "not-ours", ("Schwester",))
    ]
    assert matcher.set_aside(mention("Meine AquaPro ist ausgelaufen")) == ()  # matched, nothing set aside
    assert matcher.set_aside(mention("Meine Schwester kocht heute")) == ()  # no match to set aside


def test_a_negation_governs_the_next_words_of_its_clause_only(tmp_path: Path) -> None:
    rules = '[[scenario.rule]]\nid = "r"\nany = ["undicht"]\nnegation = "void"\n'
    runbooks = custom_set(tmp_path, rules)
    assert matched(
        runbooks,
        mention("nicht mehr undicht"),
        mention("nicht kaputt, sondern undicht"),
        mention("Nicht nur undicht, auch laut"),
        mention("I can't believe it, undicht again"),
        mention("Kein Wunder, undicht"),
        mention("undicht"),
        # a comparison ends what a negation reaches: "nie so X wie", "not worse than"
        mention("nie so laut wie undicht"),
        mention("nicht schlimmer als undicht"),
        # a clause of time or reason too: "day 9 without a washing machine since it flooded"
        mention("seit Tagen ohne Wäsche seit sie undicht ist"),
        mention("kein Techniker kommt weil sie undicht ist"),
        mention("nicht mehr undicht seit dem Tausch"),
    ) == [False, True, True, True, True, True, True, True, True, True, False]
    # a negation between a phrase's words governs it, unless it is one of the phrase's own
    phrases = custom_set(
        tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["läuft aus", "geht nicht"]\nnegation = "void"\n'
    )
    assert matched(
        phrases,
        mention("die AquaPro läuft nicht mehr aus"),
        mention("die AquaPro läuft aus"),
        mention("App geht nicht"),
    ) == [False, True, True]
    # a German "nicht" (or "nie") that ends its clause negates the word before it
    verb = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["leckt"]\nnegation = "void"\n')
    assert matched(
        verb,
        mention("Meine AquaPro leckt nicht mehr!"),
        mention("Sie leckt nicht, sie ist nur laut"),
        mention("Sie leckt nie"),
        mention("Sie leckt nicht schlecht"),
        mention("Sie leckt. Nicht schön"),
    ) == [False, False, False, True, True]
    flipped = custom_set(tmp_path, '[[scenario.rule]]\nid = "r"\nany = ["working"]\nnegation = "flip"\n')
    assert matched(flipped, mention("the app is not working"), mention("the app is working")) == [True, False]
