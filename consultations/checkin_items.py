"""The check-in's items and the rules that read them. Pure: plain values in and out.

The symptom items are the PHQ-2 (Kroenke, Spitzer & Williams 2003) and the GAD-2 (Kroenke et
al. 2007), both in the public domain, asked as published over the last two weeks and scored
0–3 each. The alliance items are the practice's own words on the three parts of the alliance
(goals, tasks, bond), scored 0–4. docs/domain.md ("Check-ins") lists them with their sources.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

SYMPTOM_STEM = _("Over the last 2 weeks, how often have you been bothered by the following?")
# (key, words): PHQ-2 then GAD-2.
PHQ2 = (
    ("phq_interest", _("Little interest or pleasure in doing things")),
    ("phq_mood", _("Feeling down, depressed, or hopeless")),
)
GAD2 = (
    ("gad_nervous", _("Feeling nervous, anxious, or on edge")),
    ("gad_worry", _("Not being able to stop or control worrying")),
)
SYMPTOM_ITEMS = PHQ2 + GAD2
SYMPTOM_SCALE = [
    (0, _("Not at all")),
    (1, _("Several days")),
    (2, _("More than half the days")),
    (3, _("Nearly every day")),
]
SYMPTOM_MAX = 3

ALLIANCE_STEM = _("Thinking about your sessions so far, how true is each of these for you?")
# The practice's own words, one item each on goals and tasks and two on the bond.
ALLIANCE_ITEMS = (
    ("alliance_goals", _("We are working on what matters most to me.")),
    ("alliance_tasks", _("What we do in our sessions feels useful to me.")),
    ("alliance_understood", _("I feel understood by my therapist.")),
    ("alliance_honest", _("I feel comfortable being honest with my therapist.")),
)
ALLIANCE_SCALE = [
    (0, _("Not at all")),
    (1, _("A little")),
    (2, _("Somewhat")),
    (3, _("Mostly")),
    (4, _("Completely")),
]
ALLIANCE_MAX = 4
# Any alliance item at or below this is a low check-in.
ALLIANCE_LOW_ITEM = 1
# The hour, in the client's zone, at which a check-in email goes out on its day.
SEND_HOUR = 10


def symptom_total(items: Sequence[int | None]) -> int | None:
    """PHQ-2 + GAD-2 (0–12), or None unless all four were answered."""
    if len(items) != len(SYMPTOM_ITEMS) or any(v is None for v in items):
        return None
    return sum(items)  # type: ignore[arg-type]


def alliance_total(items: Sequence[int]) -> int:
    return sum(items)


def low_alliance(items: Sequence[int], previous_total: int | None, *, drop: int) -> bool:
    """Any alliance item at 0 or 1, or the total `drop` or more below the previous check-in's."""
    if any(v <= ALLIANCE_LOW_ITEM for v in items):
        return True
    return previous_total is not None and previous_total - alliance_total(items) >= drop


def symptoms_worse(total: int | None, before: int | None, *, rise: int) -> bool:
    """The symptom total `rise` or more above the last one we have (check-in or baseline)."""
    return total is not None and before is not None and total - before >= rise


def checkin_schedule(
    first_session_on: dt.date,
    *,
    weeks: Iterable[int],
    zone: ZoneInfo,
    now: dt.datetime,
    late_by: dt.timedelta,
) -> list[tuple[int, dt.datetime]]:
    """(week, when its email goes) for each check-in, at SEND_HOUR on its day in the client's
    zone. One whose time passed more than `late_by` ago is left out (therapy that started long
    ago is not sent a pile of old check-ins); one that passed less recently goes now."""
    out = []
    for week in sorted(set(weeks)):
        day = first_session_on + dt.timedelta(weeks=week)
        due = dt.datetime.combine(day, dt.time(SEND_HOUR), tzinfo=zone).astimezone(dt.UTC)
        if due < now - late_by:
            continue
        out.append((week, max(due, now)))
    return out
