import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.urls import reverse

from clinicians.models import Credential
from consultations import tokens as consultation_tokens
from consultations.models import Consultation, FitCheck
from matching.models import Intake, MatchingSettings
from matching.tokens import new_token
from tests.clinicians.factories import ClinicianFactory

from .scoring_data import intake

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_intake(**changes) -> tuple[Intake, str]:
    raw, digest = new_token()
    row = Intake.objects.create(
        token_hash=digest,
        answers=intake(**changes),
        submitted_at=NOW,
        expires_at=NOW + dt.timedelta(days=30),
    )
    return row, raw


@pytest.fixture
def maya():
    return ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        pronouns="she/her",
        concerns=["trauma and PTSD", "anxiety"],
        focus_concerns=["trauma and PTSD"],
        insurance=["Aetna"],
    )


def test_it_shows_ranked_matches_with_reasons_and_times(client, maya):
    ClinicianFactory(first_name="Joe", last_name="Park", concerns=["depression"])
    _row, token = make_intake()
    response = client.get(reverse("matching:results", args=[token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Maya Chen") < page.index("Joe Park")
    assert "(she/her)" in page
    assert "Focuses on trauma and PTSD" in page
    # Each component is a drawn bar (hidden from screen readers) beside its value in words.
    assert 'class="score-bar-fill"' in page and 'aria-hidden="true"' in page
    assert re.search(r"What you want to work on.*?\d+ of 100", page, re.S)
    assert "Insurance taken: Aetna." in page
    book = reverse("matching:book", args=[token, maya.slug]) + "?start="
    assert page.count(book) >= 3
    assert "2026-03-03T14:00:00Z" in page  # Tue 9:00 New York: the first slot past 12 h notice
    assert "Tue 3 Mar, 9:00 AM" in page
    assert reverse("matching:delete", args=[token]) in page


def test_it_shows_more_on_request(client):
    MatchingSettings.objects.create(results_shown=1)
    ClinicianFactory(first_name="Ann", last_name="One")
    ClinicianFactory(first_name="Bob", last_name="Two")
    _row, token = make_intake()
    url = reverse("matching:results", args=[token])
    first = client.get(url).content.decode()
    assert "Show 1 more match" in first
    assert f"{url}?show=all" in first
    everyone = client.get(url, {"show": "all"}).content.decode()
    assert "Ann One" in everyone and "Bob Two" in everyone


def test_it_suggests_relaxing_a_preference_when_few_pass(client, maya):
    ClinicianFactory(languages=["English", "Spanish"], accepting_new_clients=True)
    _row, token = make_intake(preferences={"gender": {"value": "nonbinary", "importance": "must"}})
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    assert "2 more therapists if the therapist&#x27;s gender is nice to have" in page
    assert reverse("matching:edit", args=[token, "therapist"]) in page
    assert "tel:" in page


def test_it_shows_a_kind_page_for_an_unknown_or_expired_link(client):
    row, token = make_intake()
    assert client.get(reverse("matching:results", args=["nope"])).status_code == 404
    Intake.objects.filter(pk=row.pk).update(expires_at=NOW - dt.timedelta(seconds=1))
    response = client.get(reverse("matching:results", args=[token]))
    assert response.status_code == 404
    assert "expire" in response.content.decode()
    assert reverse("matching:start") in response.content.decode()


def test_it_leaves_out_clinicians_the_client_said_were_not_a_fit(client, maya):
    joe = ClinicianFactory(first_name="Joe", last_name="Park")
    row, token = make_intake()
    consultation = _consultation(maya, row.pk, wants_to_continue=1)
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    assert "Maya Chen" not in page and "Joe Park" in page

    next_url = reverse(
        "matching:next_match",
        args=[consultation_tokens.make_token(consultation, consultation_tokens.FIT_CHECK)],
    )
    response = client.get(next_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your next matches" in page
    assert "Joe Park" in page and "Maya Chen" not in page
    assert joe.first_name in page


def test_it_keeps_the_consultation_clinician_when_the_fit_check_went_well(client, maya):
    ClinicianFactory(first_name="Joe", last_name="Park")
    row, _token = make_intake()
    consultation = _consultation(maya, row.pk, wants_to_continue=4)
    token = consultation_tokens.make_token(consultation, consultation_tokens.FIT_CHECK)
    page = client.get(reverse("matching:next_match", args=[token])).content.decode()
    assert "Joe Park" in page and "Maya Chen" in page
    assert "right fit" not in page


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (Consultation.Status.CANCELLED, "Your consultation with Maya Chen is cancelled."),
        (Consultation.Status.DECLINED, "Maya Chen couldn't take that time."),
        (Consultation.Status.EXPIRED, "Maya Chen couldn't confirm in time."),
    ],
)
def test_it_changes_nothing_in_the_ranking_after_a_cancelled_or_refused_request(
    client, maya, status, said
):
    ClinicianFactory(first_name="Joe", last_name="Park", concerns=["depression"])
    row, results_token = make_intake()
    consultation = _consultation(maya, row.pk, fit_check=False, status=status)
    token = consultation_tokens.make_token(consultation, consultation_tokens.FIT_CHECK)

    page = client.get(reverse("matching:next_match", args=[token])).content.decode()
    before = client.get(reverse("matching:results", args=[results_token])).content.decode()

    assert "<h1>Your matches</h1>" in page
    assert said in page
    assert "right fit" not in page
    # The same clinicians in the same order as on the results page.
    assert page.index("Maya Chen") < page.index("Joe Park")
    assert before.index("Maya Chen") < before.index("Joe Park")
    assert reverse("matching:next_book", args=[token, maya.slug]) + "?start=" in page


def test_it_says_who_was_left_out_on_the_results_page_too(client, maya):
    ClinicianFactory(first_name="Joe", last_name="Park")
    row, token = make_intake()
    _consultation(maya, row.pk, wants_to_continue=1)
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    assert "Maya Chen" not in page
    assert "left out the therapist you told us wasn't the right fit" in page


def test_it_offers_to_change_each_suggested_answer_on_the_next_match_page(client, maya):
    # Maya misses only the must-have gender; Sam only the insurance plan.
    ClinicianFactory(first_name="Sam", last_name="Reyes", gender="nonbinary", insurance=[])
    row, _token = make_intake(
        preferences={"gender": {"value": "nonbinary", "importance": "must"}},
        payment={"insurance": "Aetna"},
    )
    consultation = _consultation(maya, row.pk, fit_check=False, status="cancelled")
    token = consultation_tokens.make_token(consultation, consultation_tokens.FIT_CHECK)
    page = client.get(reverse("matching:next_match", args=[token])).content.decode()
    assert "No therapist meets all of your must-haves right now." in page
    suggested = page[page.index('id="relax-heading"') : page.index("tel:")]
    assert suggested.count("<li>") == 2
    assert suggested.count("Change this answer") == 2
    therapist = reverse("matching:next_edit", args=[token, "therapist"])
    practical = reverse("matching:next_edit", args=[token, "practical"])
    assert f'href="{therapist}#div_id_gender"' in suggested
    assert f'href="{practical}#div_id_insurance"' in suggested


def test_it_changes_an_answer_from_the_next_match_page_and_comes_back(client, maya):
    row, _token = make_intake(
        preferences={"gender": {"value": "nonbinary", "importance": "must"}}, consent=True
    )
    consultation = _consultation(maya, row.pk, fit_check=False, status="cancelled")
    token = consultation_tokens.make_token(consultation, consultation_tokens.FIT_CHECK)
    next_page = reverse("matching:next_match", args=[token])

    opened = client.get(reverse("matching:next_edit", args=[token, "therapist"]))
    assert opened["Location"] == reverse("matching:step", args=["therapist"])
    step = client.get(opened["Location"]).content.decode()
    assert 'id="id_gender_importance_2"' in step
    saved = client.post(
        opened["Location"],
        {
            # The same screen asks how to work: its sliders post what they show.
            "lead": "3",
            "focus": "3",
            "time": "3",
            "challenge": "3",
            "gender": "nonbinary",
            "gender_importance": "nice",
            "language_importance": "none",
            "community_importance": "none",
            "lgbtq_affirming_importance": "none",
            "faith_informed_importance": "none",
            "nav": "next",
        },
    )
    assert saved["Location"] == reverse("matching:review")
    back = client.post(reverse("matching:review"))

    assert back["Location"] == next_page
    row.refresh_from_db()
    assert row.answers["preferences"]["gender"] == {"value": "nonbinary", "importance": "nice"}
    assert "Maya Chen" in client.get(next_page).content.decode()


def test_it_offers_booking_buttons_on_the_next_match_page(client, maya):
    joe = ClinicianFactory(first_name="Joe", last_name="Park")
    row, _token = make_intake()
    consultation = _consultation(maya, row.pk, wants_to_continue=1)
    token = consultation_tokens.make_token(consultation, consultation_tokens.FIT_CHECK)
    page = client.get(reverse("matching:next_match", args=[token])).content.decode()
    assert reverse("matching:next_book", args=[token, joe.slug]) + "?start=" in page
    assert "open the link to your results from your email" not in page


def test_it_refuses_a_bad_next_match_link(client, maya):
    row, _token = make_intake()
    consultation = _consultation(maya, row.pk)
    manage = consultation_tokens.make_token(consultation, consultation_tokens.MANAGE)
    assert client.get(reverse("matching:next_match", args=[manage])).status_code == 404
    assert client.get(reverse("matching:next_match", args=["x"])).status_code == 404


@pytest.mark.parametrize("roster", [3, 12])
def test_it_uses_a_constant_number_of_queries(client, django_assert_max_num_queries, roster):
    for _i in range(roster):
        ClinicianFactory(
            concerns=["anxiety", "trauma and PTSD"],
            languages=["English", "Spanish"],
            insurance=["Aetna"],
            licensed_in=["NY", "NJ"],
        )
    _row, token = make_intake(
        times=["weekday evenings"],
        payment={"insurance": "Aetna"},
        preferences={"language": {"value": "Spanish", "importance": "nice"}},
        approaches_wanted=["CBT"],
        goal_tags=["sleep better"],
    )
    with django_assert_max_num_queries(30):
        response = client.get(reverse("matching:results", args=[token]), {"show": "all"})
    assert response.status_code == 200
    assert response.content.decode().count('class="card mb-4"') == roster


def _consultation(
    clinician, reference: uuid.UUID, *, fit_check=True, status="completed", **answers
) -> Consultation:
    c = Consultation.objects.create(
        clinician=clinician,
        starts_at=NOW - dt.timedelta(days=1),
        ends_at=NOW - dt.timedelta(days=1) + dt.timedelta(minutes=15),
        status=status,
        format="video",
        client_first_name="Ana",
        client_email="ana@example.org",
        client_timezone="America/New_York",
        client_reference=reference,
    )
    values = {"felt_heard": 5, "agreed_goals": 5, "approach_makes_sense": 5, "wants_to_continue": 5}
    values.update(answers)
    if fit_check:
        FitCheck.objects.create(consultation=c, **values)
    return c


def test_it_takes_the_shown_times_from_the_ranking_search(client, maya, monkeypatch):
    from consultations import selectors as consultation_selectors

    ClinicianFactory(first_name="Joe", last_name="Park", concerns=["depression"])
    real, calls = consultation_selectors.open_slots_by_clinician, []

    def counted(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(consultation_selectors, "open_slots_by_clinician", counted)
    MatchingSettings.objects.update_or_create(pk=1, defaults={"relaxation_threshold": 1})
    _row, token = make_intake()
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    # One search gives both the ranking's first times and the three shown per match.
    assert [c["limit"] for c in calls] == [3]
    book = reverse("matching:book", args=[token, maya.slug]) + "?start="
    assert page.count(book) == 3
    assert 'Book Tue 3 Mar, 9:00 AM<span class="visually-hidden"> with Maya</span>' in page


def test_it_shows_credential_plan_and_office_names(client, maya):
    maya.credentials.set([Credential.objects.get_or_create(name=n)[0] for n in ("LCSW", "PhD")])
    _row, token = make_intake()
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    assert "LCSW, PhD" in page and "Insurance taken: Aetna." in page


def test_it_links_to_the_delete_confirmation_instead_of_posting(client, maya):
    _row, token = make_intake()
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    delete_url = reverse("matching:delete", args=[token])
    assert f'href="{delete_url}"' in page
    # The only forms that post are the waiting list's and the language switch.
    assert f'action="{delete_url}"' not in page
    assert page.count('method="post"') == page.count('id="waitlist-form"') + page.count(
        f'action="{reverse("set_language")}"'
    )
    confirmation = client.get(delete_url)
    assert confirmation.status_code == 200
    assert b"Delete your answers?" in confirmation.content
    assert Intake.objects.count() == 1


def test_it_shows_times_in_the_practice_zone_when_the_clients_zone_is_unknown(
    client, maya, settings
):
    settings.PRACTICE_TIME_ZONE = "America/Chicago"
    _row, token = make_intake(timezone="")
    response = client.get(reverse("matching:results", args=[token]))
    assert response.status_code == 200
    assert "Times are shown in Central Time (Chicago)." in response.content.decode()


def test_it_asks_to_answer_again_when_a_stored_answer_was_retired(client, maya):
    from clinicians.models import Concern

    _row, token = make_intake(concerns=["anxiety"])
    Concern.objects.filter(name="anxiety").delete()

    response = client.get(reverse("matching:results", args=[token]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some of your answers need a look" in page
    assert f'href="{reverse("matching:start")}"' in page
    assert "Answer the questions again" in page


def _cards(page: str) -> list[dict]:
    """Each card's name, shown fit and reasons, in the order the page shows them."""
    cards = []
    for block in page.split('<li class="card')[1:]:
        name = re.search(r'id="match-\d+"><a[^>]*>([^<]+)', block).group(1).strip()
        fit = re.search(r"<strong>([^<·]+) · (\d+)</strong>", block)
        lists = re.findall(r'<ul class="(?:mb-2|small)">(.*?)</ul>', block, re.S)
        reasons = [r for items in lists for r in re.findall(r"<li>(.*?)</li>", items)]
        cards.append({"name": name, "fit": fit.group(2), "words": fit.group(1), "reasons": reasons})
    return cards


def test_it_shows_whole_fits_in_the_order_it_ranks_them_each_with_a_reason(client):
    """Clinicians apart only in how soon they can meet score within a point of each other:
    taking turns among equal fits must never put a lower shown fit above a higher one."""
    MatchingSettings.objects.create(practical_points=20, results_shown=10)
    for day in range(7):  # one clinician a weekday, so their first times are a day apart
        ClinicianFactory(
            first_name=f"Day{day}", last_name="Clinician", hours=[(day, "09:00", "17:00")]
        )
    for n in range(6):  # different intakes take turns differently
        _row, token = make_intake(
            concerns=[],
            style={"lead": 3, "focus": 3, "time": 3, "challenge": 3},
            email=f"client{n}@example.org",
        )
        page = client.get(reverse("matching:results", args=[token])).content.decode()
        cards = _cards(page)
        assert len(cards) == 7
        fits = [card["fit"] for card in cards]
        assert all(fit.isdigit() for fit in fits), fits  # never a decimal
        numbers = [int(fit) for fit in fits]
        assert numbers == sorted(numbers, reverse=True)
        assert len(set(numbers)) >= 3
        for card in cards:
            assert card["words"] in ("Strong fit", "Good fit", "Possible fit")
            assert card["reasons"], card["name"]
        # Nothing else speaks for the ones who can't meet soon: where they can meet does.
        assert "Offers video sessions, licensed in NY" in page


def test_a_card_reads_at_a_glance_and_keeps_the_rest_one_click_away(client, maya):
    maya.intro = "I help people find steadier ground after something frightening."
    maya.save()
    _row, token = make_intake(goal_tags=["heal from the past"], times=["weekday daytime"])
    page = client.get(reverse("matching:results", args=[token])).content.decode()
    card = page.split('<li class="card')[1]

    assert re.search(r"<strong>(Strong|Good|Possible) fit · \d+</strong>", card)
    assert "“I help people find steadier ground after something frightening.”" in card
    assert 'alt=""' in card or 'aria-hidden="true"' in card  # the face, beside the name
    glance, more = card.split('<details class="match-more')
    top = re.search(r'Why they may suit you</h3>\s*<ul class="mb-2">(.*?)</ul>', glance, re.S)
    assert 1 <= top.group(1).count("<li>") <= 3
    assert "More about this fit" in more
    assert "How the score is made up" in more and "Feeling understood" in more
    assert f'href="{reverse("clinicians:profile", args=[maya.slug])}"' in glance
    assert "Cost for you" in glance


@pytest.mark.parametrize(
    ("payment", "expected", "fits"),
    [
        ({"insurance": "Aetna"}, "Takes your insurance (Aetna)", True),
        ({"insurance": "Cigna"}, "Doesn't take Cigna. $160 a session, or from $90", False),
        ({"self_pay_budget": 200}, "Within your budget of $200.", True),
        ({"self_pay_budget": 100}, "The sliding scale can fit your budget of $100.", True),
        ({"self_pay_budget": 50}, "Above your budget of $50.", False),
        ({}, "Insurance taken: Aetna. $160 a session, or from $90 on a sliding scale.", None),
    ],
)
def test_it_says_what_a_session_would_cost_this_client(payment, expected, fits):
    from matching.results_views import cost_for_client

    cost = cost_for_client(payment, plans=["Aetna"], fee=160, sliding_scale_min=90)

    assert expected in cost["text"]
    assert cost["fits"] is fits


def test_it_says_to_ask_about_a_fee_it_does_not_know():
    from matching.results_views import cost_for_client

    cost = cost_for_client({}, plans=[], fee=None, sliding_scale_min=None)
    assert cost == {"text": "Ask about the fee in your free consultation.", "fits": None}
