import pytest
from django.urls import reverse

from clinicians.models import Credential
from tests.clinicians.factories import ClinicianFactory, vocab

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya():
    clinician = ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        pronouns="she/her",
        intro="I help people find steadier ground after something frightening.",
        bio="First paragraph.\n\nSecond paragraph.",
        concerns=["anxiety", "trauma and PTSD"],
        focus_concerns=["trauma and PTSD"],
        approaches=["EMDR", "CBT"],
        languages=["English", "Mandarin"],
        insurance=["Aetna", "Cigna"],
        offices=["Downtown"],
        offers_in_person=True,
        serves_teens=True,
        self_pay_fee=160,
        sliding_scale_min=90,
    )
    clinician.credentials.set(vocab(Credential, "LCSW"))
    return clinician


def _url(clinician):
    return reverse("clinicians:profile", args=[clinician.slug])


def test_it_is_at_a_slug_address(maya):
    assert _url(maya) == "/clinicians/maya-chen/"


def test_it_shows_the_whole_profile(client, maya):
    response = client.get(_url(maya))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert '<h1 class="mb-1">Maya Chen</h1>' in html
    assert "LCSW" in html and "she/her" in html
    assert "<p>First paragraph.</p>" in html
    for text in ("trauma and PTSD", "anxiety", "EMDR", "CBT", "Mandarin", "Aetna", "Cigna"):
        assert text in html
    assert "video, in person" in html
    assert "Downtown office, 120 Main Street, Suite 400" in html
    assert "teens (13–17), adults" in html
    assert "Self-pay: $160 per session." in html
    assert "Sliding scale down to $90." in html
    assert "Free 15-minute consultation" in html
    assert f'href="{reverse("matching:start")}"' in html


def test_it_says_when_a_clinician_is_not_taking_new_clients(client, maya):
    maya.accepting_new_clients = False
    maya.save()

    html = client.get(_url(maya)).content.decode()

    assert "Maya is not taking new clients right now." in html
    assert f'href="{reverse("matching:start")}"' in html


def test_it_explains_payment_without_insurance(client):
    clinician = ClinicianFactory(self_pay_fee=200, sliding_scale_min=None)

    html = client.get(_url(clinician)).content.decode()

    assert "Does not take insurance directly" in html
    assert "Sliding scale" not in html


def test_it_hides_an_inactive_clinician(client):
    hidden = ClinicianFactory(is_active=False)

    assert client.get(_url(hidden)).status_code == 404


def test_it_answers_404_for_an_unknown_slug(client):
    assert client.get("/clinicians/nobody-here/").status_code == 404


@pytest.mark.parametrize("extra", [0, 10])
def test_it_renders_in_a_constant_number_of_queries(
    client, maya, django_assert_max_num_queries, extra
):
    ClinicianFactory.create_batch(extra)

    # The profile and its sets (8), and the search for its next open times (5; fewer where the
    # calendar snapshot is kept, which a test's transaction never does).
    with django_assert_max_num_queries(13):
        assert client.get(_url(maya)).status_code == 200


def test_it_reads_like_the_clinician_introducing_themselves(client, maya):
    from clinicians.models import Approach

    Approach.objects.filter(name="EMDR").update(description="Processing painful memories.")
    maya.style_lead, maya.style_challenge = 2, 5
    maya.save()

    html = client.get(_url(maya)).content.decode()

    assert "“I help people find steadier ground after something frightening.”" in html
    assert html.index("steadier ground") < html.index("First paragraph.")
    # Their style on the intake's four questions, in the intake's words.
    for words in (
        "Who leads the sessions?",
        "I lead, the therapist follows",
        "The therapist leads and guides",
        "How should the therapist respond?",
        "Direct challenge",
    ):
        assert words in html
    assert 'aria-label="2 of 5, from 1 (I lead, the therapist follows)' in html
    assert 'aria-label="5 of 5, from 1 (Gentle support) to 5 (Direct challenge)"' in html
    assert "<strong>EMDR</strong>: Processing painful memories." in html
    assert "Fees and insurance" in html and "Languages, formats and offices" in html
