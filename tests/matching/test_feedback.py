import datetime as dt
import uuid

import pytest

from consultations.feedback import (
    DEFAULT_FELT_HEARD_RATE,
    clinician_felt_heard_counts,
    clinicians_not_a_fit,
    practice_felt_heard_rate,
)
from consultations.models import Consultation, FitCheck
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import FitCheckFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def consult(clinician, n, *, status=Consultation.Status.COMPLETED, ref=None, **answers):
    c = Consultation.objects.create(
        clinician=clinician,
        starts_at=START + dt.timedelta(hours=n),
        ends_at=START + dt.timedelta(hours=n, minutes=15),
        status=status,
        format="video",
        client_first_name="Ana",
        client_email="ana@example.org",
        client_timezone="America/New_York",
        client_reference=ref,
    )
    values = {"felt_heard": 5, "agreed_goals": 5, "approach_makes_sense": 5, "wants_to_continue": 5}
    values.update(answers)
    FitCheck.objects.create(consultation=c, **values)
    return c


def test_it_defaults_the_practice_rate_without_answers():
    assert practice_felt_heard_rate() == DEFAULT_FELT_HEARD_RATE


def test_it_counts_felt_heard_from_every_fit_check():
    maya, joe = ClinicianFactory(), ClinicianFactory()
    consult(maya, 1, felt_heard=5)
    consult(maya, 2, felt_heard=4)
    consult(maya, 3, felt_heard=2)
    # The form opens once a confirmed consultation's time is past, before it is marked
    # completed: that answer counts too.
    consult(maya, 4, felt_heard=4, status=Consultation.Status.CONFIRMED)
    consult(joe, 5, felt_heard=3)
    assert clinician_felt_heard_counts(clinician_ids=[maya.pk, joe.pk]) == {
        maya.pk: (3, 4),
        joe.pk: (0, 1),
    }
    assert practice_felt_heard_rate() == pytest.approx(3 / 5)


def test_it_finds_the_clinicians_a_client_said_were_not_a_fit():
    ref = uuid.uuid4()
    maya, joe, sam = ClinicianFactory(), ClinicianFactory(), ClinicianFactory()
    consult(maya, 1, ref=ref, wants_to_continue=1)
    consult(joe, 2, ref=ref)
    consult(sam, 3, ref=uuid.uuid4(), agreed_goals=1)
    assert clinicians_not_a_fit(client_reference=ref) == {maya.pk}
    assert clinicians_not_a_fit(client_reference=None) == set()


@pytest.mark.parametrize("value", [2, 3])
@pytest.mark.parametrize(
    "item", ["felt_heard", "agreed_goals", "approach_makes_sense", "wants_to_continue"]
)
def test_it_agrees_with_the_fit_check_on_not_a_fit(item, value):
    answers = FitCheckFactory(consultation__status=Consultation.Status.CONFIRMED, **{item: value})
    consultation = answers.consultation

    excluded = clinicians_not_a_fit(client_reference=consultation.client_reference)

    assert (consultation.clinician_id in excluded) == answers.not_a_fit
    assert answers.not_a_fit == (value < FitCheck.LOW)
