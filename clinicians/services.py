import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from . import interchange, photos
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
    age_field,
    format_field,
    slug_too_long,
    slug_too_long_message,
    unique_slugs,
)
from .selectors import clinician_roster_queryset, clinician_roster_row
from .signals import roster_imported
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
    roster_imported.send(sender=Clinician, count=len(clinicians))


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
    return (
        Clinician.objects.filter(pk__in=list(clinician_ids))
        .exclude(accepting_new_clients=accepting)
        .update(accepting_new_clients=accepting, updated_at=timezone.now())
    )


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
