import datetime as dt

import factory
from django.utils import timezone

from clinicians.models import (
    Approach,
    Clinician,
    Community,
    Concern,
    ConsultationHours,
    InsurancePlan,
    Language,
    License,
    Office,
)


def vocab(model, *names):
    """The seeded vocabulary rows with these names (created when missing)."""
    rows = []
    for name in names:
        row = model.objects.filter(name__iexact=name).first() or model.objects.create(name=name)
        rows.append(row)
    return rows


class ClinicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinician
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"clinician{n}@alliance.example.org")
    bio = "I help people feel more at home in their lives."
    timezone = "America/New_York"
    self_pay_fee = 150
    accepting_new_clients = True
    is_active = True

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if create:
            self.languages.set(vocab(Language, *(extracted or ["English"])))

    @factory.post_generation
    def concerns(self, create, extracted, **kwargs):
        if create:
            self.concerns.set(vocab(Concern, *(extracted or ["anxiety", "depression"])))

    @factory.post_generation
    def focus_concerns(self, create, extracted, **kwargs):
        if create and extracted:
            self.focus_concerns.set(vocab(Concern, *extracted))

    @factory.post_generation
    def approaches(self, create, extracted, **kwargs):
        if create:
            self.approaches.set(vocab(Approach, *(extracted or ["CBT"])))

    @factory.post_generation
    def insurance(self, create, extracted, **kwargs):
        if create and extracted:
            self.insurance.set(vocab(InsurancePlan, *extracted))

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if create and extracted:
            self.communities.set(vocab(Community, *extracted))

    @factory.post_generation
    def offices(self, create, extracted, **kwargs):
        if create and extracted:
            self.offices.set(Office.objects.filter(name__in=extracted))

    @factory.post_generation
    def licensed_in(self, create, extracted, **kwargs):
        """States with an unexpired licence; NY unless given."""
        if create:
            expires = timezone.localdate() + dt.timedelta(days=365)
            for i, state in enumerate(extracted or ["NY"]):
                License.objects.create(
                    clinician=self, state=state, number=f"L-{self.pk}-{i}", expires_on=expires
                )

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        """Weekly consultation hours as (weekday, "HH:MM", "HH:MM"); Mon–Fri 9–17 unless given."""
        if not create:
            return
        windows = (
            extracted if extracted is not None else [(day, "09:00", "17:00") for day in range(5)]
        )
        for weekday, start, end in windows:
            ConsultationHours.objects.create(
                clinician=self,
                weekday=weekday,
                start=dt.time.fromisoformat(start),
                end=dt.time.fromisoformat(end),
            )
