import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def _perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_it_lets_practice_staff_manage_clinicians_and_vocabularies():
    perms = _perms("Practice staff")
    assert {
        "clinicians.change_clinician",
        "clinicians.add_license",
        "clinicians.add_concern",
    } <= perms
    assert "consultations.change_bookingsettings" in perms
    assert "matching.change_matchingsettings" in perms


def test_it_keeps_intake_answers_out_of_the_practice_staff_group():
    perms = _perms("Practice staff")
    assert "matching.view_intake_answers" not in perms
    assert "matching.view_intake" not in perms
    assert "consultations.view_client_summary" not in perms
    assert not any(p.startswith("auth.") for p in perms)


def test_it_lets_practice_staff_unlock_a_locked_out_login():
    perms = _perms("Practice staff")
    assert {"axes.view_accessattempt", "axes.delete_accessattempt"} <= perms
    assert "axes.change_accessattempt" not in perms


def test_it_grants_intake_answers_only_to_intake_reviewers():
    assert _perms("Intake reviewers") == {
        "matching.view_intake",
        "matching.change_intake",
        "matching.view_intake_answers",
        "consultations.view_client_summary",
    }


def test_it_puts_the_groups_back_after_a_migrate():
    from django.apps import apps
    from django.db.models.signals import post_migrate

    Group.objects.filter(name="Practice staff").delete()
    config = apps.get_app_config("matching")
    post_migrate.send(
        sender=config, app_config=config, verbosity=0, interactive=False, using="default",
        apps=apps, plan=[],
    )  # fmt: skip
    assert "clinicians.change_clinician" in _perms("Practice staff")


def test_it_refuses_a_grant_of_a_permission_that_does_not_exist(monkeypatch):
    from matching import staff_groups

    monkeypatch.setitem(
        staff_groups.GRANTS_BY_APP, "matching", {"Practice staff": {"intake": ("approve",)}}
    )
    with pytest.raises(LookupError):
        staff_groups.staff_groups_ensure()


def test_it_lets_practice_staff_work_the_call_queue_without_the_answers():
    perms = _perms("Practice staff")
    assert {"matching.view_samedaycall", "matching.change_samedaycall"} <= perms
    assert "matching.view_intake_answers" not in perms
