import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinicians.models import Concern, Credential, InsurancePlan, Language, License
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

    for name in ("state", "payment", "format", "language", "concern", "age", "accepting"):
        assert f'for="id_{name}"' in html


@pytest.mark.parametrize("size", [2, 12])
def test_it_renders_in_a_constant_number_of_queries(client, django_assert_max_num_queries, size):
    ClinicianFactory.create_batch(
        size, concerns=["anxiety", "sleep"], focus_concerns=["sleep"], licensed_in=["NY", "NJ"]
    )

    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert len(response.context["clinicians"]) == size


# The count, the page with its cards' names, the concern, language and plan choices.
PAGE_QUERIES = 5
# Filtering adds the concern's and the language's look-ups.
FILTERED_PAGE_QUERIES = PAGE_QUERIES + 2


@pytest.mark.parametrize("size", [5, 60])
def test_it_pages_in_the_same_number_of_queries_at_any_roster_size(
    client, django_assert_num_queries, size
):
    ClinicianFactory.create_batch(
        size,
        concerns=["anxiety", "sleep"],
        focus_concerns=["sleep"],
        languages=["English", "Spanish"],
        licensed_in=["NY", "NJ"],
        insurance=["Aetna"],
    )
    [anxiety] = vocab(Concern, "anxiety")
    [spanish] = vocab(Language, "Spanish")
    filters = {
        "state": "NJ",
        "payment": "self-pay",
        "format": "video",
        "language": spanish.pk,
        "concern": anxiety.pk,
        "age": "adults",
        "accepting": "on",
    }

    with django_assert_num_queries(PAGE_QUERIES):
        first = client.get(URL)
    with django_assert_num_queries(FILTERED_PAGE_QUERIES):
        last = client.get(URL, {**filters, "page": 3 if size > 40 else 1})

    assert len(first.context["clinicians"]) == min(size, 20)
    assert len(last.context["clinicians"]) == (20 if size > 40 else size)
    assert last.context["page"].paginator.count == size


def test_it_shows_twenty_clinicians_a_page_in_name_order_with_pages_to_move_between(client):
    for n in range(45):
        ClinicianFactory(first_name="Sam", last_name=f"Name{n:02d}")

    first = client.get(URL)
    third = client.get(URL, {"page": 3})

    assert [c.last_name for c in first.context["clinicians"]] == [f"Name{n:02d}" for n in range(20)]
    assert [c.last_name for c in third.context["clinicians"]] == [
        f"Name{n:02d}" for n in range(40, 45)
    ]
    html = first.content.decode()
    assert '<nav aria-label="Pages of clinicians"' in html
    assert 'aria-current="page" href="?page=1"' in html
    assert 'href="?page=2"' in html and 'href="?page=3"' in html
    assert "1–20 of 45 clinicians" in html
    assert 'aria-current="page" href="?page=3"' in third.content.decode()


def test_its_page_links_keep_the_filters(client):
    ClinicianFactory.create_batch(25, offers_phone=True, licensed_in=["TX"])
    ClinicianFactory.create_batch(3, licensed_in=["TX"])

    response = client.get(URL, {"state": "TX", "format": "phone"})

    assert response.context["page"].paginator.count == 25
    assert 'href="?state=TX&amp;format=phone&amp;page=2"' in response.content.decode()


def test_it_filters_by_state_payment_age_and_new_clients(client):
    ClinicianFactory(first_name="Ana", licensed_in=["CA"], insurance=["Aetna"], self_pay_fee=None)
    ClinicianFactory(first_name="Ben", licensed_in=["NY"], serves_teens=True)
    ClinicianFactory(first_name="Cy", licensed_in=["CA"], accepting_new_clients=False)
    expired = ClinicianFactory(first_name="Dee", licensed_in=["TX"])
    License.objects.filter(clinician=expired).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    [aetna] = vocab(InsurancePlan, "Aetna")

    def names(**filters):
        return sorted(c.first_name for c in client.get(URL, filters).context["clinicians"])

    assert names(state="CA") == ["Ana", "Cy"]
    assert names(state="TX") == []
    assert names(payment=aetna.pk) == ["Ana"]
    assert names(payment="self-pay") == ["Ben", "Cy", "Dee"]
    assert names(age="teens") == ["Ben"]
    assert names(accepting="on", state="CA") == ["Ana"]


def test_a_bad_filter_value_says_what_to_fix_and_keeps_the_good_ones(client):
    ClinicianFactory(first_name="Ana", licensed_in=["CA"])
    ClinicianFactory(first_name="Ben", licensed_in=["NY"])

    response = client.get(
        URL, {"state": "CA", "format": "telepathy", "age": "robots", "payment": "999999"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters couldn't be used" in html
    assert html.count("Select a valid choice") == 3
    assert [c.first_name for c in response.context["clinicians"]] == ["Ana"]
    assert "Clear filters" in html


@pytest.mark.parametrize(
    ("page", "message", "shown"),
    [
        ("abc", "isn&#x27;t a number; here is the first page", 1),
        ("99", "There is no such page; here is the last one.", 2),
        ("0", "There is no such page; here is the first one.", 1),
    ],
)
def test_a_page_that_does_not_exist_says_so_and_shows_the_nearest(client, page, message, shown):
    ClinicianFactory.create_batch(21)

    response = client.get(URL, {"page": page})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"].number == shown


def test_an_empty_result_says_so_and_offers_to_clear_the_filters(client):
    ClinicianFactory(licensed_in=["NY"])

    response = client.get(URL, {"state": "AK"})

    html = response.content.decode()
    assert "No clinician matches these filters." in html
    assert f'<a href="{URL}">Clear the filters and show everyone</a>' in html
    assert "Pages of clinicians" not in html
