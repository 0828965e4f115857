"""Timestamp identifiers (TIDs), the record keys of the AT Protocol: 13 characters of
base32-sortable for 53 bits of microseconds since 1970 and 10 bits of clock id. A reply's post
key is one, so the same draft always becomes the same record on Bluesky."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
SHAPE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def encode(micros: int, clock_id: int) -> str:
    value = (micros << 10) | (clock_id & 0x3FF)
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def new_tid() -> str:
    return encode(time.time_ns() // 1000, secrets.randbelow(1024))


def tid_for(key: str) -> str:
    """The record key for a post key: the key itself when it is a TID; else (a key made before
    keys were TIDs) one derived from it, always the same for the same key."""
    if SHAPE.match(key):
        return key
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return encode(1_600_000_000_000_000 + digest % (10**14), digest >> 54)
