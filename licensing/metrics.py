"""Prometheus metrics at /metrics: what an operator watches (docs/operations.md, thresholds).

- requests by method, route template and status, and their latency (recorded by
  licensing.logging_config.RequestLog, beside its log line; never a path as sent);
- each pool's connections: open, idle, maximum;
- the alert outbox: pending, sending, dead, and the age of the oldest pending alert;
- the scheduler's job runs and failures, and the age of its last heartbeat;
- the hot standby's replay lag (with DATABASE_REPLICA_URL; -1 when it does not answer).

Each app has its own registry (tests build many apps). /metrics is for an administrator or
for a scraper sending `Authorization: Bearer <METRICS_TOKEN>`.
"""

from __future__ import annotations

import secrets
import time

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from alerts import outbox
from licensing import db

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry

        def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(f"crosscheck_{name}", text, labels, registry=r)

        self.requests = Counter(
            "crosscheck_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "crosscheck_http_request_duration_seconds",
            "Time to answer, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.pool = gauge(
            "db_pool_connections", "Database pool connections: open, idle, max", ("pool", "state")
        )
        self.outbox = gauge("alert_outbox", "Alerts by state", ("status",))
        self.outbox_age = gauge(
            "alert_outbox_oldest_pending_seconds",
            "Age of the oldest alert not yet sent (pending or sending); 0 when none",
        )
        self.job_runs = gauge("scheduler_job_runs", "Scheduled job runs since start", ("job",))
        self.job_failures = gauge(
            "scheduler_job_failures", "Scheduled job runs that failed, since start", ("job",)
        )
        self.heartbeat_age = gauge(
            "scheduler_heartbeat_age_seconds",
            "Seconds since the scheduler in this process last finished a job",
        )
        self.webhooks = gauge("webhook_outbox", "Webhook deliveries by state", ("status",))
        self.webhooks_age = gauge(
            "webhook_outbox_oldest_pending_seconds",
            "Age of the oldest webhook delivery not yet made; 0 when none",
        )
        self.replica_lag = gauge(
            "replica_lag_seconds",
            "How far the hot standby's replay is behind the primary; -1 when it does not answer",
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


WEBHOOK_OUTBOX = """
SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'sending') AS sending,
       count(*) FILTER (WHERE status = 'dead') AS dead,
       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status IN
                ('pending', 'sending'))), 0)::float8 AS oldest_pending_seconds
FROM webhook_delivery WHERE status IN ('pending', 'sending', 'dead')
"""


async def outbox_state(pool) -> dict:
    return await outbox.state(pool)


async def outboxes_state(pool) -> tuple[dict, dict]:
    """The alert outbox's and the webhook outbox's pending, sending, dead and oldest age."""
    async with db.lent(pool) as conn:
        return await outbox.state(conn), dict(await conn.fetchrow(WEBHOOK_OUTBOX))


def heartbeat_age(state: State) -> float | None:
    scheduler = getattr(state, "scheduler", None)
    if scheduler is None or scheduler.last_heartbeat is None:
        return None
    return max(0.0, time.monotonic() - scheduler.last_heartbeat)


async def metrics_reader(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """An administrator, or a scraper with the METRICS_TOKEN."""
    token = connection.app.state.settings.metrics_token
    sent = connection.headers.get("authorization", "")
    if token and secrets.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return
    principal = connection.scope.get("user")
    if principal is None:
        raise NotAuthorizedException("Sign in as an administrator, or send the metrics token")
    if principal.role != "admin":
        raise PermissionDeniedException("Your role does not allow this")


metrics_reader.roles = ("admin",)  # read by the access-matrix test


@get("/metrics", guards=[metrics_reader], include_in_schema=False)
async def metrics(state: State) -> Response:
    """The Prometheus exposition of this process's metrics."""
    m: Metrics = state.metrics
    for name in ("pool", "summary_pool", "long_pool"):
        pool = getattr(state, name, None)
        if pool is not None:
            m.pool.labels(name, "open").set(pool.get_size())
            m.pool.labels(name, "idle").set(pool.get_idle_size())
            m.pool.labels(name, "max").set(pool.get_max_size())
    outbox, webhooks = await outboxes_state(state.pool)
    for status in ("pending", "sending", "dead"):
        m.outbox.labels(status).set(outbox[status])
    m.outbox_age.set(outbox["oldest_pending_seconds"])
    for status in ("pending", "sending", "dead"):
        m.webhooks.labels(status).set(webhooks[status])
    m.webhooks_age.set(webhooks["oldest_pending_seconds"])
    scheduler = getattr(state, "scheduler", None)
    if scheduler is not None:
        for job, count in scheduler.runs.items():
            m.job_runs.labels(job).set(count)
            m.job_failures.labels(job).set(scheduler.failures.get(job, 0))
    reads = getattr(state, "reads", None)
    if reads is not None and reads.replica is not None:
        lag = await reads.lag()
        m.replica_lag.set(-1 if lag is None else lag)
    age = heartbeat_age(state)
    m.heartbeat_age.set(-1 if age is None else age)
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
