"""The tenant dashboard's figures from real calls: burn rate and days left, answer rate
with answered, unanswered and failed calls, daily series in the tenant's timezone, the
ledger page, call totals; and who sees what (agents their seats, tenants their own)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Seat, Tenant, User
from callcenter.services import dashboard
from callcenter.services.access import Actor
from tests.factories import PASSWORD
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _login(client, email):
    client.post("/login", data={"email": email, "password": PASSWORD})


def _owner(app, tid):
    with app.app_context():
        return db.session.scalars(sa.select(User).where(User.tenant_id == tid,
                                                        User.role == "owner")).one()


@pytest.fixture
def history(client, factory, clock, app):
    """Day 1: answered (61 s -> 120 s billed, 1.20), no answer, failed, one refusal;
    day 2: answered (30 s -> 60 s, 0.60). Balance 10.00 -> 8.20."""
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    place_call(client, seat, UK, "CA1")
    end_call(client, "CA1", "completed", 61)
    place_call(client, seat, "+442079460001", "CA2")
    end_call(client, "CA2", "no-answer", 0)
    place_call(client, seat, "+442079460002", "CA3")
    end_call(client, "CA3", "failed", 0)
    place_call(client, seat, "000", "CA4")  # refused: invalid number
    clock.now += timedelta(days=1)
    place_call(client, seat, UK, "CA5")
    end_call(client, "CA5", "completed", 30)
    return tid, seat


def test_figures_burn_rate_days_left_and_answer_rate(app, clock, history):
    tid, _ = history
    owner = _owner(app, tid)
    with app.app_context():
        tenant = db.session.get(Tenant, tid)
        f = dashboard.figures(db.session, Actor(owner.id, "owner", tid), tenant, now=clock())
        assert tenant.available_micros == 8_200_000
        assert f.placed == 4 and f.answered == 2 and f.answer_rate == Decimal("50.0")
        assert f.burn_per_day_micros == 1_800_000 // 7
        assert f.days_left == Decimal("31.9")  # 8.20 / (1.80 / 7)
        assert [p.value for p in f.minutes[-2:]] == [120, 60]
        assert [p.value for p in f.spend[-2:]] == [1_200_000, 600_000]
        assert [p.value for p in f.balance[-3:]] == [0, 8_800_000, 8_200_000]
        assert len(f.spend) == len(f.minutes) == len(f.balance) == 30
        assert f.minutes[-1].day == f.today


def test_days_follow_the_tenants_timezone(app, clock, history):
    tid, _ = history
    owner = _owner(app, tid)
    with app.app_context():
        tenant = db.session.get(Tenant, tid)
        tenant.timezone = "Asia/Tokyo"  # 17:00 UTC is 02:00 the next day in Tokyo
        f = dashboard.figures(db.session, Actor(owner.id, "owner", tid), tenant, now=clock())
        db.session.rollback()
    assert [p.value for p in f.minutes[-2:]] == [120, 60]
    assert f.minutes[-1].day.isoformat() == "2026-03-04"


def test_dashboard_page_shows_figures_charts_and_recent_refusals(client, app, history):
    tid, _ = history
    _login(client, _owner(app, tid).email)
    page = client.get("/portal/").get_data(as_text=True)
    assert "8.20 USD" in page and "31.9" in page and "50.0%" in page
    assert page.count('<svg class="chart') == 3 and "<title" in page
    assert "invalid number" in page and "Active: calls are open. Seat rent renews on" in page
    assert "See all ledger entries" in page


def test_ledger_page_pages_and_filters_by_local_date(client, app, history):
    tid, _ = history
    _login(client, _owner(app, tid).email)
    page = client.get("/portal/ledger").get_data(as_text=True)
    assert page.count("<tr>") - 1 == 3  # top-up and two call charges, newest first
    assert page.index("-0.60") < page.index("-1.20") < page.index("10.00 USD")
    day2 = client.get("/portal/ledger?from=2026-03-03&to=2026-03-03").get_data(as_text=True)
    assert "-0.60" in day2 and "-1.20" not in day2
    bad = client.get("/portal/ledger?from=03/03/2026")
    assert "Enter a date like" in bad.get_data(as_text=True)


def test_call_list_totals_cover_every_matching_call(client, app, history):
    tid, _ = history
    _login(client, _owner(app, tid).email)
    page = client.get("/portal/calls").get_data(as_text=True)
    assert "5 calls match: 3.00 billed minutes, charges" in page and "1.80 USD" in page
    refused = client.get("/portal/calls?status=refused").get_data(as_text=True)
    assert "1 calls match: 0.00 billed minutes" in refused


def test_an_agent_sees_only_their_seats_calls(client, app, factory, clock, history):
    tid, seat = history
    agent_email = factory.user(tid, "agent")
    with app.app_context():
        agent = db.session.scalars(sa.select(User).where(User.email == agent_email)).one()
        tenant = db.session.get(Tenant, tid)
        as_agent = Actor(agent.id, "agent", tid)
        f = dashboard.figures(db.session, as_agent, tenant, now=clock())
        assert f.placed == 0 and f.spend == [] and f.days_left is None
        db.session.execute(sa.update(Seat).where(Seat.identity == seat)
                           .values(agent_user_id=agent.id))
        db.session.commit()
        assert dashboard.figures(db.session, as_agent, tenant, now=clock()).placed == 4
    _login(client, agent_email)
    page = client.get("/portal/").get_data(as_text=True)
    assert UK in page and page.count('<svg class="chart') == 1  # minutes only, no money
    assert client.get("/portal/ledger").status_code == 404


def test_another_tenant_sees_nothing_of_these_calls(client, app, factory, history):
    other = factory.tenant(balance="5.00")
    _login(client, other.owner_email)
    page = client.get("/portal/").get_data(as_text=True)
    assert UK not in page and "0 answered of 0 placed" in page
    assert UK not in client.get("/portal/calls").get_data(as_text=True)
    assert "-1.20" not in client.get("/portal/ledger").get_data(as_text=True)
