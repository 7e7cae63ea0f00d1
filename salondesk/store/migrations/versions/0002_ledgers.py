"""money ledgers: stored value, packages, points, coupons, on-account debt

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00

Only the ledger tables of issue 4 (the ``Money ledgers`` section of schema.py). Member tables
of later work chain on as 0003.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pkg_template',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pkg_template')),
    sa.UniqueConstraint('code', name=op.f('uq_pkg_template_code'))
    )
    op.create_table('sv_plan',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('pay_fen', sa.Integer(), nullable=False),
    sa.Column('bonus_fen', sa.Integer(), nullable=False),
    sa.Column('gifts', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sv_plan'))
    )
    op.create_table('coupon_template',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('percent_off', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=True),
    sa.Column('min_spend_fen', sa.Integer(), nullable=False),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.Column('valid_days', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service_item.id'], name=op.f('fk_coupon_template_service_id_service_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_template'))
    )
    op.create_table('pkg_template_item',
    sa.Column('template_id', sa.String(length=36), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service_item.id'], name=op.f('fk_pkg_template_item_service_id_service_item')),
    sa.ForeignKeyConstraint(['template_id'], ['pkg_template.id'], name=op.f('fk_pkg_template_item_template_id_pkg_template')),
    sa.PrimaryKeyConstraint('template_id', 'service_id', name=op.f('pk_pkg_template_item'))
    )
    op.create_table('coupon',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('template_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('issue_key', sa.String(length=96), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_coupon_member_id_member')),
    sa.ForeignKeyConstraint(['template_id'], ['coupon_template.id'], name=op.f('fk_coupon_template_id_coupon_template')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon')),
    sa.UniqueConstraint('code', name=op.f('uq_coupon_code')),
    sa.UniqueConstraint('issue_key', name=op.f('uq_coupon_issue_key'))
    )
    with op.batch_alter_table('coupon', schema=None) as batch_op:
        batch_op.create_index('ix_coupon_member', ['member_id'], unique=False)

    op.create_table('debt_entry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('debt_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('tender', sa.String(length=16), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('reverses_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['debt_id'], ['debt_entry.id'], name=op.f('fk_debt_entry_debt_id_debt_entry')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_debt_entry_member_id_member')),
    sa.ForeignKeyConstraint(['reverses_id'], ['debt_entry.id'], name=op.f('fk_debt_entry_reverses_id_debt_entry')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_debt_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debt_entry')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_debt_entry_reverses_id'))
    )
    with op.batch_alter_table('debt_entry', schema=None) as batch_op:
        batch_op.create_index('ix_debt_entry_debt', ['debt_id'], unique=False)
        batch_op.create_index('ix_debt_entry_member', ['member_id'], unique=False)

    op.create_table('pkg_instance',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('template_id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('upgraded_from_id', sa.String(length=36), nullable=True),
    sa.Column('sold_at', sa.DateTime(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_pkg_instance_member_id_member')),
    sa.ForeignKeyConstraint(['template_id'], ['pkg_template.id'], name=op.f('fk_pkg_instance_template_id_pkg_template')),
    sa.ForeignKeyConstraint(['upgraded_from_id'], ['pkg_instance.id'], name=op.f('fk_pkg_instance_upgraded_from_id_pkg_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pkg_instance'))
    )
    with op.batch_alter_table('pkg_instance', schema=None) as batch_op:
        batch_op.create_index('ix_pkg_instance_member', ['member_id'], unique=False)

    op.create_table('pt_lot',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_pt_lot_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pt_lot'))
    )
    with op.batch_alter_table('pt_lot', schema=None) as batch_op:
        batch_op.create_index('ix_pt_lot_expires', ['expires_on'], unique=False)
        batch_op.create_index('ix_pt_lot_member', ['member_id', 'created_at'], unique=False)

    op.create_table('sv_account',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('card_code', sa.String(length=32), nullable=True),
    sa.Column('named', sa.Boolean(), nullable=False),
    sa.Column('real_name_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_sv_account_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sv_account')),
    sa.UniqueConstraint('card_code', name=op.f('uq_sv_account_card_code')),
    sa.UniqueConstraint('member_id', name=op.f('uq_sv_account_member_id'))
    )
    op.create_table('coupon_event',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('coupon_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('discount_fen', sa.Integer(), nullable=False),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['coupon_id'], ['coupon.id'], name=op.f('fk_coupon_event_coupon_id_coupon')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_coupon_event_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_event'))
    )
    with op.batch_alter_table('coupon_event', schema=None) as batch_op:
        batch_op.create_index('ix_coupon_event_coupon', ['coupon_id'], unique=False)

    op.create_table('pkg_entry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sessions_delta', sa.Integer(), nullable=False),
    sa.Column('value_fen', sa.Integer(), nullable=False),
    sa.Column('cash_fen', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('reverses_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['pkg_instance.id'], name=op.f('fk_pkg_entry_instance_id_pkg_instance')),
    sa.ForeignKeyConstraint(['reverses_id'], ['pkg_entry.id'], name=op.f('fk_pkg_entry_reverses_id_pkg_entry')),
    sa.ForeignKeyConstraint(['service_id'], ['service_item.id'], name=op.f('fk_pkg_entry_service_id_service_item')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_pkg_entry_staff_id_staff')),
    sa.ForeignKeyConstraint(['technician_id'], ['staff.id'], name=op.f('fk_pkg_entry_technician_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pkg_entry')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_pkg_entry_reverses_id'))
    )
    with op.batch_alter_table('pkg_entry', schema=None) as batch_op:
        batch_op.create_index('ix_pkg_entry_instance', ['instance_id', 'service_id'], unique=False)
        batch_op.create_index('ix_pkg_entry_ref', ['ref_id'], unique=False)

    op.create_table('pkg_instance_item',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('list_price_fen', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['pkg_instance.id'], name=op.f('fk_pkg_instance_item_instance_id_pkg_instance')),
    sa.ForeignKeyConstraint(['service_id'], ['service_item.id'], name=op.f('fk_pkg_instance_item_service_id_service_item')),
    sa.PrimaryKeyConstraint('instance_id', 'service_id', name=op.f('pk_pkg_instance_item'))
    )
    op.create_table('pt_entry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('lot_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points_delta', sa.Integer(), nullable=False),
    sa.Column('value_fen', sa.Integer(), nullable=False),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('reverses_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['pt_lot.id'], name=op.f('fk_pt_entry_lot_id_pt_lot')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_pt_entry_member_id_member')),
    sa.ForeignKeyConstraint(['reverses_id'], ['pt_entry.id'], name=op.f('fk_pt_entry_reverses_id_pt_entry')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_pt_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pt_entry'))
    )
    with op.batch_alter_table('pt_entry', schema=None) as batch_op:
        batch_op.create_index('ix_pt_entry_lot', ['lot_id'], unique=False)
        batch_op.create_index('ix_pt_entry_member', ['member_id', 'lot_id'], unique=False)
        batch_op.create_index('ix_pt_entry_ref', ['ref_id'], unique=False)
        batch_op.create_index('ix_pt_entry_reverses', ['reverses_id'], unique=False)

    op.create_table('sv_lot',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('principal_fen', sa.Integer(), nullable=False),
    sa.Column('bonus_fen', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['sv_account.id'], name=op.f('fk_sv_lot_account_id_sv_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['sv_plan.id'], name=op.f('fk_sv_lot_plan_id_sv_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sv_lot'))
    )
    with op.batch_alter_table('sv_lot', schema=None) as batch_op:
        batch_op.create_index('ix_sv_lot_account', ['account_id', 'created_at'], unique=False)

    op.create_table('sv_entry',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('lot_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('principal_fen', sa.Integer(), nullable=False),
    sa.Column('bonus_fen', sa.Integer(), nullable=False),
    sa.Column('list_fen', sa.Integer(), nullable=False),
    sa.Column('cash_fen', sa.Integer(), nullable=False),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('reverses_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('staff_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['sv_account.id'], name=op.f('fk_sv_entry_account_id_sv_account')),
    sa.ForeignKeyConstraint(['lot_id'], ['sv_lot.id'], name=op.f('fk_sv_entry_lot_id_sv_lot')),
    sa.ForeignKeyConstraint(['reverses_id'], ['sv_entry.id'], name=op.f('fk_sv_entry_reverses_id_sv_entry')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_sv_entry_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sv_entry')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_sv_entry_reverses_id'))
    )
    with op.batch_alter_table('sv_entry', schema=None) as batch_op:
        batch_op.create_index('ix_sv_entry_account', ['account_id', 'lot_id'], unique=False)
        batch_op.create_index('ix_sv_entry_lot', ['lot_id'], unique=False)
        batch_op.create_index('ix_sv_entry_ref', ['ref_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sv_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_sv_entry_ref')
        batch_op.drop_index('ix_sv_entry_lot')
        batch_op.drop_index('ix_sv_entry_account')

    op.drop_table('sv_entry')
    with op.batch_alter_table('sv_lot', schema=None) as batch_op:
        batch_op.drop_index('ix_sv_lot_account')

    op.drop_table('sv_lot')
    with op.batch_alter_table('pt_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_pt_entry_reverses')
        batch_op.drop_index('ix_pt_entry_ref')
        batch_op.drop_index('ix_pt_entry_member')
        batch_op.drop_index('ix_pt_entry_lot')

    op.drop_table('pt_entry')
    op.drop_table('pkg_instance_item')
    with op.batch_alter_table('pkg_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_pkg_entry_ref')
        batch_op.drop_index('ix_pkg_entry_instance')

    op.drop_table('pkg_entry')
    with op.batch_alter_table('coupon_event', schema=None) as batch_op:
        batch_op.drop_index('ix_coupon_event_coupon')

    op.drop_table('coupon_event')
    op.drop_table('sv_account')
    with op.batch_alter_table('pt_lot', schema=None) as batch_op:
        batch_op.drop_index('ix_pt_lot_member')
        batch_op.drop_index('ix_pt_lot_expires')

    op.drop_table('pt_lot')
    with op.batch_alter_table('pkg_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_pkg_instance_member')

    op.drop_table('pkg_instance')
    with op.batch_alter_table('debt_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_debt_entry_member')
        batch_op.drop_index('ix_debt_entry_debt')

    op.drop_table('debt_entry')
    with op.batch_alter_table('coupon', schema=None) as batch_op:
        batch_op.drop_index('ix_coupon_member')

    op.drop_table('coupon')
    op.drop_table('pkg_template_item')
    op.drop_table('coupon_template')
    op.drop_table('sv_plan')
    op.drop_table('pkg_template')
