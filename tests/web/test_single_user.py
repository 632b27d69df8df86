"""Single-user mode: the laptop's owner is one person, whichever browser or profile they use."""

from __future__ import annotations

from annotator.store import library
from annotator.store.models import Annotator, db
from tests.conftest import image_bytes
from tests.web.test_labour_api import Session


def test_every_browser_on_this_computer_is_the_same_single_user(app):
    with app.app_context():
        image_id = library.add_image(image_bytes(200, 100), "street.jpg", "upload")[0].id
    firefox, chromium = app.test_client(), app.test_client()  # two browsers: two cookie jars
    Session(firefox, image_id, "firefox-session-1").draw("car-firefox", category=1, search=1_000,
                                                         clicks=[400, 400, 400], close_after=300)
    Session(chromium, image_id, "chromium-session-1").draw("car-chromium", category=1, search=1_000,
                                                           clicks=[400, 400, 400], close_after=300)
    first, second = firefox.get("/api/me").get_json(), chromium.get("/api/me").get_json()
    assert first["annotator"] == second["annotator"] and first["display_name"] == "Local user"
    summary = chromium.get("/api/labour/summary.json?annotator=me").get_json()
    assert summary["totals"]["people"] == 1 and summary["totals"]["polygons"] == 2
    assert len(summary["people"]) == 1 and summary["people"][0]["polygons"] == 2
    with app.app_context():
        assert db.session.query(Annotator).count() == 1


def test_an_installation_from_before_keeps_its_first_local_user_as_the_single_user(app):
    with app.app_context():
        earlier = [Annotator(public_id=f"0000000{n}-0000-4000-8000-000000000000", display_name="Local user")
                   for n in (1, 2)]
        db.session.add_all(earlier)
        db.session.commit()
    assert app.test_client().get("/api/me").get_json()["annotator"] == "annotator-00000001"
