"""Every `smwar` command imports the CLI, and most read the config or a journal: none of that may
load the sources' network clients, which only running a source needs, and the CLI alone loads
neither pydantic nor the journal."""

import subprocess
import sys

CLIENTS = {"httpx", "feedparser", "websockets", "markdown_it", "charset_normalizer", "aiohttp"}


def loaded_after(statement: str) -> set[str]:
    """The top-level packages loaded in a fresh interpreter after `statement`."""
    script = f"{statement}\nimport sys\nprint(' '.join(sorted({{name.split('.')[0] for name in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_reading_the_config_loads_no_source_client() -> None:
    assert loaded_after("from smwar.config import load_config") & CLIENTS == set()


def test_the_command_line_loads_its_commands_when_they_run() -> None:
    loaded = loaded_after("import smwar.cli")
    assert loaded & (CLIENTS | {"pydantic", "sqlite_utils", "numpy", "tomlkit"}) == set()


def test_building_a_source_loads_only_its_own_client() -> None:
    loaded = loaded_after(
        "from smwar.sources.registry import build\n"
        "from smwar.sources.settings import JsonlSettings\n"
        "build(JsonlSettings(id='export', kind='jsonl', path='mentions.jsonl'))"
    )
    assert loaded & {"feedparser", "websockets", "markdown_it"} == set()


def test_the_journal_and_exports_load_no_source_client() -> None:
    assert loaded_after("import smwar.journal.store, smwar.engine.export, smwar.engine.drill") & CLIENTS == set()
