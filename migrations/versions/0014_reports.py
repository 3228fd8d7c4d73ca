"""low-balance alerts, maintenance notices, issued statements

Revision ID: 0014_reports
Revises: 0013_hardening
Create Date: 2026-11-24 16:56:22.393153

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_reports'
down_revision = '0013_hardening'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('balance_micros', sa.BigInteger(), nullable=False),
    sa.Column('threshold_micros', sa.BigInteger(), nullable=False),
    sa.Column('mail_job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('low_balance')", name=op.f('ck_alerts_kind')),
    sa.ForeignKeyConstraint(['mail_job_id'], ['jobs.id'], name=op.f('fk_alerts_mail_job_id_jobs')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_alerts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_tenant_id_id', ['tenant_id', 'id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('message', sa.String(length=2000), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('all_tenants', sa.Boolean(), nullable=False),
    sa.Column('short_notice', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_notices_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_notices_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_ends_at', ['ends_at'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('opening_micros', sa.BigInteger(), nullable=False),
    sa.Column('closing_micros', sa.BigInteger(), nullable=False),
    sa.Column('mail_job_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mail_job_id'], ['jobs.id'], name=op.f('fk_statements_mail_job_id_jobs')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_statements_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('tenant_id', 'period', name=op.f('uq_statements_tenant_id_period'))
    )
    op.create_table('notice_tenants',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_tenants_notice_id_notices')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notice_tenants_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('notice_id', 'tenant_id', name=op.f('pk_notice_tenants'))
    )
    with op.batch_alter_table('notice_tenants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_tenants_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('low_balance_armed', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('low_balance_armed')

    with op.batch_alter_table('notice_tenants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_tenants_tenant_id'))

    op.drop_table('notice_tenants')
    op.drop_table('statements')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_ends_at')

    op.drop_table('notices')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_tenant_id_id')

    op.drop_table('alerts')