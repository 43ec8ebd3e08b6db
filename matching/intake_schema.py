"""An intake's answers (docs/interchange.md) parsed into frozen, validated data.

Pure: the practice's vocabularies are passed in (see `selectors.matching_vocabularies`)."""

import hashlib
import json
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

from clinicians.states import US_STATES
from consultations.checkin_items import SYMPTOM_ITEMS

from . import vocab

STYLE_KEYS = ("lead", "focus", "time", "challenge")
MAX_CONCERNS = 3
MAX_GOAL_TAGS = 3
_STATES = frozenset(code for code, _label in US_STATES)


class IntakeInvalid(ValueError):
    """Raised with every bad field at once: {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in errors.items()))


@dataclass(frozen=True)
class Vocabularies:
    """Each vocabulary as {lower-case name: the practice's spelling}."""

    concerns: Mapping[str, str] = field(default_factory=dict)
    approaches: Mapping[str, str] = field(default_factory=dict)
    languages: Mapping[str, str] = field(default_factory=dict)
    insurance: Mapping[str, str] = field(default_factory=dict)
    communities: Mapping[str, str] = field(default_factory=dict)
    offices: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_names(cls, **names: Iterable[str]) -> "Vocabularies":
        return cls(**{key: {n.casefold(): n for n in values} for key, values in names.items()})


@dataclass(frozen=True)
class Preference:
    importance: str = "none"  # none / nice / must
    value: str = ""  # "" for yes/no characteristics (LGBTQ+-affirming, faith-informed)


@dataclass(frozen=True)
class Payment:
    insurance: str | None = None
    self_pay_budget: float | None = None

    @property
    def given(self) -> bool:
        return self.insurance is not None or self.self_pay_budget is not None


@dataclass(frozen=True)
class IntakeAnswers:
    for_whom: str
    age_band: str
    state: str
    format: str
    concerns: tuple[str, ...] = ()
    goal_tags: tuple[str, ...] = ()
    goals: str = ""
    style: tuple[int, int, int, int] | None = None  # in STYLE_KEYS order
    approaches_wanted: tuple[str, ...] = ()
    approaches_avoided: tuple[str, ...] = ()
    preferences: Mapping[str, Preference] = field(default_factory=dict)
    offices: tuple[str, ...] = ()
    times: tuple[str, ...] = ()
    payment: Payment = Payment()
    safety: str = vocab.SAFETY_NOT_AT_ALL
    first_name: str = ""
    email: str = ""
    timezone: str | None = None
    # A digest of the answers: the seed of fair-exposure ordering, so equal answers rank equally.
    fingerprint: str = ""

    def preference(self, key: str) -> Preference:
        return self.preferences.get(key) or Preference()


def parse_intake(data: dict, *, vocabularies: Vocabularies) -> IntakeAnswers:
    """Validate intake answers; raise IntakeInvalid naming each bad field."""
    errors: dict[str, list[str]] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not isinstance(data, dict):
        raise IntakeInvalid({"intake": [_("The intake must be a JSON object.")]})

    def choice(key: str, choices, *, required: bool, default: str = "") -> str:
        raw = data.get(key)
        allowed = [code for code, _label in choices]
        if raw in (None, ""):
            if required:
                bad(key, _("This answer is required; use one of: %s.") % ", ".join(allowed))
            return default
        if not isinstance(raw, str) or raw.strip().casefold() not in allowed:
            bad(key, _("%(value)r is not one of: %(allowed)s.") % _fmt(raw, allowed))
            return default
        return raw.strip().casefold()

    def names(key: str, value, table: Mapping[str, str], *, limit: int | None = None) -> list[str]:
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(key, _("Give a list of names."))
            return []
        out = []
        for raw in value:
            name = table.get(raw.strip().casefold())
            if name is None:
                bad(key, _("Unknown name %r.") % raw)
            elif name not in out:
                out.append(name)
        if limit is not None and len(out) > limit:
            bad(key, _("Choose at most %d.") % limit)
        return out

    for_whom = choice("for_whom", vocab.FOR_WHOM, required=True)
    age_band = choice("age_band", vocab.CLIENT_AGE_BANDS, required=True)
    fmt = choice("format", vocab.CLIENT_FORMATS, required=True)
    safety = choice("safety", vocab.SAFETY, required=False, default=vocab.SAFETY_NOT_AT_ALL)

    # The PHQ-2 and GAD-2 items (consultations.checkin_items): optional, each 0–3. Kept with
    # the answers as the baseline check-ins compare with; scoring doesn't read them.
    for key, _words in SYMPTOM_ITEMS:
        value = data.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3
        ):
            bad(key, _("Give a whole number from 0 to 3, or leave it out."))

    state = data.get("state")
    if not isinstance(state, str) or state.strip().upper() not in _STATES:
        bad("state", _("Give a US state as its two-letter code, such as NY."))
        state = ""
    else:
        state = state.strip().upper()

    concerns = names("concerns", data.get("concerns"), vocabularies.concerns, limit=MAX_CONCERNS)
    goal_tags = names(
        "goal_tags",
        data.get("goal_tags"),
        {t.casefold(): t for t in vocab.GOAL_TAGS},
        limit=MAX_GOAL_TAGS,
    )
    wanted = names("approaches_wanted", data.get("approaches_wanted"), vocabularies.approaches)
    avoided = names("approaches_avoided", data.get("approaches_avoided"), vocabularies.approaches)
    if set(wanted) & set(avoided):
        bad("approaches_avoided", _("An approach can't be both wanted and avoided."))
    offices = names("offices", data.get("offices"), vocabularies.offices)
    if fmt == "in person" and not offices and "offices" not in errors:
        bad("offices", _("Choose at least one office for in-person sessions."))

    time_table = {code: code for code, _label in vocab.TIMES}
    times = names("times", data.get("times"), time_table)

    goals = data.get("goals") or ""
    if not isinstance(goals, str):
        bad("goals", _("Give the goals as text."))
        goals = ""

    style = None
    raw_style = data.get("style")
    if raw_style not in (None, {}):
        if not isinstance(raw_style, dict):
            bad("style", _("Give the four style answers as an object."))
        else:
            values = []
            for key in STYLE_KEYS:
                value = raw_style.get(key)
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                    bad(f"style.{key}", _("Give a whole number from 1 to 5."))
                values.append(value)
            if not any(k.startswith("style.") for k in errors):
                style = tuple(values)

    preferences = _preferences(data.get("preferences"), vocabularies, bad)
    payment = _payment(data.get("payment"), vocabularies, bad)

    tz = data.get("timezone") or None
    if tz is not None:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            bad("timezone", _("Not a time zone; use a name such as America/New_York."))
            tz = None

    first_name = data.get("first_name") or ""
    email = data.get("email") or ""
    for key, value in (("first_name", first_name), ("email", email)):
        if not isinstance(value, str):
            bad(key, _("Give this as text."))
    if isinstance(email, str) and email and "@" not in email:
        bad("email", _("Give an email address such as name@example.org."))

    if errors:
        raise IntakeInvalid(errors)
    answers = IntakeAnswers(
        for_whom=for_whom,
        age_band=age_band,
        state=state,
        format=fmt,
        concerns=tuple(concerns),
        goal_tags=tuple(goal_tags),
        goals=goals,
        style=style,
        approaches_wanted=tuple(wanted),
        approaches_avoided=tuple(avoided),
        preferences=preferences,
        offices=tuple(offices),
        times=tuple(times),
        payment=payment,
        safety=safety,
        first_name=first_name,
        email=email,
        timezone=tz,
    )
    return _with_fingerprint(answers)


def _fmt(raw, allowed) -> dict:
    return {"value": raw, "allowed": ", ".join(allowed)}


def _preferences(raw, vocabularies: Vocabularies, bad) -> dict[str, Preference]:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, dict):
        bad("preferences", _("Give the preferences as an object."))
        return {}
    importance_codes = [code for code, _label in vocab.IMPORTANCE]
    value_tables = {"language": vocabularies.languages, "community": vocabularies.communities}
    out = {}
    for key, item in raw.items():
        name = f"preferences.{key}"
        if key not in vocab.PREFERENCE_KEYS:
            bad(name, _("Unknown preference; use: %s.") % ", ".join(vocab.PREFERENCE_KEYS))
            continue
        if not isinstance(item, dict):
            bad(name, _("Give an object with an importance."))
            continue
        importance = str(item.get("importance") or "none").strip().casefold()
        if importance not in importance_codes:
            bad(name, _("Importance must be one of: %s.") % ", ".join(importance_codes))
            continue
        value = item.get("value") or ""
        if not isinstance(value, str):
            bad(name, _("Give the value as text."))
            continue
        value = value.strip()
        if importance != "none" and key in ("gender", "language", "community") and not value:
            bad(name, _("Say which one, or set the importance to none."))
            continue
        if value and key in value_tables:
            canonical = value_tables[key].get(value.casefold())
            if canonical is None:
                bad(name, _("Unknown name %r.") % value)
                continue
            value = canonical
        elif key == "gender":
            value = value.casefold()
        if importance != "none":
            out[key] = Preference(importance=importance, value=value)
    return out


def _payment(raw, vocabularies: Vocabularies, bad) -> Payment:
    if raw in (None, {}):
        return Payment()
    if not isinstance(raw, dict):
        bad("payment", _("Give the payment as an object."))
        return Payment()
    plan = raw.get("insurance") or None
    if plan is not None:
        canonical = vocabularies.insurance.get(str(plan).strip().casefold())
        if canonical is None:
            bad("payment.insurance", _("Unknown insurance plan %r.") % plan)
        plan = canonical
    budget = raw.get("self_pay_budget")
    if budget in ("", None):
        budget = None
    elif isinstance(budget, bool) or not isinstance(budget, int | float) or budget < 0:
        bad("payment.self_pay_budget", _("Give the budget per session as a number of dollars."))
        budget = None
    return Payment(insurance=plan, self_pay_budget=budget)


def _with_fingerprint(answers: IntakeAnswers) -> IntakeAnswers:
    plain = {k: getattr(answers, k) for k in answers.__dataclass_fields__}
    plain["preferences"] = sorted(
        (k, p.importance, p.value) for k, p in answers.preferences.items()
    )
    plain["payment"] = [answers.payment.insurance, answers.payment.self_pay_budget]
    digest = hashlib.sha256(json.dumps(plain, sort_keys=True, default=list).encode()).hexdigest()
    return replace(answers, fingerprint=digest)
