"""Notification steps: tell the step's contacts, through apprise, and journal each result.

A contact's address is an apprise URL: from the OS keyring when it holds a secret (a Slack
webhook, a mail password), else from the runbook's `notify_url`. In a drill nothing is sent;
the delivery is recorded as simulated.
"""

from __future__ import annotations

from smwar.engine.session import Session
from smwar.incidents.chain import ChainError, find_step, severity, step_state
from smwar.model import Delivery, Incident, IncidentStatus
from smwar.notify import SendResult, redact, send
from smwar.runbooks.definitions import Contact, Scenario, Step
from smwar.secrets import SecretStoreError, get_secret


def secret_name(contact_id: str) -> str:
    """The keyring entry that holds a contact's notification URL."""
    return f"notify:{contact_id}"


def contact_url(contact: Contact) -> str | None:
    """Where to notify `contact`: the keyring's URL, else the runbook's, else None."""
    return get_secret(secret_name(contact.id)) or contact.notify_url


def message(incident: Incident, scenario: Scenario, step: Step) -> tuple[str, str]:
    """The notification's title and body: the incident's summary."""
    title = f"[{severity(incident, scenario).upper()}] {scenario.title} (incident #{incident.id})"
    lines = [
        f"Status: {incident.status}. Trigger: {incident.trigger}.",
        f"Goal: {incident.goal or '—'}",
        f"Step: {step.title}",
        scenario.summary,
    ]
    return title, "\n".join(line for line in lines if line)


def notify_step(session: Session, incident_id: int, step_id: str, *, simulated: bool) -> list[Delivery]:
    """Notify the step's contacts that have not been reached yet; runs off the UI thread
    (sending blocks), journals each result as it comes."""
    incident = session.desk.incident(incident_id)
    if incident.status is not IncidentStatus.OPEN:
        raise ChainError(f"incident #{incident_id} is {incident.status}: only an open incident notifies")
    scenario = session.runbooks.scenario(incident.scenario_id)
    step = find_step(incident, scenario, step_id)
    reached = {delivery.contact_id for delivery in step_state(incident, step_id).deliveries if delivery.ok}
    title, body = message(incident, scenario, step)
    results = []
    for contact_id in (contact for contact in step.notify if contact not in reached):
        contact = session.runbooks.contact(contact_id)
        now = session.clock.now()
        if simulated:
            delivery = Delivery(contact_id, True, "not sent: this is a drill", now, simulated=True)
            target = "—"
        else:
            try:
                url = contact_url(contact)
            except SecretStoreError as exc:
                url, sent = None, SendResult(contact_id, False, str(exc))
            else:
                sent = send(contact_id, url, title, body)
            delivery = Delivery(contact_id, sent.ok, sent.detail, now)
            target = redact(url) if url else "—"
        session.desk.record_delivery(incident_id, step_id, delivery, target)
        results.append(delivery)
    return results
