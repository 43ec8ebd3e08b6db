"""The Spanish catalogue check itself (config/i18n_check.py, run by `make check`): which strings
are client-facing, and that a missing or fuzzy client string fails it."""

import shutil

import pytest

from config import i18n_check
from config.i18n_check import client_choice_strings, parse_po, problems

CATALOGUE = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: templates/matching/results.html
msgid "Your matches"
msgstr "Sus opciones"

#: templates/matching/results.html matching/views.py
msgid "Book a free consultation"
msgstr ""

#: templates/consultations/manage.html
#, fuzzy
msgid "Cancel this consultation"
msgstr "Cancelar esta cita"

#: templates/admin/consultations/dashboard.html
msgid "Pipeline"
msgstr ""

#: templates/consultations/portal.html templates/matching/start.html
msgid "Start"
msgstr ""

#: consultations/models.py
msgid "requested"
msgstr ""

#: consultations/models.py
msgid "starts at"
msgstr ""

#: consultations/models.py
msgctxt "fit check"
msgid "5 · Completely"
msgstr ""

#~ msgid "Gone"
#~ msgstr ""
"""


def test_a_missing_and_a_fuzzy_client_string_fail_and_staff_strings_need_no_spanish():
    found = problems(parse_po(CATALOGUE))

    assert found == [
        "no Spanish: 'Book a free consultation' (templates/matching/results.html, "
        "matching/views.py)",
        "fuzzy: 'Cancel this consultation' (templates/consultations/manage.html)",
        # Used by the portal and by the intake: a client reads it.
        "no Spanish: 'Start' (templates/consultations/portal.html, templates/matching/start.html)",
    ]


def test_a_models_choice_clients_read_needs_spanish_though_only_models_py_names_it():
    found = problems(
        parse_po(CATALOGUE),
        {(None, "requested"), ("fit check", "5 · Completely")},
    )

    assert "no Spanish: 'requested' (consultations/models.py)" in found
    assert "no Spanish: [fit check] '5 · Completely' (consultations/models.py)" in found
    # A field's name stays staff-only.
    assert not [line for line in found if "starts at" in line]


MODELS = """\
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy

SIZES = [("s", _("small")), ("l", pgettext_lazy("size", "large")), ("x", "x")]
OTHER = [("o", _("staff word"))]


class Thing(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SHUT = "shut", _("shut")

    class Hidden(models.TextChoices):
        SECRET = "secret", _("secret")

    name = models.CharField(_("name"), max_length=9)
"""


def test_the_listed_choices_strings_are_read_from_the_models_source(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(MODELS)

    strings = client_choice_strings(tmp_path, {"app/models.py": ("SIZES", "Thing.Status")})

    assert strings == {(None, "small"), ("size", "large"), (None, "open"), (None, "shut")}


def test_a_listed_choice_that_is_gone_from_the_models_is_an_error(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(MODELS)

    with pytest.raises(LookupError, match=r"app/models.py has no Thing.Gone"):
        client_choice_strings(tmp_path, {"app/models.py": ("Thing.Gone",)})


def test_the_projects_client_choices_are_all_found():
    strings = {msgid for _context, msgid in client_choice_strings(i18n_check.ROOT)}

    # The manage page's status and format, the fit check's scale ends, the profile's age groups.
    assert {"requested", "no-show", "Video", "1 · Not at all", "teens (13–17)"} <= strings
    assert "starts at" not in strings


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")
def test_the_check_fails_naming_what_a_client_would_read_in_english(monkeypatch, capsys):
    """The whole check, with makemessages replaced by a catalogue missing client strings."""

    def makemessages(project):
        (project / i18n_check.PO).write_text(CATALOGUE, encoding="utf-8")

    monkeypatch.setattr(i18n_check, "makemessages", makemessages)

    assert i18n_check.main() == 1
    out = capsys.readouterr().out
    assert "The Spanish catalogue is incomplete" in out
    assert "no Spanish: 'Book a free consultation'" in out
    assert "fuzzy: 'Cancel this consultation'" in out
    assert "no Spanish: 'requested'" in out
    # Every other listed choice is absent from this catalogue, and said so.
    assert "not in the catalogue: 'no-show', listed in CLIENT_CHOICES" in out
    assert "Pipeline" not in out
