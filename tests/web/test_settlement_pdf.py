"""The settlement PDF prints a Chinese tenant name with the CJK font (never '?') and the
platform's bank details when configured."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from callcenter.web.common.fonts import cjk_font
from callcenter.web.common.pdf import build

NAME = "上海海纳通信有限公司"


def _settlement(name: str):
    tenant = SimpleNamespace(id=7, name=name, account_code="T000007")
    term = SimpleNamespace(reason="tenant_request", currency="CNY",
                           settled_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
                           balance_micros=120_500_000, seat_credit_micros=0,
                           arrears_micros=0)
    line = SimpleNamespace(kind="bank_refund", amount_micros=120_500_000, status="pending",
                           memo="退款到银行账户", bank_reference=None, failure_message=None)
    return tenant, term, [line]


def _need_font():
    if cjk_font() is None:
        if os.environ.get("CI"):
            pytest.fail("no CJK font: .ci/run installs fonts-wqy-microhei")
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")


def test_settlement_pdf_prints_a_chinese_name_and_memo_with_the_cjk_font():
    _need_font()
    data = build(*_settlement(NAME))
    assert b"FontFile2" in data  # the TrueType font is embedded
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert NAME in text and "退款到银行账户" in text
    assert "??" not in text


def test_settlement_pdf_shows_the_platform_bank_account():
    _need_font()
    bank = {"name": "招商银行 Shanghai Branch", "holder": "Callcenter Platform Ltd",
            "account": "6222 0210 0101 2345", "swift": "CMBCCNBS"}
    text = PdfReader(io.BytesIO(build(*_settlement("Acme"), bank))).pages[0].extract_text()
    for value in bank.values():
        assert value in text
    assert "T000007" in text
    plain = PdfReader(io.BytesIO(build(*_settlement("Acme")))).pages[0].extract_text()
    assert "account code T000007" in plain
