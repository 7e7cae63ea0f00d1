"""members: cards, tags, search keys, consent, photos, treatment records, tiers, merges

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00

Only the member tables and the new ``member`` columns (issue 3). The new ``member`` columns are
added in place (no table rebuild: the ledgers reference ``member``), so they carry no foreign
keys; the member services keep them consistent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member_name_gram',
    sa.Column('gram', sa.String(length=8), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('gram', 'member_id', name=op.f('pk_member_name_gram')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('member_name_gram', schema=None) as batch_op:
        batch_op.create_index('ix_member_name_gram_member', ['member_id'], unique=False)

    op.create_table('member_search_key',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('key', 'member_id', name=op.f('pk_member_search_key')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('member_search_key', schema=None) as batch_op:
        batch_op.create_index('ix_member_search_key_member', ['member_id'], unique=False)

    op.create_table('member_tier',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('growth_threshold', sa.Integer(), nullable=False),
    sa.Column('single_purchase_fen', sa.Integer(), nullable=True),
    sa.Column('points_multiplier_pct', sa.Integer(), nullable=False),
    sa.Column('discounts', sa.Text(), nullable=False),
    sa.Column('birthday_benefit', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_tier')),
    sa.UniqueConstraint('code', name=op.f('uq_member_tier_code'))
    )
    op.create_table('member_card',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('blocked_at', sa.DateTime(), nullable=True),
    sa.Column('block_reason', sa.String(length=16), nullable=True),
    sa.Column('replaces_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_card_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_card')),
    sa.UniqueConstraint('code', name=op.f('uq_member_card_code'))
    )
    with op.batch_alter_table('member_card', schema=None) as batch_op:
        batch_op.create_index('ix_member_card_member', ['member_id'], unique=False)

    op.create_table('member_consent',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('text_version', sa.String(length=16), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('witness_id', sa.String(length=36), nullable=True),
    sa.Column('guardian_name', sa.String(length=64), nullable=True),
    sa.Column('guardian_relation', sa.String(length=16), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_consent_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_consent'))
    )
    with op.batch_alter_table('member_consent', schema=None) as batch_op:
        batch_op.create_index('ix_member_consent_member', ['member_id', 'purpose', 'at'], unique=False)

    op.create_table('member_erasure',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('retained_records', sa.Integer(), nullable=False),
    sa.Column('retain_until', sa.Date(), nullable=True),
    sa.Column('retained_identity', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_erasure_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_erasure')),
    sa.UniqueConstraint('member_id', name=op.f('uq_member_erasure_member_id'))
    )
    op.create_table('member_growth',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('purchase_fen', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_growth_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_growth'))
    )
    with op.batch_alter_table('member_growth', schema=None) as batch_op:
        batch_op.create_index('ix_member_growth_member', ['member_id', 'at'], unique=False)

    op.create_table('member_merge',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('survivor_id', sa.String(length=36), nullable=False),
    sa.Column('merged_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['merged_id'], ['member.id'], name=op.f('fk_member_merge_merged_id_member')),
    sa.ForeignKeyConstraint(['survivor_id'], ['member.id'], name=op.f('fk_member_merge_survivor_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_merge')),
    sa.UniqueConstraint('merged_id', name=op.f('uq_member_merge_merged_id'))
    )
    with op.batch_alter_table('member_merge', schema=None) as batch_op:
        batch_op.create_index('ix_member_merge_survivor', ['survivor_id'], unique=False)

    op.create_table('member_tag',
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('tag', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_tag_member_id_member')),
    sa.PrimaryKeyConstraint('member_id', 'tag', name=op.f('pk_member_tag'))
    )
    with op.batch_alter_table('member_tag', schema=None) as batch_op:
        batch_op.create_index('ix_member_tag_tag', ['tag'], unique=False)

    op.create_table('member_tier_change',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('from_tier_id', sa.String(length=36), nullable=True),
    sa.Column('to_tier_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_tier_change_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_tier_change'))
    )
    with op.batch_alter_table('member_tier_change', schema=None) as batch_op:
        batch_op.create_index('ix_member_tier_change_member', ['member_id', 'at'], unique=False)

    op.create_table('treatment_record',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('visit_at', sa.DateTime(), nullable=False),
    sa.Column('services', sa.Text(), nullable=False),
    sa.Column('technician_id', sa.String(length=36), nullable=True),
    sa.Column('products', sa.Text(), nullable=False),
    sa.Column('skin_reaction', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('medical', sa.Boolean(), nullable=False),
    sa.Column('retain_until', sa.Date(), nullable=True),
    sa.Column('corrects_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['corrects_id'], ['treatment_record.id'], name=op.f('fk_treatment_record_corrects_id_treatment_record')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_treatment_record_member_id_member')),
    sa.ForeignKeyConstraint(['technician_id'], ['staff.id'], name=op.f('fk_treatment_record_technician_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_record')),
    sa.UniqueConstraint('corrects_id', name=op.f('uq_treatment_record_corrects_id'))
    )
    with op.batch_alter_table('treatment_record', schema=None) as batch_op:
        batch_op.create_index('ix_treatment_record_member', ['member_id', 'visit_at'], unique=False)

    op.create_table('member_photo',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('treatment_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_photo_member_id_member')),
    sa.ForeignKeyConstraint(['treatment_id'], ['treatment_record.id'], name=op.f('fk_member_photo_treatment_id_treatment_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_photo'))
    )
    with op.batch_alter_table('member_photo', schema=None) as batch_op:
        batch_op.create_index('ix_member_photo_member', ['member_id', 'taken_at'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_last4', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('lunar_birthday', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('referrer_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('preferred_staff_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('skin_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('allergies', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contraindications', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('tier_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('tier_locked', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('growth', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_visit_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('merged_into', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_member_phone_last4', ['phone_last4'], unique=False)
        batch_op.create_index('ix_member_referrer', ['referrer_id'], unique=False)
        batch_op.create_index('ix_member_tier', ['tier_id'], unique=False)

    _backfill_lookup_keys()


def _backfill_lookup_keys() -> None:
    """Members from before 0003 get their last-4 column and lookup keys."""
    from salondesk.domain.member_search import name_grams, pinyin_keys

    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE member SET phone_last4 = substr(phone, -4) WHERE phone IS NOT NULL"))
    rows = conn.execute(sa.text("SELECT id, name FROM member")).all()
    keys = [{"k": k, "m": mid} for mid, name in rows for k in pinyin_keys(name)]
    grams = [{"g": g, "m": mid} for mid, name in rows for g in name_grams(name)]
    if keys:
        conn.execute(sa.text(
            "INSERT OR IGNORE INTO member_search_key (key, member_id) VALUES (:k, :m)"), keys)
    if grams:
        conn.execute(sa.text(
            "INSERT OR IGNORE INTO member_name_gram (gram, member_id) VALUES (:g, :m)"), grams)


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index('ix_member_tier')
        batch_op.drop_index('ix_member_referrer')
        batch_op.drop_index('ix_member_phone_last4')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('merged_into')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('last_visit_at')
        batch_op.drop_column('growth')
        batch_op.drop_column('tier_locked')
        batch_op.drop_column('tier_id')
        batch_op.drop_column('contraindications')
        batch_op.drop_column('allergies')
        batch_op.drop_column('skin_type')
        batch_op.drop_column('preferred_staff_id')
        batch_op.drop_column('referrer_id')
        batch_op.drop_column('lunar_birthday')
        batch_op.drop_column('phone_last4')

    with op.batch_alter_table('member_photo', schema=None) as batch_op:
        batch_op.drop_index('ix_member_photo_member')

    op.drop_table('member_photo')
    with op.batch_alter_table('treatment_record', schema=None) as batch_op:
        batch_op.drop_index('ix_treatment_record_member')

    op.drop_table('treatment_record')
    with op.batch_alter_table('member_tier_change', schema=None) as batch_op:
        batch_op.drop_index('ix_member_tier_change_member')

    op.drop_table('member_tier_change')
    with op.batch_alter_table('member_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_member_tag_tag')

    op.drop_table('member_tag')
    with op.batch_alter_table('member_merge', schema=None) as batch_op:
        batch_op.drop_index('ix_member_merge_survivor')

    op.drop_table('member_merge')
    with op.batch_alter_table('member_growth', schema=None) as batch_op:
        batch_op.drop_index('ix_member_growth_member')

    op.drop_table('member_growth')
    op.drop_table('member_erasure')
    with op.batch_alter_table('member_consent', schema=None) as batch_op:
        batch_op.drop_index('ix_member_consent_member')

    op.drop_table('member_consent')
    with op.batch_alter_table('member_card', schema=None) as batch_op:
        batch_op.drop_index('ix_member_card_member')

    op.drop_table('member_card')
    op.drop_table('member_tier')
    with op.batch_alter_table('member_search_key', schema=None) as batch_op:
        batch_op.drop_index('ix_member_search_key_member')

    op.drop_table('member_search_key')
    with op.batch_alter_table('member_name_gram', schema=None) as batch_op:
        batch_op.drop_index('ix_member_name_gram_member')

    op.drop_table('member_name_gram')
