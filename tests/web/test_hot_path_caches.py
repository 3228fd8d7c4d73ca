"""What the hot path caches per process (rate plans, parsed calling windows) follows an
admin's change from the very next call."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, RatePlan
from tests.factories import bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _call(app, sid: str) -> Call:
    with app.app_context():
        return db.session.scalars(sa.select(Call).where(Call.provider_call_id == sid)).one()


def test_new_rates_apply_from_the_next_call_once_in_force(client, factory, clock, app):
    from datetime import timedelta

    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    first = place_call(client, seat, UK, "CA1").get_data(as_text=True)
    assert 'timeLimit="960"' in first  # 10.00 at 0.60/min; version 1 is now cached
    end_call(client, "CA1", "no-answer", 0)
    raise_ = {"default_per_minute": "1.00", "prefixes": [
        {"prefix": "4420", "per_minute": "2.00"}]}
    resp = client.put(f"/api/v1/tenants/{tid}/rates", headers=bearer(factory.admin_token()),
                      json={**raise_, "effective_at": (clock() + timedelta(days=30)
                                                       ).isoformat()})
    assert resp.status_code == 200, resp.get_json()

    scheduled = place_call(client, seat, UK, "CA2").get_data(as_text=True)
    assert 'timeLimit="960"' in scheduled  # published, not in force yet
    end_call(client, "CA2", "no-answer", 0)
    clock.now += timedelta(days=31, hours=-2)  # 16:00 UTC: 17:00 in London, summer time
    second = place_call(client, seat, UK, "CA3").get_data(as_text=True)

    assert _call(app, "CA3").reasons == [] and 'timeLimit="300"' in second  # 2.00/min
    call = _call(app, "CA3")
    with app.app_context():
        plan = db.session.get(RatePlan, call.rate_plan_id)
    assert plan.version == 2 and call.rate_prefix == "4420"
    assert call.rate_per_minute_micros == 2_000_000


def test_a_changed_calling_window_applies_from_the_next_call(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)  # Monday 17:00 in London: inside 09-18
    admin, url = bearer(factory.admin_token()), f"/api/v1/tenants/{tid}"
    assert "<Dial" in place_call(client, seat, UK, "CA1").get_data(as_text=True)
    end_call(client, "CA1", "no-answer", 0)

    client.patch(url, headers=admin, json={"calling_window": {"mon": [["09:00", "12:00"]]}})
    assert "<Reject" in place_call(client, seat, UK, "CA2").get_data(as_text=True)
    assert _call(app, "CA2").reasons == ["outside_calling_hours"]

    client.patch(url, headers=admin, json={"calling_window": None})  # back to 09-18
    assert "<Dial" in place_call(client, seat, UK, "CA3").get_data(as_text=True)
