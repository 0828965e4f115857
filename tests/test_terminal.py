"""smwar in a real pseudo-terminal, read by a terminal emulator: hostile mentions, authors,
URLs, runbook titles, a drill title and a trainer message go through every screen and notice,
and nothing of what they carry acts on the terminal; and what the war room draws key by key
is what drawing its whole screen anew shows."""

from __future__ import annotations

import time
from pathlib import Path

from tests.tools.journals import fill, with_stream
from tests.tools.terminal import Terminal, forbidden_in, hostile_set

# (keys, what the screen shows once they took effect)
WALK = [
    ("", "Feed"),  # the main screen: feed, detail, board, chain, notices
    ("n", "to answer now"),  # the answer queue
    ("\x1b", "Feed"),
    ("r", "Reply to"),  # the reply editor, its draft filled from a template with {author}
    ("\x1b", "Feed"),
    ("o", "Open incident"),  # the goal prompt quotes the scenario's title
    ("every customer answered\r", "Goal: every customer answered"),  # the incident screen
    ("v", "Post-mortem"),  # the review screen
    ("\x1b", "Goal: every customer answered"),
    ("\x1b", "Feed"),
    ("E", "End the drill?"),
    ("\r", "Score:"),  # the debrief
]


def test_no_payload_reaches_the_terminal_on_any_screen(tmp_path: Path) -> None:
    runbooks, drill = hostile_set(tmp_path)
    terminal = Terminal(
        ["drill", "play", str(drill), "--new", "--speed", "60", "--runbooks", str(runbooks)], tmp_path / "home"
    )
    screen = ""
    try:
        assert terminal.wait_for("Trainer", 40), terminal.text()  # every inject and the trainer's message are in
        for keys, shown in WALK:
            terminal.send(keys)
            assert terminal.wait_for(shown, 15), f"after {keys!r}:\n{terminal.text()}"
            assert terminal.alive()
            time.sleep(0.3)
        screen = terminal.text()
        leaked = forbidden_in(bytes(terminal.output))
        assert not leaked, f"reached the terminal: {leaked}"
        assert "PWNED" not in terminal.title(), "the window title is the operator's, not a stranger's"
        shown_literally = "␛]0;PWNED-TITLE␇"
        assert shown_literally in "".join(terminal.output.decode("utf-8", "replace")), "payloads are shown, inert"
    finally:
        code = terminal.close()
    after = terminal.output.decode("utf-8", "replace")
    assert code == 0, f"exit {code}:\n{screen}"
    assert "Traceback" not in after, "nothing is printed over the screen at quit"


def test_what_a_search_and_a_change_of_focus_draw_is_what_the_whole_screen_drawn_anew_shows(
    tmp_path: Path,
) -> None:
    """The war room draws only what a key changes; the screen it leaves must be the one a full
    redraw (a resize) gives, colours and the focused panel's border too. It opens on the newest
    mention, in the feed as in the detail pane."""
    home = tmp_path / "home"
    fill(home / "data" / "live.sqlite", 1000)
    with_stream(home, tmp_path / "stream.jsonl")
    terminal = Terminal([], home, columns=120, rows=40)
    try:
        assert terminal.wait_for("Post 1000:", 40), terminal.text()
        assert terminal.wait_for("Post 999:", 15), f"the feed shows the newest:\n{terminal.text()}"
        for keys, shown in [("/", "esc Close"), ("ausgel", "/ search ausgel"), ("\r", "“ausgel”"), ("\t", "")]:
            terminal.send(keys)
            assert terminal.wait_for(shown, 15), f"after {keys!r}:\n{terminal.text()}"
            time.sleep(0.5)
            drawn = terminal.cells()
            terminal.resize(121, 40)
            time.sleep(0.5)
            terminal.resize(120, 40)
            time.sleep(1)
            redrawn = terminal.cells()
            status = 38  # the status line's clock moves on
            differ = [y for y in range(40) if y != status and _seen(drawn[y]) != _seen(redrawn[y])]
            assert not differ, f"after {keys!r}, rows {differ} were left as they were:\n{terminal.text()}"
    finally:
        terminal.close()


def _seen(row: list[tuple[str, str, str, bool, bool]]) -> object:
    """A row as compared: its cells, or only its characters in the search line, whose cursor blinks."""
    text = "".join(cell[0] for cell in row)
    return text if "/ search" in text else row
