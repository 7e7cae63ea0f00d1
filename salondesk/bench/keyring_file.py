"""A key store for the bench's app processes: a JSON file named by ``SALONDESK_BENCH_KEYRING``.

A counter PC opens its store every morning with the data key from the operating system's key
store (Windows Credential Manager); the recovery passphrase and its deliberately slow Argon2id
are for a new PC or a lost key. The cold-start figure measures that everyday start, so the app
process needs a key store that holds the bench store's key without touching the machine's
real one. ``keyring`` loads this class by name from ``PYTHON_KEYRING_BACKEND``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend

ENV = "SALONDESK_BENCH_KEYRING"


class BenchKeyring(KeyringBackend):
    priority = 1

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self._path = path or Path(os.environ[ENV])

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self._path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}\n{username}"] = password
        self._path.write_text(json.dumps(entries), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        entries.pop(f"{service}\n{username}", None)
        self._path.write_text(json.dumps(entries), encoding="utf-8")
