"""What a client types on each intake page, and the answers that must come out of it."""

# What the person enters for each group of questions, as the longer intake asked them (one page
# each); the screens below post the same fields, several groups to a screen.
PART_POSTS = {
    "safety": {"safety": "not at all"},
    "about": {"for_whom": "myself", "age_band": "adults"},
    "concerns": {
        "concern_1": "trauma and PTSD",
        "concern_2": "anxiety",
        "concern_3": "",
        "concerns_text": "Since the accident I avoid driving.",
    },
    "goals": {
        "goals": "Sleep through the night and stop avoiding driving.",
        "goal_tags": ["sleep better", "heal from the past"],
    },
    "style": {
        "lead": "2",
        "focus": "4",
        "time": "5",
        "challenge": "2",
        "approaches_wanted": ["EMDR"],
    },
    "therapist": {
        "gender": "woman",
        "gender_words": "",
        "gender_importance": "nice",
        "language": "Spanish",
        "language_importance": "must",
        "community": "Latina/o/x",
        "community_importance": "nice",
        "lgbtq_affirming_importance": "none",
        "faith_informed_importance": "none",
    },
    "practical": {
        "state": "NY",
        "format": "video",
        "times": ["weekday evenings"],
        "insurance": "Aetna",
        "self_pay_budget": "",
        "past_therapy": "",
    },
    "contact": {
        "first_name": "Ana",
        "email": "ana@example.org",
        "phone": "",
        "timezone": "America/New_York",
        "timezone_other": "",
        "consent": "on",
    },
}
# Which groups each screen asks, in order.
SCREEN_PARTS = {
    "safety": ("safety",),
    "about": ("about", "concerns", "goals"),
    "therapist": ("style", "therapist"),
    "practical": ("practical",),
    "contact": ("contact",),
}
STEP_POSTS = [
    (screen, {key: value for part in parts for key, value in PART_POSTS[part].items()})
    for screen, parts in SCREEN_PARTS.items()
]

EXPECTED_ANSWERS = {
    "for_whom": "myself",
    "age_band": "adults",
    "concerns": ["trauma and PTSD", "anxiety"],
    "goals": "Sleep through the night and stop avoiding driving.",
    "style": {"lead": 2, "focus": 4, "time": 5, "challenge": 2},
    "approaches_wanted": ["EMDR"],
    "approaches_avoided": [],
    "preferences": {
        "gender": {"value": "woman", "importance": "nice"},
        "language": {"value": "Spanish", "importance": "must"},
        "community": {"value": "Latina/o/x", "importance": "nice"},
        "lgbtq_affirming": {"importance": "none"},
        "faith_informed": {"importance": "none"},
    },
    "state": "NY",
    "format": "video",
    "offices": [],
    "times": ["weekday evenings"],
    "payment": {"insurance": "Aetna"},
    "safety": "not at all",
    "first_name": "Ana",
    "email": "ana@example.org",
    "timezone": "America/New_York",
    "concerns_text": "Since the accident I avoid driving.",
    "goal_tags": ["sleep better", "heal from the past"],
    "past_therapy": "",
    "phone": "",
    "consent": True,
}


def fill_intake(client, *, overrides=None, upto=None):
    """POST every screen (or those before `upto`) as the client would; returns the last response.

    `overrides` and `upto` may name a screen or a group of questions ("concerns" is on "about")."""
    from django.urls import reverse

    overrides = overrides or {}
    screen_of = {part: screen for screen, parts in SCREEN_PARTS.items() for part in parts}
    upto = screen_of.get(upto, upto)
    response = None
    for slug, data in STEP_POSTS:
        if slug == upto:
            break
        payload = dict(data)
        for part in SCREEN_PARTS[slug]:
            payload.update(overrides.get(part, {}))
        payload.update(overrides.get(slug, {}))
        payload["nav"] = "next"
        response = client.post(reverse("matching:step", args=[slug]), payload)
        assert response.status_code == 302, (
            slug,
            response.context and response.context["form"].errors,
        )
    return response
