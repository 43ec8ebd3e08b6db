import re

import pytest

from matching.models import Intake
from tests.matching.intake_steps import fill_intake

from .conftest import assert_fits_width, axe_check, choose_option, tab_to

# Transactional: the live server's thread sees the data. What a flush removes (vocabularies,
# staff groups) the suite's conftest puts back before each test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, key: str) -> None:
    page.keyboard.press(key)


def continue_to_next(page, *, check=True) -> None:
    tab_to(page, 'button[name="nav"][value="next"]')
    with page.expect_navigation():
        press(page, "Enter")
    if check:
        check_page(page)


def check_page(page) -> None:
    assert page.locator("h1").count() == 1
    assert_fits_width(page)
    axe_check(page)


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_it_completes_the_intake_by_keyboard_on_a_phone(browser_page):
    page = browser_page
    page.goto("/intake/")
    check_page(page)
    tab_to(page, 'a[href="/intake/step/safety/"]')
    with page.expect_navigation():
        press(page, "Enter")
    check_page(page)

    # Safety: a worrying answer brings the crisis resources first on the next page.
    tab_to(page, "#id_safety_0")
    press(page, "ArrowDown")  # "several days"
    continue_to_next(page)
    crisis = page.locator(".intake-crisis")
    assert crisis.is_visible()
    assert "988lifeline.org" in crisis.inner_text()
    assert crisis.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]

    # About you: who it's for, concerns ranked, goals in words and tags, on one screen.
    assert "Step 2 of 6" in page.locator("#intake-progress-label").inner_text()
    tab_to(page, "#id_for_whom_0")
    press(page, "Space")
    tab_to(page, "#id_age_band_0")
    press(page, "ArrowDown")
    press(page, "ArrowDown")  # adults
    choose_option(page, "#id_concern_1", "trauma and PTSD")
    choose_option(page, "#id_concern_2", "anxiety")
    type_into(page, "#id_goals", "Drive to work again.")
    tab_to(page, 'input[name="goal_tags"][value="heal from the past"]')
    press(page, "Space")
    continue_to_next(page)

    # How to work: sliders show their value once moved; approaches wait behind a disclosure
    # that opens from the keyboard.
    tab_to(page, "#id_lead")
    press(page, "ArrowLeft")
    assert "2 / 5" in page.locator('output[for="id_lead"]').inner_text()
    emdr = 'input[name="approaches_wanted"][value="EMDR"]'
    assert not page.locator(emdr).is_visible()
    tab_to(page, ".intake-approaches > summary")
    press(page, "Enter")
    tab_to(page, emdr)
    press(page, "Space")

    # The therapist, on the same screen: a must-have language.
    choose_option(page, "#id_language", "Spanish")
    tab_to(page, "#id_language_importance_0")
    press(page, "ArrowDown")
    press(page, "ArrowDown")  # must
    continue_to_next(page)

    # Practical.
    choose_option(page, "#id_state", "NY")
    tab_to(page, "#id_format_0")
    press(page, "ArrowDown")  # video
    type_into(page, "#id_self_pay_budget", "120")
    continue_to_next(page)

    # Contact: a mistake first, so the error summary is checked too.
    assert page.locator("#id_timezone").input_value() == "America/Chicago"
    continue_to_next(page)
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    type_into(page, "#id_first_name", "Ana")
    type_into(page, "#id_email", "ana@example.org")
    tab_to(page, "#id_consent")
    press(page, "Space")
    continue_to_next(page)

    # Review, then send.
    assert re.search(r"/intake/review/$", page.url)
    assert "Drive to work again." in page.locator("main").inner_text()
    tab_to(page, '#intake-form button[type="submit"]')
    with page.expect_navigation():
        press(page, "Enter")

    assert re.search(r"/intake/r/[\w-]{40,}/$", page.url)
    intake = Intake.objects.get()
    assert intake.follow_up == Intake.FollowUp.PENDING
    answers = intake.answers
    assert answers["concerns"] == ["trauma and PTSD", "anxiety"]
    assert answers["style"] == {"lead": 2, "focus": 3, "time": 3, "challenge": 3}
    assert answers["preferences"]["language"] == {"value": "Spanish", "importance": "must"}
    assert answers["payment"] == {"self_pay_budget": 120}
    assert answers["timezone"] == "America/Chicago"
    assert page.off_origin_requests == []


def test_it_works_at_320_pixels(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/intake/step/safety/")
    assert_fits_width(page)
    axe_check(page)


@pytest.mark.parametrize(
    ("browser_zone", "label"),
    [("America/Los_Angeles", "Pacific Time (Los Angeles)"), ("Europe/Madrid", "Madrid time")],
)
def test_it_chooses_the_browsers_time_zone_in_the_visible_list(
    client, open_page, live_server, browser_zone, label
):
    # Every screen before the contact details answered in this browser's session.
    fill_intake(client, upto="contact")
    page = open_page(timezone_id=browser_zone)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto("/intake/step/contact/")

    chosen = page.locator("#id_timezone option:checked")
    assert (chosen.get_attribute("value"), chosen.inner_text()) == (browser_zone, label)
    # The box for typing a zone stays empty: nothing overrides what the client sees.
    assert page.input_value("#id_timezone_other") == ""
    check_page(page)

    type_into(page, "#id_first_name", "Ana")
    type_into(page, "#id_email", "ana@example.org")
    tab_to(page, "#id_consent")
    press(page, "Space")
    continue_to_next(page)
    assert label in page.locator("main").inner_text()
    assert browser_zone not in page.locator("main").inner_text()
