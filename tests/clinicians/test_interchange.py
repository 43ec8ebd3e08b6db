import csv
import io

import pytest

from clinicians.interchange import (
    RosterFormatError,
    parse_csv,
    parse_json,
    to_csv,
    to_json,
    validate_roster,
)

pytestmark = pytest.mark.django_db


def test_it_accepts_the_documented_example(maya_row):
    rows, errors = validate_roster([maya_row])

    assert errors == []
    data = rows[0].data
    assert data["languages"] == ["English", "Mandarin"]
    assert data["licenses"] == [{"state": "NY", "number": "R-10442", "expires": "2099-06-30"}]
    assert data["consultation_hours"] == [{"weekday": "mon", "start": "09:00", "end": "12:00"}]
    assert [term.name for term in rows[0].terms["offices"]] == ["Downtown"]


def test_it_reads_csv_cells_into_the_same_shape(maya_row, maya_csv_row):
    from_json, _ = validate_roster([maya_row])
    from_csv, errors = validate_roster([maya_csv_row])

    assert errors == []
    assert from_csv[0].data == from_json[0].data


def test_it_matches_vocabulary_names_case_insensitively(maya_row):
    maya_row["languages"] = ["ENGLISH", "mandarin"]
    maya_row["concerns"] = ["Anxiety", "TRAUMA AND PTSD"]
    maya_row["focus_concerns"] = ["trauma and ptsd"]

    rows, errors = validate_roster([maya_row])

    assert errors == []
    assert rows[0].data["languages"] == ["English", "Mandarin"]
    assert rows[0].data["focus_concerns"] == ["trauma and PTSD"]


def test_it_names_the_row_and_field_of_an_unknown_name(maya_row):
    rows = [dict(maya_row, email=f"c{i}@example.org") for i in range(7)]
    rows[6]["languages"] = ["English", "Klingon"]

    _, errors = validate_roster(rows)

    assert errors == ['row 7, languages: "Klingon" is not a language of this practice']


def test_it_collects_every_error_not_just_the_first(maya_row):
    bad = dict(
        maya_row,
        email="not-an-email",
        offices=["Uptown"],
        style={"lead": 6, "focus": 4, "time": 4, "challenge": 2},
    )
    other = dict(maya_row, email="b@example.org", timezone="Mars/Olympus")

    _, errors = validate_roster([bad, other])

    assert errors == [
        'row 1, email: "not-an-email" is not an email address',
        'row 1, offices: "Uptown" is not an office of this practice',
        "row 1, style.lead: 6 is not between 1 and 5",
        'row 2, timezone: "Mars/Olympus" is not a time zone; use a name such as America/New_York',
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"email": ""}, "row 1, email: is required"),
        ({"first_name": "  "}, "row 1, first_name: is required"),
        (
            {"licenses": [{"state": "ZZ", "number": "1", "expires": "2099-01-01"}]},
            'row 1, licenses: "ZZ" is not a US state code',
        ),
        (
            {"licenses": "NY:R-1:2099-13-01"},
            'row 1, licenses: "2099-13-01" is not a date; use YYYY-MM-DD',
        ),
        (
            {"licenses": "NY-R-1"},
            'row 1, licenses: "NY-R-1" is not a licence; write STATE:NUMBER:YYYY-MM-DD',
        ),
        (
            {"licenses": "NY:R-1:2099-01-01;NY:R-1:2099-02-01"},
            "row 1, licenses: NY R-1 is listed twice",
        ),
        (
            {"consultation_hours": "mon 9am-12:00"},
            'row 1, consultation_hours: "9am" is not a time; use HH:MM, 24-hour',
        ),
        (
            {"consultation_hours": "mon 12:00-09:00"},
            "row 1, consultation_hours: mon 12:00-09:00 ends before it starts",
        ),
        (
            {"consultation_hours": "someday 09:00-10:00"},
            'row 1, consultation_hours: "someday" is not a weekday; '
            "use mon, tue, wed, thu, fri, sat or sun",
        ),
        ({"style": "lead=3;focus=4;time=4"}, "row 1, style: challenge is missing"),
        (
            {"style": "lead=3;focus=4;time=4;challenge=2;warmth=5"},
            'row 1, style: "warmth" is not a style dimension; use lead, focus, time and challenge',
        ),
        (
            {"style": "lead=3;focus=0;time=4;challenge=2"},
            "row 1, style.focus: 0 is not between 1 and 5",
        ),
        (
            {"focus_concerns": ["depression"]},
            'row 1, focus_concerns: "depression" is not among the concerns',
        ),
        (
            {
                "concerns": ["anxiety", "depression", "sleep", "anger"],
                "focus_concerns": ["anxiety", "depression", "sleep", "anger"],
            },
            "row 1, focus_concerns: at most 3",
        ),
        (
            {"ages": ["toddlers"]},
            'row 1, ages: "toddlers" is not one of children, teens, adults, older adults, '
            "couples, families",
        ),
        (
            {"formats": ["carrier pigeon"]},
            'row 1, formats: "carrier pigeon" is not one of video, phone, in person',
        ),
        (
            {"self_pay_fee": 80, "sliding_scale_min": 90},
            "row 1, sliding_scale_min: 90 is above the self-pay fee 80",
        ),
        ({"self_pay_fee": "a lot"}, 'row 1, self_pay_fee: "a lot" is not a whole number'),
        ({"self_pay_fee": -5}, "row 1, self_pay_fee: -5 is not between 0 and 100000"),
        (
            {"accepting_new_clients": "maybe"},
            'row 1, accepting_new_clients: "maybe" is not true or false',
        ),
        ({"favourite_colour": "blue"}, "row 1, favourite_colour: is not a roster field"),
        (
            {"video_link": "zoom me"},
            'row 1, video_link: "zoom me" is not a web address starting with https://',
        ),
        (
            {"video_link": "http://zoom.us/j/1"},
            'row 1, video_link: "http://zoom.us/j/1" is not a web address starting with https://',
        ),
        ({"intro": "x" * 161}, "row 1, intro: at most 160 characters"),
        (
            {"credentials": ["Wizard"]},
            'row 1, credentials: "Wizard" is not a credential of this practice',
        ),
        (
            {"insurance": ["Acme Health"]},
            'row 1, insurance: "Acme Health" is not an insurance plan of this practice',
        ),
    ],
)
def test_it_explains_what_is_wrong(maya_row, changes, expected):
    maya_row.update(changes)

    _, errors = validate_roster([maya_row])

    assert errors == [expected]


def test_it_rejects_a_row_that_is_not_an_object(maya_row):
    _, errors = validate_roster([maya_row, ["maya.chen@example.org"]])

    assert errors == ["row 2: give an object with the roster's fields"]


def test_it_rejects_the_same_email_twice_ignoring_case(maya_row):
    _, errors = validate_roster([maya_row, dict(maya_row, email="Maya.Chen@example.org")])

    assert errors == ['row 2, email: "Maya.Chen@example.org" is already in row 1']


def test_it_treats_blank_csv_booleans_and_style_as_not_given(maya_csv_row):
    maya_csv_row.update(accepting_new_clients="", style="", timezone="", self_pay_fee="")
    maya_csv_row["sliding_scale_min"] = ""

    rows, errors = validate_roster([maya_csv_row])

    assert errors == []
    assert "accepting_new_clients" not in rows[0].data
    assert "style" not in rows[0].data
    assert rows[0].data["self_pay_fee"] is None


def test_it_writes_csv_that_reads_back_the_same(maya_row):
    rows, _ = validate_roster([maya_row])

    text = to_csv([rows[0].data])
    again, errors = validate_roster(parse_csv(text))

    assert errors == []
    assert again[0].data.items() >= rows[0].data.items()
    assert "NY:R-10442:2099-06-30" in text
    assert "lead=3;focus=4;time=4;challenge=2" in text
    assert "mon 09:00-12:00" in text


def test_it_writes_json_that_reads_back_the_same(maya_row):
    rows, _ = validate_roster([maya_row])

    assert parse_json(to_json([rows[0].data])) == [rows[0].data]


def test_it_refuses_a_file_that_is_not_a_roster():
    with pytest.raises(RosterFormatError, match="not valid JSON"):
        parse_json("[{")
    with pytest.raises(RosterFormatError, match="JSON array"):
        parse_json('{"email": "a@example.org"}')
    with pytest.raises(RosterFormatError, match="more cells than the header"):
        parse_csv("email,first_name\na@example.org,Ann,extra\n")


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bio", "fine\x00then not"),
        ("languages", ["English", "Man\x00darin"]),
        ("last_name", "\x00"),
    ],
)
def test_it_names_a_nul_character_instead_of_crashing(maya_row, fmt, field, value):
    rows = [dict(maya_row, email=f"c{i}@example.org") for i in range(3)]
    rows[2][field] = value
    if fmt == "csv":
        rows = parse_csv(to_csv(rows))

    _, errors = validate_roster(rows)

    assert errors == [f"row 3, {field}: contains a NUL character"]


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1 555 0100",
        "-2+3",
        "@SUM(A1:A2)",
        "\tTabbed",
        "\rReturned",
        "'=already guarded",
        "''+twice",
        "'plain apostrophe",
        "O'Brien",
    ],
)
def test_it_writes_no_cell_that_a_spreadsheet_would_run(maya_row, name):
    row = dict(maya_row, first_name=name, bio=name)

    text = to_csv([row])

    _header, cells = csv.reader(io.StringIO(text, newline=""))
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert parse_csv(text)[0]["first_name"] == name
    assert parse_csv(text)[0]["bio"] == name


def test_it_guards_a_formula_in_a_list_cell_and_reads_it_back(maya_row):
    text = to_csv([dict(maya_row, pronouns="-they")])

    assert ",'-they," in text
    assert parse_csv(text)[0]["pronouns"] == "-they"
