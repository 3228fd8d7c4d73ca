"""price changes: rate plans with an effective date, a seat price and recorded consent

Revision ID: 0018_price_changes
Revises: 0017_invoices
Create Date: 2026-11-24 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_price_changes'
down_revision = '0017_invoices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rate_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_price_monthly_micros', sa.BigInteger(),
                                      nullable=True))
        batch_op.add_column(sa.Column('effective_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('tenant_consent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('consent_note', sa.String(length=500), nullable=True))
    # Every existing version was in force from when it was saved, at the tenant's price.
    op.execute("UPDATE rate_plans SET effective_at = created_at")
    op.execute("UPDATE rate_plans SET seat_price_monthly_micros = (SELECT "
               "t.seat_price_monthly_micros FROM tenants t WHERE t.id = rate_plans.tenant_id)")
    with op.batch_alter_table('rate_plans', schema=None) as batch_op:
        batch_op.alter_column('effective_at', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('rate_plans', schema=None) as batch_op:
        batch_op.drop_column('consent_note')
        batch_op.drop_column('tenant_consent')
        batch_op.drop_column('effective_at')
        batch_op.drop_column('seat_price_monthly_micros')
