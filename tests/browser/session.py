"""Logging in through the login page, as a clinician does."""

from playwright.sync_api import Page, expect

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
