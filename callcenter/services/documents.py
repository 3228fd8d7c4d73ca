"""What every billing document shares: gap-free numbers and the parties' legal details.

Numbers: one counter row per issuing entity, series and year, bumped with a single
`UPDATE ... RETURNING` in the transaction that writes the document. The row lock makes
concurrent issuers wait for each other's commit; a rollback takes the number back with
the document, so the series has no gaps and no duplicates. The counter is taken last,
just before the document row is written, so the lock is held only for the end of the
transaction (always after the tenant row's lock: no lock-order cycle).

The issuer (the platform) is configured once per process from PLATFORM_LEGAL_NAME,
PLATFORM_TAX_ID and PLATFORM_ADDRESS (`configure`, called by the app factory).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.invoicing import document_number
from callcenter.models import DocumentCounter, Tenant

ISSUER_CODE = "platform"  # one issuing entity today; the counter is keyed by it


@dataclass(frozen=True)
class Party:
    """A seller's or buyer's legal details as printed on a document."""

    name: str
    tax_id: str
    address: str


_issuer = Party(name="", tax_id="", address="")


def configure(*, legal_name: str | None, tax_id: str | None, address: str | None) -> None:
    """Set the platform's legal details (the seller on every document)."""
    global _issuer
    _issuer = Party(name=legal_name or "", tax_id=tax_id or "", address=address or "")


def seller() -> dict:
    """The platform's details, as snapshotted on a document."""
    return asdict(_issuer)


def buyer(tenant: Tenant) -> dict:
    """The tenant's details (its legal name, else its display name), as snapshotted."""
    return asdict(Party(name=tenant.legal_name or tenant.name, tax_id=tenant.tax_id or "",
                        address=tenant.address or ""))


def _bump(session: Session, series: str, year: int) -> int | None:
    return session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.issuer == ISSUER_CODE, DocumentCounter.series == series,
               DocumentCounter.year == year)
        .values(last_number=DocumentCounter.last_number + 1)
        .returning(DocumentCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar()


def next_number(session: Session, series: str, now: datetime) -> str:
    """The next number of `series` for the year of `now` (UTC), e.g. INV-2026-000042."""
    year = now.astimezone(UTC).year
    number = _bump(session, series, year)
    if number is None:
        try:
            with session.begin_nested():
                session.add(DocumentCounter(issuer=ISSUER_CODE, series=series, year=year,
                                            last_number=1))
                session.flush()
            number = 1
        except IntegrityError:
            # Another transaction created this year's counter first: use it.
            number = _bump(session, series, year)
    return document_number(series, year, number)
