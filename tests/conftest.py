"""Test fixtures: one throwaway PostgreSQL cluster per test process, migrated the production way.

The run's cluster is built and migrated once, in the background while the run starts up
(tests/cluster_image.py); each process (each xdist worker) starts a copy of it on a port of its
own. Every test that asks for `db_url` gets its own database, copied from the migrated
template, so tests cannot see each other's rows and may use real transactions, pools and
processes.
"""

from __future__ import annotations

import itertools
import os

import asyncpg
import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from licensing import pgcluster
from licensing.db import connect
from registry import accounts
from tests import cluster_image
from tests.cluster_image import TEMPLATE

# Property tests explore new examples on a developer's machine; in CI they replay a fixed
# sequence (no flaky red from a one-in-a-million draw), and nowhere do they time examples:
# these machines are shared and noisy.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, database=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Argon2 at the service's cost spends about a fifth of a second of CPU, on four threads, on
# each hash and each sign-in, and the suite signs in hundreds of times: in tests it runs at its
# lowest cost. A hash carries its own cost, so a service that a test starts in a subprocess
# checks these hashes cheaply too (and stores them again at its own cost, as after any change
# of cost). An unknown email is still checked against a hash of the same cost as a real one.
# tests/test_accounts.py pins the service's own cost.
SERVICE_PASSWORD_HASHER = accounts._hasher
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

_counter = itertools.count()
# Each test database's owner URL by name, for history a test writes as the owner would
# (tests.factories.owner_connection): the service's role cannot backdate an audit row.
OWNER_URLS: dict[str, str] = {}


def pytest_configure(config):
    # The run's first process (the only one with -n 0, xdist's controller otherwise) builds the
    # cluster while it and the workers import and collect; workers inherit where it is.
    if not hasattr(config, "workerinput"):
        config._cluster_image = cluster_image.start_building()


def pytest_unconfigure(config):
    if building := getattr(config, "_cluster_image", None):
        cluster_image.end_building(*building)


@pytest.fixture(scope="session")
def cluster():
    folder = cluster_image.copy()
    cluster = pgcluster.start(folder, fast=True)
    yield cluster
    pgcluster.discard(folder)


@pytest.fixture(scope="session")
def template_url(cluster):
    """The migrated template every test database is copied from (built with the cluster)."""
    return cluster.url(TEMPLATE)


async def new_database(cluster, template_url) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = await asyncpg.connect(cluster.url("postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.close()
    OWNER_URLS[name] = cluster.url(name)
    return OWNER_URLS[name]


@pytest.fixture
async def db_url(cluster, template_url):
    """A fresh, migrated database with the reference authorities loaded (owner's URL)."""
    return await new_database(cluster, template_url)


@pytest.fixture
async def conn(db_url):
    """A connection as the service's role, as the API and the scheduler use."""
    connection = await connect(db_url)
    yield connection
    await connection.close()


@pytest.fixture
async def owner_conn(db_url):
    """A connection as the schema owner (migrations, seeding, housekeeping set-up)."""
    connection = await connect(db_url, as_app=False)
    yield connection
    await connection.close()


@pytest.fixture
async def api_client(db_url):
    """The whole service (API and pages) in-process on the test database, scheduler off."""
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app
    from licensing.settings import load

    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app) as client:
        yield client
