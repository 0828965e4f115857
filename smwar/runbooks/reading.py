"""A mention's text as the matchers read it: its analysed part split into tokens once, with the
tokens a negation governs and the tokens as folded words worked out once, when first asked.

The matchers of one mention (relevance, scenarios, request types) read the same text one
after another; `read` hands them one `Reading` of it, kept for the latest few texts only.
"""

from __future__ import annotations

from smwar.runbooks.lexicon import CACHE_LIMIT
from smwar.runbooks.negation import negated
from smwar.runbooks.text import analysed, token_words, tokens

READINGS_KEPT = 64  # a few: a mention's matchers read it in a row


class Reading:
    """The analysed part of a text and its tokens."""

    __slots__ = ("_folded", "_negated", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = analysed(text)
        self.tokens = tokens(self.text)
        self._negated: frozenset[int] | None = None
        self._folded: list[str] | None = None

    @property
    def negated(self) -> frozenset[int]:
        """The numbers of the tokens a negation governs."""
        if self._negated is None:
            self._negated = negated(self.text, self.tokens)
        return self._negated

    @property
    def folded(self) -> list[str]:
        """Each token as one folded word: a plain ASCII word is its lower case; a hashtag its whole."""
        if self._folded is None:
            self._folded = [
                token.lower() if token.isascii() and token.isalnum() else _folded(token) for token in self.tokens
            ]
        return self._folded


_readings: dict[str, Reading] = {}
_words: dict[str, str] = {}  # token -> its folded word, for tokens that take folding (umlauts, hashtags)


def _folded(token: str) -> str:
    """A token's whole as one folded word, remembered: the words of a stream repeat."""
    word = _words.get(token)
    if word is None:
        if len(_words) >= CACHE_LIMIT:
            _words.clear()
        word = _words[token] = token_words(token)[-1]
    return word


def read(text: str) -> Reading:
    """The reading of `text`, made once for the matchers that read it one after another. Safe
    from several threads: at worst two make the same reading."""
    found = _readings.get(text)
    if found is None:
        if len(_readings) >= READINGS_KEPT:
            _readings.clear()
        found = _readings[text] = Reading(text)
    return found
