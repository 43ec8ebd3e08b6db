"""The hard filters: a clinician who fails one is not a match, whatever they score.

Each filter is one function of (client, clinician) that returns None when the clinician
passes, or the `Failure` it found: a key (what relaxations and the `match` command name) and
the words that explain it to this client, put together only when read. Everything else (the
quick check run for every candidate, the list of failures, exclusions, near misses) is made
of these functions. See docs/domain.md, "Hard filters"."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext as _

from .preferences import UNMET, meets
from .profile import ClinicianProfile
from .words import Note, Wording

if TYPE_CHECKING:
    from .context import ClientContext


class Failure(NamedTuple):
    key: str
    words: "Callable[[ClientContext], str]"

    def reason(self, c: "ClientContext") -> str:
        return str(self.words(c))


Filter = Callable[["ClientContext", ClinicianProfile], Failure | None]

INACTIVE = Failure("inactive", lambda c: _("Not currently seeing clients"))


def active(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    return None if p.is_active else INACTIVE


NOT_ACCEPTING = Failure("accepting", lambda c: _("Not accepting new clients"))


def accepting(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    return None if p.accepting else NOT_ACCEPTING


NOT_A_FIT = Failure("not_a_fit", lambda c: _("You told us this wasn't the right fit"))


def not_a_fit(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """A fit check's "not a fit" is about this pair only: the clinician is left out for this
    client and nothing else."""
    return NOT_A_FIT if p.id in c.excluded_ids else None


def _band_words(c: "ClientContext") -> str:
    return {
        "children": _("Does not work with children"),
        "teens": _("Does not work with teens"),
        "adults": _("Does not work with adults"),
        "older adults": _("Does not work with older adults"),
        "couples": _("Does not work with couples"),
        "families": _("Does not work with families"),
    }.get(c.band, "")


BAND = Failure("band", _band_words)


def age_band(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """Serves the client's age band, or couples or families."""
    return None if c.band in p.ages else BAND


def _format_words(c: "ClientContext") -> str:
    return {
        "video": _("Does not offer video sessions"),
        "phone": _("Does not offer phone sessions"),
        "either": _("Does not offer video or phone sessions"),
        "in person": _("Does not offer in-person sessions"),
    }.get(c.answers.format, "")


FORMAT = Failure("format", _format_words)


def session_format(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """Offers one of the formats the client chose ("either" is video or phone)."""
    return FORMAT if c.formats.isdisjoint(p.formats) else None


LICENCE = Failure("licence", lambda c: _("Not licensed in %(state)s") % {"state": c.state})


def licence(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """Video and phone sessions need a licence in the client's state; in person, the office
    is in the practice's own state."""
    if c.remote_set is not None and c.state not in p.licensed_states:
        return LICENCE
    return None


OFFICE = Failure(
    "office",
    lambda c: (
        _("Not at %(offices)s")
        % {"offices": _(" or ").join(c.labels.get(o, o) for o in c.answers.offices)}
    ),
)


def office(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """In person, at one of the offices the client can reach."""
    if c.remote_set is None and c.offices.isdisjoint(p.offices):
        return OFFICE
    return None


def _unmet_words(key: str) -> "Callable[[ClientContext], str]":
    def words(c: "ClientContext") -> str:
        value = c.answers.preference(key).value
        return UNMET[key].words(c.labels.get(value, value))

    return words


MUST_FAILURES = {key: Failure(key, _unmet_words(key)) for key in UNMET}


def must_have(key: str, value: str) -> Filter:
    """The hard filter of one must-have preference (see preferences.meets)."""
    failure = MUST_FAILURES[key]

    def unmet(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
        return None if meets(key, value, p) else failure

    return unmet


def _payment_words(c: "ClientContext") -> str:
    plan, budget = c.plan, c.budget
    if plan and budget is not None:
        return _("Does not take %(plan)s, and the fee is above $%(budget)s") % {
            "plan": plan,
            "budget": f"{budget:g}",
        }
    if plan:
        return _("Does not take %(plan)s") % {"plan": plan}
    return _("Fee is above $%(budget)s, even on a sliding scale") % {"budget": f"{budget or 0:g}"}


PAYMENT = Failure("payment", _payment_words)


def payment(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """The client's plan is taken, or the fee (the sliding scale's lowest, if any) is within
    their budget. A client who said nothing about paying passes."""
    if not c.pays or (c.plan is not None and c.plan in p.insurance):
        return None
    if c.budget is not None:
        lowest = p.sliding_scale_min if p.sliding_scale_min is not None else p.self_pay_fee
        if lowest is not None and lowest <= c.budget:
            return None
    return PAYMENT


NO_SLOTS = Failure("slots", lambda c: _("No consultation times open within the booking window"))


def open_slot(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """Has a consultation time open within the booking window. Searching for one is the costly
    part, so it is checked last, only for clinicians who pass everything else."""
    return NO_SLOTS if p.first_open_slot is None else None


# Where the client and clinician can meet.
WHERE_FILTERS = (session_format, licence, office)


def filters_for(c: "ClientContext") -> tuple[Filter, ...]:
    """The filters this client can fail, in the order failures are listed (open_slot comes
    after all of them). A filter that would pass every clinician for this client is left out
    (not-a-fit with no such clinician, the licence in person, the office remotely, payment
    when they said nothing about it): this runs for every candidate."""
    return (
        active,
        accepting,
        *((not_a_fit,) if c.excluded_ids else ()),
        age_band,
        session_format,
        licence if c.remote_set is not None else office,
        *(must_have(key, value) for key, value in c.musts),
        *((payment,) if c.pays else ()),
    )


def quick_order(listed: tuple[Filter, ...]) -> tuple[Filter, ...]:
    """The same filters for a pass-or-fail answer: where the client and clinician can meet
    first, as it fails most often."""
    return (
        *(f for f in listed if f in WHERE_FILTERS),
        *(f for f in listed if f not in WHERE_FILTERS),
    )


def first_failure(c: "ClientContext", p: ClinicianProfile) -> Failure | None:
    """A hard filter the clinician fails (open slots aside), or None: the quick check."""
    for check in c.quick:
        failure = check(c, p)
        if failure is not None:
            return failure
    return None


def failures(c: "ClientContext", p: ClinicianProfile) -> list[Failure]:
    """Every hard filter the clinician fails; open slots only when nothing else fails."""
    out = [failure for check in c.filters if (failure := check(c, p)) is not None]
    if not out and (failure := open_slot(c, p)) is not None:
        out.append(failure)
    return out


def hard_filter_failures(
    c: "ClientContext", p: ClinicianProfile, excluded_ids: Iterable[int] | None = None
) -> list[str]:
    """The keys of every hard filter the clinician fails, except the open-slot one.
    `excluded_ids`, when given, replaces the context's not-a-fit ids."""
    c = c.excluding(excluded_ids)
    return [failure.key for check in c.filters if (failure := check(c, p)) is not None]


# What a client can change: a must-have, how they pay, the office or the format.
RELAXABLE = frozenset(UNMET) | {"payment", "office", "format"}
# Failures another format can fix: a licence is needed whatever the remote format.
FORMAT_FIXABLE = frozenset({"format", "office"})


def near_miss(failed: list[str]) -> bool:
    """Whether relaxing one preference (or the format) could let a clinician with these hard
    filter failures pass: only then is their open-slot search worth running."""
    if len(failed) == 1 and failed[0] in RELAXABLE:
        return True
    return bool(failed) and set(failed) <= FORMAT_FIXABLE


_OFFERS_REMOTE = {
    ("video",): lambda: _("Offers video sessions, licensed in %(state)s"),
    ("phone",): lambda: _("Offers phone sessions, licensed in %(state)s"),
    ("phone", "video"): lambda: _("Offers video and phone sessions, licensed in %(state)s"),
}
REMOTE_MET = {
    formats: Wording(True, lambda state, words=words: words() % {"state": state})
    for formats, words in _OFFERS_REMOTE.items()
}
IN_PERSON_MET = Wording(
    True, lambda office: _("Sees clients in person at %(office)s") % {"office": office}
)


def where_met(c: "ClientContext", p: ClinicianProfile) -> Note:
    """The where filters a match passes, as a reason: said when nothing else speaks for them."""
    if c.remote_set is not None:
        offered = tuple(sorted(c.remote_set & p.formats))
        return REMOTE_MET[offered], c.state
    return IN_PERSON_MET, min(c.offices & p.offices)
