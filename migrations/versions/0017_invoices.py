"""invoices: invoices, credit notes, document counters; tenant legal details and tax
rate; ledger kind `credit`

Revision ID: 0017_invoices
Revises: 0016_sms
Create Date: 2026-11-24 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_invoices'
down_revision = '0016_sms'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('topup','call','sms','seat_rental','late_fee','refund','adjustment','write_off')"
NEW_KINDS = "kind IN ('topup','call','sms','seat_rental','late_fee','refund','adjustment','write_off','credit')"


def _kinds(check):
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ledger_entries_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_ledger_entries_kind'), check)


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('tax_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('tax_rate_ppm', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('invoice_usage_monthly', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))

    _kinds(NEW_KINDS)

    op.create_table('document_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=32), nullable=False),
    sa.Column('series', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_counters')),
    sa.UniqueConstraint('issuer', 'series', 'year', name=op.f('uq_document_counters_issuer_series_year'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tax_rate_ppm', sa.Integer(), nullable=False),
    sa.Column('gross_micros', sa.BigInteger(), nullable=False),
    sa.Column('net_micros', sa.BigInteger(), nullable=False),
    sa.Column('tax_micros', sa.BigInteger(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('seller', sa.JSON(), nullable=False),
    sa.Column('buyer', sa.JSON(), nullable=False),
    sa.Column('fapiao_number', sa.String(length=64), nullable=True),
    sa.Column('fapiao_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('payment','usage')", name=op.f('ck_invoices_kind')),
    sa.CheckConstraint('net_micros + tax_micros = gross_micros', name=op.f('ck_invoices_ties_out')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_invoices_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('ledger_entry_id', name=op.f('uq_invoices_ledger_entry_id')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number')),
    sa.UniqueConstraint('tenant_id', 'kind', 'period', name=op.f('uq_invoices_tenant_id_kind_period'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_tenant_id_id', ['tenant_id', 'id'], unique=False)

    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('tax_rate_ppm', sa.Integer(), nullable=False),
    sa.Column('gross_micros', sa.BigInteger(), nullable=False),
    sa.Column('net_micros', sa.BigInteger(), nullable=False),
    sa.Column('tax_micros', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('seller', sa.JSON(), nullable=False),
    sa.Column('buyer', sa.JSON(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('gross_micros > 0', name=op.f('ck_credit_notes_amount_positive')),
    sa.CheckConstraint('net_micros + tax_micros = gross_micros', name=op.f('ck_credit_notes_ties_out')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_credit_notes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_credit_notes_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_credit_notes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('ledger_entry_id', name=op.f('uq_credit_notes_ledger_entry_id')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_notes_number'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index('ix_credit_notes_tenant_id_id', ['tenant_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_notes_tenant_id_id')
    op.drop_table('credit_notes')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_tenant_id_id')
    op.drop_table('invoices')
    op.drop_table('document_counters')
    _kinds(OLD_KINDS)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('invoice_usage_monthly')
        batch_op.drop_column('tax_rate_ppm')
        batch_op.drop_column('address')
        batch_op.drop_column('tax_id')
        batch_op.drop_column('legal_name')
