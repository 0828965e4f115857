"""Copy-paste campaigns: near-identical texts from different authors gather in one cluster
with exactly its known members; chatter, one author repeating himself and old clusters do not
make a campaign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from smwar.triage.campaigns import Campaigns

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LEAK = (
    "ACHTUNG!!! Elektro-Müller Kundendaten geleakt!!! Namen, Adressen und Passwörter im Netz. Sofort Passwort ändern!"
)
BOYCOTT = "Boycott Elektro-Müller until they recall every AquaPro. Share this everywhere. #ElektroMuellerFail"
MIXED = [
    # (author, text, campaign it belongs to or None)
    ("troll1", LEAK, "leak"),
    ("anna", "Meine AquaPro läuft aus, das Bad steht unter Wasser. Was soll ich tun?", None),
    ("troll2", LEAK.replace("ACHTUNG!!!", "Achtung:") + " https://t.co/x1", "leak"),
    ("bob", BOYCOTT, "boycott"),
    ("troll3", "@elektromueller " + LEAK.lower(), "leak"),
    (
        "carl",
        "Boycott Elektro-Müller until they recall every AquaPro!! Share this everywhere #ElektroMuellerFail",
        "boycott",
    ),
    ("dora", "Hat jemand Erfahrung mit dem Kundendienst von Elektro-Müller? Meine Maschine piept.", None),
    ("troll4", LEAK.replace("Passwörter", "Passworte"), "leak"),
    ("erik", "Elektro-Müller AquaPro 9 im Test: leise, sparsam, aber teuer.", None),
    ("troll1", LEAK, "leak"),  # the same troll again: one more copy, not one more author
]


def test_clusters_have_exactly_their_known_members() -> None:
    campaigns = Campaigns()
    ids: dict[str | None, list[int]] = {}
    for number, (author, text, known) in enumerate(MIXED, start=1):
        campaigns.add(number, "mastodon", author, text, T0 + timedelta(minutes=number))
        ids.setdefault(known, []).append(number)
    found = {tuple(cluster.members): len(cluster.authors) for cluster in campaigns.campaigns()}
    assert found == {tuple(ids["leak"]): 4}, "the leak copies are one campaign of four authors"
    boycott = campaigns.find(BOYCOTT)
    assert boycott is not None and boycott.members == ids["boycott"] and not boycott.is_campaign
    for number in ids[None]:
        alone = campaigns.find(MIXED[number - 1][1])
        assert alone is not None and alone.members == [number]
    assert campaigns.find("Something nobody wrote about Elektro-Müller at all, ever.") is None


def test_a_third_author_makes_a_campaign_and_short_texts_never_cluster() -> None:
    campaigns = Campaigns()
    campaigns.add(1, "bluesky", "a.bsky.social", BOYCOTT, T0)
    campaigns.add(2, "bluesky", "b.bsky.social", BOYCOTT, T0)
    assert campaigns.campaigns() == []
    campaigns.add(3, "mastodon", "@c@x.social", BOYCOTT, T0)
    [campaign] = campaigns.campaigns()
    assert campaign.members == [1, 2, 3] and campaign.is_campaign
    for number in range(4, 10):
        assert campaigns.add(number, "bluesky", f"user{number}", "+1 same here", T0) is None


def test_quiet_clusters_are_forgotten_and_a_later_copy_starts_afresh() -> None:
    campaigns = Campaigns(span=timedelta(hours=1))
    for number in range(1, 4):
        campaigns.add(number, "mastodon", f"troll{number}", LEAK, T0)
    assert campaigns.campaigns()
    campaigns.add(10, "mastodon", "troll9", LEAK, T0 + timedelta(hours=2))
    assert campaigns.campaigns() == []
    cluster = campaigns.find(LEAK)
    assert cluster is not None and cluster.members == [10] and cluster.size == 1
