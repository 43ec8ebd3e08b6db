import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from . import branding, interchange, photos
from .interchange import CleanRow
from .models import (
    AGE_BANDS,
    FORMATS,
    PROFILE_M2M_FIELDS,
    STYLE_DIMENSIONS,
    WEEKDAY_KEYS,
    Clinician,
    ConsultationHours,
    License,
    PracticeBrand,
    ProfileProposal,
    age_field,
    format_field,
    slug_too_long,
    slug_too_long_message,
    unique_slugs,
)
from .proposals import (
    PHOTO_NEW,
    PHOTO_REMOVE,
    TERM_FIELDS,
    VALUE_FIELDS,
    profile_changes,
    profile_problems,
)
from .selectors import clinician_profile_values, clinician_roster_queryset, clinician_roster_row
from .signals import profile_proposal_decided, roster_imported
from .staff_groups import PRACTICE_STAFF


@dataclass
class RowOutcome:
    """What the import did, or would do, with one row."""

    number: int
    email: str
    name: str
    outcome: str  # "created", "updated" or "unchanged"
    changed: list[str] = field(default_factory=list)  # the fields an update changes


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[str] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


SCALAR_FIELDS = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "pronouns": "pronouns",
    "bio": "bio",
    "intro": "intro",
    "gender": "gender",
    "lgbtq_affirming": "lgbtq_affirming",
    "faith_informed": "faith_informed",
    "self_pay_fee": "self_pay_fee",
    "sliding_scale_min": "sliding_scale_min",
    "accepting_new_clients": "accepting_new_clients",
    "timezone": "timezone",
    "weekly_consultation_capacity": "weekly_consultation_capacity",
    "video_link": "video_url",
    "active": "is_active",
}


def _assign(clinician: Clinician, row: CleanRow) -> None:
    """Set the clinician's own fields from one validated row; only the fields it holds."""
    data = row.data
    for key, attr in SCALAR_FIELDS.items():
        if key in data:
            setattr(clinician, attr, data[key])
    if "ages" in data:
        for code, _label in AGE_BANDS:
            setattr(clinician, age_field(code), code in data["ages"])
    if "formats" in data:
        for code, _label in FORMATS:
            setattr(clinician, format_field(code), code in data["formats"])
    if "style" in data:
        for dim in STYLE_DIMENSIONS:
            setattr(clinician, f"style_{dim}", data["style"][dim])


def _apply(clinician: Clinician, row: CleanRow) -> None:
    """Write one validated row. Only the fields the row holds change."""
    data = row.data
    _assign(clinician, row)
    created = clinician.pk is None
    clinician.save()
    if created:
        _create_related([(clinician, row)])
        return
    for key in PROFILE_M2M_FIELDS:
        if key in row.terms:
            getattr(clinician, key).set(row.terms[key])
    if "licenses" in data:
        clinician.licenses.all().delete()
        License.objects.bulk_create(_licences(clinician, row))
    if "consultation_hours" in data:
        clinician.consultation_hours.all().delete()
        ConsultationHours.objects.bulk_create(_hours(clinician, row))


def _licences(clinician: Clinician, row: CleanRow) -> list[License]:
    return [
        License(
            clinician=clinician,
            state=lic["state"],
            number=lic["number"],
            expires_on=dt.date.fromisoformat(lic["expires"]),
        )
        for lic in row.data.get("licenses", [])
    ]


def _hours(clinician: Clinician, row: CleanRow) -> list[ConsultationHours]:
    return [
        ConsultationHours(
            clinician=clinician,
            weekday=WEEKDAY_KEYS.index(hours["weekday"]),
            start=dt.time.fromisoformat(hours["start"]),
            end=dt.time.fromisoformat(hours["end"]),
        )
        for hours in row.data.get("consultation_hours", [])
    ]


def _create_related(created: list[tuple[Clinician, CleanRow]]) -> None:
    """The lists, licences and hours of just-created clinicians: one insert per table, whatever
    their number (nothing to compare with, so no reads)."""
    for key in PROFILE_M2M_FIELDS:
        relation = Clinician._meta.get_field(key)
        through = relation.remote_field.through
        source = relation.m2m_field_name()
        target = relation.m2m_reverse_field_name()
        links = [
            through(**{source: clinician, target: term})
            for clinician, row in created
            for term in row.terms.get(key, [])
        ]
        if links:
            through.objects.bulk_create(links)
    licences = [lic for clinician, row in created for lic in _licences(clinician, row)]
    if licences:
        License.objects.bulk_create(licences)
    hours = [window for clinician, row in created for window in _hours(clinician, row)]
    if hours:
        ConsultationHours.objects.bulk_create(hours)


def _create_all(rows: list[CleanRow]) -> None:
    """Create every new clinician at once: slugs from one query, then one insert per table.
    Bulk inserts send no model signals, so the snapshots built from the roster are told once."""
    slugs = unique_slugs([(row.data["first_name"], row.data["last_name"]) for row in rows])
    clinicians = []
    for row, slug in zip(rows, slugs, strict=True):
        clinician = Clinician(slug=slug)
        _assign(clinician, row)
        clinicians.append(clinician)
    Clinician.objects.bulk_create(clinicians)
    _create_related(list(zip(clinicians, rows, strict=True)))
    roster_imported.send(
        sender=Clinician, count=len(clinicians), clinician_ids=[c.pk for c in clinicians]
    )


def _focus_outside_concerns(row: CleanRow, current: dict) -> str:
    """A row that changes only one of concerns and focus concerns must still leave every focus
    concern among the concerns treated (the admin enforces the same rule)."""
    concerns = row.data.get("concerns", current["concerns"])
    focus = row.data.get("focus_concerns", current["focus_concerns"])
    treated = {name.casefold() for name in concerns}
    outside = [name for name in focus if name.casefold() not in treated]
    if not outside:
        return ""
    field = "concerns" if "concerns" in row.data else "focus_concerns"
    return _(
        'row %(row)s, %(field)s: "%(names)s" would be a focus concern this clinician does not '
        "treat; change concerns and focus_concerns together"
    ) % {"row": row.number, "field": field, "names": '", "'.join(outside)}


def clinician_roster_import(*, rows: list[dict], dry_run: bool = False) -> ImportResult:
    """Create or update clinicians by email from interchange rows, all or nothing.

    Every row is validated first and every error reported; if there is any, nothing is written.
    A dry run does the whole import and rolls it back, so it reports what would happen.
    """
    result = ImportResult(dry_run=dry_run)
    clean, errors = interchange.validate_roster(rows)
    if errors:
        result.errors = errors
        return result
    emails = [row.data["email"] for row in clean]
    new_rows: list[CleanRow] = []
    try:
        with transaction.atomic():
            existing = {
                clinician.email.lower(): clinician
                for clinician in clinician_roster_queryset()
                .select_for_update(of=("self",))
                .annotate(email_ci=Lower("email"))
                .filter(email_ci__in=[email.lower() for email in emails])
            }
            for row in clean:
                clinician = existing.get(row.data["email"].lower())
                if clinician is not None:
                    current = clinician_roster_row(clinician)
                    changed = [key for key, value in row.data.items() if current[key] != value]
                    if not changed:
                        result.unchanged += 1
                        result.rows.append(_outcome(row, "unchanged"))
                        continue
                    focus_error = _focus_outside_concerns(row, current)
                    if focus_error:
                        result.errors.append(focus_error)
                        continue
                elif slug_too_long(row.data["first_name"], row.data["last_name"]):
                    result.errors.append(
                        _("row %(row)s, %(field)s: %(message)s")
                        % {
                            "row": row.number,
                            "field": "last_name",
                            "message": slug_too_long_message(),
                        }
                    )
                    continue
                if clinician is None:
                    new_rows.append(row)
                    result.created += 1
                    result.rows.append(_outcome(row, "created"))
                    continue
                _apply_row(clinician, row, result)
                result.updated += 1
                result.rows.append(_outcome(row, "updated", changed))
            if new_rows and not result.errors:
                try:
                    with transaction.atomic():
                        _create_all(new_rows)
                except DatabaseError:
                    # Row by row, to name the row the database refuses.
                    for row in new_rows:
                        _apply_row(None, row, result)
                    if not result.errors:
                        result.errors.append(_("the database refused the import; nothing changed"))
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        result.rows = []
    return result


def _apply_row(clinician: Clinician | None, row: CleanRow, result: ImportResult) -> None:
    """Write one row in its own savepoint; a refusal becomes the row's error."""
    try:
        with transaction.atomic():
            _apply(clinician or Clinician(), row)
    except DatabaseError as exc:
        result.errors.append(
            _("row %(row)s: the database refused it (%(message)s)")
            % {"row": row.number, "message": (str(exc).strip().splitlines() or [""])[0]}
        )


def _outcome(row: CleanRow, outcome: str, changed: list[str] | None = None) -> RowOutcome:
    return RowOutcome(
        number=row.number,
        email=row.data["email"],
        name=f"{row.data.get('first_name', '')} {row.data.get('last_name', '')}".strip(),
        outcome=outcome,
        changed=changed or [],
    )


def clinician_set_accepting(*, clinician_ids: Iterable[int], accepting: bool) -> int:
    """Pause or resume new clients; returns how many clinicians changed."""
    clinician_ids = list(clinician_ids)
    changed = (
        Clinician.objects.filter(pk__in=clinician_ids)
        .exclude(accepting_new_clients=accepting)
        .update(accepting_new_clients=accepting, updated_at=timezone.now())
    )
    if changed:
        # An update() sends no post_save: tell the roster's and the calendar's keepers.
        roster_imported.send(sender=Clinician, count=changed, clinician_ids=clinician_ids)
    return changed


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str


# Demo only: these passwords are printed on the console and documented in the README.
DEMO_STAFF = ("staff", "alliance-staff-demo")
DEMO_CLINICIAN_PASSWORD = "alliance-clinician-demo"  # noqa: S105


def user_ensure(
    *, username: str, password: str, email: str = "", is_staff: bool = False, first_name: str = ""
):
    """Create or reset a login with this password (never a superuser)."""
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=username)
    user.email = email
    user.first_name = first_name or user.first_name
    user.is_staff = is_staff
    user.is_superuser = False
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


def clinician_link_user(*, clinician_id: int, user_id: int) -> None:
    """Make this login the clinician's own (and no other clinician's)."""
    with transaction.atomic():
        Clinician.objects.filter(user_id=user_id).exclude(pk=clinician_id).update(user=None)
        Clinician.objects.filter(pk=clinician_id).update(user_id=user_id)


def demo_logins_ensure(*, clinician_emails: list[str]) -> list[DemoLogin]:
    """The demo's staff login and one login per listed clinician, reset to the demo passwords."""
    logins = []
    with transaction.atomic():
        username, password = DEMO_STAFF
        staff = user_ensure(
            username=username,
            password=password,
            email="staff@alliance.example.org",
            is_staff=True,
            first_name="Sam",
        )
        # The group is kept by matching.staff_groups after every migrate.
        staff.groups.add(Group.objects.get(name=PRACTICE_STAFF))
        logins.append(DemoLogin(username=username, password=password, role="staff"))
        for email in clinician_emails:
            clinician = Clinician.objects.get(email=email)
            username = email.split("@")[0]
            user = user_ensure(
                username=username,
                password=DEMO_CLINICIAN_PASSWORD,
                email=email,
                first_name=clinician.first_name,
            )
            clinician_link_user(clinician_id=clinician.pk, user_id=user.pk)
            logins.append(
                DemoLogin(
                    username=username,
                    password=DEMO_CLINICIAN_PASSWORD,
                    role=f"clinician ({clinician.full_name})",
                )
            )
    return logins


def clinician_photo_set(*, clinician: Clinician, upload) -> Clinician:
    """Check an uploaded photo, store its square renditions (clinicians/photos.py) and make it
    the clinician's photo. Raises ValidationError saying what to fix, changing nothing. The
    renditions of the photo it replaces are deleted once the change is committed."""
    image = photos.photo_open(upload)
    renditions = photos.photo_renditions(image)
    for size, content in renditions.files.items():
        name = renditions.name(size)
        # Named by their content: the same photo uploaded twice is stored once.
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(content))
    with transaction.atomic():
        locked = Clinician.objects.select_for_update().get(pk=clinician.pk)
        previous = locked.photo.name
        locked.photo.name = renditions.name(photos.LARGEST)
        locked.save(update_fields=["photo", "updated_at"])
        if previous and previous != locked.photo.name:
            transaction.on_commit(partial(_photo_files_forget, previous))
    clinician.photo.name = locked.photo.name
    return clinician


def clinician_photo_remove(*, clinician: Clinician) -> None:
    """The clinician goes back to the drawn placeholder; their photo's files are deleted."""
    with transaction.atomic():
        locked = Clinician.objects.select_for_update().get(pk=clinician.pk)
        previous = locked.photo.name
        locked.photo.name = ""
        locked.save(update_fields=["photo", "updated_at"])
        if previous:
            transaction.on_commit(partial(_photo_files_forget, previous))
    clinician.photo.name = ""


def _photo_files_forget(stored_name: str) -> None:
    """Delete a photo's files unless someone else still uses the same photo."""
    if Clinician.objects.filter(photo=stored_name).exists():
        return
    for name in set(photos.rendition_names(stored_name).values()):
        default_storage.delete(name)


# --- Profile changes a clinician proposes, and staff decide ----------------------------------


class ProposalRefused(Exception):
    """A proposal can't be made or decided as asked. `problems` names what to fix, by field
    (empty for a refusal about the proposal as a whole, said in the message)."""

    def __init__(self, message: str = "", *, problems: dict[str, str] | None = None):
        self.problems = problems or {}
        super().__init__(message or "; ".join(self.problems.values()))


def _user_name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def profile_proposal_submit(
    *,
    clinician_id: int,
    author_id: int | None,
    values: dict,
    photo=None,
    remove_photo: bool = False,
) -> ProfileProposal | None:
    """Propose changes to a clinician's profile: the proposal waiting for staff is created, or
    updated if there is one (one per clinician). The approved profile is not touched.

    `values` holds the form's plain values (term ids for lists); only those that differ from
    the approved profile are kept. `photo` is an upload (checked again by `photo_open`; it is
    kept as the square JPEG a profile shows, without the camera's metadata).
    Returns the waiting proposal, or None when nothing differs any more (a waiting proposal is
    then withdrawn). Raises ProposalRefused, changing nothing, if the profile would break a rule.
    """
    with transaction.atomic():
        # The clinician's row lock orders two submissions at once (two tabs).
        clinician = Clinician.objects.select_for_update().get(pk=clinician_id)
        pending = (
            ProfileProposal.objects.select_for_update()
            .filter(clinician=clinician, status=ProfileProposal.Status.PENDING)
            .first()
        )
        current = clinician_profile_values(clinician)
        changes = profile_changes(current, values)
        problems = profile_problems({**current, **changes})
        if problems:
            raise ProposalRefused(problems=problems)
        waiting_photo = pending is not None and pending.changes.get("photo") == PHOTO_NEW
        if photo is not None:
            changes["photo"] = PHOTO_NEW
        elif remove_photo:
            if current["photo"]:
                changes["photo"] = PHOTO_REMOVE
        elif waiting_photo:
            changes["photo"] = PHOTO_NEW
        if not changes:
            if pending is not None:
                _decide(pending, ProfileProposal.Status.WITHDRAWN, reviewer_id=author_id)
            return None
        if pending is None:
            pending = ProfileProposal(clinician=clinician)
        replaced_photo = pending.photo.name or ""
        pending.changes = changes
        pending.previous = {name: current.get(name) for name in changes}
        pending.author_id = author_id
        pending.author_name = _user_name(author_id)
        if photo is not None:
            pending.photo.save("photo.jpg", _proposed_photo(photo), save=False)
        elif changes.get("photo") != PHOTO_NEW:
            pending.photo = ""
        pending.save()
        if replaced_photo and replaced_photo != pending.photo.name:
            # A photo only this waiting proposal held, and no longer does.
            transaction.on_commit(partial(default_storage.delete, replaced_photo))
        return pending


def _proposed_photo(upload) -> ContentFile:
    try:
        image = photos.photo_open(upload)
    except ValidationError as error:
        raise ProposalRefused(problems={"photo": " ".join(error.messages)}) from None
    return ContentFile(photos.photo_renditions(image).files[photos.LARGEST])


def profile_proposal_withdraw(*, proposal_id: int, clinician_id: int) -> None:
    """The clinician takes back the proposal waiting for staff; their profile stays as it is."""
    with transaction.atomic():
        proposal = _pending_locked(proposal_id, clinician_id=clinician_id)
        _decide(proposal, ProfileProposal.Status.WITHDRAWN, reviewer_id=proposal.author_id)


def profile_proposal_approve(
    *, proposal_id: int, reviewer_id: int, comment: str = ""
) -> ProfileProposal:
    """Write a waiting proposal into the clinician's profile, record who approved it and what
    it replaced, and email the clinician. Saving the clinician and setting their lists sends
    the model signals that tell every process's roster snapshot (matching) and the public
    pages to read the profile afresh. Raises ProposalRefused, changing nothing, when the
    proposal is no longer waiting or the profile as it is now would break a rule with it."""
    with transaction.atomic():
        proposal = _pending_locked(proposal_id)
        clinician = Clinician.objects.select_for_update().get(pk=proposal.clinician_id)
        current = clinician_profile_values(clinician)
        changes = {name: value for name, value in proposal.changes.items() if name in VALUE_FIELDS}
        problems = profile_problems({**current, **changes})
        if problems:
            raise ProposalRefused(
                _(
                    "The profile has changed since this was proposed, and together they break "
                    "a rule: %(problems)s Return it with a comment instead."
                )
                % {"problems": " ".join(problems.values())},
                problems=problems,
            )
        for name, value in changes.items():
            if name not in TERM_FIELDS:
                setattr(clinician, name, value)
        clinician.save()
        for name in TERM_FIELDS:
            if name in changes:
                terms = _existing_terms(clinician, name, changes[name])
                getattr(clinician, name).set(terms)
        photo_change = proposal.changes.get("photo")
        if photo_change == PHOTO_NEW and proposal.photo:
            # Left for the collector to close: closing the stored file here (with `with`, on
            # the field or the storage) dropped the database connection in the browser test's
            # threaded server, and the approval failed. Why is not yet known.
            upload = ContentFile(default_storage.open(proposal.photo.name, "rb").read())
            try:
                clinician_photo_set(clinician=clinician, upload=upload)
            except ValidationError as error:
                raise ProposalRefused(" ".join(error.messages)) from None
        elif photo_change == PHOTO_REMOVE:
            clinician_photo_remove(clinician=clinician)
        proposal.previous = {name: current.get(name) for name in proposal.changes}
        proposal.comment = comment.strip()
        _decide(proposal, ProfileProposal.Status.APPROVED, reviewer_id=reviewer_id)
        return proposal


def profile_proposal_return(*, proposal_id: int, reviewer_id: int, comment: str) -> ProfileProposal:
    """Send a waiting proposal back to the clinician with staff's comment (required: it is what
    they will read), and email them. Their profile stays as it is."""
    comment = (comment or "").strip()
    if not comment:
        raise ProposalRefused(
            problems={"comment": str(_("Say what the clinician should change; they read this."))}
        )
    with transaction.atomic():
        proposal = _pending_locked(proposal_id)
        proposal.comment = comment
        _decide(proposal, ProfileProposal.Status.RETURNED, reviewer_id=reviewer_id)
        return proposal


def _pending_locked(proposal_id: int, *, clinician_id: int | None = None) -> ProfileProposal:
    rows = ProfileProposal.objects.select_for_update().select_related("clinician")
    if clinician_id is not None:
        rows = rows.filter(clinician_id=clinician_id)
    proposal = rows.filter(pk=proposal_id).first()
    if proposal is None or not proposal.is_pending:
        raise ProposalRefused(_("This proposal is no longer waiting for review."))
    return proposal


def _decide(proposal: ProfileProposal, status: str, *, reviewer_id: int | None) -> None:
    proposal.status = status
    proposal.reviewer_id = reviewer_id
    proposal.reviewer_name = _user_name(reviewer_id)
    proposal.decided_at = timezone.now()
    proposal.save()
    if status in (ProfileProposal.Status.APPROVED, ProfileProposal.Status.RETURNED):
        # consultations records the email (in this transaction, so only if it commits).
        profile_proposal_decided.send(
            sender=ProfileProposal,
            clinician_id=proposal.clinician_id,
            approved=status == ProfileProposal.Status.APPROVED,
        )


def _existing_terms(clinician: Clinician, name: str, ids: list[int]) -> list[int]:
    """The ids that still name a term (a vocabulary term may have been deleted since)."""
    model = Clinician._meta.get_field(name).related_model
    return list(model.objects.filter(pk__in=ids).values_list("pk", flat=True))


def practice_logo_set(*, brand: PracticeBrand, upload) -> PracticeBrand:
    """Check an uploaded logo, store its one rendition (clinicians/branding.py) and make it the
    practice's logo. Raises ValidationError saying what to fix, changing nothing."""
    logo = branding.logo_rendition(upload)
    if not default_storage.exists(logo.name):
        default_storage.save(logo.name, ContentFile(logo.content))
    previous = brand.logo.name
    brand.logo.name = logo.name
    brand.logo_width, brand.logo_height = logo.width, logo.height
    brand.save()
    if previous and previous != logo.name:
        transaction.on_commit(partial(default_storage.delete, previous))
    return brand


def demo_portraits_add(*, clinician_emails: list[str]) -> int:
    """Give these demo clinicians, where they have no photo, their drawn portrait
    (clinicians/demo_portraits.py: an illustration, never a photograph). How many were added."""
    from .demo_portraits import demo_portrait

    added = 0
    for clinician in Clinician.objects.filter(email__in=clinician_emails, photo=""):
        upload = ContentFile(demo_portrait(clinician.email), name="portrait.png")
        clinician_photo_set(clinician=clinician, upload=upload)
        added += 1
    return added
