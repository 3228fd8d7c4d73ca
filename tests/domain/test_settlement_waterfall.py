"""The settlement waterfall: one row per situation, lines worked out by hand."""

from __future__ import annotations

import pytest

from callcenter.domain.money import parse_amount
from callcenter.domain.settlement import CardPayment, Debt, Line, waterfall


def m(amount: str) -> int:
    """Micro-units of a decimal string; a leading "-" for negative amounts."""
    if amount.startswith("-"):
        return -parse_amount(amount[1:])
    return parse_amount(amount, allow_zero=True)


# (id, refundable, intent) newest first; (id, amount, label) oldest first.
CARDS_3 = [CardPayment(3, m("30"), "pi_3"), CardPayment(2, m("50"), "pi_2"),
           CardPayment(1, m("40"), "pi_1")]

# Each row: currency, balance, seat credit, arrears, cards, then the expected lines as
# (kind, amount, what it refers to: a payment or arrear id, or None).
CASES = {
    "zero balance: nothing to move": (
        "USD", "0", "0", [], [],
        [("balance", "0", None)]),
    "no cards: a bank refund, the sub-cent rest written off": (
        "USD", "10.005", "0", [], [],
        [("balance", "10.005", None), ("bank_refund", "10.00", None),
         ("write_off", "0.005", None)]),
    "cards newest first, each up to its refundable amount": (
        "USD", "100", "0", [], CARDS_3,
        [("balance", "100", None), ("card_refund", "30", 3), ("card_refund", "50", 2),
         ("card_refund", "20", 1)]),
    "cards cannot take it all: the rest by bank": (
        "USD", "100", "0", [], [CardPayment(7, m("30"), "pi_7")],
        [("balance", "100", None), ("card_refund", "30", 7), ("bank_refund", "70", None)]),
    "a spent card is skipped": (
        "USD", "25", "0", [], [CardPayment(9, 0, "pi_9"), CardPayment(8, m("40"), "pi_8")],
        [("balance", "25", None), ("card_refund", "25", 8)]),
    "cards refund whole cents; below a cent is written off": (
        "USD", "50.123456", "0", [], [CardPayment(1, m("100"), "pi_1")],
        [("balance", "50.123456", None), ("card_refund", "50.12", 1),
         ("write_off", "0.003456", None)]),
    "less than a cent left: only a write-off": (
        "USD", "0.009999", "0", [], [CardPayment(1, m("100"), "pi_1")],
        [("balance", "0.009999", None), ("write_off", "0.009999", None)]),
    "seat credit is refunded with the balance": (
        "USD", "10", "20", [], [],
        [("balance", "10", None), ("seat_credit", "20", None), ("bank_refund", "30", None)]),
    "negative balance: a receivable, nothing refunded": (
        "USD", "-5", "0", [], CARDS_3,
        [("balance", "-5", None), ("receivable", "5", None)]),
    "negative balance with arrears: both stay owed": (
        "USD", "-5", "0", [Debt(4, m("10"), "March rent")], [],
        [("balance", "-5", None), ("receivable", "5", None), ("receivable", "10", 4)]),
    "seat credit covers a negative balance": (
        "USD", "-5", "8", [], [],
        [("balance", "-5", None), ("seat_credit", "8", None), ("bank_refund", "3", None)]),
    "arrears paid oldest first, the rest stays owed": (
        "USD", "15", "0", [Debt(1, m("10"), "March rent"), Debt(2, m("10"), "late fee")],
        CARDS_3,
        [("balance", "15", None), ("arrears", "10", 1), ("arrears", "5", 2),
         ("receivable", "5", 2)]),
    "arrears paid in full, then refunds": (
        "USD", "100", "0", [Debt(1, m("60"), "March rent")], CARDS_3,
        [("balance", "100", None), ("arrears", "60", 1), ("card_refund", "30", 3),
         ("card_refund", "10", 2)]),
    "seat credit pays arrears": (
        "USD", "0", "12.5", [Debt(1, m("10"), "March rent")], [],
        [("balance", "0", None), ("seat_credit", "12.5", None), ("arrears", "10", 1),
         ("bank_refund", "2.50", None)]),
    "JPY has no minor unit: whole yen refunded, half a yen written off": (
        "JPY", "1234.5", "0", [], [CardPayment(1, m("1000"), "pi_1")],
        [("balance", "1234.5", None), ("card_refund", "1000", 1),
         ("bank_refund", "234", None), ("write_off", "0.5", None)]),
    "KWD has three decimals": (
        "KWD", "1.2345", "0", [], [],
        [("balance", "1.2345", None), ("bank_refund", "1.234", None),
         ("write_off", "0.0005", None)]),
}


def _shape(line: Line) -> tuple[str, int, int | None]:
    return line.kind, line.amount, line.payment_id or line.arrear_id


@pytest.mark.parametrize("case", CASES)
def test_waterfall(case):
    currency, balance, seat_credit, debts, cards, expected = CASES[case]
    lines = waterfall(currency=currency, balance=m(balance), seat_credit=m(seat_credit),
                      arrears=debts, payments=cards)
    assert [_shape(line) for line in lines] == [(k, m(a), ref) for k, a, ref in expected]


@pytest.mark.parametrize("case", CASES)
def test_the_lines_bring_the_ledger_to_zero(case):
    currency, balance, seat_credit, debts, cards, _ = CASES[case]
    lines = waterfall(currency=currency, balance=m(balance), seat_credit=m(seat_credit),
                      arrears=debts, payments=cards)
    # Money in: balance, seat credit, a negative balance moved to a receivable. Out: the
    # arrears paid, the refunds and the write-off. Receivables for arrears are not booked.
    booked_in = sum(x.amount for x in lines if x.kind in ("balance", "seat_credit")
                    or (x.kind == "receivable" and x.arrear_id is None))
    booked_out = sum(x.amount for x in lines
                     if x.kind in ("arrears", "card_refund", "bank_refund", "write_off"))
    assert booked_in - booked_out == 0
    assert all(x.amount >= 0 for x in lines if x.kind != "balance")


def test_statuses_and_memos_name_what_each_line_is():
    lines = waterfall(currency="USD", balance=m("20.001"), seat_credit=m("1"),
                      arrears=[Debt(1, m("5"), "March rent"), Debt(2, m("10"), "late fee")],
                      payments=[CardPayment(3, m("5"), "pi_3")])
    assert [(x.kind, x.status, x.memo) for x in lines] == [
        ("balance", "done", "Remaining balance"),
        ("seat_credit", "done", "Unused seat rent of the current period, credited back"),
        ("arrears", "done", "Arrears paid: March rent"),
        ("arrears", "done", "Arrears paid: late fee"),
        ("card_refund", "pending", "Refund to card, payment pi_3"),
        ("bank_refund", "pending", "Refund by bank transfer to the tenant's account"),
        ("write_off", "done", "Below the currency's smallest unit: written off"),
    ]
    owed = waterfall(currency="USD", balance=m("-1"), seat_credit=0,
                     arrears=[Debt(2, m("30"), "late fee")], payments=[])
    assert [(x.kind, x.status, x.memo) for x in owed][1:] == [
        ("receivable", "open", "Negative balance owed"),
        ("receivable", "open", "Still owed: late fee"),
    ]


def test_plain_tuples_are_accepted():
    lines = waterfall(currency="EUR", balance=m("7"), seat_credit=0,
                      arrears=[(1, m("2"), "rent")], payments=[(5, m("10"), "pi_5")])
    assert [_shape(x) for x in lines] == [("balance", m("7"), None), ("arrears", m("2"), 1),
                                          ("card_refund", m("5"), 5)]
