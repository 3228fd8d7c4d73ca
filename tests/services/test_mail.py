"""The mail outbox against a local SMTP server: sent after commit, retried when the
server refuses, kept (not sent) without SMTP settings."""

from __future__ import annotations

import pytest

from callcenter.extensions import db
from callcenter.models import Job
from callcenter.services import mail


@pytest.fixture
def app_config(smtp):
    return smtp.settings


def _queue_one(app, clock, to: str = "someone@t.test") -> int:
    from callcenter.services.uow import UnitOfWork

    with app.app_context():
        uow = UnitOfWork(db.session)
        job = mail.queue(uow, to=[to], subject="Hello 你好", body="统一 text\n", topic="test",
                         now=clock())
        uow.commit()
        return job.id


def test_a_mail_that_fails_to_send_is_retried_and_sent_once(app, clock, smtp, run_jobs):
    smtp.refuse = 1
    job_id = _queue_one(app, clock)
    assert run_jobs() == {"done": 0, "retry": 1, "dead": 0}
    assert smtp.messages == [] and smtp.refused == 1
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert "451" in job.last_error and mail.delivery(job)["status"] == "retrying"
    assert run_jobs()["done"] == 0  # not before its backoff
    clock.advance(seconds=30)
    assert run_jobs() == {"done": 1, "retry": 0, "dead": 0}
    clock.advance(hours=1)
    assert run_jobs()["done"] == 0
    assert len(smtp.messages) == 1
    sent = smtp.messages[0]
    assert sent["Subject"] == "Hello 你好" and smtp.body(sent) == "统一 text\n"
    assert sent["Message-ID"] == f"<mail-{job_id}@cc.test>"


def test_without_smtp_settings_mail_stays_in_the_outbox(app, clock, smtp, run_jobs):
    app.config["SMTP_HOST"] = None
    job_id = _queue_one(app, clock)
    for _ in range(8):
        run_jobs()
        clock.advance(hours=6)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "dead" and job.last_error == mail.NOT_CONFIGURED
        assert job.payload["to"] == ["someone@t.test"]
    assert smtp.messages == []
