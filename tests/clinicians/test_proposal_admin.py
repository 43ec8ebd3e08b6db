"""Staff review clinicians' proposed profile changes in the admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from clinicians.models import Approach, ProfileProposal
from clinicians.selectors import clinician_profile_values
from clinicians.services import profile_proposal_submit
from consultations.models import Notification
from tests.clinicians.factories import ClinicianFactory, vocab
from tests.conftest import grant

from .photos import image_upload

pytestmark = pytest.mark.django_db
Status = ProfileProposal.Status
CHANGELIST = reverse("admin:clinicians_profileproposal_changelist")


def review_url(proposal) -> str:
    return reverse("admin:clinicians_profileproposal_change", args=[proposal.pk])


@pytest.fixture
def maya(django_user_model):
    user = django_user_model.objects.create_user(username="maya", password="maya-pass-123")
    return ClinicianFactory(
        user=user, first_name="Maya", last_name="Chen", bio="The approved bio.", approaches=["CBT"]
    )


@pytest.fixture
def proposal(maya):
    emdr = vocab(Approach, "EMDR")[0]
    values = clinician_profile_values(maya)
    values.pop("photo")
    values.update(
        bio="A fresh bio.",
        approaches=[emdr.pk],
        style_lead=5,
        self_pay_fee=200,
    )
    return profile_proposal_submit(
        clinician_id=maya.pk, author_id=maya.user_id, values=values, photo=image_upload()
    )


@pytest.fixture
def practice_staff(staff_user):
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    return staff_user


@pytest.fixture
def reviewer_client(client, practice_staff):
    client.force_login(practice_staff)
    return client


def test_it_lists_waiting_proposals_for_staff(reviewer_client, proposal):
    response = reviewer_client.get(CHANGELIST + "?status__exact=pending")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Maya Chen" in body
    assert "waiting for review" in body


def test_it_shows_each_changed_field_side_by_side_with_readable_labels(reviewer_client, proposal):
    body = reviewer_client.get(review_url(proposal)).content.decode()

    assert "The approved profile now" in body
    # Labels people read, values in words, not ids.
    for text in ("Bio", "The approved bio.", "A fresh bio.", "Approaches", "CBT", "EMDR"):
        assert text in body
    assert "Who leads the sessions?" in body
    assert "1 = “I lead, the therapist follows”, 5 = “The therapist leads and guides”" in body
    assert "Self-pay fee per session (USD)" in body and "$150" in body and "$200" in body
    # Photos as images: none before, the proposed one after.
    assert "No photo" in body
    assert f'<img src="{proposal.photo.url}"' in body
    # Unchanged fields are left out.
    assert '<th scope="row">Languages' not in body
    assert "Approve and publish" in body and "Return with the comment" in body


def test_approving_in_the_admin_publishes_and_records_the_reviewer(
    reviewer_client, proposal, maya, practice_staff
):
    response = reviewer_client.post(review_url(proposal), {"decision": "approve", "comment": ""})

    assert response.status_code == 302
    maya.refresh_from_db()
    assert maya.bio == "A fresh bio."
    assert maya.style_lead == 5
    assert list(maya.approaches.values_list("name", flat=True)) == ["EMDR"]
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED
    assert proposal.reviewer == practice_staff
    assert Notification.objects.filter(clinician=maya, kind="profile_approved").exists()
    page = reviewer_client.get(review_url(proposal)).content.decode()
    assert "Approve and publish" not in page
    assert "Before" in page and "The approved bio." in page


def test_returning_needs_a_comment(reviewer_client, proposal, maya):
    response = reviewer_client.post(review_url(proposal), {"decision": "return", "comment": ""})

    assert response.status_code == 400
    assert "Say what the clinician should change" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING
    assert not Notification.objects.filter(clinician=maya).exists()


def test_returning_with_a_comment_leaves_the_profile_alone(reviewer_client, proposal, maya):
    response = reviewer_client.post(
        review_url(proposal), {"decision": "return", "comment": "Please shorten the bio."}
    )

    assert response.status_code == 302
    maya.refresh_from_db()
    assert maya.bio == "The approved bio."
    proposal.refresh_from_db()
    assert (proposal.status, proposal.comment) == (Status.RETURNED, "Please shorten the bio.")
    assert Notification.objects.filter(clinician=maya, kind="profile_returned").exists()


def test_staff_who_may_only_view_see_the_diff_but_cannot_decide(client, staff_user, proposal, maya):
    grant(staff_user, "clinicians.view_profileproposal")
    client.force_login(staff_user)

    page = client.get(review_url(proposal))
    refused = client.post(review_url(proposal), {"decision": "approve"})

    assert page.status_code == 200
    assert "A fresh bio." in page.content.decode()
    assert "Approve and publish" not in page.content.decode()
    assert refused.status_code == 403
    assert "clinicians.change_profileproposal" in refused.content.decode() or (
        "Can change profile change" in refused.content.decode()
    )
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING
    maya.refresh_from_db()
    assert maya.bio == "The approved bio."


def test_staff_without_any_permission_see_nothing(client, staff_user, proposal):
    client.force_login(staff_user)

    assert client.get(review_url(proposal)).status_code == 403
    assert client.post(review_url(proposal), {"decision": "approve"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING


def test_anonymous_visitors_go_to_the_login(client, proposal):
    response = client.post(review_url(proposal), {"decision": "approve"})

    assert response.status_code == 302
    assert "login" in response.url
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING


def test_nobody_adds_or_deletes_proposals_by_hand(reviewer_client, proposal):
    assert reviewer_client.get(reverse("admin:clinicians_profileproposal_add")).status_code == 403
    delete = reverse("admin:clinicians_profileproposal_delete", args=[proposal.pk])
    assert reviewer_client.post(delete, {"post": "yes"}).status_code == 403
    assert ProfileProposal.objects.filter(pk=proposal.pk).exists()


def test_the_clinicians_page_shows_the_history_of_their_proposals(reviewer_client, proposal, maya):
    body = reviewer_client.get(
        reverse("admin:clinicians_clinician_change", args=[maya.pk])
    ).content.decode()

    assert "Profile changes proposed by the clinician" in body
    assert "waiting for review" in body
    assert review_url(proposal) in body


def test_the_dashboard_counts_waiting_proposals(reviewer_client, proposal):
    other = ClinicianFactory()
    values = clinician_profile_values(other)
    values.pop("photo")
    profile_proposal_submit(
        clinician_id=other.pk, author_id=None, values={**values, "bio": "Other's new bio."}
    )

    body = reviewer_client.get(reverse("pipeline_dashboard")).content.decode()

    assert "Profile changes waiting for review" in body
    assert (
        "2 clinicians&#x27; changes to review" in body or "2 clinicians' changes to review" in body
    )
    assert CHANGELIST + "?status__exact=pending" in body
