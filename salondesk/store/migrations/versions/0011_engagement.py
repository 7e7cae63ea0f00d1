"""campaigns, messages, opt-outs, price rules and visit cycles

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # --- price rules: member days and promotions (issue 12 item 2)
    _upgrade_price_rules()
    # --- campaigns, message outbox, opt-outs, contacts, visit cycles (issue 12 items 1, 3, 4)
    _upgrade_engagement()



def _upgrade_price_rules() -> None:
    op.create_table(
        "price_rule",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("points_permille", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=32), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_until", sa.Date(), nullable=True),
        sa.Column("time_from", sa.String(length=5), nullable=True),
        sa.Column("time_until", sa.String(length=5), nullable=True),
        sa.Column("line_kinds", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("tiers", sa.Text(), nullable=False),
        sa.Column("members_only", sa.Boolean(), nullable=False),
        sa.Column("first_visit", sa.Boolean(), nullable=False),
        sa.Column("stack", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_rule")),
    )


def _upgrade_engagement() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("offer", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "campaign_recipient",
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("coupon_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"],
                                name=op.f("fk_campaign_recipient_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_campaign_recipient_member_id_member")),
        sa.PrimaryKeyConstraint("campaign_id", "member_id", name=op.f("pk_campaign_recipient")),
    )
    op.create_index("ix_campaign_recipient_member", "campaign_recipient", ["member_id"])
    op.create_index("ix_campaign_recipient_coupon", "campaign_recipient", ["coupon_id"])
    op.create_table(
        "message",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("campaign_id", sa.String(length=36), nullable=True),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_message_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    op.create_index("ix_message_status", "message", ["status", "queued_at"])
    op.create_index("ix_message_member", "message", ["member_id", "done_at"])
    op.create_index("ix_message_campaign", "message", ["campaign_id"])
    op.create_table(
        "message_opt_out",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=4), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.String(length=36), nullable=True),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_message_opt_out_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_opt_out")),
    )
    op.create_index("ix_message_opt_out_member", "message_opt_out",
                    ["member_id", "channel", "at"])
    op.create_table(
        "member_contact",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"],
                                name=op.f("fk_member_contact_member_id_member")),
        sa.PrimaryKeyConstraint("member_id", "kind", name=op.f("pk_member_contact")),
    )
    op.create_table(
        "visit_cycle",
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("service_code", name=op.f("pk_visit_cycle")),
    )


def downgrade() -> None:
    for table in ("visit_cycle", "member_contact", "message_opt_out", "message",
                  "campaign_recipient", "campaign"):
        op.drop_table(table)
    op.drop_table("price_rule")  # price rules (issue 12 item 2)
