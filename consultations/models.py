import datetime as dt
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils.translation import gettext_lazy as _

from clinicians.models import Clinician
from config.encryption import EncryptedJSONField, EncryptedTextField


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class BookingSettings(models.Model):
    """Practice-wide rules for free consultations; one row, edited by staff in admin."""

    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=15)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer between consultations (minutes)"), default=5
    )
    minimum_notice_hours = models.PositiveSmallIntegerField(_("minimum notice (hours)"), default=12)
    horizon_days = models.PositiveSmallIntegerField(_("booking horizon (days)"), default=21)
    daily_cap = models.PositiveSmallIntegerField(
        _("consultations per clinician per day"), default=4
    )
    requires_confirmation = models.BooleanField(
        _("requests need the clinician's confirmation"), default=True
    )
    request_expiry_hours = models.PositiveSmallIntegerField(
        _("unconfirmed requests expire after (hours)"), default=24
    )
    waitlist_hold_minutes = models.PositiveSmallIntegerField(
        _("a time offered from the waiting list is held for (minutes)"),
        default=30,
        help_text=_(
            "Nobody else can book it meanwhile; not taken in time, it is offered to the next "
            "person on the list."
        ),
    )

    class Meta:
        verbose_name = _("booking settings")
        verbose_name_plural = _("booking settings")
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="booking_slot_min_5"),
            models.CheckConstraint(condition=Q(horizon_days__gte=1), name="booking_horizon_min_1"),
            models.CheckConstraint(
                condition=Q(waitlist_hold_minutes__gte=5), name="booking_waitlist_hold_min_5"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Booking settings"))

    @classmethod
    def load(cls) -> "BookingSettings":
        # Read-only: the defaults apply until staff save the row in admin.
        return cls.objects.order_by("pk").first() or cls()


# What stays of a client's name once they have deleted their data.
ERASED_NAME = "—"


class Consultation(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")
        COMPLETED = "completed", _("completed")
        NO_SHOW = "no_show", _("no-show")

    ACTIVE_STATUSES = (Status.REQUESTED, Status.CONFIRMED)

    class Format(models.TextChoices):
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="consultations")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)

    client_first_name = models.CharField(_("client's first name"), max_length=80)
    client_email = models.EmailField(_("client's email"))
    # The client's phone, summary and any free text about them are stored encrypted.
    client_phone = EncryptedTextField(_("client's phone"), max_length=40, blank=True)
    client_timezone = models.CharField(_("client's time zone"), max_length=64)
    # The language of the client's intake: their emails and invites are written in it.
    client_language = models.CharField(
        _("client's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # The intake this booking came from, opaque to this app (matching owns intakes).
    client_reference = models.UUIDField(null=True, blank=True, db_index=True)
    # What the clinician may see of the client's intake once booked; removed with the client's data.
    client_summary = EncryptedJSONField(default=list, blank=True)
    # The client's one place: their `client_reference` while this is a request or an upcoming
    # consultation (unique, so a client holds one at a time). Cleared when it leaves those
    # statuses; a hold whose time has come is released when the client books again.
    client_hold = models.UUIDField(null=True, blank=True, editable=False)

    decline_message = EncryptedTextField(_("message to the client"), blank=True)
    # Calendar invite revision, raised on every reschedule or cancellation.
    sequence = models.PositiveIntegerField(default=0)
    # Raising it invalidates every manage link sent before.
    token_version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("starts_at",)
        verbose_name = _("consultation")
        indexes = [models.Index(fields=("clinician", "starts_at"))]
        permissions = [("view_client_summary", _("Can see clients' intake summaries"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="consultation_ends_after_start"
            ),
            ExclusionConstraint(
                name="consultation_no_double_booking",
                expressions=[
                    (
                        TsTzRange("starts_at", "ends_at", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("clinician", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=["requested", "confirmed"]),
                violation_error_message=_("That time was just taken."),
            ),
            models.UniqueConstraint(
                fields=("client_hold",), name="consultation_one_hold_per_client"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.clinician} · {self.starts_at:%Y-%m-%d %H:%M} UTC · {self.get_status_display()}"
        )

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def request_expires_at(self, expiry_hours: int) -> dt.datetime:
        """When this request expires unanswered: `expiry_hours` after it was made, or at its
        start if that comes first (the rule `consultations_expire_stale` applies)."""
        return min(self.created_at + dt.timedelta(hours=expiry_hours), self.starts_at)

    def fit_check_open(self, now: dt.datetime) -> bool:
        """The client may answer the fit check once the consultation has taken place: completed,
        or confirmed and over (before the clinician marks it completed)."""
        if self.status == self.Status.COMPLETED:
            return True
        return self.status == self.Status.CONFIRMED and self.ends_at <= now


class ConsultationEvent(models.Model):
    """Every change of a consultation's status: who did it and when."""

    class Actor(models.TextChoices):
        CLIENT = "client", _("client")
        CLINICIAN = "clinician", _("clinician")
        STAFF = "staff", _("staff")
        SYSTEM = "system", _("system")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.CharField(max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status} by {self.actor}"


class FitCheck(models.Model):
    """The client's answers after a consultation: four items, 1 (not at all) to 5 (completely)."""

    SCALE = [
        (1, _("1 · Not at all")),
        (2, "2"),
        (3, "3"),
        (4, "4"),
        (5, _("5 · Completely")),
    ]

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="fit_check"
    )
    felt_heard = models.PositiveSmallIntegerField(choices=SCALE)
    agreed_goals = models.PositiveSmallIntegerField(choices=SCALE)
    approach_makes_sense = models.PositiveSmallIntegerField(choices=SCALE)
    wants_to_continue = models.PositiveSmallIntegerField(choices=SCALE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fit check")
        constraints = [
            models.CheckConstraint(
                condition=Q(felt_heard__range=(1, 5))
                & Q(agreed_goals__range=(1, 5))
                & Q(approach_makes_sense__range=(1, 5))
                & Q(wants_to_continue__range=(1, 5)),
                name="fitcheck_answers_1_to_5",
            )
        ]

    # A 4 or 5 counts as "yes" for the clinician's felt-heard rate (consultations.feedback).
    FELT_HEARD_YES = 4
    # Below 3 on any item, or not wanting to continue, offers the next match.
    LOW = 3

    def __str__(self) -> str:
        return f"Fit check for consultation {self.consultation_id}"

    @property
    def not_a_fit(self) -> bool:
        return (
            self.wants_to_continue < self.LOW
            or min(self.felt_heard, self.agreed_goals, self.approach_makes_sense) < self.LOW
        )


class Notification(models.Model):
    """One message to send, as state in the database: due, claimed, sent exactly once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")
        SKIPPED = "skipped", _("skipped (too late)")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # For messages about an intake rather than a booking (the safety flag); opaque here.
    intake_reference = models.UUIDField(null=True, blank=True)
    # For messages to a clinician about themselves rather than a booking (their daily summary,
    # staff's decision on the profile changes they proposed).
    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    # e.g. "client_confirmed", "clinician_new_request", "reminder_1440", "fit_check".
    kind = models.CharField(max_length=40)
    # What a message about an intake needs and no other row holds (the address, the results
    # link): kept only until the message has gone out, or failed for staff to retry.
    # Encrypted: the results link opens the client's answers.
    payload = EncryptedJSONField(default=dict, blank=True)
    # The consultation's sequence when the row was made: a reschedule makes new rows.
    revision = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    due_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the first of the current run of failed attempts happened; retries stop a set time
    # after it. Cleared when staff retry.
    failing_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("due_at", "pk")
        verbose_name = _("notification")
        indexes = [models.Index(fields=("status", "due_at"))]
        constraints = [
            models.UniqueConstraint(
                fields=("consultation", "kind", "revision"),
                condition=Q(consultation__isnull=False),
                name="notification_once_per_consultation_kind",
            ),
            # At most one unsent message per intake and kind: a flag raised again after the
            # first email went out gets an email of its own.
            models.UniqueConstraint(
                fields=("intake_reference", "kind"),
                condition=Q(intake_reference__isnull=False, status__in=("pending", "sending")),
                name="notification_unsent_once_per_intake_kind",
            ),
            # The results link is emailed once per intake, ever.
            models.UniqueConstraint(
                fields=("intake_reference",),
                condition=Q(kind="intake_results"),
                name="notification_intake_results_once",
            ),
            models.CheckConstraint(
                condition=Q(consultation__isnull=False)
                | Q(intake_reference__isnull=False)
                | Q(clinician__isnull=False),
                name="notification_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.get_status_display()}"


class Heartbeat(models.Model):
    """When a periodic job last finished, so health checks can tell the beat is alive."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class AnswerAccess(models.Model):
    """One look at a client's answers: who, when, which intake, where in the app and from which
    address. Written by the app only; nobody edits or deletes a row from the admin. Rows are
    purged with their intake once the retention period has passed."""

    class Where(models.TextChoices):
        ADMIN_INTAKE = "admin_intake", _("the intake in the admin")
        ADMIN_SUMMARY = "admin_summary", _("a consultation's intake summary in the admin")
        PORTAL_SUMMARY = "portal_summary", _("the intake summary in the clinician portal")
        PORTAL_CHECKINS = "portal_checkins", _("check-ins in the clinician portal")
        EXPORT = "export", _("an export")

    # The intake whose answers were seen, opaque to this app (matching owns intakes).
    intake_reference = models.UUIDField(_("intake"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept when the login itself is deleted later.
    username = models.CharField(_("who"), max_length=150)
    where = models.CharField(_("where"), max_length=20, choices=Where.choices)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        ordering = ("-at", "-pk")
        verbose_name = _("view of a client's answers")
        verbose_name_plural = _("access log of clients' answers")

    def __str__(self) -> str:
        return f"{self.username} · {self.get_where_display()} · {self.at:%Y-%m-%d %H:%M}"


class Engagement(models.Model):
    """What the clinician said after a completed consultation: whether the client is starting
    therapy with them, and from when. Starting schedules the client's check-ins (checkins.py)."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="engagement"
    )
    started = models.BooleanField(_("starting to work together"))
    first_session_on = models.DateField(_("first session"), null=True, blank=True)
    decided_at = models.DateTimeField(_("recorded"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The client's answers before therapy, copied from their intake when therapy starts
    # (matching fills it): the PHQ-2 and GAD-2 items and their first concern. Encrypted.
    baseline = EncryptedJSONField(default=dict, blank=True)
    # The client stopped the check-in emails (one click, from any of them).
    checkins_stopped_at = models.DateTimeField(_("check-ins stopped"), null=True, blank=True)
    # The client chose, after a check-in, to try their next match instead (no blame).
    switched_at = models.DateTimeField(_("client chose to switch"), null=True, blank=True)

    class Meta:
        verbose_name = _("start of therapy")
        verbose_name_plural = _("starts of therapy")
        constraints = [
            models.CheckConstraint(
                condition=Q(started=False) | Q(first_session_on__isnull=False),
                name="engagement_started_has_first_session",
            )
        ]

    def __str__(self) -> str:
        return f"Engagement {self.consultation_id} · {'started' if self.started else 'not'}"

    @property
    def checkins_wanted(self) -> bool:
        return self.started and self.checkins_stopped_at is None and self.switched_at is None


class CheckIn(models.Model):
    """A client's answers to one check-in: the PHQ-2 and GAD-2 items (0–3 each), four alliance
    items (0–4) and, if they wrote one, a note (docs/domain.md, "Check-ins"). Every answer is
    stored encrypted; what the portal must list by (low alliance, seen) is in the clear and
    says nothing of the answers themselves."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="checkins")
    week = models.PositiveSmallIntegerField(_("week"))
    # {"symptoms": [PHQ-2, then GAD-2: 0–3 or None], "alliance": [goals, tasks, bond, bond]}
    answers = EncryptedJSONField(default=dict)
    note = EncryptedTextField(_("note to the therapist"), blank=True)
    # The client ticked that their therapist may read the note.
    note_shared = models.BooleanField(_("the therapist may read the note"), default=False)
    low_alliance = models.BooleanField(_("low alliance"), default=False)
    # Symptoms were worse than before: the safety question was asked again.
    symptoms_worse = models.BooleanField(_("symptoms worse"), default=False)
    safety_answer = EncryptedTextField(_("safety answer"), max_length=24, blank=True)
    submitted_at = models.DateTimeField(_("answered"))
    clinician_seen_at = models.DateTimeField(_("seen by the therapist"), null=True, blank=True)

    class Meta:
        ordering = ("engagement", "week")
        verbose_name = _("check-in")
        constraints = [
            models.UniqueConstraint(fields=("engagement", "week"), name="checkin_once_per_week")
        ]

    def __str__(self) -> str:
        return f"Check-in week {self.week} · engagement {self.engagement_id}"


class CalendarFeed(models.Model):
    """A clinician's private calendar subscription: the link's secret is stored only as its
    SHA-256, so nobody (staff included) can read the link back; making a new one replaces it,
    and the old link stops working at once."""

    clinician = models.OneToOneField(
        Clinician,
        verbose_name=_("clinician"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("link made"))
    # Written at most once a minute, so the clinician can tell that their calendar reads it.
    last_read_at = models.DateTimeField(_("last read by a calendar"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return str(_("Calendar feed of %(clinician)s") % {"clinician": self.clinician})


class NotificationPreferences(models.Model):
    """Which emails a clinician gets. Without a row, the defaults hold: every email about a
    consultation, no daily digest. The reminder about a request still waiting for them can't be
    turned off: a new request is never silenced."""

    clinician = models.OneToOneField(
        Clinician,
        verbose_name=_("clinician"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    new_requests = models.BooleanField(_("new requests and bookings"), default=True)
    changes = models.BooleanField(_("a client moves a consultation"), default=True)
    cancellations = models.BooleanField(_("cancellations"), default=True)
    digest = models.BooleanField(_("a daily summary of tomorrow's consultations"), default=False)
    digest_time = models.TimeField(_("send the summary at"), default=dt.time(18, 0))
    # The clinician's local date whose digest has been recorded: the claim that makes it once a
    # day (a conditional update moves it forward before the row is written).
    digest_claimed_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("email preferences")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return str(_("Email preferences of %(clinician)s") % {"clinician": self.clinician})

    @classmethod
    def of(cls, clinician: Clinician) -> "NotificationPreferences":
        """The clinician's preferences, or the defaults (unsaved) when they never chose."""
        try:
            return clinician.notification_preferences
        except cls.DoesNotExist:
            return cls(clinician=clinician)


# The waiting list (consultations/waitlist.py holds its rules; docs/architecture.md, "The
# waiting list", the argument why no time is booked or offered twice).

# The intake's time choices, as the waiting list compares a time with them (matching.vocab.TIMES
# holds the same codes with their words).
TIME_CHOICES = ("weekday mornings", "weekday daytime", "weekday evenings", "weekends")


class WaitlistEntry(models.Model):
    """A client's one place on the waiting list: for one clinician who fits but has no open
    time, or for any of their top matches (a `WaitlistChoice` row for each, with its fit)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        BOOKED = "booked", _("booked")
        LEFT = "left", _("left the list")
        ENDED = "ended", _("time up")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The intake this place came from, opaque to this app (matching owns intakes).
    client_reference = models.UUIDField(db_index=True)
    any_top_match = models.BooleanField(_("any of their top matches"), default=False)
    first_name = models.CharField(_("first name"), max_length=80)
    email = models.EmailField(_("email"))
    phone = EncryptedTextField(_("phone"), max_length=40, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64)
    # How they'd like the consultation (phone or video), when the clinician offers it.
    # The language the client joined in (the results page's): their emails are written in it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    format = models.CharField(_("format"), max_length=8, choices=Consultation.Format.choices)
    # The intake's time choices (TIME_CHOICES) an offered time must touch.
    times = ArrayField(models.CharField(max_length=20), verbose_name=_("times that suit"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("joined"))
    ends_at = models.DateTimeField(_("waits until"))
    ended_at = models.DateTimeField(null=True, blank=True)
    # Raising it invalidates every "leave the list" link sent before.
    token_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("place on the waiting list")
        verbose_name_plural = _("waiting list")
        constraints = [
            models.UniqueConstraint(
                fields=("client_reference",),
                condition=Q(status="waiting"),
                name="waitlist_one_place_per_client",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("created_at")), name="waitlist_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} · {self.get_status_display()} · until {self.ends_at:%Y-%m-%d}"


class WaitlistChoice(models.Model):
    """A clinician a waiting client would see, and how well they fit (the score the client was
    shown, 0–100, when they joined): offers go to the best fit first."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="choices")
    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="waitlist_choices"
    )
    fit = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("entry", "clinician"), name="waitlist_choice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} · fit {self.fit}"


class WaitlistOffer(models.Model):
    """A time offered to a waiting client, held for them until `expires_at` while `held`.

    The exclusion constraint lets one time of a clinician be held by at most one client; a
    hold and a booking never overlap because both are made under the clinician's row lock,
    each after checking the other (docs/architecture.md, "The waiting list")."""

    class Status(models.TextChoices):
        HELD = "held", _("held")
        TAKEN = "taken", _("taken")
        EXPIRED = "expired", _("not taken in time")
        RELEASED = "released", _("turned down or released")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    clinician = models.ForeignKey(
        Clinician, on_delete=models.CASCADE, related_name="waitlist_offers"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.HELD
    )
    expires_at = models.DateTimeField(_("held until"))
    created_at = models.DateTimeField(_("offered at"))
    ended_at = models.DateTimeField(null=True, blank=True)
    consultation = models.OneToOneField(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_offer",
    )

    class Meta:
        ordering = ("-created_at", "pk")
        verbose_name = _("waiting-list offer")
        indexes = [models.Index(fields=("status", "expires_at"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="waitlist_offer_ends_after"
            ),
            ExclusionConstraint(
                name="waitlist_offer_one_hold_per_time",
                expressions=[
                    (
                        TsTzRange("starts_at", "ends_at", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("clinician", RangeOperators.EQUAL),
                ],
                condition=Q(status="held"),
                violation_error_message=_("That time is already held."),
            ),
            # One live offer per client at a time.
            models.UniqueConstraint(
                fields=("entry",), condition=Q(status="held"), name="waitlist_one_live_offer"
            ),
            # A time a client let pass (or turned down) is never offered to them again.
            models.UniqueConstraint(
                fields=("entry", "clinician", "starts_at"), name="waitlist_offer_time_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} · {self.starts_at:%Y-%m-%d %H:%M} UTC · {self.status}"
