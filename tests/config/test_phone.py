import re

import pytest
from django.template import Context, Template

from config.templatetags.phone import tel_uri

pytestmark = pytest.mark.django_db
TEL = re.compile(r'href="(tel:[^"]*)"')


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("(555) 010-2000", "tel:+15550102000"),
        ("555.010.2000", "tel:+15550102000"),
        ("1 (555) 010-2000", "tel:+15550102000"),
        ("+1 555 010 2000", "tel:+15550102000"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("(555) 010-2000 ext. 12", "tel:+15550102000"),
        ("988", "tel:988"),
        ("010-2000", "tel:0102000"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_builds_a_clean_tel_uri(written, uri):
    assert tel_uri(written) == uri


def test_templates_load_it_by_name():
    rendered = Template('{% load phone %}<a href="{{ n|tel_uri }}">').render(
        Context({"n": "(555) 010-2000"})
    )
    assert rendered == '<a href="tel:+15550102000">'


@pytest.mark.parametrize("url", ["/", "/privacy/", "/no-such-page/"])
def test_page_footers_link_the_practice_phone_cleanly(client, settings, url):
    settings.PRACTICE_PHONE = "(555) 010-2000"
    page = client.get(url).content.decode()
    assert "(555) 010-2000" in page
    links = TEL.findall(page)
    assert "tel:+15550102000" in links
    assert all(re.fullmatch(r"tel:\+?\d+", link) for link in links), links
