import re
import uuid
import zoneinfo

from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import F, Func, Max, Value
from django.db.models.functions import Cast, Lower, Substr
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .states import US_STATES

STYLE_DIMENSIONS = ("lead", "focus", "time", "challenge")
SLUG_MAX_LENGTH = 120
INTRO_MAX_LENGTH = 160
# Room left for a namesake's "-123456".
SLUG_BASE_MAX_LENGTH = SLUG_MAX_LENGTH - 7

AGE_BANDS = [
    ("children", _("children (5–12)")),
    ("teens", _("teens (13–17)")),
    ("adults", _("adults")),
    ("older adults", _("older adults (65+)")),
    ("couples", _("couples")),
    ("families", _("families")),
]
FORMATS = [("video", _("video")), ("phone", _("phone")), ("in person", _("in person"))]
WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
]  # fmt: skip
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A clinician's many-to-many profile fields, in the order staff and the roster format use.
PROFILE_M2M_FIELDS = (
    "credentials",
    "communities",
    "languages",
    "concerns",
    "focus_concerns",
    "approaches",
    "insurance",
    "offices",
)


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a time zone; use a name such as America/New_York."),
            params={"value": value},
        ) from None


VIDEO_URL_MESSAGE = _(
    "Enter the video room's full address, starting with https:// "
    "(for example https://zoom.us/j/123456789)."
)


def validate_video_url(value: str) -> None:
    """A video room link must be a private (https) web address."""
    if value:
        URLValidator(schemes=["https"], message=VIDEO_URL_MESSAGE, code="video_url")(value)


class VocabularyTerm(models.Model):
    """A name from one of the practice's vocabularies, which staff edit in admin."""

    name = models.CharField(_("name"), max_length=80)
    # What Spanish-speaking clients read. The English name stays the term's identity (the
    # roster format, the intake's answers and the matching use it).
    name_es = models.CharField(
        _("name in Spanish"),
        max_length=80,
        blank=True,
        help_text=_("What clients using the site in Spanish read; empty: the English name."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        abstract = True
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the page or email being written (staff pages are in
        English)."""
        return term_label(self.name, self.name_es)


def term_label(name: str, name_es: str) -> str:
    """A vocabulary name as a reader of the active language reads it."""
    return name_es if name_es and translation.get_language() == "es" else name


def _unique_name(model_name: str) -> list:
    return [models.UniqueConstraint(Lower("name"), name=f"{model_name}_name_ci_unique")]


class Concern(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("concern")
        constraints = _unique_name("concern")


class Approach(VocabularyTerm):
    description = models.CharField(
        _("description"),
        max_length=160,
        blank=True,
        help_text=_(
            "One line in plain words that a client can understand, shown beside the approach "
            "in the intake, e.g. “Noticing the thoughts that keep you stuck and trying new "
            "ones”."
        ),
    )
    description_es = models.CharField(
        _("description in Spanish"),
        max_length=160,
        blank=True,
        help_text=_("What clients using the site in Spanish read; empty: the English line."),
    )

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("approach")
        verbose_name_plural = _("approaches")
        constraints = _unique_name("approach")

    @property
    def description_label(self) -> str:
        return term_label(self.description, self.description_es)


class Language(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("language")
        constraints = _unique_name("language")


class InsurancePlan(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("insurance plan")
        constraints = _unique_name("insuranceplan")


class Community(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        constraints = _unique_name("community")


class Credential(VocabularyTerm):
    class Meta(VocabularyTerm.Meta):
        verbose_name = _("credential")
        constraints = _unique_name("credential")


class Office(VocabularyTerm):
    address = models.CharField(_("address"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=2, choices=US_STATES)

    class Meta(VocabularyTerm.Meta):
        verbose_name = _("office")
        constraints = _unique_name("office")


class Clinician(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician",
    )
    email = models.EmailField(_("email"), unique=True)
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=80)
    slug = models.SlugField(_("web address"), max_length=SLUG_MAX_LENGTH, unique=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    credentials = models.ManyToManyField(Credential, blank=True, verbose_name=_("credentials"))
    photo = models.ImageField(_("photo"), upload_to="clinicians/", blank=True)
    intro = models.CharField(
        _("one-line introduction"),
        max_length=INTRO_MAX_LENGTH,
        blank=True,
        help_text=_(
            "One sentence in the clinician's own voice, shown on results and at the top of "
            "their profile, e.g. “I help people who feel stuck find a way forward.”"
        ),
    )
    bio = models.TextField(_("bio"), blank=True)

    gender = models.CharField(
        _("gender"),
        max_length=40,
        blank=True,
        help_text=_(
            "Self-described, optional: woman, man, nonbinary, or the clinician's own words."
        ),
    )
    communities = models.ManyToManyField(
        Community, blank=True, verbose_name=_("communities (self-disclosed)")
    )
    lgbtq_affirming = models.BooleanField(_("LGBTQ+-affirming"), default=False)
    faith_informed = models.BooleanField(_("faith-informed"), default=False)
    languages = models.ManyToManyField(Language, verbose_name=_("languages"))

    concerns = models.ManyToManyField(
        Concern, related_name="clinicians", verbose_name=_("concerns treated")
    )
    focus_concerns = models.ManyToManyField(
        Concern,
        related_name="focus_clinicians",
        blank=True,
        verbose_name=_("focus concerns"),
        help_text=_("Up to 3 of the concerns treated that this clinician focuses on."),
    )
    approaches = models.ManyToManyField(Approach, blank=True, verbose_name=_("approaches"))

    serves_children = models.BooleanField(_("children (5–12)"), default=False)
    serves_teens = models.BooleanField(_("teens (13–17)"), default=False)
    serves_adults = models.BooleanField(_("adults"), default=True)
    serves_older_adults = models.BooleanField(_("older adults (65+)"), default=False)
    serves_couples = models.BooleanField(_("couples"), default=False)
    serves_families = models.BooleanField(_("families"), default=False)

    offers_video = models.BooleanField(_("video"), default=True)
    offers_phone = models.BooleanField(_("phone"), default=False)
    offers_in_person = models.BooleanField(_("in person"), default=False)
    offices = models.ManyToManyField(Office, blank=True, verbose_name=_("offices"))

    style_lead = models.PositiveSmallIntegerField(
        _("who leads (1 client … 5 therapist)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    style_focus = models.PositiveSmallIntegerField(
        _("focus (1 feelings … 5 practical steps)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    style_time = models.PositiveSmallIntegerField(
        _("time (1 the past … 5 the present)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    style_challenge = models.PositiveSmallIntegerField(
        _("challenge (1 gentle support … 5 direct challenge)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )

    insurance = models.ManyToManyField(
        InsurancePlan, blank=True, verbose_name=_("insurance plans accepted")
    )
    self_pay_fee = models.PositiveIntegerField(
        _("self-pay fee per session (USD)"), null=True, blank=True
    )
    sliding_scale_min = models.PositiveIntegerField(
        _("sliding scale down to (USD)"), null=True, blank=True
    )

    accepting_new_clients = models.BooleanField(_("accepting new clients"), default=True)
    weekly_consultation_capacity = models.PositiveSmallIntegerField(
        _("new consultations per week"), default=6
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    video_url = models.URLField(
        _("video room link"),
        blank=True,
        validators=[validate_video_url],
        help_text=_(
            "The clinician's own video room (an https:// address). Clients get it only once "
            "their consultation is confirmed."
        ),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive clinicians are hidden everywhere.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("last_name", "first_name")
        verbose_name = _("clinician")
        indexes = [
            # The public directory's pages: active clinicians in name order, read 20 at a time.
            models.Index(
                fields=("last_name", "first_name", "id"),
                condition=models.Q(is_active=True),
                name="clinician_directory_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(style_lead__range=(1, 5))
                & models.Q(style_focus__range=(1, 5))
                & models.Q(style_time__range=(1, 5))
                & models.Q(style_challenge__range=(1, 5)),
                name="clinician_style_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(sliding_scale_min__isnull=True)
                | models.Q(self_pay_fee__isnull=True)
                | models.Q(sliding_scale_min__lte=models.F("self_pay_fee")),
                name="clinician_sliding_scale_below_fee",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.first_name, self.last_name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def video_room_url(self) -> str:
        """The video room link as clients may be sent it: https only. A plain http:// link
        stored before that rule (or written around the admin) is left out until staff fix it;
        the admin flags it at the next save."""
        url = (self.video_url or "").strip()
        return url if url[:8].lower() == "https://" else ""

    # The photo: renditions at every size of clinicians/photos.py, or a drawn placeholder.

    @property
    def photo_urls(self) -> dict[int, str]:
        """Each rendition's address by its size in px (empty without a photo)."""
        from django.core.files.storage import default_storage

        from .photos import rendition_names

        return {
            size: default_storage.url(name)
            for size, name in rendition_names(self.photo.name).items()
        }

    @property
    def photo_srcset(self) -> str:
        urls = self.photo_urls
        if len(set(urls.values())) < 2:
            return ""
        return ", ".join(f"{url} {size}w" for size, url in urls.items())

    @property
    def photo_src(self) -> str:
        """The middle rendition: sharp at up to 96 px on a 2x screen, or 192 px at 1x."""
        urls = self.photo_urls
        return urls[sorted(urls)[len(urls) // 2]] if urls else ""

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()

    @property
    def avatar_tone(self) -> int:
        """One of the placeholder's six warm tones (static/css/alliance.css), the same for a
        clinician everywhere."""
        return sum(map(ord, self.full_name)) % 6

    @property
    def style(self) -> dict[str, int]:
        return {dim: getattr(self, f"style_{dim}") for dim in STYLE_DIMENSIONS}

    @property
    def ages(self) -> list[str]:
        return [code for code, _label in AGE_BANDS if getattr(self, age_field(code))]

    @property
    def formats(self) -> list[str]:
        return [code for code, _label in FORMATS if getattr(self, format_field(code))]

    def clean(self):
        if (
            self.sliding_scale_min is not None
            and self.self_pay_fee is not None
            and self.sliding_scale_min > self.self_pay_fee
        ):
            raise ValidationError(
                {"sliding_scale_min": _("The sliding scale can't start above the self-pay fee.")}
            )
        if not self.slug and slug_too_long(self.first_name, self.last_name):
            raise ValidationError({"last_name": slug_too_long_message()})


def age_field(code: str) -> str:
    return "serves_" + code.replace(" ", "_")


def format_field(code: str) -> str:
    return "offers_" + code.replace(" ", "_")


def slug_base(first_name: str, last_name: str) -> str:
    """The readable part of a clinician's web address, in Latin letters ("李 王": "li-wang")."""
    return slugify(anyascii(f"{first_name} {last_name}")) or "clinician"


def slug_too_long(first_name: str, last_name: str) -> bool:
    return len(slug_base(first_name, last_name)) > SLUG_BASE_MAX_LENGTH


def slug_too_long_message() -> str:
    return _(
        "the first and last name together make a web address over %(limit)s characters; "
        "shorten one of them"
    ) % {"limit": SLUG_BASE_MAX_LENGTH}


def unique_slug(first_name: str, last_name: str, *, exclude_pk=None) -> str:
    """The name's slug, numbered after the highest one already taken ("anna-lee-3").

    Two queries whatever the number of namesakes, so adding n namesakes costs O(n) queries in all
    rather than trying "-2", "-3", ... one by one."""
    base = slug_base(first_name, last_name)[:SLUG_BASE_MAX_LENGTH].strip("-") or "clinician"
    others = Clinician.objects.exclude(pk=exclude_pk) if exclude_pk else Clinician.objects.all()
    if not others.filter(slug=base).exists():
        return base
    numbered = others.filter(slug__regex=rf"^{re.escape(base)}-[0-9]{{1,6}}$")
    suffix = Cast(Substr("slug", len(base) + 2), models.IntegerField())
    highest = numbered.aggregate(highest=Max(suffix))["highest"] or 1
    return f"{base}-{highest + 1}"


def unique_slugs(names: list[tuple[str, str]]) -> list[str]:
    """Slugs for many new clinicians at once, numbered as `unique_slug` would number them one
    after another: one query for the slugs already taken with the same bases."""
    bases = [
        slug_base(first, last)[:SLUG_BASE_MAX_LENGTH].strip("-") or "clinician"
        for first, last in names
    ]
    wanted = set(bases)
    stem = Func(F("slug"), Value(r"-[0-9]{1,6}$"), Value(""), function="regexp_replace")
    taken = set(
        Clinician.objects.annotate(stem=stem)
        .filter(models.Q(slug__in=wanted) | models.Q(stem__in=wanted))
        .values_list("slug", flat=True)
    )
    highest: dict[str, int] = {}
    for slug in taken:
        base, _dash, number = slug.rpartition("-")
        if base in wanted and number.isdigit() and len(number) <= 6:
            highest[base] = max(highest.get(base, 1), int(number))
    slugs = []
    for base in bases:
        slug = base
        if slug in taken:
            number = highest.get(base, 1) + 1
            while f"{base}-{number}" in taken:
                number += 1
            highest[base] = number
            slug = f"{base}-{number}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


class License(models.Model):
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="licenses")
    state = models.CharField(_("state"), max_length=2, choices=US_STATES)
    number = models.CharField(_("licence number"), max_length=40)
    expires_on = models.DateField(_("expires on"))

    class Meta:
        ordering = ("state", "expires_on")
        verbose_name = _("licence")
        constraints = [
            models.UniqueConstraint(
                fields=("clinician", "state", "number"), name="license_unique_per_clinician"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.number}"


class ConsultationHours(models.Model):
    """A weekly window, in the clinician's own time zone, when they offer free consultations."""

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="consultation_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ("weekday", "start")
        verbose_name = _("consultation hours")
        verbose_name_plural = _("consultation hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="hours_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_weekday_0_to_6"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})


class AvailabilityException(models.Model):
    """A date when a clinician's weekly hours don't apply: time off, or extra hours."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", _("time off")
        EXTRA = "extra", _("extra hours")

    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start = models.TimeField(
        _("from"), null=True, blank=True, help_text=_("Leave both times empty for the whole day.")
    )
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ("date", "start")
        verbose_name = _("availability exception")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(start__isnull=True) & models.Q(end__isnull=True))
                | (
                    models.Q(start__isnull=False)
                    & models.Q(end__isnull=False)
                    & models.Q(end__gt=models.F("start"))
                ),
                name="exception_times_both_or_none",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="extra") | models.Q(start__isnull=False),
                name="exception_extra_needs_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self):
        if (self.start is None) != (self.end is None):
            raise ValidationError(_("Give both a start and an end time, or neither."))
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if self.kind == self.Kind.EXTRA and self.start is None:
            raise ValidationError({"start": _("Extra hours need a start and an end time.")})


def proposal_photo_path(instance, filename: str) -> str:
    """A random name (the upload's own name may say more than it should), where the app serves
    clinicians' photos from. The file is always a JPEG the app made (services.py)."""
    return f"clinicians/proposals/{uuid.uuid4().hex}.jpg"


class ProfileProposal(models.Model):
    """Changes a clinician proposed to their own profile, waiting for staff (or decided).

    The profile clients see, and matching scores, is the clinician's own row until staff
    approve; approving writes these values there. The rows, decided or not, are the history of
    every change a clinician made to their profile, with who made and who decided it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")
        WITHDRAWN = "withdrawn", _("withdrawn")

    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.CASCADE,
        related_name="profile_proposals",
        verbose_name=_("clinician"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Only the fields that differ from the approved profile, by field name, as plain values
    # (term ids for lists); "photo" is "new" (the file below) or "remove".
    changes = models.JSONField(_("proposed values"), default=dict)
    # What approving replaced, for the same fields: the "before" of the history.
    previous = models.JSONField(_("values replaced"), default=dict, blank=True)
    photo = models.ImageField(_("proposed photo"), upload_to=proposal_photo_path, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    # Names as they were, so the history still says who if a login is deleted.
    author_name = models.CharField(_("proposed by"), max_length=150, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reviewer_name = models.CharField(_("decided by"), max_length=150, blank=True)
    comment = models.TextField(_("comment to the clinician"), blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        constraints = [
            # Editing again updates the waiting proposal rather than adding another.
            models.UniqueConstraint(
                fields=("clinician",),
                condition=models.Q(status="pending"),
                name="profile_proposal_one_pending_per_clinician",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="profile_proposal_decided_when_not_pending",
            ),
        ]
        indexes = [models.Index(fields=("status", "created_at"))]

    def __str__(self) -> str:
        return _("%(name)s, %(when)s") % {
            "name": self.clinician.full_name,
            "when": self.created_at.date().isoformat() if self.created_at else "",
        }

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


def validate_hex_colour(value: str) -> None:
    from .branding import HEX_COLOUR

    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("%(value)s is not a colour; write it as # and six hex digits, e.g. #2f6550."),
            params={"value": value},
        )


class PracticeBrand(models.Model):
    """The practice's name, logo and accent colour on every page and email; one row, edited by
    staff in the admin. Read through `practice_brand()` in clinicians/branding.py (cached)."""

    name = models.CharField(
        _("practice name"),
        max_length=120,
        blank=True,
        help_text=_("Shown in every page's header and footer and in every email."),
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="brand/",
        blank=True,
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    accent = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#2f6550",
        validators=[validate_hex_colour],
        help_text=_(
            "Buttons, links and the focus ring, as # and six hex digits. It must have a "
            "contrast of at least 4.5:1 against white and the page, so everyone can read it."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("practice brand")
        verbose_name_plural = _("practice brand")

    def __str__(self) -> str:
        return str(_("Practice brand"))

    def clean(self):
        from .branding import HEX_COLOUR, accent_problems

        if self.accent and HEX_COLOUR.match(self.accent):
            self.accent = self.accent.lower()
            problems = accent_problems(self.accent)
            if problems:
                raise ValidationError({"accent": problems})
