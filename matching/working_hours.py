"""Working time: pure, plain data in and out (no clock, no ORM, no settings)."""

import datetime as dt
import zoneinfo

Window = tuple[int, str, str]  # (weekday 0 = Monday, "HH:MM", "HH:MM") in the practice's zone

# Far more days than any week of windows can need; a schedule with none falls back below.
_MAX_DAYS = 14


def add_working_hours(
    start: dt.datetime, hours: float, *, windows: list[Window], zone: zoneinfo.ZoneInfo
) -> dt.datetime:
    """The moment (UTC) by which `hours` of working time have passed since `start`.

    Counted in real elapsed time, so a day that changes the clock still counts what it has.
    With no working hours at all, plain hours count."""
    remaining = dt.timedelta(hours=hours)
    day = start.astimezone(zone).date()
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, begin, end in windows:
        by_day.setdefault(weekday, []).append(
            (dt.time.fromisoformat(begin), dt.time.fromisoformat(end))
        )
    if not by_day:
        return (start + remaining).astimezone(dt.UTC)
    for _ in range(_MAX_DAYS * (1 + int(hours // 24))):
        for begin, end in sorted(by_day.get(day.weekday(), [])):
            opens = dt.datetime.combine(day, begin, zone).astimezone(dt.UTC)
            closes = dt.datetime.combine(day, end, zone).astimezone(dt.UTC)
            opens = max(opens, start.astimezone(dt.UTC))
            if closes <= opens:
                continue
            if closes - opens >= remaining:
                return opens + remaining
            remaining -= closes - opens
        day += dt.timedelta(days=1)
    return (start + remaining).astimezone(dt.UTC)
