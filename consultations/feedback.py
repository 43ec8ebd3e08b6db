"""What clients said in their fit checks, aggregated for ranking. Read-only."""

from collections.abc import Iterable

from django.db.models import Count, Q

from config.sql import among

from .models import Consultation, Engagement, FitCheck

# With no answers yet, assume most clients feel heard: the prior the shrinkage pulls toward.
DEFAULT_FELT_HEARD_RATE = 0.75

_YES = Q(felt_heard__gte=FitCheck.FELT_HEARD_YES)
# Mirrors FitCheck.not_a_fit, in SQL.
_NOT_A_FIT = (
    Q(wants_to_continue__lt=FitCheck.LOW)
    | Q(felt_heard__lt=FitCheck.LOW)
    | Q(agreed_goals__lt=FitCheck.LOW)
    | Q(approach_makes_sense__lt=FitCheck.LOW)
)


def clinician_felt_heard_counts(*, clinician_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(felt heard "yes", answers) per clinician, from every fit check.

    A fit check exists only for a consultation that took place (the form opens once a confirmed
    consultation's time is past, or it is completed), so every one counts, whatever the status
    says now. Clinicians without answers are left out."""
    rows = (
        # The ids as one array parameter: an IN list of a thousand is slow to build and plan.
        FitCheck.objects.filter(among(Consultation, "clinician_id", clinician_ids))
        .values("consultation__clinician_id")
        .annotate(yes=Count("pk", filter=_YES), n=Count("pk"))
        .order_by()
    )
    return {row["consultation__clinician_id"]: (row["yes"], row["n"]) for row in rows}


def practice_felt_heard_rate() -> float:
    """Share of fit checks where the client felt heard; the default with no data."""
    totals = FitCheck.objects.aggregate(yes=Count("pk", filter=_YES), n=Count("pk"))
    if not totals["n"]:
        return DEFAULT_FELT_HEARD_RATE
    return totals["yes"] / totals["n"]


def clinicians_not_a_fit(*, client_reference) -> set[int]:
    """Clinicians this client told us, in a fit check, weren't the right fit, and those they
    chose after a check-in to switch from (no blame: either way they are not shown again)."""
    if client_reference is None:
        return set()
    fit_checks = (
        FitCheck.objects.filter(_NOT_A_FIT, consultation__client_reference=client_reference)
        .values_list("consultation__clinician_id", flat=True)
        .order_by()
    )
    switched = (
        Engagement.objects.filter(
            consultation__client_reference=client_reference, switched_at__isnull=False
        )
        .values_list("consultation__clinician_id", flat=True)
        .order_by()
    )
    return set(fit_checks.union(switched))
