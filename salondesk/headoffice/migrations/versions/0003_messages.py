"""head office: SMS handed over by stores, and SMS opt-outs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ho_message',
        sa.Column('store_id', sa.String(length=36), nullable=False),
        sa.Column('message_id', sa.String(length=36), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('quiet_start', sa.Integer(), nullable=False),
        sa.Column('quiet_end', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('provider_ref', sa.String(length=64), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['store_id'], ['ho_store.id'],
                                name=op.f('fk_ho_message_store_id_ho_store')),
        sa.PrimaryKeyConstraint('store_id', 'message_id', name=op.f('pk_ho_message')),
    )
    op.create_index('ix_ho_message_status', 'ho_message', ['status', 'received_at'])
    op.create_table(
        'ho_opt_out',
        sa.Column('store_id', sa.String(length=36), nullable=False),
        sa.Column('phone_sha256', sa.String(length=64), nullable=False),
        sa.Column('opted_out', sa.Boolean(), nullable=False),
        sa.Column('as_of_seq', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['ho_store.id'],
                                name=op.f('fk_ho_opt_out_store_id_ho_store')),
        sa.PrimaryKeyConstraint('store_id', 'phone_sha256', name=op.f('pk_ho_opt_out')),
    )


def downgrade() -> None:
    op.drop_table('ho_opt_out')
    op.drop_table('ho_message')
