"""The team room: who else works this journal, who is replying to what, and who holds which
role.

Every few seconds the war room says in the journal that its operator is here, in which roles
(the plan's owners the config says they own, with those handed to them), and what they are
doing; the status bar shows who is present, and the feed marks a mention someone else is
replying to with their name, so that nobody answers the same person twice. `H` hands one of
the operator's roles over to someone present: one action, journaled; from then on the role's
work is in the other's queue, and the steps of the open incidents' chains owned by the role
name the new holder.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen

from smwar.config import Config
from smwar.engine.session import Session
from smwar.journal.team import HANDED, Presence
from smwar.model import IncidentStatus
from smwar.plaintext import printable
from smwar.tui.screens.prompt import ChoicePrompt, beneath_prompts
from smwar.tui.widgets.feed import Feed

BEAT_SECONDS = 5.0  # well within the journal's PRESENT_SECONDS
NO_ROLE = "responder"  # what the team sees of an operator who owns nothing by the plan


class TeamRoom(Screen[None]):
    BINDINGS = [
        Binding(
            "H",
            "hand_over",
            "Hand over",
            show=False,
            tooltip="Hand one of your roles over to someone here",
            id="team.hand",
        ),
    ]

    session: Session
    config: Config | None
    present: list[Presence]

    def start_team(self) -> None:
        self.present = []
        self._beat()
        self.set_interval(BEAT_SECONDS, self._beat)
        self.app.screen_change_signal.subscribe(self, lambda _: self._beat())  # where they went, at once

    def roles(self) -> list[str]:
        """The roles the operator holds now: what the config says they own, with what was
        handed to them and without what they handed on, and their roles in open incidents."""
        me = self.session.operator
        owns = self.config.owns if self.config is not None else ()
        held = self.session.journal.roles_of(me, owns)
        for incident in self.session.desk.incidents():
            if incident.status == IncidentStatus.OPEN:
                held += [role for role, person in incident.roles.items() if person == me and role not in held]
        return held

    def _beat(self) -> None:
        doing = type(beneath_prompts(self.app)).__name__.removesuffix("Screen").casefold() or "war room"
        role = ", ".join(self.roles()) or NO_ROLE
        self.session.journal.beat(self.session.operator, role, doing, time.time())

    def see_team(self) -> None:
        """Read who is here and who claims what (twice a second at most is plenty: it is a
        glance at two small tables)."""
        journal, me = self.session.journal, self.session.operator
        self.present = journal.present(time.time())
        others = {mention: claim.operator for mention, claim in journal.claims().items() if claim.operator != me}
        self.query_one("#feed", Feed).show_claims(others)

    def team_text(self) -> Text:
        """Who else is here, for the status bar (nothing when working alone)."""
        others = [person for person in self.present if person.operator != self.session.operator]
        if not others:
            return Text(end="")
        names = ", ".join(f"{printable(p.operator)} ({printable(p.doing)})" for p in others)
        return Text(f" · with {names}", end="")

    def action_hand_over(self) -> None:
        """Pick one of the operator's roles (when they hold several), then who takes it over."""
        roles, me = self.roles(), self.session.operator
        if not roles:
            self.notify('You hold no role to hand over: the config\'s owns = ["social-team"] says.', markup=False)
            return
        others = sorted({p.operator for p in self.session.journal.present(time.time()) if p.operator != me})
        if not others:
            self.notify("Nobody else is here to take a role over.", markup=False)
            return
        if len(roles) == 1:
            self._pick_taker(roles[0], others)
            return
        self._choose(
            "Hand which role over?",
            "Its work goes to the other's queue, and its steps in the open incidents to them.",
            roles,
            lambda role: self._pick_taker(role, others),
        )

    def _pick_taker(self, role: str, others: list[str]) -> None:
        self._choose(
            f"Hand {role} over to",
            f"Who is here takes {role} over from you: its work and its steps in the open incidents.",
            others,
            lambda person: self.hand_over(role, person),
        )

    def _choose(self, title: str, explanation: str, options: list[str], then: Callable[[str], None]) -> None:
        def chosen(answer: str | None) -> None:
            if answer is not None:
                then(options[int(answer)])

        labels = [(str(number), printable(option)) for number, option in enumerate(options)]
        self.app.push_screen(ChoicePrompt(title, explanation, labels), chosen)

    def hand_over(self, role: str, person: str) -> None:
        """Hand `role` over to `person`: journaled as one handover, and in every open incident
        whose chain has steps of the role, held by nobody or by this operator, it is theirs."""
        desk, me = self.session.desk, self.session.operator
        desk.record(HANDED, role=role, to=person)
        for incident in desk.incidents():
            scenario = self.session.runbooks.find_scenario(incident.scenario_id)
            if incident.status != IncidentStatus.OPEN or scenario is None:
                continue
            if any(step.role == role for step in scenario.step) and incident.roles.get(role, me) == me:
                desk.assign_role(incident.id, role, person)
        self._beat()
        self.notify(f"You handed {role} over to {person}.", markup=False)
