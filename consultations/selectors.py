import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone as djtz

from clinicians.models import AvailabilityException, Clinician, ConsultationHours

from . import slots
from .models import BookingSettings, Consultation, Heartbeat

ACTIVE = list(Consultation.ACTIVE_STATUSES)


def slot_rules(booking: BookingSettings | None = None) -> slots.SlotRules:
    booking = booking or BookingSettings.load()
    return slots.SlotRules(
        slot_minutes=booking.slot_minutes,
        buffer_minutes=booking.buffer_minutes,
        minimum_notice_hours=booking.minimum_notice_hours,
        horizon_days=booking.horizon_days,
        daily_cap=booking.daily_cap,
    )


def clinicians_open_slots(
    *,
    clinician_ids: list[int],
    now: dt.datetime,
    limit: int | None = None,
    ignore_consultation_id: int | None = None,
    until: dt.datetime | None = None,
) -> dict[int, list[dt.datetime]]:
    """Open consultation start times (aware UTC, sorted) per clinician id, in five queries.

    Every id asked for is a key; clinicians who are inactive, paused (not accepting new
    clients) or unknown get an empty list. `ignore_consultation_id` leaves one booking out of
    the busy times (rescheduling it shouldn't be blocked by itself); `until` stops each list
    after that instant."""
    result: dict[int, list[dt.datetime]] = {cid: [] for cid in clinician_ids}
    if not clinician_ids:
        return result
    rules = slot_rules()
    zones = dict(
        Clinician.objects.filter(
            pk__in=clinician_ids, is_active=True, accepting_new_clients=True
        ).values_list("pk", "timezone")
    )
    if not zones:
        return result
    ids = list(zones)

    hours: dict[int, list[slots.Hours]] = defaultdict(list)
    for cid, weekday, start, end in ConsultationHours.objects.filter(
        clinician_id__in=ids
    ).values_list("clinician_id", "weekday", "start", "end"):
        hours[cid].append(slots.Hours(weekday, start, end))

    # A day of margin either side covers every zone's local dates.
    first_date = (now - dt.timedelta(days=1)).date()
    last_date = (now + dt.timedelta(days=rules.horizon_days + 1)).date()
    exceptions: dict[int, list[slots.DateException]] = defaultdict(list)
    for cid, date, kind, start, end in AvailabilityException.objects.filter(
        clinician_id__in=ids, date__range=(first_date, last_date)
    ).values_list("clinician_id", "date", "kind", "start", "end"):
        exceptions[cid].append(slots.DateException(date, kind, start, end))

    busy: dict[int, list[slots.Busy]] = defaultdict(list)
    booked = Consultation.objects.filter(
        clinician_id__in=ids,
        status__in=ACTIVE,
        ends_at__gt=now - dt.timedelta(days=2),
        starts_at__lt=now + dt.timedelta(days=rules.horizon_days + 2),
    )
    if ignore_consultation_id is not None:
        booked = booked.exclude(pk=ignore_consultation_id)
    for cid, starts_at, ends_at in booked.values_list("clinician_id", "starts_at", "ends_at"):
        busy[cid].append(slots.Busy(starts_at, ends_at))

    for cid in ids:
        if cid not in hours and cid not in exceptions:
            continue
        result[cid] = slots.open_slots(
            timezone=zones[cid],
            hours=hours.get(cid, ()),
            exceptions=exceptions.get(cid, ()),
            busy=busy.get(cid, ()),
            rules=rules,
            now=now,
            limit=limit,
            until=until,
        )
    return result


def clinician_open_slots(
    *,
    clinician_id: int,
    now: dt.datetime,
    limit: int | None = None,
    ignore_consultation_id: int | None = None,
    until: dt.datetime | None = None,
) -> list[dt.datetime]:
    return clinicians_open_slots(
        clinician_ids=[clinician_id],
        now=now,
        limit=limit,
        ignore_consultation_id=ignore_consultation_id,
        until=until,
    )[clinician_id]


def slots_after(options: list[dt.datetime], after: dt.datetime, count: int) -> list[dt.datetime]:
    """The `count` open times closest after `after` (what to offer instead of a taken time)."""
    later = [s for s in options if s >= after]
    return (later or options)[:count]


# --- The clinician's portal ---------------------------------------------------------------


@dataclass
class PortalLists:
    requests: list[Consultation]
    upcoming: list[Consultation]
    past: list[Consultation]


def clinician_portal_lists(*, clinician_id: int, now: dt.datetime, past_limit: int = 50):
    """Requests awaiting confirmation (soonest first), upcoming confirmed, and the recent past."""
    mine = Consultation.objects.filter(clinician_id=clinician_id)
    requests = list(
        mine.filter(status=Consultation.Status.REQUESTED, starts_at__gt=now).order_by("starts_at")
    )
    upcoming = list(
        mine.filter(status=Consultation.Status.CONFIRMED, starts_at__gt=now).order_by("starts_at")
    )
    # Everything that has started, newest first; confirmed ones wait to be marked completed.
    past = list(
        mine.filter(starts_at__lte=now)
        .exclude(status=Consultation.Status.REQUESTED)
        .order_by("-starts_at")[:past_limit]
    )
    return PortalLists(requests=requests, upcoming=upcoming, past=past)


def clinician_consultation(*, clinician_id: int, public_id) -> Consultation | None:
    return Consultation.objects.filter(clinician_id=clinician_id, public_id=public_id).first()


# --- The staff dashboard ------------------------------------------------------------------

IntakeCounter = Callable[[dt.datetime, dt.datetime], int]
_intake_counter: IntakeCounter | None = None


def register_intake_counter(counter: IntakeCounter | None) -> None:
    """Let the app that owns intakes say how many were submitted in [since, until).

    Consultations doesn't know about intakes; matching registers this from its AppConfig."""
    global _intake_counter
    _intake_counter = counter


def intakes_submitted(*, since: dt.datetime, until: dt.datetime) -> int | None:
    return _intake_counter(since, until) if _intake_counter else None


def dashboard_figures(
    *, intakes_submitted: int | None, now: dt.datetime | None = None, days: int = 30
) -> dict:
    """The pipeline at a glance: waiting requests, this week's confirmations, and the funnel
    intake → booked → confirmed → completed over the last `days` days (bookings by creation)."""
    now = now or djtz.now()
    since = now - dt.timedelta(days=days)
    practice_zone = ZoneInfo(settings.PRACTICE_TIME_ZONE)
    local_today = now.astimezone(practice_zone).date()
    week_start_local = dt.datetime.combine(
        local_today - dt.timedelta(days=local_today.weekday()), dt.time(), tzinfo=practice_zone
    )
    week_start = week_start_local.astimezone(dt.UTC)

    waiting = list(
        Consultation.objects.filter(status=Consultation.Status.REQUESTED)
        .select_related("clinician")
        .order_by("created_at")
    )
    awaiting = [
        {
            "consultation": c,
            "waiting_hours": max(0, int((now - c.created_at).total_seconds() // 3600)),
        }
        for c in waiting
    ]
    funnel_counts = Consultation.objects.filter(created_at__gte=since).aggregate(
        booked=Count("pk"),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        completed=Count("pk", filter=Q(status=Consultation.Status.COMPLETED)),
    )
    confirmed_this_week = Consultation.objects.filter(
        confirmed_at__gte=week_start, confirmed_at__lte=now
    ).count()

    steps = [
        ("intakes", intakes_submitted),
        ("booked", funnel_counts["booked"]),
        ("confirmed", funnel_counts["confirmed"]),
        ("completed", funnel_counts["completed"]),
    ]
    top = max([n for _k, n in steps if n is not None] + [1])
    funnel = []
    previous = None
    for key, count in steps:
        rate = None
        if count is not None and previous:
            rate = round(100 * count / previous)
        funnel.append(
            {
                "key": key,
                "count": count,
                "percent_of_top": round(100 * (count or 0) / top),
                "rate_from_previous": rate,
            }
        )
        if count is not None:
            previous = count
    oldest = max((a["waiting_hours"] for a in awaiting), default=0)
    return {
        "now": now,
        "days": days,
        "awaiting": awaiting,
        "awaiting_count": len(awaiting),
        "awaiting_oldest_hours": oldest,
        "awaiting_max_for_bars": max(oldest, 1),
        "confirmed_this_week": confirmed_this_week,
        "week_start": week_start,
        "funnel": funnel,
    }


def heartbeat_at(*, name: str):
    """When the periodic job `name` last finished, or None if it never has."""
    return Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
