"""store health records (clock watermark)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 14:00:00

``clock_watermark`` keeps the latest business time the store recorded, so a PC clock set
back is noticed (services.clock_guard). It starts at the newest operation already there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clock_watermark",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_clock_watermark")),
    )
    op.execute("INSERT INTO clock_watermark (name, at) SELECT 'business', max(at) "
               "FROM operation HAVING max(at) IS NOT NULL")


def downgrade() -> None:
    op.drop_table("clock_watermark")
