"""The selected mention in full, and why it matched."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from smwar.engine.assessing import Assessor
from smwar.model import DELETED, JournaledMention, Mention, Revision
from smwar.plaintext import printable
from smwar.runbooks.definitions import RequestType, RunbookSet, Scenario
from smwar.runbooks.matcher import Matcher
from smwar.triage.campaigns import Cluster
from smwar.triage.decide import Triager
from smwar.triage.mood import words_alone
from smwar.triage.relevance import OFF_TOPIC
from smwar.triage.sentiment import label_of
from smwar.triage.sentiment import sentiment as sentiment_of
from smwar.tui.guard import Guarded
from smwar.tui.text import local_time, plain, plain_name

NONE_SELECTED = Text("Select a mention in the feed to see it in full.", style="italic")
NONE_SHOWN = Text("No mention selected: the feed shows none.", style="italic")


class MentionDetail(Guarded, VerticalScroll):
    def __init__(self, runbooks: RunbookSet, assessor: Assessor, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runbooks = runbooks
        self.assessor = assessor  # the pipeline's: it says again why a mention is or is not taken for something
        self._body = Static(NONE_SELECTED)
        self._shown = 0  # lines of what is shown
        self._showing: tuple[JournaledMention, Cluster | None, Sequence[Revision]] | None = None
        self._width = 0  # what it was laid out for

    def compose(self):  # type: ignore[override]
        yield self._body

    def on_mount(self) -> None:
        # the mood's words are read again for the mention shown: its lexicons (half a second to
        # load) are read now, beside the screen, not on the key that shows the first mention
        self.run_worker(_read_lexicons, thread=True, exit_on_error=False)

    def show(self, item: JournaledMention, campaign: Cluster | None = None, revisions: Sequence[Revision] = ()) -> None:
        """Show `item` (and what became of it). The feed's cursor moves here on every key, so
        the text is wrapped once, here, and the pane draws those lines as they are; the
        screen is laid out anew only when that changes the pane's height of text (a layout
        is most of a frame)."""
        self._showing = (item, campaign, revisions)
        console = self.app.console
        self._width = self.content_region.width
        content = Group(*describe(item, self.runbooks, self.assessor, campaign, revisions))
        # where the text is higher than the pane, a scrollbar takes its columns and the text is
        # wrapped to what is left: tried first where the last mention's was, and again if not so
        height, beside_bar = self.content_region.height, max(1, self._width - self.styles.scrollbar_size_vertical)
        scrolled = self._shown > height
        first = beside_bar if scrolled else self._width
        lines = console.render_lines(content, console.options.update_width(first), pad=False)
        if (len(lines) > height) != scrolled:
            width = self._width if scrolled else beside_bar
            lines = console.render_lines(content, console.options.update_width(width), pad=False)
        # the body is as high as the pane, or as its lines where they are more
        same_height = len(lines) == self._shown or max(len(lines), self._shown) <= self.scrollable_content_region.height
        self._shown = len(lines)
        self._body.update(Wrapped(lines), layout=not same_height)
        self.scroll_home(animate=False)

    def show_none(self) -> None:
        """No mention: the feed shows none (a search that found nothing)."""
        self._showing = None
        self._shown = 1
        self._body.update(NONE_SHOWN)
        self.scroll_home(animate=False)

    def on_resize(self) -> None:
        if self._showing is not None and self.content_region.width != self._width:
            self.show(*self._showing)


class Wrapped:
    """Lines a console already wrapped to the pane's width, drawn again as they are."""

    def __init__(self, lines: list[list[Segment]]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line
            yield Segment.line()


def _read_lexicons() -> None:
    for lang in ("de", "en"):
        sentiment_of("", lang)


def triage_lines(
    item: JournaledMention, runbooks: RunbookSet, triager: Triager, campaign: Cluster | None
) -> list[Text]:
    """What the plan says to do with it, whose job it is, what its words suggest but a rule
    set aside, how likely its wording makes an affected customer and an answer, its mood, and
    its campaign; `triager` (the pipeline's) says again why an off-topic one is not about us
    and what was set aside."""
    lines: list[Text] = []
    triage = item.triage
    if triage is not None:
        action = Text("\nTriage: ", style="bold")
        style = "bold reverse" if triage.action == "respond" else "bold"
        action.append((triage.action or "no rule applies").upper(), style=style)
        if triage.rule:
            action.append(f" (rule {printable(triage.rule)})")
        if triage.rule != OFF_TOPIC:  # what the plan's `affected_at_least` and `answered_at_least` rules asked
            action.append(f" · {triager.worded(item.mention)}")
        lines.append(action)
        if triage.rule == OFF_TOPIC:  # why it is not about us (judged again: only these are)
            lines.append(plain(f"  not about us: {triager.relevance.judge(item.mention).why}"))
        for kind in triage.request_types:
            known = runbooks.find_request_type(kind)
            if known is not None:
                lines.append(plain(f"  {known.title}: priority {known.priority}, owner {known.owner}"))
        if triage.rule != OFF_TOPIC:
            lines += set_aside_lines(triager.request_types, runbooks.request_types, item.mention)
        channel = runbooks.channel(item.mention.network)
        if channel is not None and channel.owner:
            lines.append(plain(f"  channel {channel.id}: owner {channel.owner}"))
        if triage.sentiment is not None:
            mood = triager.mood(item.mention, [match.scenario_id for match in item.matches])
            line = Text(f"  sentiment {triage.sentiment:+.2f} {label_of(triage.sentiment)}")
            if mood.words:
                line.append(" from ")
                line.append_text(plain(", ".join(mood.words), "bold"))
            line.append(words_alone(triage.sentiment, mood))
            lines.append(line)
    if campaign is not None and campaign.is_campaign:
        since = local_time(campaign.first_at)
        line = Text(
            f"  copy-paste campaign: {campaign.size} mentions by {campaign.authors_shown} authors since {since}",
            style="bold",
        )
        line.append(" — answer it once")
        lines.append(line)
    return lines


def set_aside_lines(matcher: Matcher, targets: Sequence[Scenario | RequestType], mention: Mention) -> list[Text]:
    """What the mention's words suggest but a `none` rule of `matcher` (matching `targets`)
    set aside, and the words that did: "not A question about us: “Echt jetzt” (rule rhetorical)"."""
    titles = {target.id: target.title for target in targets}
    lines = []
    for entry in matcher.set_aside(mention):
        line = Text(f"  not {printable(titles.get(entry.target_id, entry.target_id))}: ")
        line.append_text(plain(f"“{' '.join(entry.words)}”", "bold"))
        line.append(f" (rule {printable(entry.rule)})")
        lines.append(line)
    return lines


def revision_lines(revisions: Sequence[Revision]) -> list[Text]:
    """What became of the post since: each edit with its new text, and its deletion (the text
    above is the first, kept as evidence)."""
    lines: list[Text] = []
    for revision in revisions:
        when = local_time(revision.at)
        if revision.kind == DELETED:
            lines.append(Text(f"✗ deleted by its author at {when}; the text above is kept as evidence", "bold"))
        else:
            line = Text(f"✎ edited at {when}, now: ", style="bold")
            line.append_text(plain(revision.text or "", keep_newlines=True))
            lines.append(line)
    return lines


def describe(
    item: JournaledMention,
    runbooks: RunbookSet,
    assessor: Assessor,
    campaign: Cluster | None = None,
    revisions: Sequence[Revision] = (),
) -> list[Text]:
    mention = item.mention
    head = Text()
    head.append(f"{local_time(mention.posted_at)}  {printable(mention.network)}  ", style="bold")
    head.append_text(plain_name(mention.author, "bold"))
    if mention.author_name:
        head.append(" (")
        head.append_text(plain_name(mention.author_name))
        head.append(")")
    if mention.followers is not None:
        head.append(f"  {mention.followers:,} followers")
    for tag in item.author_tags:
        head.append(f"  [{tag}]", style="reverse")
    parts = [head]
    for relation, target in (("replies to", mention.reply_to), ("quotes", mention.quote_of)):
        if target:
            line = Text(f"{relation} ", style="italic")
            line.append_text(plain(target))
            parts.append(line)
    parts.append(plain(mention.text, keep_newlines=True))
    parts += revision_lines(revisions)
    if mention.url:
        parts.append(plain_name(mention.url, "underline"))
    parts += triage_lines(item, runbooks, assessor.triager, campaign)
    if not item.matches:
        parts.append(Text("No scenario matched.", style="italic"))
    if item.triage is None or item.triage.rule != OFF_TOPIC:  # an off-topic one is matched against none
        parts += set_aside_lines(assessor.matcher, runbooks.scenarios, item.mention)
    for match in item.matches:
        scenario = runbooks.find_scenario(match.scenario_id)
        if scenario is None:
            parts.append(
                plain(
                    f"\n{match.scenario_id} (no longer in the runbooks): score {match.score:.2f}",
                    "bold",
                    keep_newlines=True,
                )
            )
        else:
            parts.append(
                plain(
                    f"\n{scenario.title}: score {match.score:.2f} (threshold {scenario.threshold:.2f})",
                    "bold",
                    keep_newlines=True,
                )
            )
        for hit in match.hits:
            line = plain(f"  rule {hit.rule}: ")
            line.append_text(plain(" ".join(hit.words), "bold"))
            line.append(printable(f" ~ “{hit.term}” {hit.similarity:.0%}"))
            parts.append(line)
    return parts
