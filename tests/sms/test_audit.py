"""`ledger verify` knows SMS holds: open only while their message waits to be sent."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.services import ledger_audit
from tests.sms_support import UK, run_jobs, send, sms_tenant


def _checks(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m.check, m.detail) for m in ledger_audit.verify(db.session)]


def test_sms_holds_agree_with_their_messages_and_a_mismatch_is_reported(
        client, factory, clock, app):
    tid, owner = sms_tenant(factory, clock)
    send(client, tid, owner, UK[:2])
    assert _checks(app) == []  # queued, held
    run_jobs(app, clock)
    assert _checks(app) == []  # sent, settled
    send(client, tid, owner, UK[2:3])
    with app.app_context():
        db.session.execute(sa.text("UPDATE sms_messages SET status = 'delivered' "
                                   "WHERE to_number = :n"), {"n": UK[2]})
        db.session.execute(sa.text("UPDATE sms_messages SET status = 'queued' "
                                   "WHERE to_number = :n"), {"n": UK[0]})
        db.session.commit()
    found = _checks(app)
    assert [check for check, _ in found] == ["open_hold", "sms_hold"]
    assert "is open but its message" in found[0][1] and "delivered" in found[0][1]
