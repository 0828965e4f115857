"""Where mentions come from: the networks, a webhook, a JSONL file."""
