"""Load a runbook set (a directory of TOML files, or one file) and check it as a whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from smwar.errors import InputError, InputErrors
from smwar.runbooks.definitions import (
    ALL_MENTIONS,
    LIST_REFERENCE,
    WAR_ROOM_ROLES,
    Channel,
    Company,
    Contact,
    Deescalation,
    EarlyWarning,
    Replies,
    ReplyTemplate,
    RequestType,
    Rule,
    RunbookFile,
    RunbookSet,
    Scenario,
    Step,
    Trends,
    placeholder_problem,
)
from smwar.runbooks.lint import deescalation_never_matching, mutual_unless, never_matching
from smwar.tomlfile import Key, TomlDocument, load_toml, validate

DRILLS_SUBDIR = "drills"
COMPANY_LIST = "company"
NOT_US_LIST = "not-us"
RULE_TERMS = ("any", "all", "none", "false_friends")
TargetT = TypeVar("TargetT", Scenario, RequestType)


def runbook_files(path: Path) -> list[Path]:
    """The TOML files of a set; drill scripts in `drills/` are not runbooks, nor hidden files
    and folders (an editor's lock file `.#plan.toml`, a `.git` folder)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputErrors([InputError(path, None, "no such runbook file or directory")])
    return sorted(
        file
        for file in path.rglob("*.toml")
        if DRILLS_SUBDIR not in (parts := file.relative_to(path).parts)
        and not any(part.startswith(".") for part in parts)
    )


def load_runbook_set(path: Path) -> RunbookSet:
    """Every problem in the set is collected and raised together as `InputErrors`."""
    return inspect_runbook_set(path)[0]


def inspect_runbook_set(path: Path) -> tuple[RunbookSet, list[InputError]]:
    """Load a set and also return its warnings: rules that can never match."""
    files = runbook_files(path)
    if not files:
        raise InputErrors([InputError(path, None, "no runbook files (*.toml) here")])
    merger = _Merger()
    for file in files:
        try:
            document = load_toml(file)
            merger.add(document, validate(document, RunbookFile))
        except InputErrors as exc:
            merger.errors.extend(exc.errors)
    return merger.finish(path)


@dataclass
class _Merger:
    errors: list[InputError] = field(default_factory=list)
    company: Company | None = None
    replies: Replies | None = None
    templates: list[tuple[TomlDocument, int, ReplyTemplate]] = field(default_factory=list)
    deescalation: Deescalation | None = None
    trends: Trends | None = None
    trends_document: TomlDocument | None = None
    channels: list[Channel] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    request_types: list[tuple[TomlDocument, int, RequestType]] = field(default_factory=list)
    scenarios: list[tuple[TomlDocument, int, Scenario]] = field(default_factory=list)
    deescalation_document: TomlDocument | None = None
    term_lists: dict[str, list[str]] = field(default_factory=dict)
    term_documents: dict[str, TomlDocument] = field(default_factory=dict)
    seen: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, document: TomlDocument, content: RunbookFile) -> None:
        if content.company is not None:
            self._single(document, "company", self.company is not None)
            self.company = self.company or content.company
        if content.replies is not None:
            self._single(document, "replies", self.replies is not None)
            self.replies = self.replies or content.replies
        for index, template in enumerate(content.template):
            self._unique(document, ("template", index, "id"), "template", template.id)
            self.templates.append((document, index, template))
        if content.deescalation is not None:
            self._single(document, "deescalation", self.deescalation is not None)
            if self.deescalation is None:
                self.deescalation, self.deescalation_document = content.deescalation, document
        if content.trends is not None:
            self._single(document, "trends", self.trends is not None)
            if self.trends is None:
                self.trends, self.trends_document = content.trends, document
        for index, channel in enumerate(content.channel):
            self._unique(document, ("channel", index, "id"), "channel", channel.id)
            self.channels.append(channel)
        for index, contact in enumerate(content.contact):
            self._unique(document, ("contact", index, "id"), "contact", contact.id)
            self.contacts.append(contact)
        for name, terms in content.terms.items():
            self._unique(document, ("terms", name), "term list", name)
            if name == COMPANY_LIST:
                self.errors.append(document.error(("terms", name), "the term list 'company' comes from [company]"))
            self.term_lists[name] = terms
            self.term_documents.setdefault(name, document)
        for index, request_type in enumerate(content.request_type):
            self._unique(document, ("request_type", index, "id"), "request type", request_type.id)
            self._unique_within(document, ("request_type", index), f"request type {request_type.id!r}", request_type)
            self.request_types.append((document, index, request_type))
        for index, scenario in enumerate(content.scenario):
            self._unique(document, ("scenario", index, "id"), "scenario", scenario.id)
            self._unique_within(document, ("scenario", index), f"scenario {scenario.id!r}", scenario)
            self.scenarios.append((document, index, scenario))
        if content.deescalation is not None:
            for number, rule in enumerate(content.deescalation.rule):
                self._unique(document, ("deescalation", "rule", number, "id"), "rule", rule.id, "[deescalation]")

    def _terms(self, document: TomlDocument, at: Key, terms: list[str]) -> list[str]:
        """`terms` with each `$list` replaced by the list's terms (after `_nested_lists`)."""
        expanded: list[str] = []
        for term in terms:
            reference = LIST_REFERENCE.fullmatch(term)
            if reference is None:
                expanded.append(term)
            elif reference.group(1) in self.term_lists:
                expanded.extend(self.term_lists[reference.group(1)])
            else:
                self._no_list(document, at, term)
        return expanded

    def _no_list(self, document: TomlDocument, at: Key, term: str) -> None:
        known = ", ".join(f"${name}" for name in sorted(self.term_lists)) or "none"
        self.errors.append(document.error(at, f"no term list {term!r} (known: {known})"))

    def _nested_lists(self) -> None:
        """Each list of `[terms]` with the lists it names (`$late-de`) put in, to any depth; a
        list that names itself, or one that names it, is an error."""
        done: dict[str, list[str]] = {}

        def expand(name: str, via: tuple[str, ...]) -> list[str]:
            if name not in done:
                document, at = self.term_documents[name], ("terms", name)
                terms: list[str] = []
                for term in self.term_lists[name]:
                    reference = LIST_REFERENCE.fullmatch(term)
                    other = reference.group(1) if reference else None
                    if other is None:
                        terms.append(term)
                    elif other not in self.term_lists:
                        self._no_list(document, at, term)
                    elif other == name:
                        self.errors.append(document.error(at, f"term list {name!r} names itself"))
                    elif other in via:
                        circle = " → ".join(f"${step}" for step in (*via[via.index(other) :], name, other))
                        self.errors.append(
                            document.error(at, f"term list {name!r} names {term!r}, which leads back to it ({circle})")
                        )
                    elif other in self.term_documents:
                        terms.extend(expand(other, (*via, name)))
                    else:  # $company, $not-us: made from [company]
                        terms.extend(self.term_lists[other])
                done[name] = terms
            return done[name]

        for name in self.term_documents:
            expand(name, ())
        self.term_lists.update(done)

    def _single(self, document: TomlDocument, section: str, already: bool) -> None:
        if already:
            self.errors.append(
                document.error((section,), f"[{section}] is already defined in another file of this set")
            )

    def _unique(
        self,
        document: TomlDocument,
        key: Key,
        kind: str,
        ident: str,
        within: str = "",
        seen: dict[tuple[str, str], str] | None = None,
    ) -> None:
        """An id used twice is an error naming both places: across the set, or only `within`
        one scenario (say) with the ids `seen` there."""
        seen = self.seen if seen is None else seen
        where = f"{document.path}:{document.line_of(key)}"
        first = seen.get((kind, ident))
        if first is None:
            seen[(kind, ident)] = where
        else:
            scope = f" in {within}" if within else ""
            self.errors.append(document.error(key, f"duplicate {kind} id {ident!r}{scope} (first defined at {first})"))

    def _unique_within(self, document: TomlDocument, at: Key, within: str, target: Scenario | RequestType) -> None:
        """The ids of a scenario's or request type's rules, steps and early-warning signs, each
        unique within it."""
        parts: list[tuple[str, str, list[Rule] | list[Step] | list[EarlyWarning]]] = [("rule", "rule", target.rule)]
        if isinstance(target, Scenario):
            parts += [("step", "step", target.step), ("early_warning", "early-warning sign", target.early_warning)]
        seen: dict[tuple[str, str], str] = {}
        for key, kind, items in parts:
            for number, item in enumerate(items):
                self._unique(document, (*at, key, number, "id"), kind, item.id, within, seen)

    def finish(self, path: Path) -> tuple[RunbookSet, list[InputError]]:
        if self.errors:
            # a file that did not load leaves its ids out: checking references across the set
            # now would only add errors that fixing the file makes go away
            raise InputErrors(self.errors)
        if self.company is not None:
            self.term_lists[COMPANY_LIST] = self.company.terms
            if self.company.not_us:
                self.term_lists.setdefault(NOT_US_LIST, self.company.not_us)
        self._nested_lists()
        self.request_types = [(d, i, self._expanded(d, ("request_type", i), t)) for d, i, t in self.request_types]
        self.scenarios = [(d, i, self._expanded(d, ("scenario", i), t)) for d, i, t in self.scenarios]
        for kind, targets in (("request type", self.request_types), ("scenario", self.scenarios)):
            known = {target.id for _, _, target in targets}
            for document, index, target in targets:
                for missing in (ident for ident in target.unless if ident not in known):
                    where = (kind.replace(" ", "_"), index, "unless")
                    self.errors.append(document.error(where, f"unless: no {kind} with id {missing!r}"))
        for document, index, scenario in self.scenarios:
            self.errors.extend(self._references(document, index, scenario))
        self.errors.extend(self._deescalation_references())
        self.errors.extend(self._template_references())
        self.errors.extend(self._trends_references())
        if self.company is None:
            self.errors.append(InputError(path, None, "no [company] section in any file of this set"))
        if self.errors:
            raise InputErrors(self.errors)
        assert self.company is not None
        loaded = RunbookSet(
            company=self.company,
            channels=tuple(self.channels),
            contacts=tuple(self.contacts),
            request_types=tuple(request_type for _, _, request_type in self.request_types),
            deescalation=self.deescalation or Deescalation(),
            scenarios=tuple(scenario for _, _, scenario in self.scenarios),
            replies=self.replies or Replies(),
            templates=tuple(template for _, _, template in self.templates),
            trends=self.trends or Trends(),
        )
        targets = [
            *((document, ("request_type", index), target) for document, index, target in self.request_types),
            *((document, ("scenario", index), target) for document, index, target in self.scenarios),
        ]
        warnings = [warning for target in targets for warning in never_matching(*target)]
        warnings += mutual_unless([(document, ("scenario", index), s) for document, index, s in self.scenarios])
        if self.deescalation_document is not None:
            warnings += deescalation_never_matching(self.deescalation_document, loaded.deescalation)
        return loaded, warnings

    def _expanded(self, document: TomlDocument, at: Key, target: TargetT) -> TargetT:
        """`target` with every `$list` in its rules (and early-warning signs) replaced by the
        list's terms."""
        rules = []
        for number, rule in enumerate(target.rule):
            update = {key: self._terms(document, (*at, "rule", number, key), getattr(rule, key)) for key in RULE_TERMS}
            if not (rule.regex or any(update.values())):
                self.errors.append(
                    document.error((*at, "rule", number), f"rule {rule.id!r} has no terms: its term lists are empty")
                )
            rules.append(rule.model_copy(update=update))
        if isinstance(target, Scenario):
            signs = [
                sign.model_copy(update={"any": self._terms(document, (*at, "early_warning", number, "any"), sign.any)})
                for number, sign in enumerate(target.early_warning)
            ]
            return target.model_copy(update={"rule": rules, "early_warning": signs})  # type: ignore[return-value]
        return target.model_copy(update={"rule": rules})

    def _template_references(self) -> Iterator[InputError]:
        known = {
            "scenarios": {scenario.id for _, _, scenario in self.scenarios},
            "request_types": {request_type.id for _, _, request_type in self.request_types},
        }
        fields = (self.replies or Replies()).fields
        for document, index, template in self.templates:
            if (problem := placeholder_problem(template.text, fields)) is not None:
                yield document.error(("template", index, "text"), f"template {template.id!r}: {problem}")
            for key, ids in (("scenarios", template.scenarios), ("request_types", template.request_types)):
                for position, missing in enumerate(ids):
                    if missing not in known[key]:
                        kind = key.removesuffix("s").replace("_", " ")
                        yield document.error(("template", index, key, position), f"no {kind} with id {missing!r}")

    def _trends_references(self) -> Iterator[InputError]:
        if self.trends is None or self.trends_document is None:
            return
        known = {scenario.id for _, _, scenario in self.scenarios}
        for key in self.trends.expected:
            if key != ALL_MENTIONS and key not in known:
                message = f"expected: no scenario with id {key!r} ({ALL_MENTIONS!r}: all mentions)"
                yield self.trends_document.error(("trends", "expected", key), message)

    def _deescalation_references(self) -> Iterator[InputError]:
        if self.deescalation is None or self.deescalation_document is None:
            return
        known = {
            "request_types": {request_type.id for _, _, request_type in self.request_types},
            "scenarios": {scenario.id for _, _, scenario in self.scenarios},
        }
        for number, rule in enumerate(self.deescalation.rule):
            for key, ids in (("request_types", rule.request_types), ("scenarios", rule.scenarios)):
                for missing in (ident for ident in ids if ident not in known[key]):
                    kind = key.removesuffix("s").replace("_", " ")
                    yield self.deescalation_document.error(
                        ("deescalation", "rule", number, key), f"rule {rule.id!r}: no {kind} with id {missing!r}"
                    )

    def _references(self, document: TomlDocument, index: int, scenario: Scenario) -> Iterator[InputError]:
        contacts = {contact.id for contact in self.contacts}
        channels = {channel.id for channel in self.channels}
        owners = {channel.owner for channel in self.channels} | {kind.owner for _, _, kind in self.request_types}
        roles = sorted({*WAR_ROOM_ROLES, *owners, *contacts})
        fields = (self.replies or Replies()).fields
        at = ("scenario", index)
        for key in ("notify", "mobilise"):
            for position, contact in enumerate(getattr(scenario, key)):
                if contact not in contacts:
                    yield document.error((*at, key, position), f"{key}: no contact with id {contact!r}")
        earlier: set[str] = set()
        for number, step in enumerate(scenario.step):
            step_at = (*at, "step", number)
            for gate in step.after:
                if gate == step.id:
                    yield document.error((*step_at, "after"), f"step {step.id!r} cannot wait for itself (after)")
                elif gate not in earlier:
                    known = "a later step" if any(s.id == gate for s in scenario.step) else "a missing step"
                    yield document.error((*step_at, "after"), f"step {step.id!r}: gate on {known} {gate!r}")
            if step.role not in roles:
                known = ", ".join(roles)
                yield document.error((*step_at, "role"), f"step {step.id!r}: no role {step.role!r} (roles: {known})")
            for contact in step.notify:
                if contact not in contacts:
                    yield document.error((*step_at, "notify"), f"step {step.id!r}: no contact with id {contact!r}")
            if step.template is not None and (problem := placeholder_problem(step.template, fields)) is not None:
                yield document.error((*step_at, "template"), f"step {step.id!r}: template: {problem}")
            if step.channel is not None and step.channel not in channels:
                yield document.error((*step_at, "channel"), f"step {step.id!r}: no channel with id {step.channel!r}")
            earlier.add(step.id)
