"""The clinician's own profile in the portal: edits wait as a proposal for staff."""

import pytest
from django.urls import reverse

from clinicians.models import Concern, ProfileProposal
from clinicians.selectors import clinician_profile_values
from clinicians.services import profile_proposal_return
from tests.clinicians.factories import vocab
from tests.clinicians.photos import image_upload

pytestmark = pytest.mark.django_db
PROFILE = reverse("consultations:portal_profile")
Status = ProfileProposal.Status


def form_data(clinician, **changes) -> dict:
    """What the portal's form posts for this clinician's approved profile, with changes."""
    values = clinician_profile_values(clinician)
    data = {}
    for name, value in values.items():
        if name == "photo":
            continue
        if isinstance(value, list):
            data[name] = [str(pk) for pk in value]
        else:
            data[name] = "" if value is None else str(value)
    data.update(changes)
    return data


@pytest.fixture
def maya(clinician):
    clinician.bio = "The approved bio."
    clinician.save()
    return clinician


@pytest.fixture
def logged_in(client, maya):
    client.force_login(maya.user)
    return client


def test_it_shows_the_approved_profile_in_the_form_with_the_clients_words(logged_in, maya):
    response = logged_in.get(PROFILE)

    assert response.status_code == 200
    body = response.content.decode()
    assert "The approved bio." in body
    # The style scales read as the client reads them in the intake.
    assert "Who leads the sessions?" in body
    assert "I lead, the therapist follows" in body
    assert "Direct challenge" in body
    # Licences and insurance stay with staff.
    assert 'name="insurance"' not in body
    assert 'name="licenses"' not in body
    assert "Licences" not in body or "kept by the practice" in body


def test_it_sends_changes_for_review_and_leaves_the_profile_alone(logged_in, maya):
    response = logged_in.post(
        PROFILE,
        form_data(maya, bio="A fresh bio.", intro="I help people who feel stuck.", style_lead="5"),
    )

    assert response.status_code == 302
    maya.refresh_from_db()
    assert maya.bio == "The approved bio."
    proposal = ProfileProposal.objects.get(clinician=maya)
    assert proposal.status == Status.PENDING
    assert proposal.changes == {
        "bio": "A fresh bio.",
        "intro": "I help people who feel stuck.",
        "style_lead": 5,
    }
    assert proposal.author == maya.user
    page = logged_in.get(PROFILE).content.decode()
    assert "Waiting for review" in page
    # The form shows what is waiting, so editing again starts from it.
    assert "A fresh bio.</textarea>" in page


def test_editing_again_updates_the_waiting_proposal(logged_in, maya):
    logged_in.post(PROFILE, form_data(maya, bio="A fresh bio."))
    logged_in.post(PROFILE, form_data(maya, bio="A fresher bio."))

    (proposal,) = ProfileProposal.objects.filter(clinician=maya)
    assert proposal.changes == {"bio": "A fresher bio."}


def test_it_uploads_a_photo_into_the_proposal_only(logged_in, maya):
    response = logged_in.post(PROFILE, {**form_data(maya), "photo": image_upload()})

    assert response.status_code == 302
    proposal = ProfileProposal.objects.get(clinician=maya)
    assert proposal.changes == {"photo": "new"}
    assert proposal.photo.name.startswith("clinicians/proposals/")
    assert "me.png" not in proposal.photo.name  # the upload's own name is not kept
    maya.refresh_from_db()
    assert not maya.photo


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (image_upload(size=(120, 120)), "at least 200 pixels on its shorter side"),
        (image_upload(name="me.gif", fmt="GIF"), "upload a JPEG, PNG or WebP photo instead"),
        (
            __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "notes.png", b"not an image", content_type="image/png"
            ),
            "isn&#x27;t a photo we can read",
        ),
    ],
    ids=["too small", "gif", "not an image"],
)
def test_it_refuses_a_bad_photo_with_a_clear_message_and_saves_nothing(
    logged_in, maya, upload, message
):
    upload.seek(0)
    response = logged_in.post(PROFILE, {**form_data(maya, bio="Changed too"), "photo": upload})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProfileProposal.objects.exists()


def test_it_names_each_problem_and_saves_nothing(logged_in, maya):
    ptsd = vocab(Concern, "trauma and PTSD")[0]
    response = logged_in.post(
        PROFILE,
        form_data(
            maya,
            bio="Changed",
            focus_concerns=[str(ptsd.pk)],
            sliding_scale_min="500",
            self_pay_fee="100",
            video_url="http://video.example.org/maya",
            style_time="9",
            languages=[],
        ),
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Please fix these" in body
    assert "A focus concern must also be a concern you treat" in body
    assert "The sliding scale can&#x27;t start above the self-pay fee." in body
    assert "starting with https://" in body
    assert "Choose a value from 1 to 5." in body
    assert "Choose at least one language you work in." in body
    assert not ProfileProposal.objects.exists()


def test_it_says_when_nothing_differs(logged_in, maya):
    response = logged_in.post(PROFILE, form_data(maya), follow=True)

    assert "Nothing differs from your approved profile" in response.content.decode()
    assert not ProfileProposal.objects.exists()


def test_it_shows_a_returned_proposal_with_the_staff_comment(logged_in, maya, staff_user):
    logged_in.post(PROFILE, form_data(maya, bio="A fresh bio."))
    proposal = ProfileProposal.objects.get()
    profile_proposal_return(
        proposal_id=proposal.pk, reviewer_id=staff_user.pk, comment="Say who you work with."
    )

    body = logged_in.get(PROFILE).content.decode()

    assert "The practice returned your last changes" in body
    assert "Say who you work with." in body
    # The history: what was proposed, and by whom it was decided.
    assert "A fresh bio." in body
    assert "Returned" in body or "returned" in body


def test_a_clinician_withdraws_their_waiting_proposal(logged_in, maya):
    logged_in.post(PROFILE, form_data(maya, bio="A fresh bio."))
    proposal = ProfileProposal.objects.get()

    response = logged_in.post(reverse("consultations:portal_profile_withdraw", args=[proposal.pk]))

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN


def test_another_clinician_can_neither_see_nor_withdraw_a_proposal(client, maya, other_clinician):
    client.force_login(maya.user)
    client.post(PROFILE, form_data(maya, bio="Maya's private draft."))
    proposal = ProfileProposal.objects.get()
    client.force_login(other_clinician.user)

    page = client.get(PROFILE).content.decode()
    withdraw = client.post(reverse("consultations:portal_profile_withdraw", args=[proposal.pk]))

    assert "Maya&#x27;s private draft." not in page and "Maya's private draft." not in page
    assert withdraw.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING
    # Their own edit makes their own proposal, never touches Maya's.
    client.post(PROFILE, form_data(other_clinician, bio="Omar's bio."))
    assert ProfileProposal.objects.get(clinician=other_clinician).changes == {"bio": "Omar's bio."}
    proposal.refresh_from_db()
    assert proposal.changes == {"bio": "Maya's private draft."}


def test_it_sends_anonymous_visitors_to_the_login(client, maya):
    for response in (
        client.get(PROFILE),
        client.post(PROFILE, form_data(maya, bio="Changed")),
        client.post(reverse("consultations:portal_profile_withdraw", args=[1])),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not ProfileProposal.objects.exists()


def test_it_turns_away_staff_without_a_clinician_profile(staff_client, maya):
    assert staff_client.get(PROFILE).status_code == 403
    assert staff_client.post(PROFILE, form_data(maya, bio="Changed")).status_code == 403
    assert not ProfileProposal.objects.exists()
