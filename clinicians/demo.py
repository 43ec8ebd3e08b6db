"""The demo practice: about 40 clinicians, generated deterministically in the roster format.

Everything comes from the fixed lists below and one seeded random.Random, so two runs on the same
day give the same roster. Licence expiry dates are relative to today so that a few are always
about to expire (and one has expired), which the admin flags.
"""

import datetime as dt
import random

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.text import slugify

SEED = 20240915
DOMAIN = "alliance.example.org"

# first, last, pronouns, gender, languages besides English, communities
PEOPLE = [
    ("Maya", "Chen", "she/her", "woman", ["Mandarin"], ["Asian American", "LGBTQ+"]),
    ("Daniel", "Okafor", "he/him", "man", [], ["Black", "immigrant"]),
    ("Sofia", "Ramirez", "she/her", "woman", ["Spanish"], ["Latina/o/x"]),
    ("Ji-woo", "Park", "they/them", "nonbinary", ["Korean"], ["Asian American", "LGBTQ+"]),
    ("Rachel", "Goldberg", "she/her", "woman", [], []),
    ("Marcus", "Johnson", "he/him", "man", [], ["Black", "veteran"]),
    ("Priya", "Natarajan", "she/her", "woman", ["Hindi"], ["South Asian", "immigrant"]),
    ("Thomas", "Byrne", "he/him", "", [], []),
    ("Elena", "Petrova", "she/her", "woman", ["Russian"], ["immigrant"]),
    ("Luis", "Hernandez", "he/him", "man", ["Spanish"], ["Latina/o/x"]),
    (
        "Hannah",
        "Miller",
        "she/her",
        "woman",
        ["American Sign Language"],
        ["person with a disability"],
    ),
    ("Kwame", "Mensah", "he/him", "man", ["French"], ["Black", "immigrant"]),
    ("Linh", "Nguyen", "she/her", "woman", ["Vietnamese"], ["Asian American"]),
    ("Samira", "Haddad", "she/her", "woman", ["Arabic", "French"], ["Middle Eastern and North African"]),  # noqa: E501
    ("Jordan", "Taylor", "they/them", "nonbinary", [], ["LGBTQ+"]),
    ("Grace", "Kim", "she/her", "woman", ["Korean"], ["Asian American"]),
    ("Robert", "Walsh", "he/him", "man", [], ["veteran"]),
    ("Camila", "Souza", "she/her", "woman", ["Portuguese", "Spanish"], ["Latina/o/x", "immigrant"]),
    ("David", "Levine", "he/him", "", [], []),
    ("Aisha", "Bello", "she/her", "woman", [], ["Black"]),
    ("Michael", "Chang", "he/him", "man", ["Cantonese", "Mandarin"], ["Asian American"]),
    ("Rosa", "Delgado", "she/her", "woman", ["Spanish"], ["Latina/o/x"]),
    ("Jean", "Pierre", "he/him", "man", ["Haitian Creole", "French"], ["Black", "immigrant"]),
    ("Emily", "Carter", "she/her", "woman", [], []),
    ("Noah", "Whitehorse", "he/him", "man", [], ["Indigenous"]),
    ("Maria", "Santos", "she/her", "woman", ["Tagalog"], ["Asian American", "immigrant"]),
    ("Sarah", "O'Connell", "she/her", "woman", [], ["LGBTQ+"]),
    ("Arjun", "Mehta", "he/him", "man", ["Hindi"], ["South Asian"]),
    ("Olivia", "Brooks", "she/her", "woman", [], ["Black", "LGBTQ+"]),
    ("Benjamin", "Rossi", "he/him", "", [], []),
    ("Yuna", "Lee", "she/her", "woman", ["Korean"], ["Asian American"]),
    ("Alex", "Moreno", "they/them", "nonbinary", ["Spanish"], ["Latina/o/x", "LGBTQ+"]),
    ("Katherine", "Douglas", "she/her", "woman", [], []),
    ("Omar", "Farouk", "he/him", "man", ["Arabic"], ["Middle Eastern and North African"]),
    ("Lauren", "Fischer", "she/her", "woman", ["American Sign Language"], []),
    ("Isaiah", "Grant", "he/him", "man", [], ["Black"]),
    ("Mei", "Wu", "she/her", "woman", ["Cantonese"], ["Asian American", "immigrant"]),
    ("Patrick", "Sullivan", "he/him", "man", [], ["veteran"]),
    ("Nadia", "Rahman", "she/her", "woman", ["Hindi"], ["South Asian"]),
    ("Ethan", "Cole", "he/him", "man", [], []),
]  # fmt: skip

# The logins `demo_logins` creates for clinicians.
DEMO_CLINICIAN_EMAILS = [f"maya.chen@{DOMAIN}", f"daniel.okafor@{DOMAIN}"]

# A kind of practice each clinician has: concerns, approaches, ages, credentials.
PROFILES = [
    {
        "concerns": ["anxiety", "depression", "stress and burnout", "work and career", "sleep"],
        "approaches": ["CBT", "ACT", "mindfulness-based", "solution-focused"],
        "ages": ["adults"],
        "credentials": ["LCSW", "LPC", "PhD"],
    },
    {
        "concerns": ["trauma and PTSD", "anxiety", "grief and loss", "depression", "anger"],
        "approaches": ["EMDR", "cognitive processing therapy", "internal family systems", "DBT"],
        "ages": ["adults", "older adults"],
        "credentials": ["LCSW", "PsyD", "LPC"],
    },
    {
        "concerns": [
            "couples",
            "relationships",
            "family conflict",
            "parenting",
            "life transitions",
        ],
        "approaches": ["emotionally focused", "Gottman method", "family systems", "narrative"],
        "ages": ["adults", "couples", "families"],
        "credentials": ["LMFT"],
    },
    {
        "concerns": ["ADHD", "anxiety", "parenting", "family conflict", "self-esteem"],
        "approaches": ["play therapy", "CBT", "family systems", "solution-focused"],
        "ages": ["children", "teens", "families"],
        "credentials": ["LCSW", "PsyD", "LMFT"],
    },
    {
        "concerns": ["OCD", "anxiety", "eating and body image", "self-esteem", "depression"],
        "approaches": ["exposure and response prevention", "CBT", "ACT", "DBT"],
        "ages": ["teens", "adults"],
        "credentials": ["PhD", "PsyD", "LPCC"],
    },
    {
        "concerns": ["substance use", "depression", "anger", "stress and burnout", "sleep"],
        "approaches": ["motivational interviewing", "CBT", "DBT", "person-centred"],
        "ages": ["adults", "older adults"],
        "credentials": ["LCSW", "LPC", "MD"],
    },
    {
        "concerns": [
            "LGBTQ+ identity",
            "racial and cultural identity",
            "self-esteem",
            "relationships",
            "life transitions",
        ],
        "approaches": ["person-centred", "narrative", "psychodynamic", "ACT"],
        "ages": ["teens", "adults"],
        "credentials": ["LCSW", "LMFT", "PhD"],
    },
    {
        "concerns": [
            "perinatal and postpartum",
            "anxiety",
            "depression",
            "parenting",
            "chronic illness and pain",
        ],
        "approaches": ["psychodynamic", "mindfulness-based", "CBT", "person-centred"],
        "ages": ["adults"],
        "credentials": ["PhD", "LCSW", "MD"],
    },
]
EXTRA_CONCERNS = ["grief and loss", "life transitions", "self-esteem", "sleep", "relationships"]
PLANS = [
    "Aetna",
    "Blue Cross Blue Shield",
    "Cigna",
    "UnitedHealthcare",
    "Optum",
    "Oscar",
    "Medicare",
    "Medicaid",
]
ZONES = ["America/New_York"] * 7 + ["America/Chicago", "America/Denver", "America/Los_Angeles"]
STATE_WEIGHTS = (["NY"] * 5) + (["NJ"] * 3) + (["CT"] * 2)
NUMBER_PREFIX = {"NY": "R-", "NJ": "37SS0", "CT": "00"}
# Weekly windows a clinician may offer, in their own zone.
WINDOWS = [
    ("mon", "09:00", "11:00"),
    ("tue", "08:00", "10:00"),
    ("tue", "12:00", "13:30"),
    ("wed", "13:00", "16:00"),
    ("thu", "10:00", "12:00"),
    ("fri", "09:00", "12:00"),
    ("mon", "17:00", "19:00"),
    ("tue", "18:00", "20:30"),
    ("wed", "17:30", "20:00"),
    ("thu", "18:00", "21:00"),
    ("sat", "10:00", "13:00"),
    ("sun", "11:00", "14:00"),
]
# Each demo clinician's one-line introduction, in their own voice, written to match the practice
# the generator gives them (their focus, ages and style); keyed by (first, last) name.
INTROS = {
    ("Maya", "Chen"): "When work has taken over your life, I help you step back, find what matters and make small, practical changes that last.",  # noqa: E501
    ("Daniel", "Okafor"): "Grief doesn't follow a timetable. I walk alongside you at your pace, and we work on what today asks of you.",  # noqa: E501
    ("Sofia", "Ramirez"): "I help couples and families stop having the same argument and start hearing each other again.",  # noqa: E501
    ("Ji-woo", "Park"): "I work with kids, teens and their parents on attention, big feelings and the daily battles at home.",  # noqa: E501
    ("Rachel", "Goldberg"): "If getting out of bed feels like a lot right now, we'll start there, gently, and follow your lead.",  # noqa: E501
    ("Marcus", "Johnson"): "I make room for the whole story behind stress, drinking or low mood, and I'll be honest with you along the way.",  # noqa: E501
    ("Priya", "Natarajan"): "Whether you're coming out, starting over or finding your footing, I offer a warm space to work out who you want to be.",  # noqa: E501
    ("Thomas", "Byrne"): "I help people with depression notice what they feel and take steady steps back toward the life they want now.",  # noqa: E501
    ("Elena", "Petrova"): "I bring calm, structure and a lot of kindness to depression, with skills you can use between our sessions.",  # noqa: E501
    ("Luis", "Hernandez"): "I offer clear, practical tools for depression and for the heavy things that happened before.",  # noqa: E501
    ("Hannah", "Miller"): "Big changes — a move, a diagnosis, retirement, a new family — are easier with someone beside you. I sign, too.",  # noqa: E501
    ("Kwame", "Mensah"): "I help children and teens with worry, focus and confidence, and give parents tools that work at home.",  # noqa: E501
    ("Linh", "Nguyen"): "I help teens and adults quiet the inner critic around food, body and intrusive thoughts, with skills that work.",  # noqa: E501
    ("Samira", "Haddad"): "Changing your relationship with alcohol or drugs is hard. I'll listen closely, and I'll also say what I see.",  # noqa: E501
    ("Jordan", "Taylor"): "I offer a gentle, affirming space for people figuring out who they are, at any age and at your own pace.",  # noqa: E501
    ("Grace", "Kim"): "I support people through anxiety and the early months of parenthood, gently and without judgement.",  # noqa: E501
    ("Robert", "Walsh"): "I work with people whose job or low mood has them running on empty, and we build a plan together.",  # noqa: E501
    ("Camila", "Souza"): "After loss or trauma, I help you understand what happened and carry it differently, in English, Portuguese or Spanish.",  # noqa: E501
    ("David", "Levine"): "I help couples stuck in the same painful patterns learn to fight fair and feel close again.",  # noqa: E501
    ("Aisha", "Bello"): "I work with families where the house has got loud: kids with ADHD, worn-out parents and everything between.",  # noqa: E501
    ("Michael", "Chang"): "I help people with OCD and anxiety face what they fear, step by step, at a pace we agree on.",  # noqa: E501
    ("Rosa", "Delgado"): "If anger or burnout is costing you, I'll give you direct feedback and practical skills to cool things down.",  # noqa: E501
    ("Jean", "Pierre"): "I welcome people exploring race, culture and sexuality, and I'm curious about the feelings underneath.",  # noqa: E501
    ("Emily", "Carter"): "I support parents and people living with pain or illness, kindly and with tools that fit a busy life.",  # noqa: E501
    ("Noah", "Whitehorse"): "You set the pace. I help people worn down by work reconnect with what they value and feel.",  # noqa: E501
    ("Maria", "Santos"): "Loss can shake everything. I offer a soft place to land and go wherever you need to go.",  # noqa: E501
    ("Sarah", "O'Connell"): "I help couples and parents get unstuck, with concrete steps to try at home between sessions.",  # noqa: E501
    ("Arjun", "Mehta"): "I work with families and kids on worry and conflict, with clear structure and honest feedback.",  # noqa: E501
    ("Olivia", "Brooks"): "I help teens and adults with eating, body image and OCD, gently and with skills that work in real life.",  # noqa: E501
    ("Benjamin", "Rossi"): "If anger or low mood is hurting your life and the people in it, I'll help you change course, honestly and without blame.",  # noqa: E501
    ("Yuna", "Lee"): "I help people quiet self-doubt and treat themselves with more kindness, at a pace that feels right.",  # noqa: E501
    ("Alex", "Moreno"): "I support people through pregnancy, new parenthood, pain and illness, with structure and straight talk.",  # noqa: E501
    ("Katherine", "Douglas"): "I help people with depression make sense of where it came from and build skills that get life moving again.",  # noqa: E501
    ("Omar", "Farouk"): "I help people recover from trauma and loss with structured, proven methods, in English or Arabic.",  # noqa: E501
    ("Lauren", "Fischer"): "I help families who keep clashing find clearer ways to talk and practical ways to share the load. I sign, too.",  # noqa: E501
    ("Isaiah", "Grant"): "I help anxious kids and teens feel brave, and give parents simple plans that work at home.",  # noqa: E501
    ("Mei", "Wu"): "I help people with anxiety and OCD face what they avoid, with practical skills and honest encouragement.",  # noqa: E501
    ("Patrick", "Sullivan"): "If sleep has become a nightly fight, I'll listen first, then help you change habits that keep you up.",  # noqa: E501
    ("Nadia", "Rahman"): "I offer a warm, steady space to explore identity, relationships and the pressure to be everything to everyone.",  # noqa: E501
    ("Ethan", "Cole"): "I support new and expecting parents, including dads, through the anxious, tender early months.",  # noqa: E501
}  # fmt: skip

OPENINGS = [
    "Therapy works best when you feel understood, so our first job is to get to know you.",
    "Many people come to me when the strategies that used to work have stopped working.",
    "You don't need to have the right words for what's going on; we'll find them together.",
    "I believe change happens in a relationship where you feel safe enough to be honest.",
    "Reaching out takes courage, and I take that seriously from our first conversation.",
]
STYLE_LINES = {
    "lead": [
        "I follow your lead and let our sessions go where you need them to.",
        "I bring structure and suggest where we focus, and I check that it fits you.",
    ],
    "focus": [
        "We make room for feelings and what they are telling you.",
        "We work on concrete skills you can practise between sessions.",
    ],
}
CLOSINGS = [
    "Outside the office I garden, cook badly and walk a very old dog.",
    "I'm happy to talk in a free consultation about whether we'd be a good fit.",
    "I have worked in community clinics and hospitals before joining the practice.",
    "I see people from all walks of life and welcome questions about how I work.",
]


def _bio(rng: random.Random, focus: list[str], approaches: list[str], style: dict) -> str:
    lead = STYLE_LINES["lead"][0 if style["lead"] <= 3 else 1]
    focus_line = STYLE_LINES["focus"][0 if style["focus"] <= 3 else 1]
    return " ".join(
        [
            rng.choice(OPENINGS),
            f"I specialise in {', '.join(focus)}, with {' and '.join(approaches[:2])} approaches.",
            lead,
            focus_line,
            rng.choice(CLOSINGS),
        ]
    )


def _licences(rng: random.Random, index: int, today: dt.date) -> list[dict]:
    first = rng.choice(STATE_WEIGHTS)
    states = [first]
    if rng.random() < 0.4:
        states.append(rng.choice([s for s in ("NY", "NJ", "CT") if s != first]))
    licences = []
    for state in states:
        expires = today + dt.timedelta(days=rng.randint(200, 900))
        number = f"{NUMBER_PREFIX[state]}{rng.randint(10000, 99999)}"
        licences.append({"state": state, "number": number, "expires": expires.isoformat()})
    # A few licences to renew, and one that has lapsed (with a current one beside it).
    if index in (4, 17):
        licences[0]["expires"] = (today + dt.timedelta(days=15 + index)).isoformat()
    if index == 26:
        renewed, lapsed = today + dt.timedelta(days=400), today - dt.timedelta(days=12)
        licences = [
            {"state": "NY", "number": "R-33107", "expires": renewed.isoformat()},
            {"state": "NJ", "number": "37SS021190", "expires": lapsed.isoformat()},
        ]
    return licences


def demo_roster(*, today: dt.date) -> list[dict]:
    """The demo practice's clinicians in the interchange format."""
    rng = random.Random(SEED)
    rows = []
    for index, (first, last, pronouns, gender, languages, communities) in enumerate(PEOPLE):
        profile = PROFILES[index % len(PROFILES)]
        concerns = rng.sample(profile["concerns"], rng.randint(3, 5))
        concerns += [c for c in rng.sample(EXTRA_CONCERNS, 2) if c not in concerns]
        if "LGBTQ+" in communities and "LGBTQ+ identity" not in concerns:
            concerns.append("LGBTQ+ identity")
        focus = concerns[: rng.randint(1, 3)]
        approaches = rng.sample(profile["approaches"], rng.randint(2, 4))
        style = {dim: rng.randint(1, 5) for dim in ("lead", "focus", "time", "challenge")}
        licences = _licences(rng, index, today)
        states = {lic["state"] for lic in licences}
        formats = ["video"]
        if rng.random() < 0.4:
            formats.append("phone")
        offices = []
        if "NY" in states and rng.random() < 0.65:
            formats.append("in person")
            offices = rng.sample(["Downtown", "Northside"], rng.randint(1, 2))
        ages = list(profile["ages"])
        if "adults" in ages and rng.random() < 0.25 and "older adults" not in ages:
            ages.append("older adults")
        fee = rng.randrange(120, 260, 10)
        sliding = fee - rng.randrange(30, 90, 10) if rng.random() < 0.5 else None
        plans = sorted(rng.sample(PLANS, rng.randint(0, 4)), key=PLANS.index)
        hours = sorted(
            rng.sample(WINDOWS, rng.randint(2, 4)),
            key=lambda w: (("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(w[0]), w[1]),
        )
        email = f"{slugify(first)}.{slugify(last).replace('-', '')}@{DOMAIN}"
        rows.append(
            {
                "email": email,
                "first_name": first,
                "last_name": last,
                "pronouns": pronouns,
                "credentials": [rng.choice(profile["credentials"])],
                "licenses": licences,
                "bio": _bio(rng, focus, approaches, style),
                "intro": INTROS.get((first, last), ""),
                "gender": gender,
                "communities": communities,
                "lgbtq_affirming": "LGBTQ+" in communities or rng.random() < 0.6,
                "faith_informed": rng.random() < 0.2,
                "languages": ["English", *languages],
                "concerns": concerns,
                "focus_concerns": focus,
                "approaches": approaches,
                "ages": ages,
                "formats": formats,
                "offices": offices,
                "style": style,
                "insurance": plans,
                "self_pay_fee": fee,
                "sliding_scale_min": sliding,
                # A handful are full for now, to show paused clinicians.
                "accepting_new_clients": index % 7 != 5,
                "timezone": rng.choice(ZONES),
                "consultation_hours": [
                    {"weekday": day, "start": start, "end": end} for day, start, end in hours
                ],
                "weekly_consultation_capacity": rng.randint(3, 8),
                "video_link": f"https://video.{DOMAIN}/{slugify(first)}-{slugify(last)}",
                "active": True,
            }
        )
    return rows


def refuse_outside_demo() -> None:
    """Demo data and logins with published passwords never belong in a real practice."""
    if not settings.DEMO_DATA_ALLOWED:
        raise CommandError(
            "Demo data is turned off here (DEMO_DATA_ALLOWED is false, as in production)."
        )


def demo_rows_missing(rows: list[dict]) -> list[dict]:
    """The roster rows for demo clinicians not in the practice yet. Those already there are
    never rewritten, so what staff or a clinician changed (bio, hours, licences) stays."""
    from django.db.models.functions import Lower

    from clinicians.models import Clinician

    present = set(
        Clinician.objects.annotate(email_ci=Lower("email"))
        .filter(email_ci__in=[row["email"].lower() for row in rows])
        .values_list("email_ci", flat=True)
    )
    return [row for row in rows if row["email"].lower() not in present]
