import pytest
from django.urls import reverse

from matching.models import MatchingSettings
from tests.conftest import grant

pytestmark = pytest.mark.django_db


def test_it_shows_the_settings_with_help_texts(staff_client, staff_user):
    grant(staff_user, "matching.add_matchingsettings", "matching.change_matchingsettings")
    page = staff_client.get(reverse("admin:matching_matchingsettings_add")).content.decode()
    assert "Default 0.40" in page and "Default 10." in page


def test_it_keeps_one_row_and_never_deletes_it(staff_client, staff_user):
    grant(
        staff_user,
        "matching.add_matchingsettings",
        "matching.change_matchingsettings",
        "matching.delete_matchingsettings",
    )
    row = MatchingSettings.objects.create()
    assert staff_client.get(reverse("admin:matching_matchingsettings_add")).status_code == 403
    delete = reverse("admin:matching_matchingsettings_delete", args=[row.pk])
    assert staff_client.get(delete).status_code == 403
    assert MatchingSettings.objects.count() == 1
