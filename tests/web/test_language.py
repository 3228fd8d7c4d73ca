"""Chinese and English pages: the user's setting, else `?lang=` / cookie, else the
browser's Accept-Language; money and dates for the reader; mail in the recipient's
language; CSV and JSON stay machine format whatever the language."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Job, Tenant, User
from callcenter.services import ledger, mail_texts
from callcenter.web.common.fonts import cjk_font
from tests.factories import PASSWORD
from tests.web.test_statements import _pdf_text_map

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _login(client, email: str) -> None:
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def _set_locale(app, email: str, locale: str | None) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(locale=locale))
        db.session.commit()


def _dashboard(client, headers) -> str:
    resp = client.get("/portal/", headers=headers)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_accept_language_zh_cn_gets_the_chinese_dashboard(client, factory):
    tenant = factory.tenant(balance="1234567.50", name="华东外呼")
    _login(client, tenant.owner_email)
    page = _dashboard(client, ZH)
    assert '<html lang="zh-CN">' in page
    assert "余额" in page and "可用余额" in page and "通话预占" in page
    assert "1,234,567.50 USD" in page and "充值与付款" in page and "对账单" in page
    assert "Balance" not in page and "Sign out" not in page
    english = _dashboard(client, EN)
    assert '<html lang="en">' in english and "Available" in english and "余额" not in english


def test_the_users_setting_beats_the_browser(client, factory, app):
    tenant = factory.tenant(balance="10.00")
    _login(client, tenant.owner_email)
    _set_locale(app, tenant.owner_email, "en")
    assert "Available" in _dashboard(client, ZH)
    _set_locale(app, tenant.owner_email, "zh_CN")
    _login(client, tenant.owner_email)  # a fresh session loads the new setting
    assert "可用余额" in _dashboard(client, EN)
    # ... and beats ?lang= and the cookie too
    assert "可用余额" in client.get("/portal/?lang=en").get_data(as_text=True)


def test_the_language_switch_saves_the_setting_and_returns(client, factory, app):
    tenant = factory.tenant(balance="10.00")
    _login(client, tenant.owner_email)
    resp = client.post("/language", data={"locale": "zh_CN", "next": "/portal/seats"},
                       headers=EN)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/portal/seats")
    assert "lang=zh_CN" in resp.headers["Set-Cookie"]
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(
            User.email == tenant.owner_email)) == "zh_CN"
    assert "您的坐席" in client.get("/portal/seats", headers=EN).get_data(as_text=True)
    # an unknown language or an outside address changes nothing
    resp = client.post("/language", data={"locale": "fr", "next": "https://evil.test/"})
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(
            User.email == tenant.owner_email)) == "zh_CN"


def test_signed_out_visitors_choose_by_link_or_switch(client):
    page = client.get("/login?lang=zh_CN").get_data(as_text=True)
    assert "登录" in page and "邮箱" in page and "密码" in page
    assert "登录" in client.get("/login").get_data(as_text=True)  # the cookie remembers
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert "Sign in" in client.get("/login", headers=ZH).get_data(as_text=True)
    fresh = client.application.test_client()
    assert "登录" in fresh.get("/login", headers=ZH).get_data(as_text=True)
    assert "Sign in" in fresh.get("/login", headers={"Accept-Language": "fr"}).get_data(
        as_text=True)


def test_flash_messages_and_errors_speak_the_readers_language(client, factory):
    tenant = factory.tenant()
    resp = client.post("/login?lang=zh_CN", data={"email": tenant.owner_email,
                                                  "password": "wrong-one"})
    assert resp.status_code == 401 and "邮箱或密码错误" in resp.get_data(as_text=True)
    _login(client, tenant.owner_email)
    missing = client.get("/portal/statements/2020-13", headers=ZH)
    assert missing.status_code in (400, 404) and "错误" in missing.get_data(as_text=True)


def test_csv_and_json_stay_machine_format_in_chinese(client, factory, app, clock):
    tenant = factory.tenant(balance="1234.50")
    _login(client, tenant.owner_email)
    period = clock().strftime("%Y-%m")
    csv = client.get(f"/portal/statements/{period}?format=csv", headers=ZH)
    assert csv.status_code == 200
    text = csv.get_data(as_text=True)
    assert "1234.50" in text and "1,234.50" not in text and "余额" not in text
    page = client.get(f"/portal/statements/{period}", headers=ZH).get_data(as_text=True)
    assert "期初余额" in page and "1,234.50" in page


def test_money_is_rounded_for_reading_and_exact_where_it_counts(app):
    from callcenter.web.common.filters import local_time, money

    with app.test_request_context("/", headers=ZH):
        assert money(1_234_567_891_234) == "1,234,567.89"
        assert money(13_000, precise=True) == "0.013"
        assert money(-2_500_000) == "-2.50"
        moment = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
        assert local_time(moment, "Asia/Shanghai") == "2026年3月2日 22:05"
        assert local_time(moment, "Asia/Shanghai", "%Y-%m-%d %H:%M") == "2026-03-02 22:05"
    with app.test_request_context("/", headers=EN):
        assert local_time(datetime(2026, 3, 2, 14, 5, tzinfo=UTC), "UTC") == "2026-03-02 14:05"


def test_mail_goes_out_in_each_owners_language(app, factory, clock):
    tenant = factory.tenant(balance="10.00", name="华东外呼")
    second = factory.user(tenant.id, role="owner")
    _set_locale(app, second, "zh_CN")
    with app.app_context():
        t = db.session.get(Tenant, tenant.id)
        t.low_balance_threshold_micros = 50_000_000
        db.session.commit()
        ledger.post(db.session, tenant.id, kind="adjustment", amount=-1_000_000, key="x",
                    now=clock())
        db.session.commit()
        jobs = db.session.scalars(sa.select(Job).where(Job.kind == "mail")
                                  .order_by(Job.id)).all()
        by_to = {tuple(j.payload["to"]): j.payload for j in jobs}
    assert set(by_to) == {(tenant.owner_email,), (second,)}
    assert by_to[(tenant.owner_email,)]["subject"].startswith("Low balance: 华东外呼")
    chinese = by_to[(second,)]
    assert chinese["subject"].startswith("余额不足提醒：华东外呼")
    assert "已低于您设置的提醒阈值 50.00 USD" in chinese["body"]


def test_mail_texts_take_the_locale_without_flask():
    subject, body = mail_texts.notice(locale="zh_CN", starts="2026-03-10 09:00",
                                      ends="2026-03-10 11:00", timezone="Asia/Shanghai",
                                      services=[], message="数据库升级")
    assert subject == "计划维护通知：2026-03-10 09:00 起"
    assert "受影响的服务：全部" in body and body.endswith("-- callcenter\n")
    subject, _ = mail_texts.notice(locale=None, starts="a", ends="b", timezone="UTC",
                                   services=["calls"], message="m")
    assert subject == "Planned maintenance from a"


def test_page_scripts_get_their_words_in_the_readers_language(client):
    page = client.get("/login", headers=ZH).get_data(as_text=True)
    found = re.search(r'<meta name="js-messages" content="([^"]*)">', page)
    messages = json.loads(html.unescape(found.group(1)))
    assert messages["Choose a CSV file first."] == "请先选择 CSV 文件。"
    assert "i18n.js" in page


def test_the_statement_pdf_speaks_chinese_to_a_chinese_reader(client, factory, clock):
    if cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    tenant = factory.tenant(balance="1234.50")
    _login(client, tenant.owner_email)
    period = clock().strftime("%Y-%m")
    resp = client.get(f"/portal/statements/{period}?format=pdf", headers=ZH)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    mapped = _pdf_text_map(resp.get_data())
    assert all(f"<{ord(ch):04X}>" in mapped for ch in "对账单期初余额汇总")
