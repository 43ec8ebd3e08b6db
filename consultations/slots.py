"""Open consultation times, computed from plain data: no ORM, no request, no clock.

Weekly hours and exceptions are wall-clock times in the clinician's zone. Each date's times are
built with zoneinfo for that date and then converted to UTC, so a daylight-saving change moves
the UTC times, never the wall-clock ones. Wall times that don't exist (spring forward) are
skipped; repeated wall times (fall back) take their first occurrence (fold=0).
"""

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = dt.UTC
TIME_OFF = "time_off"
EXTRA = "extra"


@dataclass(frozen=True)
class SlotRules:
    slot_minutes: int = 15
    buffer_minutes: int = 5
    minimum_notice_hours: int = 12
    horizon_days: int = 21
    # 0 means no cap.
    daily_cap: int = 4

    def window(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """[earliest, latest): when a consultation may start, seen at `now` (the minimum
        notice, then the horizon). Nothing outside it is ever open."""
        return (
            now + dt.timedelta(hours=self.minimum_notice_hours),
            now + dt.timedelta(days=self.horizon_days),
        )

    def in_window(self, start: dt.datetime, now: dt.datetime) -> bool:
        earliest, latest = self.window(now)
        return earliest <= start < latest


@dataclass(frozen=True)
class Hours:
    weekday: int  # 0 = Monday
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class DateException:
    date: dt.date
    kind: str  # TIME_OFF or EXTRA
    start: dt.time | None = None  # both None: the whole day
    end: dt.time | None = None


@dataclass(frozen=True)
class Busy:
    """An active consultation: it blocks its minutes (plus the buffer) and counts toward the cap."""

    starts_at: dt.datetime
    ends_at: dt.datetime


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _subtract(windows: list[tuple[int, int]], cut: tuple[int, int]) -> list[tuple[int, int]]:
    lo, hi = cut
    out = []
    for start, end in windows:
        if hi <= start or lo >= end:
            out.append((start, end))
            continue
        if start < lo:
            out.append((start, lo))
        if hi < end:
            out.append((hi, end))
    return out


def day_windows(
    date: dt.date, hours: Iterable[Hours], exceptions: Iterable[DateException]
) -> list[tuple[int, int]]:
    """The day's bookable windows as sorted, disjoint (start, end) minutes after local midnight.

    Weekly hours, plus extra hours, minus time off; time off wins over extra hours on the same
    date, because booking someone during their time off is worse than missing an extra slot."""
    windows = [(_minutes(h.start), _minutes(h.end)) for h in hours if h.weekday == date.weekday()]
    day_exceptions = [e for e in exceptions if e.date == date]
    windows += [
        (_minutes(e.start), _minutes(e.end))
        for e in day_exceptions
        if e.kind == EXTRA and e.start is not None and e.end is not None
    ]
    for e in day_exceptions:
        if e.kind != TIME_OFF:
            continue
        if e.start is None or e.end is None:
            return []
        windows = _subtract(windows, (_minutes(e.start), _minutes(e.end)))
    return _merged(windows)


def _merged(windows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _local_to_utc(date: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a wall-clock time, or None when that time doesn't exist that day."""
    local = dt.datetime(date.year, date.month, date.day, minute // 60, minute % 60, tzinfo=zone)
    instant = local.astimezone(UTC)
    back = instant.astimezone(zone)
    if (back.hour, back.minute) != (local.hour, local.minute):
        return None  # skipped by a spring-forward change
    return instant


def _steady_offset(midnight: dt.datetime, zone: ZoneInfo) -> dt.timedelta | None:
    """The day's UTC offset when it has no daylight-saving change (most days), else None."""
    first = zone.utcoffset(midnight)
    last = zone.utcoffset(midnight + dt.timedelta(hours=23, minutes=59))
    # A change at midnight itself would show in the fold, so check it too.
    if first != last or zone.utcoffset(midnight.replace(fold=1)) != first:
        return None
    return first


@lru_cache(maxsize=16384)
def _day_offset(zone_name: str, date: dt.date) -> dt.timedelta | None:
    """`_steady_offset` for a zone's date, remembered: a roster has a handful of zones, and
    every clinician in one shares its offsets."""
    return _steady_offset(dt.datetime(date.year, date.month, date.day), ZoneInfo(zone_name))


def weekly_windows(hours: Iterable[Hours]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Each weekday's merged windows (minutes after local midnight), Monday first: what
    `day_windows` gives on a date without exceptions, worked out once per clinician."""
    by_day: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for h in hours:
        by_day[h.weekday].append((_minutes(h.start), _minutes(h.end)))
    return tuple(tuple(_merged(windows)) for windows in by_day)


def open_slots(
    *,
    timezone: str,
    hours: Iterable[Hours],
    exceptions: Iterable[DateException],
    busy: Iterable[Busy],
    rules: SlotRules,
    now: dt.datetime,
    limit: int | None = None,
    until: dt.datetime | None = None,
) -> list[dt.datetime]:
    """Start times (aware, UTC, sorted) when this clinician can take a new consultation.

    `busy` should cover every active consultation from a day before `now` to a day past the
    horizon, so buffers and the daily cap see them. With `limit`, stops after that many; with
    `until`, stops after that instant (checking one time needn't compute three weeks)."""
    return SlotSearch(rules=rules, now=now, until=until).open_slots(
        timezone=timezone, hours=hours, exceptions=exceptions, busy=busy, limit=limit
    )


class SlotSearch:
    """One search (rules, clock, optional end) run for many clinicians: each zone's dates and
    their UTC offsets are worked out once and shared by every clinician in that zone."""

    def __init__(self, *, rules: SlotRules, now: dt.datetime, until: dt.datetime | None = None):
        if now.tzinfo is None:
            raise ValueError("now must be aware")
        self.rules = rules
        self.earliest, latest = rules.window(now)
        if until is not None:
            latest = min(latest, until + dt.timedelta(microseconds=1))
        self.latest = latest
        self._slot = dt.timedelta(minutes=rules.slot_minutes)
        self._buffer = dt.timedelta(minutes=rules.buffer_minutes)
        self._days: dict[str, tuple[tuple[dt.date, int, dt.datetime | None], ...]] = {}

    def _days_in(self, timezone: str) -> tuple[tuple[dt.date, int, dt.datetime | None], ...]:
        days = self._days.get(timezone)
        if days is None:
            days = self._days[timezone] = _zone_days(timezone, self.earliest, self.latest)
        return days

    def open_slots(
        self,
        *,
        timezone: str,
        hours: Iterable[Hours],
        exceptions: Iterable[DateException] = (),
        busy: Iterable[Busy] = (),
        limit: int | None = None,
        weekly: tuple[tuple[tuple[int, int], ...], ...] | None = None,
    ) -> list[dt.datetime]:
        """This clinician's open start times; `weekly` is `weekly_windows(hours)` when the
        caller keeps it."""
        if limit is not None and limit <= 0:
            return []
        hours = hours if isinstance(hours, tuple | list) else list(hours)
        exceptions = exceptions if isinstance(exceptions, tuple | list) else list(exceptions)
        if not hours and not any(e.kind == EXTRA for e in exceptions):
            return []  # nothing to book, whatever else is known
        if weekly is None:
            weekly = weekly_windows(hours)
        exception_dates = {e.date for e in exceptions} if exceptions else _NO_DATES
        rules = self.rules
        earliest, latest = self.earliest, self.latest
        slot_minutes = rules.slot_minutes

        # Busy ranges widened by the buffer on both sides, sorted and merged, for bisection.
        blocked: list[tuple[dt.datetime, dt.datetime]] = []
        per_day: Counter[dt.date] = Counter()
        if busy:
            zone = ZoneInfo(timezone)
            buffer = self._buffer
            for b in sorted(busy, key=lambda b: b.starts_at):
                per_day[b.starts_at.astimezone(zone).date()] += 1
                lo, hi = b.starts_at - buffer, b.ends_at + buffer
                if blocked and lo <= blocked[-1][1]:
                    blocked[-1] = (blocked[-1][0], max(blocked[-1][1], hi))
                else:
                    blocked.append((lo, hi))
        blocked_starts = [lo for lo, _hi in blocked]
        slot = self._slot
        cap = rules.daily_cap if per_day else 0

        result: list[dt.datetime] = []
        for date, weekday, base in self._days_in(timezone):
            if cap and per_day[date] >= cap:
                continue
            if date in exception_dates:
                windows = day_windows(date, hours, exceptions)
            else:
                windows = weekly[weekday]
            if not windows:
                continue
            for lo, hi in windows:
                if base is not None and base + dt.timedelta(minutes=hi) <= earliest:
                    continue  # the whole window is inside the notice period
                for minute in range(lo, hi - slot_minutes + 1, slot_minutes):
                    if base is not None:
                        start = base + dt.timedelta(minutes=minute)
                    else:
                        start = _local_to_utc(date, minute, ZoneInfo(timezone))
                    if start is None or start < earliest:
                        continue
                    if start >= latest:
                        return result
                    if blocked:
                        # Busy ranges starting before the slot ends; the last must end by then.
                        i = bisect.bisect_left(blocked_starts, start + slot)
                        if i and blocked[i - 1][1] > start:
                            continue
                    result.append(start)
                    if limit is not None and len(result) >= limit:
                        return result
        return result


_NO_DATES: frozenset = frozenset()


# Not memoised across searches: its key holds `now`, new on every request. Each SlotSearch
# keeps its own per zone (`_days_in`).
def _zone_days(
    timezone: str, earliest: dt.datetime, latest: dt.datetime
) -> tuple[tuple[dt.date, int, dt.datetime | None], ...]:
    """(local date, weekday, UTC instant of local midnight or None on a DST-change day) for
    every local date from `earliest` to `latest` in this zone."""
    zone = ZoneInfo(timezone)
    date = earliest.astimezone(zone).date()
    last_date = latest.astimezone(zone).date()
    days = []
    while date <= last_date:
        offset = _day_offset(timezone, date)
        # Without a DST change, UTC times are a fixed shift of the wall-clock ones.
        base = (
            dt.datetime(date.year, date.month, date.day, tzinfo=UTC) - offset
            if offset is not None
            else None
        )
        days.append((date, date.weekday(), base))
        date += dt.timedelta(days=1)
    return tuple(days)


def times_touched(begin: dt.datetime, finish: dt.datetime) -> set[str]:
    """The intake's time choices a stretch of time touches, in the zone `begin` and `finish`
    are given in: weekday mornings before 10, daytime 10 to 5, evenings after 5, weekends.
    The results page compares clinicians' weekly hours with them; the waiting list, an
    offered time."""
    out = set()
    cursor = begin
    while cursor < finish:
        midnight = dt.datetime.combine(
            cursor.date() + dt.timedelta(days=1), dt.time(), tzinfo=cursor.tzinfo
        )
        stop = min(finish, midnight)
        if cursor.weekday() >= 5:
            out.add("weekends")
        else:
            lo = cursor.hour * 60 + cursor.minute
            hi = (stop - cursor.replace(hour=0, minute=0, second=0)).total_seconds() / 60
            if lo < 10 * 60:
                out.add("weekday mornings")
            if lo < 17 * 60 and hi > 10 * 60:
                out.add("weekday daytime")
            if hi > 17 * 60:
                out.add("weekday evenings")
        cursor = stop
    return out
