"""What a client types on each intake page, and the answers that must come out of it."""

STEP_POSTS = [
    ("safety", {"safety": "not at all"}),
    ("about", {"for_whom": "myself", "age_band": "adults"}),
    (
        "concerns",
        {
            "concern_1": "trauma and PTSD",
            "concern_2": "anxiety",
            "concern_3": "",
            "concerns_text": "Since the accident I avoid driving.",
        },
    ),
    (
        "goals",
        {
            "goals": "Sleep through the night and stop avoiding driving.",
            "goal_tags": ["sleep better", "heal from the past"],
        },
    ),
    (
        "style",
        {
            "lead": "2",
            "focus": "4",
            "time": "5",
            "challenge": "2",
            "approaches_wanted": ["EMDR"],
        },
    ),
    (
        "therapist",
        {
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
    ),
    (
        "practical",
        {
            "state": "NY",
            "format": "video",
            "times": ["weekday evenings"],
            "insurance": "Aetna",
            "self_pay_budget": "",
            "past_therapy": "",
        },
    ),
    (
        "contact",
        {
            "first_name": "Ana",
            "email": "ana@example.org",
            "phone": "",
            "timezone": "America/New_York",
            "timezone_other": "",
            "consent": "on",
        },
    ),
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
    """POST every step (or those before `upto`) as the client would; returns the last response."""
    from django.urls import reverse

    overrides = overrides or {}
    response = None
    for slug, data in STEP_POSTS:
        if slug == upto:
            break
        payload = {**data, **overrides.get(slug, {}), "nav": "next"}
        response = client.post(reverse("matching:step", args=[slug]), payload)
        assert response.status_code == 302, (
            slug,
            response.context and response.context["form"].errors,
        )
    return response
