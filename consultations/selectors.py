import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone as djtz

from clinicians.models import AvailabilityException, Clinician, ConsultationHours
from clinicians.zones import practice_today, practice_zone
from config.snapshots import Snapshot, bump_version
from config.sql import among, id_array

from . import slots, tokens
from .models import (
    BookingSettings,
    CalendarFeed,
    Consultation,
    Heartbeat,
    Notification,
    WaitlistEntry,
    WaitlistOffer,
)

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


def open_slots_by_clinician(
    *,
    clinician_ids: list[int],
    now: dt.datetime,
    limit: int | None = None,
    ignore_consultation_id: int | None = None,
    until: dt.datetime | None = None,
    include_paused: bool = False,
    ignore_hold_id: int | None = None,
) -> dict[int, list[dt.datetime]]:
    """Open consultation start times (aware UTC, sorted) per clinician id.

    Every id asked for is a key; clinicians who are inactive, paused (not accepting new
    clients) or unknown get an empty list. `ignore_consultation_id` leaves one booking out of
    the busy times (rescheduling it shouldn't be blocked by itself); `until` stops each list
    after that instant. `include_paused` keeps paused clinicians' times: pausing stops new
    clients, not an existing client moving their consultation.

    A time held for someone on the waiting list (a `WaitlistOffer` held and not yet expired)
    is busy like a booking, except to that client (`ignore_hold_id`).

    Rules, zones and hours come from the calendar snapshot when one may be shared; what changes
    by the minute (who is bookable, exceptions, bookings) is always read afresh."""
    result: dict[int, list[dt.datetime]] = {cid: [] for cid in clinician_ids}
    if not clinician_ids:
        return result
    ids = list(result)
    calendar = calendar_snapshot.current()
    if calendar is None:
        rules, zones, hours = _fresh_calendar(ids, include_paused)
        exceptions, busy = _fresh_bookings(
            list(zones), now, rules, ignore_consultation_id, ignore_hold_id
        )
    else:
        rules = calendar.rules
        zones, hours = calendar.zones_and_hours(ids)
        live, exceptions, busy = _live_rows(
            ids, now, rules, ignore_consultation_id, include_paused, ignore_hold_id
        )
        zones = {cid: zones[cid] for cid in ids if cid in live and cid in zones}

    search = slots.SlotSearch(rules=rules, now=now, until=until)
    weekly = calendar.weekly if calendar is not None else {}
    for cid, zone in zones.items():
        if cid not in hours and cid not in exceptions:
            continue
        result[cid] = search.open_slots(
            timezone=zone,
            hours=hours.get(cid, ()),
            exceptions=exceptions.get(cid, ()),
            busy=busy.get(cid, ()),
            limit=limit,
            weekly=weekly.get(cid),
        )
    return result


def _window(now: dt.datetime, rules: slots.SlotRules):
    """Dates of exceptions and instants of bookings that can affect a slot search from `now`:
    a day of margin either side covers every zone's local dates, two days every buffer and
    daily cap."""
    return (
        (now - dt.timedelta(days=1)).date(),
        (now + dt.timedelta(days=rules.horizon_days + 1)).date(),
        now - dt.timedelta(days=2),
        now + dt.timedelta(days=rules.horizon_days + 2),
    )


def _fresh_calendar(ids: list[int], include_paused: bool = False):
    rules = slot_rules()
    bookable = (
        Q(is_active=True) if include_paused else Q(is_active=True, accepting_new_clients=True)
    )
    zones = dict(
        Clinician.objects.filter(among(Clinician, "id", ids), bookable)
        .order_by()
        .values_list("pk", "timezone")
    )
    hours: dict[int, list[slots.Hours]] = defaultdict(list)
    if zones:
        for cid, weekday, start, end in (
            ConsultationHours.objects.filter(among(ConsultationHours, "clinician_id", list(zones)))
            .order_by()
            .values_list("clinician_id", "weekday", "start", "end")
        ):
            hours[cid].append(slots.Hours(weekday, start, end))
    return rules, zones, hours


def _fresh_bookings(ids: list[int], now, rules, ignore_consultation_id, ignore_hold_id=None):
    exceptions: dict[int, list[slots.DateException]] = defaultdict(list)
    busy: dict[int, list[slots.Busy]] = defaultdict(list)
    if not ids:
        return exceptions, busy
    first_date, last_date, busy_from, busy_until = _window(now, rules)
    for cid, date, kind, start, end in (
        AvailabilityException.objects.filter(
            among(AvailabilityException, "clinician_id", ids), date__range=(first_date, last_date)
        )
        .order_by()
        .values_list("clinician_id", "date", "kind", "start", "end")
    ):
        exceptions[cid].append(slots.DateException(date, kind, start, end))
    booked = Consultation.objects.filter(
        among(Consultation, "clinician_id", ids),
        status__in=ACTIVE,
        ends_at__gt=busy_from,
        starts_at__lt=busy_until,
    ).order_by()
    if ignore_consultation_id is not None:
        booked = booked.exclude(pk=ignore_consultation_id)
    held = WaitlistOffer.objects.filter(
        among(WaitlistOffer, "clinician_id", ids),
        status=WaitlistOffer.Status.HELD,
        expires_at__gt=now,
        ends_at__gt=busy_from,
        starts_at__lt=busy_until,
    ).order_by()
    if ignore_hold_id is not None:
        held = held.exclude(pk=ignore_hold_id)
    fields = ("clinician_id", "starts_at", "ends_at")
    # Bookings and held times in one query: both are busy.
    for cid, starts_at, ends_at in booked.values_list(*fields).union(
        held.values_list(*fields), all=True
    ):
        busy[cid].append(slots.Busy(starts_at, ends_at))
    return exceptions, busy


def _live_rows(
    ids: list[int], now, rules, ignore_consultation_id, include_paused=False, ignore_hold_id=None
):
    """Which of `ids` are active and accepting (or just active, with `include_paused`), and
    their exceptions, bookings and held times in the window, in one query."""
    first_date, last_date, busy_from, busy_until = _window(now, rules)
    q = connection.ops.quote_name
    clinician = Clinician._meta.db_table
    exception = AvailabilityException._meta.db_table
    consultation = Consultation._meta.db_table
    hold = WaitlistOffer._meta.db_table
    ignore = "AND id <> %s" if ignore_consultation_id is not None else ""
    ignore_hold = "AND id <> %s" if ignore_hold_id is not None else ""
    accepting = "" if include_paused else "AND accepting_new_clients"
    # Identifiers from the models only; every value is a parameter.
    sql = f"""
        SELECT 0, id, NULL::date, NULL::varchar, NULL::time, NULL::time,
               NULL::timestamptz, NULL::timestamptz
          FROM {q(clinician)}
         WHERE id = ANY(%s::bigint[]) AND is_active {accepting}
        UNION ALL
        SELECT 1, clinician_id, date, kind::varchar, start, {q("end")}, NULL, NULL
          FROM {q(exception)}
         WHERE clinician_id = ANY(%s::bigint[]) AND date BETWEEN %s AND %s
        UNION ALL
        SELECT 2, clinician_id, NULL, NULL, NULL, NULL, starts_at, ends_at
          FROM {q(consultation)}
         WHERE clinician_id = ANY(%s::bigint[]) AND status = ANY(%s::varchar[])
               AND ends_at > %s AND starts_at < %s {ignore}
        UNION ALL
        SELECT 2, clinician_id, NULL, NULL, NULL, NULL, starts_at, ends_at
          FROM {q(hold)}
         WHERE clinician_id = ANY(%s::bigint[]) AND status = %s AND expires_at > %s
               AND ends_at > %s AND starts_at < %s {ignore_hold}
    """  # noqa: S608
    array = id_array(ids)
    params = [array, array, first_date, last_date, array, ACTIVE, busy_from, busy_until]
    if ignore_consultation_id is not None:
        params.append(ignore_consultation_id)
    params += [array, WaitlistOffer.Status.HELD, now, busy_from, busy_until]
    if ignore_hold_id is not None:
        params.append(ignore_hold_id)
    live: set[int] = set()
    exceptions: dict[int, list[slots.DateException]] = defaultdict(list)
    busy: dict[int, list[slots.Busy]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for part, cid, date, kind, start, end, starts_at, ends_at in cursor.fetchall():
            if part == 0:
                live.add(cid)
            elif part == 1:
                exceptions[cid].append(slots.DateException(date, kind, start, end))
            else:
                busy[cid].append(slots.Busy(starts_at, ends_at))
    return live, exceptions, busy


# --- The per-process calendar snapshot ------------------------------------------------------


class Calendar:
    """The booking rules read when it was made, and the zones and weekly hours of every
    clinician asked about since (loaded on first ask, kept until the version changes)."""

    def __init__(self, *, rules: slots.SlotRules, booking: BookingSettings | None = None):
        self.rules = rules
        # The settings row the rules were read from (request expiry, hold minutes…).
        self.booking = booking if booking is not None else BookingSettings()
        self._zones: dict[int, str | None] = {}  # None: no such clinician
        self._hours: dict[int, tuple[slots.Hours, ...]] = {}
        self.weekly: dict[int, tuple] = {}  # slots.weekly_windows of each clinician's hours
        self._lock = threading.Lock()

    def zones_and_hours(self, ids: list[int]):
        """Zones and weekly hours of these clinicians (active or not), loading the ones not
        seen yet in one query."""
        missing = [cid for cid in ids if cid not in self._zones]
        if missing:
            zones: dict[int, str | None] = dict.fromkeys(missing)
            found: dict[int, list[slots.Hours]] = defaultdict(list)
            rows = (
                Clinician.objects.filter(among(Clinician, "id", missing))
                .order_by()
                .values_list(
                    "pk",
                    "timezone",
                    "consultation_hours__weekday",
                    "consultation_hours__start",
                    "consultation_hours__end",
                )
            )
            for cid, zone, weekday, start, end in rows:
                zones[cid] = zone
                if weekday is not None:
                    found[cid].append(slots.Hours(weekday, start, end))
            with self._lock:
                for cid in missing:
                    self._hours[cid] = hours = tuple(found.get(cid, ()))
                    self.weekly[cid] = slots.weekly_windows(hours)
                    self._zones[cid] = zones[cid]
        zones_out, hours_out = {}, {}
        for cid in ids:
            zone = self._zones.get(cid)
            if zone is None:
                continue
            zones_out[cid] = zone
            if self._hours[cid]:
                hours_out[cid] = self._hours[cid]
        return zones_out, hours_out

    def without(self, ids: frozenset[int]) -> "Calendar":
        """This calendar with these clinicians forgotten (read again on their next search)."""
        calendar = Calendar(rules=self.rules, booking=self.booking)
        with self._lock:
            zones, hours, weekly = self._zones.copy(), self._hours.copy(), self.weekly.copy()
        for cid in ids:
            for kept in (zones, hours, weekly):
                kept.pop(cid, None)
        calendar._zones, calendar._hours, calendar.weekly = zones, hours, weekly
        return calendar


# Booking rules, zones and weekly hours change rarely. When consultations' receivers
# (receivers.py) say a clinician or their hours changed, those clinicians are forgotten (read
# again on their next search); when BookingSettings changed, everything is. At least every
# minute it is read anew: a write that sends no signal is seen by then.
calendar_snapshot: Snapshot[Calendar] = Snapshot(
    key="consultations:calendar-version",
    build=lambda _stamp: _new_calendar(),
    patch=lambda calendar, ids: calendar.without(ids),
    max_age_seconds=60,
)


def _new_calendar() -> Calendar:
    booking = BookingSettings.load()
    return Calendar(rules=slot_rules(booking), booking=booking)


def calendar_changed(*, clinician_ids: Iterable[int] | None = None) -> None:
    """Tell every process's calendar snapshot: `clinician_ids` when only their zone or hours
    changed, None when the booking rules (or anything else) did."""
    calendar_snapshot.invalidate(clinician_ids)


# What the slot search and the ranking read afresh on every search: bookings, days off and extra
# hours, fit checks. Nothing here is kept per process; the stamp tells whoever stored a result
# made from them (matching's stored rankings) that it is out of date. Bumped by receivers.py
# and by the services that change consultations with queryset.update().
BOOKINGS_VERSION_KEY = "consultations:bookings-version"
CALENDAR_VERSION_KEY = calendar_snapshot.key


def bookings_changed(*, clinician_ids: Iterable[int] | None = None) -> None:
    """A booking, a day off or extra hours, or a hold changed: of these clinicians only, or
    (None) of anyone, or something every ranking reads (a fit check moves the practice's
    felt-heard rate)."""
    bump_version(BOOKINGS_VERSION_KEY, clinician_ids)


def first_hold_expiry(*, clinician_ids: list[int], now: dt.datetime) -> dt.datetime | None:
    """When the first waiting-list hold on these clinicians' times runs out (its time is then
    open again), if any is held."""
    if not clinician_ids:
        return None
    return (
        WaitlistOffer.objects.filter(
            among(WaitlistOffer, "clinician_id", clinician_ids),
            status=WaitlistOffer.Status.HELD,
            expires_at__gt=now,
        )
        .order_by()
        .aggregate(first=Min("expires_at"))["first"]
    )


def current_booking_settings() -> BookingSettings:
    """The practice's booking settings, from the calendar snapshot when one may be shared (no
    query); read afresh inside a transaction."""
    calendar = calendar_snapshot.current()
    return calendar.booking if calendar is not None else BookingSettings.load()


def current_slot_rules() -> slots.SlotRules:
    """The booking rules, from the calendar snapshot when one may be shared."""
    calendar = calendar_snapshot.current()
    return calendar.rules if calendar is not None else slot_rules()


def client_upcoming_consultation(*, client_reference, now: dt.datetime) -> Consultation | None:
    """The request or upcoming consultation this client (intake) holds, if any: one at a time."""
    return (
        Consultation.objects.filter(
            client_reference=client_reference, status__in=ACTIVE, starts_at__gt=now
        )
        .select_related("clinician")
        .order_by("starts_at")
        .first()
    )


def in_booking_window(start: dt.datetime, *, now: dt.datetime) -> bool:
    """Whether `start` lies between the minimum notice and the horizon by the practice's rules:
    a start outside can never be open (and is checked before any arithmetic on it)."""
    return slot_rules().in_window(start, now)


def clinician_open_slots(
    *,
    clinician_id: int,
    now: dt.datetime,
    limit: int | None = None,
    ignore_consultation_id: int | None = None,
    until: dt.datetime | None = None,
    include_paused: bool = False,
    ignore_hold_id: int | None = None,
) -> list[dt.datetime]:
    return open_slots_by_clinician(
        clinician_ids=[clinician_id],
        now=now,
        limit=limit,
        ignore_consultation_id=ignore_consultation_id,
        until=until,
        include_paused=include_paused,
        ignore_hold_id=ignore_hold_id,
    )[clinician_id]


def held_until(
    *, clinician_id: int, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> dt.datetime | None:
    """When the waiting-list hold on this time runs out, if someone else's hold covers it."""
    return (
        WaitlistOffer.objects.filter(
            clinician_id=clinician_id,
            status=WaitlistOffer.Status.HELD,
            expires_at__gt=now,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .order_by("expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


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
        .select_related("engagement")
        .order_by("-starts_at")[:past_limit]
    )
    return PortalLists(requests=requests, upcoming=upcoming, past=past)


def clinician_consultation(*, clinician_id: int, public_id) -> Consultation | None:
    return Consultation.objects.filter(clinician_id=clinician_id, public_id=public_id).first()


# --- The clinician's calendar feed and emails ---------------------------------------------

# How far back the feed keeps consultations that took place, so the calendar keeps them too.
FEED_PAST_DAYS = 30
# In the feed: requests (tentative) and consultations that were or are on. Cancelled, declined
# and expired ones are left out, so subscribed calendars drop them.
FEED_STATUSES = (
    Consultation.Status.REQUESTED,
    Consultation.Status.CONFIRMED,
    Consultation.Status.COMPLETED,
    Consultation.Status.NO_SHOW,
)


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The feed a subscription link opens, or None for a made-up, replaced or revoked link,
    or one whose clinician is no longer active (all alike to the caller)."""
    if not tokens.feed_token_plausible(token):
        return None
    return (
        CalendarFeed.objects.select_related("clinician")
        .filter(token_hash=tokens.feed_token_hash(token), clinician__is_active=True)
        .first()
    )


def clinician_day_consultations(*, clinician_id: int, day: dt.date, zone) -> list[Consultation]:
    """The clinician's requests and confirmed consultations on one day of theirs, in order."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return list(
        Consultation.objects.filter(
            clinician_id=clinician_id,
            status__in=ACTIVE,
            starts_at__gte=start,
            starts_at__lt=end,
        ).order_by("starts_at")
    )


def clinician_feed_consultations(*, clinician_id: int, now: dt.datetime) -> list[Consultation]:
    """What the clinician's feed holds: one query, whatever the history."""
    since = now - dt.timedelta(days=FEED_PAST_DAYS)
    return list(
        Consultation.objects.filter(
            clinician_id=clinician_id, status__in=FEED_STATUSES, ends_at__gte=since
        )
        .exclude(status=Consultation.Status.REQUESTED, starts_at__lte=now)
        .select_related("clinician")
        .order_by("starts_at")
    )


# --- The staff dashboard ------------------------------------------------------------------


def dashboard_figures(
    *, intakes_submitted: int | None, now: dt.datetime | None = None, days: int = 30
) -> dict:
    """The pipeline at a glance: waiting requests, this week's confirmations, and the funnel
    intake → booked → confirmed → completed → started therapy over the last `days` days
    (bookings by creation)."""
    now = now or djtz.now()
    since = now - dt.timedelta(days=days)
    zone = practice_zone()
    local_today = practice_today(now)
    week_start_local = dt.datetime.combine(
        local_today - dt.timedelta(days=local_today.weekday()), dt.time(), tzinfo=zone
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
        # The clinician said they're starting to work together (consultations/checkins.py).
        started=Count("pk", filter=Q(engagement__started=True)),
    )
    # Confirmed this week and still standing: a cancelled booking no longer counts.
    confirmed_this_week = (
        Consultation.objects.filter(confirmed_at__gte=week_start, confirmed_at__lte=now)
        .exclude(status=Consultation.Status.CANCELLED)
        .count()
    )

    steps = [
        ("intakes", intakes_submitted),
        ("booked", funnel_counts["booked"]),
        ("confirmed", funnel_counts["confirmed"]),
        ("completed", funnel_counts["completed"]),
        ("started", funnel_counts["started"]),
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


# --- Email delivery trouble (the admin index, the dashboard and /healthz) -----------------

# A message still failing after this long is trouble staff and operators should hear about.
EMAIL_FAILING_ALERT_AFTER = dt.timedelta(hours=1)
# Failed messages are counted for staff for this long (they stay listed in the admin).
EMAIL_FAILED_COUNTED_FOR = dt.timedelta(days=7)


def notifications_failing_q(*, now: dt.datetime) -> Q:
    """Messages still being retried that have been failing for an hour or more."""
    return Q(
        status__in=(Notification.Status.PENDING, Notification.Status.SENDING),
        failing_since__lte=now - EMAIL_FAILING_ALERT_AFTER,
    )


def notifications_failed_q(*, now: dt.datetime) -> Q:
    """Messages that failed for good (refused, or retried until the window ended) this week."""
    since = now - EMAIL_FAILED_COUNTED_FOR
    return Q(status=Notification.Status.FAILED) & (
        Q(failing_since__gte=since) | Q(failing_since__isnull=True, due_at__gte=since)
    )


def notification_trouble(*, now: dt.datetime | None = None) -> dict[str, int]:
    """How many messages failed this week and how many have been failing for an hour."""
    now = now or djtz.now()
    return Notification.objects.aggregate(
        failed=Count("pk", filter=notifications_failed_q(now=now)),
        failing=Count("pk", filter=notifications_failing_q(now=now)),
    )


def email_failing(*, now: dt.datetime | None = None) -> bool:
    """True while any message has been failing for an hour: /healthz says "degraded: email"."""
    now = now or djtz.now()
    return Notification.objects.filter(notifications_failing_q(now=now)).exists()


# --- The waiting list ------------------------------------------------------------------------


def waitlist_place(*, client_reference) -> WaitlistEntry | None:
    """The client's place on the waiting list while they wait, with whom they wait for."""
    return (
        WaitlistEntry.objects.filter(
            client_reference=client_reference,
            status=WaitlistEntry.Status.WAITING,
            ends_at__gt=djtz.now(),
        )
        .prefetch_related("choices__clinician")
        .first()
    )


def waitlist_figures(*, now: dt.datetime, days: int = 30) -> dict:
    """For the pipeline dashboard: who waits for whom, and what became of the offers made in the
    last `days` days."""
    waiting = Q(
        waitlist_choices__entry__status=WaitlistEntry.Status.WAITING,
        waitlist_choices__entry__ends_at__gt=now,
    )
    per_clinician = list(
        Clinician.objects.annotate(waiting=Count("waitlist_choices", filter=waiting))
        .filter(waiting__gt=0)
        .order_by("-waiting", "last_name", "first_name")
        .values("pk", "first_name", "last_name", "waiting")
    )
    since = now - dt.timedelta(days=days)
    offers = WaitlistOffer.objects.filter(created_at__gte=since).aggregate(
        sent=Count("pk"),
        held=Count("pk", filter=Q(status=WaitlistOffer.Status.HELD, expires_at__gt=now)),
        taken=Count("pk", filter=Q(status=WaitlistOffer.Status.TAKEN)),
        expired=Count("pk", filter=Q(status=WaitlistOffer.Status.EXPIRED)),
        released=Count("pk", filter=Q(status=WaitlistOffer.Status.RELEASED)),
    )
    return {
        "waiting": WaitlistEntry.objects.filter(
            status=WaitlistEntry.Status.WAITING, ends_at__gt=now
        ).count(),
        "per_clinician": [
            {"name": f"{row['first_name']} {row['last_name']}", "waiting": row["waiting"]}
            for row in per_clinician
        ],
        "offers": offers,
    }
