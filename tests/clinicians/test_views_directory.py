import pytest
from django.urls import reverse

from clinicians.models import Concern, Credential, Language
from tests.clinicians.factories import ClinicianFactory, vocab

pytestmark = pytest.mark.django_db

URL = reverse("clinicians:directory")


def test_it_is_at_the_clinicians_address():
    assert URL == "/clinicians/"


def test_it_lists_active_clinicians_with_what_a_card_shows(client):
    shown = ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        concerns=["anxiety", "sleep"],
        focus_concerns=["sleep"],
        offers_phone=True,
        bio="I help people sleep and worry less.",
    )
    shown.credentials.set(vocab(Credential, "LCSW"))
    ClinicianFactory(first_name="Hidden", last_name="Person", is_active=False)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Maya Chen" in html and "Hidden Person" not in html
    assert "LCSW" in html
    assert "I help people sleep and worry less." in html
    assert "sleep" in html and "anxiety" in html
    assert "video, phone" in html
    assert reverse("clinicians:profile", args=[shown.slug]) in html
    assert html.count("<h1") == 1


def test_it_shows_a_photo_or_the_initials(client):
    pictured = ClinicianFactory(first_name="Ana", last_name="Ruiz")
    pictured.photo = "clinicians/ana.jpg"
    pictured.save()
    ClinicianFactory(first_name="Ben", last_name="Ortiz")

    html = client.get(URL).content.decode()

    assert 'alt="Photo of Ana Ruiz"' in html
    assert "clinicians/ana.jpg" in html
    assert '<svg class="avatar' in html and ">BO</text>" in html


def test_it_filters_by_concern_language_and_format(client):
    ClinicianFactory(first_name="Ana", concerns=["grief and loss"], languages=["Spanish"])
    ClinicianFactory(first_name="Ben", concerns=["anxiety"], offers_video=False, offers_phone=True)
    [grief] = vocab(Concern, "grief and loss")
    [spanish] = vocab(Language, "Spanish")

    by_concern = client.get(URL, {"concern": grief.pk})
    by_language = client.get(URL, {"language": spanish.pk})
    by_format = client.get(URL, {"format": "phone"})
    nonsense = client.get(URL, {"format": "telepathy", "concern": "x"})

    assert [c.first_name for c in by_concern.context["clinicians"]] == ["Ana"]
    assert [c.first_name for c in by_language.context["clinicians"]] == ["Ana"]
    assert [c.first_name for c in by_format.context["clinicians"]] == ["Ben"]
    assert nonsense.status_code == 200
    assert len(nonsense.context["clinicians"]) == 2


def test_it_labels_every_filter(client):
    html = client.get(URL).content.decode()

    for name in ("concern", "language", "format"):
        assert f'for="id_{name}"' in html


@pytest.mark.parametrize("size", [2, 12])
def test_it_renders_in_a_constant_number_of_queries(client, django_assert_max_num_queries, size):
    ClinicianFactory.create_batch(
        size, concerns=["anxiety", "sleep"], focus_concerns=["sleep"], licensed_in=["NY", "NJ"]
    )

    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert len(response.context["clinicians"]) == size
