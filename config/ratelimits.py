"""Per-address limits on what anyone can send without an account (django-ratelimit rates).

Each is generous for a person and tight for a script: a refused request gets the friendly 429
page (config.views.rate_limited) and changes nothing. Counters live in the default cache, so
in production every process shares them through Redis."""

import ipaddress

# Intake pages: a person needs a few seconds per page, even going back and forth.
INTAKE_STEP = "60/m"
# Sending the intake creates a record (and maybe a same-day safety call): nobody sends ten.
INTAKE_SUBMIT = "10/h"
# The results link's edit and delete pages: a handful of clicks per visit.
INTAKE_LINK = "30/m"
INTAKE_LINK_GROUP = "matching.intake_link"  # one budget for edit and delete together
# Booking holds a clinician's time and emails them: a few tries at most, after "just taken".
BOOKING = "10/m"
# A consultation's manage link (all its pages together): looking, rescheduling, cancelling.
MANAGE_LINK = "30/m"
MANAGE_LINK_GROUP = "consultations.manage"
# The fit check is answered once.
FIT_CHECK = "10/m"
# A clinician's calendar feed, per link: calendar apps ask every few minutes at most, from a
# phone, a laptop and a web calendar at once; and per address, for anyone trying links.
CALENDAR_FEED = "60/h"
CALENDAR_FEED_ADDRESS = "120/m"
CALENDAR_FEED_GROUP = "consultations.calendar_feed"
# Logins across usernames from one address (django-axes locks one username after 5 failures).
LOGIN = "10/m"


# Requests without a usable address (a proxy hop that isn't one) all count as this one unknown
# client: never an error, and never a way around the limits.
UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 (a counter's key, not an address to bind)


def client_address(request) -> str | None:
    """The client's address, or None when there is no valid one.

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appends the address it saw to
    X-Forwarded-For; the client's is the one the outermost trusted proxy added. Anything to its
    left came from the client and could be forged, so it is never used."""
    from django.conf import settings

    candidate = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address limits count against (django-ratelimit's RATELIMIT_IP_META_KEY)."""
    return client_address(request) or UNKNOWN_CLIENT


def lockout_ip(request) -> str | None:
    """The same address for django-axes, which wants None when there is none."""
    return client_address(request)


def login_username(request, credentials) -> str:
    """The username a failed login counts against, cut to what a username can be.

    Django's login form doesn't bound the username's length, and the lockout table stores at most
    255 characters: an absurd username would otherwise fail the request instead of the login."""
    from django.contrib.auth import get_user_model

    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "") if request is not None else ""
    limit = get_user_model()._meta.get_field("username").max_length
    return str(raw)[:limit]
