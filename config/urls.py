from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLResolver, include, path
from django.urls.resolvers import LocalePrefixPattern, RoutePattern
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language
from django_ratelimit.decorators import ratelimit

import consultations.urls
from clinicians.branding import practice_brand
from matching.dashboard_views import pipeline_dashboard

from . import ratelimits, views

# One budget for every login form: the clinicians' page and the admin's.
login_limit = ratelimit(key="ip", rate=ratelimits.LOGIN, method="POST", group="login")

# The practice's own name (its brand, as staff set it) in every admin page's header and title.
practice_name = lazy(lambda: practice_brand().name, str)()
admin.site.site_header = practice_name
admin.site.site_title = format_lazy("{} · {}", practice_name, _("staff"))
admin.site.index_title = _("Run the practice")

# What clients see is in their language, kept in the address: English at the plain paths,
# Spanish under /es/ (docs/architecture.md, "Languages"). The admin, the clinicians' portal and
# login, /healthz and calendar feeds stay unprefixed, in English.
CLIENT_LANGUAGE_PREFIX = LocalePrefixPattern(prefix_default_language=False)

# consultations/urls.py holds the portal and the client's links under one namespace; the
# portal's routes (STAFF_ROUTES) stay unprefixed, every other route is the client's.
STAFF_ROUTES = ("portal/", "calendar/")


def _consultation_routes():
    staff, client = [], []
    for pattern in consultations.urls.urlpatterns:
        route = str(pattern.pattern)
        (staff if route.startswith(STAFF_ROUTES) else client).append(pattern)
    return URLResolver(
        RoutePattern(""),
        [
            path("consultations/", include(staff)),
            # Built directly: include() refuses a language prefix below the root.
            URLResolver(CLIENT_LANGUAGE_PREFIX, [path("consultations/", include(client))]),
        ],
        app_name=consultations.urls.app_name,
        namespace=consultations.urls.app_name,
    )


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("brand.css", views.brand_css, name="brand_css"),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", views.media, name="media"),
    path(
        "login/",
        login_limit(auth_views.LoginView.as_view()),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    _consultation_routes(),
    path(
        f"{settings.ADMIN_URL}pipeline/",
        admin.site.admin_view(pipeline_dashboard),
        name="pipeline_dashboard",
    ),
    # Listed before the admin's own URLs so that its login goes through the same limit.
    path(f"{settings.ADMIN_URL}login/", login_limit(admin.site.login)),
    path(settings.ADMIN_URL, admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    # The language switch on every page (a form: works without JavaScript). Under the prefix,
    # so it reads the page it came from in that page's language.
    path("language/", set_language, name="set_language"),
    path("clinicians/", include("clinicians.urls")),
    path("intake/", include("matching.urls")),
    prefix_default_language=False,
)

handler403 = "config.views.permission_denied"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
