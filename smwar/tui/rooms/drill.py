"""The drill room: the trainer's and trainee's controls of a drill's clock and its end.

Space pauses, `+` and `-` change the speed, `J` jumps to what comes next, `t` pauses and gives
the trainee a message, `E` ends the drill and shows the score. In live mode these keys are
neither shown nor run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from textual.binding import Binding
from textual.screen import Screen

from smwar.clock import MAX_SPEED, MIN_SPEED, DrillClock
from smwar.drills.debrief import to_markdown
from smwar.drills.script import DrillScript
from smwar.engine.drill import DrillRun, DrillSource, end_drill
from smwar.engine.pipeline import TRAINER_MESSAGE
from smwar.engine.session import Session
from smwar.timespan import format_offset
from smwar.tui.acting import alarm, ask
from smwar.tui.messages import Arrived, Changed, TrainerSaid
from smwar.tui.screens.prompt import ChoicePrompt

DRILL_ACTIONS = {"toggle_pause", "speed", "next_inject", "trainer_message", "end_drill"}


@dataclass(frozen=True, slots=True)
class DrillInfo:
    """What the face shows about the drill being played."""

    title: str
    run: str
    start: datetime
    length: timedelta
    resumed: bool
    script: DrillScript
    debrief_path: Path  # where ending the drill writes its Markdown debrief
    joined: bool = False  # another war room plays the run: this one joined it as it runs

    @classmethod
    def of(cls, run: DrillRun, *, joined: bool = False) -> DrillInfo:
        return cls(
            run.script.drill.title,
            run.name,
            run.clock_start,
            run.script.length,
            run.resumed,
            run.script,
            run.journal.path.with_suffix(".md"),
            joined,
        )


class DrillRoom(Screen[None]):
    BINDINGS = [
        Binding("space", "toggle_pause", "Pause", tooltip="Pause or resume the drill clock", id="drill.pause"),
        Binding("plus", "speed(2)", "Faster", key_display="+", show=False, id="drill.faster"),
        Binding("minus", "speed(0.5)", "Slower", key_display="-", show=False, id="drill.slower"),
        Binding(
            "J",
            "next_inject",
            "Jump ahead",
            show=False,
            tooltip="Jump the drill clock to what comes next",
            id="drill.next",
        ),
        Binding(
            "t",
            "trainer_message",
            "Trainer",
            show=False,
            tooltip="Pause the drill and give the trainee a message",
            id="drill.message",
        ),
        Binding("E", "end_drill", "End drill", tooltip="End the drill and see the score", id="drill.end"),
    ]

    session: Session
    drill: DrillInfo | None
    offered_end = False  # said once that every inject has been played

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The drill's keys are for drills: in live mode they are neither shown nor run; a
        drill has no live source to pause."""
        if self.drill is not None:
            return action != "toggle_source"
        return action not in DRILL_ACTIONS

    def drill_source(self) -> DrillSource | None:
        source = self.session.pipeline.source
        return source if self.drill is not None and isinstance(source, DrillSource) else None

    def on_arrived(self, message: Arrived) -> None:
        for text in message.update.messages:
            self.post_message(TrainerSaid(text))

    def offer_end(self) -> None:
        """Say once, when the last inject is played and the drill's time is up, how to end it."""
        source = self.drill_source()
        if self.drill is None or source is None or self.offered_end:
            return
        if source.remaining == 0 and self.session.clock.now() - self.drill.start >= self.drill.length:
            self.offered_end = True
            self.notify("Every inject has been played. Press E to end the drill and see your score.", timeout=20)

    def action_toggle_pause(self) -> None:
        clock = self.session.clock
        if isinstance(clock, DrillClock):
            paused = clock.toggle_pause()
            self.session.desk.record("drill.paused" if paused else "drill.resumed")
            self.post_message(Changed())

    def action_speed(self, factor: float) -> None:
        clock = self.session.clock
        if isinstance(clock, DrillClock):
            clock.set_speed(max(MIN_SPEED, min(clock.speed * factor, MAX_SPEED)))
            self.session.desk.record("drill.speed", speed=clock.speed)
            self.post_message(Changed())

    def action_trainer_message(self) -> None:
        clock = self.session.clock
        if self.drill is None or not isinstance(clock, DrillClock):
            self.notify("Trainer messages belong to drills.", severity="warning")
            return
        if not clock.paused:
            self.action_toggle_pause()

        def give(text: str) -> None:
            self.session.desk.record(TRAINER_MESSAGE, text=text, trainer=True)
            self.post_message(TrainerSaid(text))

        ask(
            self.app,
            "Trainer message",
            "The drill is paused. What should the trainee hear? (space resumes the drill)",
            give,
            placeholder="e.g. The PR advisor is not answering the phone. What now?",
        )

    def action_next_inject(self) -> None:
        clock, source = self.session.clock, self.drill_source()
        if source is None or not isinstance(clock, DrillClock):
            self.notify("Only a drill can jump ahead.", severity="warning")
            return
        ahead = source.player.next_at(clock.now())
        if ahead is None:
            self.notify("Nothing more is coming in this drill: press E to end it.", markup=False)
            return
        clock.jump(ahead)
        self.session.desk.record("drill.jumped", seconds=ahead.total_seconds())
        self.notify(f"Jumped {format_offset(ahead)} ahead.", markup=False)
        self.post_message(Changed())

    def action_end_drill(self) -> None:
        drill, clock = self.drill, self.session.clock
        if drill is None:
            self.notify("Only a drill can be ended; live work goes on.", severity="warning")
            return

        def chosen(answer: str | None) -> None:
            if answer != "end":
                return
            if isinstance(clock, DrillClock) and not clock.paused:
                self.action_toggle_pause()
            debrief = end_drill(self.session, drill.script, drill.start, drill.run)
            written: Path | None = drill.debrief_path
            try:
                drill.debrief_path.write_text(to_markdown(debrief), encoding="utf-8")
            except OSError as exc:
                written = None
                alarm(self, f"The debrief could not be written: {exc}", "Debrief not saved")
            from smwar.tui.screens.debrief import DebriefScreen  # loaded on first use: a quicker start

            self.app.clear_notifications()  # the score, not the toasts of the last minutes
            self.app.push_screen(DebriefScreen(debrief, written))

        self.app.push_screen(
            ChoicePrompt(
                "End the drill?",
                "It is scored against the response the drill expects; the clock stops.",
                [("end", "End it and show the score"), ("keep", "Keep playing")],
            ),
            chosen,
        )
