"""Signatures and opt-out lines on the wire; opt-out replies recognised in their variants."""

from __future__ import annotations

import pytest

from callcenter.domain.sms_text import (
    MARKETING,
    OPT_IN,
    OPT_OUT,
    TRANSACTIONAL,
    Wording,
    classify_reply,
    compose,
)

ACME = Wording(signature="Acme")


def test_china_marketing_gets_the_signature_first_and_the_chinese_opt_out_last():
    assert compose("新品上市", "+8613800138000", MARKETING, ACME) == "【Acme】新品上市 拒收请回复R"


def test_china_transactional_gets_the_signature_only():
    assert compose("您的验证码是1234", "+8613800138000", TRANSACTIONAL, ACME) == \
        "【Acme】您的验证码是1234"


def test_other_marketing_ends_with_reply_stop():
    assert compose("Sale today", "+14155550123", MARKETING, ACME) == \
        "Sale today Reply STOP to opt out"
    assert compose("Your code is 1234", "+14155550123", TRANSACTIONAL, ACME) == \
        "Your code is 1234"


def test_texts_are_configurable_and_never_doubled():
    own = Wording(signature="【艾克米】", opt_out="Text STOP to end", opt_out_cn="回T退订")
    assert compose("【艾克米】新品 回T退订", "+8613800138000", MARKETING, own) == \
        "【艾克米】新品 回T退订"
    assert compose("Sale", "+447700900123", MARKETING, own) == "Sale Text STOP to end"


@pytest.mark.parametrize("reply", [
    "STOP", "stop", "Stop.", "  STOP!! ", "ＳＴＯＰ", "ｓｔｏｐ", "STOP please", "please stop",
    "Stop all", "STOPALL", "unsubscribe", "End", "QUIT", "cancel", "OPTOUT", "opt-out",
    "Opt out please", "revoke", "T", "t", "TD", "td。", "R", "Ｒ", "退订", "退订。", "我要退订",
    "拒收", "拒收！", "【退订】", "S.T.O.P", "stop\u200b",
])
def test_opt_out_variants_are_recognised(reply):
    assert classify_reply(reply) == OPT_OUT


@pytest.mark.parametrize("reply", [
    "", "ok", "thanks", "r u there?", "tomorrow", "stopwatch for sale?", "yes", "好的",
    "The trend is clear", "Send me the details", "what time?",
])
def test_other_replies_are_not_opt_outs(reply):
    assert classify_reply(reply) is None


@pytest.mark.parametrize("reply", ["START", "start", "Unstop", "ＳＴＡＲＴ please"])
def test_start_and_unstop_are_opt_ins(reply):
    assert classify_reply(reply) == OPT_IN
