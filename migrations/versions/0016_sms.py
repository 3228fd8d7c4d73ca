"""sms: batches, messages, replies, sender pacing; SMS prices, sender and texts

Revision ID: 0016_sms
Revises: 0015_paying
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_sms'
down_revision = '0015_paying'
branch_labels = None
depends_on = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_sender', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sms_signature', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sms_opt_out_text', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('sms_opt_out_text_cn', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_tenants_sms_sender'), ['sms_sender'])

    with op.batch_alter_table('rate_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_per_segment_micros', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('sms_prefixes', sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_source', sa.String(length=32), nullable=True))

    with op.batch_alter_table('dnc_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=32), nullable=True))

    op.create_table('sms_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('encoding', sa.String(length=8), nullable=False),
    sa.Column('segments_per_message', sa.Integer(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('total_charge_micros', sa.BigInteger(), nullable=False),
    sa.Column('rate_plan_id', sa.Integer(), nullable=True),
    sa.Column('status_callback', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('canceled_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('marketing','transactional')", name=op.f('ck_sms_batches_kind')),
    sa.CheckConstraint("status IN ('queued','sending','done','canceled','refused')", name=op.f('ck_sms_batches_status')),
    sa.ForeignKeyConstraint(['canceled_by'], ['users.id'], name=op.f('fk_sms_batches_canceled_by_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_sms_batches_created_by_users')),
    sa.ForeignKeyConstraint(['rate_plan_id'], ['rate_plans.id'], name=op.f('fk_sms_batches_rate_plan_id_rate_plans')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sms_batches_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_batches'))
    )
    with op.batch_alter_table('sms_batches', schema=None) as batch_op:
        batch_op.create_index('ix_sms_batches_tenant_id_id', ['tenant_id', 'id'], unique=False)

    op.create_table('sms_messages',
    sa.Column('id', BIGINT_ID, nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('to_number', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('rate_prefix', sa.String(length=16), nullable=True),
    sa.Column('price_per_segment_micros', sa.BigInteger(), nullable=False),
    sa.Column('charge_micros', sa.BigInteger(), nullable=False),
    sa.Column('hold_id', sa.Integer(), nullable=True),
    sa.Column('charged', sa.Boolean(), nullable=False),
    sa.Column('refunded', sa.Boolean(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('provider_sid', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('error_code', sa.String(length=16), nullable=True),
    sa.Column('error_message', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('refused','queued','sending','sent','delivered','failed','undelivered','canceled')", name=op.f('ck_sms_messages_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['sms_batches.id'], name=op.f('fk_sms_messages_batch_id_sms_batches')),
    sa.ForeignKeyConstraint(['hold_id'], ['holds.id'], name=op.f('fk_sms_messages_hold_id_holds')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sms_messages_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_sms_messages_idempotency_key')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_sms_messages_provider_sid'))
    )
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.create_index('ix_sms_messages_batch_id_status_position', ['batch_id', 'status', 'position'], unique=False)
        batch_op.create_index('ix_sms_messages_tenant_id_id', ['tenant_id', 'id'], unique=False)
        batch_op.create_index('ix_sms_messages_to_number_id', ['to_number', 'id'], unique=False)

    op.create_table('sms_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('provider_sid', sa.String(length=64), nullable=False),
    sa.Column('from_number', sa.String(length=64), nullable=False),
    sa.Column('to_number', sa.String(length=64), nullable=False),
    sa.Column('body', sa.String(length=1600), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("action IN ('opt_out','opt_in','none')", name=op.f('ck_sms_replies_action')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sms_replies_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_replies')),
    sa.UniqueConstraint('provider_sid', name=op.f('uq_sms_replies_provider_sid'))
    )
    with op.batch_alter_table('sms_replies', schema=None) as batch_op:
        batch_op.create_index('ix_sms_replies_tenant_id_id', ['tenant_id', 'id'], unique=False)

    op.create_table('sms_pacing',
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('next_slot_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('sender', name=op.f('pk_sms_pacing'))
    )


def downgrade():
    op.drop_table('sms_pacing')
    with op.batch_alter_table('sms_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_replies_tenant_id_id')
    op.drop_table('sms_replies')
    with op.batch_alter_table('sms_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_messages_to_number_id')
        batch_op.drop_index('ix_sms_messages_tenant_id_id')
        batch_op.drop_index('ix_sms_messages_batch_id_status_position')
    op.drop_table('sms_messages')
    with op.batch_alter_table('sms_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_batches_tenant_id_id')
    op.drop_table('sms_batches')

    with op.batch_alter_table('dnc_entries', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('revoked_source')
    with op.batch_alter_table('rate_plans', schema=None) as batch_op:
        batch_op.drop_column('sms_prefixes')
        batch_op.drop_column('sms_per_segment_micros')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_tenants_sms_sender'), type_='unique')
        batch_op.drop_column('sms_opt_out_text_cn')
        batch_op.drop_column('sms_opt_out_text')
        batch_op.drop_column('sms_signature')
        batch_op.drop_column('sms_sender')
