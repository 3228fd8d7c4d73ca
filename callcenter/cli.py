"""`flask --app wsgi ...` commands: thin wrappers over services, one commit each."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from callcenter.domain.clock import system_clock
from callcenter.domain.errors import DomainError
from callcenter.extensions import db
from callcenter.models import User

users_cli = AppGroup("users", help="Manage platform users.")


def _now():
    return (current_app.config.get("CLOCK") or system_clock)()


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, password: str) -> None:
    """Create a platform admin."""
    from callcenter.services.auth import create_user

    try:
        user = create_user(db.session, email=email, password=password, role="admin",
                           tenant_id=None, now=_now())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"admin {user.email} created (id {user.id})")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
def demo(if_empty: bool) -> None:
    """Seed a demo admin and a demo tenant with history; print how to sign in."""
    from callcenter.services.demo import seed

    creds_file = Path(current_app.instance_path) / "demo-credentials.txt"
    if db.session.scalar(sa.select(sa.func.count(User.id))):
        if not if_empty:
            raise click.ClickException("the database already has users")
        if creds_file.exists():
            click.echo(creds_file.read_text())
        return
    admin_pw, owner_pw = secrets.token_urlsafe(9), secrets.token_urlsafe(9)
    result = seed(db.session, admin_password=admin_pw, owner_password=owner_pw, now=_now())
    db.session.commit()
    text = (f"Demo admin:  {result.admin_email} / {admin_pw}\n"
            f"Demo tenant: {result.owner_email} / {owner_pw} ({result.tenant_name})\n")
    creds_file.parent.mkdir(parents=True, exist_ok=True)
    creds_file.write_text(text)
    os.chmod(creds_file, 0o600)
    click.echo(text)


billing_cli = AppGroup("billing", help="Seat rental billing.")


@billing_cli.command("run")
@click.option("--as-of", "as_of", default=None,
              help="ISO 8601 moment to bill up to (default: now).")
def billing_run(as_of: str | None) -> None:
    """Renew seats in advance, record arrears, suspend after grace, charge late fees."""
    from callcenter.services import billing
    from callcenter.web.api.seats import parse_as_of

    try:
        moment = parse_as_of(as_of)
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--as-of") from exc
    now = _now()
    report = billing.run(db.session, as_of=moment or now, now=now,
                         commit=db.session.commit, rollback=db.session.rollback)
    from callcenter.services import erasure
    from callcenter.web.api.serialize import run_report

    # Erasure is irreversible: it goes by the real clock, never by --as-of.
    erased = erasure.run_due(db.session, now=now,
                             retention_days=current_app.config["ERASURE_RETENTION_DAYS"],
                             secret=current_app.config["SECRET_KEY"],
                             commit=db.session.commit, rollback=db.session.rollback)
    sent = _send_unsent_refunds(now)
    click.echo(json.dumps({**run_report(report), "erasure": erased, "refunds_sent": sent},
                          indent=2))
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} tenant(s) failed: {report.failed}")
    if erased["failed"]:
        raise click.ClickException(f"erasure failed for tenant(s) {erased['failed']}")


def _send_unsent_refunds(now) -> int:
    """Card refunds recorded but never sent (Stripe was down, or a crash): send them."""
    from callcenter.services import termination
    from callcenter.web.stripe_context import EXTENSION

    gateway = current_app.extensions.get(EXTENSION)
    if gateway is None:
        return 0
    sent = 0
    for tenant_id in termination.tenants_with_unsent_refunds(db.session):
        sent += len(termination.send_refunds(db.session, gateway, tenant_id, now=now,
                                             commit=db.session.commit))
    return sent


calls_cli = AppGroup("calls", help="Calls and their holds.")


@calls_cli.command("reconcile")
def calls_reconcile() -> None:
    """Settle holds whose completion report never came; list what needs an admin."""
    from callcenter.services.reconcile import reconcile_holds
    from callcenter.web.providers import twilio_lookup

    report = reconcile_holds(db.session, now=_now(), lookup=twilio_lookup())
    db.session.commit()
    click.echo(json.dumps({"settled": report.settled, "left_open": report.left_open}))
    if report.left_open:
        click.echo(f"{len(report.left_open)} call(s) need an admin decision: "
                   "see /admin/calls?status=authorized", err=True)


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    app.cli.add_command(users_cli)
    app.cli.add_command(billing_cli)
    app.cli.add_command(calls_cli)
    app.cli.add_command(demo)
