import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from consultations.slots import Busy, DateException, Hours, SlotRules, open_slots

NY = "America/New_York"
UTC = dt.UTC


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def t(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def slots(*, hours, now, exceptions=(), busy=(), zone=NY, limit=None, **rules):
    defaults = {"buffer_minutes": 0, "minimum_notice_hours": 0, "horizon_days": 2, "daily_cap": 0}
    return open_slots(
        timezone=zone,
        hours=[Hours(d, t(a), t(b)) for d, a, b in hours],
        exceptions=list(exceptions),
        busy=list(busy),
        rules=SlotRules(**{**defaults, **rules}),
        now=now,
        limit=limit,
    )


# Sunday 1 March 2026, 12:00 UTC (07:00 in New York, EST).
SUNDAY = utc(2026, 3, 1, 12)
MONDAY_9_LOCAL = utc(2026, 3, 2, 14)


def test_it_converts_weekly_hours_in_the_clinicians_zone_to_utc():
    result = slots(hours=[(0, "09:00", "10:00")], now=SUNDAY)
    assert result == [MONDAY_9_LOCAL + dt.timedelta(minutes=15 * i) for i in range(4)]
    assert all(s.tzinfo == UTC for s in result)


def test_it_handles_times_after_13_00():
    result = slots(hours=[(0, "13:00", "17:30")], now=SUNDAY)
    assert result[0] == utc(2026, 3, 2, 18, 0)
    assert result[-1] == utc(2026, 3, 2, 22, 15)
    assert len(result) == 18


def test_it_widens_busy_times_by_the_buffer():
    busy = [Busy(utc(2026, 3, 2, 14, 15), utc(2026, 3, 2, 14, 30))]
    without = slots(hours=[(0, "09:00", "10:00")], now=SUNDAY, busy=busy)
    assert without == [utc(2026, 3, 2, 14, 0), utc(2026, 3, 2, 14, 30), utc(2026, 3, 2, 14, 45)]
    with_buffer = slots(hours=[(0, "09:00", "10:00")], now=SUNDAY, busy=busy, buffer_minutes=5)
    assert with_buffer == [utc(2026, 3, 2, 14, 45)]


def test_it_removes_a_whole_day_off_and_a_window_off():
    monday = dt.date(2026, 3, 2)
    whole = slots(
        hours=[(0, "09:00", "10:00")], now=SUNDAY, exceptions=[DateException(monday, "time_off")]
    )
    assert whole == []
    window = slots(
        hours=[(0, "09:00", "10:00")],
        now=SUNDAY,
        exceptions=[DateException(monday, "time_off", t("09:15"), t("09:45"))],
    )
    assert window == [utc(2026, 3, 2, 14, 0), utc(2026, 3, 2, 14, 45)]


def test_it_adds_extra_hours_and_time_off_wins_over_them():
    monday, tuesday = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    result = slots(
        hours=[],
        now=SUNDAY,
        exceptions=[
            DateException(monday, "extra", t("18:00"), t("18:30")),
            DateException(tuesday, "extra", t("18:00"), t("18:30")),
            DateException(tuesday, "time_off"),
        ],
    )
    assert result == [utc(2026, 3, 2, 23, 0), utc(2026, 3, 2, 23, 15)]


def test_it_respects_the_minimum_notice():
    now = utc(2026, 3, 2, 2, 20)  # Sunday 21:20 in New York
    result = slots(hours=[(0, "09:00", "10:00")], now=now, minimum_notice_hours=12)
    assert result == [utc(2026, 3, 2, 14, 30), utc(2026, 3, 2, 14, 45)]


def test_it_stops_at_the_horizon():
    every_day = [(d, "09:00", "09:15") for d in range(7)]
    result = slots(hours=every_day, now=SUNDAY, horizon_days=3)
    # Now is 07:00 local Sunday: the Sunday slot at 09:00 plus the next two days; Wednesday's
    # 09:00 (14:00 UTC) is past now + 3 days (12:00 UTC).
    assert result == [utc(2026, 3, 1, 14), utc(2026, 3, 2, 14), utc(2026, 3, 3, 14)]


def test_it_closes_a_day_that_reached_the_daily_cap():
    busy = [
        Busy(utc(2026, 3, 2, 15, 0), utc(2026, 3, 2, 15, 15)),
        Busy(utc(2026, 3, 2, 16, 0), utc(2026, 3, 2, 16, 15)),
    ]
    hours = [(0, "09:00", "09:30"), (1, "09:00", "09:30")]
    capped = slots(hours=hours, now=SUNDAY, busy=busy, daily_cap=2, horizon_days=3)
    assert capped == [utc(2026, 3, 3, 14, 0), utc(2026, 3, 3, 14, 15)]
    uncapped = slots(hours=hours, now=SUNDAY, busy=busy, daily_cap=3, horizon_days=3)
    assert len(uncapped) == 4


def test_it_skips_wall_times_that_dont_exist_on_a_spring_forward_day():
    # Sunday 8 March 2026: New York jumps from 02:00 EST to 03:00 EDT.
    now = utc(2026, 3, 7, 12)
    result = slots(hours=[(6, "01:00", "04:00")], now=now)
    expected = [utc(2026, 3, 8, 6, m) for m in (0, 15, 30, 45)]  # 01:00–01:45 EST
    expected += [utc(2026, 3, 8, 7, m) for m in (0, 15, 30, 45)]  # 03:00–03:45 EDT
    assert result == expected


def test_it_takes_the_first_occurrence_on_a_fall_back_day():
    # Sunday 1 November 2026: New York repeats 01:00–02:00 (EDT, then EST).
    now = utc(2026, 10, 31, 12)
    result = slots(hours=[(6, "00:30", "03:00")], now=now)
    expected = [utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 4, 45)]  # 00:30, 00:45 EDT
    expected += [utc(2026, 11, 1, 5, m) for m in (0, 15, 30, 45)]  # 01:00–01:45, first (EDT)
    expected += [utc(2026, 11, 1, 7, m) for m in (0, 15, 30, 45)]  # 02:00–02:45 EST
    assert result == expected
    assert len(set(result)) == len(result)


def test_it_keeps_wall_clock_hours_across_a_dst_change():
    now = utc(2026, 3, 6, 12)
    result = slots(hours=[(4, "09:00", "09:15"), (0, "09:00", "09:15")], now=now, horizon_days=4)
    # Friday before the change at 14:00 UTC, Monday after it at 13:00 UTC: both 09:00 local.
    assert result == [utc(2026, 3, 6, 14), utc(2026, 3, 9, 13)]


def test_it_gives_the_same_instants_to_a_client_in_another_zone():
    result = slots(hours=[(0, "14:00", "14:30")], now=SUNDAY)
    in_la = [s.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%H:%M") for s in result]
    assert in_la == ["11:00", "11:15"]


def test_it_handles_a_zone_without_dst():
    result = slots(hours=[(1, "09:00", "09:30")], now=SUNDAY, zone="Asia/Tokyo", horizon_days=3)
    assert result == [utc(2026, 3, 3, 0, 0), utc(2026, 3, 3, 0, 15)]


def test_it_stops_early_with_a_limit():
    every_day = [(d, "09:00", "17:00") for d in range(7)]
    assert len(slots(hours=every_day, now=SUNDAY, limit=3)) == 3
    assert slots(hours=every_day, now=SUNDAY, limit=0) == []


def test_it_refuses_a_naive_now():
    with pytest.raises(ValueError):
        slots(hours=[], now=dt.datetime(2026, 3, 1, 12))
