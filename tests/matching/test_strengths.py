"""Computing strengths per concern from check-ins (matching/strengths.py), storing them where
the roster reads them, and their effect on the ranking once a practice turns them on."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import CheckIn, Consultation, Engagement
from matching.models import ClinicianStrength, MatchingSettings
from matching.selectors import current_roster
from matching.strengths import strengths_recompute
from tests.clinicians.factories import ClinicianFactory
from tests.conftest import grant
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db


def therapy(clinician, *, before: int, after: int | None, concern="anxiety"):
    """A client of this clinician: PHQ-2 + GAD-2 `before` at intake, `after` at week 2."""
    start = timezone.now() - dt.timedelta(days=30)
    consultation = ConsultationFactory(
        clinician=clinician,
        status=Consultation.Status.COMPLETED,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=15),
    )
    per_item = [before // 4 + (1 if i < before % 4 else 0) for i in range(4)]
    engagement = Engagement.objects.create(
        consultation=consultation,
        started=True,
        first_session_on=start.date(),
        decided_at=start,
        baseline={
            "phq_interest": per_item[0],
            "phq_mood": per_item[1],
            "gad_nervous": per_item[2],
            "gad_worry": per_item[3],
            "first_concern": concern,
        },
    )
    if after is not None:
        items = [after // 4 + (1 if i < after % 4 else 0) for i in range(4)]
        CheckIn.objects.create(
            engagement=engagement,
            week=2,
            answers={"symptoms": items, "alliance": [3, 3, 3, 3]},
            submitted_at=timezone.now(),
        )
    return engagement


def test_no_checkins_no_estimates():
    therapy(ClinicianFactory(), before=8, after=None)
    assert strengths_recompute(now=timezone.now()) == 0
    assert not ClinicianStrength.objects.exists()


def test_estimates_are_shrunk_toward_the_practice_mean_with_the_stated_prior():
    helps, average = ClinicianFactory(), ClinicianFactory()
    for _ in range(4):
        therapy(helps, before=10, after=4)  # improved 6
        therapy(average, before=8, after=6)  # improved 2
    settings_row = MatchingSettings.load()
    settings_row.strength_prior_clients = 4
    settings_row.save()

    assert strengths_recompute(now=timezone.now()) == 2

    strong = ClinicianStrength.objects.get(clinician=helps)
    assert strong.clients == 4
    assert strong.raw_mean == 6.0 and strong.practice_mean == 4.0
    assert strong.prior_clients == 4
    assert strong.estimate == pytest.approx((4 * 6 + 4 * 4) / 8)
    assert strong.uncertainty > 0
    weak = ClinicianStrength.objects.get(clinician=average)
    assert weak.estimate == pytest.approx((4 * 2 + 4 * 4) / 8)


def test_the_roster_reads_them_after_a_recompute():
    helps = ClinicianFactory()
    therapy(helps, before=10, after=4)
    therapy(ClinicianFactory(), before=10, after=10)
    current_roster(now=timezone.now())  # a snapshot from before

    strengths_recompute(now=timezone.now())

    (profile,) = current_roster(now=timezone.now()).profiles([helps.pk])
    ((concern, advantage, clients),) = profile.strengths
    assert concern == "anxiety" and clients == 1 and advantage > 0


def test_a_client_without_a_full_baseline_or_a_known_concern_counts_for_nothing():
    clinician = ClinicianFactory()
    engagement = therapy(clinician, before=8, after=4)
    engagement.baseline = {**engagement.baseline, "phq_mood": None}
    engagement.save()
    therapy(clinician, before=8, after=4, concern="not a concern we list")

    assert strengths_recompute(now=timezone.now()) == 0


def test_staff_see_estimates_with_uncertainty_and_clients_behind_them(staff_client, staff_user):
    clinician = ClinicianFactory(first_name="Maya", last_name="Chen")
    therapy(clinician, before=10, after=4)
    strengths_recompute(now=timezone.now())
    grant(staff_user, "matching.view_clinicianstrength")

    response = staff_client.get(reverse("admin:matching_clinicianstrength_changelist"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Maya Chen" in body
    assert "90% interval" in body and " to " in body
    assert "In the ranking: off" in body
