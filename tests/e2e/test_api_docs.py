"""The API's browsable documentation in headless Chromium: Swagger UI, vendored, over /openapi.json."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_js_errors

pytestmark = pytest.mark.e2e


def test_the_docs_page_lists_the_operations_and_their_schemas_offline(empty_live_server, page, js_errors) -> None:
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(empty_live_server.url) else None)
    page.goto(f"{empty_live_server.url}/api/docs")
    save = page.locator(".opblock-summary-path[data-path='/api/images/{image_id}/annotations']")
    expect(save.first).to_be_visible()
    expect(page.locator(".opblock-tag", has_text="annotations")).to_be_visible()
    page.locator(".opblock-post .opblock-summary", has_text="/api/images/{image_id}/annotations").click()
    expect(page.get_by_text("Save a new outline (201)").first).to_be_visible()
    expect(page.locator(".opblock-body").get_by_text('"client_id"').first).to_be_visible()  # the example body
    expect(page.locator("section.models").get_by_text("AnnotationCreate", exact=True)).to_be_visible()
    assert outside == []  # nothing from a CDN: the page works in a room without internet
    assert_no_js_errors(js_errors)
