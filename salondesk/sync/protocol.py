"""Names both ends of sync agree on for cross-store stored value (DESIGN.md §7): the event
types, the tender kind, and how a member card's code is digested before it leaves a store."""

from __future__ import annotations

import hashlib

BALANCE_EVENT = "sv.balance"          # a member's stored value and cards, after it changed
APPLIED_EVENT = "sv.cross_applied"    # the home store took another store's spend
REVERSED_EVENT = "sv.cross_reversed"  # ... and put it back when that sale was undone
TENDER_KIND = "cross_store"           # a sale paid with another store's member's balance


def card_digest(code: str) -> str:
    """A card code as head office keeps it: SHA-256 of the code as scanned."""
    return hashlib.sha256(code.strip().encode()).hexdigest()
