"""Who may reach what: every route that takes an id, slug or token (config/urls.py,
matching/urls.py, consultations/urls.py, clinicians/urls.py), for each kind of visitor.

Client routes are opened by a secret link alone; a bad, tampered, expired, revoked or
wrong-purpose link is a friendly 404 and changes nothing. Portal routes take a consultation's
public id and answer 404 for another clinician's. Intake answers and summaries in admin need
the intake permission, and nobody can search, filter, sort or export by them there."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.urls import reverse

from clinicians.models import Clinician
from consultations import tokens
from consultations.models import (
    AnswerAccess,
    Consultation,
    ConsultationEvent,
    FitCheck,
    Notification,
)
from matching.models import Intake
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory

from .conftest import MONDAY_9, NOW, TUESDAY_9, snapshot

pytestmark = pytest.mark.django_db

FIT_CHECK_ANSWERS = {
    "felt_heard": 1,
    "agreed_goals": 1,
    "approach_makes_sense": 1,
    "wants_to_continue": 1,
}
BOOKING = {"first_name": "Eve", "email": "eve@example.org", "format": "video"}

# (route, what the link must be, what a POST would do if the check were missing)
CLIENT_ROUTES = [
    ("matching:results", "intake", None),
    ("matching:edit", "intake", None),
    ("matching:delete", "intake", {}),
    ("matching:book", "intake", {**BOOKING, "start": TUESDAY_9.isoformat()}),
    ("matching:next_match", "fit-check", None),
    ("matching:next_edit", "fit-check", None),
    ("consultations:manage", "manage", None),
    ("consultations:manage_cancel", "manage", {}),
    ("consultations:manage_reschedule", "manage", {"start": TUESDAY_9.isoformat()}),
    ("consultations:manage_delete", "manage", {}),
    ("consultations:manage_ics", "manage", None),
    ("consultations:fit_check", "fit-check", FIT_CHECK_ANSWERS),
]


def client_url(route: str, token: str, clinician_slug: str) -> str:
    if route in ("matching:edit", "matching:next_edit"):
        return reverse(route, args=[token, "safety"])
    if route == "matching:book":
        return reverse(route, args=[token, clinician_slug]) + f"?start={TUESDAY_9.isoformat()}"
    return reverse(route, args=[token])


def tampered_signed(token: str, **changes) -> str:
    """The same signed link with its payload edited but the old signature kept."""
    _payload, timestamp, signature = token.rsplit(":", 2)
    original = signing.loads(token, salt="consultations.client-link")
    payload = signing.b64_encode(signing.JSONSerializer().dumps({**original, **changes})).decode()
    return f"{payload}:{timestamp}:{signature}"


@pytest.fixture
def world(clinician_a, clinician_b, intake_a, intake_b, consultation_a, consultation_b):
    """Two clients, each with an intake and a consultation with their own clinician; A's
    consultation has taken place so its fit-check link is open."""
    Consultation.objects.filter(pk=consultation_a.pk).update(
        status=Consultation.Status.COMPLETED,
        starts_at=NOW - dt.timedelta(hours=2),
        ends_at=NOW - dt.timedelta(hours=2) + dt.timedelta(minutes=15),
    )
    consultation_a.refresh_from_db()
    return {
        "rows": [intake_a[0], intake_b[0], consultation_a, consultation_b],
        "consultation_a": consultation_a,
        "consultation_b": consultation_b,
        "raw_a": intake_a[1],
        "raw_b": intake_b[1],
    }


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Intake, Consultation, ConsultationEvent, FitCheck, Notification)
    }


def assert_friendly_404(response):
    assert response.status_code == 404
    body = response.content.decode()
    assert "expired" in body
    assert 'href="tel:988"' in body


def bad_token(kind: str, purpose: str, world, frozen) -> str:
    """A link of the given purpose that must not open anything."""
    a, b = world["consultation_a"], world["consultation_b"]
    if purpose == "intake":
        raw = world["raw_a"]
        return {
            "garbage": "not-a-real-link",
            "tampered": raw[:-1] + ("A" if raw[-1] != "A" else "B"),
            "too long": raw * 5,
            "other purpose": tokens.make_token(a, tokens.MANAGE),
        }.get(kind, raw)
    good = tokens.make_token(a, purpose)
    if kind == "garbage":
        return "not-a-real-link"
    if kind == "tampered":
        # A's signature with B's consultation inside.
        return tampered_signed(good, c=str(b.public_id))
    if kind == "too long":
        return good + "x" * 300
    if kind == "other purpose":
        other = tokens.FIT_CHECK if purpose == tokens.MANAGE else tokens.MANAGE
        return tokens.make_token(a, other)
    raise AssertionError(kind)


@pytest.mark.parametrize(("route", "purpose", "post"), CLIENT_ROUTES)
@pytest.mark.parametrize("kind", ["garbage", "tampered", "too long", "other purpose"])
def test_it_answers_a_bad_client_link_with_a_friendly_404_and_changes_nothing(
    client, world, frozen, route, purpose, post, kind
):
    url = client_url(route, bad_token(kind, purpose, world, frozen), "omar-haddad")
    before, totals = snapshot(*world["rows"]), counts()

    assert_friendly_404(client.get(url))
    if post is not None:
        assert_friendly_404(client.post(url, post))

    assert snapshot(*world["rows"]) == before
    assert counts() == totals


def _valid_token(purpose: str, world) -> str:
    if purpose == "intake":
        return world["raw_a"]
    return tokens.make_token(world["consultation_a"], purpose)


@pytest.mark.parametrize(("route", "purpose", "post"), CLIENT_ROUTES)
def test_it_refuses_an_expired_client_link(client, world, frozen, route, purpose, post, settings):
    url = client_url(route, _valid_token(purpose, world), world["consultation_b"].clinician.slug)
    days = settings.INTAKE_TOKEN_DAYS if purpose == "intake" else settings.MANAGE_TOKEN_DAYS
    frozen.shift(dt.timedelta(days=days, minutes=1))
    before, totals = snapshot(*world["rows"]), counts()

    assert_friendly_404(client.get(url))
    if post is not None:
        assert_friendly_404(client.post(url, post))

    assert snapshot(*world["rows"]) == before
    assert counts() == totals


@pytest.mark.parametrize(
    ("route", "purpose", "post"), [r for r in CLIENT_ROUTES if r[1] != "intake"]
)
def test_it_refuses_a_revoked_consultation_link(client, world, frozen, route, purpose, post):
    url = client_url(route, _valid_token(purpose, world), "")
    Consultation.objects.filter(pk=world["consultation_a"].pk).update(token_version=2)
    before, totals = snapshot(*world["rows"]), counts()

    assert_friendly_404(client.get(url))
    if post is not None:
        assert_friendly_404(client.post(url, post))

    assert snapshot(*world["rows"]) == before
    assert counts() == totals


def test_a_clients_links_act_only_on_their_own_consultation(client, world):
    a, b = world["consultation_a"], world["consultation_b"]
    Consultation.objects.filter(pk=a.pk).update(
        status=Consultation.Status.REQUESTED,
        starts_at=MONDAY_9,
        ends_at=MONDAY_9 + dt.timedelta(minutes=15),
    )
    before_b = snapshot(b, world["rows"][1])
    token = tokens.make_token(a, tokens.MANAGE)

    page = client.get(reverse("consultations:manage", args=[token])).content.decode()
    client.post(reverse("consultations:manage_cancel", args=[token]))
    client.post(reverse("consultations:manage_delete", args=[token]))

    assert "Omar" not in page and "Bea" not in page
    a.refresh_from_db()
    assert a.status == Consultation.Status.CANCELLED
    assert a.client_email == ""
    assert snapshot(b, world["rows"][1]) == before_b


def test_a_clients_results_link_opens_and_deletes_only_their_intake(client, world):
    intake_a, intake_b = world["rows"][0], world["rows"][1]
    before_b = snapshot(intake_b)

    response = client.post(reverse("matching:delete", args=[world["raw_a"]]))

    assert response.status_code == 302
    assert not Intake.objects.filter(pk=intake_a.pk).exists()
    assert snapshot(intake_b) == before_b
    assert_friendly_404(client.get(reverse("matching:results", args=[world["raw_a"]])))
    assert client.get(reverse("matching:results", args=[world["raw_b"]])).status_code == 200


# --- The clinician portal -----------------------------------------------------------------

PORTAL_ACTIONS = [
    ("consultations:portal_confirm", "requested", {}),
    ("consultations:portal_decline", "requested", {"message": "Sorry"}),
    ("consultations:portal_complete", "started", {}),
    ("consultations:portal_no_show", "started", {}),
]
AFTER = {
    "consultations:portal_confirm": "confirmed",
    "consultations:portal_decline": "declined",
    "consultations:portal_complete": "completed",
    "consultations:portal_no_show": "no_show",
}


@pytest.fixture
def b_consultations(clinician_b, frozen):
    """Clinician B's consultations in the states each portal action applies to."""
    started = NOW - dt.timedelta(hours=1)
    return {
        "requested": ConsultationFactory(clinician=clinician_b, starts_at=TUESDAY_9),
        "started": ConsultationFactory(
            clinician=clinician_b,
            starts_at=started,
            ends_at=started + dt.timedelta(minutes=15),
            status=Consultation.Status.CONFIRMED,
        ),
    }


@pytest.mark.parametrize(("route", "state", "post"), PORTAL_ACTIONS)
def test_it_answers_404_to_a_clinician_acting_on_another_clinicians_consultation(
    client, clinician_a, b_consultations, route, state, post
):
    target = b_consultations[state]
    client.force_login(clinician_a.user)
    before, totals = snapshot(*b_consultations.values()), counts()

    url = reverse(route, args=[target.public_id])
    assert client.post(url, post).status_code == 404
    if route.endswith("decline"):
        assert client.get(url).status_code == 404

    assert snapshot(*b_consultations.values()) == before
    assert counts() == totals


@pytest.mark.parametrize(("route", "state", "post"), PORTAL_ACTIONS)
def test_it_lets_the_clinician_act_on_their_own_consultation(
    client, clinician_b, b_consultations, route, state, post
):
    target = b_consultations[state]
    client.force_login(clinician_b.user)

    response = client.post(reverse(route, args=[target.public_id]), post)

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == AFTER[route]
    assert target.events.filter(actor="clinician").count() == 1


@pytest.mark.parametrize(("route", "state", "post"), PORTAL_ACTIONS)
def test_it_sends_anonymous_visitors_to_the_login_from_portal_actions(
    client, b_consultations, route, state, post
):
    before = snapshot(*b_consultations.values())

    response = client.post(reverse(route, args=[b_consultations[state].public_id]), post)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert snapshot(*b_consultations.values()) == before


@pytest.mark.parametrize(("route", "state", "post"), PORTAL_ACTIONS)
def test_it_refuses_portal_actions_to_staff_without_a_clinician_profile(
    staff_client, b_consultations, route, state, post
):
    before = snapshot(*b_consultations.values())

    response = staff_client.post(reverse(route, args=[b_consultations[state].public_id]), post)

    assert response.status_code == 403
    assert snapshot(*b_consultations.values()) == before


def test_the_portal_lists_only_the_clinicians_own_clients(client, clinician_a, world):
    client.force_login(clinician_a.user)
    Consultation.objects.filter(pk=world["consultation_a"].pk).update(
        status=Consultation.Status.REQUESTED,
        starts_at=MONDAY_9,
        ends_at=MONDAY_9 + dt.timedelta(minutes=15),
    )

    body = client.get(reverse("consultations:portal")).content.decode()

    assert "Ana" in body
    assert "Bea" not in body


def test_an_unknown_or_inactive_public_id_is_404_too(client, clinician_a):
    client.force_login(clinician_a.user)
    mine_but_gone = ClinicianFactory(is_active=False)
    other = ConsultationFactory(clinician=mine_but_gone, starts_at=TUESDAY_9)

    for public_id in ("00000000-0000-0000-0000-000000000000", other.public_id):
        response = client.post(reverse("consultations:portal_confirm", args=[public_id]))
        assert response.status_code == 404


# --- Slugs on public pages ----------------------------------------------------------------


def test_it_hides_inactive_clinicians_profiles_and_booking(client, intake_a, frozen):
    hidden = ClinicianFactory(is_active=False)
    _intake, raw = intake_a

    assert client.get(reverse("clinicians:profile", args=[hidden.slug])).status_code == 404
    response = client.post(
        reverse("matching:book", args=[raw, hidden.slug]),
        {**BOOKING, "start": MONDAY_9.isoformat()},
    )
    assert response.status_code == 404
    assert Consultation.objects.count() == 0


def test_it_answers_404_to_an_unknown_intake_step(client):
    assert client.get(reverse("matching:step", args=["nope"])).status_code == 404
    assert client.post(reverse("matching:step", args=["nope"]), {}).status_code == 404


# --- Staff and the intake permission in admin ---------------------------------------------


@pytest.fixture
def practice_staff(staff_user):
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    return staff_user


@pytest.fixture
def intake_reviewer(practice_staff):
    practice_staff.groups.add(Group.objects.get(name="Intake reviewers"))
    return practice_staff


def test_staff_without_the_intake_permission_cannot_see_or_change_intakes(
    client, practice_staff, world
):
    client.force_login(practice_staff)
    intake = world["rows"][0]
    before = snapshot(intake)
    change = reverse("admin:matching_intake_change", args=[intake.pk])

    assert client.get(reverse("admin:matching_intake_changelist")).status_code == 403
    assert client.get(change).status_code == 403
    assert client.post(change, {"follow_up": "called"}).status_code == 403
    delete = reverse("admin:matching_intake_delete", args=[intake.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403

    assert snapshot(intake) == before


def test_staff_without_the_intake_permission_do_not_see_the_client_summary(
    client, practice_staff, world
):
    client.force_login(practice_staff)
    consultation = world["consultation_b"]

    response = client.get(
        reverse("admin:consultations_consultation_change", args=[consultation.pk])
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Feel less alone." not in body
    assert "intake summary" not in body.lower()


def test_staff_with_the_intake_permission_see_answers_and_summary(client, intake_reviewer, world):
    client.force_login(intake_reviewer)
    intake, consultation = world["rows"][0], world["consultation_b"]

    intake_page = client.get(reverse("admin:matching_intake_change", args=[intake.pk]))
    summary_page = client.get(
        reverse("admin:consultations_consultation_change", args=[consultation.pk])
    )

    assert intake_page.status_code == 200
    assert "Sleep through the night." in intake_page.content.decode()
    assert summary_page.status_code == 200
    assert "Feel less alone." in summary_page.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "clinician"])
def test_admin_object_pages_send_non_staff_to_the_admin_login(client, clinician_a, world, who):
    if who == "clinician":
        client.force_login(clinician_a.user)
    urls = [
        reverse("admin:matching_intake_change", args=[world["rows"][0].pk]),
        reverse("admin:consultations_consultation_change", args=[world["consultation_b"].pk]),
        reverse("admin:clinicians_clinician_change", args=[clinician_a.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- The same-day call queue ---------------------------------------------------------------


@pytest.fixture
def flagged_intake(world):
    intake = world["rows"][0]
    Intake.objects.filter(pk=intake.pk).update(
        follow_up=Intake.FollowUp.PENDING, follow_up_flagged_at=NOW
    )
    return Intake.objects.get(pk=intake.pk)


def test_practice_staff_work_the_call_queue_without_the_answers(
    client, practice_staff, flagged_intake
):
    client.force_login(practice_staff)
    entry = reverse("admin:matching_samedaycall_change", args=[flagged_intake.pk])

    assert client.get(reverse("admin:matching_samedaycall_changelist")).status_code == 200
    page = client.get(entry)
    assert page.status_code == 200
    assert "Sleep through the night." not in page.content.decode()
    response = client.post(entry, {"follow_up": "called", "follow_up_note": "Reached."})
    assert response.status_code == 302
    flagged_intake.refresh_from_db()
    assert flagged_intake.follow_up == Intake.FollowUp.CALLED


def test_staff_outside_practice_staff_cannot_open_or_change_the_queue(
    client, staff_user, flagged_intake
):
    client.force_login(staff_user)
    entry = reverse("admin:matching_samedaycall_change", args=[flagged_intake.pk])
    before = snapshot(flagged_intake)

    assert client.get(reverse("admin:matching_samedaycall_changelist")).status_code == 403
    assert client.get(entry).status_code == 403
    assert client.post(entry, {"follow_up": "resolved", "follow_up_note": ""}).status_code == 403

    assert snapshot(flagged_intake) == before


@pytest.mark.parametrize("who", ["anonymous", "clinician"])
def test_the_call_queue_sends_non_staff_to_the_admin_login(
    client, clinician_a, flagged_intake, who
):
    if who == "clinician":
        client.force_login(clinician_a.user)
    for url in (
        reverse("admin:matching_samedaycall_changelist"),
        reverse("admin:matching_samedaycall_change", args=[flagged_intake.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- The access log of clients' answers -----------------------------------------------------


def _log(intake_id) -> list[tuple]:
    return list(
        AnswerAccess.objects.filter(intake_reference=intake_id)
        .order_by("pk")
        .values_list("username", "where", "address")
    )


def test_every_view_of_answers_is_logged_with_who_where_and_from_where(
    client, intake_reviewer, clinician_a, world
):
    intake_a, consultation_a = world["rows"][0], world["consultation_a"]
    Consultation.objects.filter(pk=consultation_a.pk).update(
        status=Consultation.Status.REQUESTED,
        starts_at=MONDAY_9,
        ends_at=MONDAY_9 + dt.timedelta(minutes=15),
    )
    client.force_login(intake_reviewer)
    client.get(reverse("admin:matching_intake_change", args=[intake_a.pk]), REMOTE_ADDR="10.1.2.3")
    client.get(reverse("admin:consultations_consultation_change", args=[consultation_a.pk]))
    client.force_login(clinician_a.user)
    client.get(reverse("consultations:portal"))

    assert _log(intake_a.pk) == [
        ("staff", AnswerAccess.Where.ADMIN_INTAKE, "10.1.2.3"),
        ("staff", AnswerAccess.Where.ADMIN_SUMMARY, "127.0.0.1"),
        ("maya", AnswerAccess.Where.PORTAL_SUMMARY, "127.0.0.1"),
    ]


def test_a_refused_look_at_answers_is_not_logged_as_a_view(client, practice_staff, world):
    client.force_login(practice_staff)
    intake = world["rows"][0]

    assert client.get(reverse("admin:matching_intake_change", args=[intake.pk])).status_code == 403
    client.get(
        reverse("admin:consultations_consultation_change", args=[world["consultation_b"].pk])
    )

    assert AnswerAccess.objects.count() == 0


def test_intake_reviewers_read_the_log_per_intake_and_nobody_changes_it(
    client, intake_reviewer, django_user_model, world
):
    intake_a, intake_b = world["rows"][0], world["rows"][1]
    client.force_login(intake_reviewer)
    client.get(reverse("admin:matching_intake_change", args=[intake_a.pk]))
    page = client.get(reverse("admin:matching_intake_change", args=[intake_a.pk]))
    assert "who has seen these answers" in page.content.decode().lower()
    client.get(reverse("admin:matching_intake_change", args=[intake_b.pk]))
    log = reverse("admin:consultations_answeraccess_changelist")

    response = client.get(log, {"intake_reference": str(intake_a.pk)})

    assert response.status_code == 200
    assert {row.intake_reference for row in response.context["cl"].result_list} == {intake_a.pk}
    row = AnswerAccess.objects.first()
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123456")
    for who in (intake_reviewer, superuser):
        client.force_login(who)
        change = reverse("admin:consultations_answeraccess_change", args=[row.pk])
        delete = reverse("admin:consultations_answeraccess_delete", args=[row.pk])
        assert client.post(change, {"username": "someone else"}).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:consultations_answeraccess_add")).status_code == 403
        actions = client.post(
            log, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        )
        assert actions.status_code in (200, 302, 403)
    row.refresh_from_db()
    assert row.username == "staff"
    assert AnswerAccess.objects.count() == 3


def test_only_intake_reviewers_read_the_access_log(client, practice_staff, world):
    client.force_login(practice_staff)
    intake = world["rows"][0]
    AnswerAccess.objects.create(
        intake_reference=intake.pk, username="maya", where="portal_summary", at=NOW
    )
    log = reverse("admin:consultations_answeraccess_changelist")

    assert client.get(log).status_code == 403
    assert client.get(log, {"intake_reference": str(intake.pk)}).status_code == 403
    row = AnswerAccess.objects.get()
    change = reverse("admin:consultations_answeraccess_change", args=[row.pk])
    assert client.get(change).status_code == 403
    client.logout()
    assert client.get(log).status_code == 302


# --- Roster import and export in the admin -------------------------------------------------


def _roster_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    row = {"email": "new@example.org", "first_name": "New", "last_name": "Person"}
    return {"roster": SimpleUploadedFile("roster.json", json.dumps([row]).encode())}


def test_practice_staff_import_and_export_the_roster(client, practice_staff, world):
    client.force_login(practice_staff)
    importer = reverse("admin:clinicians_clinician_import")

    preview = client.post(importer, _roster_upload())
    assert preview.status_code == 200
    done = client.post(importer, {"payload": preview.context["payload"], "confirm": "1"})

    assert done.status_code == 302
    assert Clinician.objects.filter(email="new@example.org").exists()
    export = reverse("admin:clinicians_clinician_export", args=["csv"])
    assert client.get(export).status_code == 200


def test_staff_without_the_clinician_permissions_neither_import_nor_export(
    client, staff_user, world
):
    from tests.conftest import grant

    grant(staff_user, "clinicians.view_clinician")  # may look, may not write
    client.force_login(staff_user)
    importer = reverse("admin:clinicians_clinician_import")

    assert client.get(importer).status_code == 403
    assert client.post(importer, _roster_upload()).status_code == 403
    assert (
        client.get(reverse("admin:clinicians_clinician_export", args=["json"])).status_code == 200
    )
    staff_user.user_permissions.clear()
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)
    client.force_login(staff_user)
    assert (
        client.get(reverse("admin:clinicians_clinician_export", args=["json"])).status_code == 403
    )
    assert not Clinician.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize("who", ["anonymous", "clinician"])
def test_roster_import_and_export_send_non_staff_to_the_admin_login(
    client, clinician_a, world, who
):
    if who == "clinician":
        client.force_login(clinician_a.user)
    for url in (
        reverse("admin:clinicians_clinician_import"),
        reverse("admin:clinicians_clinician_export", args=["csv"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert (
        client.post(reverse("admin:clinicians_clinician_import"), _roster_upload()).status_code
        == 302
    )
    assert not Clinician.objects.filter(email="new@example.org").exists()


# --- Clients' answers are not searchable in the admin, by anyone ----------------------------

# Query-string lookups that would pick rows by what a client told us, directly or through a
# relation. Every one is a 400 (Django's refusal of a disallowed lookup), for every staff member.
ANSWER_LOOKUPS = [
    ("admin:consultations_consultation_changelist", "client_summary__icontains=Feel"),
    ("admin:consultations_consultation_changelist", "client_summary__contains=Feel"),
    ("admin:consultations_consultation_changelist", "client_summary__isnull=False"),
    ("admin:consultations_consultation_changelist", "client_phone=555 010 3000"),
    ("admin:consultations_consultation_changelist", "client_phone__startswith=555"),
    ("admin:consultations_consultation_changelist", "decline_message__icontains=away"),
    ("admin:consultations_consultation_changelist", "_changelist_filters=x&client_phone=5"),
    ("admin:consultations_notification_changelist", "consultation__client_summary__icontains=F"),
    ("admin:consultations_notification_changelist", "consultation__client_phone=555 010 3000"),
    ("admin:clinicians_clinician_changelist", "consultations__client_summary__icontains=Feel"),
    ("admin:matching_intake_changelist", "answers__icontains=Sleep"),
    ("admin:matching_intake_changelist", "safety_answer=not at all"),
    ("admin:matching_intake_changelist", "safety_answer__exact=several days"),
    ("admin:matching_intake_changelist", "follow_up_note__icontains=safe"),
    ("admin:matching_samedaycall_changelist", "follow_up_note__icontains=safe"),
    ("admin:matching_samedaycall_changelist", "answers__icontains=Sleep"),
]


def _changelist(route: str, query: str) -> str:
    return f"{reverse(route)}?{query}"


@pytest.mark.parametrize(("route", "query"), ANSWER_LOOKUPS)
@pytest.mark.parametrize("who", ["practice staff", "intake reviewer", "superuser"])
def test_no_one_can_filter_by_a_clients_answers_in_the_admin(
    client, world, django_user_model, practice_staff, route, query, who
):
    if who == "intake reviewer":
        practice_staff.groups.add(Group.objects.get(name="Intake reviewers"))
    user = practice_staff
    if who == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.org", "root-pw-123")
    client.force_login(user)

    response = client.get(_changelist(route, query))

    if route == "admin:matching_intake_changelist" and who == "practice staff":
        assert response.status_code == 403  # they can't open intakes at all
    else:
        assert response.status_code == 400
    assert b"Feel less alone." not in response.content


def test_the_summary_lookup_is_no_oracle_for_staff_without_the_permission(
    client, practice_staff, world
):
    client.force_login(practice_staff)
    url = reverse("admin:consultations_consultation_changelist")

    hit = client.get(url, {"client_summary__icontains": "Feel less alone"})
    miss = client.get(url, {"client_summary__icontains": "no such words"})

    assert hit.status_code == miss.status_code == 400
    assert hit.content == miss.content


def test_the_admin_search_finds_names_and_emails_but_never_answers(client, practice_staff, world):
    client.force_login(practice_staff)
    url = reverse("admin:consultations_consultation_changelist")

    def found(term: str) -> int:
        response = client.get(url, {"q": term})
        assert response.status_code == 200
        return response.context["cl"].result_count

    assert found("bea@example.org") == 1
    assert found("Feel less alone") == 0
    assert found("555 010 3000") == 0


def test_the_intake_list_cannot_be_sorted_by_the_safety_answer(client, intake_reviewer, world):
    client.force_login(intake_reviewer)
    url = reverse("admin:matching_intake_changelist")
    safety_column = 2  # list_display: __str__, submitted_at, safety, ...

    response = client.get(url, {"o": str(safety_column)})

    assert response.status_code == 200
    ordering = [str(field) for field in response.context["cl"].queryset.query.order_by]
    assert ordering and not any("safety" in field for field in ordering)


@pytest.mark.parametrize("who", ["practice staff", "intake reviewer"])
def test_the_admin_history_pages_show_no_answers(client, practice_staff, world, who):
    if who == "intake reviewer":
        practice_staff.groups.add(Group.objects.get(name="Intake reviewers"))
    client.force_login(practice_staff)
    consultation, intake = world["consultation_a"], world["rows"][0]
    change = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    client.post(
        change,
        {
            "format": consultation.format,
            "client_first_name": "Ana",
            "client_email": "ana@example.org",
            "client_phone": "555 010 9999",
            "client_timezone": "America/New_York",
            "decline_message": "Away that week.",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "engagement-TOTAL_FORMS": "0",
            "engagement-INITIAL_FORMS": "0",
        },
    )
    consultation.refresh_from_db()
    assert consultation.client_phone == "555 010 9999"  # the change was saved and logged

    history = client.get(
        reverse("admin:consultations_consultation_history", args=[consultation.pk])
    )
    intake_history = client.get(reverse("admin:matching_intake_history", args=[intake.pk]))

    assert history.status_code == 200
    body = history.content.decode()
    assert "Changed" in body
    for answer in ("555 010", "Away that week", "Sleep through the night"):
        assert answer not in body
    if who == "practice staff":
        assert intake_history.status_code == 403
    else:
        assert intake_history.status_code == 200
        assert "Sleep through the night" not in intake_history.content.decode()


def test_no_admin_offers_an_export_of_answers(client, intake_reviewer, world):
    client.force_login(intake_reviewer)

    for route in (
        "admin:consultations_consultation_changelist",
        "admin:matching_intake_changelist",
        "admin:matching_samedaycall_changelist",
    ):
        response = client.get(reverse(route))
        assert response.status_code == 200
        form = response.context["action_form"]
        actions = [name for name, _label in form.fields["action"].choices] if form else []
        assert all("export" not in name for name in actions), (route, actions)


# --- Clinicians' calendar feeds -------------------------------------------------------------


def _feed(token: str) -> str:
    return reverse("consultations:calendar_feed", args=[token])


@pytest.fixture
def feeds(world):
    """Both clinicians' feed links; A's first link was replaced by a second, B's turned off."""
    from consultations import services

    a, b = world["consultation_a"].clinician, world["consultation_b"].clinician
    replaced = services.calendar_feed_renew(clinician_id=a.pk)
    current = services.calendar_feed_renew(clinician_id=a.pk)
    revoked = services.calendar_feed_renew(clinician_id=b.pk)
    services.calendar_feed_revoke(clinician_id=b.pk)
    b_current = services.calendar_feed_renew(clinician_id=b.pk)
    return {"a": current, "a_replaced": replaced, "b_revoked": revoked, "b": b_current}


@pytest.mark.parametrize(
    "kind", ["garbage", "replaced", "revoked", "tampered", "too long", "empty-ish"]
)
def test_a_feed_link_that_opens_nothing_is_the_same_404_for_all(client, world, feeds, kind):
    link = {
        "garbage": "not-a-real-link",
        "replaced": feeds["a_replaced"],
        "revoked": feeds["b_revoked"],
        "tampered": feeds["a"][:-1] + ("A" if feeds["a"][-1] != "A" else "B"),
        "too long": feeds["a"] * 4,
        "empty-ish": "-",
    }[kind]
    before = counts()

    response = client.get(_feed(link))
    unknown = client.get(_feed("x" * 43))

    assert response.status_code == 404
    # Nothing tells a link that once existed from one that never did.
    assert response.content == unknown.content
    assert counts() == before


def test_a_feed_link_shows_only_its_own_clinicians_consultations(client, world, feeds):
    a, b = world["consultation_a"], world["consultation_b"]
    a_feed = client.get(_feed(feeds["a"])).content.decode()
    b_feed = client.get(_feed(feeds["b"])).content.decode()

    assert str(a.public_id) in a_feed and str(b.public_id) not in a_feed
    assert str(b.public_id) in b_feed and str(a.public_id) not in b_feed
    for feed in (a_feed, b_feed):
        assert "Sleep through the night." not in feed and "Feel less alone." not in feed
        assert "555 010 3000" not in feed and "@example.org" not in feed


def test_an_inactive_clinicians_feed_answers_404(client, world, feeds):
    Clinician.objects.filter(pk=world["consultation_a"].clinician_id).update(is_active=False)
    assert client.get(_feed(feeds["a"])).status_code == 404


def test_another_clinician_cannot_make_or_revoke_someone_elses_link(client, world, feeds):
    client.force_login(world["consultation_b"].clinician.user)
    client.post(reverse("consultations:portal_calendar"), {"action": "revoke"})

    assert client.get(_feed(feeds["a"])).status_code == 200
    assert client.get(_feed(feeds["b"])).status_code == 404


def test_staff_never_see_a_feed_link_and_need_the_permission_to_see_feeds(
    client, staff_user, world, feeds
):
    from consultations.models import CalendarFeed

    feed = CalendarFeed.objects.get(clinician=world["consultation_a"].clinician)
    pages = [
        reverse("admin:consultations_calendarfeed_changelist"),
        reverse("admin:consultations_calendarfeed_change", args=[feed.pk]),
    ]
    client.force_login(staff_user)
    for page in pages:
        assert client.get(page).status_code == 403
    # Staff outside the portal have no link to make either.
    assert (
        client.post(reverse("consultations:portal_calendar"), {"action": "renew"}).status_code
        == 403
    )

    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    for page in pages:
        body = client.get(page).content.decode()
        assert "Maya Chen" in body
        assert feeds["a"] not in body and feed.token_hash not in body
    assert CalendarFeed.objects.count() == 2


# --- Profile changes clinicians propose (portal and admin) ----------------------------------


def _proposal_of(clinician, bio: str):
    from clinicians.selectors import clinician_profile_values
    from clinicians.services import profile_proposal_submit

    values = clinician_profile_values(clinician)
    values.pop("photo")
    return profile_proposal_submit(
        clinician_id=clinician.pk,
        author_id=clinician.user_id,
        values={**values, "bio": bio},
    )


def test_a_clinician_sees_and_withdraws_only_their_own_proposal(client, clinician_a, clinician_b):
    from clinicians.models import ProfileProposal

    own = _proposal_of(clinician_a, "Maya's draft bio.")
    theirs = _proposal_of(clinician_b, "Omar's draft bio.")
    client.force_login(clinician_a.user)

    page = client.get(reverse("consultations:portal_profile")).content.decode()
    refused = client.post(reverse("consultations:portal_profile_withdraw", args=[theirs.pk]))
    allowed = client.post(reverse("consultations:portal_profile_withdraw", args=[own.pk]))

    assert "Maya&#x27;s draft bio." in page and "Omar" not in page
    assert refused.status_code == 404
    assert allowed.status_code == 302
    statuses = dict(ProfileProposal.objects.values_list("pk", "status"))
    assert statuses == {own.pk: "withdrawn", theirs.pk: "pending"}


def test_portal_profile_pages_send_anonymous_visitors_to_the_login(client, clinician_a):
    proposal = _proposal_of(clinician_a, "Maya's draft bio.")
    for response in (
        client.get(reverse("consultations:portal_profile")),
        client.post(reverse("consultations:portal_profile"), {"bio": "Hijacked"}),
        client.post(reverse("consultations:portal_profile_withdraw", args=[proposal.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    proposal.refresh_from_db()
    assert (proposal.status, proposal.changes) == ("pending", {"bio": "Maya's draft bio."})


def test_only_staff_with_the_change_permission_decide_a_proposal(
    client, django_user_model, practice_staff, clinician_a
):
    from tests.conftest import grant

    proposal = _proposal_of(clinician_a, "Maya's draft bio.")
    url = reverse("admin:clinicians_profileproposal_change", args=[proposal.pk])
    staff_user = django_user_model.objects.create_user(
        username="viewer", password="viewer-pass-123", is_staff=True
    )

    client.force_login(staff_user)
    assert client.post(url, {"decision": "approve"}).status_code == 403
    grant(staff_user, "clinicians.view_profileproposal")
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "approve"}).status_code == 403
    proposal.refresh_from_db()
    clinician_a.refresh_from_db()
    assert proposal.status == "pending"
    assert clinician_a.bio != "Maya's draft bio."

    client.force_login(practice_staff)
    assert client.post(url, {"decision": "approve"}).status_code == 302
    proposal.refresh_from_db()
    clinician_a.refresh_from_db()
    assert proposal.status == "approved"
    assert clinician_a.bio == "Maya's draft bio."


@pytest.mark.parametrize("who", ["anonymous", "clinician"])
def test_proposal_review_sends_non_staff_to_the_admin_login(client, clinician_a, who):
    proposal = _proposal_of(clinician_a, "Maya's draft bio.")
    if who == "clinician":
        client.force_login(clinician_a.user)
    url = reverse("admin:clinicians_profileproposal_change", args=[proposal.pk])

    for response in (client.get(url), client.post(url, {"decision": "approve"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    proposal.refresh_from_db()
    assert proposal.status == "pending"
