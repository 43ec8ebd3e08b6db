import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_user(django_user_model):
    """Practice staff: can use admin, not a superuser."""
    user = django_user_model.objects.create_user(
        username="staff",
        email="staff@alliance.example.org",
        password="staff-pass-123",
        is_staff=True,
    )
    return user


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def grant(user, *codenames: str):
    """Give a user permissions by 'app_label.codename'."""
    for dotted in codenames:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Permissions are cached on the instance.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)
    return user
