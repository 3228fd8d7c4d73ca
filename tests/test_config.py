"""Configuration: production refuses to start without its secrets."""

from __future__ import annotations

import pytest

from callcenter import create_app


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.setenv("CALLCENTER_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_its_settings(monkeypatch):
    monkeypatch.setenv("CALLCENTER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "x" * 40


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("CALLCENTER_ENV", "staging-ish")
    with pytest.raises(RuntimeError, match="CALLCENTER_ENV"):
        create_app()


def test_pool_size_comes_from_the_environment(monkeypatch):
    from config import engine_options

    monkeypatch.delenv("DB_POOL_SIZE", raising=False)
    monkeypatch.delenv("DB_MAX_OVERFLOW", raising=False)
    assert engine_options() == {"pool_pre_ping": True}
    monkeypatch.setenv("DB_POOL_SIZE", "4")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    assert engine_options() == {"pool_pre_ping": True, "pool_size": 4, "max_overflow": 0}
