"""Shared test set-up. Keep it small: store fixtures live in tests/integration/conftest.py."""

from __future__ import annotations

import os

# Never touch a real OS key store from the tests (the keystore stubs stand in for one).
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
