"""The store's data key and the two ways it is kept: the OS key store and the recovery passphrase.

A random 256-bit data key opens the SQLCipher database as a raw key, so a connection costs
about a millisecond instead of a key derivation. The key is never written in the clear:

* the OS key store (Windows Credential Manager, macOS Keychain, Secret Service) holds it for
  day-to-day unlock without typing anything, when the machine has one;
* ``keys.json`` in the data folder holds it wrapped with AES-256-GCM under a key derived
  from the owner's recovery passphrase with Argon2id. That copy travels inside backups and
  opens the store on a new machine.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from salondesk.errors import StoreLocked
from salondesk.i18n import _
from salondesk.store.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

KEY_BYTES = 32
KEYS_FORMAT = 1
KEYRING_SERVICE = "SalonDesk"
MIN_PASSPHRASE_CHARS = 8
# Argon2id cost for the recovery passphrase: ~0.3 s and 64 MiB here; paid only at restore,
# first unlock on a machine without a key store, and passphrase changes.
DEFAULT_KDF = {"time_cost": 3, "memory_cost": 65536, "parallelism": 2}


def new_data_key() -> bytes:
    return os.urandom(KEY_BYTES)


def key_id(data_key: bytes) -> str:
    """A short public fingerprint of a data key: tells which of two keys is which without
    the passphrase (a one-way hash of 256 random bits reveals nothing usable)."""
    import hashlib

    return hashlib.sha256(b"salondesk key id\0" + data_key).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(
        passphrase.encode("utf-8"), salt, hash_len=KEY_BYTES, type=Type.ID,
        time_cost=params["time_cost"], memory_cost=params["memory_cost"],
        parallelism=params["parallelism"],
    )


def check_passphrase_strength(passphrase: str) -> None:
    from salondesk.errors import ValidationError

    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValidationError(
            _("The recovery passphrase needs at least {n} characters.").format(
                n=MIN_PASSPHRASE_CHARS))


def _seal(store_id: str, data_key: bytes, passphrase: str,
          kdf: dict[str, int] | None) -> dict[str, Any]:
    params = dict(kdf or DEFAULT_KDF)
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_kek(passphrase, salt, params)).encrypt(nonce, data_key, store_id.encode())
    return {"kdf": "argon2id", **params, "salt": _b64(salt), "nonce": _b64(nonce),
            "key": _b64(sealed), "key_id": key_id(data_key)}


def _kdf_of(wrapped: dict[str, Any]) -> dict[str, int]:
    return {k: int(wrapped[k]) for k in ("time_cost", "memory_cost", "parallelism")}


@dataclass
class KeyFile:
    """What ``keys.json`` holds: the store's identity and the passphrase-wrapped data key."""

    store_id: str
    store_name: str
    wrapped: dict[str, Any]
    keyring_user: str | None = None
    demo: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # A data key rotation in progress (see salondesk/store/rekey.py): the new key wrapped like
    # the current one, written before the database is re-encrypted.
    pending: dict[str, Any] | None = None

    @classmethod
    def wrap(cls, *, store_id: str, store_name: str, data_key: bytes, passphrase: str,
             kdf: dict[str, int] | None = None, demo: bool = False) -> KeyFile:
        return cls(store_id=store_id, store_name=store_name,
                   wrapped=_seal(store_id, data_key, passphrase, kdf), demo=demo)

    def unwrap(self, passphrase: str) -> bytes:
        """The data key, or :class:`StoreLocked` when the passphrase is wrong."""
        return self._open(self.wrapped, passphrase)

    def unwrap_pending(self, passphrase: str) -> bytes | None:
        """The key of a rotation in progress, if there is one."""
        return None if self.pending is None else self._open(self.pending, passphrase)

    def with_pending(self, data_key: bytes, passphrase: str) -> KeyFile:
        """This key file with ``data_key`` wrapped as the pending key of a rotation."""
        return replace(self, pending=_seal(self.store_id, data_key, passphrase,
                                           _kdf_of(self.wrapped)))

    def settled(self, working_key: bytes) -> KeyFile:
        """This key file once the database opened with ``working_key``: a pending key that
        opened it becomes the key; one that did not (the rotation never happened) is dropped."""
        if self.pending is None:
            return self
        if self.pending.get("key_id") == key_id(working_key):
            return replace(self, wrapped=self.pending, pending=None)
        return replace(self, pending=None)

    def _open(self, w: dict[str, Any], passphrase: str) -> bytes:
        try:
            kek = _kek(passphrase, _unb64(w["salt"]), _kdf_of(w))
            return AESGCM(kek).decrypt(_unb64(w["nonce"]), _unb64(w["key"]), self.store_id.encode())
        except InvalidTag:
            raise StoreLocked(_("The recovery passphrase is not correct.")) from None
        except (KeyError, ValueError, TypeError, HashingError):
            # A hand-edited or half-written key file: say so instead of blaming the passphrase.
            raise StoreLocked(
                _("The key file of this store is damaged; restore it from a backup.")) from None

    def rewrap(self, data_key: bytes, new_passphrase: str) -> KeyFile:
        return replace(self, wrapped=_seal(self.store_id, data_key, new_passphrase, None),
                       pending=None)

    def to_json(self) -> bytes:
        doc = {"format": KEYS_FORMAT, "store_id": self.store_id, "store_name": self.store_name,
               "passphrase_wrap": self.wrapped, "keyring_user": self.keyring_user,
               "demo": self.demo, **self.extra}
        if self.pending is not None:
            doc["pending_wrap"] = self.pending
        return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> KeyFile:
        try:
            doc = json.loads(data.decode("utf-8"))
            if doc.get("format") != KEYS_FORMAT:
                raise ValueError("format")
            return cls(store_id=str(doc["store_id"]), store_name=str(doc["store_name"]),
                       wrapped=dict(doc["passphrase_wrap"]), keyring_user=doc.get("keyring_user"),
                       demo=bool(doc.get("demo", False)),
                       pending=dict(doc["pending_wrap"]) if doc.get("pending_wrap") else None)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            raise StoreLocked(
                _("The key file of this store is damaged; restore it from a backup.")) from None

    def save(self, path: Path) -> None:
        atomic_write_bytes(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            return cls.from_json(path.read_bytes())
        except FileNotFoundError:
            raise StoreLocked(
                _("No SalonDesk store was found in {path}.").format(path=path.parent)) from None


class OsKeyStore:
    """The operating system's key store through ``keyring``; quietly absent where there is none."""

    def available(self) -> bool:
        try:
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
            return not isinstance(backend, fail.Keyring) and backend.priority > 0
        except Exception:  # any backend failure means "no key store here"
            log.info("no usable OS key store", exc_info=True)
            return False

    def get(self, user: str) -> bytes | None:
        try:
            import keyring

            secret = keyring.get_password(KEYRING_SERVICE, user)
        except Exception:
            log.warning("OS key store could not be read", exc_info=True)
            return None
        if not secret:
            return None
        try:
            key = bytes.fromhex(secret)
        except ValueError:
            return None
        return key if len(key) == KEY_BYTES else None

    def put(self, user: str, data_key: bytes) -> bool:
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, user, data_key.hex())
            return True
        except Exception:
            log.warning("OS key store could not be written", exc_info=True)
            return False

    def delete(self, user: str) -> None:
        try:
            import keyring

            keyring.delete_password(KEYRING_SERVICE, user)
        except Exception:
            log.info("OS key store entry not removed", exc_info=True)


class NoKeyStore(OsKeyStore):
    """A machine without an OS key store: the recovery passphrase is the only way in."""

    def available(self) -> bool:
        return False

    def get(self, user: str) -> bytes | None:  # noqa: ARG002
        return None

    def put(self, user: str, data_key: bytes) -> bool:  # noqa: ARG002
        return False

    def delete(self, user: str) -> None:  # noqa: ARG002
        return None


class MemoryKeyStore(OsKeyStore):
    """An OS key store that keeps its entries in a dict and forgets them: for the bench and
    the tests, which must never touch the machine's real key store."""

    def __init__(self, keys: dict[str, bytes] | None = None) -> None:
        self.keys: dict[str, bytes] = dict(keys or {})

    def available(self) -> bool:
        return True

    def get(self, user: str) -> bytes | None:
        return self.keys.get(user)

    def put(self, user: str, data_key: bytes) -> bool:
        self.keys[user] = data_key
        return True

    def delete(self, user: str) -> None:
        self.keys.pop(user, None)
