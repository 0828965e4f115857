"""The export formats of a post-mortem: their file endings and what each is for."""

from __future__ import annotations

FORMATS = {"md": ".md", "html": ".html", "csv": ".zip", "json": ".json"}
FORMAT_HELP = {
    "md": "Markdown to present",
    "html": "one HTML file with charts",
    "csv": "mentions and events, a CSV file each, in a zip",
    "json": "everything, for other tools",
}
