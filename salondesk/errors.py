"""Errors a person may see. Each carries a message already in the user's language.

Anything that is not a :class:`UserError` is a bug: the CLI and the GUI log it (without
personal data) and show a generic message, never a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A refusal or failure with a message fit to show the cashier or the IT helper."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(UserError):
    """Input that cannot be accepted as it is."""


class NotFound(UserError):
    """The record asked for does not exist."""


class PermissionDenied(UserError):
    """The signed-in staff member's role does not allow the action."""


class ApprovalRequired(PermissionDenied):
    """The action needs a manager's approval (PIN) first."""


class LoginFailed(UserError):
    """Wrong name or PIN, or the account is locked."""


class StoreLocked(UserError):
    """The store cannot be opened: wrong passphrase, missing key, not a SalonDesk store."""


class PassphraseNeeded(StoreLocked):
    """The OS key store does not hold the key here: ask for the recovery passphrase."""


class StorageError(UserError):
    """The disk refused: full, read-only, damaged. Committed data is untouched."""


class StoreDamaged(StorageError):
    """The store's database is missing, damaged or not its own: a backup can replace it."""


class Conflict(UserError):
    """The operation clashes with the current state (e.g. the day is already closed)."""
