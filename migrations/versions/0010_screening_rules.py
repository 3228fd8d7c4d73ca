"""admin screening concepts and rules

Revision ID: 0010_screening_rules
Revises: 0009_session_version
Create Date: 2026-11-24 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_screening_rules'
down_revision = '0009_session_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('screening_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('concept','rule')", name=op.f('ck_screening_rules_kind')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_screening_rules_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_rules')),
    sa.UniqueConstraint('kind', 'name', name=op.f('uq_screening_rules_kind_name'))
    )


def downgrade():
    op.drop_table('screening_rules')
