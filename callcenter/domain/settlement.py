"""The settlement waterfall: what is left of a closing account, line by line, down to 0.

Everything owed on both sides, in order: the remaining balance; the seat rent credited
back (when the platform ended the service); a negative balance moved to a receivable;
unpaid arrears, oldest first, paid as far as the credit goes (the rest stays owed);
then refunds of what is left: to the cards it came from, newest payment first, each up
to what that payment can still refund; the rest as a bank refund; a remainder below the
currency's minor unit written off. Pure arithmetic on integer micro-units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from callcenter.domain.money import minor_unit_micros


class Debt(NamedTuple):
    """An unpaid arrear: its id, amount in micro-units, and the label its lines name."""

    id: int
    amount: int
    label: str


class CardPayment(NamedTuple):
    """A card payment: its id, what it can still refund, and the label its line names."""

    id: int
    refundable: int
    label: str


@dataclass(frozen=True)
class Line:
    """One planned settlement line; refunds and arrears name what they come from."""

    kind: str
    amount: int
    status: str
    memo: str
    payment_id: int | None = None
    arrear_id: int | None = None


def waterfall(*, currency: str, balance: int, seat_credit: int,
              arrears: Sequence[tuple[int, int, str]],
              payments: Sequence[tuple[int, int, str]]) -> list[Line]:
    """The settlement lines; `arrears` (Debt) oldest first, `payments` (CardPayment)
    newest first."""
    unit = minor_unit_micros(currency)
    lines = [Line("balance", balance, "done", "Remaining balance")]
    if seat_credit:
        lines.append(Line("seat_credit", seat_credit, "done",
                          "Unused seat rent of the current period, credited back"))
    credit = balance + seat_credit
    if credit < 0:
        # An admin adjustment left the balance negative: the tenant owes it; the ledger
        # moves it to this receivable so it can still end at 0.
        lines.append(Line("receivable", -credit, "open", "Negative balance owed"))
        credit = 0
    for arrear_id, owed, label in arrears:
        paid = min(owed, credit)
        if paid > 0:
            lines.append(Line("arrears", paid, "done", f"Arrears paid: {label}",
                              arrear_id=arrear_id))
            credit -= paid
        if paid < owed:
            lines.append(Line("receivable", owed - paid, "open", f"Still owed: {label}",
                              arrear_id=arrear_id))
    for payment_id, refundable, label in payments:
        # Cards refund whole minor units only.
        amount = min(credit // unit * unit, refundable)
        if amount > 0:
            lines.append(Line("card_refund", amount, "pending",
                              f"Refund to card, payment {label}", payment_id=payment_id))
            credit -= amount
    bank = credit // unit * unit
    if bank > 0:
        lines.append(Line("bank_refund", bank, "pending",
                          "Refund by bank transfer to the tenant's account"))
        credit -= bank
    if credit > 0:
        lines.append(Line("write_off", credit, "done",
                          "Below the currency's smallest unit: written off"))
    return lines
