"""follow-up tasks, complaints and compensation, commission splits

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 14:00:00

Follow-ups get how the call went (``result``), an index for the front desk's open list and
one for the checkout's "already due for this member and service" question;
complaints get their own table. Commission splits and gifts need no DDL: the checkout writes
one ``sale_commission`` row per staff member with its ``share_pct`` (kind ``gift`` for a
gifted line), and the gift rate is part of the ``commission.rules`` setting.

Commission bases: ``sale_commission`` gets ``bonus_fen`` (the part of the row's base paid with
stored-value bonus) and ``list_fen`` (the row's part of the line's list price), so a rule can
pay on the principal only or on the list price. Both are nullable: rows written before this
revision have neither, and are read as no bonus and the recorded base as the list price.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(sa.Column("result", sa.String(length=16), nullable=True))
    op.create_index("ix_follow_up_open", "follow_up", ["closed_at", "due_on"], unique=False)
    op.create_index("ix_follow_up_member", "follow_up", ["member_id", "service_code", "due_on"],
                    unique=False)
    op.create_table(
        "complaint",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("follow_up_id", sa.String(length=36), nullable=True),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("compensation", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("coupon_code", sa.String(length=32), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("approver_id", sa.String(length=36), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_up.id"],
                                name=op.f("fk_complaint_follow_up_id_follow_up")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_complaint_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
    )
    op.create_index("ix_complaint_member", "complaint", ["member_id"], unique=False)
    op.create_index("ix_complaint_recorded", "complaint", ["recorded_at"], unique=False)

    # --- commission bases (issue 6): bonus and list parts of each performance row ---------
    with op.batch_alter_table("sale_commission") as batch:
        batch.add_column(sa.Column("bonus_fen", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("list_fen", sa.Integer(), nullable=True))
    # --- end of commission bases -----------------------------------------------------------


def downgrade() -> None:
    # --- commission bases (issue 6) ---------------------------------------------------------
    with op.batch_alter_table("sale_commission") as batch:
        batch.drop_column("list_fen")
        batch.drop_column("bonus_fen")
    # --- end of commission bases -----------------------------------------------------------
    op.drop_index("ix_complaint_recorded", table_name="complaint")
    op.drop_index("ix_complaint_member", table_name="complaint")
    op.drop_table("complaint")
    op.drop_index("ix_follow_up_member", table_name="follow_up")
    op.drop_index("ix_follow_up_open", table_name="follow_up")
    with op.batch_alter_table("follow_up") as batch:
        batch.drop_column("result")
