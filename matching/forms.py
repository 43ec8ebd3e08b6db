"""The intake's screens. Each group of questions is one form class (safety, about, concerns,
goals, style, therapist, practical, contact); a screen is one of them or several combined
(`STEP_FORMS`), so the intake stays short without losing a question. Each form turns its cleaned
data into docs/interchange.md answers (`to_answers`) and back into form data
(`data_from_answers`), so a submitted intake can be edited with the same forms."""

import decimal
import json

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinicians.models import (
    Approach,
    Community,
    Concern,
    InsurancePlan,
    Language,
    Office,
    term_label,
)
from clinicians.states import US_STATES
from clinicians.style import STYLE_POLES
from clinicians.zones import ZONE_NAMES, city_time_label, known_zones, zone_city, zone_label
from consultations.checkin_items import SYMPTOM_ITEMS, SYMPTOM_SCALE
from consultations.forms import clean_phone_number

from .intake_schema import MAX_CONCERNS, MAX_GOAL_TAGS
from .vocab import (
    CLIENT_AGE_BANDS,
    CLIENT_FORMATS,
    FOR_WHOM,
    GENDERS,
    GOAL_TAG_LABELS,
    IMPORTANCE,
    SAFETY,
    TIMES,
)

SAFETY_QUESTION = _(
    "Over the last 2 weeks, how often have you been bothered by thoughts that you would be "
    "better off dead, or of hurting yourself?"
)
SYMPTOMS_INTRO = _(
    "Over the same two weeks. Skip any you would rather not answer. If you start therapy "
    "with us, we ask these again a few weeks in, so you and your therapist can see what has "
    "changed."
)
# The zones the contact step lists, each shown as people read it; the browser's own zone is
# added (static/js/intake.js) when it isn't one of these.
COMMON_TIME_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
]
OTHER_ZONE = "other"


def _vocabulary(model) -> list[str]:
    return list(model.objects.filter(is_active=True).values_list("name", flat=True))


def _vocabulary_choices(model) -> list[tuple[str, str]]:
    """The offered names as (the name, how the reader of the page's language reads it)."""
    rows = model.objects.filter(is_active=True).values_list("name", "name_es")
    return [(name, term_label(name, name_es)) for name, name_es in rows]


def _canonical(names, value: str) -> str:
    """The vocabulary's spelling of a name (names match case-insensitively)."""
    lowered = {name.lower(): name for name in names}
    return lowered.get((value or "").lower(), value or "")


def _blank_choice(label) -> list[tuple[str, str]]:
    return [("", label)]


class IntakeStepForm(forms.Form):
    slug = ""
    title = ""
    intro = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = self.layout()

    def layout(self) -> Layout:
        return Layout(*self.fields)

    def to_answers(self) -> dict:
        raise NotImplementedError

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        raise NotImplementedError


class SafetyForm(IntakeStepForm):
    slug = "safety"
    title = _("First, how have you been feeling?")
    intro = _(
        "We ask everyone this question. Whatever you answer, you can go on with the rest; "
        "it helps us make sure you get support quickly if you need it."
    )

    safety = forms.ChoiceField(
        label=SAFETY_QUESTION,
        choices=SAFETY,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the answer closest to how you have felt, even “Not at all”."),
            "invalid_choice": _("Choose one of the four answers."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The PHQ-2 and GAD-2 items (docs/domain.md, "The items"): optional, asked once more
        # at each check-in if therapy starts, so the client and their therapist see what changed.
        for key, words in SYMPTOM_ITEMS:
            self.fields[key] = forms.TypedChoiceField(
                label=words,
                choices=[(str(value), label) for value, label in SYMPTOM_SCALE],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose one of the four answers.")},
            )

    def layout(self) -> Layout:
        return Layout(
            "safety",
            Fieldset(
                _("How often you have been bothered by these (optional)"),
                HTML(format_html('<p class="form-text mt-0">{}</p>', SYMPTOMS_INTRO)),
                *(key for key, _words in SYMPTOM_ITEMS),
            ),
        )

    def to_answers(self) -> dict:
        answers = {"safety": self.cleaned_data["safety"]}
        for key, _words in SYMPTOM_ITEMS:
            if self.cleaned_data.get(key) is not None:
                answers[key] = self.cleaned_data[key]
        return answers

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        data = {"safety": answers.get("safety", "")}
        for key, _words in SYMPTOM_ITEMS:
            if isinstance(answers.get(key), int):
                data[key] = str(answers[key])
        return data


class AboutForm(IntakeStepForm):
    slug = "about"
    title = _("Who is the therapy for?")

    for_whom = forms.ChoiceField(
        label=_("Therapy for"),
        choices=FOR_WHOM,
        widget=forms.RadioSelect,
        help_text=_(
            "Some therapists see only adults; others also see children, couples or families."
        ),
        error_messages={"required": _("Choose who the therapy is for.")},
    )
    age_band = forms.ChoiceField(
        label=_("Age of the person in therapy"),
        choices=CLIENT_AGE_BANDS,
        widget=forms.RadioSelect,
        required=False,
        help_text=_(
            "Not every therapist works with every age. For a couple or a family, leave this "
            "empty if you are all adults."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        for_whom, age_band = cleaned.get("for_whom"), cleaned.get("age_band")
        if for_whom == "child" and age_band not in ("children", "teens"):
            self.add_error(
                "age_band",
                _("For a child or teen, choose “A child (5–12)” or “A teen (13–17)”."),
            )
        elif for_whom == "myself" and not age_band:
            self.add_error("age_band", _("Choose your age group."))
        elif for_whom == "myself" and age_band == "children":
            self.add_error(
                "age_band",
                _("For a child, choose “My child or teen” above; a parent fills this in."),
            )
        elif for_whom in ("couple", "family") and not age_band:
            cleaned["age_band"] = "adults"
        return cleaned

    def to_answers(self) -> dict:
        return {
            "for_whom": self.cleaned_data["for_whom"],
            "age_band": self.cleaned_data["age_band"],
        }

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        return {"for_whom": answers.get("for_whom", ""), "age_band": answers.get("age_band", "")}


class ConcernsForm(IntakeStepForm):
    slug = "concerns"
    title = _("What brings you to therapy?")
    intro = _(
        "Choose up to three, most important first; therapists who focus on them rank higher. "
        "All of this is optional."
    )
    RANK_FIELDS = ("concern_1", "concern_2", "concern_3")

    concern_1 = forms.ChoiceField(label=_("Most important"), required=False)
    concern_2 = forms.ChoiceField(label=_("Second"), required=False)
    concern_3 = forms.ChoiceField(label=_("Third"), required=False)
    concerns_text = forms.CharField(
        label=_("Anything else you'd like us to know? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only the therapist you book with reads this, so your first conversation can "
            "start where you are."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _blank_choice(_("— none —")) + _vocabulary_choices(Concern)
        for name in self.RANK_FIELDS:
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose a concern from the list."
            )

    def layout(self) -> Layout:
        return Layout(
            Fieldset(_("Your concerns, ranked"), *self.RANK_FIELDS),
            "concerns_text",
        )

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for name in self.RANK_FIELDS:
            value = cleaned.get(name)
            if not value:
                continue
            if value.lower() in seen:
                self.add_error(
                    name,
                    _(
                        "You already chose “%(concern)s” as %(rank)s; choose a different "
                        "concern here or leave it empty."
                    )
                    % {"concern": value, "rank": seen[value.lower()]},
                )
            else:
                seen[value.lower()] = str(self.fields[name].label).lower()
        return cleaned

    def to_answers(self) -> dict:
        ranked = [self.cleaned_data[n] for n in self.RANK_FIELDS if self.cleaned_data.get(n)]
        return {"concerns": ranked, "concerns_text": self.cleaned_data["concerns_text"]}

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        names = _vocabulary(Concern)
        ranked = [_canonical(names, c) for c in answers.get("concerns", [])][:MAX_CONCERNS]
        data = dict.fromkeys(cls.RANK_FIELDS, "")
        data.update(zip(cls.RANK_FIELDS, ranked, strict=False))
        data["concerns_text"] = answers.get("concerns_text", "")
        return data


class GoalsForm(IntakeStepForm):
    slug = "goals"
    title = _("What would you like to change?")

    goals = forms.CharField(
        label=_("What would be different in your life if therapy works?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A sentence or two in your own words is plenty; the therapist you book with reads it."
        ),
    )
    goal_tags = forms.MultipleChoiceField(
        label=_("Goals that fit (choose up to three)"),
        choices=list(GOAL_TAG_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("We look for therapists who work on these."),
        error_messages={"invalid_choice": _("Choose goals from the list.")},
    )

    def clean_goal_tags(self):
        tags = self.cleaned_data["goal_tags"]
        if len(tags) > MAX_GOAL_TAGS:
            raise forms.ValidationError(
                _(
                    "Choose up to three goals; you chose %(count)d. "
                    "Untick the ones that matter less."
                )
                % {"count": len(tags)}
            )
        return tags

    def to_answers(self) -> dict:
        return {"goals": self.cleaned_data["goals"], "goal_tags": self.cleaned_data["goal_tags"]}

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        return {"goals": answers.get("goals", ""), "goal_tags": list(answers.get("goal_tags", []))}


class RangeInput(forms.NumberInput):
    input_type = "range"


def _style_field(key: str) -> forms.IntegerField:
    question, low, high = STYLE_POLES[key]
    return forms.IntegerField(
        label=question,
        min_value=1,
        max_value=5,
        initial=3,
        widget=RangeInput(
            attrs={"min": 1, "max": 5, "step": 1, "data-low": low, "data-high": high}
        ),
        help_text=format_html(
            '<span class="d-flex justify-content-between gap-3">'
            '<span>{}</span><span class="text-end">{}</span></span>',
            format_html("1 = {}", low),
            format_html("5 = {}", high),
        ),
        error_messages={
            "required": _("Choose a value from 1 to 5."),
            "invalid": _("Choose a value from 1 to 5."),
            "min_value": _("Choose a value from 1 to 5."),
            "max_value": _("Choose a value from 1 to 5."),
        },
    )


class StyleForm(IntakeStepForm):
    slug = "style"
    title = _("How would you like to work?")
    intro = _(
        "There are no right answers. We compare these with how each therapist says they work; "
        "leave a slider in the middle if you don't mind."
    )
    STYLE_FIELDS = ("lead", "focus", "time", "challenge")

    lead = _style_field("lead")
    focus = _style_field("focus")
    time = _style_field("time")
    challenge = _style_field("challenge")
    approaches_wanted = forms.MultipleChoiceField(
        label=_("Approaches I'd like"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    approaches_avoided = forms.MultipleChoiceField(
        label=_("Approaches I'd rather avoid"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = Approach.objects.filter(is_active=True).values_list(
            "name", "name_es", "description", "description_es"
        )
        # Each approach's one line in plain words, shown beside it (static/css/intake.css), in
        # the reader's language.
        self.approach_descriptions = {
            name: term_label(description, description_es)
            for name, _name_es, description, description_es in rows
        }
        choices = [(name, term_label(name, name_es)) for name, name_es, _d, _d_es in rows]
        self.approach_labels = dict(choices)
        for name in ("approaches_wanted", "approaches_avoided"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose approaches from the list."
            )

    def layout(self) -> Layout:
        return Layout(*self.style_layout())

    def style_layout(self) -> list:
        return [
            Fieldset(_("Your way of working"), *self.STYLE_FIELDS),
            HTML('{% include "matching/intake_approaches.html" %}'),
        ]

    def approach_rows(self) -> list[tuple[str, str, str, object, object]]:
        """Each approach with its description and its two boxes: (name, the name as the reader
        reads it, description, "I'd like" box, "I'd rather avoid" box)."""
        wanted = {w.data["value"]: w for w in self["approaches_wanted"]}
        avoided = {w.data["value"]: w for w in self["approaches_avoided"]}
        return [
            (name, self.approach_labels[name], description, wanted[name], avoided[name])
            for name, description in self.approach_descriptions.items()
        ]

    def approaches_open(self) -> bool:
        """The disclosure starts open when the person chose approaches or one needs fixing."""
        names = ("approaches_wanted", "approaches_avoided")
        chosen = any(self[name].value() for name in names)
        return chosen or (self.is_bound and any(name in self.errors for name in names))

    def clean(self):
        cleaned = super().clean()
        wanted = cleaned.get("approaches_wanted") or []
        avoided = cleaned.get("approaches_avoided") or []
        both = [name for name in wanted if name in avoided]
        if both:
            self.add_error(
                "approaches_avoided",
                _(
                    "You ticked both “I'd like this” and “I'd rather avoid this” for "
                    "%(names)s; untick one of them."
                )
                % {"names": ", ".join(both)},
            )
        return cleaned

    def to_answers(self) -> dict:
        data = self.cleaned_data
        return {
            "style": {key: data[key] for key in self.STYLE_FIELDS},
            "approaches_wanted": data["approaches_wanted"],
            "approaches_avoided": data["approaches_avoided"],
        }

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        names = _vocabulary(Approach)
        style = answers.get("style", {})
        wanted = [_canonical(names, a) for a in answers.get("approaches_wanted", [])]
        avoided = [_canonical(names, a) for a in answers.get("approaches_avoided", [])]
        data = {key: str(style.get(key, 3)) for key in cls.STYLE_FIELDS}
        data.update(approaches_wanted=wanted, approaches_avoided=avoided)
        return data


def _importance_field(legend) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=legend,
        choices=IMPORTANCE,
        initial="none",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how much this matters."),
            "invalid_choice": _("Choose how much this matters."),
        },
    )


class TherapistForm(IntakeStepForm):
    slug = "therapist"
    title = _("Your therapist")
    intro = _(
        "Does any of this matter to you? A “must have” means we only show therapists who match; "
        "“nice to have” ranks them higher."
    )
    VALUED = ("gender", "language", "community")
    MISSING_VALUE = {
        "gender": _(
            "Choose a gender or write it in your own words, or set this to “Doesn't matter”."
        ),
        "language": _("Choose a language, or set this to “Doesn't matter”."),
        "community": _("Choose a background, or set this to “Doesn't matter”."),
    }

    gender = forms.ChoiceField(
        label=_("Preferred gender"),
        choices=_blank_choice(_("No preference")) + GENDERS,
        required=False,
    )
    gender_words = forms.CharField(label=_("Or in your own words"), max_length=40, required=False)
    gender_importance = _importance_field(_("How much does the therapist's gender matter?"))
    language = forms.ChoiceField(label=_("Preferred language"), required=False)
    language_importance = _importance_field(_("How much does the language matter?"))
    community = forms.ChoiceField(label=_("Preferred background"), required=False)
    community_importance = _importance_field(_("How much does a shared background matter?"))
    lgbtq_affirming_importance = _importance_field(
        _("How much does an LGBTQ+-affirming therapist matter?")
    )
    faith_informed_importance = _importance_field(
        _("How much does a faith-informed therapist matter?")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        no_preference = _blank_choice(_("No preference"))
        self.fields["language"].choices = no_preference + _vocabulary_choices(Language)
        self.fields["community"].choices = no_preference + _vocabulary_choices(Community)
        for name in self.VALUED:
            self.fields[name].error_messages["invalid_choice"] = _("Choose from the list.")
        if not self.is_bound and not self.initial:
            prefer_the_page_language(self)

    def layout(self) -> Layout:
        return Layout(
            Fieldset(_("Gender"), "gender", "gender_words", InlineRadios("gender_importance")),
            Fieldset(
                _("Language spoken in sessions"), "language", InlineRadios("language_importance")
            ),
            Fieldset(
                _("Shared cultural background"), "community", InlineRadios("community_importance")
            ),
            Fieldset(_("LGBTQ+-affirming"), InlineRadios("lgbtq_affirming_importance")),
            Fieldset(_("Faith-informed"), InlineRadios("faith_informed_importance")),
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("gender") and cleaned.get("gender_words"):
            self.add_error(
                "gender_words", _("Choose from the list or use your own words, not both.")
            )
        for key in self.VALUED:
            importance = cleaned.get(f"{key}_importance")
            value = self._value(key)
            if importance in ("nice", "must") and not value:
                self.add_error(key, self.MISSING_VALUE[key])
            elif importance == "none" and value:
                self.add_error(
                    f"{key}_importance",
                    _(
                        "You chose “%(value)s”: say whether it's nice to have or a must-have, "
                        "or clear your choice."
                    )
                    % {"value": value},
                )
        return cleaned

    def _value(self, key: str) -> str:
        if key == "gender":
            words = (self.cleaned_data.get("gender_words") or "").strip()
            return words or self.cleaned_data.get("gender") or ""
        return self.cleaned_data.get(key) or ""

    def to_answers(self) -> dict:
        preferences = {}
        for key in ("gender", "language", "community", "lgbtq_affirming", "faith_informed"):
            importance = self.cleaned_data[f"{key}_importance"]
            entry = {"importance": importance}
            if key in self.VALUED and importance != "none":
                entry = {"value": self._value(key), "importance": importance}
            preferences[key] = entry
        return {"preferences": preferences}

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        preferences = answers.get("preferences", {})
        data = {}
        for key in ("gender", "language", "community", "lgbtq_affirming", "faith_informed"):
            data[f"{key}_importance"] = preferences.get(key, {}).get("importance", "none")
        gender = preferences.get("gender", {}).get("value", "")
        listed = {value for value, _label in GENDERS}
        data["gender"] = gender.lower() if gender.lower() in listed else ""
        data["gender_words"] = "" if gender.lower() in listed else gender
        for key, model in (("language", Language), ("community", Community)):
            value = preferences.get(key, {}).get("value", "")
            data[key] = _canonical(_vocabulary(model), value) if value else ""
        return data


# The vocabulary name of each language the site is written in besides English.
SITE_LANGUAGE_NAMES = {"es": "Spanish"}


def prefer_the_page_language(form) -> None:
    """A client using the site in Spanish starts this question with Spanish as nice to have
    (told so, and free to change it): their answers haven't been given yet."""
    name = SITE_LANGUAGE_NAMES.get(translation.get_language())
    offered = [value for value, _label in form.fields["language"].choices if value]
    name = _canonical(offered, name) if name else ""
    if name not in offered:
        return
    form.initial["language"] = name
    form.initial["language_importance"] = "nice"
    form.fields["language"].help_text = _(
        "You are using the site in Spanish, so we have set Spanish as nice to have. "
        "Change it if you like."
    )


BUDGET_MESSAGE = _("Enter an amount in dollars as a number, such as 120, or leave it empty.")


class PracticalForm(IntakeStepForm):
    slug = "practical"
    title = _("Practical details")

    state = forms.ChoiceField(
        label=_("State you live in"),
        choices=_blank_choice(_("Choose your state")) + US_STATES,
        help_text=_("Therapists can only see clients in states where they are licensed."),
        error_messages={
            "required": _("Choose the state you live in."),
            "invalid_choice": _("Choose the state you live in from the list."),
        },
    )
    format = forms.ChoiceField(
        label=_("How would you like to meet?"),
        choices=CLIENT_FORMATS,
        widget=forms.RadioSelect,
        help_text=_("We only show therapists who offer this."),
        error_messages={"required": _("Choose how you would like to meet.")},
    )
    offices = forms.MultipleChoiceField(
        label=_("Offices you can get to (for in person)"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose offices from the list.")},
    )
    times = forms.MultipleChoiceField(
        label=_("Times that work for you"),
        choices=TIMES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Therapists with open times that suit you rank higher. Leave empty if any time works."
        ),
        error_messages={"invalid_choice": _("Choose times from the list.")},
    )
    insurance = forms.ChoiceField(
        label=_("Insurance plan"),
        required=False,
        error_messages={"invalid_choice": _("Choose your plan from the list.")},
    )
    self_pay_budget = forms.CharField(
        label=_("Self-pay budget per session, in US dollars"),
        required=False,
        max_length=40,
        help_text=_("The most you could pay per session, such as 120. Sliding scale welcome."),
        error_messages={"max_length": BUDGET_MESSAGE},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    past_therapy = forms.CharField(
        label=_("What helped, or didn't, in past therapy? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the therapist you book with reads this."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offices"].choices = _vocabulary_choices(Office)
        self.fields["insurance"].choices = _blank_choice(
            _("No insurance / I'll pay myself")
        ) + _vocabulary_choices(InsurancePlan)

    def layout(self) -> Layout:
        return Layout(
            "state",
            "format",
            "offices",
            "times",
            Fieldset(
                _("Payment"),
                HTML(
                    format_html(
                        '<p class="form-text mt-0">{}</p>',
                        _(
                            "Your insurance plan, a self-pay budget, or both. Both are "
                            "optional: with neither, we show therapists whatever their fee."
                        ),
                    )
                ),
                "insurance",
                "self_pay_budget",
            ),
            "past_therapy",
        )

    def clean_self_pay_budget(self):
        raw = self.cleaned_data["self_pay_budget"].strip().replace("$", "").replace(",", "")
        if not raw:
            return None
        try:
            amount = decimal.Decimal(raw)
        except decimal.InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0 or amount >= 10000:
            raise forms.ValidationError(BUDGET_MESSAGE)
        amount = amount.quantize(decimal.Decimal("0.01"))
        return int(amount) if amount == amount.to_integral_value() else float(amount)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("format") == "in person":
            if not cleaned.get("offices") and "offices" not in self.errors:
                self.add_error(
                    "offices",
                    _("Choose at least one office you can get to, or choose video or phone."),
                )
        elif "offices" in cleaned:
            cleaned["offices"] = []
        # "I'll pay myself" without a budget is a whole answer: no fee limit.
        return cleaned

    def to_answers(self) -> dict:
        data = self.cleaned_data
        payment = {}
        if data["insurance"]:
            payment["insurance"] = data["insurance"]
        if data["self_pay_budget"] is not None:
            payment["self_pay_budget"] = data["self_pay_budget"]
        return {
            "state": data["state"],
            "format": data["format"],
            "offices": data["offices"],
            "times": data["times"],
            "payment": payment,
            "past_therapy": data["past_therapy"],
        }

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        payment = answers.get("payment", {})
        offices = _vocabulary(Office)
        budget = payment.get("self_pay_budget")
        insurance = payment.get("insurance", "")
        return {
            "state": (answers.get("state") or "").upper(),
            "format": answers.get("format", ""),
            "offices": [_canonical(offices, o) for o in answers.get("offices", [])],
            "times": list(answers.get("times", [])),
            "insurance": _canonical(_vocabulary(InsurancePlan), insurance) if insurance else "",
            "self_pay_budget": "" if budget is None else str(budget),
            "past_therapy": answers.get("past_therapy", ""),
        }


class ContactForm(IntakeStepForm):
    slug = "contact"
    title = _("How can we reach you?")
    intro = _("We only use these to send your matches and booking details.")

    first_name = forms.CharField(
        label=_("First name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": _("Enter your first name, or the name you'd like us to use.")},
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your email address, such as name@example.org."),
            "invalid": _("Enter an email address in the form name@example.org."),
        },
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    timezone = forms.ChoiceField(
        label=_("Your time zone"),
        help_text=_("Consultation times are shown in this zone."),
        error_messages={
            "required": _("Choose your time zone from the list."),
            "invalid_choice": _("Choose your time zone from the list."),
        },
    )
    timezone_other = forms.CharField(
        label=_("Another time zone"),
        max_length=64,
        required=False,
        help_text=_(
            "Only if you chose “Another time zone” above: a city or zone name, such as Madrid "
            "or Europe/Madrid."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    consent = forms.BooleanField(
        error_messages={
            "required": _(
                "Tick this box to agree to the privacy notice; we need it to suggest therapists."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone_field = self.fields["timezone"]
        zone_field.choices = self.zone_choices(self._chosen_zone())
        # What static/js/intake.js needs to show the browser's zone, unlisted, the same way.
        zone_field.widget.attrs["data-zone-labels"] = json.dumps(
            {name: zone_label(name) for name in ZONE_NAMES}
        )
        zone_field.widget.attrs["data-city-label"] = city_time_label("{city}")
        self.fields["consent"].label = format_html(
            '{} <a href="{}">{}</a>.',
            _("I agree that the practice keeps my answers as described in the"),
            reverse("privacy"),
            pgettext_lazy("link text", "privacy notice"),
        )

    def clean_phone(self):
        return clean_phone_number(self.cleaned_data["phone"])

    @staticmethod
    def zone_choices(chosen: str | None = None) -> list[tuple[str, str]]:
        """The listed zones as people read them, the client's own zone when it isn't listed,
        and "Another time zone" for typing one in."""
        names = list(COMMON_TIME_ZONES)
        if chosen and chosen not in names and chosen in known_zones():
            names.append(chosen)
        return [(name, zone_label(name)) for name in names] + [
            (OTHER_ZONE, _("Another time zone (type it below)"))
        ]

    def _chosen_zone(self) -> str | None:
        if self.is_bound:
            return self.data.get(self.add_prefix("timezone"))
        return self.initial.get("timezone")

    def clean_timezone_other(self):
        typed = self.cleaned_data["timezone_other"].strip()
        if not typed:
            return ""
        found = _zone_named(typed)
        if found is None:
            raise forms.ValidationError(
                _(
                    "We don't know the time zone “%(zone)s”; type a city such as Madrid or a "
                    "zone name such as Europe/Madrid."
                )
                % {"zone": typed}
            )
        return found

    def clean(self):
        cleaned = super().clean()
        chosen, typed = cleaned.get("timezone"), cleaned.get("timezone_other")
        if "timezone_other" in self.errors or not chosen:
            return cleaned
        if chosen == OTHER_ZONE and not typed:
            self.add_error(
                "timezone_other",
                _("Type your time zone, such as Madrid, or choose one from the list above."),
            )
        elif chosen != OTHER_ZONE and typed and typed != chosen:
            # The visible choice and the box disagree: ask rather than let either win unseen.
            self.add_error(
                "timezone_other",
                _(
                    "You chose %(chosen)s in the list and typed %(typed)s here. To use what you "
                    "typed, choose “Another time zone” in the list; otherwise clear this box."
                )
                % {"chosen": zone_label(chosen), "typed": zone_label(typed)},
            )
        return cleaned

    def to_answers(self) -> dict:
        data = self.cleaned_data
        chosen = data["timezone"]
        return {
            "first_name": data["first_name"].strip(),
            "email": data["email"],
            "phone": data["phone"],
            "timezone": data["timezone_other"] if chosen == OTHER_ZONE else chosen,
            "consent": True,
        }

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        zone = answers.get("timezone", "")
        return {
            "first_name": answers.get("first_name", ""),
            "email": answers.get("email", ""),
            "phone": answers.get("phone", ""),
            "timezone": zone if zone in known_zones() else COMMON_TIME_ZONES[0],
            "timezone_other": "",
            "consent": "on" if answers.get("consent") else "",
        }


def _zone_named(typed: str) -> str | None:
    """The zone a client typed: its exact name in any case ("europe/madrid"), or a city that
    names one zone ("Madrid", "new york")."""
    lowered = {name.lower(): name for name in known_zones()}
    if typed.lower() in lowered:
        return lowered[typed.lower()]
    wanted = typed.strip().lower().replace("_", " ")
    by_city = [name for name in known_zones() if "/" in name and zone_city(name).lower() == wanted]
    # Prefer the canonical, two-part name ("Europe/Madrid") over old aliases.
    by_city.sort(key=lambda name: (name.count("/") != 1, name))
    return by_city[0] if by_city else None


class AboutYouForm(AboutForm, ConcernsForm, GoalsForm):
    """One screen: who the therapy is for, what brings them, and what they hope will change."""

    slug = "about"
    title = _("About you and what brings you")
    intro = _(
        "This tells us which therapists work with people like you, on what matters to you. "
        "Only who the therapy is for, and their age, are needed; the rest is optional."
    )

    def layout(self) -> Layout:
        return Layout(
            Fieldset(_("Who the therapy is for"), "for_whom", "age_band"),
            Fieldset(
                _("What brings you to therapy"),
                HTML(format_html('<p class="form-text mt-0">{}</p>', ConcernsForm.intro)),
                *self.RANK_FIELDS,
                "concerns_text",
            ),
            Fieldset(_("What you'd like to change"), "goals", "goal_tags"),
        )

    def to_answers(self) -> dict:
        return {
            **AboutForm.to_answers(self),
            **ConcernsForm.to_answers(self),
            **GoalsForm.to_answers(self),
        }

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        return {
            **AboutForm.data_from_answers(answers),
            **ConcernsForm.data_from_answers(answers),
            **GoalsForm.data_from_answers(answers),
        }


class WorkingForm(StyleForm, TherapistForm):
    """One screen: how the person would like to work, and what matters about the therapist."""

    slug = "therapist"
    title = _("How you'd like to work, and with whom")
    intro = _(
        "We compare your answers with how each therapist works. There are no right answers, "
        "and you can leave everything as it is if you don't mind."
    )

    def layout(self) -> Layout:
        return Layout(
            *self.style_layout(),
            HTML(
                format_html(
                    '<h2 class="h4 mt-4">{}</h2><p>{}</p>',
                    _("Your therapist"),
                    TherapistForm.intro,
                )
            ),
            *TherapistForm.layout(self).fields,
        )

    def to_answers(self) -> dict:
        return {**StyleForm.to_answers(self), **TherapistForm.to_answers(self)}

    @classmethod
    def data_from_answers(cls, answers: dict) -> dict:
        return {**StyleForm.data_from_answers(answers), **TherapistForm.data_from_answers(answers)}


# The screens before the review, in order: the safety question stays first. Each groups forms
# above, so every question of the longer intake is still asked and scored the same way.
STEP_FORMS: list[type[IntakeStepForm]] = [
    SafetyForm,
    AboutYouForm,
    WorkingForm,
    PracticalForm,
    ContactForm,
]
STEPS = {form.slug: form for form in STEP_FORMS}
# Screens the intake used to have, and the screen that asks their questions now, so an old link
# ("Change this answer" in an older email or page) still lands in the right place.
FORMER_STEPS = {"concerns": "about", "goals": "about", "style": "therapist"}

# The keys of docs/interchange.md first, then the extra keys only the browser collects.
ANSWER_KEYS = (
    "for_whom", "age_band", "concerns", "goals", "style", "approaches_wanted",
    "approaches_avoided", "preferences", "state", "format", "offices", "times", "payment",
    "safety", "first_name", "email", "timezone",
    "concerns_text", "goal_tags", "past_therapy", "phone", "consent",
    "phq_interest", "phq_mood", "gad_nervous", "gad_worry",
)  # fmt: skip


def answers_from_forms(forms_by_slug: dict[str, IntakeStepForm]) -> dict:
    """The intake's answers from every step's valid form."""
    merged: dict = {}
    for form in forms_by_slug.values():
        merged.update(form.to_answers())
    return {key: merged[key] for key in ANSWER_KEYS if key in merged}


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def answers_summary(answers: dict) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The answers in plain words, in groups of questions: [(slug of the screen that asks them,
    title, [(question, answer)])]; one screen may ask several groups."""
    nothing = str(_("Not given"))

    def listed(values, labels=None) -> str:
        labels = labels or {}
        return ", ".join(labels.get(v, str(v)) for v in values) or nothing

    importance = _labels(IMPORTANCE)
    genders = _labels(GENDERS)
    # Vocabulary names as the reader of the page's language reads them.
    terms = {
        name: label
        for model in (Concern, Approach, Language, Community, Office, InsurancePlan)
        for name, label in _vocabulary_choices(model)
    }
    preferences = answers.get("preferences", {})

    def preference(key: str) -> str:
        entry = preferences.get(key, {})
        level = importance.get(entry.get("importance", "none"), "")
        value = entry.get("value")
        if key == "gender" and value:
            value = genders.get(value, value)
        elif value:
            value = terms.get(value, value)
        return f"{value} ({level})" if value else level

    style = answers.get("style", {})
    payment = answers.get("payment", {})
    payment_parts = []
    if payment.get("insurance"):
        payment_parts.append(str(_("Insurance: %(plan)s") % {"plan": payment["insurance"]}))
    if payment.get("self_pay_budget") is not None:
        payment_parts.append(
            str(_("Self-pay up to $%(amount)s") % {"amount": payment["self_pay_budget"]})
        )
    elif not payment_parts:
        payment_parts.append(str(_("I'll pay myself, no budget given")))
    ranked = [
        f"{i}. {terms.get(name, name)}" for i, name in enumerate(answers.get("concerns", []), 1)
    ]
    return [
        (
            "safety",
            str(SafetyForm.title),
            [(str(SAFETY_QUESTION), _labels(SAFETY).get(answers.get("safety"), nothing))]
            + [
                (str(words), _labels(SYMPTOM_SCALE).get(answers.get(key), nothing))
                for key, words in SYMPTOM_ITEMS
            ],
        ),
        (
            "about",
            str(AboutForm.title),
            [
                (str(_("Therapy for")), _labels(FOR_WHOM).get(answers.get("for_whom"), nothing)),
                (str(_("Age")), _labels(CLIENT_AGE_BANDS).get(answers.get("age_band"), nothing)),
            ],
        ),
        (
            "about",
            str(ConcernsForm.title),
            [
                (str(_("Concerns, most important first")), "; ".join(ranked) or nothing),
                (str(_("In your words")), answers.get("concerns_text") or nothing),
            ],
        ),
        (
            "about",
            str(GoalsForm.title),
            [
                (str(_("If therapy works")), answers.get("goals") or nothing),
                (
                    str(_("Goals")),
                    listed(answers.get("goal_tags", []), _labels(GOAL_TAG_LABELS.items())),
                ),
            ],
        ),
        (
            "therapist",
            str(StyleForm.title),
            [
                (
                    str(question),
                    str(_("%(value)s of 5 (1 = %(low)s, 5 = %(high)s)"))
                    % {"value": style.get(key, "–"), "low": low, "high": high},
                )
                for key, (question, low, high) in STYLE_POLES.items()
            ]
            + [
                (
                    str(_("Approaches I'd like")),
                    listed(answers.get("approaches_wanted", []), terms),
                ),
                (
                    str(_("Approaches I'd rather avoid")),
                    listed(answers.get("approaches_avoided", []), terms),
                ),
            ],
        ),
        (
            "therapist",
            str(TherapistForm.title),
            [
                (str(_("Gender")), preference("gender")),
                (str(_("Language")), preference("language")),
                (str(_("Shared background")), preference("community")),
                (str(_("LGBTQ+-affirming")), preference("lgbtq_affirming")),
                (str(_("Faith-informed")), preference("faith_informed")),
            ],
        ),
        (
            "practical",
            str(PracticalForm.title),
            [
                (str(_("State")), _labels(US_STATES).get(answers.get("state"), nothing)),
                (str(_("Meeting")), _labels(CLIENT_FORMATS).get(answers.get("format"), nothing)),
                (str(_("Offices")), listed(answers.get("offices", []), terms)),
                (str(_("Times")), listed(answers.get("times", []), _labels(TIMES)) or nothing),
                (str(_("Payment")), "; ".join(payment_parts) or nothing),
                (str(_("Past therapy")), answers.get("past_therapy") or nothing),
            ],
        ),
        (
            "contact",
            str(ContactForm.title),
            [
                (str(_("First name")), answers.get("first_name") or nothing),
                (str(_("Email")), answers.get("email") or nothing),
                (str(_("Phone")), answers.get("phone") or nothing),
                (str(_("Time zone")), zone_label(answers.get("timezone")) or nothing),
            ],
        ),
    ]
