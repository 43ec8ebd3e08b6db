"""Random and hostile input to every form and client link: never a 500, nothing stored from a
rejected submission, and nothing echoed as live markup. Rate limits are off here so the forms'
validation is what's tested."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicians.models import AvailabilityException, ConsultationHours
from consultations import tokens
from consultations.models import Consultation, FitCheck
from matching.models import Intake
from matching.selectors import intake_clinician_summary
from matching.views import DRAFT
from tests.consultations.factories import ConsultationFactory
from tests.matching.intake_steps import STEP_POSTS, fill_intake

from .conftest import MONDAY_9, NOW, snapshot

pytestmark = [pytest.mark.django_db]

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MARKERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=10)
MARKUP = st.builds(
    lambda template, marker: template.replace("{}", marker),
    st.sampled_from(
        [
            "<script>alert('{}')</script>",
            '"><img src=x onerror=alert("{}")>',
            "'><svg onload=alert('{}')>",
            "</textarea><script>alert('{}')</script>",
            "javascript:alert('{}')//<b>{}</b>",
        ]
    ),
    MARKERS,
)
HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "'; DROP TABLE matching_intake; --",
        "1' OR '1'='1",
        "\u202eevil\u202c rtl",
        "\u200b\u200c\u200d\ufeff",
        "nul\x00byte",
        "\x00",
        "𝕳𝖊𝖑𝖑𝖔 👩🏽‍⚕️ 漢字 مرحبا",
        "x" * 5000,
        "-1",
        "0",
        "1e309",
        "NaN",
        "99999999999999999999999999999999",
        "-99999999999999999999999999999999",
        "2026-03-02T14:00:00+00:00",
        "2026-03-02T14:00:00",
        "9999-12-31T23:59:59+14:00",
        "null",
        "[]",
        '{"a": 1}',
        "../../etc/passwd",
        "%00",
        "\r\n\r\n",
        "",
        " ",
    ]
)
VALUE = st.one_of(HOSTILE, MARKUP, st.text(max_size=120), st.integers().map(str))
FIELD_VALUE = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))


def form_data(fields: list[str]):
    """Some of the form's fields (missing ones left out), repeated values, and unknown ones."""
    return st.dictionaries(
        st.one_of(st.sampled_from(fields), st.sampled_from(["csrfmiddlewaretoken", "id", "x"])),
        FIELD_VALUE,
        max_size=len(fields) + 2,
    )


def sent_strings(data: dict) -> list[str]:
    out = []
    for value in data.values():
        out += value if isinstance(value, list) else [value]
    return out


def assert_safe(response, data: dict | None = None, *, lockout_ok: bool = False):
    assert response.status_code < 500
    # Rate limits are off: a 429 here would mean the form was never tested.
    assert response.status_code != 429 or lockout_ok
    body = response.content.decode("utf-8", "replace")
    # Escaped text may say "onerror=alert"; a live tag would start with "<".
    for tag in ("<script>alert", "<img src=x onerror", "<svg onload", "<b>"):
        assert tag not in body
    for sent in sent_strings(data or {}):
        if "<" in sent and ">" in sent:
            assert sent not in body


def used(response, template: str) -> bool:
    return template in [t.name for t in response.templates]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATELIMIT_ENABLE = False


# --- The intake ---------------------------------------------------------------------------

STEP_FIELDS = {
    "safety": ["safety"],
    "about": [
        "for_whom",
        "age_band",
        "for_whom_other",
        "concern_1",
        "concern_2",
        "concern_3",
        "concerns_text",
        "concerns_other",
        "goals",
        "goal_tags",
    ],
    "therapist": [
        "lead",
        "focus",
        "time",
        "challenge",
        "approaches_wanted",
        "approaches_avoided",
        "gender",
        "gender_words",
        "gender_importance",
        "language",
        "language_importance",
        "community",
        "community_importance",
        "lgbtq_affirming_importance",
        "faith_informed_importance",
    ],
    "practical": [
        "state",
        "format",
        "offices",
        "times",
        "insurance",
        "self_pay_budget",
        "past_therapy",
    ],
    "contact": ["first_name", "email", "phone", "timezone", "timezone_other", "consent"],
}


def test_step_fields_cover_every_intake_step():
    assert [slug for slug, _data in STEP_POSTS] == list(STEP_FIELDS)


@pytest.mark.parametrize("slug", list(STEP_FIELDS))
def test_it_survives_hostile_posts_to_each_intake_step(client, frozen, slug):
    fill_intake(client, upto=slug)

    @FUZZ
    @given(data=form_data(STEP_FIELDS[slug] + ["nav"]))
    def post_step(data):
        response = client.post(reverse("matching:step", args=[slug]), data)
        assert_safe(response, data)
        assert Intake.objects.count() == 0
        # What was saved (valid answers, or "back" with anything) must show again safely.
        again = client.get(reverse("matching:step", args=[slug]), follow=True)
        assert_safe(again, data)

    post_step()


# Text that passes validation, so it is stored and shown again to the client and to staff.
STORABLE = st.one_of(
    MARKUP,
    st.sampled_from(
        [
            "'; DROP TABLE matching_intake; --",
            "\u202eevil\u202c rtl",
            "a\u200bb\u200dc\ufeff",
            "𝕳𝖊𝖑𝖑𝖔 👩🏽‍⚕️ 漢字 مرحبا",
            "{{ request }} {% now 'Y' %}",
            "&lt;b&gt;&amp;",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=35),
)
KEEP = st.none()  # None keeps the ordinary answer for that field


@FUZZ
@given(
    concerns_text=st.one_of(KEEP, STORABLE),
    goals=st.one_of(KEEP, STORABLE),
    first_name=st.one_of(KEEP, STORABLE),
    past_therapy=st.one_of(KEEP, STORABLE),
)
def test_what_an_intake_stores_shows_escaped_everywhere(
    frozen, staff_user, clinician_a, concerns_text, goals, first_name, past_therapy
):
    from tests.conftest import grant

    browser = Client()
    for slug, data in STEP_POSTS:
        payload = dict(data, nav="next")
        changes = {
            "about": {"concerns_text": concerns_text, "goals": goals},
            "contact": {"first_name": first_name},
            "practical": {"past_therapy": past_therapy},
        }.get(slug, {})
        payload.update({k: v for k, v in changes.items() if v is not None})
        assert_safe(browser.post(reverse("matching:step", args=[slug]), payload), payload)
    sent = {
        k: v
        for k, v in {"a": concerns_text, "b": goals, "c": first_name, "d": past_therapy}.items()
        if v is not None
    }
    before = Intake.objects.count()

    review = browser.get(reverse("matching:review"), follow=True)
    assert_safe(review, sent)
    submitted = browser.post(reverse("matching:review"), follow=True)
    assert_safe(submitted, sent)

    if DRAFT in browser.session:
        # Something was rejected on the way: nothing stored.
        assert Intake.objects.count() == before
        return
    intake = Intake.objects.order_by("-created_at").first()
    grant(staff_user, "matching.view_intake_answers", "consultations.view_client_summary")
    grant(staff_user, "consultations.view_consultation")
    staff = Client()
    staff.force_login(staff_user)
    admin_page = staff.get(reverse("admin:matching_intake_change", args=[intake.pk]))
    assert admin_page.status_code == 200
    assert_safe(admin_page, sent)

    # What the clinician and staff see of it once booked.
    consultation = ConsultationFactory(
        clinician=clinician_a,
        starts_at=MONDAY_9,
        client_first_name=intake.answers["first_name"],
        client_reference=intake.pk,
        client_summary=intake_clinician_summary(answers=intake.answers),
    )
    portal = Client()
    portal.force_login(clinician_a.user)
    assert_safe(portal.get(reverse("consultations:portal")), sent)
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    assert_safe(staff.get(url), sent)
    consultation.delete()


@FUZZ
@given(data=form_data(["confirm", "submit", "nav"]))
def test_it_survives_hostile_posts_to_review(frozen, data):
    browser = Client()
    fill_intake(browser)

    first = browser.post(reverse("matching:review"), data)
    again = browser.post(reverse("matching:review"), data)

    assert_safe(first, data)
    assert_safe(again, data)
    # The draft was valid: extra fields change nothing, and a repeat makes no twin.
    assert first.status_code == again.status_code == 302
    assert Intake.objects.filter(pk__isnull=False).count() >= 1


# --- Booking ------------------------------------------------------------------------------

BOOKING_FIELDS = ["first_name", "email", "phone", "format", "start"]


def test_it_survives_hostile_booking_posts(client, clinician_a, intake_a):
    _intake, raw = intake_a
    url = reverse("matching:book", args=[raw, clinician_a.slug])

    @FUZZ
    @given(data=form_data(BOOKING_FIELDS))
    def post_booking(data):
        before = Consultation.objects.count()
        response = client.post(url, data)
        assert_safe(response, data)
        if not used(response, "matching/book_done.html"):
            assert Consultation.objects.count() == before
        Consultation.objects.all().delete()

    post_booking()


@FUZZ
@given(start=st.one_of(HOSTILE, st.text(max_size=60)))
def test_it_survives_hostile_start_times_on_the_booking_page(client, clinician_a, intake_a, start):
    _intake, raw = intake_a

    response = client.get(reverse("matching:book", args=[raw, clinician_a.slug]), {"start": start})

    assert_safe(response, {"start": start})
    assert Consultation.objects.count() == 0


# --- The manage link ----------------------------------------------------------------------


@pytest.fixture
def fresh_consultation(clinician_a):
    """A new requested consultation for each example (earlier ones are cancelled first)."""

    def make():
        Consultation.objects.filter(status__in=Consultation.ACTIVE_STATUSES).update(
            status=Consultation.Status.CANCELLED
        )
        return ConsultationFactory(clinician=clinician_a, starts_at=MONDAY_9)

    return make


@pytest.mark.parametrize("route", ["manage_cancel", "manage_reschedule", "manage_delete"])
def test_it_survives_hostile_posts_to_the_manage_link(client, fresh_consultation, route):
    @FUZZ
    @given(data=form_data(["start", "confirm", "status"]))
    def post_manage(data):
        consultation = fresh_consultation()
        before = snapshot(consultation)
        url = reverse(f"consultations:{route}", args=[tokens.make_token(consultation, "manage")])
        response = client.post(url, data)
        assert_safe(response, data)
        if route == "manage_reschedule" and response.status_code != 302:
            assert snapshot(consultation) == before

    post_manage()


# --- The fit check ------------------------------------------------------------------------

FIT_FIELDS = ["felt_heard", "agreed_goals", "approach_makes_sense", "wants_to_continue"]


def test_it_survives_hostile_fit_check_posts(client, clinician_a):
    @FUZZ
    @given(data=form_data(FIT_FIELDS))
    def post_fit_check(data):
        consultation = ConsultationFactory(
            clinician=clinician_a,
            starts_at=NOW - dt.timedelta(hours=2),
            status=Consultation.Status.COMPLETED,
        )
        url = reverse(
            "consultations:fit_check", args=[tokens.make_token(consultation, "fit-check")]
        )
        before = FitCheck.objects.count()
        response = client.post(url, data)
        assert_safe(response, data)
        if not used(response, "consultations/fit_check_done.html"):
            assert FitCheck.objects.count() == before

    post_fit_check()


# --- The clinician portal -----------------------------------------------------------------


def test_it_survives_hostile_decline_messages(client, clinician_a, fresh_consultation):
    client.force_login(clinician_a.user)
    consultation = fresh_consultation()
    url = reverse("consultations:portal_decline", args=[consultation.public_id])

    @FUZZ
    @given(data=form_data(["message"]))
    def post_decline(data):
        Consultation.objects.filter(pk=consultation.pk).update(
            status=Consultation.Status.REQUESTED, decline_message=""
        )
        response = client.post(url, data)
        assert_safe(response, data)
        if response.status_code != 302:
            consultation.refresh_from_db()
            assert consultation.status == Consultation.Status.REQUESTED
            assert consultation.decline_message == ""

    post_decline()


AVAILABILITY_FIELDS = [
    "hours-MAX_NUM_FORMS",
    "hours-0-id",
    "hours-0-weekday",
    "hours-0-start",
    "hours-0-end",
    "hours-0-DELETE",
    "exceptions-0-id",
    "exceptions-0-date",
    "exceptions-0-kind",
    "exceptions-0-start",
    "exceptions-0-end",
    "exceptions-0-note",
]


# A huge TOTAL_FORMS makes Django build absolute_max (2,000) forms: not an error, only slow (see
# the report), so the form counts stay small here and everything else is fuzzed.
MANAGEMENT = st.dictionaries(
    st.sampled_from(
        [
            "hours-TOTAL_FORMS",
            "hours-INITIAL_FORMS",
            "exceptions-TOTAL_FORMS",
            "exceptions-INITIAL_FORMS",
        ]
    ),
    st.one_of(st.integers(-3, 4).map(str), st.sampled_from(["", "x", "1.5", "\x00", "<b>1</b>"])),
)


def test_it_survives_hostile_availability_posts(client, clinician_a):
    client.force_login(clinician_a.user)
    url = reverse("consultations:portal_availability")

    def rows():
        return (
            list(ConsultationHours.objects.order_by("pk").values()),
            list(AvailabilityException.objects.order_by("pk").values()),
        )

    @FUZZ
    @given(data=form_data(AVAILABILITY_FIELDS), counts=MANAGEMENT)
    def post_availability(data, counts):
        data = {**data, **counts}
        before = rows()
        response = client.post(url, data)
        assert_safe(response, data)
        if response.status_code != 302:
            assert rows() == before

    post_availability()


# --- Login --------------------------------------------------------------------------------


def test_it_survives_hostile_logins(client, clinician_a):
    @FUZZ
    @given(data=form_data(["username", "password", "next"]))
    def post_login(data):
        response = client.post(reverse("login"), data)
        # The same random username five times is a lockout (django-axes), as it should be.
        assert_safe(response, data, lockout_ok=True)
        assert "_auth_user_id" not in client.session

    post_login()


# --- Every client link with random tokens -------------------------------------------------

TOKEN_PATHS = [
    "/intake/r/{}/",
    "/intake/r/{}/delete/",
    "/intake/r/{}/edit/safety/",
    "/intake/r/{}/book/some-clinician/",
    "/intake/next/{}/",
    "/intake/r/{}/waitlist/",
    "/intake/w/{}/leave/",
    "/intake/w/offer/{}/",
    "/consultations/manage/{}/",
    "/consultations/manage/{}/cancel/",
    "/consultations/manage/{}/reschedule/",
    "/consultations/manage/{}/delete/",
    "/consultations/manage/{}/calendar.ics",
    "/consultations/fit-check/{}/",
    "/consultations/portal/{}/confirm/",
    "/clinicians/{}/",
]
TOKENS = st.one_of(
    HOSTILE.filter(bool),
    MARKUP,
    st.text(min_size=1, max_size=400),
    st.binary(min_size=1, max_size=64).map(lambda b: b.hex()),
)


@pytest.mark.parametrize("path", TOKEN_PATHS)
def test_it_answers_random_tokens_without_error(client, clinician_a, path):
    @FUZZ
    @given(token=TOKENS, post=st.booleans())
    def visit(token, post):
        url = path.format(quote(token, safe=""))
        counts = (Intake.objects.count(), Consultation.objects.count(), FitCheck.objects.count())
        response = client.post(url, {"start": token}) if post else client.get(url)
        assert_safe(response, {"token": token})
        assert response.status_code in (404, 405, 302) or path.startswith("/clinicians/")
        assert (
            Intake.objects.count(),
            Consultation.objects.count(),
            FitCheck.objects.count(),
        ) == counts

    visit()
