"""`smwar export`: an incident's post-mortem as Markdown, HTML, CSV or JSON, optionally
pseudonymised for sharing outside the team."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from smwar.engine.review import build_review, span_of
from smwar.engine.session import Session
from smwar.review.formats import FORMATS
from smwar.review.html import write_html
from smwar.review.markdown import write_markdown
from smwar.review.pseudonym import Pseudonyms
from smwar.review.report import Review, pseudonymised
from smwar.review.tables import write_csv_zip, write_json

SALT_KEY = "pseudonym_salt"


def default_output(incident_id: int, fmt: str, pseudonymise: bool) -> Path:
    return Path(f"incident-{incident_id}{'-shared' if pseudonymise else ''}{FORMATS[fmt]}")


def pseudonyms_of(session: Session) -> Pseudonyms:
    """The journal's pseudonyms: the same author gets the same one in every export of it."""
    salt = session.journal.meta().get(SALT_KEY)
    if salt is None:
        salt = secrets.token_hex(16)
        session.journal.set_meta({SALT_KEY: salt})
    return Pseudonyms(bytes.fromhex(salt))


def export(session: Session, incident_id: int, fmt: str, output: Path, *, pseudonymise: bool) -> Path:
    """Write the export to `output` (written whole under a temporary name, then renamed). The
    review is read by a thread of its own, beside the mentions of a CSV export, which need
    nothing of it (its events are written after them)."""
    names = pseudonyms_of(session) if pseudonymise else None
    span = span_of(session.desk.incident(incident_id), session)
    partial = output.with_name(output.name + ".part")
    with ThreadPoolExecutor(max_workers=1) as aside:
        review = aside.submit(_review, session, incident_id, fmt, names).result
        try:
            if fmt == "csv":
                with session.journal.reader() as reader:
                    write_csv_zip(review, reader, span, partial, names)
            elif fmt == "json":
                with session.journal.reader() as reader:
                    write_json(review(), reader, span, partial, names)
            else:
                with partial.open("w", encoding="utf-8") as out:
                    (write_markdown if fmt == "md" else write_html)(review(), out)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return output


def _review(session: Session, incident_id: int, fmt: str, names: Pseudonyms | None) -> Review:
    """The post-mortem as `fmt` writes it: a CSV's without the figures, which it does not carry."""
    review = build_review(session, incident_id, figures=fmt != "csv")
    return pseudonymised(review, names) if names is not None else review
