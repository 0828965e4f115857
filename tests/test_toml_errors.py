"""Every TOML syntax error names the file and the line where the broken construct began, for a
runbook set, a drill and the config, printed by the CLI as one line without a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from smwar.cli import main
from smwar.drills.script import load_drill
from smwar.paths import config_file, data_dir
from tests.conftest import SHORT_DRILL
from tests.test_runbooks import MINIMAL_PLAN, scenario, write_set

# (what is broken, the text inserted after the file's second line, the line of the error counted
# from the insertion, what the error says)
BROKEN = {
    "unclosed array": ('tags = ["leak", "wasser"\n', 0, "an array opened here is never closed"),
    "unclosed array, more keys after it": (
        'tags = [\n  "leak",\n  "wasser"\n',
        0,
        "an array opened here is never closed",
    ),
    "unclosed inline table": ("where = { network = 1, text = 2\n", 0, "an inline table opened here is never closed"),
    "unclosed multi-line string": (
        'about = """Leaks\n\nand more\n',
        0,
        "a multi-line string opened here is never closed",
    ),
    "unclosed string": ('about = "Leaks\n', 0, "a string opened here is never closed"),
    "duplicate key": ('about = "x"\nnote = 1\nabout = "y"\n', 2, "about is set twice (first at line 3)"),
    "duplicate key, the second over several lines": (
        'tags = ["x"]\ntags = [\n  "y",\n  "z",\n]\n',
        1,
        "tags is set twice (first at line 3)",
    ),
    "bad escape": ('about = "\\d+ litres"\n', 0, "Unescaped '\\' in a string (write \\\\ for a backslash"),
    "bad date": ("since = 2026-13-45\n", 0, "2026-13-45 is no valid date or time"),
}


def broken(text: str, case: str) -> tuple[str, int, str]:
    """`text` with the broken construct inserted after its second line (at the end for the ones
    left open, so that they run to the end of the file, unless more keys follow), and the line
    the error must name."""
    insert, offset, message = BROKEN[case]
    lines = text.splitlines(keepends=True)
    at = len(lines) if "unclosed" in case and "after it" not in case else 2
    return "".join([*lines[:at], insert, *lines[at:]]), at + 1 + offset, message


def cli_error(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


@pytest.mark.parametrize("case", BROKEN)
def test_a_runbook_syntax_error_names_its_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = broken(scenario(), case)
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=text)
    output = cli_error("runbooks", "check", str(folder))
    assert f"{folder / 'leaks.toml'}:{line}: TOML syntax error: " in output and message in output, output


@pytest.mark.parametrize("case", BROKEN)
def test_a_drill_syntax_error_names_its_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = broken(SHORT_DRILL.read_text(encoding="utf-8"), case)
    drill = tmp_path / "drill.toml"
    drill.write_text(text, encoding="utf-8")
    output = cli_error("drill", "play", str(drill))
    assert f"{drill}:{line}: TOML syntax error: " in output and message in output, output


@pytest.mark.parametrize("case", BROKEN)
def test_a_config_syntax_error_names_its_file_and_line(case: str) -> None:
    text, line, message = broken('operator = "kim"\nrunbooks = "/etc/smwar/runbooks"\n', case)
    config_file().parent.mkdir(parents=True)
    config_file().write_text(text, encoding="utf-8")
    output = cli_error("sources", "list")
    assert f"{config_file()}:{line}: TOML syntax error: " in output and message in output, output


def test_a_byte_that_is_no_utf8_names_its_line_and_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    latin1 = scenario().replace('title = "Leaks"', 'title = "Lecks in der Küche"').encode("latin-1")
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN)
    (folder / "leaks.toml").write_bytes(latin1)
    output = cli_error("runbooks", "check", str(folder))
    assert output == f"{folder / 'leaks.toml'}:3: not UTF-8 text (byte 24 of the line, 0xfc)\n", output
    (folder / "leaks.toml").write_bytes(b"\xef\xbb\xbf" + scenario().replace("\n", "\r\n").encode("utf-8"))
    result = CliRunner().invoke(main, ["runbooks", "check", str(folder)])
    assert result.exit_code == 0, result.output


def test_a_config_and_a_drill_saved_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    config_file().parent.mkdir(parents=True)
    config_file().write_bytes(b'\xef\xbb\xbfoperator = "kim"\n')
    result = CliRunner().invoke(main, ["sources", "list"])
    assert result.exit_code == 0, result.output
    drill = tmp_path / "drill.toml"
    drill.write_bytes(b"\xef\xbb\xbf" + SHORT_DRILL.read_bytes())
    assert load_drill(drill).drill.id


def test_tomls_nested_too_deeply_or_too_large_are_refused_in_one_line(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "set", plan=MINIMAL_PLAN, leaks=scenario() + "deep = " + "[" * 5000 + "]" * 5000)
    output = cli_error("runbooks", "check", str(folder))
    deep_line = len(scenario().splitlines()) + 1
    assert f"{folder / 'leaks.toml'}:{deep_line}: TOML nested more than 100 levels deep" in output, output
    (folder / "leaks.toml").write_text(scenario() + "# " + "x" * 17_000_000 + "\n", encoding="utf-8")
    output = cli_error("runbooks", "check", str(folder))
    assert f"{folder / 'leaks.toml'}: too large to be a runbook, drill or config (over 16 MB)" in output, output


def test_two_sources_under_one_id_are_refused_at_the_second(tmp_path: Path) -> None:
    config_file().parent.mkdir(parents=True)
    config_file().write_text(
        'operator = "carla"\n\n'
        f'[[source]]\nid = "x"\nkind = "jsonl"\npath = "{tmp_path / "a.jsonl"}"\n\n'
        f'[[source]]\nkind = "jsonl"\nid = "x"\npath = "{tmp_path / "b.jsonl"}"\n',
        encoding="utf-8",
    )
    for command in (["sources", "list"], []):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, result.output
        assert f"{config_file()}:10: duplicate source id 'x' (first at line 4)" in result.output


def test_a_key_in_a_source_table_is_named_at_its_line(tmp_path: Path) -> None:
    """`journal` written after a `[[source]]` table belongs to that table: the error names the
    line it is on (not the table's) and the key as written, without the kind's name."""
    config_file().parent.mkdir(parents=True)
    config_file().write_text(
        f'[[source]]\nid = "export"\nkind = "jsonl"\npath = "{tmp_path / "a.jsonl"}"\n'
        'journal = "postgresql://smwar@db.example.org/warroom"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["sources", "list"])
    assert result.exit_code == 2
    assert result.output == f"{config_file()}:5: unknown key 'source.journal'\n"


@pytest.fixture
def locked_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The config folder at mode 000. Tests may run as root, whom a chmod does not stop: what
    is in the folder is refused to be looked at, as the system refuses it anyone else."""
    folder = config_file().parent
    folder.mkdir(parents=True)
    config_file().write_text('operator = "kim"\n', encoding="utf-8")
    stat = Path.stat

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.parent == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", guarded)
    folder.chmod(0)
    yield folder
    folder.chmod(0o700)


@pytest.mark.parametrize(
    "args", [["sources", "list"], ["runbooks", "check"], ["sources", "add", "jsonl", "x", "path=/tmp/x.jsonl"]]
)
def test_a_config_folder_that_cannot_be_read_is_named_in_one_line(locked_config: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output) == (2, f"{locked_config}: cannot read: Permission denied\n")


def test_paths_are_shown_though_the_config_cannot_be_read_and_then_why(locked_config: Path) -> None:
    result = CliRunner().invoke(main, ["paths"])
    assert result.exit_code == 2
    assert result.output == (
        f"config:  {locked_config} (config.toml)\ndata:    {data_dir()}\n"
        "live:    unknown until the config can be read\n"
        f"drills:  {data_dir() / 'drills'}\nlog:     {data_dir() / 'smwar.log'}\n"
        f"{locked_config}: cannot read: Permission denied\n"
    )
