"""Computing clinicians' strengths per concern from check-ins and storing them where the roster
snapshot reads them (ClinicianStrength). Run by the beat every few hours and after each check-in
(matching/tasks.py); the estimate itself is scoring/strengths.py (pure)."""

import datetime as dt

from django.db import transaction

from clinicians.models import Concern
from consultations.checkins import therapy_outcomes

from .models import ClinicianStrength, MatchingSettings
from .scoring.strengths import Outcome, estimate_strengths
from .selectors import roster_changed


def strengths_recompute(*, now: dt.datetime) -> int:
    """Replace every estimate with one computed from today's outcomes. Returns how many."""
    k = MatchingSettings.load().strength_prior_clients
    concern_ids = {name.casefold(): pk for pk, name in Concern.objects.values_list("pk", "name")}
    outcomes = [
        Outcome(o.clinician_id, o.first_concern.casefold(), float(o.improvement))
        for o in therapy_outcomes()
        if o.first_concern.casefold() in concern_ids
    ]
    rows = [
        ClinicianStrength(
            clinician_id=e.clinician_id,
            concern_id=concern_ids[e.concern],
            clients=e.clients,
            raw_mean=e.raw_mean,
            practice_mean=e.practice_mean,
            prior_clients=e.prior_clients,
            estimate=e.estimate,
            uncertainty=e.uncertainty,
            computed_at=now,
        )
        for e in estimate_strengths(outcomes, k=k)
    ]
    with transaction.atomic():
        ClinicianStrength.objects.all().delete()
        ClinicianStrength.objects.bulk_create(rows)
        # Every process's roster snapshot rereads them.
        roster_changed()
    return len(rows)
