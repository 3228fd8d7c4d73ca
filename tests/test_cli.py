"""Operator commands: creating an admin, and the demo seed."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, Seat, Tenant, User


def test_create_admin_then_sign_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "Ops@Example.com",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0 and "admin ops@example.com created" in result.output
    again = runner.invoke(args=["users", "create-admin", "ops@example.com",
                                "--password", "a-long-password"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create-admin", "x@example.com", "--password", "x"])
    assert short.exit_code != 0
    resp = client.post("/api/v1/auth/tokens",
                       json={"email": "ops@example.com", "password": "a-long-password"})
    assert resp.status_code == 201 and resp.get_json()["role"] == "admin"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_demo_seeds_once(app, tmp_path):
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "Demo admin:" in result.output
    assert (tmp_path / "demo-credentials.txt").read_text() in result.output
    with app.app_context():
        tenant = db.session.scalars(sa.select(Tenant)).one()
        assert tenant.status == "active" and tenant.balance_micros > 0
        assert db.session.scalar(sa.select(sa.func.count(Seat.id))) == 4
        assert db.session.scalar(sa.select(sa.func.count(Call.id))) == 6
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "Demo admin:" in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tenant.id))) == 1
    assert runner.invoke(args=["demo"]).exit_code != 0


def test_screening_report_shows_the_held_out_set_apart_with_its_first_passes(app):
    result = app.test_cli_runner().invoke(args=["screening", "report", "--repeat", "0",
                                                "--check"])
    assert result.exit_code == 0, result.output
    corpus, _, held = result.output.partition("Held-out set:")
    assert "overall" in corpus and "Misses (0)" in corpus
    assert "batch ho1: first measured with lexicon v2, concepts v1, rules v1" in held
    assert "first pass" in held and "Held-out misses (0)" in held
    assert "Time to screen a 2000-character script" not in corpus  # --repeat 0
    held, _, classifier = held.partition("Classifier (holds for review what no rule names):")
    assert "first pass with lexicon v3, concepts v3, rules v3 + classifier v1 trained" in held
    assert "5-fold cross-validation (thresholds" in classifier
    assert "batch ho3 left out (threshold" in classifier
    assert "rules alone" in classifier and "rules + classifier" in classifier


def test_screening_report_can_skip_the_classifier_figures_and_build_the_model(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["screening", "report", "--repeat", "0", "--folds", "0"])
    assert result.exit_code == 0 and "Classifier (" not in result.output
    out = tmp_path / "model.json"
    built = runner.invoke(args=["screening", "build-model", "--out", str(out)])
    assert built.exit_code == 0 and "holds at score" in built.output
    shipped = Path(app.root_path) / "domain" / "data" / "classifier.json"
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
