"""What each staff group may do with consultations (see clinicians.staff_groups)."""

from clinicians.staff_groups import INTAKE_REVIEWERS, PRACTICE_STAFF

GRANTS = {
    PRACTICE_STAFF: {
        "consultation": ("change", "view"),
        "consultationevent": ("view",),
        "bookingsettings": ("add", "change", "view"),
        "notification": ("change", "view"),
        "fitcheck": ("view",),
        # Whether a consultation became therapy, and the client's choices since; no answers.
        "engagement": ("view",),
        # A feed's link is never shown (only its hash is kept); staff may turn a feed off.
        "calendarfeed": ("view", "delete"),
        "notificationpreferences": ("view",),
    },
    INTAKE_REVIEWERS: {"consultation": ("view_client_summary",)},
}
