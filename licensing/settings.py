"""Configuration, read once from the environment.

Every setting has a default that suits the demo on a developer's machine; production sets
DATABASE_URL and the mail settings.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what is wrong."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    migration_database_url: str | None = None
    # A hot standby for the read-heavy work (compliance summaries, the DfT pages, exports):
    # used while its replay is at most replica_max_lag_seconds behind, else the primary.
    database_replica_url: str | None = None
    replica_max_lag_seconds: float = 30.0
    data_dir: Path = PROJECT_ROOT / ".crosscheck"
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    run_scheduler: bool = True
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: str = "none"  # none | starttls | tls
    mail_from: str = "Crosscheck <alerts@crosscheck.localhost>"
    mail_transport: str = "smtp"  # smtp | notify
    notify_api_key: str | None = None
    notify_template_id: str | None = None
    demo_mailbox: bool = False
    pool_min: int = 2
    pool_max: int = 10
    summary_pool_max: int = 2
    summary_timeout_ms: int = 30_000
    # Fail fast (licensing/db.py): a statement the register's pools let run, a lock they wait
    # for, how long to wait for a new connection; a hung database answers 503, not a hang.
    db_statement_timeout_ms: int = 10_000
    db_lock_timeout_ms: int = 5_000
    db_connect_timeout_seconds: float = 5.0
    # Imports and the scheduler's jobs may run minutes; they get their own pool and limit.
    long_statement_timeout_ms: int = 600_000
    # A scraper's bearer token for /metrics (administrators may read it too); unset: admins only
    metrics_token: str | None = None
    # Demo mode (`crosscheck serve --demo`): the private cluster may be created and started.
    demo: bool = False
    # How long an API token, once looked up, is trusted without asking the database again
    # (licensing/auth.py TokenCache); 0 looks it up on every request.
    token_cache_seconds: int = 5
    # Per officer per hour (licensing/limits.py): past the limit, 429 with Retry-After; on
    # reaching the alert level, the authority's data protection officer is told.
    record_opens_per_hour: int = 60
    record_opens_alert_at: int = 40
    searches_per_hour: int = 120
    searches_alert_at: int = 80
    # Per API token per minute (licensing/limits.py TokenRateLimit): past it, 429 with
    # Retry-After; every API answer to a token carries RateLimit headers. 0 turns it off.
    api_requests_per_minute: int = 1200
    secure_cookies: bool = True
    # Two-factor sign-in (registry/two_factor.py) is required of every account; true lets
    # licensing officers (only) sign in with a password alone unless they set one up.
    mfa_optional_for_officers: bool = False
    # Proxies (CIDRs) whose X-Forwarded-For names the client; from anyone else it is ignored
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Alerts: the schedule's pace, retries and leases (ALERT_* variables; see docs/alerts.md)
    alert_interval_seconds: float = 5.0
    alert_sweep_seconds: float = 5.0
    alert_lease_seconds: float = 120.0
    alert_max_attempts: int = 8
    alert_retry_base_seconds: float = 30.0
    alert_retry_max_seconds: float = 3600.0
    alert_batch_size: int = 5000
    alert_send_concurrency: int = 8
    # Webhooks (docs/integration.md): loopback targets (and plain http to them) for tests and
    # the demo only; attempts before a delivery is dead; failures in a row that pause one.
    webhooks_allow_loopback: bool = False
    webhook_max_attempts: int = 12
    webhook_retry_base_seconds: float = 10.0
    webhook_pause_after: int = 50
    webhook_send_concurrency: int = 64
    smtp_timeout_seconds: float = 30.0
    smtp_ca_file: str | None = None
    notify_base_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be more than 0, not {value!r}")
    return number


ALERT_NUMBERS = (
    ("alert_interval_seconds", "ALERT_INTERVAL_SECONDS", _float),
    ("alert_sweep_seconds", "ALERT_SWEEP_SECONDS", _float),
    ("alert_lease_seconds", "ALERT_LEASE_SECONDS", _float),
    ("alert_max_attempts", "ALERT_MAX_ATTEMPTS", _int),
    ("alert_retry_base_seconds", "ALERT_RETRY_BASE_SECONDS", _float),
    ("alert_retry_max_seconds", "ALERT_RETRY_MAX_SECONDS", _float),
    ("alert_batch_size", "ALERT_BATCH_SIZE", _int),
    ("alert_send_concurrency", "ALERT_SEND_CONCURRENCY", _int),
    ("webhook_max_attempts", "WEBHOOK_MAX_ATTEMPTS", _int),
    ("webhook_retry_base_seconds", "WEBHOOK_RETRY_BASE_SECONDS", _float),
    ("webhook_pause_after", "WEBHOOK_PAUSE_AFTER", _int),
    ("webhook_send_concurrency", "WEBHOOK_SEND_CONCURRENCY", _int),
    ("smtp_timeout_seconds", "SMTP_TIMEOUT_SECONDS", _float),
)


def _networks(name: str, value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for part in value.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ConfigError(
                f"{name} must list addresses or CIDRs (like 10.0.0.0/8, 192.0.2.7), not {part!r}"
            ) from None
    return tuple(networks)


def validate_database_url(url: str, name: str = "DATABASE_URL") -> str:
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"{name} must start with postgresql:// (for example "
            "postgresql://user@host:5432/crosscheck); the value given does not"
        )
    return url


def load(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    kwargs: dict[str, Any] = {}  # Settings' fields by name, of their own types
    if url := env.get("DATABASE_URL"):
        kwargs["database_url"] = validate_database_url(url)
    if url := env.get("MIGRATION_DATABASE_URL"):
        kwargs["migration_database_url"] = validate_database_url(url, "MIGRATION_DATABASE_URL")
    if url := env.get("DATABASE_REPLICA_URL"):
        kwargs["database_replica_url"] = validate_database_url(url, "DATABASE_REPLICA_URL")
    if value := env.get("REPLICA_MAX_LAG_SECONDS"):
        kwargs["replica_max_lag_seconds"] = _float("REPLICA_MAX_LAG_SECONDS", value)
    if value := env.get("CROSSCHECK_DATA_DIR"):
        kwargs["data_dir"] = Path(value).resolve()
    for key, name in (
        ("host", "CROSSCHECK_HOST"),
        ("base_url", "CROSSCHECK_BASE_URL"),
        ("smtp_host", "SMTP_HOST"),
        ("smtp_username", "SMTP_USERNAME"),
        ("smtp_password", "SMTP_PASSWORD"),
        ("mail_from", "MAIL_FROM"),
        ("notify_api_key", "NOTIFY_API_KEY"),
        ("notify_template_id", "NOTIFY_TEMPLATE_ID"),
        ("metrics_token", "METRICS_TOKEN"),
    ):
        if value := env.get(name):
            kwargs[key] = value
    for key, name in (
        ("port", "CROSSCHECK_PORT"),
        ("smtp_port", "SMTP_PORT"),
        ("pool_min", "DB_POOL_MIN"),
        ("pool_max", "DB_POOL_MAX"),
        ("summary_pool_max", "SUMMARY_POOL_MAX"),
        ("summary_timeout_ms", "SUMMARY_TIMEOUT_MS"),
        ("db_statement_timeout_ms", "DB_STATEMENT_TIMEOUT_MS"),
        ("db_lock_timeout_ms", "DB_LOCK_TIMEOUT_MS"),
        ("long_statement_timeout_ms", "LONG_STATEMENT_TIMEOUT_MS"),
        ("token_cache_seconds", "TOKEN_CACHE_SECONDS"),
        ("record_opens_per_hour", "RECORD_OPENS_PER_HOUR"),
        ("record_opens_alert_at", "RECORD_OPENS_ALERT_AT"),
        ("searches_per_hour", "SEARCHES_PER_HOUR"),
        ("searches_alert_at", "SEARCHES_ALERT_AT"),
        ("api_requests_per_minute", "API_REQUESTS_PER_MINUTE"),
    ):
        if value := env.get(name):
            kwargs[key] = _int(name, value)
    for key, name in (
        ("run_scheduler", "CROSSCHECK_SCHEDULER"),
        ("demo_mailbox", "CROSSCHECK_DEMO_MAILBOX"),
        ("secure_cookies", "CROSSCHECK_SECURE_COOKIES"),
        ("demo", "CROSSCHECK_DEMO"),
        ("webhooks_allow_loopback", "WEBHOOKS_ALLOW_LOOPBACK"),
        ("mfa_optional_for_officers", "MFA_OPTIONAL_FOR_OFFICERS"),
    ):
        if value := env.get(name):
            kwargs[key] = _bool(name, value)
    if value := env.get("DB_CONNECT_TIMEOUT_SECONDS"):
        kwargs["db_connect_timeout_seconds"] = _float("DB_CONNECT_TIMEOUT_SECONDS", value)
    for key, name, parse in ALERT_NUMBERS:
        if value := env.get(name):
            kwargs[key] = parse(name, value)
    for key, name in (("smtp_ca_file", "SMTP_CA_FILE"), ("notify_base_url", "NOTIFY_BASE_URL")):
        if value := env.get(name):
            kwargs[key] = value
    if value := env.get("TRUSTED_PROXIES"):
        kwargs["trusted_proxies"] = _networks("TRUSTED_PROXIES", value)
    if value := env.get("SMTP_SECURITY"):
        if value not in ("none", "starttls", "tls"):
            raise ConfigError(f"SMTP_SECURITY must be none, starttls or tls, not {value!r}")
        kwargs["smtp_security"] = value
    if value := env.get("MAIL_TRANSPORT"):
        if value not in ("smtp", "notify"):
            raise ConfigError(f"MAIL_TRANSPORT must be smtp or notify, not {value!r}")
        kwargs["mail_transport"] = value
    if "base_url" not in kwargs and ("host" in kwargs or "port" in kwargs):
        kwargs["base_url"] = f"http://{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 8000)}"
    settings = Settings(**kwargs)
    if settings.mail_transport == "notify" and not (
        settings.notify_api_key and settings.notify_template_id
    ):
        raise ConfigError(
            "MAIL_TRANSPORT=notify needs NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID (an email "
            "template whose subject is ((subject)) and body ((body)))"
        )
    if settings.smtp_timeout_seconds >= settings.alert_lease_seconds:
        # a send must end before its lease does, or a second process could send it again
        raise ConfigError("SMTP_TIMEOUT_SECONDS must be less than ALERT_LEASE_SECONDS")
    return settings
