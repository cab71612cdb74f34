"""Personas and clients shared by every test (after healthchecks' Alice/Bob/Charlie)."""

import os

import pytest

from tests.factories import PatientFactory, SiteFactory, UserFactory

# Sync Playwright runs an event loop in the main thread; Django would refuse DB access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def replay_data_migrations() -> None:
    """Run again the RunPython steps of the project's own migrations (role groups, rule-set
    version 1): they are idempotent (get_or_create)."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    project = {c.label for c in apps.get_app_configs() if "site-packages" not in c.path}
    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    plan = dict.fromkeys(key for leaf in graph.leaf_nodes() for key in graph.forwards_plan(leaf))
    steps = [op for key in plan if key[0] in project
             for op in graph.nodes[key].operations if isinstance(op, RunPython)]
    with connection.schema_editor(atomic=False) as schema_editor:
        for op in steps:
            op.code(apps, schema_editor)


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction")
                            or marker.kwargs.get("reset_sequences"))) or bool(
        {"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Transactional tests (live_server, a real worker) flush every table after each test,
    data-migration rows included; serialized_rollback cannot help under Playwright (another
    asgiref context, another connection object). Put those rows back before each one."""
    if _transactional(request.node):
        request.getfixturevalue("transactional_db")
        replay_data_migrations()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """pytest-django runs transactional tests last, since their flush empties every table;
    pytest-playwright's parametrised session fixture re-sorts the suite after it. Restore
    pytest-django's order (stable): plain database tests, transactional ones, the rest."""
    def order(item) -> int:
        if _transactional(item):
            return 1
        return 0 if item.get_closest_marker("django_db") or "db" in item.fixturenames else 2

    items.sort(key=order)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """One embedded worker (solo pool, in a thread) for the session, on the session's queue."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the ping check)
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from cadm.celery import app

    assert app.conf.task_always_eager is False, "a broker is set: tasks must not run eagerly"
    # The ping check waits for the ping task's result, so it needs a result backend; the
    # project has none (job outcomes live on JobRun rows). Use the broker's Redis for the
    # session, replacing a disabled backend that an earlier .delay() may have cached.
    previous = {key: app.conf[key] for key in ("result_backend", "result_expires")}
    app.conf.update(result_backend=settings.CELERY_BROKER_URL, result_expires=300)
    app._backend = app._get_backend()
    try:
        with django_db_blocker.unblock():
            with start_worker(app, pool="solo", perform_ping_check=True,
                              ping_task_timeout=10.0, shutdown_timeout=10.0) as worker:
                yield worker
    finally:
        app.conf.update(previous)
        app._backend = app._get_backend()


@pytest.fixture
def site(db):
    return SiteFactory(code="north", name="North Clinic")


@pytest.fixture
def other_site(db):
    return SiteFactory(code="south", name="South Clinic")


@pytest.fixture
def rheumatologist(site):
    return UserFactory(username="rheum", role="rheumatologist", sites=[site])


@pytest.fixture
def dermatologist(site):
    return UserFactory(username="derm", role="dermatologist", sites=[site])


@pytest.fixture
def rules_admin(site):
    return UserFactory(username="ruleadmin", role="rules_admin", sites=[site])


@pytest.fixture
def outsider(other_site):
    """A rheumatologist of another site."""
    return UserFactory(username="outsider", role="rheumatologist", sites=[other_site])


@pytest.fixture
def patient(site, rheumatologist):
    return PatientFactory(site=site, created_by=rheumatologist, family_name="Testpatient")


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def rheum_client(client, rheumatologist):
    return _client_for(client, rheumatologist)


@pytest.fixture
def derm_client(client, dermatologist):
    return _client_for(client, dermatologist)
