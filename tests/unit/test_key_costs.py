"""The production costs of the key derivations (the integration tests run with cheap ones)."""

from __future__ import annotations

import pytest
from argon2 import Type, extract_parameters

from salondesk.errors import StoreLocked
from salondesk.services import auth
from salondesk.store import keys

# Captured at collection, before any fixture can swap in the cheap test settings (the
# integration suite lowers them for the whole session to keep itself fast).
PRODUCTION_KDF = dict(keys.DEFAULT_KDF)
PRODUCTION_HASHER = auth._hasher


@pytest.fixture(autouse=True)
def production_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "DEFAULT_KDF", PRODUCTION_KDF)
    monkeypatch.setattr(auth, "_hasher", PRODUCTION_HASHER)


def test_key_costs_recovery_passphrase_uses_argon2id_at_full_cost() -> None:
    assert keys.DEFAULT_KDF["memory_cost"] >= 65536
    assert keys.DEFAULT_KDF["time_cost"] >= 3
    wrapped = keys.KeyFile.wrap(store_id="s", store_name="店", data_key=b"k" * 32,
                                passphrase="a long passphrase")
    assert wrapped.wrapped["kdf"] == "argon2id"
    assert wrapped.wrapped["memory_cost"] == keys.DEFAULT_KDF["memory_cost"]
    assert wrapped.unwrap("a long passphrase") == b"k" * 32
    with pytest.raises(StoreLocked, match="not correct"):
        wrapped.unwrap("another passphrase")


def test_key_costs_staff_pins_use_argon2id_at_least_owasps_minimum() -> None:
    # OWASP's password storage minimum for Argon2id: 19 MiB, 2 passes. Not the 64 MiB RFC 9106
    # profile: a PIN is short whatever the cost, its hash sits inside the encrypted store, and
    # those 64 MiB were a quarter of the app's peak memory at every sign-in.
    params = extract_parameters(auth.hash_secret("8888"))
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
