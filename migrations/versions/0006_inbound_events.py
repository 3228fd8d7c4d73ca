"""one inbound-event inbox: inbound_events replaces provider_events and stripe_events

Existing rows are copied, oldest first: Twilio/CDR reports keep their key as the event
id and gain the tenant of their call; Stripe events gain the tenant of the payment or
refund line they were about. Stripe events had no stored payload: theirs is `{}`.
The downgrade copies twilio/cdr and stripe rows back; events of any other provider,
and the new columns, are lost.

Revision ID: 0006_inbound_events
Revises: 0005_payments
Create Date: 2026-11-24 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_inbound_events'
down_revision = '0005_payments'
branch_labels = None
depends_on = None


def _create_inbound_events():
    op.create_table('inbound_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('provider_created', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_inbound_events_call_id_calls')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_inbound_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_events')),
    sa.UniqueConstraint('provider', 'event_id', name=op.f('uq_inbound_events_provider_event_id'))
    )
    with op.batch_alter_table('inbound_events', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_events_outcome_id', ['outcome', 'id'], unique=False)
        batch_op.create_index('ix_inbound_events_tenant_id_id', ['tenant_id', 'id'], unique=False)


def _create_provider_events():
    op.create_table('provider_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('event_key', sa.String(length=160), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_provider_events_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_events')),
    sa.UniqueConstraint('provider', 'event_key', name=op.f('uq_provider_events_provider_event_key'))
    )
    with op.batch_alter_table('provider_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_events_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_provider_events_outcome_id', ['outcome', 'id'], unique=False)


def _create_stripe_events():
    op.create_table('stripe_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('provider_created', sa.BigInteger(), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_events_event_id'))
    )


# Lightweight tables for the data copies (the migration must not import the models).
_meta = sa.MetaData()
inbound = sa.Table(
    'inbound_events', _meta, sa.Column('id', sa.Integer), sa.Column('provider', sa.String),
    sa.Column('event_id', sa.String), sa.Column('type', sa.String),
    sa.Column('outcome', sa.String), sa.Column('call_id', sa.Integer),
    sa.Column('tenant_id', sa.Integer), sa.Column('object_id', sa.String),
    sa.Column('provider_created', sa.BigInteger), sa.Column('payload', sa.JSON),
    sa.Column('received_at', sa.DateTime))
provider_events = sa.Table(
    'provider_events', _meta, sa.Column('id', sa.Integer), sa.Column('provider', sa.String),
    sa.Column('event_key', sa.String), sa.Column('call_id', sa.Integer),
    sa.Column('outcome', sa.String), sa.Column('payload', sa.JSON),
    sa.Column('received_at', sa.DateTime))
stripe_events = sa.Table(
    'stripe_events', _meta, sa.Column('id', sa.Integer), sa.Column('event_id', sa.String),
    sa.Column('type', sa.String), sa.Column('object_id', sa.String),
    sa.Column('provider_created', sa.BigInteger), sa.Column('outcome', sa.String),
    sa.Column('received_at', sa.DateTime))
calls = sa.Table('calls', _meta, sa.Column('id', sa.Integer),
                 sa.Column('tenant_id', sa.Integer), sa.Column('provider_call_id', sa.String))
payments = sa.Table('payments', _meta, sa.Column('tenant_id', sa.Integer),
                    sa.Column('intent_id', sa.String))
lines = sa.Table('termination_lines', _meta, sa.Column('tenant_id', sa.Integer),
                 sa.Column('provider_refund_id', sa.String))

COLUMNS = ['provider', 'event_id', 'type', 'outcome', 'call_id', 'tenant_id', 'object_id',
           'provider_created', 'payload', 'received_at']


def _copy_into_inbound_events():
    pe = provider_events
    call_reports = (
        sa.select(pe.c.provider, pe.c.event_key, sa.literal('call.status'), pe.c.outcome,
                  pe.c.call_id, calls.c.tenant_id,
                  sa.case((pe.c.provider == 'cdr', sa.cast(pe.c.call_id, sa.String)),
                          else_=calls.c.provider_call_id),
                  sa.cast(sa.null(), sa.BigInteger), pe.c.payload, pe.c.received_at)
        .select_from(pe.outerjoin(calls, calls.c.id == pe.c.call_id)))
    se = stripe_events
    # The tenant of the payment (payment_intent.*) or of the refund line (refund.*).
    tenant = sa.func.coalesce(
        sa.select(payments.c.tenant_id).where(payments.c.intent_id == se.c.object_id)
        .limit(1).scalar_subquery(),
        sa.select(lines.c.tenant_id).where(lines.c.provider_refund_id == se.c.object_id)
        .limit(1).scalar_subquery())
    stripe = sa.select(sa.literal('stripe'), se.c.event_id, se.c.type, se.c.outcome,
                       sa.cast(sa.null(), sa.Integer), tenant, se.c.object_id,
                       se.c.provider_created, sa.literal({}, sa.JSON), se.c.received_at)
    both = sa.union_all(call_reports, stripe).subquery()
    ordered = sa.select(*both.c).order_by(both.c[len(COLUMNS) - 1])  # received_at
    op.execute(inbound.insert().from_select(COLUMNS, ordered))


def _copy_back():
    ie = inbound
    op.execute(provider_events.insert().from_select(
        ['provider', 'event_key', 'call_id', 'outcome', 'payload', 'received_at'],
        sa.select(ie.c.provider, sa.func.substr(ie.c.event_id, 1, 160), ie.c.call_id,
                  sa.func.substr(ie.c.outcome, 1, 16), ie.c.payload, ie.c.received_at)
        .where(ie.c.provider.in_(['twilio', 'cdr'])).order_by(ie.c.id)))
    op.execute(stripe_events.insert().from_select(
        ['event_id', 'type', 'object_id', 'provider_created', 'outcome', 'received_at'],
        sa.select(ie.c.event_id, ie.c.type, ie.c.object_id, ie.c.provider_created,
                  ie.c.outcome, ie.c.received_at)
        .where(ie.c.provider == 'stripe').order_by(ie.c.id)))


def upgrade():
    _create_inbound_events()
    _copy_into_inbound_events()
    with op.batch_alter_table('provider_events', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_events_outcome_id')
        batch_op.drop_index(batch_op.f('ix_provider_events_call_id'))

    op.drop_table('provider_events')
    op.drop_table('stripe_events')


def downgrade():
    _create_stripe_events()
    _create_provider_events()
    _copy_back()
    with op.batch_alter_table('inbound_events', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_events_tenant_id_id')
        batch_op.drop_index('ix_inbound_events_outcome_id')

    op.drop_table('inbound_events')
