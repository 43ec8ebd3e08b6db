"""A clinician's profile in the browser, on a phone and on a desktop: a visitor starts the intake
from it; a client whose results this browser opened books a listed time in one step. axe finds
nothing either way, with or without JavaScript's help (the page needs none)."""

import re

import pytest

from tests.clinicians.factories import ClinicianFactory
from tests.matching.intake_steps import fill_intake

from .conftest import assert_fits_width, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def maya(transactional_db):
    return ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        intro="I help people find steadier ground after something frightening.",
        concerns=["trauma and PTSD", "anxiety"],
        approaches=["EMDR"],
        languages=["English", "Spanish"],
        communities=["Latina/o/x"],
        insurance=["Aetna"],
        gender="woman",
        hours=[(day, "08:00", "20:00") for day in range(7)],
    )


def check(page) -> None:
    assert page.locator("h1").count() == 1
    assert_fits_width(page)
    axe_check(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_a_visitor_reads_a_profile_and_starts_the_intake_from_it(open_page, maya, width):
    page = open_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/clinicians/{maya.slug}/")
    check(page)
    assert "steadier ground" in page.locator(".profile-intro").inner_text()
    assert page.locator("#consult ~ ul li").count() >= 1  # the next open times, as text
    with page.expect_navigation():
        page.locator("aside a.btn-primary").click()
    assert page.url.endswith("/intake/")


def test_a_client_with_results_books_from_the_profile_by_keyboard(client, open_page, maya):
    from django.urls import reverse

    fill_intake(client)
    results = client.post(reverse("matching:review"))["Location"]
    page = open_page()
    page.goto(results)  # the link from their email, opened in this browser
    check(page)
    page.goto(f"/clinicians/{maya.slug}/")
    check(page)
    first_time = page.locator("aside a[href*='/book/'][href*='?start=']").first
    assert re.match(r"Book \w{3} \d+ \w{3}, ", first_time.inner_text())
    first_time.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#id_first_name").input_value() == "Ana"
    check(page)
