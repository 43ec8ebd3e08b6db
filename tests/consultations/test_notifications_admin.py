import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Notification
from tests.conftest import grant
from tests.consultations.factories import ConsultationFactory

pytestmark = pytest.mark.django_db
Status = Notification.Status


@pytest.fixture
def failed_row():
    return Notification.objects.create(
        consultation=ConsultationFactory(),
        kind="client_request_received",
        status=Status.FAILED,
        due_at=timezone.now(),
        attempts=5,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )


def test_it_shows_failed_messages_to_staff(staff_client, staff_user, failed_row):
    grant(staff_user, "consultations.view_notification")

    response = staff_client.get(
        reverse("admin:consultations_notification_changelist") + "?status__exact=failed"
    )

    assert response.status_code == 200
    assert "SMTPServerDisconnected" in response.content.decode()


def test_it_retries_failed_messages_from_admin(
    staff_client, staff_user, failed_row, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "consultations.tasks.send_notification.apply_async",
        lambda args, **kw: queued.append(args[0]),
    )
    grant(staff_user, "consultations.view_notification", "consultations.change_notification")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:consultations_notification_changelist"),
            {"action": "retry", "_selected_action": [failed_row.pk]},
        )

    assert response.status_code == 302
    failed_row.refresh_from_db()
    assert (failed_row.status, failed_row.attempts) == (Status.PENDING, 0)
    assert queued == [failed_row.pk]


def test_it_does_not_offer_retry_without_the_change_permission(
    staff_client, staff_user, failed_row
):
    grant(staff_user, "consultations.view_notification")

    response = staff_client.post(
        reverse("admin:consultations_notification_changelist"),
        {"action": "retry", "_selected_action": [failed_row.pk]},
    )

    failed_row.refresh_from_db()
    assert failed_row.status == Status.FAILED
    assert response.status_code in (200, 302)


def test_it_keeps_the_admin_away_from_anonymous_visitors(client, failed_row):
    response = client.get(reverse("admin:consultations_notification_changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
