import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinicians.models import Approach, Clinician, Concern, Language, License, Office
from tests.clinicians.factories import ClinicianFactory, vocab
from tests.conftest import grant

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:clinicians_clinician_changelist")


def _change_url(clinician):
    return reverse("admin:clinicians_clinician_change", args=[clinician.pk])


@pytest.fixture
def manager(staff_user, client):
    grant(staff_user, "clinicians.view_clinician", "clinicians.change_clinician")
    client.force_login(staff_user)
    return client


def _ids(model, *names):
    return [str(term.pk) for term in vocab(model, *names)]


def _form_data(clinician, **changes):
    """What the change form posts for this clinician, with some fields changed."""
    data = {
        "first_name": clinician.first_name,
        "last_name": clinician.last_name,
        "email": clinician.email,
        "slug": clinician.slug,
        "pronouns": "",
        "bio": clinician.bio,
        "is_active": "on",
        "concerns": [str(pk) for pk in clinician.concerns.values_list("pk", flat=True)],
        "focus_concerns": [],
        "approaches": [],
        "serves_adults": "on",
        "offers_video": "on",
        "languages": [str(pk) for pk in clinician.languages.values_list("pk", flat=True)],
        "gender": "",
        "style_lead": "3",
        "style_focus": "3",
        "style_time": "3",
        "style_challenge": "3",
        "self_pay_fee": "150",
        "sliding_scale_min": "",
        "accepting_new_clients": "on",
        "weekly_consultation_capacity": "6",
        "timezone": "America/New_York",
        "video_url": "",
    }
    licences = list(clinician.licenses.all())
    data |= {
        "licenses-TOTAL_FORMS": str(len(licences)),
        "licenses-INITIAL_FORMS": str(len(licences)),
        "licenses-MIN_NUM_FORMS": "0",
        "licenses-MAX_NUM_FORMS": "1000",
    }
    for i, lic in enumerate(licences):
        data |= {
            f"licenses-{i}-id": str(lic.pk),
            f"licenses-{i}-clinician": str(clinician.pk),
            f"licenses-{i}-state": lic.state,
            f"licenses-{i}-number": lic.number,
            f"licenses-{i}-expires_on": lic.expires_on.isoformat(),
        }
    for prefix in ("consultation_hours", "availability_exceptions"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data |= changes
    return data


def test_it_lists_clinicians_with_licences_and_expiry_flags(manager):
    today = timezone.localdate()
    lapsed = ClinicianFactory(first_name="Lapsed", licensed_in=["NJ"], focus_concerns=["anxiety"])
    lapsed.licenses.update(expires_on=today - dt.timedelta(days=3))
    renewing = ClinicianFactory(first_name="Renewing", licensed_in=["CT"])
    renewing.licenses.update(expires_on=today + dt.timedelta(days=20))
    ClinicianFactory(first_name="Settled", licensed_in=["NY", "NJ"])

    response = manager.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Lapsed" in html and "Renewing" in html and "Settled" in html
    assert "⚠ expired" in html
    assert "⚠ soon" in html
    assert "NJ, NY" in html
    assert '<s title="expired">NJ</s>' in html


def _listed(response) -> set[str]:
    return {c.first_name for c in response.context["cl"].result_list}


def test_it_filters_by_each_dimension(manager):
    ClinicianFactory(
        first_name="Ana",
        concerns=["grief and loss"],
        approaches=["EMDR"],
        languages=["Spanish"],
        licensed_in=["NJ"],
        offers_phone=True,
        offers_in_person=True,
        offices=["Northside"],
    )
    ClinicianFactory(first_name="Ben", accepting_new_clients=False)
    filters = {
        "concerns__id__exact": vocab(Concern, "grief and loss")[0].pk,
        "approaches__id__exact": vocab(Approach, "EMDR")[0].pk,
        "languages__id__exact": vocab(Language, "Spanish")[0].pk,
        "offices__id__exact": Office.objects.get(name="Northside").pk,
        "licensed_in": "NJ",
        "format": "in person",
    }

    for key, value in filters.items():
        assert _listed(manager.get(CHANGELIST, {key: value})) == {"Ana"}, key
    assert _listed(manager.get(CHANGELIST, {"accepting_new_clients__exact": "0"})) == {"Ben"}
    assert _listed(manager.get(CHANGELIST, {"format": "video"})) == {"Ana", "Ben"}


def test_it_does_not_count_an_expired_licence_in_the_state_filter(manager):
    lapsed = ClinicianFactory(first_name="Lapsed", licensed_in=["CT"])
    License.objects.filter(clinician=lapsed).update(expires_on=dt.date(2020, 1, 1))
    ClinicianFactory(first_name="Current", licensed_in=["CT"])

    assert _listed(manager.get(CHANGELIST, {"licensed_in": "CT"})) == {"Current"}


def test_it_searches_by_name_and_email(manager):
    ClinicianFactory(first_name="Maya", last_name="Chen", email="maya@example.org")
    ClinicianFactory(first_name="Omar", last_name="Farouk", email="omar@example.org")

    assert _listed(manager.get(CHANGELIST, {"q": "chen"})) == {"Maya"}
    assert _listed(manager.get(CHANGELIST, {"q": "omar@"})) == {"Omar"}


def test_it_lists_in_a_constant_number_of_queries(manager):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(CHANGELIST).status_code == 200
        return len(queries)

    ClinicianFactory.create_batch(2, licensed_in=["NY", "NJ"], focus_concerns=["anxiety"])
    few = count()
    ClinicianFactory.create_batch(10, licensed_in=["NY", "NJ"], focus_concerns=["anxiety"])

    assert count() == few


def test_it_saves_a_change(manager):
    clinician = ClinicianFactory(concerns=["anxiety", "sleep"])
    data = _form_data(
        clinician,
        bio="Updated bio.",
        intro="I help people who feel stuck.",
        focus_concerns=_ids(Concern, "sleep"),
        offers_phone="on",
        sliding_scale_min="90",
    )

    response = manager.post(_change_url(clinician), data)

    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.bio == "Updated bio."
    assert clinician.intro == "I help people who feel stuck."
    assert clinician.offers_phone
    assert clinician.sliding_scale_min == 90
    assert list(clinician.focus_concerns.values_list("name", flat=True)) == ["sleep"]


@pytest.mark.parametrize(
    ("concerns", "focus", "message"),
    [
        (["anxiety"], ["depression"], "Focus concerns must also be concerns treated"),
        (
            ["anxiety", "depression", "sleep", "anger"],
            ["anxiety", "depression", "sleep", "anger"],
            "Choose at most 3 focus concerns.",
        ),
    ],
)
def test_it_rejects_focus_concerns_that_do_not_fit(manager, concerns, focus, message):
    clinician = ClinicianFactory()
    data = _form_data(
        clinician, concerns=_ids(Concern, *concerns), focus_concerns=_ids(Concern, *focus)
    )

    response = manager.post(_change_url(clinician), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["focus_concerns"]
    assert any(message in error for error in errors)
    assert not clinician.focus_concerns.exists()


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("https://zoom.us/j/123456789", "https://zoom.us/j/123456789"),
        # Typed without a scheme, it is read as https.
        ("meet.example.org/maya-chen", "https://meet.example.org/maya-chen"),
        ("", ""),
    ],
)
def test_it_saves_a_video_room_link(manager, typed, saved):
    clinician = ClinicianFactory(video_url="https://old.example.org/room")

    response = manager.post(_change_url(clinician), _form_data(clinician, video_url=typed))

    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.video_url == saved


@pytest.mark.parametrize("typed", ["http://zoom.us/j/123456789", "zoom me", "ftp://files.example"])
def test_it_refuses_a_video_room_link_that_is_not_https(manager, typed):
    clinician = ClinicianFactory(video_url="https://old.example.org/room")

    response = manager.post(_change_url(clinician), _form_data(clinician, video_url=typed))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["video_url"]
    assert errors == [
        "Enter the video room's full address, starting with https:// "
        "(for example https://zoom.us/j/123456789)."
    ]
    clinician.refresh_from_db()
    assert clinician.video_url == "https://old.example.org/room"


def test_it_rejects_a_sliding_scale_above_the_fee(manager):
    clinician = ClinicianFactory()

    response = manager.post(_change_url(clinician), _form_data(clinician, sliding_scale_min="400"))

    assert response.status_code == 200
    assert "sliding_scale_min" in response.context["adminform"].form.errors


def test_it_warns_about_an_expired_licence(manager):
    clinician = ClinicianFactory(licensed_in=["NJ"])
    clinician.licenses.update(expires_on=dt.date(2020, 5, 1), number="37SS9")

    page = manager.get(_change_url(clinician))
    saved = manager.post(_change_url(clinician), _form_data(clinician))

    assert page.status_code == 200
    assert "The NJ licence 37SS9 expired on 2020-05-01: it does not count" in page.content.decode()
    assert saved.status_code == 302
    warnings = [m.message for m in get_messages(saved.wsgi_request) if m.level_tag == "warning"]
    assert any("37SS9 expired" in message for message in warnings)


def test_it_stops_flagging_a_licence_once_it_is_renewed(manager):
    clinician = ClinicianFactory(first_name="Renewed", licensed_in=["NJ"])
    clinician.licenses.update(expires_on=dt.date(2020, 5, 1), number="OLD-1")
    License.objects.create(
        clinician=clinician, state="NJ", number="NEW-2", expires_on=dt.date(2099, 5, 1)
    )

    listing = manager.get(CHANGELIST).content.decode()
    page = manager.get(_change_url(clinician)).content.decode()

    assert "Renewed" in listing and "⚠ expired" not in listing
    assert "OLD-1 expired" not in page


def test_it_decides_expiry_by_the_practices_date_not_the_servers(settings):
    import time_machine

    from clinicians.zones import practice_today

    settings.PRACTICE_TIME_ZONE = "America/New_York"
    # 21:00 in New York on 30 June is already 1 July in UTC.
    with time_machine.travel(dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.UTC), tick=False):
        assert practice_today() == dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("action", "accepting"), [("pause_accepting", False), ("resume_accepting", True)]
)
def test_it_pauses_and_resumes_in_bulk(manager, action, accepting):
    chosen = ClinicianFactory.create_batch(2, accepting_new_clients=not accepting)
    other = ClinicianFactory(accepting_new_clients=not accepting)

    response = manager.post(
        CHANGELIST, {"action": action, "_selected_action": [c.pk for c in chosen]}, follow=True
    )

    assert response.status_code == 200
    assert "2 clinicians" in response.content.decode()
    assert Clinician.objects.filter(accepting_new_clients=accepting).count() == 2
    other.refresh_from_db()
    assert other.accepting_new_clients is not accepting


def test_it_offers_no_bulk_action_without_change_permission(staff_user, client):
    grant(staff_user, "clinicians.view_clinician")
    client.force_login(staff_user)
    ClinicianFactory()

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert "pause_accepting" not in response.content.decode()


def test_it_sends_a_non_staff_user_to_the_admin_login(client, django_user_model):
    user = django_user_model.objects.create_user(username="client", password="x-pass-12345")
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_sends_an_anonymous_visitor_to_the_admin_login(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_forbids_staff_without_the_permission(staff_client):
    assert staff_client.get(CHANGELIST).status_code == 403


def test_it_edits_vocabulary_order_and_offering_from_the_list(staff_user, client):
    grant(staff_user, "clinicians.view_concern", "clinicians.change_concern")
    client.force_login(staff_user)
    [anxiety] = vocab(Concern, "anxiety")
    url = reverse("admin:clinicians_concern_changelist")

    found = client.get(url, {"q": "anx"})
    response = client.post(
        url + "?q=anx",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(anxiety.pk),
            "form-0-sort_order": "40",
            "_save": "Save",
        },
    )

    assert [term.name for term in found.context["cl"].result_list] == ["anxiety"]
    assert response.status_code == 302
    anxiety.refresh_from_db()
    assert (anxiety.sort_order, anxiety.is_active) == (40, False)


@pytest.mark.parametrize(
    "model",
    ["concern", "approach", "language", "insuranceplan", "community", "credential", "office"],
)
def test_it_registers_every_vocabulary(staff_user, client, model):
    grant(staff_user, f"clinicians.view_{model}")
    client.force_login(staff_user)

    assert client.get(reverse(f"admin:clinicians_{model}_changelist")).status_code == 200
