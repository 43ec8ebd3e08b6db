import re

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db
ICON = re.compile(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">')


def test_the_favicon_is_a_static_svg():
    path = finders.find("favicon.svg")
    assert path is not None
    with open(path, encoding="utf-8") as svg:
        content = svg.read()
    assert content.lstrip().startswith("<svg") and 'viewBox="0 0 32 32"' in content
    # Loaded as an image, so it needs nothing the strict policy forbids.
    assert "<script" not in content and "style=" not in content


def test_the_default_favicon_address_leads_to_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")


@pytest.mark.parametrize("name", ["home", "privacy", "admin:login"])
def test_every_page_links_the_icon_under_the_strict_policy(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert ICON.search(response.content.decode()).group(1) == static("favicon.svg")
    policy = response["Content-Security-Policy"]
    assert "img-src 'self'" in policy and "unsafe-inline" not in policy
