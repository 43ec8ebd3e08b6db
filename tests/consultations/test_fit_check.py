import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Consultation, FitCheck
from consultations.tokens import FIT_CHECK, MANAGE, make_token
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db
GOOD = {
    "felt_heard": "5",
    "agreed_goals": "4",
    "approach_makes_sense": "4",
    "wants_to_continue": "5",
}


@pytest.fixture
def past_consultation():
    start = timezone.now() - dt.timedelta(hours=2)
    return ConsultationFactory(
        status=Consultation.Status.CONFIRMED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
        clinician__first_name="Maya",
        clinician__last_name="Okafor",
    )


def url(consultation, purpose=FIT_CHECK) -> str:
    return reverse("consultations:fit_check", args=[make_token(consultation, purpose)])


def next_match_link(consultation) -> str:
    return reverse("matching:next_match", args=[make_token(consultation, FIT_CHECK)])


def test_it_shows_the_four_items_as_labelled_groups(client, past_consultation):
    response = client.get(url(past_consultation))

    assert response.status_code == 200
    html = response.content.decode()
    for statement in (
        "I felt heard and understood.",
        "We agreed on what I want to work on.",
        "The way they would work with me makes sense to me.",
        "I would like to continue with this therapist.",
    ):
        assert statement in html
    assert html.count("<fieldset") == 4
    assert html.count("<legend") == 4
    assert html.count('type="radio"') == 20
    assert "Maya Okafor" in html


def test_it_saves_good_answers_without_offering_another_match(client, past_consultation):
    response = client.post(url(past_consultation), GOOD)

    assert response.status_code == 200
    answers = FitCheck.objects.get(consultation=past_consultation)
    assert (answers.felt_heard, answers.wants_to_continue) == (5, 5)
    assert "Thank you for telling us" in response.content.decode()
    assert "Show me my next match" not in response.content.decode()


def test_it_tells_a_client_who_wants_to_continue_how_to_book_rather_than_promising_a_call(
    client, past_consultation
):
    response = client.post(url(past_consultation), GOOD)
    revisit = client.get(url(past_consultation))

    for page in (response, revisit):
        html = page.content.decode()
        assert page.status_code == 200
        assert (
            "If you would like to continue with Maya, call us at (555) 010-2000 to book your "
            "first session."
        ) in html
        assert "in touch" not in html


@pytest.mark.parametrize(
    "low",
    [{"wants_to_continue": "2"}, {"felt_heard": "1"}, {"approach_makes_sense": "2"}],
)
def test_it_offers_the_next_match_in_one_click_after_a_low_answer(client, past_consultation, low):
    response = client.post(url(past_consultation), {**GOOD, **low})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Show me my next match" in html
    assert f'href="{next_match_link(past_consultation)}"' in html.replace(
        "http://127.0.0.1:8000", ""
    )
    assert FitCheck.objects.get(consultation=past_consultation).not_a_fit


def test_it_takes_one_submission_and_still_offers_the_next_match(client, past_consultation):
    client.post(url(past_consultation), {**GOOD, "wants_to_continue": "1"})

    second = client.post(url(past_consultation), GOOD)
    revisit = client.get(url(past_consultation))

    for response in (second, revisit):
        html = response.content.decode()
        assert response.status_code == 200
        assert "already answered" in html
        assert "Show me my next match" in html
    assert FitCheck.objects.get(consultation=past_consultation).wants_to_continue == 1


def test_it_says_what_to_fix_when_an_item_is_missing(client, past_consultation):
    response = client.post(url(past_consultation), {**GOOD, "agreed_goals": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please answer every question" in html
    assert "Choose a number from 1 to 5." in html
    assert not FitCheck.objects.filter(consultation=past_consultation).exists()


def test_it_works_for_a_completed_consultation(client, past_consultation):
    past_consultation.status = Consultation.Status.COMPLETED
    past_consultation.save()

    assert client.post(url(past_consultation), GOOD).status_code == 200
    assert FitCheck.objects.filter(consultation=past_consultation).exists()


@pytest.mark.parametrize(
    "status",
    [Consultation.Status.REQUESTED, Consultation.Status.CANCELLED, Consultation.Status.NO_SHOW],
)
def test_it_is_closed_for_a_consultation_that_did_not_take_place(client, past_consultation, status):
    past_consultation.status = status
    past_consultation.save()

    response = client.get(url(past_consultation))

    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()


def test_it_is_closed_before_the_consultation_has_ended(client):
    upcoming = ConsultationFactory(status=Consultation.Status.CONFIRMED)

    response = client.post(url(upcoming), GOOD)

    assert response.status_code == 404
    assert not FitCheck.objects.exists()


@pytest.mark.parametrize("token", ["nonsense", "x" * 400])
def test_it_answers_a_bad_link_with_a_friendly_404(client, token):
    response = client.get(reverse("consultations:fit_check", args=[token]))

    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()


def test_it_refuses_a_manage_link_or_a_revoked_link(client, past_consultation):
    assert client.get(url(past_consultation, MANAGE)).status_code == 404

    link = url(past_consultation)
    past_consultation.token_version += 1
    past_consultation.save()

    assert client.get(link).status_code == 404


# --- The rule and the record, without the view ---------------------------------------------

ANSWERS = {"felt_heard": 5, "agreed_goals": 4, "approach_makes_sense": 4, "wants_to_continue": 1}


def test_it_opens_once_the_consultation_has_taken_place(past_consultation):
    now = timezone.now()
    assert past_consultation.fit_check_open(now)
    assert not past_consultation.fit_check_open(past_consultation.ends_at - dt.timedelta(minutes=1))
    past_consultation.status = Consultation.Status.COMPLETED
    assert past_consultation.fit_check_open(past_consultation.starts_at)
    past_consultation.status = Consultation.Status.NO_SHOW
    assert not past_consultation.fit_check_open(now)


def test_it_records_the_answers_once(past_consultation):
    from consultations.services import fit_check_record

    first, recorded = fit_check_record(
        consultation_id=past_consultation.pk, now=timezone.now(), **ANSWERS
    )
    again, recorded_again = fit_check_record(
        consultation_id=past_consultation.pk,
        now=timezone.now(),
        **{**ANSWERS, "wants_to_continue": 5},
    )
    assert (recorded, recorded_again) == (True, False)
    assert again.pk == first.pk and again.wants_to_continue == 1
    assert FitCheck.objects.filter(consultation=past_consultation).count() == 1


def test_it_records_nothing_for_a_consultation_not_yet_over():
    from consultations.services import FitCheckClosed, fit_check_record

    upcoming = ConsultationFactory(status=Consultation.Status.CONFIRMED)
    with pytest.raises(FitCheckClosed):
        fit_check_record(consultation_id=upcoming.pk, now=timezone.now(), **ANSWERS)
    assert not FitCheck.objects.exists()
