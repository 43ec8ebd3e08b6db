"""The client's whole journey in Spanish, in a real browser whose language is Spanish: the first
visit lands on /es/, the intake (with its Spanish-speaking-therapist question pre-set), the
matches and their reasons, a booking, the emails a real Celery worker sends (in Spanish, with
links to the Spanish pages), the manage page, a reschedule, the fit check and the next matches;
the language switch both ways and the Spanish 404 page.

By mouse and without JavaScript, at 375 px; every page is checked as in test_journey.py (one
h1, no sideways scrolling, axe-core clean) and must say `lang="es"`. The intake is filled field
by field, whichever page each question is on."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from consultations import services
from consultations.models import Consultation, FitCheck
from matching.models import Intake

from . import test_journey
from .journey import Person, link_in, wait_for_emails

CLIENT_EMAIL = test_journey.CLIENT_EMAIL
# The practice, the real Celery worker and the live site of the English journey.
practice, site, worker = test_journey.practice, test_journey.site, test_journey.worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPANISH_BROWSER = {"locale": "es-US"}
VARIANTS = {"mouse": True, "no-javascript": False}
# What the client answers, by field name: (how, value). Whatever page a field is on.
ANSWERS = {
    "safety": ("choose", "not at all"),
    "for_whom": ("choose", "myself"),
    "age_band": ("choose", "adults"),
    "concern_1": ("select", "anxiety"),
    "state": ("select", "NY"),
    "format": ("choose", "video"),
    "first_name": ("fill", "Ana"),
    "email": ("fill", CLIENT_EMAIL),
    "timezone": ("select", "America/Chicago"),
    "consent": ("tick", ""),
}


class SpanishPerson(Person):
    """Checks every page as Person does, and that it is in Spanish."""

    def check(self) -> None:
        lang = self.page.locator("html").get_attribute("lang")
        assert lang == "es", f"{self.page.url} is lang={lang!r}"
        super().check()


def spanish_person(open_page, *, javascript: bool) -> SpanishPerson:
    if javascript:
        return SpanishPerson(open_page(**SPANISH_BROWSER))
    return SpanishPerson(
        open_page(java_script_enabled=False, **SPANISH_BROWSER), axe_page=open_page()
    )


def answer_the_intake(client: SpanishPerson) -> dict:
    """Every page of the intake, answering the fields it shows, until the review page. Returns
    what the language question showed before the client touched it."""
    page = client.page
    language_question = {}
    for _page_number in range(12):
        if page.url.endswith("/es/intake/review/"):
            return language_question
        assert "/es/intake/step/" in page.url, page.url
        if page.locator('select[name="language"]').count():
            language_question = {
                "language": page.input_value('select[name="language"]'),
                "importance": page.locator(
                    'input[name="language_importance"]:checked'
                ).get_attribute("value"),
            }
        for name, (how, value) in ANSWERS.items():
            field = page.locator(f'[name="{name}"]')
            if not field.count() or not field.first.is_visible():
                continue
            if how == "choose":
                client.choose(name, value)
            elif how == "select":
                client.select(f'select[name="{name}"]', value)
            elif how == "fill":
                client.fill(f'[name="{name}"]', value)
            else:
                client.tick(f'[name="{name}"]')
        client.activate('button[name="nav"][value="next"]')
    raise AssertionError("the intake never reached its review page")


def spanish_email(message) -> None:
    assert '<html lang="es">' in message.alternatives[0][0], message.subject
    links = re.findall(r"https?://[^/\s]+(/[^\s\"<]*)", message.body)
    assert all(path.startswith("/es/") for path in links), (message.subject, links)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_spanish_speaker_walks_the_whole_journey_in_spanish(variant, site, practice, open_page):
    javascript = VARIANTS[variant]
    maya = practice["maya"]
    maya.languages.add(*maya.languages.model.objects.filter(name="Spanish"))
    client = spanish_person(open_page, javascript=javascript)

    # The browser prefers Spanish: the home page's plain address opens in Spanish.
    client.open("/")
    assert client.page.url.endswith("/es/")
    assert "Encuentre un terapeuta adecuado" in client.text("h1")
    client.activate('main a[href="/es/intake/"]')
    client.activate('main a[href^="/es/intake/step/"]')
    asked = answer_the_intake(client)
    # Asked about a Spanish-speaking therapist, pre-set to "nice to have" (and left so).
    assert asked == {"language": "Spanish", "importance": "nice"}
    assert "Revise sus respuestas" in client.text("h1")
    assert "español (Me gustaría)" in client.text()
    client.activate('#intake-form button[type="submit"]')

    assert re.search(r"/es/intake/r/[\w-]{40,}/$", client.page.url)
    assert Intake.objects.get().language == "es"
    results_email = wait_for_emails(1)[0]
    spanish_email(results_email)
    assert results_email.subject == "Su enlace privado"

    # Matches and reasons in Spanish; the reasons say Maya speaks Spanish.
    first = client.page.locator("main ol > li").first
    assert "Maya Chen" in first.locator("h2").inner_text()
    assert "Habla español" in first.inner_text()
    assert "Por qué podría convenirle" in first.inner_text()

    # The switch: the same page in English, and back.
    results_path = client.page.url
    with client.page.expect_navigation():
        client.page.locator('button[name="language"][value="en"]').click()
    assert client.page.locator("html").get_attribute("lang") == "en"
    assert "/es/" not in client.page.url and client.page.url.endswith(
        results_path.split("/es", 1)[1]
    )
    client.activate('button[name="language"][value="es"]')
    assert client.page.url == results_path

    client.activate('main ol > li:first-child a[href*="/book/"]')
    client.choose("format", "video")
    client.activate('main form button[type="submit"]')
    assert "Recibimos su solicitud" in client.text("h1")
    consultation = Consultation.objects.get()
    assert consultation.client_language == "es"
    wait_for_emails(3)  # to the client and to Maya

    # Maya confirms (in English, in her portal); the confirmation reaches the client in Spanish.
    services.consultation_confirm(consultation_id=consultation.pk)
    confirmed = wait_for_emails(4)[-1]
    assert confirmed.to == [CLIENT_EMAIL]
    spanish_email(confirmed)
    assert "está confirmada" in confirmed.subject
    invite = next(
        part.get_payload(decode=True).decode()
        for part in confirmed.message().walk()
        if part.get_content_type() == "text/calendar"
    )
    assert "SUMMARY:Consulta gratuita con Maya Chen" in invite
    to_maya = [m for m in mail.outbox if m.to == [maya.email]]
    assert to_maya and all("They used the site in Spanish." in m.body for m in to_maya[:1])

    # The manage link opens the Spanish page; the client moves to another time.
    client.open(link_in(confirmed, "/consultations/manage/"))
    assert "/es/consultations/manage/" in client.page.url
    client.activate('main a[href$="/reschedule/"]')
    options = client.page.locator('button[name="start"]').evaluate_all(
        "buttons => buttons.map((b) => b.value)"
    )
    new_time = next(v for v in reversed(options) if v != consultation.starts_at.isoformat())
    client.activate(f'button[name="start"][value="{new_time}"]')
    assert "Su consulta se cambió al nuevo horario." in client.text()
    consultation.refresh_from_db()
    moved = wait_for_emails(6)
    spanish_email(next(m for m in moved[4:] if m.to == [CLIENT_EMAIL]))

    with time_machine.travel(consultation.ends_at + dt.timedelta(minutes=20), tick=True):
        services.consultation_complete(consultation_id=consultation.pk)
        fit_email = wait_for_emails(7)[-1]
        spanish_email(fit_email)
        assert fit_email.subject == "¿Cómo le fue en su consulta?"
        client.open(link_in(fit_email, "/consultations/fit-check/"))
        for item in ("felt_heard", "agreed_goals", "approach_makes_sense", "wants_to_continue"):
            client.choose(item, "2")
        client.activate('main form button[type="submit"]')
        assert FitCheck.objects.get(consultation=consultation).not_a_fit
        client.activate('main a[href*="/es/intake/next/"]')
        assert "Sus siguientes terapeutas recomendados" in client.text("h1")
        assert "Maya Chen" not in client.text()

    # A mistyped address: the Spanish 404 page.
    client.open("/es/no-existe/")
    assert "No pudimos encontrar esa página" in client.text("h1")
    assert all(m.to == [CLIENT_EMAIL] or m.to == [maya.email] for m in mail.outbox)
    assert {m.to[0] for m in mail.outbox if 'lang="es"' in m.alternatives[0][0]} == {CLIENT_EMAIL}
