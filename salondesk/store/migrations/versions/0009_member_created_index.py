"""index member.created_at: the Z report counts a day's new members

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 13:30:00

Without it the count scanned the whole member table: 104 of the end-of-day report's 116 ms
with 100,000 members (salondesk bench).
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_member_created", "member", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_member_created", table_name="member")
