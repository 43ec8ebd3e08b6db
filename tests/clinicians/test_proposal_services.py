"""Proposing profile changes and deciding them (the profile_proposal_* services)."""

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import translation

from clinicians.models import Approach, Concern, ProfileProposal
from clinicians.photos import rendition_names
from clinicians.selectors import clinician_profile_values, profile_proposal_diff
from clinicians.services import (
    ProposalRefused,
    profile_proposal_approve,
    profile_proposal_return,
    profile_proposal_submit,
    profile_proposal_withdraw,
)
from config import snapshots
from consultations import notifications
from consultations.messages import Kind
from consultations.models import Notification
from matching.selectors import current_roster, roster_changed
from tests.clinicians.factories import ClinicianFactory, vocab

from .photos import image_upload

pytestmark = pytest.mark.django_db
Status = ProfileProposal.Status


@pytest.fixture
def maya(django_user_model):
    user = django_user_model.objects.create_user(
        username="maya", password="maya-pass-123", first_name="Maya", last_name="Chen"
    )
    return ClinicianFactory(
        user=user,
        first_name="Maya",
        last_name="Chen",
        email="maya@alliance.example.org",
        concerns=["anxiety", "depression"],
        approaches=["CBT"],
        bio="The approved bio.",
    )


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user(
        username="sam", password="sam-pass-123", is_staff=True, first_name="Sam", last_name="Ortiz"
    )


@pytest.fixture
def sent_mail(monkeypatch):
    """Emails are sent by the sweep here, not by a worker."""
    monkeypatch.setattr("consultations.tasks.send_notification.apply_async", lambda *a, **k: None)

    def sweep():
        notifications.notifications_sweep()
        return mail.outbox

    return sweep


def propose(clinician, **changes):
    values = {**clinician_profile_values(clinician), **changes}
    values.pop("photo")
    photo = values.pop("new_photo", None)
    remove = values.pop("remove_photo", False)
    return profile_proposal_submit(
        clinician_id=clinician.pk,
        author_id=clinician.user_id,
        values=values,
        photo=photo,
        remove_photo=remove,
    )


def test_it_keeps_a_proposal_apart_from_the_approved_profile(maya):
    proposal = propose(maya, bio="A new bio.", style_lead=5)

    maya.refresh_from_db()
    assert maya.bio == "The approved bio."
    assert maya.style_lead == 3
    assert proposal.status == Status.PENDING
    assert proposal.changes == {"bio": "A new bio.", "style_lead": 5}
    assert proposal.previous == {"bio": "The approved bio.", "style_lead": 3}
    assert proposal.author_id == maya.user_id
    assert proposal.author_name == "Maya Chen"


def test_it_updates_the_waiting_proposal_when_the_clinician_edits_again(maya):
    first = propose(maya, bio="A new bio.", intro="Hello.")
    again = propose(maya, bio="A better bio.")

    assert again.pk == first.pk
    assert ProfileProposal.objects.count() == 1
    # What isn't changed any more is no longer proposed.
    assert again.changes == {"bio": "A better bio."}


def test_it_withdraws_the_waiting_proposal_when_nothing_differs_any_more(maya):
    proposal = propose(maya, bio="A new bio.")

    assert propose(maya, bio="The approved bio.") is None

    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN
    assert proposal.decided_at is not None


def test_it_proposes_nothing_without_a_change(maya):
    assert propose(maya) is None
    assert not ProfileProposal.objects.exists()


def test_it_refuses_a_profile_that_breaks_a_rule_and_saves_nothing(maya):
    ptsd = vocab(Concern, "trauma and PTSD")[0]

    with pytest.raises(ProposalRefused) as refused:
        propose(maya, focus_concerns=[ptsd.pk], bio="Changed")

    assert "focus_concerns" in refused.value.problems
    assert not ProfileProposal.objects.exists()


def test_the_database_allows_one_waiting_proposal_per_clinician(maya):
    propose(maya, bio="A new bio.")

    with pytest.raises(IntegrityError), transaction.atomic():
        ProfileProposal.objects.create(clinician=maya, changes={"bio": "Another"})


def test_it_approves_by_writing_the_profile_and_recording_who(maya, reviewer, sent_mail):
    emdr = vocab(Approach, "EMDR")[0]
    cbt = Approach.objects.get(name="CBT")
    proposal = propose(
        maya,
        bio="A new bio.",
        intro="I help people who feel stuck.",
        approaches=[cbt.pk, emdr.pk],
        self_pay_fee=180,
        style_challenge=5,
        video_url="https://video.example.org/maya",
        new_photo=image_upload(),
    )

    profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk, comment="Lovely")

    maya.refresh_from_db()
    assert maya.bio == "A new bio."
    assert maya.intro == "I help people who feel stuck."
    assert set(maya.approaches.values_list("name", flat=True)) == {"CBT", "EMDR"}
    assert (maya.self_pay_fee, maya.style_challenge) == (180, 5)
    assert maya.video_url == "https://video.example.org/maya"
    # Stored as the square renditions every page uses (clinicians/photos.py).
    assert maya.photo.name.startswith("clinicians/photos/")
    assert all(default_storage.exists(name) for name in rendition_names(maya.photo.name).values())
    proposal.refresh_from_db()
    assert proposal.status == Status.APPROVED
    assert (proposal.reviewer_id, proposal.reviewer_name) == (reviewer.pk, "Sam Ortiz")
    assert proposal.comment == "Lovely"
    assert proposal.previous["bio"] == "The approved bio."
    assert proposal.previous["approaches"] == [cbt.pk]
    assert proposal.decided_at is not None


def test_matching_sees_the_approved_profile_only_after_approval(maya, reviewer, monkeypatch):
    # Keep the roster snapshot inside the test's transaction, as a running site would.
    monkeypatch.setattr(snapshots, "in_transaction", lambda: False)
    roster_changed()
    emdr = vocab(Approach, "EMDR")[0]
    now = maya.created_at

    proposal = propose(maya, style_lead=5, approaches=[emdr.pk])
    waiting = current_roster(now=now).profiles([maya.pk])[0]
    assert waiting.style[0] == 3
    assert waiting.approaches == {"CBT"}

    profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)
    approved = current_roster(now=now).profiles([maya.pk])[0]
    assert approved.style[0] == 5
    assert approved.approaches == {"EMDR"}
    roster_changed()


def test_it_removes_the_photo_when_that_is_what_was_proposed(maya, reviewer):
    maya.photo.save("old.png", image_upload(), save=True)
    proposal = propose(maya, remove_photo=True)

    assert proposal.changes == {"photo": "remove"}
    profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)

    maya.refresh_from_db()
    assert not maya.photo


def test_it_keeps_the_waiting_photo_when_the_clinician_edits_only_text(maya):
    first = propose(maya, new_photo=image_upload())
    photo_name = first.photo.name

    again = propose(maya, bio="And a new bio.")

    assert again.changes == {"bio": "And a new bio.", "photo": "new"}
    assert again.photo.name == photo_name


def test_it_refuses_a_photo_it_cannot_use_and_keeps_nothing(maya):
    with pytest.raises(ProposalRefused) as refused:
        propose(maya, bio="A new bio.", new_photo=image_upload(size=(120, 120)))

    assert "at least 200 pixels on its shorter side" in refused.value.problems["photo"]
    assert not ProfileProposal.objects.exists()


def test_it_deletes_a_waiting_photo_once_another_or_none_replaces_it(
    maya, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = propose(maya, new_photo=image_upload()).photo.name
    with django_capture_on_commit_callbacks(execute=True):
        second = propose(maya, new_photo=image_upload(colour=(200, 40, 40))).photo.name

    assert second != first
    assert not default_storage.exists(first) and default_storage.exists(second)

    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(maya, bio="Only a new bio.", remove_photo=True)

    assert proposal.changes == {"bio": "Only a new bio."} and not proposal.photo
    assert not default_storage.exists(second)


def test_the_diff_names_terms_in_its_readers_language(maya):
    cbt, emdr = vocab(Approach, "CBT", "EMDR")
    Approach.objects.filter(pk=cbt.pk).update(name_es="terapia cognitivo-conductual (TCC)")
    proposal = propose(maya, approaches=[emdr.pk])

    def approaches():
        rows = profile_proposal_diff(proposal)
        return next(row.values for row in rows if row.name == "approaches")

    assert approaches() == (["CBT"], ["EMDR"])
    with translation.override("es"):
        assert approaches() == (["terapia cognitivo-conductual (TCC)"], ["EMDR"])


def test_it_returns_with_a_comment_and_leaves_the_profile_as_it_was(maya, reviewer, sent_mail):
    proposal = propose(maya, bio="A new bio.")

    profile_proposal_return(
        proposal_id=proposal.pk, reviewer_id=reviewer.pk, comment="  Please add your licence.  "
    )

    maya.refresh_from_db()
    assert maya.bio == "The approved bio."
    proposal.refresh_from_db()
    assert proposal.status == Status.RETURNED
    assert proposal.comment == "Please add your licence."
    assert proposal.reviewer_id == reviewer.pk


def test_it_needs_a_comment_to_return(maya, reviewer):
    proposal = propose(maya, bio="A new bio.")

    with pytest.raises(ProposalRefused) as refused:
        profile_proposal_return(proposal_id=proposal.pk, reviewer_id=reviewer.pk, comment=" ")

    assert "comment" in refused.value.problems
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING


def test_it_decides_a_proposal_only_once(maya, reviewer):
    proposal = propose(maya, bio="A new bio.")
    profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)

    with pytest.raises(ProposalRefused, match="no longer waiting"):
        profile_proposal_return(proposal_id=proposal.pk, reviewer_id=reviewer.pk, comment="No")
    with pytest.raises(ProposalRefused, match="no longer waiting"):
        profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)
    assert Notification.objects.filter(clinician=maya).count() == 1


def test_it_refuses_to_approve_what_no_longer_fits_the_profile(maya, reviewer):
    anxiety = Concern.objects.get(name="anxiety")
    proposal = propose(maya, focus_concerns=[anxiety.pk])
    # Staff took the concern away meanwhile.
    maya.concerns.remove(anxiety)

    with pytest.raises(ProposalRefused, match="Return it with a comment"):
        profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)

    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING
    assert not maya.focus_concerns.exists()


def test_a_clinician_withdraws_only_their_own_proposal(maya):
    other = ClinicianFactory()
    proposal = propose(maya, bio="A new bio.")

    with pytest.raises(ProposalRefused):
        profile_proposal_withdraw(proposal_id=proposal.pk, clinician_id=other.pk)
    profile_proposal_withdraw(proposal_id=proposal.pk, clinician_id=maya.pk)

    proposal.refresh_from_db()
    assert proposal.status == Status.WITHDRAWN


@pytest.mark.parametrize(
    ("decide", "subject", "says"),
    [
        ("approve", "Your profile changes are approved", "has approved the changes"),
        ("return", "Your profile changes need another look", "has returned the changes"),
    ],
)
def test_it_emails_the_clinician_a_link_and_nothing_more(
    maya, reviewer, sent_mail, settings, decide, subject, says
):
    proposal = propose(maya, bio="A secret new bio.", intro="My new intro.")
    if decide == "approve":
        profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)
    else:
        profile_proposal_return(
            proposal_id=proposal.pk, reviewer_id=reviewer.pk, comment="Private staff words"
        )

    row = Notification.objects.get(clinician=maya)
    assert row.kind == (Kind.PROFILE_APPROVED if decide == "approve" else Kind.PROFILE_RETURNED)
    (email,) = sent_mail()
    assert email.to == ["maya@alliance.example.org"]
    assert email.subject == subject
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert "Hello Maya" in body
        assert says in body
        assert f"{settings.SITE_URL}/consultations/portal/profile/" in body
        for private in ("A secret new bio.", "My new intro.", "Private staff words"):
            assert private not in body
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT


def test_it_sends_no_email_when_the_decision_rolls_back(maya, reviewer, sent_mail):
    proposal = propose(maya, bio="A new bio.")

    with pytest.raises(RuntimeError), transaction.atomic():
        profile_proposal_approve(proposal_id=proposal.pk, reviewer_id=reviewer.pk)
        raise RuntimeError

    assert not Notification.objects.filter(clinician=maya).exists()
    assert sent_mail() == []
