"""The private cluster is no open door on the machine: every login needs its password (scram),
and the service logs in as its own limited role, not as the owner stepping down."""

from __future__ import annotations

import asyncpg
import pytest

from licensing import pgcluster


def test_the_private_cluster_trusts_no_one(cluster):
    rules = [
        line.split()
        for line in (cluster.pgdata / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert rules and all(rule[-1] == "scram-sha-256" for rule in rules)


async def test_a_login_without_the_password_is_refused(cluster):
    bare = f"postgresql://{pgcluster.SUPERUSER}@127.0.0.1:{cluster.port}/postgres"
    for password in (None, "guessed"):
        with pytest.raises(
            (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)
        ):
            await asyncpg.connect(bare, password=password)


async def test_the_service_logs_in_as_crosscheck_app_itself(cluster, template_url):
    await pgcluster.ensure_app_login(cluster)
    conn = await asyncpg.connect(cluster.url("postgres", user=pgcluster.APP_ROLE))
    try:
        who = await conn.fetchrow(
            "SELECT current_user, session_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        )
    finally:
        await conn.close()
    assert who["current_user"] == who["session_user"] == "crosscheck_app"
    assert not who["rolsuper"]
