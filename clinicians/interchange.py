"""The roster format of docs/interchange.md: parse, validate and serialise.

Rows come in as JSON objects or CSV dictionaries (strings everywhere, lists separated by `;`).
Both go through the same validation, which collects every error and names the row and field.
"""

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from .models import (
    AGE_BANDS,
    FORMATS,
    INTRO_MAX_LENGTH,
    STYLE_DIMENSIONS,
    WEEKDAY_KEYS,
    Approach,
    Community,
    Concern,
    Credential,
    InsurancePlan,
    Language,
    Office,
    validate_timezone,
)
from .states import STATE_CODES

MAX_FOCUS_CONCERNS = 3
EMAIL_MAX_LENGTH = 254

# Column order of exports: the required and common fields first, then the ones this project adds.
FIELDS = (
    "email",
    "first_name",
    "last_name",
    "pronouns",
    "credentials",
    "licenses",
    "bio",
    "intro",
    "gender",
    "communities",
    "lgbtq_affirming",
    "faith_informed",
    "languages",
    "concerns",
    "focus_concerns",
    "approaches",
    "ages",
    "formats",
    "offices",
    "style",
    "insurance",
    "self_pay_fee",
    "sliding_scale_min",
    "accepting_new_clients",
    "timezone",
    "consultation_hours",
    "weekly_consultation_capacity",
    "video_link",
    "active",
)
REQUIRED = ("email", "first_name", "last_name")

# field -> (model, how an unknown name is described)
VOCABULARY_FIELDS = {
    "credentials": Credential,
    "communities": Community,
    "languages": Language,
    "concerns": Concern,
    "focus_concerns": Concern,
    "approaches": Approach,
    "insurance": InsurancePlan,
    "offices": Office,
}
TEXT_LIMITS = {
    "first_name": 80,
    "last_name": 80,
    "pronouns": 40,
    "gender": 40,
    "intro": INTRO_MAX_LENGTH,
}
BOOLEAN_FIELDS = ("lgbtq_affirming", "faith_informed", "accepting_new_clients", "active")
CODE_FIELDS = {
    "ages": tuple(code for code, _label in AGE_BANDS),
    "formats": tuple(code for code, _label in FORMATS),
}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
HOURS_RE = re.compile(r"^\s*(\w+)\s+(\S+)\s*-\s*(\S+)\s*$")


def _unknown_message(field_name: str, value: str) -> str:
    messages = {
        "credentials": _('"%(value)s" is not a credential of this practice'),
        "communities": _('"%(value)s" is not a community of this practice'),
        "languages": _('"%(value)s" is not a language of this practice'),
        "concerns": _('"%(value)s" is not a concern of this practice'),
        "focus_concerns": _('"%(value)s" is not a concern of this practice'),
        "approaches": _('"%(value)s" is not an approach of this practice'),
        "insurance": _('"%(value)s" is not an insurance plan of this practice'),
        "offices": _('"%(value)s" is not an office of this practice'),
    }
    return messages[field_name] % {"value": value}


class VocabularyTerms:
    """Every vocabulary term (the model rows an import links to), loaded once (one query per
    vocabulary), found by name case-insensitively."""

    def __init__(self):
        self.terms: dict[type, dict[str, Any]] = {}
        for model in set(VOCABULARY_FIELDS.values()):
            self.terms[model] = {term.name.casefold(): term for term in model.objects.all()}

    def get(self, model, name: str):
        return self.terms[model].get(name.strip().casefold())


@dataclass
class CleanRow:
    """One validated row: `data` is canonical (the export's shape), `terms` the resolved names."""

    number: int
    data: dict[str, Any]
    terms: dict[str, list] = field(default_factory=dict)


class RowErrors:
    def __init__(self, number: int):
        self.number = number
        self.messages: list[str] = []

    def add(self, field_name: str, message: str) -> None:
        self.messages.append(
            _("row %(row)s, %(field)s: %(message)s")
            % {"row": self.number, "field": field_name, "message": message}
        )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _as_list(value, errors: RowErrors, name: str) -> list | None:
    if value is None:
        return []
    if isinstance(value, str):
        return _split(value)
    if isinstance(value, list):
        return value
    errors.add(name, _("give a list"))
    return None


def _as_text(value, errors: RowErrors, name: str) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    errors.add(name, _("give text"))
    return None


def _as_bool(value, errors: RowErrors, name: str) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in TRUE_WORDS:
        return True
    if isinstance(value, str) and value.strip().casefold() in FALSE_WORDS:
        return False
    errors.add(name, _('"%(value)s" is not true or false') % {"value": value})
    return None


def _as_int(value, errors: RowErrors, name: str, *, minimum=0, maximum=None, blank_ok=True):
    """An integer, or None for blank when that is allowed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if blank_ok:
            return None
        errors.add(name, _("give a whole number"))
        return None
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.0+)?", text):
            number = int(float(text))
    if number is None:
        errors.add(name, _('"%(value)s" is not a whole number') % {"value": value})
        return None
    if number < minimum or (maximum is not None and number > maximum):
        if maximum is None:
            message = _("%(value)s is below %(minimum)s") % {"value": number, "minimum": minimum}
        else:
            message = _("%(value)s is not between %(minimum)s and %(maximum)s") % {
                "value": number,
                "minimum": minimum,
                "maximum": maximum,
            }
        errors.add(name, message)
        return None
    return number


def _as_time(value, errors: RowErrors, name: str) -> str | None:
    if isinstance(value, str) and TIME_RE.match(value.strip()):
        return value.strip()
    errors.add(name, _('"%(value)s" is not a time; use HH:MM, 24-hour') % {"value": value})
    return None


def _as_date(value, errors: RowErrors, name: str) -> str | None:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        errors.add(name, _('"%(value)s" is not a date; use YYYY-MM-DD') % {"value": value})
        return None


def _licences(value, errors: RowErrors) -> list[dict] | None:
    name = "licenses"
    if isinstance(value, str):
        items = []
        for part in _split(value):
            pieces = part.split(":")
            if len(pieces) < 3:
                errors.add(
                    name,
                    _('"%(value)s" is not a licence; write STATE:NUMBER:YYYY-MM-DD')
                    % {"value": part},
                )
                continue
            items.append(
                {"state": pieces[0], "number": ":".join(pieces[1:-1]), "expires": pieces[-1]}
            )
    elif isinstance(value, list):
        items = value
    elif value is None:
        items = []
    else:
        errors.add(name, _("give a list of licences"))
        return None
    licences, seen, ok = [], set(), True
    for item in items:
        if not isinstance(item, dict) or set(item) - {"state", "number", "expires"}:
            errors.add(name, _("each licence needs exactly state, number and expires"))
            ok = False
            continue
        state = str(item.get("state") or "").strip().upper()
        number = str(item.get("number") or "").strip()
        if state not in STATE_CODES:
            errors.add(name, _('"%(value)s" is not a US state code') % {"value": item.get("state")})
            ok = False
        if not number or len(number) > 40:
            errors.add(name, _("a licence number is needed (at most 40 characters)"))
            ok = False
        expires = _as_date(item.get("expires"), errors, name)
        if expires is None:
            ok = False
        if (state, number) in seen:
            errors.add(
                name, _("%(state)s %(number)s is listed twice") % {"state": state, "number": number}
            )
            ok = False
        seen.add((state, number))
        licences.append({"state": state, "number": number, "expires": expires})
    if not ok:
        return None
    return sorted(licences, key=lambda lic: (lic["state"], lic["expires"], lic["number"]))


def _style(value, errors: RowErrors) -> dict | None:
    name = "style"
    if isinstance(value, str):
        raw = {}
        for part in _split(value):
            key, sep, number = part.partition("=")
            if not sep:
                errors.add(name, _('"%(value)s" should look like lead=3') % {"value": part.strip()})
                return None
            raw[key.strip().casefold()] = number.strip()
    elif isinstance(value, dict):
        raw = {str(key).casefold(): number for key, number in value.items()}
    else:
        errors.add(name, _("give the four dimensions lead, focus, time and challenge"))
        return None
    ok = True
    for key in sorted(set(raw) - set(STYLE_DIMENSIONS)):
        errors.add(
            name,
            _('"%(value)s" is not a style dimension; use lead, focus, time and challenge')
            % {"value": key},
        )
        ok = False
    style = {}
    for dim in STYLE_DIMENSIONS:
        if dim not in raw:
            errors.add(name, _("%(dimension)s is missing") % {"dimension": dim})
            ok = False
            continue
        number = _as_int(raw[dim], errors, f"{name}.{dim}", minimum=1, maximum=5, blank_ok=False)
        if number is None:
            ok = False
        style[dim] = number
    return style if ok else None


def _hours(value, errors: RowErrors) -> list[dict] | None:
    name = "consultation_hours"
    if isinstance(value, str):
        items = []
        for part in _split(value):
            match = HOURS_RE.match(part)
            if not match:
                errors.add(
                    name,
                    _('"%(value)s" should look like "mon 09:00-12:00"') % {"value": part},
                )
                continue
            items.append(
                {"weekday": match.group(1), "start": match.group(2), "end": match.group(3)}
            )
    elif isinstance(value, list):
        items = value
    elif value is None:
        items = []
    else:
        errors.add(name, _("give a list of weekly hours"))
        return None
    hours, ok = [], True
    for item in items:
        if not isinstance(item, dict) or set(item) - {"weekday", "start", "end"}:
            errors.add(name, _("each window needs exactly weekday, start and end"))
            ok = False
            continue
        weekday = str(item.get("weekday") or "").strip().casefold()[:3]
        if weekday not in WEEKDAY_KEYS:
            errors.add(
                name,
                _('"%(value)s" is not a weekday; use mon, tue, wed, thu, fri, sat or sun')
                % {"value": item.get("weekday")},
            )
            ok = False
        start = _as_time(item.get("start"), errors, name)
        end = _as_time(item.get("end"), errors, name)
        if start is None or end is None:
            ok = False
        elif end <= start:
            errors.add(
                name,
                _("%(weekday)s %(start)s-%(end)s ends before it starts")
                % {"weekday": weekday, "start": start, "end": end},
            )
            ok = False
        hours.append({"weekday": weekday, "start": start, "end": end})
    if not ok:
        return None
    return sorted(hours, key=lambda h: (WEEKDAY_KEYS.index(h["weekday"]), h["start"], h["end"]))


def _terms(value, errors: RowErrors, name: str, vocabularies: VocabularyTerms) -> list | None:
    names = _as_list(value, errors, name)
    if names is None:
        return None
    model = VOCABULARY_FIELDS[name]
    found, ok = {}, True
    for raw in names:
        term = vocabularies.get(model, raw) if isinstance(raw, str) else None
        if term is None:
            errors.add(name, _unknown_message(name, str(raw)))
            ok = False
        else:
            found[term.pk] = term
    if not ok:
        return None
    return sorted(found.values(), key=lambda term: (term.sort_order, term.name))


def _codes(value, errors: RowErrors, name: str) -> list[str] | None:
    names = _as_list(value, errors, name)
    if names is None:
        return None
    allowed = CODE_FIELDS[name]
    chosen, ok = set(), True
    for raw in names:
        code = str(raw).strip().casefold()
        if code not in allowed:
            errors.add(
                name,
                _('"%(value)s" is not one of %(allowed)s')
                % {"value": raw, "allowed": ", ".join(allowed)},
            )
            ok = False
        else:
            chosen.add(code)
    return [code for code in allowed if code in chosen] if ok else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _has_nul(value) -> bool:
    """PostgreSQL can't store a NUL character in text, wherever in a cell it hides."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def validate_row(
    raw: dict, number: int, vocabularies: VocabularyTerms
) -> tuple[CleanRow, list[str]]:
    errors = RowErrors(number)
    row = CleanRow(number=number, data={})
    if not isinstance(raw, dict):
        return row, [_("row %(row)s: give an object with the roster's fields") % {"row": number}]
    raw = {str(key).strip(): value for key, value in raw.items() if key is not None}
    unreadable = [key for key in raw if _has_nul(key) or _has_nul(raw[key])]
    for key in unreadable:
        errors.add(key.replace("\x00", "\\0"), _("contains a NUL character"))
        del raw[key]
    for key in raw:
        if key not in FIELDS:
            errors.add(key, _("is not a roster field"))
    # A blank CSV cell for these means "leave as it is", not "false" or "none".
    for key in (*BOOLEAN_FIELDS, "timezone", "style", "weekly_consultation_capacity"):
        if key in raw and _blank(raw[key]):
            del raw[key]

    for key in REQUIRED:
        if _blank(raw.get(key)) and key not in unreadable:
            errors.add(key, _("is required"))
    data = row.data
    for key in FIELDS:
        if key not in raw or key in data:
            continue
        value = raw[key]
        if key == "email":
            text = _as_text(value, errors, key)
            if text:
                try:
                    validate_email(text)
                    if len(text) > EMAIL_MAX_LENGTH:
                        raise ValidationError("too long")
                    data[key] = text
                except ValidationError:
                    errors.add(key, _('"%(value)s" is not an email address') % {"value": text})
        elif key in (
            "first_name",
            "last_name",
            "pronouns",
            "gender",
            "bio",
            "intro",
            "video_link",
        ):
            text = _as_text(value, errors, key)
            if text is None:
                continue
            limit = TEXT_LIMITS.get(key)
            if limit and len(text) > limit:
                errors.add(key, _("at most %(limit)s characters") % {"limit": limit})
                continue
            if key == "video_link" and text:
                try:
                    URLValidator(schemes=["https"])(text)
                except ValidationError:
                    errors.add(
                        key,
                        _('"%(value)s" is not a web address starting with https://')
                        % {"value": text},
                    )
                    continue
            data[key] = text
        elif key in VOCABULARY_FIELDS:
            terms = _terms(value, errors, key, vocabularies)
            if terms is not None:
                row.terms[key] = terms
                data[key] = [term.name for term in terms]
        elif key in CODE_FIELDS:
            codes = _codes(value, errors, key)
            if codes is not None:
                data[key] = codes
        elif key in BOOLEAN_FIELDS:
            flag = _as_bool(value, errors, key)
            if flag is not None:
                data[key] = flag
        elif key in ("self_pay_fee", "sliding_scale_min"):
            amount = _as_int(value, errors, key, maximum=100_000)
            if amount is not None or _blank(value):
                data[key] = amount
        elif key == "weekly_consultation_capacity":
            capacity = _as_int(value, errors, key, maximum=200, blank_ok=False)
            if capacity is not None:
                data[key] = capacity
        elif key == "timezone":
            text = str(value).strip()
            try:
                validate_timezone(text)
                data[key] = text
            except ValidationError:
                errors.add(
                    key,
                    _('"%(value)s" is not a time zone; use a name such as America/New_York')
                    % {"value": text},
                )
        elif key == "licenses":
            licences = _licences(value, errors)
            if licences is not None:
                data[key] = licences
        elif key == "style":
            style = _style(value, errors)
            if style is not None:
                data[key] = style
        elif key == "consultation_hours":
            hours = _hours(value, errors)
            if hours is not None:
                data[key] = hours

    if "focus_concerns" in data:
        if len(data["focus_concerns"]) > MAX_FOCUS_CONCERNS:
            errors.add("focus_concerns", _("at most %(limit)s") % {"limit": MAX_FOCUS_CONCERNS})
        if "concerns" in data:
            outside = [name for name in data["focus_concerns"] if name not in data["concerns"]]
            for name in outside:
                errors.add(
                    "focus_concerns",
                    _('"%(value)s" is not among the concerns') % {"value": name},
                )
        elif "concerns" not in raw:
            errors.add("focus_concerns", _("give the concerns too"))
    fee, floor = data.get("self_pay_fee"), data.get("sliding_scale_min")
    if fee is not None and floor is not None and floor > fee:
        errors.add(
            "sliding_scale_min",
            _("%(floor)s is above the self-pay fee %(fee)s") % {"floor": floor, "fee": fee},
        )
    return row, errors.messages


def validate_roster(rows: list) -> tuple[list[CleanRow], list[str]]:
    """Validate every row; rows are numbered from 1. Returns the clean rows and every error."""
    if not isinstance(rows, list):
        return [], [_("The roster must be a list of clinicians.")]
    vocabularies = VocabularyTerms()
    clean, errors, first_seen = [], [], {}
    for number, raw in enumerate(rows, start=1):
        row, row_errors = validate_row(raw, number, vocabularies)
        email = row.data.get("email", "").casefold()
        if email and email in first_seen:
            row_errors.append(
                _('row %(row)s, email: "%(value)s" is already in row %(other)s')
                % {"row": number, "value": row.data["email"], "other": first_seen[email]}
            )
        elif email:
            first_seen[email] = number
        clean.append(row)
        errors.extend(row_errors)
    return clean, errors


class RosterFormatError(ValueError):
    """The file can't be read as a roster at all."""


def parse_json(text: str) -> list:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RosterFormatError(
            _("not valid JSON (line %(line)s, column %(column)s): %(message)s")
            % {"line": exc.lineno, "column": exc.colno, "message": exc.msg}
        ) from None
    if not isinstance(rows, list):
        raise RosterFormatError(_("the file must hold a JSON array of clinicians"))
    return rows


# OWASP's rule against CSV injection: a spreadsheet runs a cell beginning with one of these as a
# formula, so the export puts an apostrophe in front (which spreadsheets hide) and the import
# takes one off again. Cells already beginning with apostrophes and then one of these get one
# more, so that every value comes back exactly as it went out.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"


def guard_formula(text: str) -> str:
    if text.lstrip(FORMULA_GUARD).startswith(FORMULA_STARTS):
        return FORMULA_GUARD + text
    return text


def unguard_formula(text: str) -> str:
    if text.startswith(FORMULA_GUARD) and text.lstrip(FORMULA_GUARD).startswith(FORMULA_STARTS):
        return text[len(FORMULA_GUARD) :]
    return text


def parse_csv(text: str) -> list[dict]:
    """CSV rows as dictionaries of strings; validation converts them."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise RosterFormatError(_("the CSV file has no header row"))
    rows = []
    for line in reader:
        if None in line:
            raise RosterFormatError(
                _("line %(line)s has more cells than the header") % {"line": reader.line_num}
            )
        if not any((value or "").strip() for value in line.values()):
            continue
        rows.append(
            {key: unguard_formula(value) if value else value for key, value in line.items() if key}
        )
    return rows


def parse(text: str, *, fmt: str) -> list:
    return parse_csv(text) if fmt == "csv" else parse_json(text)


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def _csv_cell(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "licenses":
        return ";".join(f"{lic['state']}:{lic['number']}:{lic['expires']}" for lic in value)
    if key == "style":
        return ";".join(f"{dim}={value[dim]}" for dim in STYLE_DIMENSIONS)
    if key == "consultation_hours":
        return ";".join(f"{h['weekday']} {h['start']}-{h['end']}" for h in value)
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    # CRLF, as RFC 4180 has it, so that a carriage return inside a cell is quoted too.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([guard_formula(_csv_cell(key, row.get(key))) for key in FIELDS])
    return out.getvalue()


def serialise(rows: list[dict], *, fmt: str) -> str:
    return to_csv(rows) if fmt == "csv" else to_json(rows)
