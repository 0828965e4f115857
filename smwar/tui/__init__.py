"""The Textual face of smwar."""
