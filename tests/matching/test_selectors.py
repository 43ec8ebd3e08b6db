import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clinicians.models import Clinician, Concern, ConsultationHours, Language, License
from clinicians.services import clinician_roster_import
from config import snapshots
from matching import selectors
from matching.models import Intake
from matching.selectors import (
    clinician_candidates,
    current_roster,
    intake_match_list,
    roster_changed,
)
from matching.tokens import new_token
from tests.clinicians.factories import ClinicianFactory

from .scoring_data import answers, intake

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reuse(monkeypatch):
    """Keep the snapshot inside the test's transaction (outside tests a snapshot built in a
    transaction is never kept, since it might roll back), and forget it afterwards."""
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    roster_changed()
    yield
    roster_changed()


def test_it_reuses_the_snapshot_until_something_changes(reuse, django_assert_num_queries):
    one = ClinicianFactory()
    with django_assert_num_queries(4):  # vocabularies, clinicians, licences, strengths
        first = current_roster(now=NOW)
    with django_assert_num_queries(2):  # many-to-many links, weekly hours
        first.profiles([one.pk]), first.hours([one.pk])
    with django_assert_num_queries(0):
        assert current_roster(now=NOW) is first
        first.profiles([one.pk]), first.hours([one.pk])
    ClinicianFactory()
    with django_assert_num_queries(3):  # only the new clinician: row, licences, strengths
        assert len(current_roster(now=NOW).ids) == 2


def test_an_edit_rereads_that_clinician_and_keeps_everyone_elses_profile(
    reuse, django_assert_num_queries
):
    edited = ClinicianFactory(gender="woman", concerns=["anxiety"])
    others = [ClinicianFactory(concerns=["anxiety"]) for _ in range(3)]
    before = current_roster(now=NOW)
    kept = before.profiles([c.pk for c in others])
    before.hours([c.pk for c in others])
    old_profile = before.profiles([edited.pk])[0]
    edited.gender = "man"
    edited.save()
    edited.concerns.add(Concern.objects.get(name="trauma and PTSD"))
    with django_assert_num_queries(3):  # the edited clinician's row, licences, strengths
        after = current_roster(now=NOW)
    with django_assert_num_queries(0):
        assert after.profiles([c.pk for c in others]) == kept
        assert all(
            a is b for a, b in zip(after.profiles([c.pk for c in others]), kept, strict=True)
        )
        after.hours([c.pk for c in others])
    profile = after.profiles([edited.pk])[0]
    assert profile.gender == "man" and profile.concerns == {"anxiety", "trauma and PTSD"}
    # The roster another thread may still be reading is left as it was.
    assert before.profiles([edited.pk])[0] is old_profile and old_profile.gender == "woman"
    assert after.ids == before.ids


def test_a_clinician_paused_or_gone_leaves_the_patched_indexes(reuse):
    from clinicians.services import clinician_set_accepting

    paused, gone, stays = ClinicianFactory(), ClinicianFactory(), ClinicianFactory()
    roster = current_roster(now=NOW)
    assert roster.accepting == {paused.pk, gone.pk, stays.pk}
    clinician_set_accepting(clinician_ids=[paused.pk], accepting=False)
    gone.is_active = False
    gone.save()
    after = current_roster(now=NOW)
    assert after.accepting == {stays.pk}
    assert after.ids == (paused.pk, stays.pk)
    assert gone.pk not in after.by_state["NY"] and paused.pk in after.by_state["NY"]
    assert not after.profiles([paused.pk])[0].accepting


def test_another_process_edit_is_read_again_from_the_ids_it_left(reuse):
    clinician = ClinicianFactory(gender="woman")
    current_roster(now=NOW).profiles([clinician.pk])
    # Another process's save: its rows, then the count and the id it leaves in the cache.
    Clinician.objects.filter(pk=clinician.pk).update(gender="man")
    snapshots.count_change(selectors.roster_snapshot.key, frozenset({clinician.pk}))
    assert current_roster(now=NOW).profiles([clinician.pk])[0].gender == "man"


def test_a_vocabulary_change_rereads_everyone(reuse, django_assert_num_queries):
    ClinicianFactory(concerns=["anxiety"])
    current_roster(now=NOW)
    _rename_concern(None)
    with django_assert_num_queries(4):  # vocabularies, clinicians, licences, strengths
        current_roster(now=NOW)


def test_it_never_keeps_a_snapshot_built_inside_a_transaction(django_assert_num_queries):
    ClinicianFactory()
    with django_assert_num_queries(4):
        current_roster(now=NOW)
    with django_assert_num_queries(4):
        current_roster(now=NOW)


def _add_focus(c):
    c.focus_concerns.add(Concern.objects.get(name="trauma and PTSD"))


def _drop_language(c):
    c.languages.remove(Language.objects.get(name="Spanish"))


def _licence_elsewhere(c):
    License.objects.filter(clinician=c).update(state="NJ")  # a bulk change: no signal
    License.objects.create(clinician=c, state="CT", number="X-1", expires_on=NOW.date())


def _rename_concern(_c):
    concern = Concern.objects.get(name="anxiety")
    concern.name = "anxiety and worry"
    concern.save()


@pytest.mark.parametrize(
    ("edit", "seen"),
    [
        (
            lambda c: setattr(c, "accepting_new_clients", False) or c.save(),
            lambda p: not p.accepting,
        ),
        (lambda c: setattr(c, "gender", "Woman ") or c.save(), lambda p: p.gender == "woman"),
        (_add_focus, lambda p: "trauma and PTSD" in p.focus_concerns),
        (_drop_language, lambda p: p.languages == {"English"}),
        (lambda c: c.insurance.clear(), lambda p: not p.insurance),
        (_licence_elsewhere, lambda p: p.licensed_states == {"CT", "NJ"}),
        (_rename_concern, lambda p: p.concerns == {"anxiety and worry"}),
    ],
)
def test_it_sees_an_edit_on_the_next_request(reuse, edit, seen):
    clinician = ClinicianFactory(
        concerns=["anxiety"], languages=["English", "Spanish"], insurance=["Aetna"]
    )
    before = current_roster(now=NOW).profiles([clinician.pk])[0]
    assert not seen(before)
    edit(clinician)
    assert seen(current_roster(now=NOW).profiles([clinician.pk])[0])


def test_it_sees_hours_licences_and_clinicians_come_and_go(reuse):
    stays, leaves = ClinicianFactory(), ClinicianFactory()
    assert set(current_roster(now=NOW).ids) == {stays.pk, leaves.pk}
    leaves.delete()
    ConsultationHours.objects.filter(clinician=stays).delete()
    License.objects.filter(clinician=stays).delete()
    roster = current_roster(now=NOW)
    assert roster.ids == (stays.pk,)
    assert roster.hours([stays.pk]) == {stays.pk: ()}
    assert roster.profiles([stays.pk])[0].licensed_states == frozenset()
    stays.is_active = False
    stays.save()
    assert current_roster(now=NOW).ids == ()


def test_it_rebuilds_on_a_new_day_so_expired_licences_drop(reuse):
    clinician = ClinicianFactory()
    License.objects.create(clinician=clinician, state="CT", number="1", expires_on=NOW.date())
    assert current_roster(now=NOW).by_state["CT"] == {clinician.pk}
    tomorrow = NOW + dt.timedelta(days=1)
    with time_machine.travel(tomorrow, tick=False):
        later = current_roster(now=tomorrow)
    assert "CT" not in later.by_state
    assert later.profiles([clinician.pk])[0].licensed_states == {"NY"}


def test_it_rebuilds_after_the_maximum_age(reuse, monkeypatch):
    ClinicianFactory()
    first = current_roster(now=NOW)
    monkeypatch.setattr(selectors.roster_snapshot, "max_age_seconds", 0)
    assert current_roster(now=NOW) is not first


def test_it_rebuilds_every_time_when_the_cache_is_down(reuse, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(snapshots.cache, "get", down)
    monkeypatch.setattr(snapshots.cache, "set", down)
    ClinicianFactory()
    first = current_roster(now=NOW)
    assert current_roster(now=NOW) is not first
    assert first.ids == current_roster(now=NOW).ids


def test_it_shows_an_edit_on_the_results_page_at_once(client, reuse):
    clinician = ClinicianFactory(first_name="Maya", last_name="Chen", concerns=["anxiety"])
    raw, digest = new_token()
    Intake.objects.create(
        token_hash=digest,
        answers=intake(),
        submitted_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )
    url = reverse("matching:results", args=[raw])
    assert "Focuses on trauma and PTSD" not in client.get(url).content.decode()
    _add_focus(clinician)
    assert "Focuses on trauma and PTSD" in client.get(url).content.decode()
    clinician.accepting_new_clients = False
    clinician.save()
    assert "Maya Chen" not in client.get(url).content.decode()


def test_it_builds_profiles_from_the_database():
    c = ClinicianFactory(
        gender=" Woman",
        concerns=["anxiety", "sleep"],
        focus_concerns=["anxiety"],
        approaches=["CBT"],
        languages=["English", "Spanish"],
        insurance=["Aetna"],
        offices=["Downtown"],
        licensed_in=["NY"],
        serves_teens=True,
        offers_phone=True,
        self_pay_fee=150,
        sliding_scale_min=90,
    )
    License.objects.create(clinician=c, state="NJ", number="old", expires_on=dt.date(2026, 3, 1))
    p = current_roster(now=NOW).profiles([c.pk])[0]
    assert p.gender == "woman"
    assert p.concerns == {"anxiety", "sleep"} and p.focus_concerns == {"anxiety"}
    assert p.approaches == {"CBT"} and p.languages == {"English", "Spanish"}
    assert p.insurance == {"Aetna"} and p.offices == {"Downtown"}
    assert p.licensed_states == {"NY"}
    assert {"teens", "adults"} <= p.ages and {"video", "phone"} <= p.formats
    assert (p.self_pay_fee, p.sliding_scale_min) == (150, 90)
    assert p.first_open_slot is None and p.felt_heard == (0, 0)


def test_it_loads_everyone_at_once_above_a_threshold(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors.Roster, "LOAD_ALL_ABOVE", 1)
    a, b = ClinicianFactory(concerns=["anxiety"]), ClinicianFactory(concerns=["sleep"])
    roster = current_roster(now=NOW)
    with django_assert_num_queries(2):
        profiles = roster.profiles(roster.ids)
        hours = roster.hours(roster.ids)
    assert [p.concerns for p in profiles] == [{"anxiety"}, {"sleep"}]
    assert set(hours) == {a.pk, b.pk} and all(hours.values())


def test_it_gives_slots_feedback_and_times_only_to_clinicians_who_pass():
    fits = ClinicianFactory(hours=[(0, "18:00", "20:00")])
    paused = ClinicianFactory(accepting_new_clients=False)
    spanish_only = ClinicianFactory(languages=["Spanish"])
    a = answers(
        times=["weekday evenings"],
        preferences={"language": {"value": "English", "importance": "must"}},
    )
    profiles = {
        p.id: p for p in clinician_candidates(answers=a, now=NOW, relaxation_threshold=1).profiles
    }
    assert paused.pk not in profiles  # dropped by the prefilter
    assert profiles[fits.pk].first_open_slot is not None
    assert profiles[fits.pk].time_buckets == {"weekday evenings"}
    assert profiles[spanish_only.pk].first_open_slot is None
    # Too few pass: those one preference away get their slots too, for the relaxation counts.
    near = {
        p.id: p for p in clinician_candidates(answers=a, now=NOW, relaxation_threshold=3).profiles
    }
    assert near[spanish_only.pk].first_open_slot is not None
    everyone = clinician_candidates(answers=a, now=NOW, prefilter=False).profiles
    assert [p.id for p in everyone] == sorted([fits.pk, paused.pk, spanish_only.pk])


@pytest.mark.parametrize("roster", [2, 9])
def test_it_ranks_in_a_constant_number_of_queries(django_assert_max_num_queries, roster):
    for _i in range(roster):
        ClinicianFactory(concerns=["anxiety"], languages=["English", "Spanish"])
    data = intake(
        times=["weekday evenings"],
        preferences={"language": {"value": "Spanish", "importance": "nice"}},
    )
    # Snapshot (4), links, hours, settings, slot search (5), feedback counts, practice rate.
    with django_assert_max_num_queries(14):
        ranking = intake_match_list(answers=data, now=NOW, list_all_exclusions=True).ranking
    assert len(ranking.matches) == roster


def test_it_rebuilds_after_a_flush_or_migration(reuse):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    ClinicianFactory()
    first = current_roster(now=NOW)
    config = apps.get_app_config("matching")
    post_migrate.send(
        sender=config, app_config=config, verbosity=0, interactive=False, using="default",
        apps=apps, plan=[],
    )  # fmt: skip
    assert current_roster(now=NOW) is not first


def test_it_keeps_each_clinicians_time_choices_with_the_snapshot(reuse, monkeypatch):
    evenings = ClinicianFactory(hours=[(0, "18:00", "20:00")])
    a = answers(times=["weekday evenings"])
    first = {p.id: p for p in clinician_candidates(answers=a, now=NOW).profiles}
    worked_out = []
    real = selectors._window_buckets.__wrapped__
    monkeypatch.setattr(
        selectors, "_window_buckets", lambda *args: worked_out.append(args) or real(*args)
    )
    again = {p.id: p for p in clinician_candidates(answers=a, now=NOW).profiles}
    assert worked_out == []  # the same client zone and day: kept from the first request
    assert again[evenings.pk].time_buckets == first[evenings.pk].time_buckets
    assert first[evenings.pk].time_buckets == {"weekday evenings"}
    in_london = {
        p.id: p
        for p in clinician_candidates(
            answers=answers(times=["weekday evenings"], timezone="Europe/London"), now=NOW
        ).profiles
    }
    assert worked_out  # another client zone is worked out afresh
    # 23:00–01:00 there: a weekday evening running into the next morning.
    assert in_london[evenings.pk].time_buckets == {"weekday evenings", "weekday mornings"}


def test_it_returns_the_snapshot_it_checked_when_another_thread_drops_it(reuse, monkeypatch):
    ClinicianFactory()
    built = current_roster(now=NOW)
    snapshot = selectors.roster_snapshot
    checked = snapshot._is_current

    def dropped_right_after(kept, version, stamp):
        # Another thread's roster_changed() runs between the check and the read.
        current = checked(kept, version, stamp)
        snapshot._kept = None
        return current

    monkeypatch.setattr(snapshot, "_is_current", dropped_right_after)
    assert current_roster(now=NOW) is built


def test_it_searches_slots_only_for_clinicians_one_relaxable_preference_away(monkeypatch):
    fits = ClinicianFactory(languages=["English"])
    spanish_only = ClinicianFactory(languages=["Spanish"])
    paused = ClinicianFactory(languages=["English"], accepting_new_clients=False)
    not_a_fit = ClinicianFactory(languages=["English"])
    searched = []
    search = selectors._open_slots

    def recording(ids, now, limit=1):
        searched.append(sorted(ids))
        return search(ids, now, limit)

    monkeypatch.setattr(selectors, "_open_slots", recording)
    a = answers(preferences={"language": {"value": "English", "importance": "must"}})
    profiles = clinician_candidates(
        answers=a, now=NOW, exclude_ids=[not_a_fit.pk], prefilter=False, relaxation_threshold=3
    ).profiles

    assert searched == [[fits.pk], [spanish_only.pk]]
    slots = {p.id: p.first_open_slot for p in profiles}
    assert slots[fits.pk] and slots[spanish_only.pk]
    assert slots[paused.pk] is None and slots[not_a_fit.pk] is None


def test_it_shows_a_clinician_the_intake_without_safety_or_contact_details():
    from matching.selectors import intake_clinician_summary

    data = intake(safety="several days", concerns_text="Work worries", phone="+1 212 555 0100")
    rows = dict(intake_clinician_summary(answers=data))
    assert rows["In their words"] == "Work worries"
    assert rows["Age"] == "An adult"
    shown = " ".join(rows.values())
    for private in ("several days", data["email"], "+1 212 555 0100", data["first_name"]):
        assert private not in shown


def test_it_shows_chosen_goals_apart_from_the_clients_own_words():
    from matching.selectors import intake_clinician_summary

    data = intake(goals="Sleep better.", goal_tags=["feel calmer"])
    rows = dict(intake_clinician_summary(answers=data))

    assert rows["Goals"] == "Sleep better."
    assert rows["Goals they chose"] == "Feel calmer"


def test_it_ranks_a_clinician_imported_in_bulk_at_once(reuse):
    ClinicianFactory(concerns=["anxiety"], languages=["English"])
    before = intake_match_list(answers=intake(), now=NOW, list_all_exclusions=True).ranking
    row = {
        "email": "new@example.org",
        "first_name": "New",
        "last_name": "Colleague",
        "languages": ["English"],
        "concerns": ["anxiety", "trauma and PTSD"],
        "ages": ["adults"],
        "formats": ["video"],
        "licenses": [{"state": "NY", "number": "R-1", "expires": "2099-06-30"}],
        "accepting_new_clients": True,
        "timezone": "America/New_York",
        "consultation_hours": [
            {"weekday": day, "start": "09:00", "end": "17:00"}
            for day in ("mon", "tue", "wed", "thu", "fri")
        ],
    }

    assert clinician_roster_import(rows=[row], dry_run=False).created == 1

    after = intake_match_list(answers=intake(), now=NOW, list_all_exclusions=True).ranking
    imported = Clinician.objects.get(email="new@example.org")
    assert imported.pk not in {match.clinician_id for match in before.matches}
    assert imported.pk in {match.clinician_id for match in after.matches}
