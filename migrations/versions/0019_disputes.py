"""disputes of charges and complaints about calls

Revision ID: 0019_disputes
Revises: 0018_price_changes
Create Date: 2026-11-24 19:46:01.600737

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_disputes'
down_revision = '0018_price_changes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('harassment','no_consent','other')", name=op.f('ck_complaints_kind')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_complaints_created_by_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_complaints_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_tenant_id_id', ['tenant_id', 'id'], unique=False)

    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('open_key', sa.String(length=40), nullable=True),
    sa.Column('disputed_micros', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolution_note', sa.String(length=2000), nullable=True),
    sa.Column('justification', sa.String(length=2000), nullable=True),
    sa.Column('credit_micros', sa.BigInteger(), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open','rejected','credited')", name=op.f('ck_disputes_status')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_disputes_call_id_calls')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'], name=op.f('fk_disputes_credit_note_id_credit_notes')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_disputes_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_disputes_opened_by_users')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_disputes_resolved_by_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_disputes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('open_key', name=op.f('uq_disputes_open_key'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('ix_disputes_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_disputes_tenant_id_id', ['tenant_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_tenant_id_id')
        batch_op.drop_index('ix_disputes_status_id')

    op.drop_table('disputes')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_tenant_id_id')

    op.drop_table('complaints')
