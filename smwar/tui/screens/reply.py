"""The reply editor: the mention, the templates that fit it, the draft, its preview against the
network's limit and the pre-publish check; then copy it out or post it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from smwar.config import Config
from smwar.engine.replies import BY_HAND, POSTED, StaleReply, reply_target, send_reply, template_success
from smwar.engine.session import Session
from smwar.errors import SmwarError
from smwar.journal.rows import POST_DELETED, Claim, ClaimTaken, taken_over
from smwar.model import DELETED, GUARDED, LEFT_TO_CLAIM, TAKEN_OVER, JournaledMention
from smwar.plaintext import printable, printable_name
from smwar.replies.check import BLOCKING, LIMITS, WARNING, Finding, blocking, check, graphemes
from smwar.replies.drafting import Suggestion, fill, suggestions, values_for
from smwar.review.report import FAILED
from smwar.runbooks.definitions import TROUBLEMAKER_TAG, VIP_TAG
from smwar.tui.guard import Guarded
from smwar.tui.screens.prompt import ChoicePrompt, TextPrompt
from smwar.tui.text import local_time, plain
from smwar.tui.widgets.keys import KeysLine

WATCH_SECONDS = 1.0  # how often an open reply looks whether someone took it over
DELETED_POST = (
    "its author deleted the post: a reply answers nothing there and may read as chasing them, so it is not sent"
)


class ReplyScreen(Guarded, Screen[None]):
    BINDINGS = [
        Binding("escape", "leave", "Back", tooltip="Back to the war room (the draft is kept)", id="reply.back"),
        Binding("ctrl+s", "save", "Save draft", tooltip="Keep the draft (it survives a restart)", id="reply.save"),
        Binding(
            "ctrl+o", "copy", "Copy out & mark sent", tooltip="Copy it to post by hand, and record it", id="reply.copy"
        ),
        Binding("ctrl+t", "post", "Post", tooltip="Post it as a reply with your account", id="reply.post"),
    ]

    def __init__(self, session: Session, item: JournaledMention, *, drill: bool, config: Config | None) -> None:
        super().__init__()
        self.session = session
        self.item = item
        self.drill = drill
        self.config = config
        matched = [match.scenario_id for match in item.matches]
        kinds = item.triage.request_types if item.triage else ()
        self.suggested: list[Suggestion] = suggestions(
            session.runbooks, item.mention, matched, kinds, template_success(session)
        )
        draft = session.journal.draft(item.id)
        self.template: str | None = draft.template_id if draft else None
        self.saved = draft.text if draft else ""
        if draft is None and self.suggested:
            self.template = self.suggested[0].template.id
        self.findings: list[Finding] = []
        self.set_aside = ""  # text not saved as the draft: someone else took the reply over
        self.opened = session.journal.last_event_id()  # a reply journaled after it makes this one stale
        self.taken: Claim | None = None  # who took the reply over while it was open here
        self.finished = False  # sent, or left to the teammate replying already: no draft to keep
        self.typed = ""  # the text as it last changed: what is kept when the editor closes (its widgets gone)

    def compose(self) -> ComposeResult:
        yield Static(id="drill-banner", classes="banner")
        yield Static(self._mention_text(), id="reply-mention")
        with Horizontal(id="reply-body"):
            yield OptionList(*(Option(self._label(s), id=s.template.id) for s in self.suggested), id="reply-templates")
            with Vertical(id="reply-editor"):
                yield Static(id="reply-taken")
                yield TextArea(self.saved or self._filled(self.template), id="reply-text", soft_wrap=True)
                yield Static(id="reply-preview")
                yield Static(id="reply-findings")
        yield KeysLine()

    def on_mount(self) -> None:
        self.query_one("#drill-banner", Static).update(self.app.banner_text())  # type: ignore[attr-defined]
        self.query_one("#reply-templates").border_title = "Templates (enter: use)"
        self.query_one("#reply-text").border_title = "Reply"
        self._recheck()
        self._write_on()
        self._claim()

    def _claim(self) -> None:
        """Opening the reply claims it: the others see who is replying. Someone else's claim is
        taken over only when the operator says so (the other sees it was taken)."""
        journal, operator = self.session.journal, self.session.operator
        holder = journal.claim(self.item.id, operator, self.session.clock.now())
        if holder is None:
            self._watch_claim()
            return

        def chosen(answer: str | None) -> None:
            if answer == "take":
                journal.claim(self.item.id, operator, self.session.clock.now(), steal=True)
                self.session.desk.record(TAKEN_OVER, mention_id=self.item.id, holder=holder.operator)
                self.notify(f"You took the reply over from {holder.operator}.", markup=False)
                self._watch_claim()
            else:  # a double answer avoided: the drill's debrief counts it
                self.session.desk.record(LEFT_TO_CLAIM, mention_id=self.item.id, holder=holder.operator)
                self.finished = True
                self.app.pop_screen()

        since = local_time(holder.since)[:5]
        self.app.push_screen(
            ChoicePrompt(
                f"{holder.operator} is replying to this",
                f"since {since}. Two answers to one person make it worse: leave it, or take it over "
                f"(they will see that you did).",
                [("leave", f"Leave it to {holder.operator}"), ("take", "Take it over")],
            ),
            chosen,
        )

    def _watch_claim(self) -> None:
        """Look at the claim every `WATCH_SECONDS` while the reply is the operator's: another
        war room's take-over is to be seen at once, not when sending is refused."""
        self.set_interval(WATCH_SECONDS, self._see_claim)

    def _see_claim(self) -> None:
        """Tell the operator that someone took the reply over (once for each taking): a notice,
        and a line over the text, which stays theirs to copy but is no longer the draft."""
        claim = self.session.journal.claims().get(self.item.id)
        if claim is None or claim.operator == self.session.operator or claim == self.taken:
            return
        self.taken = claim
        reason = taken_over(printable(claim.operator), claim.since)
        line = self.query_one("#reply-taken", Static)
        line.update(Text(f"✍ {reason}: the draft is theirs; your text below is not saved or sent", style="reverse"))
        line.display = True
        self.app.bell()
        self.notify(
            f"{reason}. Your text stays here for you to copy.",
            title="Reply taken over",
            severity="warning",
            markup=False,
        )

    def _mention_text(self) -> Text:
        mention = self.item.mention
        head = Text()
        head.append(f"Reply to {printable_name(mention.author)} on {printable(mention.network)}", style="bold")
        if VIP_TAG in self.item.author_tags:
            head.append("  ★ VIP", style="bold")
        if TROUBLEMAKER_TAG in self.item.author_tags:
            head.append("  ⚑ known troublemaker: the plan says not to answer", style="bold reverse")
        if self.item.triage and self.item.triage.action:
            head.append(f"  · plan: {self.item.triage.action} ({printable(self.item.triage.rule)})")
        head.append("\n" + printable(mention.text, keep_newlines=True))
        return head

    def _label(self, suggestion: Suggestion) -> Text:
        """A template's title and why it fits, as plain text: an option's str would be markup."""
        why = ", ".join(suggestion.why) or "no particular fit"
        return plain(f"{suggestion.template.title}  [{why}]")

    def _filled(self, template_id: str | None) -> str:
        chosen = next((s.template for s in self.suggested if s.template.id == template_id), None)
        return fill(chosen.text, values_for(self.item.mention, self.session.runbooks)) if chosen else ""

    @property
    def text(self) -> str:
        return self.query_one("#reply-text", TextArea).text.strip()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.template = event.option.id
        self.query_one("#reply-text", TextArea).text = self._filled(self.template)
        self._write_on()

    def _write_on(self) -> None:
        """The keys to the reply, typed after what it says already (a template, a saved draft)."""
        area = self.query_one("#reply-text", TextArea)
        area.move_cursor(area.document.end)
        area.focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.typed = event.text_area.text.strip()
        self._recheck()

    def _recheck(self) -> None:
        text, network = self.text, self.item.mention.network
        lang = next((s.template.lang for s in self.suggested if s.template.id == self.template), None)
        triage = self.item.triage
        self.findings = check(
            text,
            network,
            self.session.runbooks,
            lang=lang or self.item.mention.lang,
            author_tags=self.item.author_tags,
            action=triage.action if triage else None,
        )
        if any(revision.kind == DELETED for revision in self.session.journal.revisions_of(self.item.id)):
            self.findings.insert(0, Finding(WARNING, "deleted", DELETED_POST))
        limit = LIMITS.get(network)
        size = f"{len(text)} characters"
        if limit is not None:
            used = graphemes(text) if limit[1] == "graphemes" else len(text)
            size = f"{used} of {limit[0]} {limit[1]} on {network}"
        self.query_one("#reply-preview", Static).update(Text(size, style="italic"))
        report = Text()
        if not self.findings:
            report.append("✔ The check finds nothing to fix.", style="bold")
        for finding in self.findings:
            style = "bold reverse" if finding.severity == BLOCKING else "bold"
            report.append(f" {finding.severity} ", style=style)
            report.append(f" {printable(finding.message)}\n")
        self.query_one("#reply-findings", Static).update(report)

    def commands(self) -> Iterator[SystemCommand]:
        """The editor's actions for the command palette (in a browser, ctrl+t opens a new tab)."""
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            yield SystemCommand(binding.description, binding.tooltip, getattr(self, f"action_{binding.action}"))

    # -- actions -----------------------------------------------------------------------

    def action_save(self) -> bool:
        """Keep the draft; False when it was not kept, because someone else took the reply
        over: their draft stays, and this text stays on screen and goes to the clipboard."""
        if not self.text:
            return True
        if self.taken is not None:  # theirs, even if they left it since
            self._set_aside(taken_over(self.taken.operator, self.taken.since))
            return False
        try:
            self.session.journal.save_draft(self.item.id, self.session.operator, self.text, self.template)
        except ClaimTaken as exc:
            self._set_aside(exc.reason)
            return False
        self.saved = self.text
        self.notify("Draft saved.", markup=False)
        return True

    def _set_aside(self, reason: str) -> None:
        """Say the text was not saved as the draft, and keep it where the operator can take it."""
        self.set_aside = self.text
        self.app.copy_to_clipboard(self.text)
        self.app.bell()
        self.notify(
            f"Not saved: {reason}, and the draft is theirs. Your text stays here and is copied to the "
            "clipboard; escape again leaves it.",
            title="Draft not saved",
            severity="error",
            markup=False,
            timeout=20,
        )

    def action_leave(self) -> None:
        """Back to the war room, the draft kept; unless it could not be kept: then the first
        escape stays, so that the text is not lost unseen."""
        if self._unsaved(self.text) and not self.action_save():
            return
        self.app.pop_screen()

    def _unsaved(self, text: str) -> bool:
        return bool(text) and text not in (self.saved, self.set_aside)

    def on_unmount(self) -> None:
        """However the editor closes — escape, the war room quitting, its terminal or browser
        tab closed — the text typed is kept as the draft while the reply is still the operator's,
        and the claim goes (the others see nobody replying)."""
        journal, operator = self.session.journal, self.session.operator
        if not self.finished and self.taken is None and self._unsaved(self.typed):
            with suppress(ClaimTaken):  # taken over as it closed: the draft is theirs
                journal.save_draft(self.item.id, operator, self.typed, self.template)
        journal.release(self.item.id, operator)

    def action_copy(self) -> None:
        self._cleared(lambda override: self._send(BY_HAND, override))

    def action_post(self) -> None:
        if self.drill:
            self._cleared(lambda override: self._send(POSTED, override))
            return
        try:
            assert self.config is not None
            account = reply_target(self.config, self.item.mention.network)
        except (SmwarError, AssertionError) as exc:
            self.app.bell()
            self.notify(str(exc) or "no config", title="Cannot post", severity="error", markup=False, timeout=20)
            return

        def confirmed(answer: str | None) -> None:
            if answer == "post":
                self._cleared(lambda override: self._send(POSTED, override))

        self.app.push_screen(
            ChoicePrompt(
                f"Post this reply to {printable_name(self.item.mention.author)}?",
                f"It goes out now, publicly, from your account{f' {account.login}' if account.login else ''} on "
                f"{account.server}.",
                [("post", "Post it"), ("back", "Not yet")],
            ),
            confirmed,
        )

    def _cleared(self, then: object) -> None:
        """Go on with `then(override)` once no blocking finding stands in the way, or the
        operator gave a reason to publish anyway (it is recorded)."""
        assert callable(then)
        self._recheck()
        stop = blocking(self.findings)
        if not stop:
            then("")
            return

        def reason(text: str | None) -> None:
            if text:
                then(text)

        listed = "; ".join(finding.message for finding in stop)
        self.app.push_screen(
            TextPrompt(
                f"{len(stop)} blocking finding{'s' if len(stop) > 1 else ''}",
                f"{listed}. Fix it, or say why it goes out anyway (recorded).",
                placeholder="e.g. the PR advisor approved this exact wording",
            ),
            reason,
        )

    def _send(self, how: str, override: str) -> None:
        stale = self.session.journal.stale_send(self.item.id, self.session.operator, self.opened)
        if stale is not None:  # before the text goes to the clipboard to be pasted somewhere
            self._stale(stale)
            return
        text = self.text
        if how == BY_HAND and not self.drill:
            self.app.copy_to_clipboard(text)
        self._sending(how, text, override)

    @work(thread=True, group="reply", exit_on_error=False)
    def _sending(self, how: str, text: str, override: str) -> None:
        findings = [f"{finding.severity}: {finding.message}" for finding in self.findings]
        try:
            event = send_reply(
                self.session,
                self.item,
                text,
                how=how,
                template=self.template,
                override=override,
                findings=findings,
                config=self.config,
                drill=self.drill,
                opened=self.opened,
            )
        except StaleReply as exc:  # it went stale between the check and the send
            self.app.call_from_thread(self._stale, exc.reason)
            return
        except SmwarError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not sent", severity="error", markup=False)
            return
        self.app.call_from_thread(self._sent, dict(event.payload))

    def _stale(self, reason: str) -> None:
        """Say why the reply was not sent (the draft stays); a double answer the guard stopped is
        journaled, for the drill's debrief to count."""
        self.app.bell()
        self.notify(f"Not sent: {reason}.", title="Stale reply", severity="error", markup=False, timeout=20)
        if reason != POST_DELETED:
            self.session.desk.record(GUARDED, mention_id=self.item.id, reason=reason)

    def _sent(self, payload: dict[str, object]) -> None:
        how = payload.get("how")
        if how == FAILED:
            self.app.bell()
            self.notify(
                f"{payload.get('detail')}. The draft is kept: ctrl+t tries again (it cannot post twice).",
                title="Posting failed",
                severity="error",
                markup=False,
                timeout=30,
            )
            return
        done = {
            "simulated": "Recorded as simulated: a drill sends nothing.",
            "by hand": "Copied to the clipboard and recorded as sent by hand.",
            "posted": f"Posted: {payload.get('url')}",
        }[str(how)]
        self.app.notify(done, title="Reply", markup=False)
        self.finished = True
        self.app.pop_screen()
