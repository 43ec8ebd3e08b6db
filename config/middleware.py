"""Request-wide settings that depend on who is reading."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import get_script_prefix, is_valid_path
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers


def practice_time_in_admin(get_response):
    """Staff read times in the admin in the practice's own zone, the one they work in; the
    rest of the site names the zone beside every time it shows."""
    prefix = "/" + settings.ADMIN_URL
    zone = ZoneInfo(settings.PRACTICE_TIME_ZONE)

    def middleware(request):
        if not request.path.startswith(prefix):
            return get_response(request)
        timezone.activate(zone)
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware


# The pages a first visit starts from. Private links (results, booking, manage, fit check,
# check-ins) are never redirected: they come from emails, already in the client's language.
FIRST_VISIT_PAGES = frozenset(
    {"home", "privacy", "clinicians:directory", "clinicians:profile", "matching:start"}
)


def language_from_browser(get_response):
    """A first visit to a client page at its plain (English) address, from a browser whose
    Accept-Language prefers Spanish, goes to the same page under /es/. "First" means no choice
    is recorded yet: the language switch sets the language cookie, and from then on the
    address alone decides. Only the pages a visit starts from (`FIRST_VISIT_PAGES`) are
    redirected; staff pages have no /es/ twin."""

    def middleware(request):
        if (
            request.method in ("GET", "HEAD")
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not translation.get_language_from_path(request.path_info)
        ):
            preferred = translation.get_language_from_request(request)
            if preferred != settings.LANGUAGE_CODE:
                with translation.override(preferred):
                    prefixed = f"/{preferred}{request.path_info}"
                    urlconf = getattr(request, "urlconf", None)
                    match = is_valid_path(prefixed, urlconf)
                    if match and match.view_name in FIRST_VISIT_PAGES:
                        script_prefix = get_script_prefix()
                        target = request.get_full_path().replace(
                            script_prefix, f"{script_prefix}{preferred}/", 1
                        )
                        response = HttpResponseRedirect(target)
                        patch_vary_headers(response, ("Accept-Language", "Cookie"))
                        return response
        response = get_response(request)
        if not translation.get_language_from_path(request.path_info):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return middleware
