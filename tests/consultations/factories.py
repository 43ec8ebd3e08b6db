import datetime as dt
import uuid

import factory
from django.utils import timezone

from consultations.models import BookingSettings, Consultation, FitCheck
from matching.models import Intake
from matching.tokens import new_token
from tests.clinicians.factories import ClinicianFactory


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    clinician = factory.SubFactory(ClinicianFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=15))
    status = Consultation.Status.REQUESTED
    format = Consultation.Format.VIDEO
    client_first_name = "Ana"
    client_email = factory.Sequence(lambda n: f"client{n}@example.org")
    client_phone = ""
    client_timezone = "America/Los_Angeles"
    client_reference = factory.LazyFunction(uuid.uuid4)
    client_summary = factory.LazyFunction(lambda: [["Concerns", "anxiety, sleep"]])


class FitCheckFactory(factory.django.DjangoModelFactory):
    """A client's answers (all 5 unless given) about a consultation that took place."""

    class Meta:
        model = FitCheck

    consultation = factory.SubFactory(
        ConsultationFactory,
        status=Consultation.Status.COMPLETED,
        starts_at=factory.LazyFunction(
            lambda: (timezone.now() - dt.timedelta(days=1)).replace(second=0, microsecond=0)
        ),
    )
    felt_heard = 5
    agreed_goals = 5
    approach_makes_sense = 5
    wants_to_continue = 5


def booking_settings(**values) -> BookingSettings:
    """Save the practice's booking settings (defaults unless given)."""
    row = BookingSettings.load()
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    return row


INTAKE_ANSWERS = {
    "for_whom": "myself",
    "age_band": "adults",
    "concerns": ["anxiety", "sleep"],
    "goals": "Sleep through the night.",
    "style": {"lead": 2, "focus": 4, "time": 3, "challenge": 3},
    "approaches_wanted": ["CBT"],
    "approaches_avoided": [],
    "preferences": {"language": {"value": "Spanish", "importance": "must"}},
    "state": "NY",
    "format": "video",
    "times": ["weekday daytime"],
    "payment": {"insurance": "Aetna"},
    "safety": "not at all",
    "first_name": "Ana",
    "email": "ana@example.org",
    "phone": "555 010 3000",
    "timezone": "America/Los_Angeles",
}


def make_intake(**answers) -> tuple[Intake, str]:
    """A submitted intake and the raw secret of its results link."""
    raw, hashed = new_token()
    now = timezone.now()
    intake = Intake.objects.create(
        token_hash=hashed,
        answers={**INTAKE_ANSWERS, **answers},
        submitted_at=now,
        expires_at=now + dt.timedelta(days=30),
    )
    return intake, raw
