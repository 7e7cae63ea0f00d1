"""Shared test set-up. Keep it small: store fixtures live in tests/integration/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Never touch a real OS key store from the tests (the keystore stubs stand in for one).
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture(autouse=True)
def english_messages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Messages are asserted in English; GUI tests keep the app's default locale, zh_CN, so
    their screenshots show what a cashier sees."""
    from salondesk import i18n

    previous = i18n.current_locale()
    if "gui" not in request.node.path.parts:
        i18n.set_locale("en")
    yield
    i18n.set_locale(previous)
