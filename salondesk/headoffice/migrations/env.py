"""Head-office Alembic environment: run through salondesk.headoffice.db, on its connection."""

from __future__ import annotations

from alembic import context

from salondesk.headoffice.models import HoBase

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through salondesk.headoffice.db, not the alembic CLI")

context.configure(connection=connection, target_metadata=HoBase.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
