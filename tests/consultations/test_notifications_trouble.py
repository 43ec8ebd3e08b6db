"""Failed emails are visible without hunting: the admin index, the pipeline dashboard and
/healthz ("degraded: email" while a message has been failing for an hour)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consultations.models import Notification
from consultations.selectors import notification_trouble
from tests.conftest import grant
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db
Status = Notification.Status
NOW = dt.datetime(2025, 6, 2, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def message(*, status, failing_for=None, **fields) -> Notification:
    failing_since = NOW - failing_for if failing_for is not None else None
    return Notification.objects.create(
        consultation=ConsultationFactory(),
        kind="client_confirmed",
        status=status,
        due_at=NOW + dt.timedelta(minutes=5),
        failing_since=failing_since,
        last_error="SMTPRecipientsRefused: 451 4.7.1" if failing_since else "",
        **fields,
    )


def test_it_counts_failed_this_week_and_failing_for_an_hour(now):
    message(status=Status.FAILED, failing_for=dt.timedelta(days=2))
    message(status=Status.FAILED, failing_for=dt.timedelta(days=8))  # too old to count
    message(status=Status.PENDING, failing_for=dt.timedelta(minutes=61))
    message(status=Status.SENDING, failing_for=dt.timedelta(hours=5))
    message(status=Status.PENDING, failing_for=dt.timedelta(minutes=59))  # not an hour yet
    message(status=Status.PENDING)
    message(status=Status.SENT)

    assert notification_trouble() == {"failed": 1, "failing": 2}


def test_it_shows_the_counts_on_the_admin_index_with_links(now, staff_client, staff_user):
    grant(staff_user, "consultations.view_notification")
    message(status=Status.FAILED, failing_for=dt.timedelta(hours=3))
    message(status=Status.FAILED, failing_for=dt.timedelta(hours=2))
    message(status=Status.PENDING, failing_for=dt.timedelta(hours=2))

    body = staff_client.get(reverse("admin:index")).content.decode()

    assert "2 emails failed to go out in the last 7 days." in body
    assert "1 email has been failing for over an hour; it is still being retried." in body
    changelist = reverse("admin:consultations_notification_changelist")
    assert f'href="{changelist}?attention=failed"' in body
    assert f'href="{changelist}?attention=failing"' in body


def test_it_says_nothing_on_the_admin_index_when_every_email_went_out(
    now, staff_client, staff_user
):
    grant(staff_user, "consultations.view_notification")
    message(status=Status.SENT)

    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "email-trouble" not in response.content.decode()


def test_it_shows_no_count_to_staff_who_may_not_see_notifications(now, staff_client):
    message(status=Status.FAILED, failing_for=dt.timedelta(hours=3))

    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "failed to go out" not in response.content.decode()


def test_it_lists_exactly_the_counted_rows_behind_each_link(now, staff_client, staff_user):
    grant(staff_user, "consultations.view_notification")
    failed = message(status=Status.FAILED, failing_for=dt.timedelta(hours=3))
    failing = message(status=Status.PENDING, failing_for=dt.timedelta(hours=2))
    message(status=Status.FAILED, failing_for=dt.timedelta(days=9))
    message(status=Status.PENDING)
    changelist = reverse("admin:consultations_notification_changelist")

    for value, expected in (("failed", failed), ("failing", failing)):
        response = staff_client.get(changelist + f"?attention={value}")
        assert response.status_code == 200
        assert [row.pk for row in response.context["cl"].result_list] == [expected.pk]


def test_it_shows_the_counts_on_the_pipeline_dashboard(now, staff_client, staff_user):
    grant(staff_user, "consultations.view_notification")
    message(status=Status.FAILED, failing_for=dt.timedelta(hours=3))

    response = staff_client.get(reverse("pipeline_dashboard"))

    assert response.status_code == 200
    assert "1 email failed to go out in the last 7 days." in response.content.decode()


def test_healthz_says_degraded_email_while_a_message_has_failed_for_an_hour(client):
    row = message(status=Status.PENDING, failing_for=dt.timedelta(minutes=30))
    with time_machine.travel(NOW, tick=False):
        assert client.get("/healthz").json()["status"] == "ok"

    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded: email"
    assert body["checks"] == {"database": True, "broker": True}

    # Sent at last: healthy again.
    Notification.objects.filter(pk=row.pk).update(status=Status.SENT, sent_at=timezone.now())
    with time_machine.travel(NOW + dt.timedelta(minutes=31), tick=False):
        assert client.get("/healthz").json()["status"] == "ok"


def test_healthz_is_not_degraded_by_a_refused_message(client, now):
    message(status=Status.FAILED, failing_for=dt.timedelta(hours=3))

    assert client.get("/healthz").json()["status"] == "ok"
