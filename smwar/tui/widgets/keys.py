"""The keys line at the foot of every screen: the keys that work where the focus is.

Textual's `Footer` is a widget per key, and it builds them all anew whenever the keys change,
which is at every change of focus (the search line opened or left, another panel, a dialog):
tens of milliseconds of styling and a new layout of the whole screen while the keys typed next
wait, and the frame the key asked for waits for the interpreter to be written out. This is one
widget that draws its one line again when the keys change, and does what the footer does: a
key that cannot be used now is dim, a click on a key presses it, the pointer on a key shows
what it does, and the command palette's key stays at the right, with the key that shows every
key (`?`) beside it: where the line cannot hold them all, that one is never the one left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

from smwar.tui.guard import Guarded

ALL_KEYS = "app.keys"  # the binding that shows every key: kept at the right


@dataclass(frozen=True, slots=True)
class _Key:
    key: str  # as the app knows it: what a click presses
    shown: str  # as the line shows it
    description: str
    enabled: bool
    tooltip: str


class KeysLine(Guarded, Widget):
    COMPONENT_CLASSES = {"keys-line--key", "keys-line--description", "keys-line--hover"}
    DEFAULT_CSS = """
    KeysLine {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keys-line--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keys-line--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keys-line--hover {
            background: $block-hover-background;
        }
    }
    """
    ALLOW_SELECT = False

    def __init__(self) -> None:
        super().__init__()
        self._keys: tuple[list[_Key], list[_Key]] | None = None  # read again once they change
        self._places: list[tuple[int, int, _Key]] = []  # where each key shows: (first cell, last + 1)
        self._hovered: _Key | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _changed(self, _: Screen[object]) -> None:
        self._keys = None
        self._hovered = None
        self.refresh()

    def _read(self) -> tuple[list[_Key], list[_Key]]:
        """The screen's keys to show, one per action (the first of its keys), in their order,
        and apart those kept at the right: the one that shows every key, the command palette's."""
        if self._keys is None:
            app = self.app
            palette = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
            keys: dict[str, _Key] = {}
            kept: dict[str, _Key] = {}
            for name, (_, binding, enabled, tooltip) in self.screen.active_bindings.items():
                key = _Key(binding.key, app.get_key_display(binding), binding.description, enabled, tooltip)
                if name == palette or (binding.id == ALL_KEYS and binding.show):
                    kept[name] = key
                elif binding.show:
                    keys.setdefault(binding.action, key)
            self._keys = list(keys.values()), sorted(kept.values(), key=lambda key: key.key == palette)
        return self._keys

    def render(self) -> Text:
        """The keys that fit, whole, in their order ("…" where some do not), and at the right
        the key that shows every key and the command palette's."""
        keys, kept = self._read()
        styles = (
            self.get_component_rich_style("keys-line--key"),
            self.get_component_rich_style("keys-line--description"),
            self.get_component_rich_style("keys-line--hover", partial=True),
        )
        right, right_places = Text(end=""), []
        if kept:
            right.append("▏")
        for key in kept:
            start = right.cell_len
            self._append(right, key, *styles)
            right_places.append((start, right.cell_len, key))
        room = self.size.width - right.cell_len
        line, places = Text(no_wrap=True, end=""), []
        for number, key in enumerate(keys, 1):
            shown = Text(end="")
            self._append(shown, key, *styles)
            if line.cell_len + shown.cell_len + (number < len(keys)) > room:  # with a "…" after it if more come
                line.append("…")
                break
            places.append((line.cell_len, line.cell_len + shown.cell_len, key))
            line.append_text(shown)
        if kept:
            line.pad_right(room - line.cell_len)
            places += [(room + start, room + end, key) for start, end, key in right_places]
            line.append_text(right)
        self._places = places
        return line

    def _append(self, line: Text, key: _Key, key_style: Style, description_style: Style, hover_style: Style) -> None:
        start = len(line)
        line.append(f" {key.shown} ", key_style)
        if key.description:
            line.append(f"{key.description} ", description_style)
        if key is self._hovered:
            line.stylize(hover_style, start)
        if not key.enabled:
            line.stylize("dim", start)

    def _at(self, x: int) -> _Key | None:
        return next((key for start, end, key in self._places if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._at(event.x)
        if key is not self._hovered:
            self._hovered = key
            self.tooltip = (key.tooltip or key.description) if key is not None else None
            self.refresh()

    def on_leave(self) -> None:
        if self._hovered is not None:
            self._hovered = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._at(event.x)
        if key is None:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
