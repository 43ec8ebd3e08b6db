"""A client using the Spanish site: the intake keeps their language, asks (pre-set) whether
they'd like a therapist who speaks Spanish, and the results read in Spanish."""

import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from clinicians.models import Concern, Language
from consultations.models import Notification
from matching.forms import TherapistForm
from matching.models import Intake
from tests.clinicians.factories import ClinicianFactory

from .intake_steps import fill_intake

pytestmark = pytest.mark.django_db


def spanish(name, *args):
    with translation.override("es"):
        return reverse(name, args=args)


def fill_in_spanish(client, **kwargs):
    with translation.override("es"):
        return fill_intake(client, **kwargs)


def test_the_language_question_starts_at_spanish_nice_to_have_on_the_spanish_site():
    with translation.override("es"):
        form = TherapistForm()
        assert form["language"].value() == "Spanish"
        assert form["language_importance"].value() == "nice"
        assert form.fields["language"].help_text
    with translation.override("en"):
        form = TherapistForm()
        assert not form["language"].value()
        assert form["language_importance"].value() == "none"
    # Answers already given are never replaced.
    with translation.override("es"):
        form = TherapistForm(initial={"language": "", "language_importance": "none"})
        assert not form["language"].value()


def test_the_spanish_therapist_page_shows_spanish_chosen_and_changeable(client):
    fill_in_spanish(client, upto="therapist")
    page = client.get(spanish("matching:step", "therapist")).content.decode()
    assert re.search(r'<option value="Spanish"[^>]*selected>español</option>', page)
    assert re.search(r'value="nice"[^>]*checked', page)
    assert 'value="none"' in page and 'value="must"' in page


def test_an_intake_sent_in_spanish_is_kept_as_spanish_with_a_spanish_results_link(client):
    fill_in_spanish(client)
    response = client.post(spanish("matching:review"))
    assert response.status_code == 302
    assert response["Location"].startswith("/es/intake/r/")
    intake = Intake.objects.get()
    assert intake.language == "es"
    email = Notification.objects.get(kind="intake_results")
    assert email.payload["language"] == "es"
    assert email.payload["path"].startswith("/es/intake/r/")


def test_an_intake_sent_in_english_is_english(client):
    fill_intake(client)
    client.post(reverse("matching:review"))
    assert Intake.objects.get().language == "en"
    assert Notification.objects.get(kind="intake_results").payload["language"] == "en"


def test_changing_answers_from_the_spanish_site_makes_the_intake_spanish(client):
    fill_intake(client)
    response = client.post(reverse("matching:review"))
    token = re.fullmatch(r"/intake/r/([^/]+)/", response["Location"]).group(1)
    client.get(spanish("matching:edit", token, "goals"))
    client.post(spanish("matching:review"))
    assert Intake.objects.get().language == "es"


def test_the_review_page_reads_vocabulary_names_in_spanish(client):
    fill_in_spanish(client)
    page = client.get(spanish("matching:review")).content.decode()
    assert "trauma y estrés postraumático (TEPT)" in page
    assert "ansiedad" in page and "español" in page


def test_spanish_results_name_the_concern_and_language_in_spanish(client):
    from .test_results_view import NOW, make_intake

    ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        concerns=["trauma and PTSD", "anxiety"],
        focus_concerns=["trauma and PTSD"],
        languages=["Spanish", "English"],
        insurance=["Aetna"],
    )
    with time_machine.travel(NOW, tick=False):
        _row, token = make_intake(
            preferences={"language": {"value": "Spanish", "importance": "nice"}}
        )
        page = client.get(spanish("matching:results", token)).content.decode()
    assert '<html lang="es">' in page
    assert "Maya Chen" in page
    # The reasons name the vocabulary in Spanish: the concern and the language spoken.
    assert "trauma y estrés postraumático (TEPT)" in page
    assert "español" in page
    assert "trauma and PTSD" not in page


def test_staff_added_terms_read_in_spanish_once_staff_give_the_spanish():
    term = Concern.objects.create(name="loneliness")
    with translation.override("es"):
        assert str(term) == "loneliness"
        term.name_es = "soledad"
        assert str(term) == "soledad"
    with translation.override("en"):
        assert str(term) == "loneliness"
    assert Language.objects.get(name="Spanish").name_es == "español"
