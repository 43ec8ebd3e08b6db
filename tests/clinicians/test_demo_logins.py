from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from clinicians.demo import DEMO_CLINICIAN_EMAILS
from clinicians.models import Clinician
from tests.clinicians.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


def _authenticate(**credentials):
    # The login page passes its request; django-axes needs it to count failures.
    return authenticate(RequestFactory().post("/login/"), **credentials)


@pytest.fixture
def demo_clinicians():
    return [ClinicianFactory(email=email) for email in DEMO_CLINICIAN_EMAILS]


def _run() -> str:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


def test_it_creates_a_staff_login_in_the_practice_staff_group(demo_clinicians):
    out = _run()

    staff = _authenticate(username="staff", password="alliance-staff-demo")
    assert staff is not None
    assert (staff.is_staff, staff.is_superuser) == (True, False)
    assert staff.groups.filter(name="Practice staff").exists()
    assert staff.has_perm("clinicians.change_clinician")
    assert "staff" in out and "alliance-staff-demo" in out


def test_it_links_two_clinicians_to_their_logins(demo_clinicians):
    out = _run()

    for clinician in demo_clinicians:
        clinician.refresh_from_db()
        username = clinician.email.split("@")[0]
        user = _authenticate(username=username, password="alliance-clinician-demo")
        assert user == clinician.user
        assert not user.is_staff
        assert username in out


def test_it_is_idempotent_and_resets_the_passwords(demo_clinicians, django_user_model):
    _run()
    staff = django_user_model.objects.get(username="staff")
    staff.set_password("changed")
    staff.save()

    _run()

    assert django_user_model.objects.count() == 3
    assert _authenticate(username="staff", password="alliance-staff-demo") == staff
    assert Clinician.objects.filter(user__isnull=False).count() == 2


def test_it_asks_for_migrations_when_the_staff_group_is_missing(demo_clinicians):
    Group.objects.filter(name="Practice staff").delete()

    with pytest.raises(CommandError, match="run `manage.py migrate` first"):
        _run()

    assert not get_user_model().objects.filter(username="staff").exists()


@pytest.mark.parametrize("command", ["demo_logins", "seed_demo"])
def test_it_refuses_to_run_where_demo_data_is_turned_off(settings, demo_clinicians, command):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="Demo data is turned off here"):
        call_command(command, stdout=StringIO())

    assert not get_user_model().objects.filter(username="staff").exists()


def test_it_asks_for_the_demo_practice_first():
    with pytest.raises(CommandError, match="run `manage.py seed_demo` first"):
        _run()
