"""What the kill -9 loops share: the key store handed to worker processes, the loop that
starts a worker, lets it run a random while and kills it, and the check that every
acknowledged operation is in the store exactly once with ``verify`` clean.

A worker is a script run as ``python WORKER STORE_DIR SEED``; it reads its keys with
:func:`worker_keystore`, prints ``READY`` once the store is open and then ``ACK <op_id> ...``
(flushed) after each operation returns.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from salondesk.services.store_setup import open_store
from salondesk.store.keys import MemoryKeyStore
from salondesk.store.schema import AuditEntry, Operation
from salondesk.store.verify import verify_database

REPO = Path(__file__).resolve().parents[2]
KEYS_ENV = "SALONDESK_TEST_KEYS"


def worker_keystore() -> MemoryKeyStore:
    """In a worker: the parent's key store."""
    keys = json.loads(os.environ[KEYS_ENV])
    return MemoryKeyStore({user: bytes.fromhex(key) for user, key in keys.items()})


@pytest.fixture
def cheap_argon2() -> Iterator[None]:
    from argon2 import PasswordHasher

    from salondesk.services import auth
    from salondesk.store import keys

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
        mp.setattr(keys, "DEFAULT_KDF", {"time_cost": 1, "memory_cost": 64, "parallelism": 1})
        yield


def kill_rounds(worker: Path, root: Path, keystore: MemoryKeyStore, *, kills: int, seed: int,
                pause: tuple[float, float], after_kill: Callable[[str], None]) -> None:
    """``kills`` rounds of: start ``worker`` on ``root``, wait for READY, let it run a random
    ``pause`` (seconds), SIGKILL it, then ``after_kill(stdout)`` (parse the ACKs, check)."""
    env = dict(os.environ, **{KEYS_ENV: json.dumps(
        {user: key.hex() for user, key in keystore.keys.items()})},
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    rng = random.Random(seed)
    for round_no in range(kills):
        proc = subprocess.Popen([sys.executable, str(worker), str(root), str(seed + round_no)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=REPO)
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.strip() == "READY", proc.stderr.read() if proc.stderr else ready
        proc_pause = rng.uniform(*pause)
        try:
            proc.wait(timeout=proc_pause)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err
        after_kill(out)


def check_acknowledged(root: Path, keystore: MemoryKeyStore, acked: set[str]) -> int:
    """Reopen after a kill: every acknowledged operation is there once, ``verify`` is clean.
    Returns the number of operations the store holds."""
    store = open_store(root, keystore=keystore)
    try:
        with store.ctx.db.read() as s:
            found = set(s.scalars(select(Operation.op_id).where(
                Operation.op_id.in_(list(acked)))))
            assert acked <= found, f"{len(acked - found)} acknowledged operations lost"
            # exactly once: one successful audit row per acknowledged operation
            twice = s.execute(select(AuditEntry.op_id).where(
                AuditEntry.op_id.in_(list(acked)), AuditEntry.outcome == "ok")
                .group_by(AuditEntry.op_id).having(func.count() > 1)).all()
            assert not twice
        report = verify_database(store.ctx.db, store.ctx.store_id)
        assert report["ok"], report["faults"]
        return int(report["operations"])
    finally:
        store.close()
