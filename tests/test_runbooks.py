import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from smwar.cli import main
from smwar.errors import InputErrors
from smwar.model import NETWORKS
from smwar.paths import bundled_runbooks_dir
from smwar.runbooks.definitions import RunbookSet
from smwar.runbooks.loader import inspect_runbook_set, load_runbook_set

MINIMAL_PLAN = '[company]\nname = "Elektro-Müller AG"\n'
SCENARIO = """\
[[scenario]]
id = "{id}"
title = "Leaks"
severity = "high"

[scenario.trigger]
mentions = 3
within = "{within}"

[[scenario.rule]]
id = "leak"
any = ["leak"]

[[scenario.step]]
id = "notify"
title = "Notify PR"
role = "lead"
deadline = "10m"

[[scenario.step]]
id = "statement"
title = "Holding statement"
role = "pr-liaison"
deadline = "30m"
after = ["{gate}"]
"""


def write_set(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    return folder


def scenario(id: str = "leaks", within: str = "10m", gate: str = "notify") -> str:
    return SCENARIO.format(id=id, within=within, gate=gate)


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        load_runbook_set(path)
    return [str(error) for error in caught.value.errors]


def test_the_bundled_set_covers_the_seed_scenarios(runbooks: RunbookSet) -> None:
    ids = {scenario.id for scenario in runbooks.scenarios}
    assert {"product-defect", "data-leak-rumour", "offensive-post", "service-outage", "positive-hype"} <= ids
    defect = runbooks.scenario("product-defect")
    assert "pr-advisor" in defect.notify
    assert any(step.channel == "blog" for step in defect.step)
    assert any(step.after for step in defect.step), "the chain has gates"
    assert runbooks.deescalation.vip and runbooks.deescalation.troublemaker


def test_a_valid_set_across_files_loads(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, a=scenario("a"), b=scenario("b"))
    assert [s.id for s in load_runbook_set(folder).scenarios] == ["a", "b"]


def test_hidden_files_and_folders_are_no_runbooks(tmp_path: Path) -> None:
    """An editor's lock file (Emacs: a link to nowhere) while a runbook is being edited, a
    hidden folder's copies: neither keeps the set from loading, nor adds to it."""
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario())
    (folder / ".#leaks.toml").symlink_to("anna@host.12345:1700000000")
    write_set(folder / ".backup", leaks=scenario())
    assert [s.id for s in load_runbook_set(folder).scenarios] == ["leaks"]
    result = CliRunner().invoke(main, ["runbooks", "check", str(folder)])
    assert result.exit_code == 0, result.output


def test_unknown_key_is_reported_with_file_and_line(tmp_path: Path) -> None:
    text = scenario().replace('severity = "high"', 'severity = "high"\nseverety = "low"')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:5: unknown key 'scenario.severety'"]


def test_a_scenarios_tone_is_bad_news_unless_it_says_good_and_nothing_else(tmp_path: Path) -> None:
    good = scenario("good").replace('severity = "high"', 'severity = "high"\ntone = "good"')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, a=scenario("a"), b=good)
    assert [str(s.tone) for s in load_runbook_set(folder).scenarios] == ["bad", "good"]
    wrong = scenario().replace('severity = "high"', 'severity = "high"\ntone = "great"')
    folder = write_set(tmp_path / "wrong", plan=MINIMAL_PLAN, leaks=wrong)
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:5: scenario.tone:"), error


def test_wrong_type_and_bad_duration_name_their_lines(tmp_path: Path) -> None:
    text = scenario(within="ten minutes").replace("mentions = 3", 'mentions = "three"')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    found = errors_of(folder)
    assert any(e.startswith(f"{folder / 'leaks.toml'}:7: scenario.trigger.mentions:") for e in found), found
    assert any(e.startswith(f"{folder / 'leaks.toml'}:8: ") and "bad duration 'ten minutes'" in e for e in found), found


@pytest.mark.parametrize(
    ("old", "new", "line", "said"),
    [
        ("mentions = 3", 'mentions = "3"', 7, 'scenario.trigger.mentions: Input should be a valid integer, not "3"'),
        ("mentions = 3", "mentions = 3.0", 7, "scenario.trigger.mentions: Input should be a valid integer, not 3.0"),
        (
            "mentions = 3",
            'mentions = 3\nvip = "yes"',
            8,
            'scenario.trigger.vip: Input should be a valid boolean, not "yes"',
        ),
        (
            "mentions = 3",
            'mentions = 3\nvip = "off"',
            8,
            'scenario.trigger.vip: Input should be a valid boolean, not "off"',
        ),
        ("mentions = 3", "mentions = 3\nvip = 1", 8, "scenario.trigger.vip: Input should be a valid boolean, not 1"),
        (
            'any = ["leak"]',
            'any = ["leak"]\nweight = "0.6"',
            13,
            'scenario.rule.weight: Input should be a valid number, not "0.6"',
        ),
        (
            'any = ["leak"]',
            'any = ["leak"]\nrequired = "yes"',
            13,
            'scenario.rule.required: Input should be a valid boolean, not "yes"',
        ),
        ('title = "Leaks"', "title = 5", 3, "scenario.title: Input should be a valid string, not 5"),
    ],
)
def test_a_value_of_the_wrong_type_is_an_error_not_converted(
    tmp_path: Path, old: str, new: str, line: int, said: str
) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario().replace(old, new, 1))
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:{line}: {said}"]


def test_a_whole_number_is_a_number_and_a_wrong_threshold_an_error(tmp_path: Path) -> None:
    text = scenario().replace('any = ["leak"]', 'any = ["leak"]\nweight = 1')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN + "[deescalation]\nvip_followers = 20000\n", leaks=text)
    loaded = load_runbook_set(folder)
    assert loaded.scenario("leaks").rule[0].weight == 1.0 and loaded.deescalation.vip_followers == 20_000
    wrong = MINIMAL_PLAN + '[deescalation]\nvip_followers = "50000"\n'
    folder = write_set(
        tmp_path / "wrong",
        plan=wrong,
        leaks=scenario().replace('severity = "high"', 'severity = "high"\nthreshold = "high"'),
    )
    assert sorted(errors_of(folder)) == [
        f'{folder / "leaks.toml"}:5: scenario.threshold: Input should be a valid number, not "high"',
        f'{folder / "plan.toml"}:4: deescalation.vip_followers: Input should be a valid integer, not "50000"',
    ]


def test_duplicate_ids_across_files_name_both_places(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, a=scenario("same"), b=scenario("same"))
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'b.toml'}:2: duplicate scenario id 'same'")
    assert f"{folder / 'a.toml'}:2" in error


def test_ids_used_twice_in_a_scenario_or_the_deescalation_plan_name_both_places(tmp_path: Path) -> None:
    signs = (
        'early_warning = [\n  { id = "hashtag", title = "A", any = ["#fail"] },\n'
        '  { id = "hashtag", title = "B", any = ["#gate"] },\n]'
    )
    text = with_rule(
        '[[scenario.rule]]\nid = "leak"\nany = ["leak"]\n[[scenario.rule]]\nid = "leak"\nany = ["flood"]\n',
        **{'severity = "high"': f'severity = "high"\n{signs}', 'id = "statement"': 'id = "notify"'},
    )
    deescalation = (
        '[deescalation]\n[[deescalation.rule]]\nid = "all"\naction = "watch"\n'
        '[[deescalation.rule]]\nid = "all"\naction = "ignore"\n'
    )
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN + deescalation, leaks=text)
    leaks, plan = folder / "leaks.toml", folder / "plan.toml"
    assert sorted(errors_of(folder)) == [
        f"{leaks}:18: duplicate rule id 'leak' in scenario 'leaks' (first defined at {leaks}:15)",
        f"{leaks}:28: duplicate step id 'notify' in scenario 'leaks' (first defined at {leaks}:22)",
        f"{leaks}:7: duplicate early-warning sign id 'hashtag' in scenario 'leaks' (first defined at {leaks}:6)",
        f"{plan}:8: duplicate rule id 'all' in [deescalation] (first defined at {plan}:5)",
    ]


def test_gate_on_a_missing_step(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario(gate="nowhere"))
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:25: step 'statement': gate on a missing step 'nowhere'"]


def test_a_step_gated_on_itself_is_told_it_cannot_wait_for_itself(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario(gate="statement"))
    assert errors_of(folder) == [f"{folder / 'leaks.toml'}:25: step 'statement' cannot wait for itself (after)"]


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    folder = write_set(
        tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario().replace('title = "Leaks"', "title = Leaks")
    )
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:3: TOML syntax error")


def test_a_set_without_company_is_refused(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", leaks=scenario())
    assert errors_of(folder) == [f"{folder}: no [company] section in any file of this set"]


def test_check_command_reports_and_exits_non_zero(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario(gate="nowhere"))
    result = CliRunner().invoke(main, ["runbooks", "check", str(folder)])
    assert result.exit_code == 2
    assert "leaks.toml:25: step 'statement': gate on a missing step 'nowhere'" in result.output
    assert "Traceback" not in result.output


def test_check_command_accepts_the_bundled_set(tmp_path: Path) -> None:
    copy = shutil.copytree(bundled_runbooks_dir(), tmp_path / "mine")
    result = CliRunner().invoke(main, ["runbooks", "check", str(copy)])
    assert result.exit_code == 0, result.output
    assert "5 scenarios" in result.output


def with_rule(rule: str, **replace: str) -> str:
    """The test scenario with its rule block replaced by `rule`."""
    text = scenario().replace('[[scenario.rule]]\nid = "leak"\nany = ["leak"]\n', rule)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def test_a_regex_that_does_not_compile_names_its_line(tmp_path: Path) -> None:
    rule = '[[scenario.rule]]\nid = "serial"\nregex = ["AP-(\\\\d+"]\n'
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=with_rule(rule))
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:12: scenario.rule.regex: regex 'AP-(\\\\d+' does not compile")
    assert "missing )" in error


def test_unknown_term_list_unless_and_deescalation_references_are_errors(tmp_path: Path) -> None:
    rule = '[[scenario.rule]]\nid = "leak"\nany = ["$products", "leak"]\n'
    text = with_rule(rule).replace('severity = "high"', 'severity = "high"\nunless = ["ghost"]')
    deescalation = '[deescalation]\n[[deescalation.rule]]\nid = "r"\naction = "respond"\nrequest_types = ["press"]\n'
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text, triage=deescalation)
    assert sorted(errors_of(folder)) == [
        f"{folder / 'leaks.toml'}:13: no term list '$products' (known: $company)",
        f"{folder / 'leaks.toml'}:5: unless: no scenario with id 'ghost'",
        f"{folder / 'triage.toml'}:5: rule 'r': no request type with id 'press'",
    ]


def test_wrong_action_and_author_list_names_are_errors(tmp_path: Path) -> None:
    deescalation = '[deescalation]\n[[deescalation.rule]]\nid = "r"\naction = "answer"\nauthors = ["celebs"]\n'
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, triage=deescalation)
    found = errors_of(folder)
    assert any(e.startswith(f"{folder / 'triage.toml'}:4: deescalation.rule.action:") for e in found), found
    assert any(e.startswith(f"{folder / 'triage.toml'}:5: deescalation.rule.authors:") for e in found), found


@pytest.mark.parametrize("bar", ["affected_at_least", "answered_at_least"])
def test_a_wording_bar_outside_zero_to_one_is_an_error(tmp_path: Path, bar: str) -> None:
    deescalation = f'[deescalation]\n[[deescalation.rule]]\nid = "r"\naction = "respond"\n{bar} = 1.5\n'
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, triage=deescalation)
    found = errors_of(folder)
    assert any(e.startswith(f"{folder / 'triage.toml'}:5: deescalation.rule.{bar}:") for e in found), found


def test_term_lists_expand_in_rules(tmp_path: Path) -> None:
    plan = MINIMAL_PLAN + 'names = ["AquaPro"]\nhandles = ["@em@social.example"]\n[terms]\nwater = ["nass", "leak"]\n'
    rule = '[[scenario.rule]]\nid = "leak"\nany = ["$company", "$water"]\n'
    loaded = load_runbook_set(write_set(tmp_path / "set", plan=plan, leaks=with_rule(rule)))
    assert loaded.scenario("leaks").rule[0].any == ["AquaPro", "@em@social.example", "nass", "leak"]


def test_term_lists_name_other_lists_to_any_depth(tmp_path: Path) -> None:
    plan = MINIMAL_PLAN + (
        '[terms]\nlate = ["$late-de", "delayed"]\nlate-de = ["$late-at", "verspätet"]\nlate-at = ["hint nach"]\n'
    )
    rule = '[[scenario.rule]]\nid = "late"\nany = ["$late"]\n'
    loaded = load_runbook_set(write_set(tmp_path / "set", plan=plan, leaks=with_rule(rule)))
    assert loaded.scenario("leaks").rule[0].any == [
        "hint nach",
        "verspätet",
        "delayed",
    ]


def test_a_term_list_naming_a_missing_list_itself_or_a_circle_is_an_error(tmp_path: Path) -> None:
    plan = MINIMAL_PLAN + (
        "[terms]\n"
        'late = ["$late-de", "$no-such-list"]\n'
        'late-de = ["verspätet"]\n'
        'again = ["$again", "wieder"]\n'
        'ping = ["$pong"]\n'
        'pong = [\n  "$ping",\n]\n'
    )
    folder = write_set(tmp_path / "set", plan=plan, leaks=scenario())
    file = folder / "plan.toml"
    assert errors_of(folder) == [
        f"{file}:4: no term list '$no-such-list' (known: $again, $company, $late, $late-de, $ping, $pong)",
        f"{file}:6: term list 'again' names itself",
        f"{file}:8: term list 'pong' names '$ping', which leads back to it ($ping → $pong → $ping)",
    ]


def warnings_of(path: Path) -> list[str]:
    return [str(warning) for warning in inspect_runbook_set(path)[1]]


def test_warnings_for_rules_that_can_never_match(tmp_path: Path) -> None:
    rule = (
        '[[scenario.rule]]\nid = "leak"\nany = ["leak", "flood"]\nweight = 0.4\nnetworks = ["myspace"]\n'
        '[[scenario.rule]]\nid = "big"\nany = ["water"]\nweight = 0.2\nmin_followers = 500\nmax_followers = 10\n'
        '[[scenario.rule]]\nid = "no-floods"\nnone = ["flood"]\n'
    )
    text = with_rule(rule, **{'severity = "high"': 'severity = "high"\nthreshold = 0.7'})
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    file = folder / "leaks.toml"
    assert warnings_of(folder) == [
        f"{file}:5: scenario 'leaks' can never match: its rules add up to at most 0.6, below its threshold 0.7",
        f"{file}:15: rule 'leak': no source delivers 'myspace' (networks: {', '.join(NETWORKS)})",
        f"{file}:13: rule 'leak': term 'flood' can never count, rule 'no-floods' vetoes it",
        f"{file}:21: rule 'big' can never match: max_followers < min_followers",
    ]


def test_check_command_prints_warnings_and_passes(tmp_path: Path) -> None:
    rule = '[[scenario.rule]]\nid = "leak"\nany = ["leak"]\nweight = 0.3\n'
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=with_rule(rule))
    result = CliRunner().invoke(main, ["runbooks", "check", str(folder)])
    assert result.exit_code == 0
    assert "leaks.toml:1: warning: scenario 'leaks' can never match" in result.output
    assert "OK (1 warnings)" in result.output


def test_the_bundled_set_has_no_warnings() -> None:
    assert warnings_of(bundled_runbooks_dir()) == []


def test_try_shows_scenario_rules_words_request_type_deescalation_and_sentiment() -> None:
    result = CliRunner().invoke(
        main,
        [
            "runbooks",
            "try",
            "Wo kann ich die AquaPro kaufen? Bin begeistert",
            "--network",
            "bluesky",
            "--author",
            "lenatechnik.bsky.social",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  positive-hype: Positive hype: a flood of praise and questions · score 1.00 (threshold 0.70)" in lines
    assert "    rule praise: begeistert ~ “begeistert” 100%" in lines
    assert "    rule purchase: Wo kann ich … kaufen ~ “wo kann ich kaufen” 100%" in lines
    assert any(line.startswith("  de-escalation: respond (rule questions") for line in lines), "a VIP who asks"
    assert lines[-1].startswith("  sentiment: +") and "positive (" in lines[-1] and "begeistert" in lines[-1]


def test_try_tells_what_a_rule_set_aside() -> None:
    result = CliRunner().invoke(
        main, ["runbooks", "try", "Meine Schwester hat auch eine AquaPro 7, die ist letzte Woche ausgelaufen."]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "  not request type affected-customer: set aside by rule someone-elses: Meine Schwester ~ “meine Schwester”"
        in lines
    )
    assert any(line.startswith("  de-escalation: watch") for line in lines), "a commentator's news"


def tried(file: Path, lines: str | bytes) -> Result:
    """`smwar runbooks try --file FILE --summary` with `lines` written to `file` (text as UTF-8)."""
    file.write_bytes(lines.encode("utf-8") if isinstance(lines, str) else lines)
    return CliRunner().invoke(main, ["runbooks", "try", "--file", str(file), "--summary"])


def test_try_file_reports_bad_lines_totals_and_precision(tmp_path: Path) -> None:
    file = tmp_path / "mentions.jsonl"
    result = tried(
        file,
        '{"text": "AquaPro ausgelaufen, alles nass", "expect": ["product-defect"]}\n'
        "{not json}\n"
        '{"text": "Thomas Müller trifft", "expect": []}\n'
        '{"text": "Die AquaPro? Null Pfützen, super leise", "expect": ["positive-hype"]}\n',
    )
    assert result.exit_code == 2, "a line could not be read"
    assert f"{file}:2: not JSON: Expecting property name enclosed in double quotes (line skipped)" in result.output
    assert "3 mentions: (none) 1, product-defect 2" in result.output
    assert "product-defect               0.500   1.000" in result.output
    assert "mentions.jsonl:4: missed positive-hype: Die AquaPro? Null Pfützen" in result.output
    assert "mentions.jsonl:4: wrongly matched product-defect" in result.output


def test_try_file_reports_how_often_triage_does_what_the_action_labels_say(tmp_path: Path) -> None:
    """A community manager's own labelled mentions, in the labelled sets' form: what triage got
    right, what it did instead, and where; a label that is no action is refused by its line."""
    file = tmp_path / "labelled.jsonl"
    result = tried(
        file,
        '{"text": "Meine AquaPro ist heute Nacht ausgelaufen, die Küche steht unter Wasser. Wer zahlt das?",'
        ' "action": "respond"}\n'
        '{"text": "Drogerie Müller hat die Preise für Windeln schon wieder erhöht", "action": "ignore"}\n'
        '{"text": "Drogerie Müller hat die Preise für Shampoo erhöht", "action": "respond"}\n'
        '{"text": "AquaPro", "action": "answer"}\n',
    )
    assert result.exit_code == 2, "a label could not be read"
    assert f"{file}:4: action: one of respond, watch, ignore, not 'answer' (label ignored)" in result.output
    assert "3 mentions labelled with an action: 0.667 triaged so (2)" in result.output
    assert "respond                     1        0        1        0" in result.output
    assert "labelled.jsonl:3: labelled respond, triaged ignore (rule off-topic): Drogerie Müller" in result.output


def test_try_needs_text_or_file() -> None:
    result = CliRunner().invoke(main, ["runbooks", "try"])
    assert result.exit_code == 2 and "give either TEXT or --file" in result.output


def test_a_broken_file_does_not_bring_errors_about_the_ids_it_defines(tmp_path: Path) -> None:
    other = scenario("b").replace('severity = "high"', 'severity = "high"\nunless = ["a"]')
    folder = write_set(
        tmp_path / "set", plan=MINIMAL_PLAN, a=scenario("a").replace("mentions = 3", "mentions = "), b=other
    )
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'a.toml'}:7: TOML syntax error")


def test_try_file_survives_a_bom_bad_bytes_and_bad_labels(tmp_path: Path) -> None:
    file = tmp_path / "odd.jsonl"
    result = tried(
        file,
        b'\xef\xbb\xbf{"text": "AquaPro ausgelaufen", "expect": ["product-defect"]}\n'
        b'{"text": "kaputt \xff"}\n'
        b'{"text": "AquaPro", "expect": ["product-defekt"]}\n',
    )
    assert result.exit_code == 2
    assert f"{file}:2: not UTF-8 text (byte 18 of the line) (line skipped)" in result.output
    assert f"{file}:3: expect: no scenario 'product-defekt' in these runbooks (label ignored)" in result.output
    assert "2 mentions: (none) 1, product-defect 1" in result.output
    assert "1 labelled mentions" in result.output


def test_rules_that_could_never_work_are_errors(tmp_path: Path) -> None:
    empty_regex = with_rule('[[scenario.rule]]\nid = "r"\nregex = ["(kaputt)?"]\n')
    bad_reference = with_rule('[[scenario.rule]]\nid = "r"\nany = ["$Company"]\n')
    itself = scenario().replace('severity = "high"', 'severity = "high"\nunless = ["leaks"]')
    empty_list = with_rule('[[scenario.rule]]\nid = "r"\nany = ["$nothing"]\n')
    folder = write_set(
        tmp_path / "set", plan=MINIMAL_PLAN + "[terms]\nnothing = []\n", a=empty_regex, b=bad_reference, c=itself
    )
    found = errors_of(folder)
    assert any("a.toml:12: scenario.rule.regex: regex '(kaputt)?' matches empty text" in e for e in found), found
    assert any("b.toml:12: scenario.rule.any: '$Company' is no term list name" in e for e in found), found
    assert any("c.toml:1: scenario: scenario 'leaks' names itself in `unless`" in e for e in found), found
    folder = write_set(tmp_path / "other", plan=MINIMAL_PLAN + "[terms]\nnothing = []\n", d=empty_list)
    assert errors_of(folder) == [f"{folder / 'd.toml'}:10: rule 'r' has no terms: its term lists are empty"]


def test_scenarios_giving_way_to_each_other_are_warned_about(tmp_path: Path) -> None:
    a = scenario("a").replace('severity = "high"', 'severity = "high"\nunless = ["b"]')
    b = scenario("b").replace('severity = "high"', 'severity = "high"\nunless = ["a"]')
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, a=a, b=b)
    assert warnings_of(folder) == [
        f"{folder / 'a.toml'}:5: scenarios 'a' and 'b' name each other in `unless`: "
        "a mention matching both counts for neither"
    ]
    same_words = a.replace('unless = ["b"]', 'unless = ["b"]\nunless_same_words = true')
    folder = write_set(tmp_path / "same-words", plan=MINIMAL_PLAN, a=same_words, b=b)
    assert warnings_of(folder) == [
        f"{folder / 'a.toml'}:5: scenarios 'a' and 'b' name each other in `unless`: "
        "a mention matching both counts for neither unless 'a' found words the terms of 'b' did not"
    ]


def test_early_warning_signs_and_trend_settings_are_checked_with_their_lines(tmp_path: Path) -> None:
    old_style = scenario().replace('severity = "high"', 'severity = "high"\nearly_warning = ["a journalist asks"]')
    folder = write_set(tmp_path / "old", plan=MINIMAL_PLAN, leaks=old_style)
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:5: ") and "an early-warning sign is a table" in error
    empty = scenario().replace('severity = "high"', 'severity = "high"\nearly_warning = [{ id = "x", title = "X" }]')
    folder = write_set(tmp_path / "empty", plan=MINIMAL_PLAN, leaks=empty)
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:5: ") and "needs `any` terms, `authors`" in error
    listed = scenario().replace(
        'severity = "high"', 'severity = "high"\nearly_warning = [{ id = "x", title = "X", any = ["$nowhere"] }]'
    )
    folder = write_set(tmp_path / "listed", plan=MINIMAL_PLAN, leaks=listed)
    [error] = errors_of(folder)
    assert error.startswith(f"{folder / 'leaks.toml'}:5: no term list '$nowhere'")
    folder = write_set(
        tmp_path / "trends", plan=MINIMAL_PLAN + '\n[trends]\nwindow = "soon"\nalarm = 2\n', leaks=scenario()
    )
    found = errors_of(folder)
    assert any(":" in e and "bad duration 'soon'" in e for e in found) and any("trends.alarm" in e for e in found), (
        found
    )
