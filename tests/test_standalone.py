"""A clone stands alone: nothing in the project reads a folder beside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the project's code, tests, benchmarks, scripts and CI are made of.
SCANNED = ("smwar", "tests", "benchmarks", "scripts", ".ci")
SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ""}
SIBLING = "sha" + "red"  # spelled apart so this file does not find itself
# A relative path up into it, a path into one of its folders, or a Path joined with its name.
READS_OUTSIDE = re.compile(
    rf"\.\./{SIBLING}\b"
    rf"|\b{SIBLING}/(?:fixtures|seeds|hooks|DESIGN|STYLE)"
    rf"|/\s*[\"']{SIBLING}[\"']"
    rf"|[\"']{SIBLING}[\"']\s*/"
)


def outside_reads(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if READS_OUTSIDE.search(line)]


def test_the_pattern_finds_each_way_of_reaching_beside_the_repository() -> None:
    caught = [
        f'FIXTURE = Path(__file__).resolve().parents[2] / "{SIBLING}" / "fixtures" / "x.jsonl"',
        f"cat ../{SIBLING}/fixtures/x.jsonl",
        f'open("{SIBLING}/fixtures/jetstream/expected_v1.jsonl")',
        f"root / '{SIBLING}' / 'seeds'",
    ]
    assert all(outside_reads(line) for line in caught)
    assert not outside_reads('options += [(f"{fmt}-shared", "pseudonymised")]\nshared = Counter(x)')


def test_nothing_in_the_project_reads_beside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {line}"
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*"))
        if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts
        for line in outside_reads(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found, "vendor what is needed into tests/fixtures/ instead:\n" + "\n".join(found)


def test_every_vendored_payload_says_where_it_comes_from() -> None:
    fixtures = ROOT / "tests" / "fixtures"
    index = (fixtures / "SOURCES.md").read_text(encoding="utf-8")
    for folder in sorted(p for p in fixtures.iterdir() if p.is_dir()):
        sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
        assert f"`{folder.name}/`" in index, f"tests/fixtures/SOURCES.md lists {folder.name}/"
        for payload in folder.iterdir():
            if payload.name != "SOURCES.md":
                assert f"`{payload.name}`" in sources, f"{folder.name}/SOURCES.md names {payload.name}"
                assert payload.stat().st_size < 64_000, f"{payload} is a slice, not a dump"
        assert "Licence" in sources and "Origin" in sources
