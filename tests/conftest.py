import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request to a Spanish page leaves Spanish active in the thread (LocaleMiddleware);
    the next test starts in English again."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    _brand_cached()
    yield
    cache.clear()


def _brand_cached():
    """Every test starts with no brand saved, and the brand cache holding just that, as a running
    practice has it: pages then cost the same queries on the first request as on the next
    (tests of the brand's own read clear the cache first)."""
    from dataclasses import asdict

    from clinicians.branding import CACHE_KEY, default_brand

    cache.set(CACHE_KEY, asdict(default_brand()), None)


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


@pytest.fixture(autouse=True)
def _seed_data_after_flush(request):
    """Transactional tests empty every table afterwards, including what data migrations put
    there (vocabularies, staff groups). Put it back for the test that follows."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    importlib.import_module("clinicians.migrations.0002_seed_vocabularies").seed(apps, None)
    importlib.import_module("clinicians.migrations.0009_vocabulary_name_es").name_in_spanish(
        apps, None
    )
    importlib.import_module("matching.migrations.0002_staff_groups").create_groups(apps, None)
    from matching.staff_groups import staff_groups_ensure

    staff_groups_ensure()
