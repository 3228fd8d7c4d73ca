"""self service: password-reset links; erasure on request (export downloaded or declined)

Revision ID: 0020_self_service
Revises: 0019_disputes
Create Date: 2026-11-24 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_self_service'
down_revision = '0019_disputes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('terminations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('export_downloaded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('export_declined', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('erasure_requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('erasure_requested_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_terminations_erasure_requested_by_user_id_users'),
                                    'users', ['erasure_requested_by_user_id'], ['id'])


def downgrade():
    with op.batch_alter_table('terminations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_terminations_erasure_requested_by_user_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('erasure_requested_by_user_id')
        batch_op.drop_column('erasure_requested_at')
        batch_op.drop_column('export_declined')
        batch_op.drop_column('export_downloaded_at')

    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
