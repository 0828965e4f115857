"""smwar: a social-media war room in the terminal."""

__version__ = "0.1.0"
