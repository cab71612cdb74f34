"""Real headless Chromium (Debian's package) driven by pytest-playwright, against live_server.

Never `playwright install`: the browser is /usr/bin/chromium (apt-get install -y chromium).
Every test in this folder is marked `browser`; deselect them with `-m "not browser"`.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parent.parent / "test-results" / "screenshots"  # gitignored


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, plus Debian's Chromium and headless-CI flags."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    args = list(browser_type_launch_args.get("args") or [])
    args += [a for a in CHROMIUM_ARGS if a not in args]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


def replay_data_migrations() -> None:
    """Run again the RunPython steps of the project's own migrations (role groups, rule-set
    version 1...): they are written idempotently (get_or_create), with the current models."""
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


@pytest.fixture(autouse=True)
def _migration_data(transactional_db):
    """Restore what data migrations created before each browser test.

    live_server tests are transactional: the flush after each one empties every table,
    auth_group and the active rule set included. serialized_rollback cannot restore them here:
    under Playwright the test body sees another asgiref context, hence a new connection object
    without the serialized contents.
    """
    replay_data_migrations()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A desktop-sized window, so screenshots show the layout clinicians see."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def _django_order(item) -> int:
    """pytest-django's run order: 0 plain database tests, 1 transactional ones, 2 the rest."""
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction")
                                     or marker.kwargs.get("reset_sequences")))
    transactional = transactional or bool(
        {"transactional_db", "live_server"} & set(item.fixturenames)
    )
    if transactional:
        return 1
    return 0 if marker or "db" in item.fixturenames else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items: mark only those collected from this folder.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
    # pytest-django puts transactional tests after the others, because their flush empties
    # every table, data-migration rows included (the role groups). pytest's own reordering
    # for the session-scoped, parametrised `browser_name` fixture runs after it and moves
    # plain database tests behind these live_server tests; restore the order (stable sort).
    items.sort(key=_django_order)


@pytest.fixture
def screenshot(request):
    """`screenshot(target, "name")` saves test-results/screenshots/<test>-<name>.png.

    `target` is a Page (the full page is captured) or a Locator (that element only).
    Note: pytest-playwright deletes its --output folder (default test-results/) when any
    pytest session starts, so copy the PNGs away before the next run if you want to keep them.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")

    def take(target, name: str) -> Path:
        path = SCREENSHOTS / f"{prefix}-{name}.png"
        if isinstance(target, Page):
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path

    return take
