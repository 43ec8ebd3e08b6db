"""What every page's template needs that depends on the request and on no app."""

from django.urls import translate_url
from django.utils import translation

# Each language named in itself, as the switch shows it.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def language_switch(request):
    """The other language of a client page, and the same page's address in it; nothing on
    staff pages (the admin, the portal), which have no Spanish twin."""
    current = translation.get_language()
    other = "en" if current == "es" else "es"
    here = request.get_full_path()
    if translate_url(here, other) == here:
        return {}
    return {"language_switch": {"code": other, "name": LANGUAGE_NAMES[other], "next": here}}
