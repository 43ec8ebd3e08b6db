"""The batched slot search (SlotSearch, weekly windows, remembered offsets) against a plain
reference: the straightforward day-by-day search the module used before, kept here verbatim in
spirit. Same inputs, same open times, across DST changes, notice, horizon, cap, buffers and
exceptions."""

import bisect
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from consultations.slots import (
    EXTRA,
    TIME_OFF,
    Busy,
    DateException,
    Hours,
    SlotRules,
    SlotSearch,
    day_windows,
    open_slots,
    weekly_windows,
)

UTC = dt.UTC
ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
# Around the 2026 changes: US spring forward 8 Mar, EU 29 Mar, US fall back 1 Nov, Lord Howe
# (a half-hour change) 5 Apr.
STARTS = [
    dt.datetime(2026, 3, 6, 3, tzinfo=UTC),
    dt.datetime(2026, 3, 27, 22, 30, tzinfo=UTC),
    dt.datetime(2026, 4, 3, 12, 7, tzinfo=UTC),
    dt.datetime(2026, 10, 30, 16, tzinfo=UTC),
]


def reference_open_slots(*, timezone, hours, exceptions, busy, rules, now, limit=None, until=None):
    if limit is not None and limit <= 0:
        return []
    zone = ZoneInfo(timezone)
    slot = dt.timedelta(minutes=rules.slot_minutes)
    buffer = dt.timedelta(minutes=rules.buffer_minutes)
    earliest = now + dt.timedelta(hours=rules.minimum_notice_hours)
    latest = now + dt.timedelta(days=rules.horizon_days)
    if until is not None:
        latest = min(latest, until + dt.timedelta(microseconds=1))
    per_day = Counter(b.starts_at.astimezone(zone).date() for b in busy)
    blocked = sorted((b.starts_at - buffer, b.ends_at + buffer) for b in busy)
    result = []
    date = earliest.astimezone(zone).date()
    while date <= latest.astimezone(zone).date():
        if not (rules.daily_cap and per_day[date] >= rules.daily_cap):
            for lo, hi in day_windows(date, hours, exceptions):
                for minute in range(lo, hi - rules.slot_minutes + 1, rules.slot_minutes):
                    local = dt.datetime.combine(date, dt.time(minute // 60, minute % 60), zone)
                    start = local.astimezone(UTC)
                    back = start.astimezone(zone)
                    if (back.hour, back.minute) != (local.hour, local.minute):
                        continue  # doesn't exist that day
                    if start < earliest:
                        continue
                    if start >= latest:
                        return result
                    i = bisect.bisect_left([b[0] for b in blocked], start + slot)
                    if any(hi_ > start for _lo, hi_ in blocked[:i]):
                        continue
                    result.append(start)
                    if limit is not None and len(result) >= limit:
                        return result
        date += dt.timedelta(days=1)
    return result


def _time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


@st.composite
def windows(draw):
    start = draw(st.integers(0, 46)) * 30
    length = draw(st.integers(1, 8)) * 30
    return start, min(start + length, 24 * 60 - 1)


@st.composite
def cases(draw):
    now = draw(st.sampled_from(STARTS)) + dt.timedelta(hours=draw(st.integers(0, 30)))
    zone = draw(st.sampled_from(ZONES))
    hours = [
        Hours(draw(st.integers(0, 6)), _time(lo), _time(hi))
        for lo, hi in draw(st.lists(windows(), max_size=5))
    ]
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        date = now.date() + dt.timedelta(days=draw(st.integers(-1, 6)))
        if draw(st.booleans()):
            exceptions.append(DateException(date, TIME_OFF))
        else:
            lo, hi = draw(windows())
            exceptions.append(
                DateException(date, draw(st.sampled_from([TIME_OFF, EXTRA])), _time(lo), _time(hi))
            )
    busy = []
    for _ in range(draw(st.integers(0, 6))):
        start = now + dt.timedelta(minutes=draw(st.integers(-24 * 60, 7 * 24 * 60)) // 5 * 5)
        busy.append(Busy(start, start + dt.timedelta(minutes=draw(st.sampled_from([15, 30, 50])))))
    rules = SlotRules(
        slot_minutes=draw(st.sampled_from([15, 20, 30])),
        buffer_minutes=draw(st.sampled_from([0, 5, 10])),
        minimum_notice_hours=draw(st.sampled_from([0, 12, 30])),
        horizon_days=draw(st.integers(1, 7)),
        daily_cap=draw(st.integers(0, 3)),
    )
    until = None
    if draw(st.booleans()):
        until = now + dt.timedelta(hours=draw(st.integers(0, 24 * 7)))
    return {
        "timezone": zone,
        "hours": hours,
        "exceptions": exceptions,
        "busy": busy,
        "rules": rules,
        "now": now,
        "until": until,
        "limit": draw(st.sampled_from([None, 1, 3])),
    }


@settings(max_examples=300, deadline=None)
@given(cases())
def test_it_finds_the_same_times_as_the_plain_day_by_day_search(case):
    assert open_slots(**case) == reference_open_slots(**case)


@settings(max_examples=100, deadline=None)
@given(st.lists(cases(), min_size=2, max_size=4))
def test_it_gives_each_clinician_of_a_shared_search_their_own_times(many):
    # One search (one rules, clock and end) for clinicians in several zones, as the selector
    # runs it: the dates and offsets it shares must not leak from one clinician to another.
    first = many[0]
    search = SlotSearch(rules=first["rules"], now=first["now"], until=first["until"])
    for case in many:
        mine = {**case, "rules": first["rules"], "now": first["now"], "until": first["until"]}
        expected = reference_open_slots(**mine)
        assert (
            search.open_slots(
                timezone=case["timezone"],
                hours=case["hours"],
                exceptions=case["exceptions"],
                busy=case["busy"],
                limit=case["limit"],
                weekly=weekly_windows(case["hours"]),
            )
            == expected
        )


def test_it_works_out_weekly_windows_like_a_day_without_exceptions():
    hours = [
        Hours(0, dt.time(9), dt.time(12)),
        Hours(0, dt.time(11), dt.time(13)),
        Hours(2, dt.time(17), dt.time(18)),
    ]
    weekly = weekly_windows(hours)
    monday = dt.date(2026, 3, 2)
    assert [list(weekly[d]) for d in range(7)] == [
        day_windows(monday + dt.timedelta(days=d), hours, ()) for d in range(7)
    ]
    assert weekly[0] == ((540, 780),)


def test_it_needs_no_search_without_any_hours():
    now = dt.datetime(2026, 3, 2, tzinfo=UTC)
    off = [DateException(dt.date(2026, 3, 3), TIME_OFF)]
    assert (
        open_slots(timezone="UTC", hours=[], exceptions=off, busy=[], rules=SlotRules(), now=now)
        == []
    )
    extra = [DateException(dt.date(2026, 3, 4), EXTRA, dt.time(9), dt.time(10))]
    found = open_slots(
        timezone="UTC", hours=[], exceptions=extra, busy=[], rules=SlotRules(), now=now
    )
    assert found[0] == dt.datetime(2026, 3, 4, 9, tzinfo=UTC)
