import datetime as dt
import logging
import re

from django.conf import settings
from django.contrib import admin
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def home(request):
    from clinicians.selectors import clinician_faces

    faces, count = clinician_faces()
    return render(request, "home.html", {"faces": faces, "clinician_count": count})


def privacy(request):
    return render(request, "privacy.html", {"retention_days": settings.INTAKE_RETENTION_DAYS})


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on their own: send them to the site's icon."""
    return redirect(static("favicon.svg"), permanent=True)


# Uploads the app serves itself, in development and production alike: clinicians' photos and the
# practice's logo, always images the app wrote itself (re-encoded by Pillow), never anything else
# that may sit under MEDIA_ROOT.
MEDIA_NAME = re.compile(
    r"^(?:clinicians|brand)/(?:[A-Za-z0-9_-]+/)?[A-Za-z0-9_.-]+\.(?:jpe?g|png|webp)$"
)
MEDIA_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Renditions and logos are named by a digest of their content: a new photo gets a new name.
CONTENT_NAMED = re.compile(r"/[0-9a-f]{16}-\d+\.(?:jpg|png)$")


@require_GET
def media(request, name: str):
    """One uploaded image from the default storage. Names are checked against MEDIA_NAME (no
    "..", no absolute paths, images only), so nothing outside the uploads can be reached."""
    if not MEDIA_NAME.match(name) or ".." in name:
        raise Http404
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=MEDIA_TYPES[name.rsplit(".", 1)[1].lower()])
    if CONTENT_NAMED.search(name):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def brand_css(request):
    """The practice's accent as the design system's custom property (static/css/alliance.css
    derives the rest from it). A stylesheet rather than an inline style, which the Content
    Security Policy forbids; its address carries the accent's version, so it is kept a year."""
    from clinicians.branding import practice_brand

    brand = practice_brand()
    css = f":root {{ --al-accent: {brand.accent}; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == brand.version:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: database unavailable")
        return False


def _broker_ok() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("Health check: broker unavailable", exc_info=True)
        return False


# The beat sweeps notifications every minute; five missed sweeps mean it has stopped.
BEAT_STALE_AFTER = dt.timedelta(minutes=5)


def _beat_state() -> tuple[str, str | None]:
    """ "ok", "stale", or "not yet run" (a fresh install before the first sweep), with the time
    of the last sweep."""
    from consultations.selectors import heartbeat_at
    from consultations.tasks import SWEEP_HEARTBEAT

    try:
        last = heartbeat_at(name=SWEEP_HEARTBEAT)
    except Exception:
        logger.exception("Health check: could not read the beat's heartbeat")
        return "unknown", None
    if last is None:
        return "not yet run", None
    state = "ok" if timezone.now() - last < BEAT_STALE_AFTER else "stale"
    return state, last.isoformat()


def _email_failing() -> bool:
    """True while any email has been failing for an hour (it is still being retried)."""
    from consultations.selectors import email_failing

    try:
        return email_failing()
    except Exception:
        logger.exception("Health check: could not count failing emails")
        return False


@require_GET
@never_cache
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    beat, last_sweep = _beat_state() if checks["database"] else ("unknown", None)
    healthy = all(checks.values()) and beat != "stale"
    # Emails failing for an hour leave the site working (200), but someone should look.
    email_failing = checks["database"] and _email_failing()
    if not checks["database"]:
        status = "unavailable: database"
    elif not healthy or email_failing:
        # Pages and forms still work (emails wait in the outbox), but someone should look.
        trouble = [name for name, ok in checks.items() if not ok]
        trouble += ["beat"] if beat == "stale" else []
        trouble += ["email"] if email_failing else []
        status = "degraded: " + ", ".join(trouble)
    else:
        status = "ok"
    return JsonResponse(
        {
            "status": status,
            "checks": checks,
            "beat": {"state": beat, "last_sweep": last_sweep},
        },
        status=200 if healthy else 503,
    )


def rate_limited(request, exception=None):
    return render(request, "429.html", status=429)


def permission_denied(request, exception=None):
    """Which permission the page needs and who can grant it, never a bare "403 Forbidden"."""
    from .permissions import refusal_for

    match = getattr(request, "resolver_match", None)
    in_admin = match is not None and match.namespace == "admin"
    template = "admin/permission_denied.html" if in_admin else "403.html"
    context = {"refusal": refusal_for(request, exception)}
    if in_admin:
        context.update(admin.site.each_context(request))
    return render(request, template, context, status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
