"""Configuration classes; values come from the environment (see CONTRACT.md)."""

from __future__ import annotations

import os
import secrets


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def engine_options() -> dict:
    """SQLAlchemy engine options; DB_POOL_SIZE / DB_MAX_OVERFLOW size the pool per process.

    Unset, SQLAlchemy's defaults apply (5 + 10 overflow). A sync gunicorn worker needs
    one connection; a gthread worker up to one per thread.
    """
    options: dict = {"pool_pre_ping": True}
    for name, key in (("DB_POOL_SIZE", "pool_size"), ("DB_MAX_OVERFLOW", "max_overflow")):
        if os.environ.get(name):
            options[key] = _env_int(name, 0)
    return options


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: instance SQLite
    SQLALCHEMY_ENGINE_OPTIONS: dict = engine_options()
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")
    # Twilio's REST API base (unset: Twilio's own hosts), for messages and call look-ups.
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE")
    # The platform's SMS sender (number or Messaging Service SID) for tenants without
    # their own; unset, with no tenant sender either, SMS sending is disabled.
    TWILIO_SMS_FROM = os.environ.get("TWILIO_SMS_FROM")
    # Messages per second each sender sends, across every app server.
    SMS_MESSAGES_PER_SECOND = float(os.environ.get("SMS_MESSAGES_PER_SECOND") or 10)
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    # Stripe.js for the top-up page (a local stand-in can serve it in tests).
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    # Card top-up limits, decimal strings in the tenant's currency.
    TOPUP_MIN = os.environ.get("TOPUP_MIN", "10.00")
    TOPUP_MAX = os.environ.get("TOPUP_MAX", "10000.00")
    # Manual credits (bank transfers an admin records) above this are refused: a typo's
    # extra zeros never reach a balance. Decimal string in the tenant's currency.
    MAX_MANUAL_TOPUP = os.environ.get("MAX_MANUAL_TOPUP", "100000.00")
    # The platform's bank account, shown wherever a tenant is told to pay by transfer.
    PLATFORM_BANK_NAME = os.environ.get("PLATFORM_BANK_NAME")
    PLATFORM_BANK_ACCOUNT = os.environ.get("PLATFORM_BANK_ACCOUNT")
    PLATFORM_BANK_HOLDER = os.environ.get("PLATFORM_BANK_HOLDER")
    PLATFORM_BANK_SWIFT = os.environ.get("PLATFORM_BANK_SWIFT")
    # Days a terminated tenant's data is kept (for export) before `billing run` erases it.
    ERASURE_RETENTION_DAYS = _env_int("ERASURE_RETENTION_DAYS", 30)
    CDR_WEBHOOK_SECRET = os.environ.get("CDR_WEBHOOK_SECRET")
    MAX_CALL_SECONDS = _env_int("MAX_CALL_SECONDS", 3600)
    # Status callbacks a threaded worker receives together share one transaction on
    # PostgreSQL (services/group_commit.py); "off" settles each in its own.
    GROUP_COMMIT = os.environ.get("GROUP_COMMIT", "on").strip().lower() not in ("off", "0",
                                                                              "false", "no")
    GROUP_COMMIT_MAX = _env_int("GROUP_COMMIT_MAX", 64)
    # Calling hours: the platform's hard cap (JSON weekly schedule; tenants only narrow
    # it), and what to do with numbers whose timezone is unknown or too spread out.
    CALLING_HOURS_CAP = os.environ.get("CALLING_HOURS_CAP")  # unset: 08:00-21:00 daily
    CALLING_HOURS_UNKNOWN_ZONE = os.environ.get("CALLING_HOURS_UNKNOWN_ZONE", "tenant_timezone")
    CALLING_HOURS_MAX_ZONES = _env_int("CALLING_HOURS_MAX_ZONES", 5)

    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (only
    # theirs): behind one load balancer, 1. With 0 the headers are ignored, so a client
    # cannot choose the address the sign-in throttle counts against.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    # Larger request bodies are refused with 413 before they are read (Flask checks the
    # declared length, and stops reading a chunked body at the limit).
    MAX_CONTENT_LENGTH = _env_int("MAX_REQUEST_BYTES", 1024 * 1024)
    HSTS_SECONDS = 0  # Strict-Transport-Security: production only (TLS at the balancer)
    # Outgoing mail (alerts, notices, statements). Without SMTP_HOST mail is recorded in
    # the outbox and shown to admins, not sent.
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = _env_int("SMTP_PORT", 0) or None  # None: 587 with STARTTLS, else 25
    SMTP_USER = os.environ.get("SMTP_USER")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "1") != "0"
    MAIL_FROM = os.environ.get("MAIL_FROM")
    # The platform's legal details, printed as the seller on every invoice and credit
    # note (snapshotted at issue time). Unset: blank on the documents.
    PLATFORM_LEGAL_NAME = os.environ.get("PLATFORM_LEGAL_NAME")
    PLATFORM_TAX_ID = os.environ.get("PLATFORM_TAX_ID")
    PLATFORM_ADDRESS = os.environ.get("PLATFORM_ADDRESS")
    # Least advance notice of maintenance without an explicit (audited) override.
    MIN_NOTICE_HOURS = _env_int("MIN_NOTICE_HOURS", 24)
    # Least notice of a price raise without the tenant's recorded consent.
    PRICE_NOTICE_DAYS = _env_int("PRICE_NOTICE_DAYS", 30)
    # Ledger entries and calls older than this cannot be disputed.
    DISPUTE_WINDOW_DAYS = _env_int("DISPUTE_WINDOW_DAYS", 365)
    # Background jobs (mail, SMS, deliveries) run in a thread of every app server.
    BACKGROUND_WORKER = os.environ.get("BACKGROUND_WORKER", "1") != "0"
    BACKGROUND_POLL_SECONDS = _env_int("BACKGROUND_POLL_SECONDS", 5)
    # Outbound webhooks: first retry delay (doubling, for a day); endpoint URLs must be
    # https in production and may resolve to private or loopback addresses only if allowed.
    OUTBOUND_WEBHOOK_RETRY_SECONDS = _env_int("OUTBOUND_WEBHOOK_RETRY_SECONDS", 30)
    OUTBOUND_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("OUTBOUND_WEBHOOKS_ALLOW_PRIVATE",
                                                     "0") == "1"
    OUTBOUND_WEBHOOKS_REQUIRE_HTTPS = False
    # Stripe payment methods besides cards, offered for these currencies (CNY first).
    ALIPAY_CURRENCIES = os.environ.get(
        "ALIPAY_CURRENCIES", "CNY,AUD,CAD,EUR,GBP,HKD,JPY,MYR,NZD,SGD,USD")
    WECHAT_PAY_CURRENCIES = os.environ.get(
        "WECHAT_PAY_CURRENCIES", "CNY,AUD,CAD,EUR,GBP,HKD,JPY,SGD,USD")
    # GET /metrics (Prometheus) requires this bearer token; unset, it answers 404.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")

    # Sign-in throttling: free failures per account and per client address, then a
    # doubling delay up to the caps (the account's stays short: its owner is never locked
    # out, and the client that last signed in to it is spared); failures are forgotten
    # after the window.
    LOGIN_MAX_FAILURES_PER_EMAIL = _env_int("LOGIN_MAX_FAILURES_PER_EMAIL", 5)
    LOGIN_MAX_FAILURES_PER_IP = _env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
    LOGIN_MAX_DELAY_PER_EMAIL = _env_int("LOGIN_MAX_DELAY_PER_EMAIL", 60)
    LOGIN_MAX_DELAY_PER_IP = _env_int("LOGIN_MAX_DELAY_PER_IP", 900)
    LOGIN_WINDOW_SECONDS = _env_int("LOGIN_WINDOW_SECONDS", 900)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") != "0"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a wall-clock expiry


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite, cookies over plain http on localhost."""

    OUTBOUND_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("OUTBOUND_WEBHOOKS_ALLOW_PRIVATE",
                                                     "1") == "1"

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") != "0"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    """pytest: the fixtures pass the database URL."""

    TESTING = True
    BACKGROUND_WORKER = False  # tests run jobs themselves, on the injected clock
    SECRET_KEY = "test-secret-key"  # noqa: S105 - fixed so test sessions are reproducible
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class ProductionConfig(Config):
    """gunicorn behind a load balancer; refuses to start without a real SECRET_KEY."""

    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    OUTBOUND_WEBHOOKS_REQUIRE_HTTPS = True

    @classmethod
    def validate(cls) -> None:
        """Fail fast on settings production cannot run without."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("DATABASE_URL must be set in production")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
