"""Replies: templates filled for a mention, the pre-publish check, and what became of each."""
