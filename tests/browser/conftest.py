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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A desktop-sized window, so screenshots show the layout clinicians see."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def pytest_itemcollected(item):
    # Called for every item of the session: mark only those collected from this folder.
    # (Marking here, before pytest_collection_modifyitems, lets `-m "not browser"` see it.)
    if HERE in Path(item.path).resolve().parents:
        item.add_marker(pytest.mark.browser)


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
