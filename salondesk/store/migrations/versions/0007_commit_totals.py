"""running totals for the checkout commit: what each points lot still holds, product stock

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00

``pt_lot.remaining`` is derived state (the sum of the lot's ``pt_entry`` rows), kept in the
same transaction as every entry; ``ix_pt_lot_open`` indexes only the lots that still hold
points, so a redemption reads the member's open lots instead of every entry they ever had.
``product.stock`` is the sum of the product's ``stock_move`` rows, kept the same way, so the
checkout's low-stock check no longer sums every move the product ever had. ``salondesk
verify`` recomputes both from their rows. Existing lots and products are filled in here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pt_lot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("remaining", sa.Integer(), server_default="0",
                                      nullable=False))
    op.execute("UPDATE pt_lot SET remaining = (SELECT coalesce(sum(e.points_delta), 0) "
               "FROM pt_entry e WHERE e.lot_id = pt_lot.id)")
    op.create_index("ix_pt_lot_open", "pt_lot", ["member_id", "created_at", "id"],
                    unique=False, sqlite_where=sa.text("remaining > 0"))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock", sa.Integer(), server_default="0",
                                      nullable=False))
    op.execute("UPDATE product SET stock = (SELECT coalesce(sum(m.delta), 0) "
               "FROM stock_move m WHERE m.product_id = product.id)")


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("stock")
    op.drop_index("ix_pt_lot_open", table_name="pt_lot")
    with op.batch_alter_table("pt_lot", schema=None) as batch_op:
        batch_op.drop_column("remaining")
