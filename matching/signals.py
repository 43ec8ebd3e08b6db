import logging

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.dispatch import receiver
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
from clinicians.signals import roster_imported
from consultations.signals import (
    checkin_recorded,
    checkin_safety_flagged,
    client_data_erased,
    therapy_started,
    therapy_switch_requested,
)

from .models import MatchingSettings
from .selectors import ROSTER_RELATIONS, roster_changed, settings_snapshot
from .services import intake_erase
from .staff_groups import staff_groups_ensure

logger = logging.getLogger(__name__)


@receiver(client_data_erased, dispatch_uid="matching.erase_intake")
def erase_intake(sender, client_reference, **kwargs) -> None:
    if client_reference:
        intake_erase(reference=client_reference)


# --- Therapy after the consultation (matching/therapy.py) -----------------------------------


@receiver(therapy_started, dispatch_uid="matching.therapy_baseline")
def keep_baseline(sender, engagement_id, client_reference, **kwargs) -> None:
    from .therapy import therapy_baseline_keep

    therapy_baseline_keep(engagement_id=engagement_id, client_reference=client_reference)


@receiver(checkin_safety_flagged, dispatch_uid="matching.checkin_safety")
def flag_checkin_safety(sender, client_reference, week, **kwargs) -> None:
    from .therapy import checkin_safety_flag

    checkin_safety_flag(client_reference=client_reference, week=week, now=timezone.now())


@receiver(therapy_switch_requested, dispatch_uid="matching.therapy_switch")
def reopen_matches(sender, client_reference, **kwargs) -> None:
    from .therapy import therapy_switch_reopen

    therapy_switch_reopen(client_reference=client_reference, now=timezone.now())


@receiver(checkin_recorded, dispatch_uid="matching.strengths_after_checkin")
def recompute_strengths_later(sender, **kwargs) -> None:
    from .tasks import recompute_strengths

    transaction.on_commit(lambda: _queue_quietly(recompute_strengths))


def _queue_quietly(task) -> None:
    # The beat recomputes every few hours anyway: a broker outage must not fail a check-in.
    try:
        task.apply_async(retry=False)
    except Exception:  # noqa: BLE001
        logger.warning("Could not queue the strengths recompute; the beat will do it.")


# --- The roster snapshot (matching.selectors.current_roster) -------------------------------
# Any change to what a clinician's profile is built from tells every process's snapshot: with
# the clinician's id when one clinician's own rows changed (only they are read again), without
# one when a vocabulary did (every profile names its terms).

_VOCABULARY_MODELS = (Concern, Approach, Language, InsurancePlan, Community, Office)


def _clinician_changed(sender, instance, **kwargs) -> None:
    roster_changed(clinician_ids=[instance.pk])


def _clinician_row_changed(sender, instance, **kwargs) -> None:
    roster_changed(clinician_ids=[instance.clinician_id])


def _roster_links_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        roster_changed(clinician_ids=[instance.pk])
    elif pk_set is not None:
        # A term's clinicians changed (concern.clinicians.add(...)): those clinicians.
        roster_changed(clinician_ids=pk_set)
    else:
        roster_changed()  # a term's list cleared: who was on it isn't known any more


def _roster_bulk_changed(sender, clinician_ids=None, **kwargs) -> None:
    roster_changed(clinician_ids=clinician_ids)


def _everyone_changed(sender, **kwargs) -> None:
    roster_changed()


_RECEIVERS = (
    (Clinician, _clinician_changed),
    (License, _clinician_row_changed),
    (ConsultationHours, _clinician_row_changed),
    *((model, _everyone_changed) for model in _VOCABULARY_MODELS),
)
for _model, _receiver in _RECEIVERS:
    post_save.connect(
        _receiver, sender=_model, dispatch_uid=f"matching.roster.{_model.__name__}.save"
    )
    post_delete.connect(
        _receiver, sender=_model, dispatch_uid=f"matching.roster.{_model.__name__}.delete"
    )
for _field in ROSTER_RELATIONS:
    m2m_changed.connect(
        _roster_links_changed,
        sender=getattr(Clinician, _field).through,
        dispatch_uid=f"matching.roster.{_field}",
    )
# A flush or migration rewrites tables without model signals; a bulk write says who it touched
# when it knows.
post_migrate.connect(_everyone_changed, dispatch_uid="matching.roster.migrate")
roster_imported.connect(_roster_bulk_changed, dispatch_uid="matching.roster.imported")


def _settings_changed(sender, **kwargs) -> None:
    settings_snapshot.invalidate()


post_save.connect(_settings_changed, sender=MatchingSettings, dispatch_uid="matching.settings.save")
post_delete.connect(
    _settings_changed, sender=MatchingSettings, dispatch_uid="matching.settings.delete"
)
post_migrate.connect(_settings_changed, dispatch_uid="matching.settings.migrate")


def _staff_groups(sender, using="default", **kwargs) -> None:
    # Once, after the last app in INSTALLED_APPS (matching), when every permission exists.
    if sender.name == "matching":
        staff_groups_ensure(using=using)


post_migrate.connect(_staff_groups, dispatch_uid="matching.staff_groups")
