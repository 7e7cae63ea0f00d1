"""head office: dashboard administrators; consumption per store and day

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ho_admin',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ho_admin')),
    sa.UniqueConstraint('name', name=op.f('uq_ho_admin_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_ho_admin_token_hash'))
    )
    with op.batch_alter_table('ho_sales_day') as batch:
        batch.add_column(sa.Column('consumption_fen', sa.BigInteger(), server_default='0',
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ho_sales_day') as batch:
        batch.drop_column('consumption_fen')
    op.drop_table('ho_admin')
