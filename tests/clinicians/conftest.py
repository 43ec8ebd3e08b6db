import pytest


@pytest.fixture
def maya_row():
    """One clinician in the interchange format, as docs/interchange.md describes it."""
    return {
        "email": "maya.chen@example.org",
        "first_name": "Maya",
        "last_name": "Chen",
        "pronouns": "she/her",
        "credentials": ["LCSW"],
        "licenses": [{"state": "NY", "number": "R-10442", "expires": "2099-06-30"}],
        "bio": "I help people find steadier ground.",
        "intro": "I help people who feel stuck find steadier ground.",
        "gender": "woman",
        "communities": ["Asian American", "LGBTQ+"],
        "lgbtq_affirming": True,
        "faith_informed": False,
        "languages": ["English", "Mandarin"],
        "concerns": ["anxiety", "trauma and PTSD", "life transitions"],
        "focus_concerns": ["trauma and PTSD"],
        "approaches": ["EMDR", "CBT"],
        "ages": ["adults", "teens"],
        "formats": ["video", "in person"],
        "offices": ["Downtown"],
        "style": {"lead": 3, "focus": 4, "time": 4, "challenge": 2},
        "insurance": ["Aetna", "Cigna"],
        "self_pay_fee": 160,
        "sliding_scale_min": 90,
        "accepting_new_clients": True,
        "timezone": "America/New_York",
        "consultation_hours": [{"weekday": "mon", "start": "09:00", "end": "12:00"}],
    }


@pytest.fixture
def maya_csv_row():
    """The same clinician as a CSV row: every cell a string."""
    return {
        "email": "maya.chen@example.org",
        "first_name": "Maya",
        "last_name": "Chen",
        "pronouns": "she/her",
        "credentials": "lcsw",
        "licenses": "NY:R-10442:2099-06-30",
        "bio": "I help people find steadier ground.",
        "intro": "I help people who feel stuck find steadier ground.",
        "gender": "woman",
        "communities": "Asian American;LGBTQ+",
        "lgbtq_affirming": "true",
        "faith_informed": "false",
        "languages": "English; mandarin",
        "concerns": "anxiety;Trauma and PTSD;life transitions",
        "focus_concerns": "trauma and ptsd",
        "approaches": "EMDR;cbt",
        "ages": "adults;teens",
        "formats": "video;in person",
        "offices": "downtown",
        "style": "lead=3;focus=4;time=4;challenge=2",
        "insurance": "Aetna;Cigna",
        "self_pay_fee": "160",
        "sliding_scale_min": "90",
        "accepting_new_clients": "yes",
        "timezone": "America/New_York",
        "consultation_hours": "mon 09:00-12:00",
    }
