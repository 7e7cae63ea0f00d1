"""Head-office tests share the sync fixtures (PostgreSQL when reachable, and SQLite)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from synckit import head_office, ho_db, pg_database  # noqa: F401
