"""shifts, petty cash, Z reports; time indexes on the ledgers for day close and reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:00:00

New tables (issue 7) and new indexes only; nothing existing is rebuilt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TIME_INDEXES = (("sv_entry", "ix_sv_entry_at"), ("pkg_entry", "ix_pkg_entry_at"),
                 ("pt_entry", "ix_pt_entry_at"), ("debt_entry", "ix_debt_entry_at"),
                 ("sale", "ix_sale_at"))


def upgrade() -> None:
    op.create_table(
        "shift",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("shift_no", sa.Integer(), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=36), nullable=True),
        sa.Column("float_fen", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("denominations", sa.Text(), nullable=True),
        sa.Column("tenders", sa.Text(), nullable=True),
        sa.Column("variance_fen", sa.Integer(), nullable=True),
        sa.Column("variance_reason", sa.Text(), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("close_op_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift")),
        sa.UniqueConstraint("shift_no", name=op.f("uq_shift_shift_no")),
    )
    op.create_index("ix_shift_opened", "shift", ["opened_at"], unique=False)
    op.create_table(
        "cash_move",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("shift_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shift.id"],
                                name=op.f("fk_cash_move_shift_id_shift")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_move")),
    )
    op.create_index("ix_cash_move_shift", "cash_move", ["shift_id"], unique=False)
    op.create_table(
        "z_report",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("backup_file", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["day"], ["business_day.day"],
                                name=op.f("fk_z_report_day_business_day")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_z_report")),
    )
    for table, name in _TIME_INDEXES:
        op.create_index(name, table, ["at"], unique=False)


def downgrade() -> None:
    for table, name in _TIME_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("z_report")
    op.drop_index("ix_cash_move_shift", table_name="cash_move")
    op.drop_table("cash_move")
    op.drop_index("ix_shift_opened", table_name="shift")
    op.drop_table("shift")
