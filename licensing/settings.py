"""Configuration, read once from the environment.

Every setting has a default that suits the demo on a developer's machine; production sets
DATABASE_URL and the mail settings.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what is wrong."""


Parse = Callable[[str, str], Any]  # (variable's name, its text) -> the setting's value


def _text(name: str, value: str) -> str:
    return value


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


def _path(name: str, value: str) -> Path:
    return Path(value).resolve()


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


def _database_url(name: str, value: str) -> str:
    return validate_database_url(value, name)


def _one_of(*choices: str) -> Parse:
    def parse(name: str, value: str) -> str:
        if value not in choices:
            allowed = f"{', '.join(choices[:-1])} or {choices[-1]}"
            raise ConfigError(f"{name} must be {allowed}, not {value!r}")
        return value

    return parse


def _env(name: str, default: T, parse: Parse = _text) -> T:
    """A setting read from the environment variable `name`, when it is set and not empty."""
    return field(default=default, metadata={"env": name, "parse": parse})


@dataclass(frozen=True)
class Settings:
    database_url: str | None = _env("DATABASE_URL", None, _database_url)
    migration_database_url: str | None = _env("MIGRATION_DATABASE_URL", None, _database_url)
    # A hot standby for the read-heavy work (compliance summaries, the DfT pages, exports):
    # used while its replay is at most replica_max_lag_seconds behind, else the primary.
    database_replica_url: str | None = _env("DATABASE_REPLICA_URL", None, _database_url)
    replica_max_lag_seconds: float = _env("REPLICA_MAX_LAG_SECONDS", 30.0, _float)
    # (_env gives a dataclass field: the default is not a call made once and shared)
    data_dir: Path = _env("CROSSCHECK_DATA_DIR", PROJECT_ROOT / ".crosscheck", _path)  # noqa: RUF009
    host: str = _env("CROSSCHECK_HOST", "127.0.0.1")
    port: int = _env("CROSSCHECK_PORT", 8000, _int)
    base_url: str = _env("CROSSCHECK_BASE_URL", "http://127.0.0.1:8000")
    run_scheduler: bool = _env("CROSSCHECK_SCHEDULER", True, _bool)
    smtp_host: str = _env("SMTP_HOST", "127.0.0.1")
    smtp_port: int = _env("SMTP_PORT", 8025, _int)
    smtp_username: str | None = _env("SMTP_USERNAME", None)
    smtp_password: str | None = _env("SMTP_PASSWORD", None)
    smtp_security: str = _env("SMTP_SECURITY", "none", _one_of("none", "starttls", "tls"))
    mail_from: str = _env("MAIL_FROM", "Crosscheck <alerts@crosscheck.localhost>")
    mail_transport: str = _env("MAIL_TRANSPORT", "smtp", _one_of("smtp", "notify"))
    notify_api_key: str | None = _env("NOTIFY_API_KEY", None)
    notify_template_id: str | None = _env("NOTIFY_TEMPLATE_ID", None)
    demo_mailbox: bool = _env("CROSSCHECK_DEMO_MAILBOX", False, _bool)
    pool_min: int = _env("DB_POOL_MIN", 2, _int)
    pool_max: int = _env("DB_POOL_MAX", 10, _int)
    summary_pool_max: int = _env("SUMMARY_POOL_MAX", 2, _int)
    summary_timeout_ms: int = _env("SUMMARY_TIMEOUT_MS", 30_000, _int)
    # Fail fast (licensing/db.py): a statement the register's pools let run, a lock they wait
    # for, how long to wait for a new connection; a hung database answers 503, not a hang.
    db_statement_timeout_ms: int = _env("DB_STATEMENT_TIMEOUT_MS", 10_000, _int)
    db_lock_timeout_ms: int = _env("DB_LOCK_TIMEOUT_MS", 5_000, _int)
    db_connect_timeout_seconds: float = _env("DB_CONNECT_TIMEOUT_SECONDS", 5.0, _float)
    # Imports and the scheduler's jobs may run minutes; they get their own pool and limit.
    long_statement_timeout_ms: int = _env("LONG_STATEMENT_TIMEOUT_MS", 600_000, _int)
    # A scraper's bearer token for /metrics (administrators may read it too); unset: admins only
    metrics_token: str | None = _env("METRICS_TOKEN", None)
    # Demo mode (`crosscheck serve --demo`): the private cluster may be created and started.
    demo: bool = _env("CROSSCHECK_DEMO", False, _bool)
    # How long an API token, once looked up, is trusted without asking the database again
    # (licensing/auth.py TokenCache); 0 looks it up on every request.
    token_cache_seconds: int = _env("TOKEN_CACHE_SECONDS", 5, _int)
    # Per officer per hour (licensing/limits.py): past the limit, 429 with Retry-After; on
    # reaching the alert level, the authority's data protection officer is told.
    record_opens_per_hour: int = _env("RECORD_OPENS_PER_HOUR", 60, _int)
    record_opens_alert_at: int = _env("RECORD_OPENS_ALERT_AT", 40, _int)
    searches_per_hour: int = _env("SEARCHES_PER_HOUR", 120, _int)
    searches_alert_at: int = _env("SEARCHES_ALERT_AT", 80, _int)
    # Per API token per minute (licensing/limits.py TokenRateLimit): past it, 429 with
    # Retry-After; every API answer to a token carries RateLimit headers. 0 turns it off.
    api_requests_per_minute: int = _env("API_REQUESTS_PER_MINUTE", 1200, _int)
    secure_cookies: bool = _env("CROSSCHECK_SECURE_COOKIES", True, _bool)
    # Two-factor sign-in (registry/two_factor.py) is required of every account; true lets
    # licensing officers (only) sign in with a password alone unless they set one up.
    mfa_optional_for_officers: bool = _env("MFA_OPTIONAL_FOR_OFFICERS", False, _bool)
    # Proxies (CIDRs) whose X-Forwarded-For names the client; from anyone else it is ignored
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = _env(
        "TRUSTED_PROXIES", (), _networks
    )
    # Alerts: the schedule's pace, retries and leases (ALERT_* variables; see docs/alerts.md)
    alert_interval_seconds: float = _env("ALERT_INTERVAL_SECONDS", 5.0, _float)
    alert_sweep_seconds: float = _env("ALERT_SWEEP_SECONDS", 5.0, _float)
    alert_lease_seconds: float = _env("ALERT_LEASE_SECONDS", 120.0, _float)
    alert_max_attempts: int = _env("ALERT_MAX_ATTEMPTS", 8, _int)
    alert_retry_base_seconds: float = _env("ALERT_RETRY_BASE_SECONDS", 30.0, _float)
    alert_retry_max_seconds: float = _env("ALERT_RETRY_MAX_SECONDS", 3600.0, _float)
    alert_batch_size: int = _env("ALERT_BATCH_SIZE", 5000, _int)
    alert_send_concurrency: int = _env("ALERT_SEND_CONCURRENCY", 8, _int)
    # Webhooks (docs/integration.md): loopback targets (and plain http to them) for tests and
    # the demo only; attempts before a delivery is dead; failures in a row that pause one.
    webhooks_allow_loopback: bool = _env("WEBHOOKS_ALLOW_LOOPBACK", False, _bool)
    webhook_max_attempts: int = _env("WEBHOOK_MAX_ATTEMPTS", 12, _int)
    webhook_retry_base_seconds: float = _env("WEBHOOK_RETRY_BASE_SECONDS", 10.0, _float)
    webhook_pause_after: int = _env("WEBHOOK_PAUSE_AFTER", 50, _int)
    webhook_send_concurrency: int = _env("WEBHOOK_SEND_CONCURRENCY", 64, _int)
    smtp_timeout_seconds: float = _env("SMTP_TIMEOUT_SECONDS", 30.0, _float)
    smtp_ca_file: str | None = _env("SMTP_CA_FILE", None)
    notify_base_url: str | None = _env("NOTIFY_BASE_URL", None)
    extra: dict[str, str] = field(default_factory=dict)


def load(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    kwargs: dict[str, Any] = {}  # Settings' fields by name, of their own types
    for setting in fields(Settings):
        if "env" in setting.metadata and (value := env.get(setting.metadata["env"])):
            kwargs[setting.name] = setting.metadata["parse"](setting.metadata["env"], value)
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
