"""The interactive API docs in Chromium: served from our own static files (no CDN), and
"Try it out" works over the logged-in session, CSRF header included, for a write."""

import pytest
from playwright.sync_api import Page, expect

from cadm.api.models import ApiToken
from tests.browser.session import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_try_it_out_writes_over_the_session(page: Page, live_server, rheumatologist,
                                            screenshot):
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(live_server.url) else None)
    log_in(page, live_server.url, rheumatologist.username)
    page.goto(f"{live_server.url}/api/docs/")
    operation = page.locator("#operations-account-tokens_create")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("textarea.body-param__text").fill('{"name": "from the docs"}')
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first
           ).to_have_text("201")
    screenshot(page, "docs-token-created")
    assert ApiToken.objects.filter(user=rheumatologist, name="from the docs").count() == 1
    assert outside == []
