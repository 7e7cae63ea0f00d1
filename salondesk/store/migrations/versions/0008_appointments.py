"""staff profiles and days off, rooms, appointments, follow-ups

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00

New tables (issue 6) only; nothing existing is rebuilt. Grades and commission rules are
store settings and need no table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_profile",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("services", sa.Text(), nullable=False),
        sa.Column("hours", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_staff_profile_staff_id_staff")),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_profile")),
    )
    op.create_table(
        "staff_day_off",
        sa.Column("staff_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_staff_day_off_staff_id_staff")),
        sa.PrimaryKeyConstraint("staff_id", "day", name=op.f("pk_staff_day_off")),
    )
    op.create_table(
        "room",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
        sa.UniqueConstraint("name", name=op.f("uq_room_name")),
    )
    op.create_table(
        "appointment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("walk_in_name", sa.String(length=64), nullable=True),
        sa.Column("walk_in_phone", sa.String(length=20), nullable=True),
        sa.Column("services", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("technician_id", sa.String(length=36), nullable=True),
        sa.Column("designated", sa.Boolean(), nullable=False),
        sa.Column("room_id", sa.String(length=36), nullable=True),
        sa.Column("package_instance_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_appointment_member_id_member")),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_appointment_room_id_room")),
        sa.ForeignKeyConstraint(["technician_id"], ["staff.id"],
                                name=op.f("fk_appointment_technician_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
    )
    op.create_index("ix_appointment_starts", "appointment", ["starts_at"], unique=False)
    op.create_index("ix_appointment_technician", "appointment", ["technician_id", "starts_at"],
                    unique=False)
    op.create_index("ix_appointment_room", "appointment", ["room_id", "starts_at"], unique=False)
    op.create_index("ix_appointment_member", "appointment", ["member_id"], unique=False)
    op.create_table(
        "follow_up",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"],
                                name=op.f("fk_follow_up_appointment_id_appointment")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_follow_up_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    op.create_index("ix_follow_up_due", "follow_up", ["staff_id", "due_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_follow_up_due", table_name="follow_up")
    op.drop_table("follow_up")
    for name in ("ix_appointment_member", "ix_appointment_room", "ix_appointment_technician",
                 "ix_appointment_starts"):
        op.drop_index(name, table_name="appointment")
    op.drop_table("appointment")
    op.drop_table("room")
    op.drop_table("staff_day_off")
    op.drop_table("staff_profile")
