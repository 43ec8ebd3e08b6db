"""The language of what clients see: the /es/ prefix, the first visit's Accept-Language, the
switch on every client page, and staff pages that stay in English at their plain addresses."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.clinicians.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


def spanish(name, *args):
    with translation.override("es"):
        return reverse(name, args=args)


def test_client_pages_live_under_es_and_english_addresses_stay_as_they_were():
    assert reverse("home") == "/"
    assert reverse("matching:start") == "/intake/"
    assert reverse("consultations:manage", args=["t"]) == "/consultations/manage/t/"
    assert spanish("home") == "/es/"
    assert spanish("matching:start") == "/es/intake/"
    assert spanish("clinicians:directory") == "/es/clinicians/"
    assert spanish("consultations:manage", "t") == "/es/consultations/manage/t/"
    assert spanish("consultations:fit_check", "t") == "/es/consultations/fit-check/t/"


def test_staff_pages_have_no_spanish_address():
    for name in ("consultations:portal", "admin:index", "healthz", "login"):
        assert spanish(name) == reverse(name), name
    feed = reverse("consultations:calendar_feed", args=["t"])
    assert spanish("consultations:calendar_feed", "t") == feed == "/consultations/calendar/t.ics"
    assert spanish("consultations:portal_decline", "00000000-0000-0000-0000-000000000000")[:4] == (
        "/con"
    )


@pytest.mark.parametrize(
    "path", ["/es/", "/es/intake/", "/es/clinicians/", "/es/privacy/", "/es/no-such-page/"]
)
def test_spanish_pages_say_so(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert b'<html lang="es">' in response.content
    assert response["Content-Language"] == "es"


def test_an_english_page_is_english(client):
    response = client.get("/intake/")
    assert b'<html lang="en">' in response.content


def test_a_spanish_browser_lands_on_the_spanish_page_on_its_first_visit(client):
    response = client.get("/intake/?from=ad", HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/es/intake/?from=ad"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
    # An English browser, a posted form and a path with no Spanish twin stay where they are.
    assert client.get("/intake/", HTTP_ACCEPT_LANGUAGE="en-US,en").status_code == 200
    assert client.get("/healthz", HTTP_ACCEPT_LANGUAGE="es").status_code in (200, 503)
    assert client.get("/login/", HTTP_ACCEPT_LANGUAGE="es").status_code == 200
    admin = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es")
    assert admin.status_code == 302 and not admin["Location"].startswith("/es/")


def test_a_private_link_opens_in_the_language_it_was_sent_in(client):
    # An English email's link, opened on a phone that prefers Spanish, stays English.
    response = client.get(
        reverse("consultations:manage", args=["not-a-real-token"]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 404
    assert b'<html lang="en">' in response.content
    assert client.get("/intake/step/safety/", HTTP_ACCEPT_LANGUAGE="es").status_code != 302


def test_a_language_chosen_with_the_switch_wins_over_the_browser(client):
    response = client.post(
        "/es/language/", {"language": "en", "next": "/es/intake/?from=ad"}, follow=False
    )
    assert response.status_code == 302
    assert response["Location"] == "/intake/?from=ad"
    # The choice is kept: the Spanish browser is no longer sent to /es/.
    page = client.get("/intake/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    assert b'<html lang="en">' in page.content


def test_the_switch_goes_to_the_same_page_in_spanish(client):
    clinician = ClinicianFactory(first_name="Maya", last_name="Chen")
    path = reverse("clinicians:profile", args=[clinician.slug])
    page = client.get(path).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert f'name="next" value="{path}"' in page
    assert 'value="es" lang="es"' in page and ">Español</button>" in page
    response = client.post(reverse("set_language"), {"language": "es", "next": path})
    assert response["Location"] == "/es" + path
    spanish_page = client.get(response["Location"]).content.decode()
    assert 'value="en" lang="en"' in spanish_page and ">English</button>" in spanish_page


def test_the_switch_works_without_javascript_on_every_client_page(client):
    for path in ("/", "/intake/", "/clinicians/", "/privacy/", "/es/", "/es/intake/"):
        page = client.get(path).content.decode()
        assert '<form method="post" action="' in page and 'name="language"' in page, path


def test_staff_pages_show_no_switch(client, django_user_model):
    user = django_user_model.objects.create_user(username="maya", password="x" * 12)
    ClinicianFactory(user=user)
    client.force_login(user)
    page = client.get(reverse("consultations:portal")).content.decode()
    assert 'name="language"' not in page
    assert '<html lang="en">' in page


def test_spanish_numbers_keep_the_us_decimal_point():
    from django.utils import formats

    with translation.override("es"):
        assert formats.number_format(1200.5, 2, force_grouping=True) == "1,200.50"


def _home_fails_with(monkeypatch, error):
    """The home page's one read raises `error`: what a client sees when a page breaks."""

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr("clinicians.selectors.clinician_faces", fail)


def test_the_server_error_page_is_in_the_pages_language(client, monkeypatch):
    _home_fails_with(monkeypatch, RuntimeError("broken"))
    client.raise_request_exception = False

    spanish_page = client.get("/es/")
    english_page = client.get("/")

    assert spanish_page.status_code == english_page.status_code == 500
    text = spanish_page.content.decode()
    assert '<html lang="es">' in text
    assert "Algo salió mal de nuestro lado" in text
    assert "oprima el 2 para español" in text  # 988's Spanish line
    assert "Something went wrong" not in text
    assert '<html lang="en">' in english_page.content.decode()
    assert "Something went wrong on our side" in english_page.content.decode()


def test_the_too_many_requests_page_is_in_the_pages_language(client, monkeypatch):
    from django_ratelimit.exceptions import Ratelimited

    _home_fails_with(monkeypatch, Ratelimited())

    response = client.get("/es/")

    assert response.status_code == 429
    text = response.content.decode()
    assert '<html lang="es">' in text
    assert "Please wait a moment" not in text
    with translation.override("es"):
        assert translation.gettext("Please wait a moment") in text
