"""A council developer reads the API reference on a network that reaches nothing but the
service (as many council networks are): the page loads its script from the service itself
and shows the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import BROWSER_TIMEOUT_MS, new_page

pytestmark = pytest.mark.browser


async def test_the_api_reference_renders_with_nothing_but_the_service(browser, live):
    elsewhere: list[str] = []
    service = urlsplit(live.url).netloc

    async def only_the_service(route):
        if urlsplit(route.request.url).netloc == service:
            await route.continue_()
        else:
            elsewhere.append(urlsplit(route.request.url).netloc)
            await route.abort()

    async with new_page(browser, live) as page:
        await page.route("**/*", only_the_service)
        response = await page.goto("/schema")
        await page.get_by_role("heading", name="Crosscheck API").wait_for()
        sections = await page.evaluate("document.body.innerText")

    assert response.status == 200
    assert all(tag in sections for tag in ("search", "recording", "compliance", "alerts"))
    assert elsewhere == []


async def test_the_api_reference_renders_under_its_content_security_policy(browser, live):
    context = await browser.new_context(base_url=live.url)  # the policy enforced, as for users
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    refused: list[str] = []
    try:
        page = await context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text)
                if "Content Security Policy" in message.text and "script" in message.text
                else None
            ),
        )
        response = await page.goto("/schema")
        await page.get_by_role("heading", name="Crosscheck API").wait_for()
    finally:
        await context.close()
    assert "script-src" in response.headers["content-security-policy"]
    assert refused == []
