"""Test data built through the real services, so tests start from valid states."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from callcenter.extensions import db
from callcenter.services import auth, tenants, topups
from callcenter.services.access import Actor
from callcenter.web.api.inputs import NEW_TENANT

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@dataclass
class TenantInfo:
    id: int
    owner_id: int
    owner_email: str


class Factory:
    """Creates admins, tenants and tokens and commits them."""

    def __init__(self, app, clock) -> None:
        self.app, self.clock = app, clock
        self._admin_id: int | None = None

    def admin(self, email: str | None = None) -> int:
        with self.app.app_context():
            user = auth.create_user(db.session, email=email or f"admin{next(_seq)}@x.test",
                                    password=PASSWORD, role="admin", tenant_id=None,
                                    now=self.clock())
            db.session.commit()
            return user.id

    def admin_actor(self) -> Actor:
        if self._admin_id is None:
            self._admin_id = self.admin()
        return Actor(user_id=self._admin_id, role="admin", tenant_id=None)

    def tenant(self, *, balance: str | None = None, name: str | None = None,
               currency: str = "USD", timezone: str = "America/New_York",
               rate: str = "0.10", increment: str = "60/60",
               seat_price: str = "30.00") -> TenantInfo:
        n = next(_seq)
        email = f"owner{n}@t{n}.test"
        with self.app.app_context():
            new = NEW_TENANT.parse({
                "name": name or f"Tenant {n}", "currency": currency, "timezone": timezone,
                "owner_email": email, "owner_password": PASSWORD, "rate_per_minute": rate,
                "billing_increment": increment, "seat_price_monthly": seat_price,
            })
            tenant = tenants.create_tenant(db.session, self.admin_actor(), new,
                                           now=self.clock())
            owner_id = auth.normalize_email(email)
            if balance is not None:
                from callcenter.domain.money import parse_amount

                topups.record_bank_transfer(db.session, self.admin_actor(), tenant,
                                            parse_amount(balance), f"seed-{n}",
                                            now=self.clock())
            db.session.commit()
            from callcenter.models import User

            owner = db.session.query(User).filter_by(email=owner_id).one()
            return TenantInfo(tenant.id, owner.id, email)

    def user(self, tenant_id: int, role: str = "agent") -> str:
        n = next(_seq)
        email = f"{role}{n}@x.test"
        with self.app.app_context():
            auth.create_user(db.session, email=email, password=PASSWORD, role=role,
                             tenant_id=tenant_id, now=self.clock())
            db.session.commit()
        return email

    def token(self, email: str) -> str:
        from callcenter.models import User

        with self.app.app_context():
            user = db.session.query(User).filter_by(email=email).one()
            token = auth.issue_token(db.session, user, now=self.clock())
            db.session.commit()
            return token

    def admin_token(self) -> str:
        from callcenter.models import User

        self.admin_actor()
        with self.app.app_context():
            email = db.session.get(User, self._admin_id).email
        return self.token(email)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
