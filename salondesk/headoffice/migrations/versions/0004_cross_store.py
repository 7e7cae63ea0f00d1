"""head office: members' stored value, card codes and cross-store spends

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ho_sv_balance',
        sa.Column('store_id', sa.String(length=36), nullable=False),
        sa.Column('member_id', sa.String(length=36), nullable=False),
        sa.Column('principal_fen', sa.BigInteger(), nullable=False),
        sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
        sa.Column('as_of_seq', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['ho_store.id'],
                                name=op.f('fk_ho_sv_balance_store_id_ho_store')),
        sa.PrimaryKeyConstraint('store_id', 'member_id', name=op.f('pk_ho_sv_balance')),
    )
    op.create_table(
        'ho_card',
        sa.Column('card_sha256', sa.String(length=64), nullable=False),
        sa.Column('store_id', sa.String(length=36), nullable=False),
        sa.Column('member_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['ho_store.id'],
                                name=op.f('fk_ho_card_store_id_ho_store')),
        sa.PrimaryKeyConstraint('card_sha256', 'store_id', name=op.f('pk_ho_card')),
    )
    op.create_index('ix_ho_card_member', 'ho_card', ['store_id', 'member_id'])
    op.create_table(
        'ho_cross_spend',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('spending_store_id', sa.String(length=36), nullable=False),
        sa.Column('home_store_id', sa.String(length=36), nullable=False),
        sa.Column('member_id', sa.String(length=36), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('sale_id', sa.String(length=36), nullable=True),
        sa.Column('principal_fen', sa.BigInteger(), nullable=True),
        sa.Column('bonus_fen', sa.BigInteger(), nullable=True),
        sa.Column('authorised_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('settled_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['spending_store_id'], ['ho_store.id'],
                                name=op.f('fk_ho_cross_spend_spending_store_id_ho_store')),
        sa.ForeignKeyConstraint(['home_store_id'], ['ho_store.id'],
                                name=op.f('fk_ho_cross_spend_home_store_id_ho_store')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ho_cross_spend')),
    )
    op.create_index('ix_ho_cross_spend_home', 'ho_cross_spend', ['home_store_id', 'status'])
    op.create_index('ix_ho_cross_spend_member', 'ho_cross_spend',
                    ['home_store_id', 'member_id'])
    op.create_index('ix_ho_cross_spend_sale', 'ho_cross_spend',
                    ['spending_store_id', 'sale_id'])


def downgrade() -> None:
    op.drop_table('ho_cross_spend')
    op.drop_table('ho_card')
    op.drop_table('ho_sv_balance')
