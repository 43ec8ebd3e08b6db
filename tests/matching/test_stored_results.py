"""Stored results: a results page read from the stored ranking is the page a ranking now would
give, and anything that could change it makes the next request rank again."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from clinicians.models import AvailabilityException, ConsultationHours
from clinicians.services import clinician_set_accepting
from consultations.services import consultation_book, consultation_cancel
from matching import selectors
from matching.models import Intake, MatchingSettings
from matching.selectors import intake_results
from matching.tokens import new_token
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, FitCheckFactory

from .scoring_data import intake

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 7, 30, tzinfo=dt.UTC)  # a Monday
# A results page ranked anew, when the snapshots are current.
FRESH_QUERIES = 9


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def stored(monkeypatch):
    """Store results inside the test's transaction, as outside one (where they are kept), and
    start from fresh snapshots and an empty cache."""
    from django.core.cache import cache

    from config import snapshots

    monkeypatch.setattr(selectors, "in_transaction", lambda: False)
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    cache.clear()
    yield
    cache.clear()


def roster(n=6):
    concerns = [["anxiety", "trauma and PTSD"], ["anxiety"], ["depression"], ["sleep"]]
    return [
        ClinicianFactory(
            first_name=f"C{i}",
            concerns=concerns[i % len(concerns)],
            languages=["English", "Spanish"] if i % 2 else ["English"],
            insurance=["Aetna"] if i % 3 else [],
            hours=[(d, f"{9 + i % 4:02d}:{15 * (i % 4):02d}", "17:00") for d in range(5)],
        )
        for i in range(n)
    ]


def make_intake(**changes):
    raw, digest = new_token()
    row = Intake.objects.create(
        token_hash=digest,
        answers=intake(
            times=["weekday mornings"],
            preferences={"language": {"value": "Spanish", "importance": "nice"}},
            **changes,
        ),
        submitted_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )
    return row, raw


def results(row, shown=3):
    return intake_results(
        intake_id=row.pk,
        answers=row.answers,
        now=dt.datetime.now(dt.UTC),
        matching_settings=MatchingSettings.load(),
        shown=shown,
        slots_wanted=3,
    )


def fresh(row):
    # The same ranking, never stored: what "show all" and the first request do.
    return results(row, shown=None)


def same(a, b, shown=3):
    assert a.matches == b.matches[:shown]  # ids, scores, fits, components and worded reasons
    assert a.total == b.total
    assert a.relaxations == b.relaxations
    assert a.open_slots == {m.clinician_id: b.open_slots[m.clinician_id] for m in a.matches}


def page(client, token):
    body = client.get(reverse("matching:results", args=[token])).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_a_stored_result_is_what_ranking_now_gives():
    roster()
    row, _token = make_intake()
    first = results(row)
    assert not first.stored and len(first.matches) == 3
    again = results(row)
    assert again.stored
    same(again, fresh(row))
    same(first, again)


def test_the_page_read_from_a_stored_result_is_the_same_page(client):
    roster()
    _row, token = make_intake()
    ranked = page(client, token)
    assert page(client, token) == ranked
    assert "C1" in ranked


def test_it_keeps_the_same_result_as_the_clock_moves_until_it_could_change(_frozen):
    roster()
    row, _token = make_intake()
    results(row)
    until = _stored(row).steady_until
    assert until > NOW
    _frozen.move_to(until)
    kept = results(row)
    assert kept.stored
    same(kept, fresh(row))
    _frozen.move_to(until + dt.timedelta(seconds=1))
    assert not results(row).stored


def test_a_staff_edit_shows_on_the_next_request():
    clinicians = roster()
    row, _token = make_intake()
    top = results(row).matches[0].clinician_id
    clinician = next(c for c in clinicians if c.pk == top)
    clinician.concerns.set([])
    clinician.accepting_new_clients = False
    clinician.save()
    after = results(row)
    assert not after.stored
    assert top not in [m.clinician_id for m in after.matches]
    same(after, fresh(row))


def test_pausing_new_clients_shows_on_the_next_request():
    roster()
    row, _token = make_intake()
    top = results(row).matches[0].clinician_id
    clinician_set_accepting(clinician_ids=[top], accepting=False)
    after = results(row)
    assert not after.stored and top not in [m.clinician_id for m in after.matches]


def test_a_booking_and_its_cancellation_show_on_the_next_request():
    roster()
    row, _token = make_intake()
    before = results(row)
    cid = before.matches[0].clinician_id
    taken = before.open_slots[cid][0]
    booked = consultation_book(
        clinician_id=cid,
        starts_at=taken,
        format="video",
        first_name="Bo",
        email="bo@example.org",
        timezone="America/New_York",
        client_reference=None,
        client_summary=[],
    )
    after = results(row)
    assert not after.stored
    assert taken not in after.open_slots.get(cid, [])
    same(after, fresh(row))
    consultation_cancel(consultation_id=booked.pk)
    cancelled = results(row)
    assert not cancelled.stored
    assert taken in cancelled.open_slots[cid]
    same(cancelled, fresh(row))


def test_bookings_and_days_off_of_a_clinician_never_searched_keep_the_stored_result():
    roster()
    paused = ClinicianFactory(first_name="Paused", accepting_new_clients=False)
    row, _token = make_intake()
    before = results(row)
    searched = _searched(row)
    assert {m.clinician_id for m in before.matches} <= searched and paused.pk not in searched
    start = NOW.replace(hour=15, minute=0, second=0) + dt.timedelta(days=2)
    ConsultationFactory(clinician=paused, starts_at=start)  # staff booked them by hand
    AvailabilityException.objects.create(
        clinician=paused, date=(NOW + dt.timedelta(days=3)).date(), kind="time_off"
    )
    after = results(row)
    assert after.stored
    same(after, fresh(row))
    assert _stored(row) is not None  # kept, under the new bookings version


def test_a_booking_with_a_searched_clinician_not_shown_ranks_again():
    roster()
    row, _token = make_intake()
    before = results(row)
    shown = {m.clinician_id for m in before.matches}
    unseen = sorted(_searched(row) - shown)[0]
    start = NOW.replace(hour=15, minute=0, second=0) + dt.timedelta(days=2)
    ConsultationFactory(clinician_id=unseen, starts_at=start)
    after = results(row)
    assert not after.stored
    same(after, fresh(row))


def test_a_fit_check_with_anyone_ranks_again():
    # The practice's felt-heard rate counts in every ranking.
    roster()
    elsewhere = ClinicianFactory(first_name="Elsewhere", accepting_new_clients=False)
    row, _token = make_intake()
    results(row)
    FitCheckFactory(consultation__clinician=elsewhere, felt_heard=1)
    assert not results(row).stored


def test_a_shown_time_taken_unannounced_is_never_offered_from_the_stored_result(monkeypatch):
    # A booking whose change was never counted (the cache unreachable at that moment): the
    # shown clinicians' open times, searched afresh on every read, still send it to rank again.
    from config import snapshots

    roster()
    row, _token = make_intake()
    before = results(row)
    cid = before.matches[0].clinician_id
    taken = before.open_slots[cid][0]
    monkeypatch.setattr(snapshots, "count_change", lambda key, ids: None)
    ConsultationFactory(clinician_id=cid, starts_at=taken)
    after = results(row)
    assert not after.stored
    assert taken not in after.open_slots.get(cid, [])
    same(after, fresh(row))


def test_a_result_stored_in_one_language_is_never_read_in_another():
    roster()
    row, _token = make_intake()
    with translation.override("es"):
        results(row)
        spanish = results(row)
    assert spanish.stored
    with translation.override("en"):
        english = results(row)
        assert not english.stored
        same(english, fresh(row))
    # The reasons are worded in each reader's language.
    assert [m.reasons for m in english.matches] != [m.reasons for m in spanish.matches]


def test_changed_hours_and_days_off_show_on_the_next_request():
    roster()
    row, _token = make_intake()
    before = results(row)
    cid = before.matches[0].clinician_id
    hours = ConsultationHours.objects.filter(clinician_id=cid).first()
    hours.start = dt.time(15)
    hours.save()
    after_save = results(row)
    assert not after_save.stored
    same(after_save, fresh(row))
    first_day = before.open_slots[cid][0].date()
    AvailabilityException.objects.create(clinician_id=cid, date=first_day, kind="time_off")
    after_day_off = results(row)
    assert not after_day_off.stored
    same(after_day_off, fresh(row))


def test_changed_answers_or_settings_rank_again():
    roster()
    row, _token = make_intake()
    results(row)
    row.answers = {**row.answers, "concerns": ["sleep"]}
    assert not results(row).stored
    MatchingSettings.objects.create(weight_goals=0.9)
    assert not results(row).stored
    assert results(row).stored


def opened_results(client, size):
    """A roster of `size` and an intake whose results page was opened once (the snapshots
    built, the ranking stored): its address and that first page."""
    roster(size)
    _row, token = make_intake()
    url = reverse("matching:results", args=[token])
    first = client.get(url)
    assert first.status_code == 200
    return url, first


@pytest.mark.parametrize("size", [4, 16])
def test_a_stored_read_costs_the_same_queries_at_any_roster_size(
    client, django_assert_num_queries, size
):
    url, _first = opened_results(client, size)
    # The intake, its not-a-fit clinicians, the session (where the page remembers the client's
    # results for the profile pages), the shown clinicians' open times, the shown clinicians
    # themselves, and the client's place on the waiting list. The matching and booking
    # settings come from their snapshots.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [4, 16])
def test_ranking_anew_costs_the_same_queries_at_any_roster_size(
    client, django_assert_num_queries, size
):
    url, _first = opened_results(client, size)
    from consultations.selectors import bookings_changed

    bookings_changed()
    # Three more than a stored read: the candidates' felt-heard counts, the practice's rate,
    # and when a waiting-list hold on their times runs out.
    with django_assert_num_queries(FRESH_QUERIES):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [4, 16])
def test_a_staff_edit_costs_the_same_queries_at_any_roster_size(
    client, django_assert_num_queries, size
):
    url, first = opened_results(client, size)
    edited = first.context["cards"][0]["clinician"]  # a shown clinician
    edited.intro = "Warm, practical help with worry."
    edited.save()
    # A fresh ranking (as above), plus the snapshots reading only the edited clinician again:
    # the roster their row, licences and strengths, then their lists and weekly hours on first
    # ask; the calendar their zone and hours.
    with django_assert_num_queries(FRESH_QUERIES + 3 + 2 + 1):
        page = client.get(url)
    assert page.status_code == 200
    assert "Warm, practical help with worry." in page.content.decode()


def _key(row, shown=3):
    return selectors._results_key(
        row.pk, row.answers, frozenset(), MatchingSettings.load(), shown, 3
    )


def _searched(row, shown=3):
    from django.core.cache import cache

    return cache.get(selectors._searched_key(_key(row, shown)))


def _stored(row, shown=3):
    from django.core.cache import cache

    return cache.get(_key(row, shown))
