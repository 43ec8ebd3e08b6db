import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.encryption import EncryptedJSONField, EncryptedTextField

from .vocab import SAFETY, SAFETY_NOT_AT_ALL


class Intake(models.Model):
    """A client's submitted answers (the intake of docs/interchange.md), opened by a token."""

    class FollowUp(models.TextChoices):
        NONE = "", _("not needed")
        PENDING = "pending", _("to call")
        CALLED = "called", _("reached")
        NOT_REACHED = "not_reached", _("couldn't reach")
        RESOLVED = "resolved", _("closed")

    # Still waiting for someone to reach the person.
    FOLLOW_UP_OPEN = (FollowUp.PENDING, FollowUp.NOT_REACHED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SHA-256 of the secret in the client's results link; the secret itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # What the client told us is stored encrypted (config/encryption.py).
    answers = EncryptedJSONField(default=dict)
    safety_answer = EncryptedTextField(
        _("safety answer"), max_length=24, choices=SAFETY, default=SAFETY_NOT_AT_ALL
    )
    follow_up = models.CharField(
        _("safety follow-up"), max_length=12, choices=FollowUp.choices, blank=True, default=""
    )
    follow_up_note = EncryptedTextField(
        _("note"), blank=True, help_text=_("What was done: who called, what was agreed.")
    )
    follow_up_flagged_at = models.DateTimeField(_("flagged"), null=True, blank=True)
    # When the reminder goes if nobody has marked the person reached (working hours later).
    follow_up_due_at = models.DateTimeField(_("reach by"), null=True, blank=True)
    # Set in the same statement that claims the reminder, so it goes once per flag.
    follow_up_reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    follow_up_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    follow_up_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The language the client used (the site's address: /es/ is Spanish); every email and
    # invite they receive is in it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(_("link expires"))

    class Meta:
        ordering = ("-submitted_at",)
        verbose_name = _("intake")
        permissions = [("view_intake_answers", _("Can see clients' intake answers"))]
        indexes = [models.Index(fields=("follow_up", "submitted_at"))]

    def __str__(self) -> str:
        return f"Intake {str(self.id)[:8]} · {self.submitted_at:%Y-%m-%d}"

    @property
    def safety_flagged(self) -> bool:
        return self.safety_answer != SAFETY_NOT_AT_ALL


class SameDayCallManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().exclude(follow_up=Intake.FollowUp.NONE)


class SameDayCall(Intake):
    """A flagged intake as practice staff see it in the call queue: who to call and what was
    done, never the answers (those stay behind matching.view_intake_answers)."""

    objects = SameDayCallManager()

    class Meta:
        proxy = True
        ordering = ("follow_up_flagged_at",)
        verbose_name = _("same-day call")
        verbose_name_plural = _("same-day calls")

    def __str__(self) -> str:
        return self.first_name or str(_("(no name given)"))

    @property
    def first_name(self) -> str:
        return (self.answers or {}).get("first_name", "")

    @property
    def email(self) -> str:
        return (self.answers or {}).get("email", "")

    @property
    def phone(self) -> str:
        return (self.answers or {}).get("phone", "")

    def overdue(self, now) -> bool:
        return (
            self.follow_up in Intake.FOLLOW_UP_OPEN
            and self.follow_up_due_at is not None
            and self.follow_up_due_at <= now
        )


def _weight(verbose: str, default: float, help_text: str):
    return models.FloatField(
        verbose,
        default=default,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=help_text,
    )


class MatchingSettings(models.Model):
    """The weights and thresholds of the ranking, in one place staff can see and change.

    One row; until staff save it, the defaults below apply (see each field's help text)."""

    weight_goals = _weight(
        _("weight: goals"),
        0.40,
        _("Default 0.40. Agreement on goals (goal consensus, r ≈ .24) leads the alliance."),
    )
    weight_tasks = _weight(
        _("weight: how to work"),
        0.30,
        _("Default 0.30. Agreement on tasks and honouring preferred ways of working (d ≈ .28)."),
    )
    weight_bond = _weight(
        _("weight: bond"),
        0.30,
        _("Default 0.30. Identity preferences and feeling heard (empathy, r ≈ .28)."),
    )
    practical_points = models.FloatField(
        _("practical fit: points at most"),
        default=5.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(20.0)],
        help_text=_(
            "Default 5. Times that suit and a soon first slot break ties; they should not "
            "outweigh the alliance."
        ),
    )
    feedback_prior_strength = models.FloatField(
        _("feedback: prior strength"),
        default=10.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(100.0)],
        help_text=_(
            "Default 10. Feedback is noisy (therapists explain about 5% of outcome), so each "
            "clinician's felt-heard rate is shrunk toward the practice average as if they had "
            "this many average answers already."
        ),
    )
    feedback_cap_points = models.FloatField(
        _("feedback: effect cap (points)"),
        default=15.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(30.0)],
        help_text=_("Default 15. The most the felt-heard rate may move a bond score, up or down."),
    )
    tie_band_points = models.FloatField(
        _("fair exposure: tie band (points)"),
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(5.0)],
        help_text=_(
            "Default 1. Clinicians within this many points count as equal fits and are "
            "ordered by a stable hash of the intake, so equal fits share the top place."
        ),
    )
    results_shown = models.PositiveSmallIntegerField(
        _("matches shown first"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Default 5; the client can show more."),
    )
    strengths_enabled = models.BooleanField(
        _("strengths per concern: use in the ranking"),
        default=False,
        help_text=_(
            "Off by default. When on, a clinician whose clients with the same first concern "
            "improved more than the practice's (PHQ-2 + GAD-2, intake to check-in) gains goals "
            "points, and one whose clients improved less loses some, within the cap below. "
            "Turn it on once check-ins have been coming in for a few months."
        ),
    )
    strength_prior_clients = models.FloatField(
        _("strengths: prior strength (clients)"),
        default=10.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(100.0)],
        help_text=_(
            "Default 10. Outcomes are noisy and therapists explain only about 5% of them, so "
            "each estimate is shrunk toward the practice's mean for the concern as if the "
            "clinician already had this many average clients: estimate = (n·their mean + "
            "k·practice mean) / (n + k). With no clients a clinician sits at the mean."
        ),
    )
    strength_points_per_point = models.FloatField(
        _("strengths: goals points per point of improvement"),
        default=4.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(20.0)],
        help_text=_(
            "Default 4. Goals points for each point (on the 0–12 PHQ-2 + GAD-2 scale) that a "
            "clinician's estimate lies above the practice's mean, or below it."
        ),
    )
    strength_cap_points = models.FloatField(
        _("strengths: effect cap (points)"),
        default=10.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(30.0)],
        help_text=_(
            "Default 10. The most a strength may move a goals score, up or down: like the "
            "felt-heard rate, it can reorder close matches but never exclude anyone."
        ),
    )
    relaxation_threshold = models.PositiveSmallIntegerField(
        _("suggest relaxing when fewer matches than"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Default 3. Below this, say which single preference would add matches."),
    )

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_goals__gte=0) & Q(weight_tasks__gte=0) & Q(weight_bond__gte=0),
                name="matching_weights_non_negative",
            )
        ]

    def __str__(self) -> str:
        return str(_("Matching settings"))

    @classmethod
    def load(cls) -> "MatchingSettings":
        # Read-only: the defaults apply until staff save the row in admin.
        return cls.objects.order_by("pk").first() or cls()


class ClinicianStrength(models.Model):
    """A clinician's estimated effectiveness with clients whose first concern is `concern`:
    the mean improvement (PHQ-2 + GAD-2 at intake minus at the latest check-in, 0–12 scale)
    of those clients, shrunk toward the practice's mean for the concern (matching/strengths.py,
    docs/domain.md "Strengths per concern"). Recomputed as a whole; staff see it, clients never.
    """

    clinician = models.ForeignKey(
        "clinicians.Clinician", on_delete=models.CASCADE, related_name="strengths"
    )
    concern = models.ForeignKey("clinicians.Concern", on_delete=models.CASCADE, related_name="+")
    clients = models.PositiveIntegerField(_("clients behind it"))
    raw_mean = models.FloatField(_("their clients' mean improvement"))
    practice_mean = models.FloatField(_("practice's mean improvement"))
    prior_clients = models.FloatField(_("prior strength (k)"))
    estimate = models.FloatField(_("estimate (shrunk)"))
    uncertainty = models.FloatField(_("uncertainty (standard deviation)"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ("concern", "-estimate")
        verbose_name = _("strength per concern")
        verbose_name_plural = _("strengths per concern")
        constraints = [
            models.UniqueConstraint(
                fields=("clinician", "concern"), name="strength_once_per_clinician_concern"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician} · {self.concern}"

    @property
    def advantage(self) -> float:
        return self.estimate - self.practice_mean
