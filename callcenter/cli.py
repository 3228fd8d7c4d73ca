"""`flask --app wsgi ...` commands: thin wrappers over services, one commit each."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

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
@with_appcontext
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
    """Renew seats, dunning, auto-termination, retention erasure, unsent card refunds."""
    from callcenter.domain.clock import parse_as_of
    from callcenter.integrations.stripe_gateway import EXTENSION
    from callcenter.services import billing_job
    from callcenter.services.access import SYSTEM
    from callcenter.services.billing_job import report_json
    from callcenter.services.uow import UnitOfWork

    try:
        moment = parse_as_of(as_of)
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--as-of") from exc
    now = _now()
    cfg = current_app.config
    try:
        report = billing_job.run(UnitOfWork(db.session), SYSTEM, as_of=moment or now, now=now,
                                 retention_days=cfg["ERASURE_RETENTION_DAYS"],
                                 secret=cfg["SECRET_KEY"],
                                 gateway=current_app.extensions.get(EXTENSION))
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--as-of") from exc
    click.echo(json.dumps(report_json(report), indent=2))
    if report.failed:
        raise click.ClickException("some tenants failed: see failed and erasure.failed")


calls_cli = AppGroup("calls", help="Calls and their holds.")


@calls_cli.command("reconcile")
def calls_reconcile() -> None:
    """Settle holds whose completion report never came; list what needs an admin."""
    from callcenter.integrations.twilio_voice import calls_from_config
    from callcenter.services.reconcile import reconcile_holds

    report = reconcile_holds(db.session, now=_now(), lookup=calls_from_config(current_app.config))
    db.session.commit()
    click.echo(json.dumps({"settled": report.settled, "left_open": report.left_open}))
    if report.left_open:
        click.echo(f"{len(report.left_open)} call(s) need an admin decision: "
                   "see /admin/calls/open", err=True)


jobs_cli = AppGroup("jobs", help="Background jobs (mail, SMS, deliveries).")


@jobs_cli.command("run")
@click.option("--limit", default=1000, show_default=True, help="Most jobs to run.")
def jobs_run(limit: int) -> None:
    """Run the due background jobs once (app servers also run them by themselves)."""
    from callcenter.worker import run_pass

    click.echo(json.dumps(run_pass(current_app._get_current_object(), limit=limit)))


@jobs_cli.command("status")
def jobs_status() -> None:
    """Count jobs by status and list the ones that need an admin; exit 1 if any."""
    from callcenter.services import background

    click.echo(json.dumps(background.summary(db.session)))
    stuck = background.stuck(db.session, now=_now())
    for job in stuck:
        click.echo(f"job {job.id} {job.kind} {job.status} after {job.attempts} attempt(s): "
                   f"{job.last_error or '-'}")
    if stuck:
        raise click.ClickException(f"{len(stuck)} job(s) need attention")


ledger_cli = AppGroup("ledger", help="The money ledger.")


@ledger_cli.command("verify")
def ledger_verify() -> None:
    """Check every tenant's cached balance and holds against the ledger; exit 1 on a
    mismatch."""
    from callcenter.services import ledger_audit

    mismatches = ledger_audit.verify(db.session)
    db.session.rollback()
    for m in mismatches:
        click.echo(f"tenant {m.tenant_id}: {m.check}: {m.detail}")
    checked = ledger_audit.tenants_checked(db.session)
    if mismatches:
        raise click.ClickException(f"{len(mismatches)} mismatch(es) in {checked} tenant(s)")
    click.echo(f"ledger verified: {checked} tenant(s), no mismatch")


screening_cli = AppGroup("screening", help="Content screening of scripts and SMS.")


@screening_cli.command("report")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSONL corpus (default: tests/data/screening/corpus.jsonl).")
@click.option("--holdout", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Held-out JSONL set reported apart, with each batch's recorded first pass "
                   "(default: tests/data/screening/holdout.jsonl, when present).")
@click.option("--with-admin-rules", is_flag=True,
              help="Also apply the terms, concepts and rules admins added in the database.")
@click.option("--repeat", default=300, show_default=True,
              help="Scans of a 2,000-character script to time.")
@click.option("--folds", default=5, show_default=True,
              help="Cross-validate the classifier on corpus + held-out set in this many folds, "
                   "and train without each held-out batch to screen it (0: skip).")
@click.option("--check", is_flag=True,
              help="Exit non-zero unless recall >= 98% and false alarms <= 2% in every language, "
                   "on the corpus and on the held-out set.")
def screening_report(corpus: Path | None, holdout: Path | None, with_admin_rules: bool,
                     repeat: int, folds: int, check: bool) -> None:
    """Recall and false alarms per category and language on the labelled corpus, every miss
    and false alarm, the time to screen a 2,000-character script, the same figures on
    the held-out set beside each batch's first pass, and how the classifier does on
    scripts it was not trained on (k-fold cross-validation, each batch left out)."""
    from callcenter.domain import screening_eval as ev
    from callcenter.domain.screening import Screener
    from callcenter.services.screening import screener

    data = Path(current_app.root_path).parent / "tests/data/screening"
    path = corpus or data / "corpus.jsonl"
    held = holdout or data / "holdout.jsonl"
    chosen = screener(db.session) if with_admin_rules else Screener.default()
    samples = ev.load_corpus(path)
    result = ev.evaluate(chosen, samples)
    timing = None
    if repeat > 0:  # wall time, then the CPU time of the scan alone (a busy machine pre-empts)
        texts = ev.timing_texts(samples)
        timing = {name: ev.time_scan(chosen, text, repeat) for name, text in texts.items()}
        timing |= {f"{name}, CPU time": ev.time_scan(chosen, text, repeat, timer=time.thread_time)
                   for name, text in texts.items()}
    click.echo(ev.format_report(result, version=chosen.version, corpus=str(path), timing=timing))
    results = [result]
    first = ev.load_first_pass(ev.first_pass_path(held))
    if held.exists() and held.resolve() == path.resolve():
        click.echo("\n" + ev.format_batches(ev.evaluate_batches(chosen, samples), first))
    elif held.exists():
        held_samples = ev.load_corpus(held)
        results.append(ev.evaluate(chosen, held_samples))
        click.echo("\n" + ev.format_holdout(results[-1], ev.evaluate_batches(chosen, held_samples),
                                            first, corpus=str(held)))
    elif holdout is not None:
        raise click.ClickException(f"no held-out set at {held}")
    if held.exists() and held.resolve() != path.resolve() and folds > 1:
        held_samples = ev.load_corpus(held)
        cv = ev.cross_validate(chosen, samples + held_samples, folds)
        click.echo("\n" + ev.format_generalization(
            chosen.model, cv, ev.leave_batch_out(chosen, samples, held_samples)))
    if check and not all(ev.meets_targets(r) for r in results):
        raise click.ClickException("below target: recall >= 98% and false alarms <= 2% "
                                   "in each language")


@screening_cli.command("build-model")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (default: callcenter/domain/data/classifier.json).")
def screening_build_model(out: Path | None) -> None:
    """Train the screening classifier on the labelled scripts (corpus and held-out set) and
    write it; the same scripts always give the same file."""
    from callcenter.domain import screening_eval as ev

    root = Path(current_app.root_path)
    target = out or root / "domain/data/classifier.json"
    model = ev.build_model(root.parent / "tests/data/screening")
    target.write_text(model.to_json(), encoding="utf-8")
    click.echo(f"{target}: {len(model.weights)} n-grams, holds at score {model.threshold:g}, "
               f"trained on {model.trained_on}")


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    app.cli.add_command(users_cli)
    app.cli.add_command(billing_cli)
    app.cli.add_command(calls_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(screening_cli)
    app.cli.add_command(demo)
