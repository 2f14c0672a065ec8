"""What the alert jobs need to know, taken from the service's settings.

`alerts` does not import `licensing`: the service passes its Settings object in, and this
module reads the few attributes it needs by name.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

C = TypeVar("C", bound="DataclassInstance")


def _prefixed(config: type[C], settings: Any, prefix: str) -> C:
    """A config whose every field is the setting of the same name after `prefix`."""
    return config(**{f.name: getattr(settings, prefix + f.name) for f in fields(config)})


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 8025
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    ca_file: str | None = None


@dataclass(frozen=True)
class NotifyConfig:
    api_key: str | None = None
    template_id: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class WebhookConfig:
    allow_loopback: bool = False
    lease_seconds: float = 120.0
    max_attempts: int = 12
    retry_base_seconds: float = 10.0
    retry_max_seconds: float = 3600.0
    pause_after: int = 50  # failures in a row, with no success between, pause a subscription
    batch_size: int = 1000  # held claimed at once; also the most a killed sender can duplicate
    concurrency: int = 64  # POSTs in flight at once per process, over all receivers
    per_receiver: int = 4  # connections (and POSTs in flight) per receiver
    timeout_seconds: float = 10.0
    base_url: str = "http://127.0.0.1:8000"


# AlertConfig's fields that are the alert_ settings of the same name, as they are.
ALERT_SETTINGS = (
    "interval_seconds",
    "sweep_seconds",
    "lease_seconds",
    "max_attempts",
    "retry_base_seconds",
    "retry_max_seconds",
    "batch_size",
)


@dataclass(frozen=True)
class AlertConfig:
    base_url: str = "http://127.0.0.1:8000"
    mail_from: str = "Crosscheck <alerts@crosscheck.localhost>"
    transport: str = "smtp"  # smtp | notify
    smtp: SmtpConfig = SmtpConfig()
    notify: NotifyConfig = NotifyConfig()
    interval_seconds: float = 5.0  # how often events become alerts and due alerts are sent
    sweep_seconds: float = 5.0  # how often a dead sender's claims (or lapsed leases) re-queue
    lease_seconds: float = 120.0  # how long a claim holds an alert
    max_attempts: int = 8  # then the alert is dead
    retry_base_seconds: float = 30.0  # first retry after this, doubling each time
    retry_max_seconds: float = 3600.0
    batch_size: int = 5000  # alerts claimed at once (one email per recipient)
    send_concurrency: int = 8  # emails in flight at once per process
    max_alerts_per_email: int = 200
    webhooks: WebhookConfig = WebhookConfig()

    @classmethod
    def from_settings(cls, settings: Any) -> AlertConfig:  # licensing.settings.Settings
        return cls(
            base_url=settings.base_url.rstrip("/"),
            mail_from=settings.mail_from,
            transport=settings.mail_transport,
            smtp=_prefixed(SmtpConfig, settings, "smtp_"),
            notify=_prefixed(NotifyConfig, settings, "notify_"),
            **{name: getattr(settings, f"alert_{name}") for name in ALERT_SETTINGS},
            send_concurrency=max(1, settings.alert_send_concurrency),
            webhooks=WebhookConfig(
                allow_loopback=settings.webhooks_allow_loopback,
                lease_seconds=settings.alert_lease_seconds,
                max_attempts=settings.webhook_max_attempts,
                retry_base_seconds=settings.webhook_retry_base_seconds,
                retry_max_seconds=settings.alert_retry_max_seconds,
                pause_after=settings.webhook_pause_after,
                concurrency=max(1, settings.webhook_send_concurrency),
                base_url=settings.base_url.rstrip("/"),
            ),
        )
