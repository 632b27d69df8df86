"""Static files (style sheets, the editor's ES modules) as a browser gets them: pages link them under
/static/<fingerprint>/, kept a year as immutable, and the modules' relative imports land under the same
fingerprint; the plain /static/ addresses still answer, revalidated by ETag."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from annotator.web.serving import static_fingerprint
from tests.conftest import add_image

IMPORTS = re.compile(r'(?:^|\n)\s*import\b[^;]*?"(\.{1,2}/[^"]+)"')


@pytest.fixture
def image_id(app) -> int:
    return add_image(app, 300, 200, source="import")


def served_modules(client, page_url: str) -> tuple[list[str], set[str]]:
    """The static files a page links, then every module they import, fetched as a browser would: each must be
    served under the page's fingerprint, immutable. Answers (linked, everything fetched)."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    linked = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.get_data(as_text=True))
    prefix = re.match(r"/static/([0-9a-f]{12})/", linked[0])
    assert prefix and all(url.startswith(prefix.group(0)) for url in linked)
    wanted, seen = list(linked), set(linked)
    while wanted:
        url = wanted.pop()
        response = client.get(url)
        assert response.status_code == 200, url
        control = response.headers["Cache-Control"]
        assert "max-age=31536000" in control and "immutable" in control, (url, control)
        if url.endswith(".js"):
            for found in IMPORTS.findall(response.get_data(as_text=True)):
                module = urljoin(url, found)
                assert module.startswith(prefix.group(0))
                if module not in seen:
                    seen.add(module)
                    wanted.append(module)
    return linked, seen


def test_the_editor_and_every_module_it_imports_are_served_versioned_and_immutable(client, image_id):
    linked, seen = served_modules(client, f"/annotate/{image_id}")
    assert {Path(url).name for url in linked} >= {"app.css", "editor.css", "main.js"}
    assert len([url for url in seen if url.endswith(".js")]) > 10  # the imports were followed


@pytest.mark.parametrize(("page", "modules"), [
    ("/labour", {"api.js", "dom.js", "format.js", "table.js"}),
    ("/receipt", {"api.js", "dom.js", "format.js"}),
    ("/flags", {"api.js", "dom.js"}),
    ("/agreement/{image}", {"api.js", "dom.js", "format.js", "table.js"}),
    ("/replay/{image}", {"api.js", "dom.js", "format.js"}),
    ("/export", {"api.js", "dom.js", "format.js"}),
    ("/workshop", {"api.js", "dom.js", "format.js"}),
    ("/", {"api.js", "dom.js"}),  # the gallery's uploads
])
def test_every_page_gets_the_shared_browser_modules_versioned(client, image_id, page, modules):
    """static/js/common/: the pages' one API client, DOM helper, formatters and tables reach each page under
    the same fingerprint as the page's own module."""
    _, seen = served_modules(client, page.format(image=image_id))
    assert {Path(url).name for url in seen if "/js/common/" in url} >= modules


def test_the_pay_panel_reaches_its_vendored_view_library_versioned_as_javascript(client):
    """The receipt's pay panel imports Preact and htm (static/vendor/, ES modules, no build step) by relative
    address: they arrive under the page's fingerprint, immutable, as JavaScript (module scripts need a
    JavaScript type, and nosniff forbids guessing), with a Content-Security-Policy that allows them."""
    _, seen = served_modules(client, "/receipt")
    vendored = {url.split("/vendor/", 1)[1] for url in seen if "/vendor/" in url}
    assert vendored == {"preact-10.29.8/preact.module.js", "htm-3.1.1/htm.module.js"}
    for url in seen:
        if "/vendor/" in url:
            response = client.get(url)
            assert response.mimetype == "text/javascript", (url, response.mimetype)
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_plain_static_addresses_are_revalidated_by_etag(client):
    first = client.get("/static/js/editor/main.js")
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    again = client.get("/static/js/editor/main.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_another_fingerprint_is_not_found(client):
    assert client.get("/static/000000000000/js/editor/main.js").status_code == 404


def test_the_fingerprint_changes_with_any_file(tmp_path: Path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;")
    before = static_fingerprint(tmp_path)
    assert static_fingerprint(tmp_path) == before
    (tmp_path / "js" / "a.js").write_text("export const a = 2;")
    assert static_fingerprint(tmp_path) != before
