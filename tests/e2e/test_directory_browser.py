"""The public directory on a phone: without JavaScript a visitor filters, moves between pages
with the filters kept in the address, and clears an empty result; axe finds nothing on each kind
of page (axe itself needs JavaScript, so it checks the same pages in a second browser)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.clinicians.factories import ClinicianFactory

from .conftest import axe_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def roster(transactional_db):
    for n in range(30):
        ClinicianFactory(
            first_name="Ana",
            last_name=f"Texan{n:02d}",
            licensed_in=["TX"],
            languages=["English", "Spanish"],
            offers_phone=True,
        )
    for n in range(5):
        ClinicianFactory(first_name="Ben", last_name=f"Yorker{n:02d}", licensed_in=["NY"])


def _query(page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def test_a_visitor_filters_pages_and_clears_the_directory(roster, open_page):
    page = open_page(java_script_enabled=False)
    page.goto("/clinicians/")
    assert page.locator("article.card").count() == 20
    assert page.get_by_role("status").inner_text() == "1–20 of 35 clinicians"

    page.get_by_label("State you live in").select_option("TX")
    page.get_by_label("How you meet").select_option("phone")
    page.get_by_role("button", name="Show clinicians").click()
    assert page.get_by_role("status").inner_text() == "1–20 of 30 clinicians"
    assert _query(page)["state"] == ["TX"]

    pages = page.get_by_role("navigation", name="Pages of clinicians")
    assert pages.locator('[aria-current="page"]').inner_text().split() == ["Page", "1"]
    pages.get_by_role("link", name="Next").click()
    query = _query(page)
    assert (query["state"], query["format"], query["page"]) == (["TX"], ["phone"], ["2"])
    assert page.locator("article.card").count() == 10
    assert page.get_by_role("status").inner_text() == "21–30 of 30 clinicians"
    assert pages.locator('[aria-current="page"]').inner_text().split() == ["Page", "2"]
    assert page.get_by_label("State you live in").input_value() == "TX"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"

    page.get_by_label("State you live in").select_option("AK")
    page.get_by_role("button", name="Show clinicians").click()
    assert "No clinician matches these filters." in page.content()
    page.get_by_role("link", name="Clear the filters and show everyone").click()
    assert page.get_by_role("status").inner_text() == "1–20 of 35 clinicians"


def test_a_bad_filter_in_a_shared_address_is_explained(roster, browser_page):
    browser_page.goto("/clinicians/?state=ZZ&format=phone")

    assert "Some filters couldn't be used" in browser_page.get_by_role("alert").inner_text()
    assert browser_page.get_by_role("status").inner_text() == "1–20 of 30 clinicians"
    axe_check(browser_page)


@pytest.mark.parametrize(
    "address",
    [
        "/clinicians/",
        "/clinicians/?state=TX&format=phone&page=2",
        "/clinicians/?state=AK",
    ],
    ids=["first-page", "filtered-second-page", "empty"],
)
def test_every_kind_of_directory_page_passes_axe(roster, browser_page, address):
    browser_page.goto(address)

    axe_check(browser_page)
