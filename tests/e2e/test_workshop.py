"""A room in Chromium: participants join in their own browsers, the instructor runs the workshop page."""

from __future__ import annotations

import re

from tests.e2e.conftest import WORKSHOP_TOKEN, assert_no_js_errors, join_through_the_form

TOKEN = WORKSHOP_TOKEN




def test_participants_join_with_names_and_the_same_name_is_told_apart(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    first, second, third = contexts(errors), contexts(errors), contexts(errors)
    join_through_the_form(first, room, "Amara")
    join_through_the_form(second, room, "Amara")
    join_through_the_form(third, room, "<b>Bo</b>")
    expect(first.get_by_test_id("my-name")).to_have_text("Amara")
    expect(second.get_by_test_id("my-name")).to_have_text("Amara (2)")
    expect(third.get_by_test_id("my-name")).to_have_text("<b>Bo</b>")  # as text, not bold
    assert third.locator(".next-strip b").count() == 0
    first.reload()
    expect(first.get_by_test_id("my-name")).to_have_text("Amara")  # the browser comes back as the same person
    assert_no_js_errors(errors)


def test_the_instructor_hands_out_the_same_images_and_participants_follow_next_image(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    teacher = contexts(errors)
    teacher.goto(f"{room.url}workshop?token={TOKEN}")
    expect(teacher.get_by_role("heading", name="Workshop", exact=True)).to_be_visible()
    teacher.get_by_label("Everyone labels the same images").check()
    teacher.get_by_label("Images of this workshop").fill("3, 5")
    teacher.get_by_role("button", name="Save settings").click()
    expect(teacher.locator("#settings-status")).to_have_text("Saved.")
    expect(teacher.locator("#image-count")).to_have_text("2 images in this workshop.")

    for name in ("Amara", "Bo"):
        page = contexts(errors)
        join_through_the_form(page, room, name)
        expect(page.get_by_test_id("no-images-yet")).to_contain_text("everyone labels the same images")
        expect(page.get_by_test_id("gallery-total")).to_have_text("No image handed to you yet")
        page.get_by_test_id("next-image").click()
        page.wait_for_url(re.compile(r"/annotate/3$"))
        page.goto(room.url)
        expect(page.locator(".card")).to_have_count(1)
    assert_no_js_errors(errors)


def test_a_participant_cannot_open_the_workshop_page(room, contexts):
    errors: list[str] = []
    page = contexts(errors)
    join_through_the_form(page, room, "Amara")
    response = page.goto(f"{room.url}workshop")
    assert response.status == 403
    assert page.get_by_test_id("nav-workshop").count() == 0


def test_the_instructor_archives_then_resets_and_participants_join_again(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    participant = contexts(errors)
    join_through_the_form(participant, room, "Amara")
    teacher = contexts(errors)
    teacher.goto(f"{room.url}workshop?token={TOKEN}")
    teacher.get_by_role("button", name="Archive: write a backup now").click()
    expect(teacher.locator("#backup-status")).to_contain_text("Backup written: workshop-")
    expect(teacher.locator("#backup-list li")).to_have_count(1)
    teacher.get_by_text("Reset the workshop").click()
    teacher.locator("#reset-confirm").fill("nope")
    teacher.get_by_role("button", name="Back up and reset").click()
    expect(teacher.locator("#backup-status")).to_contain_text("reset")  # asks for the word
    expect(teacher.locator("#backup-list li")).to_have_count(1)
    teacher.locator("#reset-confirm").fill("reset")
    teacher.get_by_role("button", name="Back up and reset").click()
    expect(teacher.locator("#backup-status")).to_contain_text("Reset done")
    expect(teacher.locator("#backup-list li")).to_have_count(2)
    participant.goto(room.url)
    assert "/join" in participant.url
    assert_no_js_errors(errors)
