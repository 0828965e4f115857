"""Regenerate the bundled drills that `smwar drill generate` writes (data-leak, outage-hype)
from the bundled runbooks, and give them their titles. Run after changing the generator or
the runbooks: `python scripts/bundled_drills.py`."""

from __future__ import annotations

from pathlib import Path

import tomlkit

from smwar.drills.generate import generate
from smwar.paths import bundled_drills_dir, bundled_runbooks_dir
from smwar.runbooks.loader import load_runbook_set

DRILLS = [
    {
        "id": "data-leak",
        "scenario": "data-leak-rumour",
        "then": None,
        "seed": 4,
        "minutes": 30,
        "title": "Data-leak rumour",
        "summary": (
            "A rumour that customer data leaked from the Müller customer portal spreads from a few accounts "
            "into a storm; a tech influencer picks it up, known trolls copy-paste it, and a network drops out "
            "mid-storm. Verify, say what you know, answer the worried customers and the influencer, and do not "
            "feed the spreaders."
        ),
    },
    {
        "id": "outage-hype",
        "scenario": "service-outage",
        "then": "positive-hype",
        "seed": 2,
        "minutes": 40,
        "title": "App outage, then a hype",
        "summary": (
            "The Müller Home app and customer portal go down and customers pile in; once it is back, an "
            "influencer's praise sets off a flood of thanks and purchase questions. Handle the outage, give the "
            "all-clear, then mobilise the reserve for the hype, without mixing up the two."
        ),
    },
]


def main() -> None:
    runbooks = load_runbook_set(bundled_runbooks_dir())
    for drill in DRILLS:
        text = generate(runbooks, str(drill["scenario"]), int(drill["seed"]), int(drill["minutes"]), drill["then"])
        document = tomlkit.parse(text)
        for key in ("id", "title", "summary"):
            document["drill"][key] = drill[key]  # type: ignore[index]
        path = Path(bundled_drills_dir()) / f"{drill['id']}.toml"
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
